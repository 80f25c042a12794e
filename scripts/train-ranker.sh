#!/usr/bin/env bash
# train-ranker.sh [keyart train-ranker options]: rebuilds the ranker keyart ships
# (data/ranker/default.json, compiled into keyart) from the editor grades in
# ../shared/grades/ and keyart's own grades in data/grades/, then rebuilds keyart.
# Prints the leave-one-clip-out agreement of the training (--loco) on the way.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${KEYART_SHARED:-$ROOT/../shared}
cd "$ROOT"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build src/cli/keyart >/dev/null
build/src/cli/keyart train-ranker "$SHARED"/grades/*.json data/grades/*.json \
    --media "$SHARED" --loco -o data/ranker/default.json "$@"
ninja -C build >/dev/null
echo "train-ranker: data/ranker/default.json written; keyart rebuilt with it"
