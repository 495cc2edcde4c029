#!/bin/sh
# Unpacks Debian arm64 packages into a directory, for cross-building and for running arm64 code
# under qemu-user, without a multiarch change to this machine: apt's lists and cache stay in
# build/apt-arm64.   native/arm64-debs.sh DEST PACKAGE...
set -eu
cd "$(dirname "$0")/.."
dest=$1
shift
packages=$*
apt_dir=$(pwd)/build/apt-arm64
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$dest"
touch "$apt_dir/status"
set -- -qq -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o "Dir::State::Lists=$apt_dir/lists" \
  -o "Dir::Cache=$apt_dir/cache" -o "Dir::State::status=$apt_dir/status"
apt-get "$@" update
# shellcheck disable=SC2086 # one word a package
(cd "$apt_dir/debs" && apt-get "$@" download $packages 2>/dev/null)
for package in $packages; do
  for deb in "$apt_dir/debs/${package}"_*_arm64.deb; do dpkg-deb -x "$deb" "$dest"; done
done
