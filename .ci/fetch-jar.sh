#!/usr/bin/env bash
# Puts the newest 1.x io.prometheus.jmx:jmx_prometheus_javaagent that the
# Maven registry serves at build/jmx_prometheus_javaagent.jar and its version
# in build/jmx_prometheus_javaagent.version.  The reference implementation
# for the differential tests (test/it).
#
# Only `mvn dependency:get` talks to the registry (mvn's own defaults); the
# candidate versions come from the maven-metadata that mvn caches under the
# local repository after resolving LATEST.  The metadata may list versions
# that the registry does not serve, so the 1.x versions are tried from the
# newest down until one downloads.
#
# Quick and offline when build/ already holds a jar; --refresh looks again.
set -euo pipefail
cd "$(dirname "$0")/.."

GA=io.prometheus.jmx:jmx_prometheus_javaagent
out_jar=build/jmx_prometheus_javaagent.jar
out_ver=build/jmx_prometheus_javaagent.version
repo=${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}
dir=$repo/io/prometheus/jmx/jmx_prometheus_javaagent

valid_jar() {  # a readable zip with a manifest
  [ -s "$1" ] && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).getinfo("META-INF/MANIFEST.MF")' "$1" 2>/dev/null
}

if [ "${1:-}" != --refresh ] && [ -s "$out_ver" ] && valid_jar "$out_jar"; then
  exit 0
fi
mkdir -p build

mvn_get() {  # $1 = version; quiet, batch mode, the jar only
  mvn -q -B -ntp dependency:get -Dartifact="$GA:$1" -Dtransitive=false >/dev/null 2>&1
}

# Resolving LATEST makes mvn fetch and cache the artifact's metadata.  It may
# itself fail (LATEST can name a version that is not served); the metadata
# is what we want.
mvn_get LATEST || true

versions=$(cat "$dir"/maven-metadata*.xml 2>/dev/null | grep -o '<version>[^<]*</version>' |
  sed 's:<version>\(.*\)</version>:\1:' | grep -E '^1\.' | sort -Vru || true)
# Versions already in the local repository count too (offline runs).
local_versions=$(cd "$dir" 2>/dev/null && for v in 1.*; do
  [ -f "$v/jmx_prometheus_javaagent-$v.jar" ] && echo "$v"; done || true)
versions=$(printf '%s\n%s\n' "$versions" "$local_versions" | grep . | sort -Vru || true)
if [ -z "$versions" ]; then
  echo "fetch-jar: no 1.x version of $GA found in $dir/maven-metadata*.xml" >&2
  exit 1
fi

for v in $versions; do
  jar=$dir/$v/jmx_prometheus_javaagent-$v.jar
  if valid_jar "$jar" || { mvn_get "$v" && valid_jar "$jar"; }; then
    cp "$jar" "$out_jar.tmp" && mv "$out_jar.tmp" "$out_jar"
    echo "$v" > "$out_ver"
    echo "fetch-jar: $GA:$v -> $out_jar"
    exit 0
  fi
  echo "fetch-jar: $GA:$v is not served; trying an older one" >&2
done
echo "fetch-jar: none of the 1.x versions ($(echo $versions)) could be downloaded" >&2
exit 1
