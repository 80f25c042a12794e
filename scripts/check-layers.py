#!/usr/bin/env python3
"""check-layers.py: keyart's modules are layers, and dependencies point one way: down.

A module may use (include, call, link to) only the modules listed before it here.
docs/layers.md says the same for people, with what each module is for.

    common       errors, logging, ka_image and ka_rect, arrays, JSON numbers, parsing
    media        FFmpeg: open, demux, decode; small copies; RGB frames; JPEG; resize
    imaging      colour (sRGB to CIELAB, gray), artwork shapes, crop placement
    analysis     signals, shots, bars, the sampler, the candidate worker and the
                 stage interface (analysis/stage.h); quality, saliency, phash
    vision       faces, people, objects, BRISQUE, identities, the cast in memory,
                 crops around faces, vision's quality parts; the "faces" stage
    rank         the "look" stage, features, the ranker and its training; the list
                 of every stage and ka_analyze, which runs it
    select       classification, the quality score (analysis's parts and vision's),
                 genres and slots, the pick of variants, variant ids
    personalize  events, the seeded generator, profiles, policies (bandits)
    experiment   assignment, metrics, statistics, reports, off-policy evaluation
    output       metadata.json, shots JSON/CSV, variant images, the contact sheet
    store        SQLite/PostgreSQL, schema, artwork folder, analyses, cast, events,
                 the work queue's rows
    jobs         running the work queue's jobs, segments and their merge
    serve        the HTTP service
    cli          the keyart command

What is checked, on the source tree alone:
  - every folder of src/ is a module of the list (a new module is placed first),
    and its meson.build builds only its own files (no '../');
  - every #include "..." in src/ and include/keyart/ names a header of the same
    module or of a lower one. include/keyart/X.h is module X's (json.h is common's);
    keyart/keyart.h, which includes every public header, is the top's (cli). A
    module's own headers ("shots_priv.h", "vision/cv_bridge.h") are its own.
With --lib LIBKEYART.a also what the compiler cannot see from includes: every ka_
symbol an object of a module needs (nm) must be defined by the same or a lower
module (an `extern` declaration of a higher module's symbol is caught here).

    check-layers.py [--root DIR] [--lib build/libkeyart.a]

Exit 0 when every dependency points down, 1 with one line per one that does not,
2 on a usage error. meson test --suite layers runs both checks."""
import argparse
import pathlib
import re
import subprocess
import sys

ORDER = ["common", "media", "imaging", "analysis", "vision", "rank", "select",
         "personalize", "experiment", "output", "store", "jobs", "serve", "simulate", "cli"]
RANK = {m: i for i, m in enumerate(ORDER)}
TOP = ORDER[-1]
# Public headers whose name is not their module's.
PUBLIC_OWNER = {"json": "common", "options": "common", "keyart": TOP}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
# nm -A: "lib.a:member.o: [value] type name"
NM_LINE = re.compile(r"^.*?:([^:]+\.o):\s*(?:[0-9a-fA-F]+\s+)?([A-Za-z])\s+(\S+)$")
SOURCES = ("*.c", "*.h", "*.cpp", "*.hpp")


def module_of_header(name, including):
    """The module a quoted include names, as seen from the file that includes it."""
    parts = name.split("/")
    if len(parts) == 2 and parts[0] == "keyart":
        stem = parts[1].rsplit(".", 1)[0]
        return PUBLIC_OWNER.get(stem, stem)
    if len(parts) == 2 and parts[0] in RANK:
        return parts[0]
    return including           # relative to the including file: its own module


def file_module(root, path):
    rel = path.relative_to(root).parts
    if rel[0] == "src":
        return rel[1]
    stem = path.stem          # include/keyart/X.h
    return PUBLIC_OWNER.get(stem, stem)


def source_files(root):
    for pattern in SOURCES:
        yield from (root / "src").rglob(pattern)
        yield from (root / "include" / "keyart").glob(pattern)


def check_includes(root):
    errors = []
    for d in sorted(p for p in (root / "src").iterdir() if p.is_dir()):
        if d.name not in RANK:
            errors.append(f"src/{d.name}: a module the layer order does not know: place it in "
                          "scripts/check-layers.py's ORDER and docs/layers.md")
    for build in sorted((root / "src").glob("*/meson.build")):
        for line_no, line in enumerate(build.read_text().splitlines(), 1):
            if re.search(r"'[^']*\.\./[^']*'", line.split("#", 1)[0]):
                errors.append(f"{build.relative_to(root)}:{line_no}: builds a file of another "
                              "module; each module lists only its own files")
    for path in sorted(set(source_files(root))):
        mod = file_module(root, path)
        if mod not in RANK:
            errors.append(f"{path.relative_to(root)}: in no module of the layer order")
            continue
        if path.name == "keyart.h" and path.parent.name == "keyart":
            continue        # the umbrella: it includes every module on purpose
        text = path.read_text(errors="replace")
        for m in INCLUDE.finditer(text):
            target = module_of_header(m.group(1), mod)
            if target not in RANK:
                errors.append(f"{path.relative_to(root)}: includes \"{m.group(1)}\", of no "
                              "known module")
            elif RANK[target] > RANK[mod]:
                line = text.count("\n", 0, m.start()) + 1
                errors.append(f"{path.relative_to(root)}:{line}: {mod} includes "
                              f"\"{m.group(1)}\" of {target}, a higher layer")
    return errors


def member_module(member):
    """The module of a libkeyart.a member (meson names it after its source path)."""
    for m in ORDER:
        if f"src_{m}_" in member:
            return m
    return None


def check_links(lib):
    """Every ka_ symbol a module's objects need comes from it or a lower module."""
    try:
        out = subprocess.run(["nm", "-A", "-g", str(lib)], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return [f"{lib}: cannot list its symbols with nm: {e}"]
    defined, needed = {}, []
    for line in out.splitlines():
        m = NM_LINE.match(line)
        if not m or not m.group(3).startswith("ka_"):
            continue
        member = m.group(1).rsplit("/", 1)[-1]
        mod = member_module(member)
        if mod is None:
            continue
        if m.group(2) == "U":
            needed.append((mod, member, m.group(3)))
        elif m.group(2) in "TDBRCVWG":
            defined[m.group(3)] = mod
    errors = []
    for mod, member, sym in sorted(set(needed)):
        owner = defined.get(sym)
        if owner and RANK[owner] > RANK[mod]:
            errors.append(f"{member}: {mod} uses {sym} of {owner}, a higher layer")
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=pathlib.Path(__file__).resolve().parent.parent,
                    type=pathlib.Path, help="the source tree (default: this script's)")
    ap.add_argument("--lib", type=pathlib.Path, help="libkeyart.a to check the symbols of")
    a = ap.parse_args()
    if not (a.root / "src").is_dir():
        print(f"{a.root}: no src/ folder", file=sys.stderr)
        return 2
    errors = check_links(a.lib) if a.lib else check_includes(a.root)
    for e in errors:
        print(e)
    what = "symbols" if a.lib else "includes"
    print(f"layers ({what}): {len(errors)} upward dependencies" if errors else
          f"layers ({what}): every dependency points down ({' < '.join(ORDER)})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
