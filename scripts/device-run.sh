#!/usr/bin/env bash
# Benchmarks the engine against PyTorch on the machine it runs on, in one call, from .device/
# (npm run device:bundle) and the working tree: no Node, npm or network needed there.
#
#   bash scripts/device-run.sh [--quick] [--out DIR]
#
# It unpacks Node, Dawn and the Vulkan loader into a temporary folder, finds the NVIDIA Vulkan
# driver, prints the adapter Dawn got, then runs each measurement under a time budget (WebGPU
# bench, PyTorch fp32 and TF32 on CUDA, torchrun training, one profiled WebGPU step) and writes
# device-results.json and device-results.md to $OUT (or --out; default ./device-out). Everything
# stops before GAZECAM_DEVICE_LIMIT_S seconds (default 450, under the 8 minutes a lease allows).
# --quick: small cases, a few steps, PyTorch on the CPU, Mesa's lavapipe when no NVIDIA driver is
# there: the same code paths on a machine without a GPU, in a few minutes.
set -uo pipefail

START_S=$(date +%s)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEVICE_DIR="${GAZECAM_DEVICE_DIR:-$ROOT/.device}"
LIMIT_S="${GAZECAM_DEVICE_LIMIT_S:-450}"
QUICK=0
OUT_DIR="${OUT:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT_DIR="${2:?--out needs a folder}"; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "device-run: unknown option $1 (options: --quick, --out DIR)" >&2; exit 2 ;;
  esac
  shift
done
OUT_DIR="${OUT_DIR:-$PWD/device-out}"
mkdir -p "$OUT_DIR" || { echo "device-run: cannot create the results folder $OUT_DIR" >&2; exit 1; }
OUT_DIR=$(cd "$OUT_DIR" && pwd)

say() { echo "device-run: $*"; }
die() {
  echo "device-run: $*" >&2
  # A results file that says why, so a one-shot run on a lent machine never comes back empty.
  printf '{"schema":"gazecam-device-results/1","error":%s}\n' "$(printf '%s' "$*" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')" > "$OUT_DIR/device-results.json"
  exit 1
}

[ -f "$DEVICE_DIR/manifest.json" ] || die "$DEVICE_DIR/manifest.json is missing: run 'npm run device:bundle' where Node and node_modules are, and carry .device with the working tree"
for part in gazecam.mjs device-tools.mjs dawn.node.xz node.xz; do
  [ -f "$DEVICE_DIR/$part" ] || die "$DEVICE_DIR/$part is missing: rebuild with 'npm run device:bundle'"
done
[ "$(uname -m)" = x86_64 ] || die "the bundle is for x86_64 Linux; this machine is $(uname -m)"

WORK="${GAZECAM_DEVICE_WORK:-}"
if [ -z "$WORK" ]; then
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/gazecam-device.XXXXXX") || die "cannot create a temporary folder"
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK/node/bin" "$WORK/cli/dist/linux-x64" "$WORK/sys"

