# lib_web.sh: what the browser tests' scripts share, on top of tests/cli/lib.sh and
# tests/serve/lib_serve.sh: whether node, playwright-core (tests/web/node_modules,
# installed by scripts/setup.sh with npm ci) and Debian's chromium are there. Missing
# ones fail the test in CI (CI=true) and skip it elsewhere (exit 77).
WEB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export KEYART_CHROMIUM="${KEYART_CHROMIUM:-/usr/bin/chromium}"
export KEYART_ARTIFACTS="${KEYART_ARTIFACTS:-${TMPDIR:-/tmp}/keyart-web-artifacts}"

web_require() {
    local missing=()
    command -v node >/dev/null 2>&1 || missing+=("node (Debian's nodejs)")
    [ -x "$KEYART_CHROMIUM" ] || missing+=("$KEYART_CHROMIUM (Debian's chromium)")
    [ -d "$WEB_DIR/node_modules/playwright-core" ] ||
        missing+=("playwright-core (npm ci --prefix tests/web)")
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ -n "${CI:-}" ]; then
        fail "the browser tests can run" "missing: ${missing[*]}" "scripts/setup.sh installs them"
        exit 1
    fi
    echo "SKIP: missing ${missing[*]} (scripts/setup.sh installs them; in CI this fails)"
    trap - EXIT
    rm -rf -- "$WORK"
    exit 77
}

# web_node SCRIPT: runs one of the node scripts, its lines into the test's log, and
# counts it as one check (the script's own checks are its lines).
web_node() {
    local script=$1 rc=0
    shift
    node "$WEB_DIR/$script" "$@" || rc=$?
    check_eq "$script: every browser check passed" 0 "$rc"
}
