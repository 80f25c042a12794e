#!/usr/bin/env bash
# update-readme-usage.sh KEYART [README]: rewrites the Usage block of README.md (the
# ``` fences under "## Usage") with `KEYART help --usage`, which the command tables
# generate; tests/cli/readme_usage.sh fails while the two differ.
set -euo pipefail
keyart=${1:?usage: update-readme-usage.sh KEYART [README.md]}
readme=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/README.md}
usage=$("$keyart" help --usage)
tmp="$readme.tmp"
USAGE="$usage" awk '
    /^## Usage/ { sect = 1 }
    sect == 1 && /^```/ { print; print ENVIRON["USAGE"]; sect = 2; skip = 1; next }
    skip && /^```/ { skip = 0; sect = 3 }
    !skip { print }
' "$readme" >"$tmp"
mv "$tmp" "$readme"
