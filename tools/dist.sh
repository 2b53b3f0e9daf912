#!/usr/bin/env bash
# build/dist/libspark_jmxagent-VERSION-linux-ARCH.tar.gz for each arch, and
# build/dist/SHA256SUMS.  Each tarball holds the stripped agent of that arch
# (make ARCH=... dist-so), the Spark rule files, the Spark wiring examples,
# the README, our LICENSE (Apache-2.0) and licenses/: the license texts of
# the libraries linked into the .so, copied from the Debian source packages
# tools/thirdparty.sh unpacked under build/3p/src (the texts of the very
# sources that were compiled; none of them is kept in the repository).
# A missing license stops the build.  Called by `make dist`.
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
[ -f LICENSE ] || { echo "dist: LICENSE missing in the repository; restore it (git checkout LICENSE)" >&2; exit 1; }

# Each statically linked library: Debian source package, the license files
# in its unpacked source (upstream's text, then Debian's copyright file,
# which lists every copyright holder of the package), and the license name.
src=build/3p/src
libs=(
  "civetweb LICENSE.md MIT"
  "mbedtls LICENSE Apache-2.0"
  "libyaml License MIT"
  "pcre2 LICENCE BSD-3-Clause"
  "zlib LICENSE Zlib"
  "protobuf-c LICENSE BSD-2-Clause"
)
licenses=$dist/licenses
mkdir -p "$licenses"
{
  echo "Libraries linked into libspark_jmxagent.so, built from these Debian source"
  echo "packages (tools/thirdparty.sh).  Each directory holds the upstream license"
  echo "text and Debian's copyright file from that source package."
  echo
} > "$licenses/README"
for entry in "${libs[@]}"; do
  read -r pkg file license <<< "$entry"
  dirs=("$src/$pkg"-[0-9]*/)
  [ -d "${dirs[0]}" ] || { echo "dist: $src/$pkg-*: no unpacked source of $pkg; rm -rf build/3p and run make dist" >&2; exit 1; }
  d=${dirs[0]%/}
  for f in "$d/$file" "$d/debian/copyright"; do
    [ -s "$f" ] || { echo "dist: $f missing or empty: cannot ship $pkg's license; rm -rf build/3p and run make dist (fetches and builds the sources again)" >&2; exit 1; }
  done
  ver=$(basename "$d"); ver=${ver#"$pkg"-}
  mkdir -p "$licenses/$pkg"
  cp "$d/$file" "$licenses/$pkg/$file"
  cp "$d/debian/copyright" "$licenses/$pkg/debian-copyright"
  printf '%-9s %-14s %s\n' "$pkg" "$ver" "$license" >> "$licenses/README"
done
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
  cp README.md LICENSE "$stage/"
  cp -r "$licenses" "$stage/licenses"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" \
      -C "$dist/stage" -cf - "$name" | gzip -n -9 > "$dist/$name.tar.gz"
  echo "dist: $dist/$name.tar.gz ($(stat -c %s "$dist/$name.tar.gz") bytes)"
done
rm -rf "$dist/stage" "$licenses"
(cd "$dist" && sha256sum -- *.tar.gz > SHA256SUMS)
cat "$dist/SHA256SUMS"
