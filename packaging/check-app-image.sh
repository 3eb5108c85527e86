#!/usr/bin/env bash
# CI check: build the Linux app image, then run its launcher headless on the bundled demo model
# and check the answer of `circuitbench score` (score 100, full logit difference 9.2649).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if [ "$(uname -s)" != Linux ]; then echo "check-app-image: Linux only, skipped"; exit 0; fi
if [ ! -x "${JAVA_HOME:-}/bin/jpackage" ]; then echo "check-app-image: no jpackage in \$JAVA_HOME, skipped"; exit 0; fi
"${MVN:-mvn}" -B -q -Ppackage -DskipTests package
APP=target/dist/circuitbench
OUT=$("$APP/bin/circuitbench" score --model "$APP/lib/app/samples/models/seqcont-tiny" \
      --task src/test/data/fixtures/digits-seqcont-tiny/task.json --circuit all --device cpu)
echo "$OUT" | grep -q '"score" : 100.0' || { echo "app image: unexpected score: $OUT" >&2; exit 1; }
echo "$OUT" | grep -Eq '"full_logit_diff" : 9\.264' || { echo "app image: unexpected full_logit_diff: $OUT" >&2; exit 1; }
ls target/dist/*.deb >/dev/null 2>&1 || { echo "app image: no .deb was built" >&2; exit 1; }
echo "check-app-image: the packaged app answers score on the demo model ($(du -sh "$APP" | cut -f1) image, $(ls target/dist/*.deb))"
