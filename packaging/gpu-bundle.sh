#!/usr/bin/env bash
# Makes the bundle that packaging/gpu-check.sh runs on a GPU machine without network or Java, in
# the ignored folder .gpu/ of this checkout (add /.gpu/ to .git/info/exclude):
#   jre.tar.xz      a Java 25 runtime for the headless commands only (jlink, no JavaFX, stripped)
#   app.tar.xz      target/circuitbench.jar and its runtime jars without JavaFX, ControlsFX and
#                   PyTorch's bundled natives (the machine's own libtorch is used there)
#   djl-jni.tar.xz  DJL 0.36.0's PyTorch JNI sources, its JNI header and the JDK's jni.h, to build
#                   libdjl_torch.so on that machine (with packaging/djl-jni/CMakeLists.txt)
#
#   packaging/gpu-bundle.sh [--djl-git GITDIR]   # GITDIR: a clone of deepjavalibrary/djl (for djl-jni)
#
# The app part is remade every time (after a merge, run this again); jre.tar.xz and djl-jni.tar.xz
# are kept when present (delete them to remake). Keep .gpu/ small: it travels with the working tree.
set -euo pipefail
CB_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$CB_HOME/packaging/find-jdk.sh"
DJL_GIT=""
[ "${1:-}" = "--djl-git" ] && DJL_GIT="$2"
DJL_TAG=v0.36.0
G="$CB_HOME/.gpu"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$G"
XZ="xz -T0 -9"

# ---- the app -------------------------------------------------------------------------------------
JAR="$CB_HOME/target/circuitbench.jar"
if [ ! -f "$JAR" ] || [ -n "$(find "$CB_HOME/src/main" "$CB_HOME/pom.xml" -newer "$JAR" -print -quit)" ]; then
  echo "building the jar..." >&2
  (cd "$CB_HOME" && "$MVN" -q -B -DskipTests package)
fi
A="$TMP/app"
mkdir -p "$A/lib"
cp "$JAR" "$A/"
for j in "$CB_HOME"/target/lib/*.jar; do
  case "$(basename "$j")" in
    javafx-*|controlsfx-*|pytorch-native-*|pytorch-jni-*) ;;  # no window there; the machine's libtorch and a JNI built there
    *) cp "$j" "$A/lib/" ;;
  esac
done
# only the Linux x86-64 natives of the jars that carry every platform's
for j in "$A"/lib/tokenizers-*.jar "$A"/lib/jna-*.jar; do
  unzip -Z1 "$j" | grep -E '^(native/lib/|com/sun/jna/[^/]+/).*[^/]$' | grep -v -e '/linux-x86_64/' -e '/linux-x86-64/' -e '\.properties$' \
    | zip -q -d "$j" -@ || true
done
# store the jars' entries uncompressed: xz packs the whole far tighter than each entry's deflate
for j in "$A"/*.jar "$A"/lib/*.jar; do
  rm -rf "$TMP/x" && mkdir "$TMP/x" && (cd "$TMP/x" && unzip -q "$j" && rm "$j" \
    && { [ ! -f META-INF/MANIFEST.MF ] || zip -q -0 -X "$j" META-INF/MANIFEST.MF; } && zip -q -0 -X -r "$j" . -x META-INF/MANIFEST.MF)
done
echo "$(cd "$CB_HOME" && git rev-parse --short HEAD)$(cd "$CB_HOME" && git diff --quiet HEAD -- src pom.xml || echo '+changes') built $(date -u +%FT%TZ)" > "$A/VERSION"
tar -C "$TMP" -cf - app | $XZ > "$G/app.tar.xz.part" && mv "$G/app.tar.xz.part" "$G/app.tar.xz"

# ---- the Java runtime ------------------------------------------------------------------------------
if [ ! -f "$G/jre.tar.xz" ]; then
  # jdeps on the headless path: java.base, java.net.http (downloads), jdk.management (memory);
  # java.management for DJL's GPU memory; the rest for the libraries' optional paths. No java.desktop:
  # only the window and DJL's image and audio classes use it.
  "$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,java.net.http,java.sql,java.xml,jdk.unsupported,jdk.zipfs,java.naming \
    --strip-debug --no-header-files --no-man-pages --output "$TMP/jre"
  find "$TMP/jre" -name '*.so' -exec strip --strip-unneeded {} +
  tar -C "$TMP" -cf - jre | $XZ > "$G/jre.tar.xz.part" && mv "$G/jre.tar.xz.part" "$G/jre.tar.xz"
fi

# ---- DJL's JNI sources -----------------------------------------------------------------------------
if [ ! -f "$G/djl-jni.tar.xz" ]; then
  [ -n "$DJL_GIT" ] || { echo "error: .gpu/djl-jni.tar.xz is missing; give --djl-git GITDIR (a clone of deepjavalibrary/djl)" >&2; exit 1; }
  S="$TMP/src"
  mkdir -p "$S"
  git --git-dir="$DJL_GIT" archive "$DJL_TAG" engines/pytorch/pytorch-native/src/main/native api/src/main/native \
    engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni | tar -x -C "$S"
  # DJL's fix after 0.36.0 (#3826): write into sized vectors, not merely reserved ones
  sed -i 's/jptrs\.reserve(len);/jptrs.resize(len);/' "$S/engines/pytorch/pytorch-native/src/main/native/ai_djl_pytorch_jni_PyTorchLibrary_ivalue.cc"
  J="$TMP/djl-jni"
  mkdir -p "$J/include/djl" "$J/jdk/include/linux" "$J/classes"
  cp "$S"/engines/pytorch/pytorch-native/src/main/native/* "$J/" 2>/dev/null || true
  mkdir -p "$J/native" && mv "$J"/*.cc "$J"/*.h "$J/native/"
  cp "$S/api/src/main/native/djl/utils.h" "$J/include/djl/"
  API_JAR=$(ls "$CB_HOME"/target/lib/api-*.jar | head -1)
  "$JAVA_HOME/bin/javac" -cp "$API_JAR" -sourcepath "$S/engines/pytorch/pytorch-engine/src/main/java" -h "$J/include" -d "$J/classes" \
    "$S/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
  rm -rf "$J/classes"
  cp "$JAVA_HOME/include/jni.h" "$J/jdk/include/"
  cp "$JAVA_HOME/include/linux/jni_md.h" "$J/jdk/include/linux/"
  echo "DJL $DJL_TAG ($(git --git-dir="$DJL_GIT" rev-parse "$DJL_TAG^{commit}")), engines/pytorch/pytorch-native/src/main/native, with DJL #3826's resize fix" > "$J/SOURCE"
  tar -C "$TMP" -cf - djl-jni | $XZ > "$G/djl-jni.tar.xz.part" && mv "$G/djl-jni.tar.xz.part" "$G/djl-jni.tar.xz"
fi
ls -l "$G"
du -ch "$G"/*.tar.xz | tail -1
