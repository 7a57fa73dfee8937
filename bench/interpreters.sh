#!/usr/bin/env bash
# Parallel Python (issue 18): pybridge's isolated interpreters beside one
# shared GIL and Jep 4.3's isolated SubInterpreter, on the same Python 3.12,
# side by side in one run (bench/src/java/org/pybridge/bench/InterpScaling.java).
#
#   bench/interpreters.sh [rounds]          # default 3 rounds, each library in its own JVM
#
# Needs a Python 3.12+ with Jep installed and pybridge's native library built
# against it:
#   PY312=/path/to/python3.12 (default .venv312/bin/python; make it with
#     /root/.pyenv/versions/3.12.1/bin/python -m venv .venv312 &&
#     JAVA_HOME=... .venv312/bin/pip install --no-build-isolation jep==4.3.2)
#   LIB312=/path/to/libpybridge.so (default target312/release/libpybridge.so:
#     PYO3_PYTHON=$PWD/.venv312/bin/python cargo build --release --target-dir target312)
# Runs under flock /tmp/pybridge-bench.lock (one benchmark at a time on the
# machine); the order of the libraries alternates between rounds. Prints a
# Markdown table (medians over the rounds) and writes it to
# bench/results/<date>-interpreters.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS=${1:-3}
PY312=${PY312:-$ROOT/.venv312/bin/python}
LIB312=${LIB312:-$ROOT/target312/release/libpybridge.so}
[ -x "$PY312" ] || { echo "no Python 3.12 at $PY312 (set PY312)" >&2; exit 1; }
[ -f "$LIB312" ] || { echo "no pybridge library built for 3.12 at $LIB312 (set LIB312)" >&2; exit 1; }
SITE=$("$PY312" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
BASE=$("$PY312" -c 'import sys; print(sys.base_prefix)')
VER=$("$PY312" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
JEPDIR=$SITE/jep
JEPJAR=$(ls "$JEPDIR"/jep-*.jar 2>/dev/null | head -1 || true)
[ -n "$JEPJAR" ] || { echo "no Jep in $SITE (pip install jep into $PY312's environment)" >&2; exit 1; }

OUT=$(mktemp -d /tmp/pybridge-interp-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
python3 tools/gen_contract.py rust/src/contract.rs "$OUT/generated"
javac -nowarn -d "$OUT/classes" -cp "$JEPJAR" $(find java/src/main/java "$OUT/generated" -name '*.java') \
    bench/src/java/org/pybridge/bench/InterpScaling.java
mkdir -p "$OUT/classes/native/linux-x86_64"
echo "python.version=$VER" > "$OUT/classes/native/linux-x86_64/pybridge-build.properties"

run_one() {
    case "$1" in
        pybridge)
            env -u PYTHONHOME -u PYTHONPATH -u VIRTUAL_ENV PYBRIDGE_PYTHON="$PY312" \
                java -Xmx1g -Dpybridge.native="$LIB312" -cp "$OUT/classes" org.pybridge.bench.InterpScaling pybridge ;;
        jep)
            env -u VIRTUAL_ENV PYTHONHOME="$BASE" PYTHONPATH="$SITE" LD_LIBRARY_PATH="$BASE/lib" \
                java -Xmx1g -Djava.library.path="$JEPDIR" -cp "$JEPJAR:$OUT/classes" org.pybridge.bench.InterpScaling jep ;;
    esac
}

RESULTS=$OUT/results.txt
: > "$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then order="pybridge jep"; else order="jep pybridge"; fi
    for lib in $order; do
        echo "[bench] round $r: $lib" >&2
        flock /tmp/pybridge-bench.lock bash -c "$(declare -f run_one); OUT='$OUT' PY312='$PY312' LIB312='$LIB312' \
            BASE='$BASE' SITE='$SITE' JEPDIR='$JEPDIR' JEPJAR='$JEPJAR' run_one $lib" | tee -a "$RESULTS" >&2
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

DATE=$(date -u +%Y-%m-%d)
mkdir -p bench/results
TABLE=$(python3 - "$RESULTS" "$ROUNDS" "$LOAD_BEFORE" "$LOAD_AFTER" "$(nproc)" <<'EOF'
import sys, statistics, collections
path, rounds, lb, la, cpus = sys.argv[1:]
v = collections.defaultdict(list)
info = set()
for line in open(path):
    t = line.split()
    if t[:1] == ['RESULT'] and len(t) == 4:
        v[(t[1], t[2])].append(float(t[3]))
    elif t[:1] == ['INFO']:
        info.add(' '.join(t[1:]))
med = lambda lib, k: statistics.median(v[(lib, k)]) if v[(lib, k)] else None
f = lambda x, d=2: '–' if x is None else f'{x:.{d}f}'
print(f'Machine: {cpus} CPUs, load average {lb} before and {la} after (shared machine); {rounds} round(s), medians; ' + '; '.join(sorted(info)))
print()
print('| spin(10^6) loop calls/s (cores busy) | 1 thread | 2 threads | 2 threads / 1 thread |')
print('|---|---|---|---|')
for lib, name in (('pybridge', 'pybridge'), ('jep', 'Jep 4.3')):
    for mode, label in (('shared', 'one shared GIL'), ('isolated', 'isolated interpreters, own GIL')):
        a, b = med(lib, f'spin-{mode}-1t'), med(lib, f'spin-{mode}-2t')
        ca, cb = med(lib, f'cores-{mode}-1t'), med(lib, f'cores-{mode}-2t')
        print(f'| {name}, {label} | {f(a)} ({f(ca)}) | {f(b)} ({f(cb)}) | {f(b / a if a and b else None)}x |')
print()
print('Cores busy: process CPU time over wall time while the loop ran (a shared GIL keeps about one busy).')
print()
print('| one call of f(x) = x | ns per call |')
print('|---|---|')
rows = (('pybridge', 'call-main', 'pybridge, main interpreter (callLong)'),
        ('pybridge', 'call-isolated-in-task', 'pybridge, isolated interpreter, inside its task (callLong)'),
        ('pybridge', 'call-isolated-handoff', 'pybridge, isolated interpreter, Interpreter.call from another thread per call'),
        ('jep', 'call-main', 'Jep, SharedInterpreter (callAs)'),
        ('jep', 'call-isolated-in-task', 'Jep, isolated SubInterpreter (callAs)'))
for lib, k, label in rows:
    print(f'| {label} | {f(med(lib, k), 0)} |')
EOF
)
FILE=bench/results/$DATE-interpreters.md
{ echo "# Parallel Python: isolated interpreters ($DATE)"; echo; echo '`bench/interpreters.sh '"$ROUNDS"'`'; echo; echo "$TABLE"; } > "$FILE"
echo "$TABLE"
echo "[bench] written to $FILE" >&2
