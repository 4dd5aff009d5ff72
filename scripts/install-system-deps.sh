#!/usr/bin/env bash
# Installs the system packages the test suite needs on a Debian bookworm machine without a GPU:
#  - Mesa 25 lavapipe (bookworm-backports) + libvulkan1: the Vulkan device Dawn runs WebGPU on in Node
#  - Debian chromium: Playwright e2e with --enable-unsafe-webgpu (SwiftShader)
#  - python3-torch / python3-torchvision: the PyTorch oracle (python/) for parity and interop tests
# Idempotent: each package is checked first, so a machine that already has them pays ~1 s.
#
# bookworm-backports is added from the machine's own apt configuration: the mirror that serves its
# `bookworm` suite (deb822 URIs: in sources.list.d/*.sources, or a classic sources.list line), so a
# local or snapshot mirror keeps working and no host is written here.
#
#   install-system-deps.sh                      install what is missing
#   install-system-deps.sh --backports-source   print the backports source it would add, and exit
# GAZECAM_APT_ETC (default /etc/apt) points the derivation at another apt directory (tests).
set -euo pipefail

APT_ETC="${GAZECAM_APT_ETC:-/etc/apt}"

# The URI of the first enabled `deb` source of the bookworm suite, from deb822 then classic files.
bookworm_mirror() {
  local f
  for f in "$APT_ETC"/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822: stanzas separated by blank lines; fields may be folded onto indented lines.
    awk '
      function flush() {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no" && suites ~ /(^|[ \t])bookworm([ \t]|$)/ && uris != "") {
          split(uris, u, /[ \t]+/); print u[1]; found = 1; exit
        }
        types = ""; uris = ""; suites = ""; enabled = ""; field = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { if (field == "uris") uris = uris " " $0; else if (field == "suites") suites = suites " " $0; next }
      {
        split($0, kv, ":"); key = tolower(kv[1]); val = substr($0, length(kv[1]) + 2)
        gsub(/^[ \t]+|[ \t]+$/, "", val); field = key
        if (key == "types") types = val; else if (key == "uris") uris = val
        else if (key == "suites") suites = val; else if (key == "enabled") enabled = tolower(val)
      }
      END { if (!found) flush() }
    ' "$f" | head -n 1 | grep . && return 0
  done
  for f in "$APT_ETC"/sources.list "$APT_ETC"/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URI suite components...
    sed -E 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' | grep . && return 0
  done
  return 1
}

# The backports source to add, as a deb822 stanza, or a message saying what to do.
backports_source() {
  local mirror
  if ! mirror=$(bookworm_mirror); then
    echo "install-system-deps: no Debian 'bookworm' source found in $APT_ETC/sources.list or $APT_ETC/sources.list.d/*.sources;" \
      "add your mirror's bookworm-backports suite to apt yourself (it provides mesa-vulkan-drivers >= 25), then run npm test again" >&2
    return 1
  fi
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\n' "${mirror%/}"
}

if [ "${1:-}" = "--backports-source" ]; then
  backports_source
  exit $?
fi

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
if ! grep -rqs "bookworm-backports" "$APT_ETC"/sources.list "$APT_ETC"/sources.list.d/; then
  source_stanza=$(backports_source)
  echo "install-system-deps: adding bookworm-backports from the machine's bookworm mirror" >&2
  echo "$source_stanza" | $SUDO tee "$APT_ETC/sources.list.d/gazecam-bookworm-backports.sources" >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libvulkan1 chromium python3-torch python3-torchvision python3-numpy python3-pil >&2
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >&2
