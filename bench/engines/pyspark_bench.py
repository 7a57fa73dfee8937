"""PySpark's side of ./dev bench-engines: python pyspark_bench.py VARIANT ROWS WARM RUNS.

The same job as SparkVariants (local[2], 4 partitions, sum of x * 2 + 1) through
a PySpark Python UDF or pandas_udf; prints one RESULT line: variant, the run
times in ms, the peak RSS of Spark's JVM (kB) and the peak of the summed RSS of
PySpark's Python worker processes (kB)."""

import os
import sys
import threading
import time


def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def worker_pids():
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if b"pyspark.daemon" in cmd or b"pyspark.worker" in cmd:
                out.append(int(d))
    return out


class Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = False

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, sum(status_kb(p, "VmRSS") for p in worker_pids()))
            time.sleep(0.05)


def main():
    variant, n, warm, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    # The workers run this venv's Python (pandas, pyarrow), not whatever python3 is on PATH.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("pyspark-bench-" + variant)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    df = spark.range(0, n, 1, 4).toDF("x")
    if variant == "pyspark_udf":
        f = F.udf(lambda x: x * 2 + 1, LongType())
    elif variant == "pyspark_pandas_udf":

        @F.pandas_udf(LongType())
        def f(x):
            return x * 2 + 1
    else:
        raise SystemExit("unknown variant " + variant)
    job = df.select(f("x").alias("y")).agg(F.sum("y"))
    sampler = Sampler()
    sampler.start()
    expected = n * n
    times = []
    for i in range(warm + runs):
        t0 = time.perf_counter()
        s = job.first()[0]
        ms = int((time.perf_counter() - t0) * 1000)
        if s != expected:
            raise SystemExit("%s: sum %d, expected %d" % (variant, s, expected))
        if i >= warm:
            times.append(ms)
    sampler.stop = True
    sampler.join()
    jvm = spark.sparkContext._gateway.proc.pid
    print(
        "RESULT %s %s %d %d" % (variant, ",".join(map(str, times)), status_kb(jvm, "VmHWM"), sampler.peak), flush=True
    )
    spark.stop()


if __name__ == "__main__":
    main()
