#!/usr/bin/env bash
# Builds the native app image (and installers where the tools exist) from a `mvn package` build.
# Run through Maven: `mvn -Ppackage package` (or ./circuitbench's JDK: see packaging/README.md).
#   Linux:   target/dist/circuitbench/ (app image), target/dist/circuitbench_<v>_amd64.deb, .rpm if rpmbuild exists
#   macOS:   target/dist/Circuit Workbench.app and .dmg   (build on a Mac, with -Dpytorch.classifier=osx-aarch64)
#   Windows: target/dist/Circuit Workbench/ and .msi      (build on Windows with WiX, -Dpytorch.classifier=win-x86_64)
set -euo pipefail
VERSION="${1:?version}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JPACKAGE="${JAVA_HOME:?JAVA_HOME must point at a JDK 21+}/bin/jpackage"
cd "$ROOT"

IN=target/jpackage-input
DIST=target/dist
rm -rf "$IN" "$DIST"
mkdir -p "$IN" "$DIST"
cp target/circuitbench.jar "$IN/"
cp -r target/lib "$IN/lib"
cp -r samples "$IN/samples"   # the demo model and the sample sessions, so the app runs offline

COMMON=(--name circuitbench --app-version "$VERSION" --vendor "Circuit Workbench"
        --description "Find attention-head circuits in GPT-2 by mean ablation and greedy pruning"
        --input "$IN" --main-jar circuitbench.jar --main-class org.circuitbench.cli.Main
        --java-options "--enable-native-access=ALL-UNNAMED" --java-options "-Xss4m"
        --dest "$DIST")

case "$(uname -s)" in
  Linux)
    "$JPACKAGE" --type app-image "${COMMON[@]}" --icon packaging/linux/circuitbench.png
    IMAGE="$DIST/circuitbench"
    bash packaging/class-archive.sh "$IMAGE"   # before the packages, which copy the image
    if command -v dpkg-deb >/dev/null && command -v fakeroot >/dev/null; then
      "$JPACKAGE" --type deb --app-image "$IMAGE" --name circuitbench --app-version "$VERSION" --dest "$DIST" \
        --vendor "Circuit Workbench" --description "Find attention-head circuits in GPT-2" \
        --linux-shortcut --linux-menu-group "Science;Education" --linux-app-category science \
        --linux-package-name circuitbench --icon packaging/linux/circuitbench.png \
        --resource-dir packaging/linux
    else
      echo "dpkg-deb/fakeroot not found: skipping the .deb" >&2
    fi
    if command -v rpmbuild >/dev/null; then
      "$JPACKAGE" --type rpm --app-image "$IMAGE" --name circuitbench --app-version "$VERSION" --dest "$DIST" \
        --linux-shortcut --icon packaging/linux/circuitbench.png
    else
      echo "rpmbuild not found: skipping the .rpm (apt-get install rpm adds it)" >&2
    fi
    ;;
  Darwin)
    "$JPACKAGE" --type dmg "${COMMON[@]}" --name "Circuit Workbench" --icon packaging/macos/circuitbench.icns \
      --mac-package-identifier org.circuitbench
    ;;
  MINGW*|MSYS*|CYGWIN*)
    "$JPACKAGE" --type msi "${COMMON[@]}" --name "Circuit Workbench" --icon packaging/windows/circuitbench.ico \
      --win-menu --win-shortcut --win-dir-chooser --win-upgrade-uuid 7c0d2a3e-3b8e-4f51-9b0e-4c7e1a2f5d61
    ;;
esac
ls -la "$DIST"
