#!/usr/bin/env bash
# Free-threaded CPython (issue 24, point 3): N JVM threads calling pure-Python
# and numpy-using CPU-bound functions in the main interpreter, and the small
# call `a`, on a GIL build and a free-threaded build of the same CPython, side
# by side in one run (bench/src/java/org/pybridge/bench/FreeThreadScaling.java).
#
#   bench/freethreading.sh [rounds]      # default 3 rounds, each Python in its own JVM
#
#   PYGIL=/path/to/python3.13 (default .venvs/3.13/bin/python), LIBGIL= the
#     libpybridge.so built for it (default build/native/native/linux-x86_64/cp313/libpybridge.so)
#   PYFT=/path/to/python3.13t (default .venvs/3.13t/bin/python), LIBFT= the
#     libpybridge.so built for it (default build/native/native/linux-x86_64/cp313t/libpybridge.so)
# Both need numpy. Runs under flock /tmp/pybridge-bench.lock (one benchmark at a
# time on the machine); the order alternates between rounds. Prints a Markdown
# table (medians) with the machine's load, and writes it to
# bench/results/<date>-freethreading.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS=${1:-3}
PYGIL=${PYGIL:-$ROOT/.venvs/3.13/bin/python}
PYFT=${PYFT:-$ROOT/.venvs/3.13t/bin/python}
LIBGIL=${LIBGIL:-$ROOT/build/native/native/linux-x86_64/cp313/libpybridge.so}
LIBFT=${LIBFT:-$ROOT/build/native/native/linux-x86_64/cp313t/libpybridge.so}
for v in PYGIL PYFT; do [ -x "${!v}" ] || { echo "no python at ${!v} (set $v)" >&2; exit 1; }; done
for v in LIBGIL LIBFT; do [ -f "${!v}" ] || { echo "no pybridge library at ${!v} (set $v)" >&2; exit 1; }; done

OUT=$(mktemp -d /tmp/pybridge-ft-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
python3 tools/gen_contract.py rust/src/contract.rs "$OUT/generated"
javac -nowarn -d "$OUT/classes" $(find java/src/main/java "$OUT/generated" -name '*.java') \
    bench/src/java/org/pybridge/bench/FreeThreadScaling.java

run_one() {
    local py=$1 lib=$2
    env -u PYTHONHOME -u PYTHONPATH -u VIRTUAL_ENV PYBRIDGE_PYTHON="$py" \
        java -Xmx1g -Dpybridge.native="$lib" -cp "$OUT/classes:$ROOT/python" org.pybridge.bench.FreeThreadScaling
}

RESULTS=$OUT/results.txt
: > "$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then order="gil ft"; else order="ft gil"; fi
    for which in $order; do
        echo "[bench] round $r: $which" >&2
        if [ "$which" = gil ]; then py=$PYGIL lib=$LIBGIL; else py=$PYFT lib=$LIBFT; fi
        flock /tmp/pybridge-bench.lock bash -c "$(declare -f run_one); OUT='$OUT' ROOT='$ROOT' run_one '$py' '$lib'" \
            | tee -a "$RESULTS" >&2
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

DATE=$(date -u +%Y-%m-%d)
mkdir -p bench/results
TABLE=$(python3 - "$RESULTS" "$ROUNDS" "$LOAD_BEFORE" "$LOAD_AFTER" "$(nproc)" <<'PYEOF'
import sys, statistics, collections
path, rounds, lb, la, cpus = sys.argv[1:]
v = collections.defaultdict(list)
info, pys = set(), []
for line in open(path):
    t = line.split()
    if t[:1] == ['RESULT'] and len(t) == 4:
        v[(t[1], t[2])].append(float(t[3]))
        if t[1] not in pys:
            pys.append(t[1])
    elif t[:1] == ['INFO']:
        info.add(' '.join(t[1:]))
med = lambda p, k: statistics.median(v[(p, k)]) if v[(p, k)] else None
f = lambda x, d=2: '–' if x is None else f'{x:.{d}f}'
pys.sort(key=lambda p: p.endswith('t'))
print(f'Machine: {cpus} CPUs, load average {lb} before and {la} after (shared machine); {rounds} round(s), medians; ' + '; '.join(sorted(info)))
print()
print('| main interpreter, calls/s (cores busy) | 1 thread | 2 threads | 2 threads / 1 thread |')
print('|---|---|---|---|')
for p in pys:
    for w, label in (('spin', 'pure Python spin(10^6)'), ('numpy', 'numpy npspin(10^6)')):
        a, b = med(p, f'{w}-1t'), med(p, f'{w}-2t')
        ca, cb = med(p, f'cores-{w}-1t'), med(p, f'cores-{w}-2t')
        print(f'| CPython {p}, {label} | {f(a)} ({f(ca)}) | {f(b)} ({f(cb)}) | {f(b / a if a and b else None)}x |')
print()
print('| call `a`: f(x) = x, callLong | ns per call |')
print('|---|---|')
for p in pys:
    print(f'| CPython {p} | {f(med(p, "call-a"), 0)} |')
if len(pys) == 2 and med(pys[0], 'call-a') and med(pys[1], 'call-a'):
    print()
    print(f'Free-threaded over GIL build, call `a`: {med(pys[1], "call-a") / med(pys[0], "call-a"):.2f}x')
PYEOF
)
FILE=bench/results/$DATE-freethreading.md
{ echo "# Free-threaded CPython ($DATE)"; echo; echo '`bench/freethreading.sh '"$ROUNDS"'`'; echo; echo "$TABLE"; } > "$FILE"
echo "$TABLE"
echo "[bench] written to $FILE" >&2
