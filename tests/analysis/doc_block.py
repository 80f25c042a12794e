#!/usr/bin/env python3
"""doc_block.py MARKDOWN OUT FIRST_LINE: writes the fenced ```c block of MARKDOWN whose
first line starts with FIRST_LINE to OUT, so a test compiles the code a page shows."""
import sys

def main():
    md, out, first = sys.argv[1:4]
    blocks, cur, start = [], None, 0
    for n, line in enumerate(open(md, encoding='utf-8'), 1):
        if cur is None and line.startswith('```c'):
            cur, start = [], n + 1
        elif cur is not None and line.startswith('```'):
            blocks.append((start, cur))
            cur = None
        elif cur is not None:
            cur.append(line)
    found = [(s, b) for s, b in blocks if b and b[0].startswith(first)]
    if len(found) != 1:
        sys.exit('%s: %d ```c blocks start with %r (want 1)' % (md, len(found), first))
    start, block = found[0]
    with open(out, 'w', encoding='utf-8') as f:
        f.write('#line %d "%s"\n' % (start, md))   # errors point into the page
        f.writelines(block)

main()
