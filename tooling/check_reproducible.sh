#!/usr/bin/env bash
# Reproducibility check: build //:digest_map twice, from two copies of this checkout at
# different paths, each with its own --output_base, and compare the maps bit for bit.
# Usage: tooling/check_reproducible.sh [WORKDIR]   (default: a fresh dir under /root; kept on failure)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d /root/dagseal-repro.XXXXXX)}"
mkdir -p "$work"
# Both copies first, so the two builds see the same sources even if the tree changes meanwhile.
for name in a b; do
  mkdir -p "$work/$name/checkout-$name"
  tar -C "$root" --exclude='./bazel-*' --exclude=./.git --exclude=./.venv --exclude=./.dagseal --exclude=./logs --exclude='*.egg-info' --exclude='*/__pycache__' -cf - . |
    tar -C "$work/$name/checkout-$name" -xf -
done
build() {  # build NAME: build that copy's map into $work/NAME.json
  local checkout="$work/$1/checkout-$1" base="$work/$1/output_base"
  (cd "$checkout" && bazel --output_base="$base" build --noshow_progress //:digest_map >&2)
  cp "$checkout/bazel-bin/digest_map.json" "$work/$1.json"
  (cd "$checkout" && bazel --output_base="$base" shutdown >&2)
}
build a
build b
if cmp "$work/a.json" "$work/b.json"; then
  echo "reproducible: two output bases and checkout paths gave identical digest maps"
  sha256sum "$work/a.json"
  chmod -R u+w "$work" && rm -rf "$work"
else
  diff "$work/a.json" "$work/b.json" || true
  echo "NOT reproducible; builds kept in $work" >&2
  exit 1
fi
