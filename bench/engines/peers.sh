#!/usr/bin/env bash
# Installs PySpark (the peer of ./dev bench-engines) into .peers/pyspark-venv,
# idempotently: pyspark from PyPI bundles Spark's jars, pandas and pyarrow are
# what its pandas_udf needs. Versions PySpark 3.5 supports (numpy < 2).
# Prints nothing when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
VENV="$ROOT/.peers/pyspark-venv"
PYSPARK_VERSION=${PYSPARK_VERSION:-3.5.7}
REQS="pyspark==$PYSPARK_VERSION numpy==1.26.4 pandas==2.2.3 pyarrow==17.0.0"
log() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.peers-ready" 2>/dev/null)" = "$REQS" ]; then
    exit 0
fi
base=$(readlink -f "$ROOT/.venv/bin/python")
[ -x "$base" ] || { log "no project .venv: run ./dev setup first"; exit 1; }
rm -rf "$VENV"
mkdir -p "$ROOT/.peers"
log "creating $VENV from $base; installing $REQS (pyspark is a ~300 MB download)"
"$base" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip setuptools wheel
# shellcheck disable=SC2086
"$VENV/bin/pip" install -q $REQS
echo "$REQS" > "$VENV/.peers-ready"
