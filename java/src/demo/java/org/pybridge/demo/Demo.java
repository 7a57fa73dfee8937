package org.pybridge.demo;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pybridge.PyObject;
import org.pybridge.Python;
import org.pybridge.PythonException;
import org.pybridge.PythonInfo;
import org.pybridge.ResourceScope;

/** What pybridge does, in one run: ./dev demo */
public final class Demo {
    public static void main(String[] args) {
        PythonInfo info = Python.initialize();
        System.out.println("== Which Python, and why");
        System.out.println("  " + info);

        System.out.println("== numpy");
        try (ResourceScope scope = Python.openScope()) {
            PyObject np = Python.importModule("numpy");
            PyObject a = np.callAttr("linspace", 0.0, 1.0, 5);
            double mean = a.callAttrAs(Double.class, "mean");
            System.out.println("  numpy " + np.getAttr("__version__", String.class) + ": linspace(0, 1, 5) = "
                    + a.callAttrAs(List.class, "tolist") + ", mean = " + mean);
        }

        System.out.println("== A dict, there and back");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "pybridge");
        m.put("langs", List.of("Java", "Rust", "Python"));
        m.put("big", new BigInteger("123456789012345678901234567890"));
        m.put("emoji", "中国😀");
        try (PyObject d = Python.toPython(m)) {
            System.out.println("  in Python: " + d.repr());
            d.setItem("added_in_python", 3.5);
            System.out.println("  back in Java: " + d.toJava());
        }

        System.out.println("== A Python exception");
        try {
            Python.exec("import json\njson.loads('{not json')");
        } catch (PythonException e) {
            System.out.println("  " + e.pythonType() + ": " + e.pythonMessage());
            for (String line : e.pythonTraceback().split("\n")) {
                System.out.println("    | " + line);
            }
        }

        System.out.println("== Handles");
        long before = Python.stats().liveHandles();
        Python.withGilScope(() -> {
            for (int i = 0; i < 1000; i++) {
                Python.eval("{'a': 1, 'b': 2}").toJava();
            }
            return null;
        });
        System.out.println("  1000 dicts in a scope: live handles before " + before + ", after "
                + Python.stats().liveHandles());
        System.out.println("  " + Python.stats());
    }
}
