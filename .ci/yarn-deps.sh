#!/usr/bin/env bash
# Hadoop's MiniYARNCluster and its jars (test/yarn/pom.xml) into
# build/yarn/lib, with mvn's own defaults; a no-op once they are there.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=build/yarn/lib
stamp=$lib/.complete
want=$(sha256sum < test/yarn/pom.xml)
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0
rm -rf "$lib" && mkdir -p "$lib"
mvn -q -B -f test/yarn/pom.xml dependency:copy-dependencies -DoutputDirectory="$(pwd)/$lib"
echo "$want" > "$stamp"
