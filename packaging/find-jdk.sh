# Sourced by ./circuitbench and ./run-tests: picks a JDK 21+ and a Maven.
# Order: $JAVA_HOME if it is 21+, then Temurin/other JDKs under /usr/lib/jvm, then `java` on PATH.
# A JDK's version comes from its `release` file, so that picking one starts no JVM (./circuitbench
# runs this on every start); only a JDK without that file is asked with `java -version`.
java_major() {
  local v=""
  if [ -f "$1/release" ]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n1)"
    [ "$v" = 1 ] && v=""   # 1.8 and older: ask the JVM
  fi
  [ -n "$v" ] || v="$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  echo "$v"
}

cb_find_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/*; do
    if [ -n "$c" ] && [ -x "$c/bin/java" ] && [ "$(java_major "$c")" -ge 21 ] 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  if command -v java >/dev/null 2>&1; then
    c="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    if [ "$(java_major "$c")" -ge 21 ] 2>/dev/null; then echo "$c"; return 0; fi
  fi
  return 1
}

if ! JAVA_HOME="$(cb_find_jdk)"; then
  echo "error: Circuit Workbench needs a JDK 21 or newer (JavaFX and TestFX's Monocle need it)." >&2
  echo "       Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME

# Maven: the one on PATH, else the wrapper (which fetches Maven from Maven Central once).
if command -v mvn >/dev/null 2>&1; then MVN=mvn; else MVN="$CB_HOME/mvnw"; fi
