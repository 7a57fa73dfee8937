package org.pybridge.examples;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.pybridge.flink.PyBatchFunction;
import org.pybridge.flink.PyMapFunction;
import org.pybridge.integration.BatchFormat;
import org.pybridge.integration.ColumnType;
import org.pybridge.integration.PyFunction;

/**
 * Python functions in a Flink job: {@code gradle :integration:flinkExample}
 * (a local environment). On a cluster, package it with the pybridge jars and
 * submit with {@code flink run} (see docs/guide/spark-and-flink.md).
 */
public final class FlinkExample {
    static final String PY = "import numpy as np\n"
            + "def collatz_steps(n):\n"
            + "    steps = 0\n"
            + "    while n > 1:\n"
            + "        n = n // 2 if n % 2 == 0 else 3 * n + 1\n"
            + "        steps += 1\n"
            + "    return steps\n"
            + "def zscore(x):\n"
            + "    return (x - x.mean()) / x.std()\n";

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);

        // 1. One Python call per element (Python starts in open(), once per task manager JVM).
        env.fromSequence(1, 20)
                .map(new PyMapFunction<Long, Long>(PyFunction.fromSource(PY, "collatz_steps"), Long.class))
                .print();

        // 2. Batches of rows as numpy columns, through Arrow without copies.
        DataStream<Row> rows = env.fromSequence(1, 100_000)
                .map(x -> Row.of((double) (x % 97)))
                .returns(Types.ROW_NAMED(new String[] {"x"}, Types.DOUBLE));
        rows.fullWindowPartition()
                .mapPartition(PyBatchFunction.of(PyFunction.fromSource(PY, "zscore"), BatchFormat.NUMPY)
                        .input("x", ColumnType.FLOAT64)
                        .output("z", ColumnType.FLOAT64))
                .map(r -> (Double) r.getField(0))
                .returns(Types.DOUBLE)
                .fullWindowPartition()
                .reduce(Math::max)
                .print();

        env.execute("pybridge-flink-example");
    }
}
