#!/usr/bin/env bash
# CI check: build the Linux app image, then run its launcher headless on the bundled demo model
# and check the answer of `circuitbench score` (score 100, full logit difference 9.2649); then
# install the .deb into a throwaway root with no desktop menu system (check-deb-install.sh).
# The .deb is compressed with gzip -1 here (dpkg's default, xz, takes about 5 minutes on 2 cores for
# the 450 MB of PyTorch natives); set DPKG_DEB_COMPRESSOR_TYPE to check the release compression.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if [ "$(uname -s)" != Linux ]; then echo "check-app-image: Linux only, skipped"; exit 0; fi
if [ ! -x "${JAVA_HOME:-}/bin/jpackage" ]; then echo "check-app-image: no jpackage in \$JAVA_HOME, skipped"; exit 0; fi
export DPKG_DEB_COMPRESSOR_TYPE="${DPKG_DEB_COMPRESSOR_TYPE:-gzip}"
[ "$DPKG_DEB_COMPRESSOR_TYPE" = gzip ] && export DPKG_DEB_COMPRESSOR_LEVEL="${DPKG_DEB_COMPRESSOR_LEVEL:-1}"
# ./run-tests has just built it (CB_BUILT=1: one build for the tests and the package)
[ "${CB_BUILT:-}" = 1 ] || "${MVN:-mvn}" -B -q -Ppackage -DskipTests package
APP=target/dist/circuitbench
OUT=$("$APP/bin/circuitbench" score --model "$APP/lib/app/samples/models/seqcont-tiny" \
      --task src/test/data/fixtures/digits-seqcont-tiny/task.json --circuit all --device cpu)
echo "$OUT" | grep -q '"score" : 100.0' || { echo "app image: unexpected score: $OUT" >&2; exit 1; }
echo "$OUT" | grep -Eq '"full_logit_diff" : 9\.264' || { echo "app image: unexpected full_logit_diff: $OUT" >&2; exit 1; }
ls target/dist/*.deb >/dev/null 2>&1 || { echo "app image: no .deb was built" >&2; exit 1; }
echo "check-app-image: the packaged app answers score on the demo model ($(du -sh "$APP" | cut -f1) image, $(ls target/dist/*.deb))"
bash packaging/check-deb-install.sh target/dist/*.deb
