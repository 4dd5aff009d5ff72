#!/usr/bin/env bash
# Installs the system packages the test suite needs on a Debian bookworm machine without a GPU:
#  - Mesa 25 lavapipe (bookworm-backports) + libvulkan1: the Vulkan device Dawn runs WebGPU on in Node
#  - Debian chromium: Playwright e2e with --enable-unsafe-webgpu (SwiftShader)
#  - python3-torch / python3-torchvision: the seed's PyTorch reference for parity and interop tests
# Idempotent: each package is checked first, so a machine that already has them pays ~1 s.
set -euo pipefail

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
mesa_ok() {
  have mesa-vulkan-drivers || return 1
  local v; v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)
  dpkg --compare-versions "$v" ge 25 
}
for p in libvulkan1 chromium python3-torch python3-torchvision python3-numpy python3-pil; do
  have "$p" || need+=("$p")
done
mesa_ok || need+=("mesa-vulkan-drivers")

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "install-system-deps: installing ${need[*]}" >&2
backports=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee "$backports" >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libvulkan1 chromium python3-torch python3-torchvision python3-numpy python3-pil >&2
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >&2
