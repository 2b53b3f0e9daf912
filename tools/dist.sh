#!/usr/bin/env bash
# build/dist/libspark_jmxagent-VERSION-linux-ARCH.tar.gz for each arch, and
# build/dist/SHA256SUMS.  Each tarball holds the stripped agent of that arch
# (make ARCH=... dist-so), the Spark rule files, the Spark wiring examples,
# the README and the LICENSE.  Called by `make dist`.
#
#   tools/dist.sh VERSION ARCH...
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1; shift
host=$(uname -m)
dist=build/dist
rm -rf "$dist" && mkdir -p "$dist"
# Files get the commit's time, owner root: the same tree gives the same tarball.
mtime=@$(git log -1 --format=%ct 2>/dev/null || date +%s)
[ -f LICENSE ] || echo "dist: warning: no LICENSE file in the repository; the tarballs have none" >&2
for arch in "$@"; do
  dir=build; [ "$arch" = "$host" ] || dir=build/$arch
  so=$dir/release/libspark_jmxagent.so
  [ -f "$so" ] || { echo "dist: $so missing (make ARCH=$arch dist-so)" >&2; exit 1; }
  name=libspark_jmxagent-$version-linux-$arch
  stage=$dist/stage/$name
  mkdir -p "$stage/rules" "$stage/examples"
  cp "$so" "$stage/"
  cp rules/*.yml "$stage/rules/"
  cp -r examples/conf "$stage/examples/"
  cp README.md "$stage/"
  [ ! -f LICENSE ] || cp LICENSE "$stage/"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" \
      -C "$dist/stage" -cf - "$name" | gzip -n -9 > "$dist/$name.tar.gz"
  echo "dist: $dist/$name.tar.gz ($(stat -c %s "$dist/$name.tar.gz") bytes)"
done
rm -rf "$dist/stage"
(cd "$dist" && sha256sum -- *.tar.gz > SHA256SUMS)
cat "$dist/SHA256SUMS"
