#!/bin/bash
# plot.sh: `keyart simulate --plot FILE` writes a valid PNG of 960x540 (signature,
# chunks' CRCs, pixels that inflate to that size) where each policy's line is drawn in
# its own colour, and the report is printed as without it; a file it cannot write is
# an output error.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
PNG="$(dirname "$0")/png_colours.py"

ka_run "plot" "$KEYART_BIN" simulate --users 200 --days 4 --policies random,thompson,linucb,oracle \
    --plot "$WORK/ctr.png" --json
check_rc "a run with a plot" 0
check_eq "the report as without --plot" "uniform thompson linucb oracle" \
    "$(jq -r '[.policies[].policy] | join(" ")' "$OUT")"
check_eq "an expected click rate per day per policy" "4 4 4 4" \
    "$(jq -r '[.policies[].day_expected_ctr | length] | join(" ")' "$OUT")"
# the colours of sim_plot.c: random, Thompson, LinUCB, oracle; seed scorer's not drawn
ka_run "pixels" python3 "$PNG" "$WORK/ctr.png" 8c8c8c 0072b2 d55e00 000000 e69f00
check_rc "a valid PNG" 0
check_eq "960x540" "960 540" "$(head -n1 "$OUT")"
for c in 8c8c8c 0072b2 d55e00 000000; do
    check "a line of colour $c (pixels: $(awk -v c=$c '$1 == c {print $2}' "$OUT"))" \
        test "$(awk -v c=$c '$1 == c {print $2}' "$OUT")" -gt 200
done
check_eq "no line for a policy that did not run" "0" "$(awk '$1 == "e69f00" {print $2}' "$OUT")"
head -c 200 "$WORK/ctr.png" > "$WORK/cut.png"
ka_run "cut" python3 "$PNG" "$WORK/cut.png"
check_rc "the checker refuses a cut PNG" 1

ka_run "one-day" "$KEYART_BIN" simulate --users 50 --days 1 --policies seed --plot "$WORK/one.png"
check_rc "a one-day run" 0
ka_run "one-day-pixels" python3 "$PNG" "$WORK/one.png" e69f00
check "its day is a point of the seed scorer's colour" test "$(tail -n1 "$OUT" | cut -d' ' -f2)" -gt 20

ka_run "unwritable" "$KEYART_BIN" simulate --users 50 --days 1 --policies seed \
    --plot "$WORK/no/such/dir/x.png"
check_rc "a plot it cannot write" 3
check_grep "it says so" "$ERR" "cannot write"
ka_run "exp" "$KEYART_BIN" simulate --users 50 --days 1 --experiment random,thompson --plot "$WORK/x.png"
check_rc "no plot of an experiment" 1
finish
