package org.pybridge.bench.engines;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.pybridge.flink.PyBatchFunction;
import org.pybridge.flink.PyBatchOperator;
import org.pybridge.flink.PyMapFunction;
import org.pybridge.integration.BatchFormat;
import org.pybridge.integration.ColumnType;
import org.pybridge.integration.PyFunction;

/** One Flink local JVM (parallelism 2) running one variant: java FlinkVariants VARIANT ROWS WARM RUNS. */
public final class FlinkVariants {
    public static void main(String[] args) throws Exception {
        String variant = args[0];
        long n = Long.parseLong(args[1]);
        int warm = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        Measure.run(variant, n, warm, runs, () -> {
            try {
                return job(variant, n);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        System.exit(0);
    }

    static long job(String variant, long n) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        DataStream<Long> xs = env.fromSequence(0, n - 1);
        DataStream<Long> ys;
        switch (variant) {
            case "flink_java_map":
                ys = xs.map(x -> x * 2 + 1).returns(Types.LONG);
                break;
            case "pybridge_map":
                ys = xs.map(new PyMapFunction<Long, Long>(PyFunction.fromSource(Measure.SCALAR, "f"), Long.class));
                break;
            case "pybridge_numpy_batches":
            case "pybridge_arrow_batches": {
                boolean numpy = variant.equals("pybridge_numpy_batches");
                PyBatchFunction f = PyBatchFunction.of(
                                PyFunction.fromSource(numpy ? Measure.NUMPY : Measure.ARROW, "f"),
                                numpy ? BatchFormat.NUMPY : BatchFormat.ARROW)
                        .input("x", ColumnType.INT64)
                        .output("y", ColumnType.INT64);
                ys = PyBatchOperator.apply(
                                xs.map(x -> Row.of(x)).returns(Types.ROW_NAMED(new String[] {"x"}, Types.LONG)), f)
                        .map(r -> (Long) r.getField(0))
                        .returns(Types.LONG);
                break;
            }
            default:
                throw new IllegalArgumentException("unknown variant " + variant);
        }
        List<Long> partials = new ArrayList<>();
        try (CloseableIterator<Long> it =
                ys.fullWindowPartition().reduce(Long::sum).executeAndCollect()) {
            it.forEachRemaining(partials::add);
        }
        long s = 0;
        for (long p : partials) {
            s += p;
        }
        return s;
    }
}
