#!/usr/bin/env bash
# Installs the peers (Jep, pemja, jpy) into .peers/venv, idempotently.
# Made from the same base Python as the project's .venv, so all three
# libraries embed the same CPython (3.11.7 from pyenv here).
# Prints nothing on success when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PEERS="$ROOT/.peers"
VENV="$PEERS/venv"
JEP_VERSION=${JEP_VERSION:-4.3.2}
PEMJA_VERSION=${PEMJA_VERSION:-0.6.3}
# jpy: the wheel (native libraries) from PyPI; its jar, the same version, from
# Maven Central through gradle/bench.gradle (JPY_VERSION must match there).
# Maven Central's newest jpy jar is 1.2.0; PyPI's 2.2.0 wheel ships no jar.
JPY_VERSION=${JPY_VERSION:-1.2.0}
stamp="jep=$JEP_VERSION pemja=$PEMJA_VERSION jpy=$JPY_VERSION"

log() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

java_home() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then echo "$JAVA_HOME"; return; fi
    for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk; do
        [ -x "$d/bin/javac" ] && { echo "$d"; return; }
    done
    dirname "$(dirname "$(readlink -f "$(command -v javac)")")"
}

if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.peers-ready" 2>/dev/null)" = "$stamp" ]; then
    exit 0
fi

base=$(readlink -f "$ROOT/.venv/bin/python")
[ -x "$base" ] || { log "no project .venv: run ./dev setup first"; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV from $base"
    mkdir -p "$PEERS"
    "$base" -m venv "$VENV"
fi
export JAVA_HOME
JAVA_HOME=$(java_home)
log "installing peers into $VENV (JAVA_HOME=$JAVA_HOME): setuptools wheel numpy jep==$JEP_VERSION pemja==$PEMJA_VERSION jpy==$JPY_VERSION"
"$VENV/bin/pip" install -q --upgrade pip setuptools wheel
"$VENV/bin/pip" install -q "numpy==$(grep -oP '(?<=numpy==)\S+' "$ROOT/requirements.txt" || echo 2.4.6)"
# Each peer on its own: one failing to build must not stop the other.
ok=1
"$VENV/bin/pip" install -q --no-build-isolation "jep==$JEP_VERSION" || { log "jep $JEP_VERSION failed to install"; ok=0; }
"$VENV/bin/pip" install -q --no-build-isolation "pemja==$PEMJA_VERSION" || { log "pemja $PEMJA_VERSION failed to install"; ok=0; }
"$VENV/bin/pip" install -q "jpy==$JPY_VERSION" || { log "jpy $JPY_VERSION failed to install"; ok=0; }
if [ $ok = 1 ]; then
    echo "$stamp" > "$VENV/.peers-ready"
fi
