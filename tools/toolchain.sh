#!/usr/bin/env bash
# The cross C toolchain of the self-contained agent: Zig's clang and its
# glibc stubs, from the ziglang wheel on PyPI, in a venv of its own
# (build/toolchain), once.  It writes per-arch wrappers
#   build/toolchain/bin/<arch>-cc, <arch>-ar, <arch>-ranlib
# that compile and link against glibc 2.17's symbol versions, whatever
# glibc this machine has (README, Build).
#
#   tools/toolchain.sh            install (no-op when current)
set -euo pipefail
cd "$(dirname "$0")/.."

ZIG_VERSION=0.17.1        # the ziglang wheel; bump here, the wrappers follow
GLIBC=2.17                # the oldest glibc the agent runs on
dir=build/toolchain
stamp=$dir/.stamp
want="zig $ZIG_VERSION glibc $GLIBC $(sha256sum < "$0")"

[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/cache"
/usr/bin/python3 -m venv "$dir/venv"
"$dir/venv/bin/pip" install -q --disable-pip-version-check "ziglang==$ZIG_VERSION"
root=$(cd "$dir" && pwd)
# The ziglang wheel ships the zig binary inside the Python package.
zig=$("$dir/venv/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
zig=$(cd "$(dirname "$zig")" && pwd)/zig
"$zig" version >/dev/null

for arch in x86_64 aarch64; do
  for tool in cc ar ranlib; do
    case $tool in
      cc) cmd="cc -target $arch-linux-gnu.$GLIBC" ;;
      *)  cmd=$tool ;;
    esac
    # Zig keeps its caches under build/, not in $HOME.
    cat > "$dir/bin/$arch-$tool" <<WRAP
#!/bin/sh
export ZIG_GLOBAL_CACHE_DIR="$root/cache" ZIG_LOCAL_CACHE_DIR="$root/cache"
exec "$zig" $cmd "\$@"
WRAP
    chmod +x "$dir/bin/$arch-$tool"
  done
done
echo "$want" > "$stamp"
echo "toolchain: zig $("$zig" version) in $dir"
