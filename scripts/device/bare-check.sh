#!/usr/bin/env bash
# Runs scripts/device-run.sh the way a GPU machine would see it: from a fresh folder holding only
# what travels (the working tree's tracked and not-ignored files, plus .device/; no node_modules)
# and with no `node` on PATH. Extra arguments go to device-run.sh (e.g. --quick).
#
#   bash scripts/device/bare-check.sh --quick [--out DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ -f "$ROOT/.device/manifest.json" ] || { echo "bare-check: no .device/ yet: run 'npm run device:bundle' first" >&2; exit 1; }
BARE=$(mktemp -d "${TMPDIR:-/tmp}/gazecam-bare.XXXXXX")
trap 'rm -rf "$BARE"' EXIT

(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf -) | (mkdir "$BARE/tree" && tar -xf - -C "$BARE/tree")
cp -r "$ROOT/.device" "$BARE/tree/.device"

# PATH without Node: /usr/bin mirrored minus node, npm, npx, corepack; the rest of PATH kept
# except the folders holding a node.
mkdir "$BARE/bin"
ln -s -t "$BARE/bin" /usr/bin/*
rm -f "$BARE/bin/node" "$BARE/bin/nodejs" "$BARE/bin/npm" "$BARE/bin/npx" "$BARE/bin/corepack"
path="$BARE/bin"
IFS=: read -r -a dirs <<< "$PATH"
for d in "${dirs[@]}"; do
  case "$d" in /usr/bin|/bin) continue ;; esac
  [ -x "$d/node" ] && continue
  path="$path:$d"
done

cd "$BARE/tree"
echo "bare-check: $(du -sh --exclude=.device . | cut -f1) of working tree + $(du -sh .device | cut -f1) of .device in $BARE/tree; node on PATH: $(PATH="$path" command -v node || echo none)"
[ -e node_modules ] && { echo "bare-check: node_modules travelled; it must not" >&2; exit 1; }
# Results outside the temporary folder: ./device-out of the real tree unless --out or $OUT says.
args=("$@")
case " $* " in *" --out "*) ;; *) [ -n "${OUT:-}" ] || args+=(--out "$ROOT/device-out") ;; esac
PATH="$path" bash scripts/device-run.sh "${args[@]}"
