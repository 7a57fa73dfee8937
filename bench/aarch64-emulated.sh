#!/usr/bin/env bash
# The cost of emulation, not a claim about ARM speed: workloads a (a call f(i) -> long)
# and c (a conversion) of bench/src/java/.../Workloads.java, run by PybridgeBench on this
# x86-64 machine and, alternately, in the arm64 root under qemu-user (tools/arm64-run.sh),
# in one run. Prints each JVM's per-iteration figures and the medians side by side.
#
#   gradle benchClasses processResources && bench/aarch64-emulated.sh [ROUNDS]
#
# Needs ./dev setup's arm64 root and a build whose resources hold both platforms' natives.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
cp="$PWD/build/classes/java/main:$PWD/build/resources/main:$PWD/build/classes/java/bench"
for d in build/classes/java/main build/resources/main/native/linux-aarch64 build/classes/java/bench; do
    [ -e "$d" ] || { echo "missing $d: run gradle benchClasses processResources (with the arm64 root)" >&2; exit 1; }
done
out=$(mktemp -d /tmp/pybridge-aarch64-bench.XXXXXX)
for ((r = 1; r <= rounds; r++)); do
    PYBRIDGE_PYTHON="$PWD/.venv/bin/python" java -Xmx256m -Dbench.workloads=a,c -cp "$cp" \
        org.pybridge.bench.PybridgeBench > "$out/x86_64.$r"
    tools/arm64-run.sh -e PYBRIDGE_PYTHON=/opt/pybridge-venv/bin/python -- \
        /usr/lib/jvm/java-17-openjdk-arm64/bin/java -Xmx256m -Dbench.workloads=a,c -cp "$cp" \
        org.pybridge.bench.PybridgeBench > "$out/aarch64.$r"
done
python3 - "$out" <<'PY'
import glob, os, statistics, sys
out = sys.argv[1]
res = {}
for f in sorted(glob.glob(os.path.join(out, "*.*"))):
    arch = os.path.basename(f).split(".")[0]
    for line in open(f):
        p = line.split()
        if p[:1] == ["RESULT"]:
            res.setdefault((p[1], arch), []).extend(float(x) for x in p[2:])
print("| workload | x86-64 (native) | aarch64 (qemu-user) | ratio |")
print("|---|---|---|---|")
for w, unit in (("a", "µs/call"), ("c", "ms/op")):
    x, a = res.get((w, "x86_64")), res.get((w, "aarch64"))
    if x and a:
        mx, ma = statistics.median(x), statistics.median(a)
        print(f"| {w} | {mx:.3g} {unit} | {ma:.3g} {unit} | {ma / mx:.1f}x |")
PY
