#!/usr/bin/env python3
"""golden.py: `keyart analyze` on every clip of the shared media folder, compared with
what an earlier keyart found (tests/analysis/golden/*.json): the same shots, the same
candidates with the same quality parts in the store, the same variants (frames, ids,
slots, scene types, quality and appeal, crops) and characters. It is how a change
that should not change behaviour (a refactoring) shows that it did not.

    golden.py check  --keyart BIN --media DIR --models PATH --golden FILE
    golden.py record --keyart BIN --media DIR --models PATH --golden FILE

PATH is the --models value keyart gets; "none" is an empty folder (OpenCV's embedded
cascades, no models: the same everywhere). Each clip is analysed once with
--variants 8 into a fresh SQLite database. What is compared is a digest, not the
files: numbers rounded to 3 decimals (compared within 0.002, so that a build with
other float code generation does not flip a rounding), times and paths left out.
With `check`, a digest whose face detector is not the golden's (a models folder
without the models the golden was recorded with) skips the test (status 77).
Exit 0 when every clip matches, 1 with the differences, 2 on a usage error."""
import argparse
import json
import os
import pathlib
import sqlite3
import subprocess
import sys
import tempfile

CLIP_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm")
TOLERANCE = 0.002
SKIP = 77


def r3(x):
    return None if x is None else round(float(x), 3)


def run_clip(keyart, clip, models, work):
    """Analyses clip into work/<name>; returns (metadata, shots, db path)."""
    name = clip.stem
    out = work / name
    db = work / (name + ".db")
    cmd = [keyart, "analyze", str(clip), "-o", str(out), "--variants", "8", "-q",
           "--db", "sqlite:" + str(db), "--artwork", str(work / "artwork"),
           "--models", models]
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: status {res.returncode}\n{res.stderr}")
    meta = json.loads((out / "metadata.json").read_text())
    shots = json.loads((out / "shots.json").read_text())
    return meta, shots, db


def digest_title(t):
    keys = ("frames", "shots", "candidates", "variants", "variants_requested",
            "good_moments", "variants_reason")
    d = {k: t.get(k) for k in keys}
    d["min_quality_used"] = r3(t.get("min_quality_used"))
    c = t["content_area"]
    d["content_area"] = [c["x"], c["y"], c["w"], c["h"]]
    d["defects"] = t.get("defects")
    d["characters"] = [[c["name"], c["role"], c["rank"], c["appearances"]]
                       for c in t.get("characters", [])]
    return d


def digest_quality(vq, parts):
    d = {k: r3(v) for k, v in sorted(vq.items())}
    d["parts"] = {k: (r3(v) if not isinstance(v, dict) else
                      [r3(v.get("value")), r3(v.get("weight")), r3(v.get("contribution"))])
                  for k, v in sorted(parts.items())}
    return d


def digest_variant(v):
    reason, appeal, vision = v["reason"], v.get("appeal", {}), v.get("vision", {})
    return {
        "number": v["variant_number"], "id": v["variant_id"], "frame": v["frame"],
        "shot": v["shot"], "slot": reason["slot"], "scene": v["scene_type"],
        "composition": v["composition"], "characters": v["characters"],
        "character_types": v.get("character_types"),
        "quality_score": r3(v["quality_score"]),
        "quality": digest_quality(v["visual_quality"], reason.get("quality_parts", {})),
        "content": {k: r3(x) for k, x in sorted(v["content_analysis"].items())},
        "relevance": r3(reason["relevance"]), "diversity_penalty": r3(reason["diversity_penalty"]),
        "score": r3(reason["score"]), "sampled": reason.get("sampled"),
        "appeal": [r3(appeal.get("score")), r3(appeal.get("grade")), appeal.get("good")],
        "crops": v["crops"],
        "detector": vision.get("detector"),
        "faces": [f["box"] + [f.get("name")] for f in vision.get("faces", [])],
    }


def digest_store(db):
    """The candidates as the store keeps them: frame, the quality columns, appeal."""
    con = sqlite3.connect(str(db))
    try:
        rows = con.execute(
            "SELECT c.idx, c.frame, c.shot, c.flags, c.phash, c.lightness, c.brightness,"
            " c.contrast, c.sharpness, c.saturation, c.exposure_clipped, c.quality_score,"
            " c.brisque_quality, c.face_quality, c.appeal FROM candidates c ORDER BY c.idx"
        ).fetchall()
        variants = con.execute("SELECT number, frame, quality_score, score FROM variants"
                               " ORDER BY number").fetchall()
    finally:
        con.close()
    cands = [list(r[:5]) + [r3(x) for x in r[5:]] for r in rows]
    return {"candidates": cands, "variants": [[n, f, r3(q), r3(s)] for n, f, q, s in variants]}


