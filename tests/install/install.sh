#!/usr/bin/env bash
# install.sh BUILD PREFIX LIBDIR INCLUDEDIR MANDIR DATADIR SANITIZE CC: `meson install
# --destdir` of the build into a temporary folder, then what a user of the installed
# keyart does: the tree has the program, libkeyart (shared and static), its headers,
# keyart.pc, the man page and share/keyart; docs/example/example.c compiles with
# `pkg-config --cflags --libs keyart` against that copy (keyart.pc's prefix moved to
# it), links with the shared and with the static library, and runs: it finds the
# shots `keyart shots` finds and the installed models folder (an installed keyart
# never looks into the source tree). SANITIZE is meson's b_sanitize: the instrumented
# library needs the example compiled with the same sanitizers.
#
# The static link takes libkeyart.a with keyart.pc's Libs.private and the libraries of
# its Requires.private as the system has them (shared): that fails when either misses
# one. `pkg-config --static` would also ask for the static closure of FFmpeg's own
# private libraries (librist, libzmq, ...), which Debian's -dev packages do not bring.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../cli/lib.sh
. "$here/../cli/lib.sh"

BUILD=$1 PREFIX=$2 LIBDIR=$3 INCLUDEDIR=$4 MANDIR=$5 DATADIR=$6 SANITIZE=$7
read -ra CC <<<"$8"
SRC=$(cd "$here/../.." && pwd)
VERSION=$("$KEYART_BIN" --version | awk '{print $2}')
# meson's directories are relative to the prefix unless given absolute.
under_prefix() { case $1 in /*) echo "$1" ;; *) echo "$PREFIX/$1" ;; esac; }
D="$WORK/destdir"
P="$D$PREFIX"
LIB="$D$(under_prefix "$LIBDIR")"
INC="$D$(under_prefix "$INCLUDEDIR")"
MAN="$D$(under_prefix "$MANDIR")"
SHARE="$D$(under_prefix "$DATADIR")"
# meson test points LD_LIBRARY_PATH at the build tree's libkeyart.so: what runs here
# must find the installed one.
unset LD_LIBRARY_PATH

# ---- meson install ------------------------------------------------------------------
# --no-rebuild: meson test built everything before this runs, and a second ninja in
# the same build folder must not start under it.
ka_run install meson install -C "$BUILD" --destdir "$D" --no-rebuild --quiet
check_rc "meson install --destdir" 0

check "bin/keyart is installed and runs" test -x "$P/bin/keyart"
check_eq "the installed keyart's version" "keyart $VERSION" "$("$P/bin/keyart" --version 2>&1)"
check "libkeyart.so is installed" test -e "$LIB/libkeyart.so"
check "libkeyart.so.0 (the soname) is installed" test -e "$LIB/libkeyart.so.0"
check "libkeyart.a is installed" test -f "$LIB/libkeyart.a"
check "keyart.pc is installed" test -f "$LIB/pkgconfig/keyart.pc"
missing=()
for h in "$SRC"/include/keyart/*.h; do
    [ -f "$INC/keyart/$(basename "$h")" ] || missing+=("$(basename "$h")")
done
check_eq "every header of include/keyart/ is installed" "" "${missing[*]}"
check "man1/keyart.1 is installed" test -f "$MAN/man1/keyart.1"
check "share/keyart/ranker/default.json is installed" \
    cmp "$SRC/data/ranker/default.json" "$SHARE/keyart/ranker/default.json"
check "share/keyart/models (the models folder) is installed" test -d "$SHARE/keyart/models"
for f in LICENSE README.md architecture.md json.md example/example.c schemas/metadata.schema.json; do
    check "share/doc/keyart/$f is installed" test -f "$SHARE/doc/keyart/$f"
done

# ---- the man page renders -----------------------------------------------------------
ka_run man env MANWIDTH=80 LC_ALL=C man --warnings -l "$MAN/man1/keyart.1"
check_rc "man -l renders the installed page" 0
check_eq "man -l --warnings says nothing" "" "$(cat "$ERR")"
check_grep "the installed page names the installed models folder" "$OUT" \
    "$(under_prefix "$DATADIR")/keyart/models"

# ---- pkg-config on the installed copy -------------------------------------------------
# A copy of keyart.pc with its prefix moved into DESTDIR: --define-variable=prefix or
# PKG_CONFIG_SYSROOT_DIR would move every other package's paths too (opencv4's, ...).
PC="$WORK/pkgconfig"
mkdir -p "$PC"
sed "s|^prefix=.*|prefix=$P|" "$LIB/pkgconfig/keyart.pc" >"$PC/keyart.pc"
check_grep "keyart.pc's libdir is under its prefix" "$PC/keyart.pc" '^libdir=\$\{prefix\}/'
pc() { PKG_CONFIG_PATH="$PC" pkg-config "$@"; }
check_eq "pkg-config --modversion keyart" "$VERSION" "$(pc --modversion keyart 2>&1)"
check_eq "pkg-config --variable=libdir keyart" "$LIB" "$(pc --variable=libdir keyart 2>&1)"
check_grep "keyart.pc requires what static linking needs (Requires.private)" \
    "$PC/keyart.pc" '^Requires\.private:.*libavformat.*opencv4'
check_grep "keyart.pc links libstdc++ for the C++ bridge (Libs.private)" \
    "$PC/keyart.pc" '^Libs\.private:.*-lstdc\+\+'
read -ra CFLAGS <<<"$(pc --cflags keyart)"
read -ra LIBS <<<"$(pc --libs keyart)"
read -ra REQ_PRIVATE <<<"$(pc --print-requires-private keyart | awk '{print $1}' | tr '\n' ' ')"
read -ra LIBS_PRIVATE <<<"$(sed -n 's/^Libs\.private: *//p' "$PC/keyart.pc")"
read -ra STATIC_LIBS <<<"$(pc --libs "${REQ_PRIVATE[@]}") ${LIBS_PRIVATE[*]}"
SAN=()
[ "$SANITIZE" = none ] || SAN=("-fsanitize=$SANITIZE")

# The shots `keyart shots` finds in a short clip of two shots (a hard cut at 2 s).
CLIP="$WORK/two_shots.mp4"
ffmpeg -nostdin -hide_banner -loglevel error -filter_complex \
    "testsrc2=s=320x180:r=24:d=2,format=yuv420p[a];smptebars=s=320x180:r=24:d=2,format=yuv420p[b];[a][b]concat=n=2:v=1:a=0[v]" \
    -map '[v]' -c:v libx264 -preset veryfast "$CLIP"
ka_run shots "$P/bin/keyart" shots -q "$CLIP"
check_rc "the installed keyart finds the clip's shots" 0
SHOTS=$(jqv length "$OUT")

# check_example KIND: runs $WORK/example-KIND on the clip.
check_example() {
    local kind=$1
    ka_run "run-$kind" env -u KEYART_MODELS "$WORK/example-$kind" "$CLIP"
    check_rc "the example ($kind) runs" 0
    check_eq "the example ($kind) prints the library's version" "libkeyart $VERSION" \
        "$(head -n 1 "$OUT")"
    check_eq "the example ($kind) looks for models in the installed folder only" \
        "models: $(under_prefix "$DATADIR")/keyart/models" "$(sed -n 2p "$OUT")"
    check_eq "the example ($kind) finds the shots keyart shots finds" "$SHOTS" \
        "$(grep -c '^shot ' "$OUT")"
}

# ---- the example, shared ---------------------------------------------------------------
ka_run cc-shared "${CC[@]}" -std=c11 -Wall -Wextra -Werror "${SAN[@]}" \
    "$SRC/docs/example/example.c" "${CFLAGS[@]}" "${LIBS[@]}" -Wl,-rpath,"$LIB" \
    -o "$WORK/example-shared"
check_rc "the example compiles with pkg-config --cflags --libs keyart" 0
ldd "$WORK/example-shared" >"$WORK/ldd-shared" 2>&1 || true
check_grep "the shared example uses the installed libkeyart.so.0" "$WORK/ldd-shared" \
    "libkeyart\.so\.0 => $LIB/libkeyart\.so\.0"
check_example shared

# ---- the example, static ---------------------------------------------------------------
ka_run cc-static "${CC[@]}" -std=c11 -Wall -Wextra -Werror "${SAN[@]}" \
    "$SRC/docs/example/example.c" "${CFLAGS[@]}" "$LIB/libkeyart.a" "${STATIC_LIBS[@]}" \
    -o "$WORK/example-static"
check_rc "the example links libkeyart.a with keyart.pc's Requires.private and Libs.private" 0
ldd "$WORK/example-static" >"$WORK/ldd-static" 2>&1 || true
check_not_grep "the static example needs no libkeyart.so" "$WORK/ldd-static" "libkeyart"
check_example static

finish
