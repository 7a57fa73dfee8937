package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Type stubs of Java packages ({@link JavaStubs}, issue 25 point 9): the
 * content, checked structurally for java.util, java.lang and a fixture
 * ({@code org.pybridge.stubfixture.Box}: overloads, generics, fields, nested
 * classes, members named like Python keywords); and the proof that they
 * work: mypy (from {@code .venvs/tools}, installed by {@code ./dev setup})
 * passes a script that uses them correctly and reports each misuse marked in
 * another, and pybridge runs the correct one.
 */
public class JavaStubsTest {
    private static final List<String> NAMES = List.of("java.util", "java.lang", "org.pybridge.stubfixture");
    private static final Path SAMPLES = projectDir().resolve("java/src/test/resources/org/pybridge/stubs");

    private static Map<String, String> modules;
    private static Path dir;

    @BeforeClass
    public static void generate() throws IOException {
        dir = Files.createTempDirectory("pybridge-stubs");
        List<Path> written = JavaStubs.write(dir.resolve("typings"), NAMES);
        modules = new TreeMap<>();
        for (Path p : written) {
            String module =
                    dir.resolve("typings").relativize(p.getParent()).toString().replace('/', '.');
            modules.put(module, new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
        }
    }

    @AfterClass
    public static void cleanUp() throws IOException {
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Path projectDir() {
        return Paths.get(System.getProperty("pybridge.project.dir", System.getProperty("user.dir")));
    }

    // ---- reading a stub: a class's block, its members -------------------------

    /** The lines of class {@code path} ("Map.Entry") of a module, its own header line first. */
    private static List<String> classBlock(String module, String path) {
        List<String> lines = Arrays.asList(modules.get(module).split("\n", -1));
        int from = 0;
        int to = lines.size();
        String indent = "";
        for (String name : path.split("\\.")) {
            int start = -1;
            for (int i = from; i < to; i++) {
                if (lines.get(i).startsWith(indent + "class " + name + "(")
                        || lines.get(i).startsWith(indent + "class " + name + ":")) {
                    start = i;
                    break;
                }
            }
            assertTrue("no class " + path + " in " + module, start >= 0);
            int end = start + 1;
            while (end < to
                    && (lines.get(end).startsWith(indent + " ")
                            || lines.get(end).isEmpty())) {
                end++;
            }
            from = start;
            to = end;
            indent += "    ";
        }
        return lines.subList(from, to);
    }

    /** The member lines (defs, fields, decorators) directly in a class block. */
    private static List<String> members(List<String> block) {
        String indent = block.get(0).replaceAll("^(\\s*).*", "$1") + "    ";
        return block.stream()
                .skip(1)
                .filter(l -> l.startsWith(indent) && !l.startsWith(indent + " "))
                .map(l -> l.substring(indent.length()))
                .collect(Collectors.toList());
    }

    /** The signatures of method {@code name} in a class, each with its decorators. */
    private static List<String> defs(List<String> block, String name) {
        List<String> ms = members(block);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            if (ms.get(i).startsWith("def " + name + "(")) {
                StringBuilder sb = new StringBuilder();
                for (int j = i - 1; j >= 0 && ms.get(j).startsWith("@"); j--) {
                    sb.insert(0, ms.get(j) + " ");
                }
                out.add(sb + ms.get(i));
            }
        }
        return out;
    }

    // ---- files and content ----------------------------------------------------

    @Test
    public void onePackageIsOneModuleWithAHeaderAndTheOutputIsDeterministic() throws IOException {
        assertEquals(
                new TreeSet<>(
                        List.of("java", "java.lang", "java.util", "org", "org.pybridge", "org.pybridge.stubfixture")),
                modules.keySet());
        String util = modules.get("java.util");
        assertTrue(util.startsWith("# Python type stubs for Java classes"));
        assertTrue(util.contains(
                "org.pybridge.JavaStubs from the reflection of Java " + System.getProperty("java.version")));
        assertTrue(util.contains("\nimport java.lang\n"));
        // Parent packages without classes of their own: a header only.
        assertFalse(modules.get("java").contains("\nclass "));
        // The same input gives the same bytes (sorted classes, members and overloads).
        assertEquals(JavaStubs.generate(NAMES), JavaStubs.generate(NAMES));
        List<String> classes = new ArrayList<>();
        for (String l : util.split("\n")) {
            if (l.startsWith("class ")) {
                classes.add(l.replaceAll("class (\\w+).*", "$1"));
            }
        }
        assertTrue(classes.size() > 50);
        assertEquals(new ArrayList<>(new TreeSet<>(classes)), classes);
    }

    @Test
    public void jdkClassesHaveTheirBasesGenericsOverloadsAndProtocols() {
        List<String> arrayList = classBlock("java.util", "ArrayList");
        assertEquals(
                "class ArrayList(java.util.AbstractList[_E], java.util.RandomAccess, java.lang.Cloneable,"
                        + " typing.Generic[_E]):",
                arrayList.get(0).replace(", java.io.Serializable", ""));
        assertEquals(
                List.of(
                        "@typing.overload def __init__(self) -> None: ...",
                        "@typing.overload def __init__(self, arg0: builtins.int, /) -> None: ...",
                        "@typing.overload def __init__(self, arg0: java.util.Collection[_E] | typing.Sequence[_E]"
                                + " | None, /) -> None: ..."),
                defs(arrayList, "__init__"));
        // remove(int) before remove(Object): the overload pybridge takes for a Python int comes first.
        assertEquals(
                List.of(
                        "@typing.overload def remove(self, arg0: builtins.int, /) -> _E: ...",
                        "@typing.overload def remove(self, arg0: builtins.object, /) -> builtins.bool: ..."),
                defs(arrayList, "remove"));
        assertEquals(List.of("def get(self, arg0: builtins.int, /) -> _E: ..."), defs(arrayList, "get"));
        // A java.util.List is a MutableSequence with pybridge's protocol methods.
        List<String> list = classBlock("java.util", "List");
        assertTrue(list.get(0), list.get(0).contains("typing.MutableSequence[_E]"));
        assertTrue(defs(list, "__len__").contains("def __len__(self) -> builtins.int: ..."));
        assertEquals(2, defs(list, "__getitem__").size());
        assertEquals(List.of("def append(self, value: _E, /) -> None: ..."), defs(list, "append"));
        // Static generic methods: their own type variables.
        assertTrue(defs(list, "of")
                .contains("@typing.overload @staticmethod def of(arg0: _E_m, arg1: _E_m, /)"
                        + " -> java.util.List[_E_m]: ..."));
        // Map: get(k, default) is Python's (java_bridge.py), Map.Entry a nested generic class.
        List<String> map = classBlock("java.util", "Map");
        assertTrue(map.get(0), map.get(0).contains("typing.MutableMapping[_K, _V]"));
        assertEquals(2, defs(map, "get").size());
        assertTrue(defs(map, "get").get(1).contains("default: _V | _D, /) -> _V | _D"));
        List<String> entry = classBlock("java.util", "Map.Entry");
        assertTrue(entry.get(0), entry.get(0).endsWith("typing.Generic[_K_1, _V_1]):"));
        assertEquals(List.of("def getKey(self) -> _K_1: ..."), defs(entry, "getKey"));
        assertTrue(defs(map, "entrySet").get(0).contains("java.util.Set[java.util.Map.Entry[_K, _V]]"));
        // java.lang: scalars convert (String is str, int and long are int), statics, constants.
        List<String> math = classBlock("java.lang", "Math");
        assertEquals(
                List.of(
                        "@typing.overload @staticmethod def abs(arg0: builtins.int, /) -> builtins.int: ...",
                        "@typing.overload @staticmethod def abs(arg0: builtins.float, /) -> builtins.float: ..."),
                defs(math, "abs"));
        assertTrue(members(math).contains("PI: typing.ClassVar[builtins.float]"));
        List<String> system = classBlock("java.lang", "System");
        // System.in: a Python keyword, bound as in_ by pybridge too (java.io is not generated: Any).
        assertTrue(members(system).contains("in_: typing.ClassVar[typing.Any]"));
        assertEquals(
                List.of(
                        "@typing.overload @staticmethod def getProperty(arg0: builtins.str | None, /) -> builtins.str:"
                                + " ...",
                        "@typing.overload @staticmethod def getProperty(arg0: builtins.str | None, arg1: builtins.str"
                                + " | None, /) -> builtins.str: ..."),
                defs(system, "getProperty"));
        List<String> sb = classBlock("java.lang", "StringBuilder");
        assertTrue(defs(sb, "append").get(0), defs(sb, "append").get(0).contains("arg0: builtins.bool, /)"));
        // A java.lang.Number is a Python number too; Comparable orders.
        List<String> integer = classBlock("java.lang", "Integer");
        assertTrue(defs(integer, "__add__").get(0).contains("other: builtins.int | builtins.float"));
        assertEquals(1, defs(integer, "__lt__").size());
    }

    @Test
    public void fixtureOverloadsGenericsFieldsNestedClassesAndKeywordNames() {
        String m = "org.pybridge.stubfixture";
        List<String> box = classBlock(m, "Box");
        assertEquals("class Box(java.lang.Iterable[_T], typing.Generic[_T]):", box.get(0));
        List<String> ms = members(box);
        assertTrue(ms.contains("LIMIT: typing.ClassVar[builtins.int]"));
        assertTrue(ms.contains("greeting: typing.ClassVar[builtins.str]"));
        assertTrue(ms.contains("first: _T"));
        // int and long are one Python overload (int, as pybridge prefers), double is float,
        // then String, then Object.
        assertEquals(
                List.of(
                        "@typing.overload def describe(self, arg0: builtins.int, /) -> builtins.str: ...",
                        "@typing.overload def describe(self, arg0: builtins.float, /) -> builtins.str: ...",
                        "@typing.overload def describe(self, arg0: builtins.str | None, /) -> builtins.str: ...",
                        "@typing.overload def describe(self, arg0: builtins.object, /) -> builtins.str: ..."),
                defs(box, "describe"));
        assertEquals(
                List.of("@staticmethod def pair(arg0: _E, arg1: _E, /) -> java.util.List[_E]: ..."), defs(box, "pair"));
        assertEquals(
                List.of("@staticmethod def join(arg0: builtins.str | None, /, *arg1: builtins.str | None)"
                        + " -> builtins.str: ..."),
                defs(box, "join"));
        // A functional interface parameter takes a Python callable of its method's types
        // (java.util.function is not generated: Function itself is not named).
        assertEquals(
                List.of("def map(self, arg0: typing.Callable[[_T], _R] | None, /)"
                        + " -> org.pybridge.stubfixture.Box[_R]: ..."),
                defs(box, "map"));
        assertEquals(
                List.of("@staticmethod def count(arg0: java.util.Map[builtins.str, builtins.int]"
                        + " | builtins.dict[builtins.str, builtins.int] | None, /) -> builtins.int: ..."),
                defs(box, "count"));
        // Keywords: lambda and from are lambda_ and from_, as pybridge binds them.
        assertEquals(List.of("def lambda_(self, arg0: builtins.int, /) -> builtins.int: ..."), defs(box, "lambda_"));
        assertEquals(
                List.of("@staticmethod def from_(arg0: builtins.str | None, /)"
                        + " -> org.pybridge.stubfixture.Box[builtins.str]: ..."),
                defs(box, "from_"));
        assertTrue(defs(box, "lambda").isEmpty() && defs(box, "from").isEmpty());
        assertEquals(List.of("def __iter__(self) -> typing.Iterator[_T]: ..."), defs(box, "__iter__"));
        // Parameter names pybridge binds keyword arguments to (@PyName here): not positional-only.
        assertEquals(
                List.of("def resize(self, width: builtins.int, height: builtins.int) -> builtins.str: ..."),
                defs(box, "resize"));
        // Nested classes: their own type variables, enum constants as ClassVars.
        List<String> entry = classBlock(m, "Box.Entry");
        assertEquals(
                "class Entry(java.lang.Object, typing.Generic[_K_1, _V_1]):",
                entry.get(0).trim());
        assertTrue(members(entry).containsAll(List.of("key: _K_1", "value: _V_1")));
        assertEquals(List.of("def __init__(self, arg0: _K_1, arg1: _V_1, /) -> None: ..."), defs(entry, "__init__"));
        List<String> color = classBlock(m, "Box.Color");
        assertEquals(
                "class Color(java.lang.Enum[org.pybridge.stubfixture.Box.Color]):",
                color.get(0).trim());
        assertTrue(members(color).contains("RED: typing.ClassVar[org.pybridge.stubfixture.Box.Color]"));
        assertNotNull(classBlock(m, "Box.Visitor"));
    }

    @Test
    public void theCommandLineWritesTheFilesAndRefusesUnknownNames() throws IOException {
        Path out = dir.resolve("cli");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = JavaStubs.run(
                new String[] {"--out", out.toString(), "org.pybridge.stubfixture.Box"},
                new PrintStream(o, true, "UTF-8"),
                new PrintStream(e, true, "UTF-8"));
        assertEquals(e.toString("UTF-8"), 0, rc);
        Path stub = out.resolve("org/pybridge/stubfixture/__init__.pyi");
        assertTrue(o.toString("UTF-8").contains(stub.toString()));
        assertTrue(new String(Files.readAllBytes(stub), StandardCharsets.UTF_8).contains("\nclass Box("));
        assertTrue(Files.exists(out.resolve("org/__init__.pyi")));
        e.reset();
        rc = JavaStubs.run(
                new String[] {"--out", out.toString(), "no.such.pkg"},
                new PrintStream(o, true, "UTF-8"),
                new PrintStream(e, true, "UTF-8"));
        assertEquals(2, rc);
        assertTrue(e.toString("UTF-8"), e.toString("UTF-8").contains("no.such.pkg is neither a Java package"));
    }

    // ---- the stubs work: a real type checker, and pybridge itself --------------

    private static String mypy(String script) throws IOException, InterruptedException {
        String exe = System.getenv()
                .getOrDefault(
                        "PYBRIDGE_TEST_MYPY",
                        projectDir().resolve(".venvs/tools/bin/mypy").toString());
        assertTrue(
                exe + " is missing: ./dev setup installs mypy into .venvs/tools", Files.isExecutable(Paths.get(exe)));
        ProcessBuilder pb = new ProcessBuilder(
                exe,
                "--no-incremental",
                "--cache-dir",
                dir.resolve("mypy-cache").toString(),
                "--hide-error-context",
                "--no-pretty",
                "--no-color-output",
                SAMPLES.resolve(script).toString());
        pb.environment().put("MYPYPATH", dir.resolve("typings").toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("mypy did not finish", p.waitFor(120, TimeUnit.SECONDS));
        return out;
    }

    @Test
    public void mypyPassesCorrectUseOfTheStubs() throws Exception {
        String out = mypy("uses_java_stubs.py");
        assertTrue(out, out.startsWith("Success: no issues found in 1 source file"));
    }

    @Test
    public void mypyReportsEachMisuseAndNothingElse() throws Exception {
        // Expected: the `# error: <code>` marks of the script, by line.
        Map<Integer, String> expected = new TreeMap<>();
        List<String> lines = Files.readAllLines(SAMPLES.resolve("misuses_java_stubs.py"));
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = Pattern.compile("# error: ([a-z-]+)$").matcher(lines.get(i));
            if (m.find()) {
                expected.put(i + 1, m.group(1));
            }
        }
        assertTrue(expected.size() >= 8);
        String out = mypy("misuses_java_stubs.py");
        Map<Integer, String> reported = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^(\\S+?):(\\d+): error: .*\\[([a-z-]+)\\]$")
                .matcher(out);
        while (m.find()) {
            assertTrue(
                    "an error outside the script (in a stub?):\n" + out,
                    m.group(1).endsWith("misuses_java_stubs.py"));
            reported.put(Integer.parseInt(m.group(2)), m.group(3));
        }
        assertEquals(out, expected, reported);
    }

    @Test
    public void theCorrectScriptRunsInPybridge() throws IOException {
        Python.initialize();
        String code = new String(Files.readAllBytes(SAMPLES.resolve("uses_java_stubs.py")), StandardCharsets.UTF_8);
        // In a namespace of its own, as a module would run.
        try (PyObject globals = Python.eval("{'__name__': 'uses_java_stubs'}");
                PyObject builtins = Python.builtins();
                PyObject none = builtins.callAttr("exec", code, globals)) {
            assertEquals("None", none.toString());
        }
    }
}
