package org.pybridge.spark;

import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.api.java.UDF5;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.pybridge.PyObject;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * A Python function as a row-at-a-time Spark UDF of 1 to 5 arguments: each
 * row's arguments go to Python as Python values, and the result comes back
 * as the declared return type's Java class, with no handle made. A
 * {@code bigint -> bigint} UDF takes pybridge's {@code callLong} fast path.
 */
final class PyScalarUdf
        implements UDF1<Object, Object>,
                UDF2<Object, Object, Object>,
                UDF3<Object, Object, Object, Object>,
                UDF4<Object, Object, Object, Object, Object>,
                UDF5<Object, Object, Object, Object, Object, Object> {
    private static final long serialVersionUID = 1L;

    private final PyFunction fn;
    private final Class<?> resultClass;
    private final boolean longResult;
    private final PythonSetup setup;
    private transient PyObject f;

    PyScalarUdf(PyFunction fn, DataType returnType, PythonSetup setup) {
        this.fn = fn;
        this.resultClass = SparkTypes.javaClass(returnType);
        this.longResult = DataTypes.LongType.equals(returnType);
        this.setup = setup;
    }

    private PyObject f() {
        PyObject h = f;
        if (h == null) {
            PySpark.ensurePython(setup);
            h = fn.get();
            f = h;
        }
        return h;
    }

    @Override
    public Object call(Object a) {
        PyObject h = f();
        if (longResult && a instanceof Long) {
            // The fast path: an int result comes back unboxed. Anything else (None, a
            // float...) is a ClassCastException there: ask again the general way, which
            // gives null for None. Spark UDFs are deterministic (Spark itself may
            // evaluate one more than once per row), so the second call is harmless.
            try {
                return h.callLong((Long) a);
            } catch (ClassCastException e) {
                return h.callAs(resultClass, a);
            }
        }
        return h.callAs(resultClass, a);
    }

    @Override
    public Object call(Object a, Object b) {
        return f().callAs(resultClass, a, b);
    }

    @Override
    public Object call(Object a, Object b, Object c) {
        return f().callAs(resultClass, a, b, c);
    }

    @Override
    public Object call(Object a, Object b, Object c, Object d) {
        return f().callAs(resultClass, a, b, c, d);
    }

    @Override
    public Object call(Object a, Object b, Object c, Object d, Object e) {
        return f().callAs(resultClass, a, b, c, d, e);
    }
}
