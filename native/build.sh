#!/bin/sh
# Builds the native addon for this machine as tsinit.linux-<arch>-<libc>.node at the package root.
set -eu
cd "$(dirname "$0")/.."
headers=${NODE_HEADERS:-$(node -p "require('path').resolve(process.execPath, '../../include/node')")}
if [ ! -f "$headers/node_api.h" ] || [ ! -f "$headers/uv.h" ]; then
  echo "native/build.sh: Node's headers (node_api.h, uv.h) not found in $headers; set NODE_HEADERS" >&2
  exit 1
fi
case $(uname -m) in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "native/build.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
if ldd --version 2>&1 | grep -qi musl; then libc=musl; else libc=gnu; fi
${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter -Werror -fPIC -shared -fvisibility=hidden \
  -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=tsinit -I"$headers" \
  -o "tsinit.linux-$arch-$libc.node" native/tsinit.c
