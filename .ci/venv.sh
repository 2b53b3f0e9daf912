#!/usr/bin/env bash
# Creates build/venv with the Python packages of test/requirements.txt
# (pytest, pyspark 3.4.1 for the Spark lab, ...), once; re-run after the
# requirements change.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build/venv
stamp=$venv/.requirements
if [ -x $venv/bin/python ] && cmp -s test/requirements.txt "$stamp"; then
  exit 0
fi
mkdir -p build
/usr/bin/python3 -m venv $venv
$venv/bin/pip install -q --upgrade pip >/dev/null
$venv/bin/pip install -q -r test/requirements.txt
cp test/requirements.txt "$stamp"
