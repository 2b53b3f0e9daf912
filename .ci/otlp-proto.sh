#!/usr/bin/env bash
# Puts the OTLP .proto files the agent's OpenTelemetry push is generated
# from (agent/otlp.c, docs/otlp.md) under build/proto/otlp/, from the
# opentelemetry-proto package of the Maven registry (its jar carries the
# .proto sources next to the Java classes; Debian packages none of them).
# Only `mvn dependency:get` talks to the registry.
#
# One edit, ours: protoc-c 1.4 (Debian bookworm's protobuf-c-compiler)
# refuses proto3 `optional`, which metrics.proto uses for a histogram
# point's sum, min and max.  Without the keyword the fields keep their
# numbers and types, so the wire format is the same; only a sum of exactly
# 0 is then left out (a receiver reads it as absent), and the agent never
# sends min or max.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.8.0-alpha
GA=io.opentelemetry.proto:opentelemetry-proto:$VERSION
repo=${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}
jar=$repo/io/opentelemetry/proto/opentelemetry-proto/$VERSION/opentelemetry-proto-$VERSION.jar
out=build/proto/otlp
files=(opentelemetry/proto/collector/metrics/v1/metrics_service.proto
       opentelemetry/proto/common/v1/common.proto
       opentelemetry/proto/metrics/v1/metrics.proto
       opentelemetry/proto/resource/v1/resource.proto)

stamp=$out/.version
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$VERSION" ]; then
  exit 0
fi
if [ ! -s "$jar" ]; then
  mvn -q -B -ntp dependency:get -Dartifact="$GA" -Dtransitive=false >/dev/null 2>&1 || {
    echo "otlp-proto: cannot download $GA (mvn dependency:get failed)" >&2; exit 1; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$jar" "$tmp" "${files[@]}" <<'PY'
import sys, zipfile
jar, dest, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(jar) as z:
    for n in names:
        z.extract(n, dest)
PY
sed -i 's/^\([[:space:]]*\)optional /\1/' "$tmp/opentelemetry/proto/metrics/v1/metrics.proto"
rm -rf "$out" && mkdir -p "$(dirname "$out")"
mv "$tmp" "$out" && trap - EXIT
chmod 755 "$out"
echo "$VERSION" > "$stamp"
echo "otlp-proto: $GA -> $out"
