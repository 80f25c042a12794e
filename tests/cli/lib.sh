# lib.sh: what the end-to-end tests of the keyart command share. Source it from a
# test script (after `set -euo pipefail`). It gives:
#   - KEYART_BIN, KEYART_SHARED (from the environment, see tests/meson.build), MEDIA
#   - WORK: a fresh temporary folder, removed when the script exits
#   - ka_run TAG CMD...: runs CMD with stdin from /dev/null, stdout to $OUT, stderr to
#     $ERR, exit status in $RC, and checks that it did not crash (status < 128, no
#     sanitizer report on stderr)
#   - pass / fail / check / check_eq / check_rc / check_grep / check_not_grep: each
#     prints one line; a failure says what was expected and what was found
#   - at exit: a summary; the script fails when any check failed, when none ran, or
#     when it stopped early on an unexpected error.

: "${KEYART_BIN:?KEYART_BIN must name the keyart binary (set by meson test)}"
: "${KEYART_SHARED:?KEYART_SHARED must name the shared folder (set by meson test)}"
MEDIA="$KEYART_SHARED/media"
LABELS="$KEYART_SHARED/labels/shots.json"

KA_CHECKS=0
KA_FAILS=0
KA_FAILED_LIST=""
KA_FINISHED=0
WORK="$(mktemp -d "${TMPDIR:-/tmp}/keyart-cli.XXXXXX")"

ka__exit() {
    local rc=$?
    trap - EXIT
    rm -rf -- "$WORK"
    echo "---- $(basename "$0"): $KA_CHECKS checks, $KA_FAILS failed"
    if [ "$KA_FAILS" -gt 0 ]; then
        printf 'failed checks:%b\n' "$KA_FAILED_LIST"
        exit 1
    fi
    if [ "$rc" -ne 0 ] || [ "$KA_FINISHED" -ne 1 ]; then
        echo "the test script stopped early (status $rc): see the last command above"
        exit $(( rc ? rc : 1 ))
    fi
    if [ "$KA_CHECKS" -eq 0 ]; then
        echo "no check ran"
        exit 1
    fi
    exit 0
}
trap ka__exit EXIT

# Call at the end of a script: anything after the last check that stops the script
# early is reported as such.
finish() { KA_FINISHED=1; }

pass() {
    KA_CHECKS=$((KA_CHECKS + 1))
    echo "ok   - $1"
}

# fail DESC [DETAIL...]: a failed check; DETAIL lines say what was found.
fail() {
    KA_CHECKS=$((KA_CHECKS + 1))
    KA_FAILS=$((KA_FAILS + 1))
    KA_FAILED_LIST="$KA_FAILED_LIST\n  - $1"
    echo "FAIL - $1"
    shift
    local d
    for d in "$@"; do
        printf '       %s\n' "$d"
    done
}

# check DESC CMD...: passes when CMD succeeds (its output is shown when it fails).
check() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        pass "$desc"
    else
        fail "$desc" "command: $*" "${out:-(no output)}"
    fi
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
    if [ "$2" == "$3" ]; then
        pass "$1"
    else
        fail "$1" "expected: $2" "found:    $3"
    fi
}

# Shows the end of the last command's stderr (for failure details).
ka__stderr_tail() {
    if [ -s "$ERR" ]; then
        echo "stderr: $(tail -n 5 "$ERR" | cut -c1-300 | tr '\n' '|')"
    else
        echo "stderr: (empty)"
    fi
}

# check_rc DESC EXPECTED: the exit status of the last ka_run.
check_rc() {
    if [ "$RC" -eq "$2" ]; then
        pass "$1 (exit $2)"
    else
        fail "$1 (exit $2)" "command: $KA_LAST_CMD" "exit status: $RC, expected $2" \
            "$(ka__stderr_tail)"
    fi
}

