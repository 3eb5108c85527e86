#!/usr/bin/env bash
# CI check: the .deb installs, installs again over itself, and is removed, with dpkg, on a machine
# without a desktop menu system (the case of issue 14: xdg-desktop-menu exits 3 there and used to
# leave the package half-configured).
#
# It installs into a throwaway root: a private mount namespace (unshare) in which /usr and /etc are
# the host's, bound read-only (so no menu directory is writable, exactly as on a headless server),
# and /opt, /var/lib/dpkg and /tmp are empty folders. dpkg --root runs the real maintainer scripts
# chrooted there. Nothing on the host is changed. Where the host has no xdg-desktop-menu, a stand-in
# that answers like the real one on such a machine (exit 3) is put first on the PATH.
#
#   bash packaging/check-deb-install.sh [target/dist/circuitbench_<v>_amd64.deb]
#   CB_DEB_CHECK_STUB=1 uses the stand-in even where xdg-utils is installed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEB="${1:-$(ls "$ROOT"/target/dist/circuitbench_*_amd64.deb 2>/dev/null | head -n1)}"
[ -n "$DEB" ] && [ -f "$DEB" ] || { echo "check-deb-install: no .deb given or in target/dist" >&2; exit 1; }
DEB="$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")"

if [ "${CB_DEB_CHECK_INSIDE:-}" != 1 ]; then
  for t in dpkg dpkg-deb unshare chroot; do
    command -v "$t" >/dev/null || { echo "check-deb-install: no $t here, skipped"; exit 0; }
  done
  if [ "$(id -u)" = 0 ]; then NS=(unshare -m); else NS=(unshare -r -m); fi
  if ! "${NS[@]}" true 2>/dev/null; then
    echo "check-deb-install: cannot make a private mount namespace here (${NS[*]}), skipped"; exit 0
  fi
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  CB_DEB_CHECK_INSIDE=1 WORK="$WORK" "${NS[@]}" bash "$0" "$DEB"
  exit $?
fi

# ---- inside the private mount namespace ----------------------------------------------------------
R="$WORK/root"
mkdir -p "$R"/{usr,etc,dev,opt,tmp,stub,var/log,var/lib/dpkg/info,var/lib/dpkg/updates,var/lib/dpkg/triggers}
chmod 1777 "$R/tmp"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
mount --make-rprivate / 2>/dev/null || true
for d in usr etc; do
  mount --bind "/$d" "$R/$d"
  mount -o remount,bind,ro "$R/$d"
done
mount --rbind /dev "$R/dev"
for l in bin sbin lib lib32 lib64; do   # merged /usr: links; otherwise bind the folder read-only
  if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$R/$l"
  elif [ -d "/$l" ]; then mkdir -p "$R/$l"; mount --bind "/$l" "$R/$l"; mount -o remount,bind,ro "$R/$l"; fi
done

if [ "${CB_DEB_CHECK_STUB:-}" != 1 ] && chroot "$R" sh -c 'command -v xdg-desktop-menu' >/dev/null 2>&1; then
  MENU="the real xdg-desktop-menu, with /usr and /etc read-only"
else
  printf '#!/bin/sh\necho "xdg-desktop-menu: No writable system menu directory found." >&2\nexit 3\n' > "$R/stub/xdg-desktop-menu"
  chmod +x "$R/stub/xdg-desktop-menu"
  MENU="a stand-in xdg-desktop-menu that exits 3 (no xdg-utils on this host)"
fi
export PATH="/stub:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PKG="$(dpkg-deb -f "$DEB" Package)"
DPKG=(dpkg --root="$R" --force-depends --log=/dev/null)

step() { # what, then the dpkg arguments; fails the check with dpkg's output
  local what="$1"; shift
  if ! out="$("${DPKG[@]}" "$@" 2>&1)"; then
    echo "$out" >&2
    echo "check-deb-install: FAILED: $what (dpkg $*)" >&2
    exit 1
  fi
  LAST="$out"
}
state() { chroot "$R" dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null || true; }

step "install on a machine without a menu system" -i "$DEB"
[ "$(state)" = "install ok installed" ] || { echo "check-deb-install: FAILED: after install the package is '$(state)'" >&2; exit 1; }
echo "$LAST" | grep -q "note: the desktop menu entry" \
  || { echo "$LAST" >&2; echo "check-deb-install: FAILED: no note about the skipped menu entry" >&2; exit 1; }
[ -x "$R/opt/$PKG/bin/$PKG" ] || { echo "check-deb-install: FAILED: no /opt/$PKG/bin/$PKG after install" >&2; exit 1; }
step "install again over itself (upgrade path: prerm upgrade, postinst configure)" -i "$DEB"
[ "$(state)" = "install ok installed" ] || { echo "check-deb-install: FAILED: after reinstall the package is '$(state)'" >&2; exit 1; }
step "remove" -r "$PKG"
[ ! -e "$R/opt/$PKG/bin/$PKG" ] || { echo "check-deb-install: FAILED: the launcher is still there after remove" >&2; exit 1; }
echo "$LAST" | grep -q "note: removing the desktop menu entry" \
  || { echo "$LAST" >&2; echo "check-deb-install: FAILED: no note about the skipped menu removal" >&2; exit 1; }
step "install after remove" -i "$DEB"
step "purge" -P "$PKG"

# The same package on a desktop: with writable menu folders the menu entry is installed and removed.
# /usr/local/share comes first in xdg's search path, so an empty one with the menu folders stands in.
if [ -d /usr/local/share ] && [ -d /etc/xdg ] && [ "${MENU#the real}" != "$MENU" ]; then
  mount -t tmpfs tmpfs "$R/usr/local/share"
  mount -t tmpfs tmpfs "$R/etc/xdg"
  mkdir -p "$R/usr/local/share/applications" "$R/usr/local/share/desktop-directories" "$R/etc/xdg/menus"
  step "install on a desktop" -i "$DEB"
  ls "$R"/usr/local/share/applications/*"$PKG"*.desktop >/dev/null 2>&1 \
    || { echo "$LAST" >&2; echo "check-deb-install: FAILED: no menu entry in /usr/local/share/applications on a desktop" >&2; exit 1; }
  step "remove on a desktop" -r "$PKG"
  ! ls "$R"/usr/local/share/applications/*"$PKG"*.desktop >/dev/null 2>&1 \
    || { echo "check-deb-install: FAILED: the menu entry is still there after remove" >&2; exit 1; }
  DESKTOP=", and on a desktop adds and removes its menu entry"
fi
echo "check-deb-install: $(basename "$DEB") installs, reinstalls, removes and installs again with no menu system ($MENU)${DESKTOP:-}"
