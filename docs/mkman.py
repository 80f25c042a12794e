#!/usr/bin/env python3
"""mkman.py: builds keyart.1 from the program's own --help texts, at build time, so
that the man page cannot drift from the program.

    mkman.py KEYART TEMPLATE OUTPUT [NAME=VALUE...]

KEYART is the built program. `keyart --help` names the commands (its "commands:"
lines) and the exit codes; `keyart CMD --help` gives each command's usage lines,
options and text. TEMPLATE (keyart.1.in) holds what no --help says; its @SUMMARY@,
@COMMANDS@, @EXIT@ and @VERSION@ are filled from the program, any other @NAME@ from
the NAME=VALUE arguments (paths the build configured).

The --help texts share one layout, which is what this reads: a "usage:" block (more
usages indented under it), paragraphs at column 0, and items at column 2 (options
starting with '-', exit codes, commands) whose description is on the same line after
two spaces or at the column of the lines indented under them. Any other line is kept
as it is (no fill), so text is never lost. It then checks that every command has its
section and every option of every --help is on the page, and fails the build if not.
"""
import os
import re
import subprocess
import sys


def run_help(keyart, args):
    env = dict(os.environ, LC_ALL="C", ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run([keyart] + args, capture_output=True, text=True, env=env)
    what = " ".join(["keyart"] + args)
    if p.returncode != 0 or p.stderr:
        sys.exit(f"mkman: {what} exited {p.returncode}: {p.stderr.strip()}")
    if not p.stdout.startswith("usage: keyart"):
        sys.exit(f"mkman: {what} does not start with 'usage: keyart'")
    return p.stdout.rstrip("\n").split("\n")


# ---- troff ------------------------------------------------------------------------

def esc(s):
    """Text for troff: backslashes escaped, and '-' a minus (what the user types)
    unless it joins two parts of a word (a hyphen: "leave-one-clip-out")."""
    s = s.replace("\\", "\\e")
    return re.sub(r"(?<![A-Za-z0-9])-|-(?![A-Za-z0-9])", r"\\-", s)


def text_line(s):
    """A line of running text: one that starts with a control character is not one."""
    s = esc(s)
    return "\\&" + s if s[:1] in (".", "'") else s


def synopsis(s):
    """A usage or an option's tag in man's convention: what is typed as it is in bold
    (the program, commands, options, fixed values), what the user replaces in italics
    (VIDEO, DIR, N, ...); brackets, bars and parentheses in roman. A line breaks
    neither inside brackets nor between an option and its value."""
    out = []
    toks = [t for t in re.split(r"(\s+|[\[\]()|,]|\.\.\.)", s) if t]
    depth = 0
    for i, tok in enumerate(toks):
        if tok.isspace():
            prev = toks[i - 1] if i else ""
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            keep = depth > 0 or (prev.startswith("-") and re.search(r"[A-Z]", nxt))
            out.append("\\~" if keep else " ")
            continue
        depth += tok == "["
        depth -= tok == "]"
        if tok in "[]()|," or tok == "...":
            out.append(esc(tok))
        elif tok.startswith("-"):
            m = re.match(r"(--?[A-Za-z0-9][\w-]*)(.*)", tok)
            if m:
                out.append("\\fB" + esc(m.group(1)) + "\\fR")
                if m.group(2):
                    out.append("\\fI" + esc(m.group(2)) + "\\fR")
            else:
                out.append(esc(tok))
        elif re.search(r"[A-Z]", tok):
            out.append("\\fI" + esc(tok) + "\\fR")
        else:
            out.append("\\fB" + esc(tok) + "\\fR")
    line = "".join(out)
    return "\\&" + line if line[:1] in (".", "'") else line


# ---- the --help layout ----------------------------------------------------------

def indent(line):
    return len(line) - len(line.lstrip(" "))


def split_item(line, col):
    """An item line at column 2: (tag, description). The description starts after two
    spaces, else at col (the column of the lines under it) after a one-word tag
    ("--candidates the stored ..."); a longer tag fills its line."""
    body = line[2:]
    m = re.match(r"(\S.*?)(?: {2,}(\S.*))?$", body)
    if m.group(2) is not None:
        return m.group(1), m.group(2)
    tag = line[2:col].strip() if col else ""
    if tag and " " not in tag and len(line) > col and line[col - 1] == " ":
        return tag, line[col:].strip()
    return body.strip(), ""


def parse_body(lines, is_item):
    """Blocks of a help text after its usage: ("para", text), ("item", tag, desc),
    ("pre", line) and ("break",) between blocks."""
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            out.append(("break",))
            i += 1
        elif indent(line) == 0:
            para = [line.strip()]
            i += 1
            while i < len(lines) and lines[i].strip() and indent(lines[i]) == 0:
                para.append(lines[i].strip())
                i += 1
            out.append(("para", " ".join(para)))
        elif indent(line) == 2 and is_item(line[2:]):
            j = i + 1
            cont = []
            while j < len(lines) and lines[j].strip() and indent(lines[j]) > 2:
                cont.append(lines[j])
                j += 1
            col = indent(cont[0]) if cont else 0
            tag, desc = split_item(line, col)
            desc = " ".join([desc] + [c.strip() for c in cont]).strip()
            out.append(("item", tag, desc))
            i = j
        else:
            out.append(("pre", line))
            i += 1
    return out


def emit_body(blocks):
    out = []
    in_pre = False
    for b in blocks:
        if in_pre and b[0] != "pre":
            out.append(".fi")
            in_pre = False
        if b[0] == "break":
            continue
        if b[0] == "para":
            out += [".PP", text_line(b[1])]
        elif b[0] == "item":
            out += [".TP", synopsis(b[1])]
            if b[2]:
                out.append(text_line(b[2]))
        else:
            if not in_pre:
                out += [".PP", ".nf"]
                in_pre = True
            out.append(text_line(b[1].strip()))
    if in_pre:
        out.append(".fi")
    return out


def split_usage(lines):
    """The usage block at the top of a command's --help: a list of usages (each one
    line, its continuation lines joined) and the lines after the block."""
    usages = []
    i = 0
    while i < len(lines) and lines[i].strip():
        s = lines[i].strip()
        if s.startswith("usage:"):
            usages.append(s[len("usage:"):].strip())
        elif s.startswith("keyart "):
            usages.append(s)
        else:
            usages[-1] += " " + s
        i += 1
    return usages, lines[i:]


# ---- keyart --help -------------------------------------------------------------------

def sections(lines):
    """keyart --help's sections: the lines under "commands:" and "exit codes:"."""
    out, cur = {}, None
    for line in lines:
        m = re.match(r"([a-z][a-z ]*):$", line)
        if m:
            cur = out.setdefault(m.group(1), [])
        elif cur is not None:
            cur.append(line)
    return out


def command_names(items):
    names = []
    for b in items:
        if b[0] == "item":
            name = b[1].split()[0]
            if name != "keyart" and name not in names:
                names.append(name)
    return names


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    keyart, template, output = sys.argv[1:4]
    subst = dict(a.split("=", 1) for a in sys.argv[4:])

    main_help = run_help(keyart, ["--help"])
    sec = sections(main_help)
    if "commands" not in sec or "exit codes" not in sec:
        sys.exit("mkman: keyart --help has no 'commands:' or no 'exit codes:'")
    summary = parse_body(sec["commands"], lambda s: bool(re.match(r"[a-z]", s)))
    commands = command_names(summary)
    if not commands:
        sys.exit("mkman: keyart --help names no command")
    summary = [b for b in summary if not (b[0] == "item" and b[1].startswith("keyart "))]
    exits = parse_body(sec["exit codes"], lambda s: bool(re.match(r"\d", s)))

    page, helps = [], {}
    for cmd in commands:
        lines = run_help(keyart, [cmd, "--help"])
        if not lines[0].startswith("usage: keyart " + cmd):
            sys.exit(f"mkman: keyart {cmd} --help does not start with 'usage: keyart {cmd}'")
        helps[cmd] = lines
        usages, rest = split_usage(lines)
        page.append('.SS "keyart %s"' % cmd)
        for u in usages:
            page += [".HP 4", synopsis(u)]
        page.append(".PP")  # back to the page's indent: .TP keeps .HP's otherwise
        page += emit_body(parse_body(rest, lambda s: s.startswith("-")))

    version = run_help_version(keyart)
    fill = {"SUMMARY": "\n".join(emit_body(summary)), "COMMANDS": "\n".join(page),
            "EXIT": "\n".join(emit_body(exits)), "VERSION": version}
    fill.update(subst)
    with open(template) as f:
        text = f.read()

    def put(m):
        if m.group(1) not in fill:
            sys.exit(f"mkman: nothing for @{m.group(1)}@ in {template}")
        return fill[m.group(1)]
    text = re.sub(r"@([A-Z]+)@", put, text)

    # Every command has its section and every option of every --help is on the page.
    for cmd, lines in helps.items():
        if '.SS "keyart %s"' % cmd not in text:
            sys.exit(f"mkman: no section for keyart {cmd}")
        for opt in set(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", "\n".join(lines))):
            if esc(opt) not in text:
                sys.exit(f"mkman: keyart {cmd}'s {opt} is not on the page")
    tmp = output + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, output)


def run_help_version(keyart):
    p = subprocess.run([keyart, "--version"], capture_output=True, text=True,
                       env=dict(os.environ, LC_ALL="C", ASAN_OPTIONS="detect_leaks=0"))
    m = re.match(r"keyart (\S+)", p.stdout)
    if p.returncode != 0 or not m:
        sys.exit("mkman: keyart --version says no version")
    return m.group(1)


if __name__ == "__main__":
    main()
