#!/usr/bin/env bash
# Gives a Linux app image its class archive, so that the installed app's JVM starts faster
# (docs/performance.md, Start-up). Called by jpackage.sh after it made the app image:
#   packaging/class-archive.sh target/dist/circuitbench
# A training run starts the packaged app once, on the demo session, until its first score
# (CIRCUITBENCH_EXIT_AFTER_STARTUP=1), with recording options added to the launcher's .cfg. Then the
# archive is made and the .cfg gets the option that uses it ($APPDIR is the image's lib/app):
#   JDK 25+:   an AOT cache (JEP 483/514), -XX:AOTCache=$APPDIR/circuitbench.aot
#   JDK 21-24: a static CDS archive of the classes the run loaded, -XX:SharedArchiveFile=$APPDIR/circuitbench.jsa
# jpackage's runtime has no java command, so both steps run through the app's own launcher.
# The training run needs a display: $DISPLAY, else xvfb-run. Without either it runs the headless
# `score` command on the demo model instead (the archive then lacks JavaFX's classes) and says so.
# A run that fails leaves the image without an archive (and says so): it still works, only slower.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IMAGE="${1:?app image folder}"
APPDIR="$IMAGE/lib/app"
CFG="$APPDIR/circuitbench.cfg"
LAUNCHER="$IMAGE/bin/circuitbench"
[ -f "$CFG" ] && [ -x "$LAUNCHER" ] || { echo "class-archive: no Linux app image at $IMAGE" >&2; exit 1; }
major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$IMAGE/lib/runtime/release" 2>/dev/null | head -n1)"
KIND="${CB_ARCHIVE_KIND:-$([ "${major:-0}" -ge 25 ] && echo aot || echo cds)}"
QUIET=(-Xlog:cds*=off)   # a command's JSON on stdout gets no JVM warnings
[ "${major:-0}" -ge 25 ] && QUIET+=(-Xlog:aot*=off)

cp "$CFG" "$CFG.orig"
trap 'mv -f "$CFG.orig" "$CFG"' EXIT
with_options() { # runs the launcher with extra java-options lines in its .cfg
  cp "$CFG.orig" "$CFG"
  local o; for o in "$@"; do echo "java-options=$o" >> "$CFG"; done
}

USER_DIR="$(mktemp -d)"
TRAIN=(env CIRCUITBENCH_EXIT_AFTER_STARTUP=1 CIRCUITBENCH_STARTUP_LOG=1 CIRCUITBENCH_USER_DIR="$USER_DIR")
if [ -n "${DISPLAY:-}" ]; then how="on display $DISPLAY"; ARGS=()
elif command -v xvfb-run >/dev/null 2>&1; then how="under xvfb-run"; TRAIN=(xvfb-run -a -s "-screen 0 1280x800x24" "${TRAIN[@]}"); ARGS=()
else
  how="headless (no display and no xvfb-run: the archive lacks the window's classes)"
  ARGS=(score --model "$APPDIR/samples/models/seqcont-tiny" --task "$ROOT/src/test/data/fixtures/digits-seqcont-tiny/task.json" --device cpu)
fi
train() { timeout 300 "${TRAIN[@]}" "$LAUNCHER" "${ARGS[@]}" > "$USER_DIR/train.log" 2>&1; }
fail() {
  echo "class-archive: $1; the app image has no class archive (it works, but starts slower). The run's log:" >&2
  tail -n 20 "$USER_DIR/train.log" >&2 || true
  rm -f "$APPDIR"/circuitbench.aot "$APPDIR"/circuitbench.jsa "$APPDIR"/classes.*
  rm -rf "$USER_DIR"
  exit 0
}

echo "class-archive: training run of the app image $how ($KIND)"
if [ "$KIND" = aot ]; then
  with_options -XX:AOTMode=record -XX:AOTConfiguration=\$APPDIR/classes.aotconf "${QUIET[@]}"
  train || fail "the training run failed"
  with_options -XX:AOTMode=create -XX:AOTConfiguration=\$APPDIR/classes.aotconf -XX:AOTCache=\$APPDIR/circuitbench.aot "${QUIET[@]}"
  "$LAUNCHER" > "$USER_DIR/create.log" 2>&1 || { cat "$USER_DIR/create.log" >> "$USER_DIR/train.log"; fail "making the AOT cache failed"; }
  rm -f "$APPDIR/classes.aotconf"
  [ -s "$APPDIR/circuitbench.aot" ] || fail "no AOT cache was written"
  USE=(-XX:AOTCache=\$APPDIR/circuitbench.aot "${QUIET[@]}")
else
  with_options -XX:DumpLoadedClassList=\$APPDIR/classes.lst "${QUIET[@]}"
  train || fail "the training run failed"
  with_options -Xshare:dump -XX:SharedClassListFile=\$APPDIR/classes.lst -XX:SharedArchiveFile=\$APPDIR/circuitbench.jsa "${QUIET[@]}"
  "$LAUNCHER" > "$USER_DIR/create.log" 2>&1 || { cat "$USER_DIR/create.log" >> "$USER_DIR/train.log"; fail "making the CDS archive failed"; }
  rm -f "$APPDIR/classes.lst"
  [ -s "$APPDIR/circuitbench.jsa" ] || fail "no CDS archive was written"
  USE=(-XX:SharedArchiveFile=\$APPDIR/circuitbench.jsa "${QUIET[@]}")
fi
grep -q "circuitbench-startup .* score" "$USER_DIR/train.log" || [ ${#ARGS[@]} -gt 0 ] \
  || echo "class-archive: note: the training run did not reach its first score; the archive has what it loaded" >&2
with_options "${USE[@]}"
cp "$CFG" "$CFG.orig"   # the trap puts this one back
rm -rf "$USER_DIR"
echo "class-archive: $(ls -s --block-size=M "$APPDIR"/circuitbench.{aot,jsa} 2>/dev/null | head -n1)"