def digest(keyart, clip, models, work):
    meta, shots, db = run_clip(keyart, clip, models, work)
    variants = [digest_variant(v) for v in meta["variants"]]
    detectors = sorted({v["detector"] for v in variants if v["detector"]})
    return {
        "detector": detectors[0] if detectors else None,
        "title": digest_title(meta["title"]),
        "why_fewer": meta.get("why_fewer"),
        "shots": [[s["start_frame"], s["end_frame"], s["transition_in"]] for s in shots],
        "variants": variants,
        "store": digest_store(db),
    }


def dump(x, depth=0):
    """JSON a person can diff: a clip's parts one per line, a variant or a candidate
    one per line."""
    pad = " " * depth
    nested = isinstance(x, dict) and any(isinstance(v, list) and v and
                                         isinstance(v[0], (dict, list)) for v in x.values())
    if isinstance(x, dict) and (depth < 2 or (depth < 3 and nested)):
        items = [f'{pad} {json.dumps(k)}: {dump(v, depth + 1).lstrip()}'
                 for k, v in sorted(x.items())]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(x, list) and x and depth < 4 and all(isinstance(i, (dict, list)) for i in x):
        items = [pad + " " + json.dumps(i, sort_keys=True) for i in x]
        return pad + "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return pad + json.dumps(x, sort_keys=True)


def differences(want, got, path="", out=None):
    """Where got differs from want, as "path: want X, got Y" lines."""
    out = [] if out is None else out
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got)):
            if k not in got or k not in want:
                out.append(f"{path}.{k}: want {want.get(k)!r}, got {got.get(k)!r}")
            else:
                differences(want[k], got[k], f"{path}.{k}", out)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append(f"{path}: want {len(want)} items, got {len(got)}")
        for i, (a, b) in enumerate(zip(want, got)):
            differences(a, b, f"{path}[{i}]", out)
    elif (isinstance(want, float) or isinstance(got, float)) and \
            not isinstance(want, bool) and not isinstance(got, bool) and \
            isinstance(want, (int, float)) and isinstance(got, (int, float)):
        if abs(want - got) > TOLERANCE * max(1.0, abs(want)):
            out.append(f"{path}: want {want}, got {got}")
    elif want != got:
        out.append(f"{path}: want {want!r}, got {got!r}")
    return out


def clips_of(media):
    return sorted(p for p in pathlib.Path(media).iterdir()
                  if p.is_file() and p.suffix.lower() in CLIP_SUFFIXES)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("check", "record"))
    ap.add_argument("--keyart", required=True)
    ap.add_argument("--media", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--golden", required=True)
    a = ap.parse_args()
    clips = clips_of(a.media)
    if not clips:
        print(f"no clips in {a.media}")
        return SKIP
    golden = {} if a.mode == "record" else json.loads(pathlib.Path(a.golden).read_text())
    with tempfile.TemporaryDirectory(prefix="keyart-golden.") as tmp:
        work = pathlib.Path(tmp)
        models = a.models
        if models == "none":
            models = str(work / "no-models")
            os.mkdir(models)
        got = {}
        for clip in clips:
            got[clip.name] = digest(a.keyart, clip, models, work)
            print(f"analysed {clip.name}", flush=True)
    if a.mode == "record":
        pathlib.Path(a.golden).write_text(dump(got) + "\n")
        print(f"recorded {len(got)} clips into {a.golden}")
        return 0
    bad = []
    for name in sorted(set(golden) | set(got)):
        if name not in got:
            bad.append(f"{name}: in the golden file, not in {a.media}")
        elif name not in golden:
            bad.append(f"{name}: not in the golden file (record it: golden.py record)")
        elif golden[name]["detector"] != got[name]["detector"]:
            print(f"{name}: the face detector is {got[name]['detector']}, the golden's "
                  f"{golden[name]['detector']}: the models in {a.models} are not the "
                  "golden's; skipped")
            return SKIP
        else:
            bad += [f"{name}{d}" for d in differences(golden[name], got[name])]
    for line in bad:
        print("FAIL", line)
    print(f"{len(got)} clips, {len(bad)} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
