#!/usr/bin/env python3
"""hardening_table.py DOC BUILDDIR: docs/hardening.md against the test suite. Every test
a row names (in backticks, in its last column) must be a test of the build (a
fuzz_X of the fuzzing build: its fuzz_replay_X here), and every
test of the hardening suites must have a row, so the table stays what the tests do."""
import json
import re
import subprocess
import sys

# the tests that must each have a row: whole suites, and names with these prefixes
SUITES = {'faults', 'fuzz', 'fuzz_replay', 'hardening'}
PREFIXES = ('serve_overload_',)


def rows(doc):
    named = set()
    in_table = False            # only the tables headed "| input or fault | ..."
    for n, line in enumerate(open(doc, encoding='utf-8'), 1):
        if line.startswith('| input or fault'):
            in_table = True
            continue
        if not line.startswith('|'):
            in_table = False
        if not in_table or line.startswith('|---'):
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        tests = re.findall(r'`([A-Za-z0-9_]+)`', cells[-1])
        if not tests:
            sys.exit('%s:%d: a row names no test in its last column' % (doc, n))
        named.update((t, n) for t in tests)
    return named


def main():
    doc, build = sys.argv[1:3]
    out = subprocess.run(['meson', 'introspect', '--tests', build], check=True,
                         capture_output=True, text=True).stdout
    tests = json.loads(out)
    names = {t['name'] for t in tests}
    bad = 0
    named = rows(doc)
    for t, n in sorted(named):
        # fuzz_X runs in the clang fuzzing build; this build replays it as fuzz_replay_X
        fuzzed = t.startswith('fuzz_') and 'fuzz_replay_' + t[len('fuzz_'):] in names
        if t not in names and not fuzzed:
            print('%s:%d: `%s` is not a test of this build' % (doc, n, t))
            bad += 1
    covered = {t for t, _ in named}
    for t in tests:
        suites = {s.split(':')[-1] for s in t.get('suite', [])}
        if (suites & SUITES or t['name'].startswith(PREFIXES)) and t['name'] not in covered:
            print('%s: the test %s (suite %s) has no row' % (doc, t['name'], ', '.join(sorted(suites))))
            bad += 1
    print('%d rows name %d tests; %d problems' % (len(named), len(covered), bad))
    sys.exit(1 if bad else 0)


main()
