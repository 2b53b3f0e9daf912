#!/usr/bin/env bash
# What a user who downloads a release tarball checks: it matches SHA256SUMS,
# and it carries our license (Apache-2.0) and the license of every library
# linked into the .so (licenses/, from the Debian source packages).
#
#   test/portable/check_dist.sh VERSION ARCH...   (after tools/dist.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$1; shift
dist=build/dist
(cd "$dist" && sha256sum --quiet -c SHA256SUMS)
for arch in "$@"; do
  name=libspark_jmxagent-$version-linux-$arch
  tgz=$dist/$name.tar.gz
  files=$(tar tzf "$tgz")
  for f in libspark_jmxagent.so README.md LICENSE licenses/README \
           licenses/civetweb/LICENSE.md licenses/mbedtls/LICENSE licenses/libyaml/License \
           licenses/pcre2/LICENCE licenses/zlib/LICENSE licenses/protobuf-c/LICENSE; do
    grep -qx "$name/$f" <<< "$files" || { echo "check_dist: $tgz lacks $f" >&2; exit 1; }
  done
  for lib in civetweb mbedtls libyaml pcre2 zlib protobuf-c; do
    grep -qx "$name/licenses/$lib/debian-copyright" <<< "$files" || { echo "check_dist: $tgz lacks licenses/$lib/debian-copyright" >&2; exit 1; }
  done
  tar xzf "$tgz" -O "$name/LICENSE" | grep -q "Apache License" || { echo "check_dist: $tgz: LICENSE is not the Apache License" >&2; exit 1; }
  echo "check_dist: $tgz: LICENSE (Apache-2.0) and the licenses of civetweb, mbedtls, libyaml, pcre2, zlib, protobuf-c"
done
