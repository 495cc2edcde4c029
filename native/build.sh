#!/bin/sh
# Builds the native addon as tsinit.linux-<arch>-<libc>.node at the package root.
#   native/build.sh          this machine's platform
#   native/build.sh all      linux-x64-gnu linux-x64-musl linux-arm64-gnu linux-arm64-musl
#   native/build.sh TARGET…  the ones named
# Cross-builds need Debian's gcc-aarch64-linux-gnu and musl-tools; arm64-musl also unpacks
# Debian's musl-dev:arm64 into build/sysroot-arm64-musl (native/arm64-debs.sh).
set -eu
cd "$(dirname "$0")/.."
headers=${NODE_HEADERS:-$(node -p "require('path').resolve(process.execPath, '../../include/node')")}
if [ ! -f "$headers/node_api.h" ] || [ ! -f "$headers/uv.h" ]; then
  echo "native/build.sh: Node's headers (node_api.h, uv.h) not found in $headers; set NODE_HEADERS" >&2
  exit 1
fi

host_target() {
  case $(uname -m) in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "native/build.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
  esac
  if ldd --version 2>&1 | grep -qi musl; then echo "linux-$arch-musl"; else echo "linux-$arch-gnu"; fi
}

# Debian's musl for arm64, unpacked where only this build looks, with a gcc specs file for it.
arm64_musl_specs() {
  root=build/sysroot-arm64-musl
  if [ ! -f "$root/musl-gcc.specs" ]; then
    sh native/arm64-debs.sh "$root" musl musl-dev >&2
    abs=$(cd "$root" && pwd)
    sed -e "s#/usr/include/x86_64-linux-musl#$abs/usr/include/aarch64-linux-musl#g" \
      -e "s#-L/usr/lib/x86_64-linux-musl#-L$abs/lib/aarch64-linux-musl -L$abs/usr/lib/aarch64-linux-musl#" \
      -e "s#/usr/lib/x86_64-linux-musl#$abs/usr/lib/aarch64-linux-musl#g" \
      -e "s#/lib/ld-musl-x86_64.so.1#/lib/ld-musl-aarch64.so.1#g" \
      /usr/lib/x86_64-linux-musl/musl-gcc.specs > "$root/musl-gcc.specs"
  fi
  echo "$root/musl-gcc.specs"
}

compiler_for() {
  host=$(host_target)
  case $1 in
    "$host") echo "${CC:-cc}" ;;
    linux-x64-gnu) echo x86_64-linux-gnu-gcc ;;
    linux-x64-musl) echo musl-gcc ;;
    linux-arm64-gnu) echo aarch64-linux-gnu-gcc ;;
    # -mno-outline-atomics: libgcc's out-of-line atomics call glibc's __getauxval, which musl lacks
    linux-arm64-musl) echo "aarch64-linux-gnu-gcc -specs $(arm64_musl_specs) -mno-outline-atomics" ;;
    *) echo "native/build.sh: unknown target $1" >&2; exit 1 ;;
  esac
}

[ $# -gt 0 ] || set -- "$(host_target)"
[ "$1" != all ] || set -- linux-x64-gnu linux-x64-musl linux-arm64-gnu linux-arm64-musl
for target in "$@"; do
  cc=$(compiler_for "$target")
  # -z now: every symbol bound at load. Bound lazily, the first kill() of the signal thread,
  # often on `docker stop`, would first search each library's symbol table, page by page.
  # shellcheck disable=SC2086 # $cc may carry -specs
  $cc -std=gnu11 -O2 -s -Wall -Wextra -Wno-unused-parameter -Werror -fPIC -shared -fvisibility=hidden -Wl,-z,now \
    -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=tsinit -I"$headers" \
    -o "tsinit.$target.node" native/*.c
done
