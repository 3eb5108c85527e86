#!/usr/bin/env bash
# Takes the README's screenshots: starts the app's window under Xvfb at 1360 × 900 on the
# cross-task demo session and writes the grid, the task editor, importance, compare, the Heads view,
# the head inspector, the Graph view and the grid's estimate overlay
# (org.circuitbench.ui.app.Screenshots, a test-scope tool) as PNGs of the window's content.
#   bash packaging/screenshot.sh [OUT_DIR [WIDTH HEIGHT]]     (default docs/, 1360 900)
# Needs a build (mvn -Ppackage package, or mvn test-compile dependency:copy-dependencies@copy-runtime-libs),
# xvfb-run and GTK 3:  apt-get install xvfb libgtk-3-0
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CB_HOME="$ROOT"
. "$ROOT/packaging/find-jdk.sh"
OUT="${1:-$ROOT/docs}"
W="${2:-1360}"; H="${3:-900}"
cd "$ROOT"
[ -d target/test-classes ] && [ -d target/lib ] || "$MVN" -B -q -DskipTests test-compile dependency:copy-dependencies@copy-runtime-libs
xvfb-run -a -s "-screen 0 $((W + 40))x$((H + 40))x24" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "target/classes:target/test-classes:target/lib/*" org.circuitbench.ui.app.Screenshots "$OUT" "$W" "$H" 2>&1 | grep -v '^WARNING' || true
ls -la "$OUT"/circuit.png "$OUT"/task-editor.png "$OUT"/importance.png "$OUT"/compare.png "$OUT"/heads.png "$OUT"/inspector.png "$OUT"/graph.png "$OUT"/estimate.png