# check_grep DESC FILE ERE: FILE has a line matching ERE (case-insensitive).
check_grep() {
    if grep -Eiq -- "$3" "$2"; then
        pass "$1"
    else
        fail "$1" "no line matches /$3/ in $(basename "$2")" \
            "content: $(head -c 600 "$2" | tr '\n' '|')"
    fi
}

# check_not_grep DESC FILE ERE: no line of FILE matches ERE (case-insensitive).
check_not_grep() {
    if ! grep -Eiq -- "$3" "$2"; then
        pass "$1"
    else
        fail "$1" "found /$3/ in $(basename "$2"):" \
            "$(grep -Ei -m 3 -- "$3" "$2" | cut -c1-300)"
    fi
}

# check_stderr DESC: the last ka_run printed something on stderr.
check_stderr() {
    if [ -s "$ERR" ]; then
        pass "$1"
    else
        fail "$1" "command: $KA_LAST_CMD" "exit status $RC with nothing on stderr"
    fi
}

# ka_run TAG CMD...: runs CMD, then checks that it did not crash.
ka_run() {
    local tag=$1
    shift
    OUT="$WORK/$tag.out"
    ERR="$WORK/$tag.err"
    KA_LAST_CMD="$*"
    set +e
    "$@" >"$OUT" 2>"$ERR" </dev/null
    RC=$?
    set -e
    ka_check_no_crash "$tag"
}

# ka_check_no_crash TAG: the last run ended by exit() rather than a signal, and no
# sanitizer (ASan, LSan, UBSan) reported anything.
ka_check_no_crash() {
    local why=()
    [ "$RC" -lt 128 ] || why+=("exit status $RC: killed by signal $((RC - 128))")
    if grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation fault|core dumped' "$ERR"; then
        why+=("sanitizer or crash report on stderr:"
              "$(grep -E -m 5 'Sanitizer|runtime error:|SUMMARY|Segmentation|core dumped' "$ERR" | cut -c1-300)")
    fi
    if [ ${#why[@]} -eq 0 ]; then
        pass "$1: no crash"
    else
        fail "$1: no crash" "command: $KA_LAST_CMD" "${why[@]}"
    fi
}

# check_no_sanitizer LABEL FILE...: no sanitizer (ASan, LSan, UBSan) report in the
# files (the logs of processes run in the background).
check_no_sanitizer() {
    local label=$1
    shift
    if grep -Eq 'Sanitizer|runtime error' "$@"; then
        fail "$label" "$(grep -Eh -m 5 'Sanitizer|runtime error|SUMMARY|#[0-9] ' "$@" | cut -c1-300)"
    else
        pass "$label"
    fi
}

# jqv ARGS...: what jq prints, or its error message; never stops the script (for
# values that a check then compares).
jqv() {
    jq "$@" 2>&1 || true
}

# JPEG files start with FF D8 FF.
is_jpeg() {
    [ -f "$1" ] && [ "$(head -c 3 -- "$1" | od -An -tx1 | tr -d ' \n')" == "ffd8ff" ]
}

# image_info FILE: prints "WIDTH HEIGHT YAVG" of an image (YAVG: mean luma 0..255).
# Run in the image's folder so that the file name needs no filter escaping.
image_info() {
    local dir base
    dir=$(dirname -- "$1")
    base=$(basename -- "$1")
    (cd "$dir" && ffprobe -v error -f lavfi -i "movie=$base,signalstats" \
        -show_entries frame=width,height:frame_tags=lavfi.signalstats.YAVG \
        -of default=noprint_wrappers=1:nokey=1) | head -n 3 | tr '\n' ' '
}

# aspect_ok W H AW AH: W/H within 1% of AW/AH.
aspect_ok() {
    awk -v w="$1" -v h="$2" -v aw="$3" -v ah="$4" 'BEGIN {
        if (w <= 0 || h <= 0) exit 1
        r = (w / h) / (aw / ah); exit !(r > 0.99 && r < 1.01) }'
}
