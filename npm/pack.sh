#!/bin/sh
# Packs tsinit into DIR as a release publishes it: the main package, with no addon and its
# optionalDependencies pinned by `napi pre-publish` to its exact version, and the four platform
# packages, each with its addon. Needs `npm run build` and `npm run build:native:all` first.
#   npm/pack.sh DIR    writes DIR/tsinit-pid1-<version>.tgz and DIR/tsinit-pid1-linux-<arch>-<libc>-<version>.tgz
set -eu
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: npm/pack.sh DIR (an existing directory)" >&2; exit 2; }
destination=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
root=$(pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R package.json README.md LICENSE dist npm "$stage"
(cd "$stage" && "$root/node_modules/.bin/napi" pre-publish -t npm --skip-optional-publish --no-gh-release >/dev/null)
for package in "$stage" "$stage"/npm/*/; do
  (cd "$package" && npm pack --pack-destination "$destination" --silent >/dev/null)
done
