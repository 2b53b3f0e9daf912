#!/usr/bin/env bash
# Creates build/spark-venvs/<VERSION> with only pyspark==VERSION (and py4j,
# its one dependency): the Spark distribution of one release of the version
# matrix (test/spark/spark.mk SPARK_VERSIONS).  The example jobs import
# nothing else.  The pytest process stays in build/venv; lab.sh takes the
# Spark venv as LAB_VENV.  Once per version (a pyspark wheel is ~300 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
ver=${1:?usage: .ci/spark-venv.sh VERSION}
venv=build/spark-venvs/$ver
stamp=$venv/.pyspark
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ver" ]; then
  exit 0
fi
mkdir -p build/spark-venvs
rm -rf "$venv"
/usr/bin/python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir "pyspark==$ver" ||
  { rm -rf "$venv"; echo "spark-venv.sh: pyspark $ver could not be installed" >&2; exit 1; }
echo "$ver" > "$stamp"
