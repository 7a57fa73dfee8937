"""One closing line over every test runner of ./dev test.

Counts cargo's tests (build/cargo-test.log), JUnit and clojure.test (whose
runner writes JUnit XML too, to build/test-results/clojure), and the
compatibility runs (build/test-results/compat-<python>[-jdk25|-jdk21], and
compat-3.11-aarch64: emulated in the arm64 root), each on its own. Prints
every failed case, then the closing line; exits 1 when a test failed or the
full run passed none.

Usage: python3 tools/summary.py ROOT "3.9 3.10 3.11 3.12 3.13 3.14 3.15 3.13t 3.14t"

A run that Gradle skipped leaves build/test-results/<run>/NOT-RUN.txt with the reason
(gradle/compat.gradle), printed as NOT RUN (reason).
"""

import glob
import os
import re
import sys
import xml.etree.ElementTree as ET


def arm64_why():
    """Why the emulated aarch64 run did not run: tools/arm64-root.sh's reason, if it gave one."""
    cache = os.environ.get("PYBRIDGE_DEV_CACHE") or os.path.expanduser("~/.cache/pybridge-dev")
    try:
        with open(os.path.join(cache, "arm64-root.skipped")) as f:
            return "no arm64 root: " + f.read().strip()
    except FileNotFoundError:
        pass
    root = os.environ.get("PYBRIDGE_ARM64_ROOT") or os.path.join(cache, "arm64-root")
    if not os.path.exists(os.path.join(root, ".pybridge-stamps", "venv")):
        return f"no arm64 root at {root}: ./dev setup makes it"
    return "it wrote no results; see the compat_3_11_aarch64 task's output"


def main(root, minors):
    runs = {}  # run name -> [passed, failed, skipped]

    def add(run, p, f, s):
        r = runs.setdefault(run, [0, 0, 0])
        r[0] += p
        r[1] += f
        r[2] += s

    try:
        for line in open(f"{root}/build/cargo-test.log", errors="replace"):
            m = re.match(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", line)
            if m:
                add("full", int(m[1]), int(m[2]), int(m[3]))
    except FileNotFoundError:
        pass
    for f in glob.glob(f"{root}/build/test-results/**/*.xml", recursive=True):
        top = os.path.relpath(f, f"{root}/build/test-results").split(os.sep)[0]
        run = top if top.startswith("compat-") else "full"
        t = ET.parse(f).getroot()
        for case in t.iter("testcase"):
            for bad in list(case.findall("failure")) + list(case.findall("error")):
                msg = " ".join((bad.get("message") or "").split())
                print(f"FAILED [{run}] {case.get('classname')}.{case.get('name')}: {msg[:300]}")
        n, fl, er, sk = (int(t.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        add(run, n - fl - er - sk, fl + er, sk)
    own = os.popen(f"{root}/.venv/bin/python -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'").read().strip()

    def fmt(r):
        return f"{r[0]} passed, {r[1]} failed, {r[2]} skipped"

    def not_run(name, default):
        try:
            with open(f"{root}/build/test-results/{name}/NOT-RUN.txt") as f:
                return f"NOT RUN ({f.read().strip()})"
        except OSError:
            return f"NOT RUN ({default})"

    parts = [f"full {own}: " + fmt(runs.get("full", [0, 0, 0]))]
    # Every Python pybridge supports gets its part: a count, or why it did not run. A run
    # inside another JDK is named compat-<python>-jdk<N> (3.15 runs in the Debian root on JDK 21).
    for v in minors:
        if v == own:
            continue
        names = [n for n in sorted(runs) if n == f"compat-{v}" or re.fullmatch(rf"compat-{re.escape(v)}-jdk\d+", n)]
        if not names:
            names = [
                n
                for n in (f"compat-{v}", f"compat-{v}-jdk21")
                if os.path.exists(f"{root}/build/test-results/{n}/NOT-RUN.txt")
            ] or [f"compat-{v}"]
        for n in names:
            jdk = re.search(r"-jdk(\d+)$", n)
            label = f"compat {v}" + (f" on JDK {jdk[1]}" if jdk else "")
            r = runs.get(n)
            parts.append(f"{label}: " + (fmt(r) if r else not_run(n, "no Python found")))
    r = runs.get(f"compat-{own}-jdk25")
    parts.append(f"compat {own} on JDK 25: " + (fmt(r) if r else not_run(f"compat-{own}-jdk25", "no JDK 25 found")))
    r = runs.get("compat-3.11-aarch64")
    parts.append("compat 3.11 aarch64 (emulated): " + (fmt(r) if r else f"NOT RUN ({arm64_why()})"))
    total = [sum(r[i] for r in runs.values()) for i in range(3)]
    print(f"tests: {total[0]} passed, {total[1]} failed, {total[2]} skipped ({'; '.join(parts)})")
    return 1 if total[1] or runs.get("full", [0])[0] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2].split()))
