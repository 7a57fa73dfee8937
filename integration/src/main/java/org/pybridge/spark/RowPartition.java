package org.pybridge.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.pybridge.Interpreter;
import org.pybridge.PyObject;
import org.pybridge.integration.ExecutorPython;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * One partition through a Python row function ({@link PySpark#mapRows}):
 * rows go to Python {@code chunkSize} at a time as lists of Java values, one
 * call per chunk ({@code map_rows}: {@code [fn(*row) for row in chunk]}),
 * and the results come back as Java values. With {@code interpreters > 0}
 * the task runs its chunks in a sub-interpreter of its own
 * ({@link ExecutorPython#claim}), so tasks of one executor run Python in
 * parallel (on Python 3.12+); one hand-off to that interpreter's thread per
 * chunk.
 */
final class RowPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final PyFunction fn;
    private final DataType[] outTypes;
    private final int chunkSize;
    private final int interpreters;
    private final PythonSetup setup;

    RowPartition(PyFunction fn, DataType[] outTypes, int chunkSize, int interpreters, PythonSetup setup) {
        this.fn = fn;
        this.outTypes = outTypes.clone();
        this.chunkSize = chunkSize;
        this.interpreters = interpreters;
        this.setup = setup;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        PySpark.ensurePython(setup);
        Interpreter in = null;
        if (interpreters > 0) {
            // The conf's sys.path and files are the job's environment: every interpreter gets them.
            // Its modules and init code are the main interpreter's (they may import numpy, which
            // isolated interpreters refuse): what mapRows' interpreters need comes with its setup.
            PythonSetup env = PythonSetup.create();
            PythonSetup conf = PySpark.setupFromConf();
            conf.sysPath().forEach(env::addSysPath);
            conf.files().forEach(env::addFile);
            Interpreter claimed = ExecutorPython.claim(env.merge(setup), interpreters);
            in = claimed;
            TaskContext tc = TaskContext.get();
            if (tc != null) {
                tc.addTaskCompletionListener(
                        (org.apache.spark.util.TaskCompletionListener) ctx -> ExecutorPython.release(claimed));
            }
        }
        return new Rows(input, in);
    }

    /** The rows of one partition, computed a chunk at a time. */
    private final class Rows implements Iterator<Row> {
        private final Iterator<Row> input;
        private final Interpreter interp;
        private List<?> out = List.of();
        private int next;

        Rows(Iterator<Row> input, Interpreter interp) {
            this.input = input;
            this.interp = interp;
        }

        @Override
        public boolean hasNext() {
            while (next >= out.size()) {
                if (!input.hasNext()) {
                    return false;
                }
                List<List<Object>> chunk = new ArrayList<>(chunkSize);
                while (chunk.size() < chunkSize && input.hasNext()) {
                    Row r = input.next();
                    Object[] args = new Object[r.size()];
                    for (int i = 0; i < args.length; i++) {
                        args[i] = r.get(i);
                    }
                    chunk.add(Arrays.asList(args));
                }
                out = interp == null ? apply(chunk) : interp.call(() -> apply(chunk));
                next = 0;
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return toRow(out.get(next++));
        }
    }

    /** {@code [fn(*row) for row in chunk]} in the current interpreter, as Java values. */
    private List<?> apply(List<List<Object>> chunk) {
        PyObject f = fn.get();
        return ExecutorPython.callFunctions("map_rows", f, chunk);
    }

    private Row toRow(Object result) {
        if (outTypes.length == 1) {
            return RowFactory.create(SparkTypes.coerce(result, outTypes[0], fn));
        }
        if (!(result instanceof List) || ((List<?>) result).size() != outTypes.length) {
            throw new IllegalArgumentException(fn + " returned " + describe(result) + " for a row, not a tuple" + " of "
                    + outTypes.length + " values (one per column of the output schema)");
        }
        List<?> values = (List<?>) result;
        Object[] cols = new Object[outTypes.length];
        for (int i = 0; i < cols.length; i++) {
            cols[i] = SparkTypes.coerce(values.get(i), outTypes[i], fn);
        }
        return RowFactory.create(cols);
    }

    private static String describe(Object v) {
        return v == null ? "None" : v.getClass().getSimpleName() + " " + v;
    }
}
