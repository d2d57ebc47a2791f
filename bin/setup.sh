#!/usr/bin/env bash
# The one set-up script (used by .ci/run, `npm test` and `t2lab` when no adapter is found; see README, Set up):
# on a Debian machine without a GPU it installs a software WebGPU stack, and nothing else:
#   - lavapipe, the software Vulkan driver Dawn accepts in Node (Mesa >= 24: bookworm-backports on Debian 12)
#   - Debian's chromium, the browser of the Playwright tests (it also ships SwiftShader)
# It never touches a machine that already has a GPU (/dev/dri/renderD*, /dev/nvidia0, /dev/dxg, /dev/kfd)
# or already has both packages. The npm packages are not its business (`npm install` / `npm ci`).
#
#   bash bin/setup.sh           install what is missing (as root or with passwordless sudo), saying each step;
#                               exit 0 when ready, 1 (after printing exactly what to run) when it cannot
#   bash bin/setup.sh --check   quiet; exit 0: nothing to install; 1: something missing that it can install;
#                               2: something missing that it cannot install here (not Debian, no root or sudo)
#   bash bin/setup.sh --auto    as without flags, but when it cannot install it prints what to run and exits 0,
#                               so `npm test` still runs (GPU tests skip loudly; under CI=true they fail)
set -euo pipefail

mode=install
case "${1:-}" in
  '') ;;
  --check) mode=check ;;
  --auto) mode=auto ;;
  -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bin/setup.sh: unknown option '$1' (options: --check, --auto, --help)" >&2; exit 2 ;;
esac
say() { [ "$mode" = check ] || echo "t2lab setup: $*"; }
# Where apt's sources, the device nodes and the release file are: moved only by test/node/setup.test.ts, which fakes a bare machine.
APT_DIR=${T2LAB_SETUP_APT_DIR:-/etc/apt}
DEV=${T2LAB_SETUP_DEV:-/dev}
OS_RELEASE=${T2LAB_SETUP_OS_RELEASE:-/etc/os-release}

# ---- what is here
mesa=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
mesa_ok=0
if [[ "$mesa" =~ ^([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -ge 24 ]; then mesa_ok=1; fi
chromium_ok=0
if command -v chromium >/dev/null || { [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; }; then chromium_ok=1; fi
gpu=$(ls "$DEV"/dri/renderD* "$DEV"/nvidia0 "$DEV"/dxg "$DEV"/kfd 2>/dev/null | head -n 1 || true)

if [ "$mesa_ok" = 1 ] && [ "$chromium_ok" = 1 ]; then
  say "lavapipe (Mesa $mesa) and chromium are installed; nothing to do"
  exit 0
fi
if [ -n "$gpu" ]; then
  say "this machine has a GPU ($gpu); its drivers are left alone, nothing installed"
  if [ "$chromium_ok" = 0 ]; then say "the browser tests need Chromium: install it, or set CHROMIUM_PATH to a Chrome or Chromium binary"; fi
  exit 0
fi

# ---- what to run (Debian and derivatives; Debian 12's own Mesa is 22, so its lavapipe comes from backports)
codename=''
debian=0
if [ -r "$OS_RELEASE" ]; then
  # shellcheck disable=SC1090
  . "$OS_RELEASE"
  codename=${VERSION_CODENAME:-}
  if [[ " ${ID:-} ${ID_LIKE:-} " == *" debian "* ]] && command -v apt-get >/dev/null; then debian=1; fi
fi
steps=()
if [ "$mesa_ok" = 0 ] && [ "$codename" = bookworm ]; then
  if ! grep -rqs bookworm-backports "$APT_DIR"/sources.list "$APT_DIR"/sources.list.d/; then
    steps+=("echo 'deb http://deb.debian.org/debian bookworm-backports main' > $APT_DIR/sources.list.d/t2lab-backports.list")
  fi
fi
steps+=("apt-get update -qq")
if [ "$mesa_ok" = 0 ]; then
  if [ "$codename" = bookworm ]; then steps+=("apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers"); else steps+=("apt-get install -y -qq mesa-vulkan-drivers"); fi
fi
if [ "$chromium_ok" = 0 ]; then steps+=("apt-get install -y -qq chromium"); fi

SUDO=none
if [ "$(id -u)" = 0 ]; then SUDO=''; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; fi

missing=''
if [ "$mesa_ok" = 0 ]; then missing="lavapipe (mesa-vulkan-drivers >= 24${mesa:+; installed: $mesa})"; fi
if [ "$chromium_ok" = 0 ]; then missing+="${missing:+ and }chromium"; fi
if [ "$debian" = 0 ] || [ "$SUDO" = none ]; then
  [ "$mode" = check ] && exit 2
  echo "t2lab setup: no GPU and no software WebGPU driver: missing ${missing}" >&2
  if [ "$debian" = 0 ]; then
    echo "  This is not a Debian system with apt-get, so nothing was installed. Install a Vulkan driver for your GPU," >&2
    echo "  or Mesa >= 24's lavapipe (Ubuntu 24.04+: mesa-vulkan-drivers; Fedora: mesa-vulkan-drivers), and Chromium." >&2
  else
    echo "  It needs root or passwordless sudo to install them. Run, as root (or each line with sudo):" >&2
    for s in "${steps[@]}"; do echo "    $s" >&2; done
    echo "  or: sudo bash bin/setup.sh" >&2
  fi
  [ "$mode" = auto ] && [ "${CI:-}" != true ] && exit 0
  exit 1
fi
[ "$mode" = check ] && exit 1

# ---- install
say "no GPU here and missing ${missing}: installing${SUDO:+ with sudo}"
export DEBIAN_FRONTEND=noninteractive
for s in "${steps[@]}"; do
  echo "+ $s"
  if [ -z "$SUDO" ]; then bash -c "$s"; else sudo DEBIAN_FRONTEND=noninteractive bash -c "$s"; fi
done
mesa=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
if ! [[ "$mesa" =~ ^([0-9]+)\. ]] || [ "${BASH_REMATCH[1]}" -lt 24 ]; then
  echo "t2lab setup: installed mesa-vulkan-drivers $mesa, but Dawn needs Mesa >= 24's lavapipe; this release has no newer one" >&2
  echo "  (Debian 12: bookworm-backports; Ubuntu 24.04 and newer carry it). Chromium's SwiftShader may still work." >&2
  exit 1
fi
say "ready: lavapipe (Mesa $mesa)$(command -v chromium >/dev/null && echo ' and chromium')"
