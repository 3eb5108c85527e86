#!/usr/bin/env bash
# Takes the README screenshot: starts the app under Xvfb on the digits demo session, with the
# circuit that backward-forward T=3 finds shown on the grid, and saves the screen as a PNG.
# Needs xvfb-run, imagemagick (import) and python3:  apt-get install xvfb imagemagick libgtk-3-0
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/docs/screenshot.png}"
if [ "${2:-}" != "--inside" ]; then
SESSION="$(mktemp -d)/screenshot.cbsession.json"
python3 - "$ROOT/samples/sessions/digits-seqcont-tiny.cbsession.json" "$SESSION" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["ui"]["grid"] = s["circuits"][0]["circuit"]
json.dump(s, open(sys.argv[2], "w"), indent=1)
PY
fi
if [ "${2:-}" = "--inside" ]; then # under Xvfb
  "$ROOT/circuitbench" gui "$3" >/tmp/circuitbench-screenshot.log 2>&1 &
  for _ in $(seq 60); do sleep 1; xdotool search --name "Circuit Workbench" >/dev/null 2>&1 && break; done
  sleep 12   # the model loads and the first score comes in
  import -window root "$OUT"
  pkill -f "circuitbench.jar gui" || true
  exit 0
fi
xvfb-run -a -s "-screen 0 1400x920x24" bash "$0" "$OUT" --inside "$SESSION"
echo "wrote $OUT"