# xz from the system when there is one, else Python's lzma (python3 is there for PyTorch anyway).
unxz_to() {
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$1" > "$2"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}
unxz_to "$DEVICE_DIR/node.xz" "$WORK/node/bin/node" || die "could not unpack $DEVICE_DIR/node.xz"
chmod +x "$WORK/node/bin/node"
# The webgpu package loads dist/<platform>-<arch>/dawn.node from beside its module: the bundles.
unxz_to "$DEVICE_DIR/dawn.node.xz" "$WORK/cli/dist/linux-x64/dawn.node" || die "could not unpack $DEVICE_DIR/dawn.node.xz"
cp "$DEVICE_DIR/gazecam.mjs" "$DEVICE_DIR/device-tools.mjs" "$WORK/cli/"
NODE="$WORK/node/bin/node"

HOST_LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"
NODE_LIBS=""
if command -v dpkg >/dev/null 2>&1; then
  for deb in "$DEVICE_DIR"/debs/*.deb; do
    [ -f "$deb" ] && dpkg -x "$deb" "$WORK/sys"
  done
  [ -f "$WORK/sys/usr/lib/x86_64-linux-gnu/libvulkan.so.1" ] && NODE_LIBS="$WORK/sys/usr/lib/x86_64-linux-gnu/vulkan-only"
  mkdir -p "$WORK/sys/usr/lib/x86_64-linux-gnu/vulkan-only"
  ln -sf ../libvulkan.so.1 "$WORK/sys/usr/lib/x86_64-linux-gnu/vulkan-only/libvulkan.so.1"
else
  say "dpkg is not installed: using the machine's own Vulkan loader, if it has one"
fi
# dawn.node needs GLIBCXX_3.4.30 (GCC 12's libstdc++): the bundled one only when the host's is older.
host_libstdcxx=$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')
for f in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /lib64/libstdc++.so.6 /usr/lib64/libstdc++.so.6; do
  [ -z "$host_libstdcxx" ] && [ -f "$f" ] && host_libstdcxx="$f"
done
if [ -n "$host_libstdcxx" ] && grep -q GLIBCXX_3.4.30 "$host_libstdcxx" 2>/dev/null; then
  :
elif [ -f "$WORK/sys/usr/lib/x86_64-linux-gnu/libstdc++.so.6" ]; then
  mkdir -p "$WORK/sys/libstdcxx"
  ln -sf ../usr/lib/x86_64-linux-gnu/libstdc++.so.6 "$WORK/sys/libstdcxx/libstdc++.so.6"
  NODE_LIBS="${NODE_LIBS:+$NODE_LIBS:}$WORK/sys/libstdcxx"
  say "the machine's libstdc++ (${host_libstdcxx:-none found}) predates GCC 12: Node uses the bundled one"
fi

"$NODE" --version >/dev/null 2>&1 || die "the bundled Node does not start here: $("$NODE" --version 2>&1 | head -n 1)"

# The Vulkan driver: an explicit choice wins; else NVIDIA's ICD from the loader's directories, else
# the container path NVIDIA's runtime uses; with --quick and no NVIDIA driver, Mesa's lavapipe.
ICD=""
ICD_SOURCE=none
ICD_DIRS="/etc/vulkan/icd.d /usr/local/etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d"
first_icd() { # pattern
  local d f
  for d in $ICD_DIRS; do
    for f in "$d"/$1; do [ -f "$f" ] && { echo "$f"; return 0; }; done
  done
  return 1
}
if [ -n "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  ICD="${VK_DRIVER_FILES:-$VK_ICD_FILENAMES}"; ICD_SOURCE=env
elif ICD=$(first_icd 'nvidia*.json'); then
  ICD_SOURCE=nvidia
elif [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; ICD_SOURCE=nvidia-fallback
elif [ "$QUICK" = 1 ] && ICD=$(first_icd 'lvp_icd*.json'); then
  ICD_SOURCE=lavapipe
else
  ICD=""
fi
if [ -n "$ICD" ]; then
  export VK_DRIVER_FILES="$ICD" VK_ICD_FILENAMES="$ICD"
  # A driver named without a path is found through the library path: add NVIDIA's container folders.
  lib=$(sed -n 's/.*"library_path"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "${ICD%%:*}" 2>/dev/null | head -n 1)
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    [ -d "$d" ] && NODE_LIBS="${NODE_LIBS:+$NODE_LIBS:}$d"
  done
  if [ -n "$lib" ] && [ "${lib#/}" = "$lib" ]; then
    found=$( (ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l { print $NF; exit }') || true)
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -z "$found" ] && [ -f "$d/$lib" ] && found="$d/$lib"; done
    [ -n "$found" ] || say "warning: the ICD names $lib, which is on no library path here: Dawn will likely find no adapter (does the container have NVIDIA's 'graphics' driver capability?)"
  fi
  say "Vulkan driver: $ICD ($ICD_SOURCE${lib:+, library $lib})"
else
  say "no NVIDIA Vulkan driver found (looked in $ICD_DIRS and /usr/local/nvidia/share/vulkan/icd.d)"
fi

# Python with torch: $GAZECAM_PYTHON, else the first python3 on PATH that imports it, else Debian's.
PYTHON=""
for py in "${GAZECAM_PYTHON:-}" python3 /usr/bin/python3; do
  [ -n "$py" ] || continue
  if "$py" -c 'import torch' >/dev/null 2>&1; then PYTHON=$(command -v "$py"); break; fi
done
[ -n "$PYTHON" ] || say "no python3 here imports torch: the PyTorch runs are reported as skipped"

export GAZECAM_DEVICE_HOST_LD_LIBRARY_PATH="$HOST_LD_LIBRARY_PATH"
export GAZECAM_DEVICE_ICD="$ICD" GAZECAM_DEVICE_ICD_SOURCE="$ICD_SOURCE"
export LD_LIBRARY_PATH="${NODE_LIBS}${HOST_LD_LIBRARY_PATH:+${NODE_LIBS:+:}$HOST_LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
say "Node $("$NODE" --version) from the bundle; results go to $OUT_DIR"

ARGS=(run --out "$OUT_DIR" --cli "$WORK/cli/gazecam.mjs" --repo "$ROOT" --work "$WORK/runs" --limit-s "$LIMIT_S" --started-at "$START_S")
[ "$QUICK" = 1 ] && ARGS+=(--quick)
[ -n "$PYTHON" ] && ARGS+=(--python "$PYTHON")
# The runs keep to the limit themselves; this only catches a stuck writer, a little later.
timeout --kill-after=5 $((LIMIT_S + 20 - ($(date +%s) - START_S))) "$NODE" "$WORK/cli/device-tools.mjs" "${ARGS[@]}"
rc=$?
[ -f "$OUT_DIR/device-results.json" ] || die "device-tools stopped (exit code $rc) before writing results"
exit "$rc"
