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
)

# ---- npm packages -----------------------------------------------------------------
# None yet. The face models (faceplugin-face-recognition-js@0.0.1, model/*.onnx only)
# are added here by the vision work: list them in NPM_PACKAGES (add nodejs/npm to
# APT_PACKAGES) and unpack them with `npm pack` in install_npm below.
NPM_PACKAGES=()
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

install_npm() {
    [ "${#NPM_PACKAGES[@]}" -eq 0 ] && return 0
    log "npm packages are listed but their installer is not written yet: ${NPM_PACKAGES[*]}"
    return 1
}

install_apt
install_npm
log "done"
