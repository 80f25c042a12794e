#!/bin/bash
# progress_quiet.sh: the progress bar is drawn only on a terminal. When stderr is not
# a terminal (a log file, a pipe, CI) or with -q, keyart prints no carriage return
# and no terminal escape; on a terminal (a pseudo-terminal made by script(1)) the bar
# appears, unless -q.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CLIP="$MEDIA/faces_single_shot_3s.mp4"

# no_cr_esc DESC FILE: FILE holds no '\r' and no ESC.
no_cr_esc() {
    if grep -q $'\r\|\x1b' "$2"; then
        fail "$1" "found '\\r' or ESC:" "$(grep -m 2 $'\r\|\x1b' "$2" | od -c | head -4)"
    else
        pass "$1"
    fi
}

# ---- not a terminal: stderr (and stdout) go to files
ka_run "quiet" "$KEYART_BIN" analyze "$CLIP" -o "$WORK/o-quiet" -q
check_rc "analyze -q, stderr a file" 0
no_cr_esc "analyze -q, stderr a file: no progress bar on stderr" "$ERR"

ka_run "noquiet" "$KEYART_BIN" analyze "$CLIP" -o "$WORK/o-noquiet" --json
check_rc "analyze without -q, stderr a file" 0
no_cr_esc "analyze without -q, stderr a file: no progress bar on stderr" "$ERR"
no_cr_esc "analyze --json, stdout a file: stdout holds no '\\r' or escape" "$OUT"
check "analyze --json, stdout a file: stdout is JSON" jq -e . "$OUT"

ka_run "shots" "$KEYART_BIN" shots "$CLIP"
check_rc "shots without -q, stderr a file" 0
no_cr_esc "shots without -q, stderr a file: no progress bar on stderr" "$ERR"

# stderr a pipe
set +e
"$KEYART_BIN" analyze "$CLIP" -o "$WORK/o-pipe" 2>&1 >/dev/null </dev/null | cat >"$WORK/pipe.err"
rc=${PIPESTATUS[0]}
set -e
RC=$rc ERR="$WORK/pipe.err" KA_LAST_CMD="keyart analyze (stderr a pipe)" ka_check_no_crash "analyze, stderr a pipe"
check_eq "analyze, stderr a pipe: exit status" 0 "$rc"
no_cr_esc "analyze, stderr a pipe: no progress bar" "$WORK/pipe.err"

# ---- a terminal: script(1) runs keyart on a pseudo-terminal. The terminal turns
# "\n" into "\r\n", so only a '\r' that does not end a line counts as the bar's.
on_tty() {  # on_tty TAG ARGS...: output (stdout + stderr) in $WORK/TAG.tty, status in RC
    local tag=$1 cmd
    shift
    cmd=$(printf '%q ' "$KEYART_BIN" "$@")
    set +e
    script -qfec "$cmd" /dev/null </dev/null >"$WORK/$tag.tty" 2>&1
    RC=$?
    set -e
    sed 's/\r$//' "$WORK/$tag.tty" >"$WORK/$tag.tty-lines"
    ERR="$WORK/$tag.tty" KA_LAST_CMD="script -qfec '$cmd'" ka_check_no_crash "$tag"
}
if command -v script >/dev/null 2>&1; then
    on_tty "tty" analyze "$CLIP" -o "$WORK/o-tty"
    check_rc "analyze on a terminal" 0
    if grep -q $'\r' "$WORK/tty.tty-lines"; then
        pass "analyze on a terminal: a progress bar is drawn ('\\r' inside a line)"
    else
        fail "analyze on a terminal: a progress bar is drawn ('\\r' inside a line)" \
            "terminal output: $(head -c 300 "$WORK/tty.tty" | od -c | head -5)"
    fi
    on_tty "tty-quiet" analyze "$CLIP" -o "$WORK/o-tty-quiet" -q
    check_rc "analyze -q on a terminal" 0
    no_cr_esc "analyze -q on a terminal: no progress bar" "$WORK/tty-quiet.tty-lines"
else
    fail "script(1) is installed (package bsdutils), for the terminal checks"
fi

finish
