package org.pybridge.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs the benchmark: for each round, for each workload, one child JVM per
 * library, the libraries' order rotating, so that drift on a shared machine
 * falls on all of them alike. Collects the children's RESULT lines, prints
 * one Markdown table and writes it to {@code bench/results/<date>.md}.
 *
 * <p>System properties (set by the Gradle {@code bench} task):
 * {@code bench.root}, {@code bench.pybridgeJar}, {@code bench.python},
 * {@code bench.classes}, {@code bench.pemjaClasspath}; optional
 * {@code bench.rounds} (default 3), {@code bench.quick}, {@code bench.only}
 * (comma-separated library names — pybridge,jep,pemja,jpy — and/or workload keys
 * or groups — a,a2,b,c,c2,d1,d2,f,fo,f2,g,h,n0,n1,n2,cb,pd, core, extra, numpy;
 * none of a kind = all of it). A run of some of the workloads writes
 * {@code bench/results/<date>-<workloads>.md}, so it never overwrites the day's
 * full run.
 */
public final class Driver {
    static final String[] LIBS = {"pybridge", "Jep", "pemja", "jpy"};
    static final String[] CORE = {"a", "a2", "b", "c", "c2", "d1", "d2", "f", "fo", "f2", "g", "gw", "h"};
    /** The workloads of issue 6 (also in core): global read, 1 MB strings, two threads. */
    static final String[] EXTRA = {"b", "d1", "d2", "g", "gw"};

    static final String[] NUMPY = {"n0", "n1", "n2", "cb", "jm"};
    static final String[] ALL = {
        "a", "a2", "b", "c", "c2", "d1", "d2", "f", "fo", "f2", "g", "gw", "h", "n0", "n1", "n2", "cb", "jm", "pd"
    };

    final Path root = Paths.get(System.getProperty("bench.root", ".")).toAbsolutePath();
    final String java =
            Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    final String classes = System.getProperty("bench.classes", "build/classes/java/bench");
    final boolean quick = Boolean.getBoolean("bench.quick");
    final int rounds = Integer.getInteger("bench.rounds", 3);
    final Path peersVenv = root.resolve(".peers/venv");
    final Path errDir = root.resolve("build/bench");

    /** lib -> key -> measured values, over all rounds. */
    final Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    /** lib -> INFO key -> last value. */
    final Map<String, Map<String, String>> infos = new LinkedHashMap<>();
    /** lib -> peak VmHWM over all its JVMs. */
    final Map<String, Double> peak = new LinkedHashMap<>();
    /** workload -> lib -> peak VmHWM over that workload's JVMs (each JVM runs one workload). */
    final Map<String, Map<String, Double>> peakByWorkload = new LinkedHashMap<>();
    /** lib -> why it did not run, or what went wrong (kept in order). */
    final Map<String, List<String>> problems = new LinkedHashMap<>();

    final Map<String, List<String>> commands = new LinkedHashMap<>();
    String gitRevAtStart = "?";
    /** The workloads to run (from bench.only; all of them by default). */
    List<String> workloads = new ArrayList<>(Arrays.asList(ALL));
    /** The workload tokens of bench.only as given (empty: all), for the results file's name. */
    final List<String> workloadTokens = new ArrayList<>();

    String onlyArg = "";

    public static void main(String[] args) throws Exception {
        new Driver().run();
    }

    void run() throws Exception {
        Files.createDirectories(errDir);
        String loadBefore = loadavg();
        gitRevAtStart = gitRev(); // the jar was built from this tree just before
        LocalDateTime start = LocalDateTime.now();
        onlyArg = System.getProperty("bench.only", "");
        List<String> only = new ArrayList<>();
        List<String> selected = new ArrayList<>();
        for (String tok : onlyArg.split(",")) {
            String k = tok.trim();
            if (k.isEmpty()) {
                continue;
            }
            String lk = k.toLowerCase(Locale.ROOT);
            if (lk.equals("pybridge") || lk.equals("jep") || lk.equals("pemja") || lk.equals("jpy")) {
                only.add(lk);
            } else if (lk.equals("core") || lk.equals("extra") || lk.equals("numpy")) {
                workloadTokens.add(lk);
                selected.addAll(Arrays.asList(lk.equals("core") ? CORE : lk.equals("extra") ? EXTRA : NUMPY));
            } else if (Arrays.asList(ALL).contains(k)) {
                workloadTokens.add(k);
                selected.add(k);
            } else {
                throw new IllegalArgumentException("bench.only: unknown library or workload '" + k
                        + "' (libraries: pybridge, jep, pemja, jpy; workloads: " + String.join(",", ALL)
                        + ", or the groups core, extra, numpy)");
            }
        }
        if (only.isEmpty()) {
            only.addAll(Arrays.asList("pybridge", "jep", "pemja", "jpy"));
        }
        if (!selected.isEmpty()) {
            workloads = new ArrayList<>();
            for (String w : ALL) {
                if (selected.contains(w)) {
                    workloads.add(w);
                }
            }
        }
        for (String lib : LIBS) {
            results.put(lib, new TreeMap<>());
            infos.put(lib, new TreeMap<>());
            problems.put(lib, new ArrayList<>());
            if (!only.contains(lib.toLowerCase(Locale.ROOT))) {
                problems.get(lib).add("not selected (-Pbench.only)");
                continue;
            }
            try {
                commands.put(lib, command(lib));
            } catch (IllegalStateException e) {
                problems.get(lib).add(e.getMessage());
            }
        }
        int total = rounds * workloads.size() * commands.size(), done = 0;
        for (int r = 0; r < rounds; r++) {
            for (int w = 0; w < workloads.size(); w++) {
                for (int k = 0; k < LIBS.length; k++) {
                    String lib = LIBS[(k + r + w) % LIBS.length];
                    if (!commands.containsKey(lib)) {
                        continue;
                    }
                    done++;
                    System.err.printf(
                            Locale.ROOT, "[bench] %d/%d round %d %-8s %s%n", done, total, r + 1, lib, workloads.get(w));
                    runChild(lib, workloads.get(w));
                }
            }
        }
        String loadAfter = loadavg();
        String table = table() + "\n" + peakTable();
        System.out.println();
        System.out.println(table);
        String report = report(start, loadBefore, loadAfter, table);
        // A run of some of the workloads gets its own file: the day's full run is not overwritten.
        String suffix = workloadTokens.isEmpty() ? "" : "-" + String.join("-", workloadTokens);
        Path out = root.resolve("bench/results/" + LocalDate.now() + suffix + ".md");
        Files.createDirectories(out.getParent());
        Files.write(out, report.getBytes(StandardCharsets.UTF_8));
        System.out.println("written to " + root.relativize(out));
        for (String lib : LIBS) {
            for (String p : problems.get(lib)) {
                System.out.println("note: " + lib + ": " + p);
            }
        }
    }

    // ---- child JVMs --------------------------------------------------------------------

    List<String> command(String lib) {
        List<String> c = new ArrayList<>(Arrays.asList(
                java, "-Xmx2g", "-Xss4m", "-XX:ErrorFile=" + errDir.resolve("hs_err_" + lib + "_%p.log")));
        switch (lib) {
            case "pybridge": {
                String jar = System.getProperty("bench.pybridgeJar");
                if (jar == null || !new File(jar).isFile()) {
                    throw new IllegalStateException("pybridge jar not found: " + jar + " (run gradle jar)");
                }
                // -Pbench.pybridgeOpts: JVM options for pybridge's JVMs only (A/B runs of a setting).
                for (String o :
                        System.getProperty("bench.pybridgeOpts", "").trim().split("\\s+")) {
                    if (!o.isEmpty()) {
                        c.add(o);
                    }
                }
                c.addAll(Arrays.asList("-cp", jar + File.pathSeparator + classes, "org.pybridge.bench.PybridgeBench"));
                return c;
            }
            case "Jep": {
                Path sp = sitePackages();
                Path dir = sp.resolve("jep");
                Path jar = glob(dir, "jep-", ".jar");
                if (jar == null || !Files.isRegularFile(dir.resolve("libjep.so"))) {
                    throw new IllegalStateException("Jep is not installed in " + peersVenv
                            + " (bench/peers.sh failed to install it: see its output above)");
                }
                c.addAll(Arrays.asList(
                        "-Djava.library.path=" + dir,
                        "-cp",
                        jar + File.pathSeparator + classes,
                        "org.pybridge.bench.JepBench"));
                return c;
            }
            case "pemja": {
                Path sp = sitePackages();
                String cp = System.getProperty("bench.pemjaClasspath", "");
                if (!Files.isDirectory(sp.resolve("pemja")) || cp.isEmpty()) {
                    throw new IllegalStateException("pemja is not installed in " + peersVenv
                            + " (bench/peers.sh failed to install it: see its output above) or its jar is missing");
                }
                c.addAll(Arrays.asList(
                        "-Dbench.pemja.python=" + peersVenv.resolve("bin/python"),
                        "-cp",
                        cp + File.pathSeparator + classes,
                        "org.pybridge.bench.PemjaBench"));
                return c;
            }
            case "jpy": {
                // jpy: its native libraries from the PyPI wheel, its jar (the same
                // version) from Maven Central (bench.jpyClasspath).
                Path sp = sitePackages();
                Path jpyLib = glob(sp, "jpy.", ".so");
                Path jdlLib = glob(sp, "jdl.", ".so");
                String jar = System.getProperty("bench.jpyClasspath", "");
                if (jar.isEmpty() || jpyLib == null || jdlLib == null) {
                    throw new IllegalStateException("jpy is not installed in " + peersVenv
                            + " (bench/peers.sh failed to install it: see its output above) or its jar is missing");
                }
                c.addAll(Arrays.asList(
                        "-Djpy.jpyLib=" + jpyLib,
                        "-Djpy.jdlLib=" + jdlLib,
                        "-Djpy.pythonLib="
                                + pyFact(
                                        peersVenv.resolve("bin/python").toString(),
                                        "__import__('os').path.join(__import__('sysconfig').get_config_var('LIBDIR'),"
                                                + " __import__('sysconfig').get_config_var('LDLIBRARY'))"),
                        "-Djpy.pythonPrefix="
                                + pyFact(peersVenv.resolve("bin/python").toString(), "sys.base_prefix"),
                        "-Djpy.pythonExecutable=" + peersVenv.resolve("bin/python"),
                        "-cp",
                        jar + File.pathSeparator + classes,
                        "org.pybridge.bench.JpyBench"));
                return c;
            }
            default:
                throw new IllegalArgumentException(lib);
        }
    }

    Path sitePackages() {
        Path lib = peersVenv.resolve("lib");
        Path py = Files.isDirectory(lib) ? glob(lib, "python3", "") : null;
        if (py == null) {
            throw new IllegalStateException("no peers virtualenv at " + peersVenv + " (bench/peers.sh did not run?)");
        }
        return py.resolve("site-packages");
    }

    static Path glob(Path dir, String prefix, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)
                            && p.getFileName().toString().endsWith(suffix))
                    .sorted()
                    .findFirst()
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    void runChild(String lib, String workload) throws Exception {
        List<String> cmd = new ArrayList<>(commands.get(lib));
        cmd.add(1, "-Dbench.workloads=" + workload);
        if (quick) {
            cmd.add(1, "-Dbench.quick=true");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("PYTHONHOME");
        env.remove("PYTHONPATH");
        env.remove("VIRTUAL_ENV");
        env.remove("PYTHONFAULTHANDLER");
        if (lib.equals("pybridge")) {
            env.put(
                    "PYBRIDGE_PYTHON",
                    System.getProperty(
                            "bench.python", root.resolve(".venv/bin/python").toString()));
        } else {
            env.put("PYTHONPATH", sitePackages().toString());
            if (lib.equals("Jep") || lib.equals("jpy")) {
                env.put("PYTHONHOME", pyFact(peersVenv.resolve("bin/python").toString(), "sys.base_prefix"));
            }
        }
        Process p = pb.start();
        List<String> other = new ArrayList<>();
        boolean doneLine = false;
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] t = line.split(" ", 3);
                if (t[0].equals("RESULT") && t.length == 3) {
                    List<Double> vs = results.get(lib).computeIfAbsent(t[1], k -> new ArrayList<>());
                    for (String v : t[2].trim().split(" ")) {
                        vs.add(Double.parseDouble(v));
                    }
                } else if (t[0].equals("INFO") && t.length >= 2) {
                    String v = t.length == 3 ? t[2] : "";
                    infos.get(lib).put(t[1], v);
                    if (t[1].equals("peak_rss_mb")) {
                        peak.merge(lib, Double.parseDouble(v), Math::max);
                        peakByWorkload
                                .computeIfAbsent(workload, k -> new LinkedHashMap<>())
                                .merge(lib, Double.parseDouble(v), Math::max);
                    }
                } else if (t[0].equals("DONE")) {
                    doneLine = true;
                } else {
                    other.add(line);
                }
            }
        }
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        int rc = p.exitValue();
        if (rc != 0 || !doneLine) {
            String why = rc > 128 ? " (signal " + (rc - 128) + ")" : "";
            List<String> tail = other.stream()
                    .filter(l -> !l.startsWith("#") && !l.trim().isEmpty())
                    .collect(Collectors.toList());
            tail = tail.subList(Math.max(0, tail.size() - 3), tail.size());
            String crash = other.stream()
                    .filter(l ->
                            l.contains("SIGSEGV") || l.contains("Problematic frame") || l.matches("#\\s+C\\s+\\[.*"))
                    .map(String::trim)
                    .collect(Collectors.joining("; "));
            String msg = "workload " + workload + ": exit code " + rc + why + (crash.isEmpty() ? "" : "; " + crash)
                    + (tail.isEmpty() ? "" : "; " + String.join(" | ", tail));
            problems.get(lib).add(msg);
            System.err.println("[bench] " + lib + " " + msg);
        }
    }

    // ---- figures ------------------------------------------------------------------------

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static String num(double v) {
        if (v >= 1e5) {
            return String.format(Locale.ROOT, "%.3gM", v / 1e6);
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    List<Double> vals(String lib, String key) {
        return results.get(lib).getOrDefault(key, Collections.emptyList());
    }

    String cell(String lib, String key) {
        List<Double> v = vals(lib, key);
        if (v.isEmpty()) {
            return null;
        }
        return num(median(v)) + " (" + num(Collections.min(v)) + "–" + num(Collections.max(v)) + ")";
    }

    Double med(String lib, String key) {
        List<Double> v = vals(lib, key);
        return v.isEmpty() ? null : median(v);
    }

    static String ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? "—" : String.format(Locale.ROOT, "%.2f", a / b);
    }

    /**
     * Peak RSS per workload: each child JVM runs one workload, so its VmHWM at
     * the end is that workload's peak (JVM, heap and Python together); the cell
     * is the highest over the rounds.
     */
    /** "lib 1-thread → 2-thread" throughputs of g or g' (RESULT key1, key2), for the footnotes. */
    String throughputs(String key) {
        List<String> th = new ArrayList<>();
        for (String lib : LIBS) {
            Double a = med(lib, key + "1"), b = med(lib, key + "2");
            if (a != null && b != null) {
                th.add(lib + " " + num(a) + " → " + num(b));
            }
        }
        return th.isEmpty() ? "—" : String.join(", ", th);
    }

    String peakTable() {
        StringBuilder t = new StringBuilder();
        t.append("Peak RSS per workload (MB): VmHWM of the JVM that ran it, highest over the rounds.\n\n");
        t.append("| workload | pybridge | Jep | pemja | jpy | pybridge/Jep | pybridge/pemja | pybridge/jpy |\n");
        t.append("|---|---|---|---|---|---|---|---|\n");
        for (String w : workloads) {
            Map<String, Double> m = peakByWorkload.get(w);
            if (m == null) {
                continue;
            }
            t.append("| ")
                    .append(
                            w.equals("a2")
                                    ? "a'"
                                    : w.equals("c2") ? "c'" : w.equals("f2") ? "f'" : w.equals("gw") ? "g'" : w)
                    .append(" | ");
            for (String lib : LIBS) {
                t.append(m.containsKey(lib) ? num(m.get(lib)) : "—").append(" | ");
            }
            Double pb = m.get("pybridge");
            t.append(ratio(pb, m.get("Jep")))
                    .append(" | ")
                    .append(ratio(pb, m.get("pemja")))
                    .append(" | ")
                    .append(ratio(pb, m.get("jpy")))
                    .append(" |\n");
        }
        return t.toString();
    }

    String table() {
        StringBuilder t = new StringBuilder();
        t.append("| workload | pybridge | Jep | pemja | jpy | pybridge/Jep | pybridge/pemja | pybridge/jpy | target"
                + " |\n");
        t.append("|---|---|---|---|---|---|---|---|---|\n");
        row(t, "a. f(i) → long, GIL per call (µs/call)", "a", "a", "a", "≤ 0.15 µs", 0.15, true);
        row(t, "a'. same, GIL held across the loop (µs/call) ¹", "a2", "a", "a", "≤ 0.10 µs", 0.10, true);
        row(t, "b. read the global int `x` → long (µs/read) ⁸", "b", "b", "b", "≤ 0.12 µs", 0.12, true);
        row(t, "c. list of 1000 dicts → List<Map> (ms)", "c", "c", "c", "≤ 0.3 ms", 0.3, true);
        row(t, "c'. build in Python + convert, withGilScope (ms)", "c2", "c2", "c2", "≤ 0.4 ms", 0.4, true);
        row(t, "d1. 1 MB Java String → `slen(s)` → long (ms/op) ⁹", "d1", "d1", "d1", "≤ 0.15 ms", 0.15, true);
        row(t, "d2. 1 MB Python str global → Java String (ms/op) ⁹", "d2", "d2", "d2", "≤ 0.3 ms", 0.3, true);
        row(t, "f. object() handle create + close (µs) ²", "f", "f", "f", "≤ 0.3 µs", 0.3, true);
        row(t, "f (like for like). Obj() create + close (µs)", "fo", "fo", "fo", "", 0, true);
        row(t, "f'. object() create, no close: GC path (µs) ²", "f2", "f2", "f2", "≤ 0.4 µs", 0.4, true);
        row(t, "f'. RSS after each measured iteration (MB)", "f2_rss", "f2_rss", "f2_rss", "flat", 0, true);
        row(
                t,
                "g. 2 Java threads calling f(i) (as a): 2-thread / 1-thread throughput (×, higher is better) ¹⁰",
                "g",
                "g",
                "g",
                "≥ 0.8×",
                0.8,
                false);
        row(
                t,
                "g'. same, with ~2 µs of Java work after each call (×, higher is better; 2 = perfect) ¹¹",
                "gw",
                "gw",
                "gw",
                "",
                0,
                false);
        row(t, "h. release 1M handles (handles/s, higher is better) ³", "h", "h", "h", "≥ 10M/s", 10e6, false);
        row(t, "n0. numpy's own `_arr.sum()` of 1M float64, timed in Python (ms) ⁴", "n0", "n0", "n0", "", 0, true);
        Double n0 = med("pybridge", "n0");
        row(
                t,
                "n1. direct ByteBuffer of 1M doubles → numpy, no copy; sum → double (ms) ⁵",
                "n1",
                "n1",
                "n1",
                n0 == null ? "≤ 1.1× n0" : String.format(Locale.ROOT, "≤ 1.1× n0 = %s ms", num(1.1 * n0)),
                n0 == null ? 0 : 1.1 * n0,
                true);
        row(t, "n2. double[1M] → numpy (a copy); sum → double (ms) ⁶", "n2", "n2", "n2", "≤ 0.5 ms", 0.5, true);
        row(
                t,
                "cb. Python → Java callback `cb(i)`, Function x -> x, in a Python loop (µs/callback) ⁷",
                "cb",
                "cb",
                "cb",
                "≤ 0.5 µs",
                0.5,
                true);
        row(t, "cb'. same, the library's other form (µs/callback) ⁷", "cb2", "cb2", "cb2", "", 0, true);
        row(
                t,
                "jm. Java method from Python: `lst.add(i)` on a java.util.ArrayList, in a Python loop (µs/call) ⁸",
                "jm",
                "jm",
                "jm",
                "≤ 1 µs",
                1.0,
                true);
        row(
                t,
                "pd. DataFrame 200k × 10 numeric → Java columns, one call (`toColumns()`) (ms)",
                "pd",
                "pd",
                "pd",
                med("pybridge", "pd_col") == null
                        ? "≤ per column"
                        : "≤ per column = " + num(med("pybridge", "pd_col")) + " ms",
                med("pybridge", "pd_col") == null ? 0 : med("pybridge", "pd_col"),
                true);
        row(
                t,
                "pd (per column). `df[c].to_numpy()` → NDArray, 10 calls (ms)",
                "pd_col",
                "pd_col",
                "pd_col",
                "",
                0,
                true);
        row(t, "pd (to_dict). `df.to_dict('list')` → Map of Lists (ms)", "pd_dict", "pd_dict", "pd_dict", "", 0, true);
        t.append("| peak RSS, max VmHWM over the library's JVMs (MB) | ");
        for (String lib : LIBS) {
            t.append(peak.containsKey(lib) ? num(peak.get(lib)) : "—").append(" | ");
        }
        Double pb = peak.get("pybridge");
        t.append(ratio(pb, peak.get("Jep")))
                .append(" | ")
                .append(ratio(pb, peak.get("pemja")))
                .append(" | ")
                .append(ratio(pb, peak.get("jpy")))
                .append(" |  |\n");
        return t.toString();
    }

    void row(
            StringBuilder t,
            String label,
            String pbKey,
            String jepKey,
            String pemjaKey,
            String target,
            double goal,
            boolean lowerIsBetter) {
        String[] keys = {pbKey, jepKey, pemjaKey, jepKey}; // jpy: as Jep (no GIL-held form either)
        if (!workloads.contains(workloadOf(pbKey))) {
            return;
        }
        t.append("| ").append(label).append(" | ");
        for (int i = 0; i < LIBS.length; i++) {
            String c = cell(LIBS[i], keys[i]);
            String mark = "";
            if (i > 0 && !keys[i].equals(pbKey) && c != null) {
                mark = " (a)";
            }
            t.append(c == null ? failed(LIBS[i], keys[i]) : c + mark).append(" | ");
        }
        Double p = med("pybridge", pbKey);
        t.append(ratio(p, med("Jep", jepKey)))
                .append(" | ")
                .append(ratio(p, med("pemja", pemjaKey)))
                .append(" | ")
                .append(ratio(p, med("jpy", jepKey)))
                .append(" | ");
        if (goal > 0 && p != null) {
            boolean met = lowerIsBetter ? p <= goal : p >= goal;
            t.append(target).append(met ? " ✓" : " ✗");
        } else if (pbKey.equals("f2_rss") && p != null) {
            List<Double> v = vals("pybridge", pbKey);
            double spread = Collections.max(v) - Collections.min(v);
            t.append(target).append(String.format(Locale.ROOT, " (spread %.0f MB)", spread));
        } else {
            t.append(target);
        }
        t.append(" |\n");
    }

    /** The workload (child JVM) that reports a RESULT key. */
    static String workloadOf(String key) {
        if (key.startsWith("pd")) {
            return "pd";
        }
        return key.equals("cb2") ? "cb" : key.replace("_rss", "");
    }

    String failed(String lib, String key) {
        String w = workloadOf(key);
        if (infos.get(lib).containsKey("unsupported_" + key)) {
            return "— (not supported)";
        }
        for (String p : problems.get(lib)) {
            if (p.startsWith("workload " + w + ":")) {
                return "crashed";
            }
        }
        return problems.get(lib).isEmpty() ? "—" : "n/a";
    }

    // ---- the report file -------------------------------------------------------------------

    String report(LocalDateTime start, String loadBefore, String loadAfter, String table) {
        StringBuilder r = new StringBuilder();
        r.append("# pybridge benchmarks, ")
                .append(start.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append("\n\n");
        r.append("Command: `./dev bench")
                .append(onlyArg.isEmpty() ? "" : " -Pbench.only=" + onlyArg)
                .append('`')
                .append(quick ? " (quick mode: 1/10 of the operations)" : "")
                .append(". ")
                .append(rounds)
                .append(" rounds; in each, every workload runs in a fresh JVM per")
                .append(" library, the libraries' order rotating. Cells: median (min–max) over all measured")
                .append(" iterations of all rounds. Ratios: pybridge median / peer median (below 1 = pybridge")
                .append(" faster, except h and g where above 1 = pybridge better).\n\n");
        r.append(table).append('\n');
        if (workloads.contains("a2")) {
            r.append("¹ Jep and pemja have no API to hold the GIL across calls; their cells (a) and the ratios")
                    .append(" compare pybridge's a' with their a.\n");
        }
        if (workloads.contains("f") || workloads.contains("f2") || workloads.contains("h")) {
            r.append("² pemja cannot return a plain `object()` (invoke gives null and leaves a SystemError")
                    .append(" pending), so pemja's f, f' and h create `Obj()` (`class Obj: __slots__ = ()`);")
                    .append(" the like-for-like row has all three on Obj().\n");
        }
        if (workloads.contains("h")) {
            r.append("³ pybridge: `ResourceScope.close()` over 1M handles made in the scope; Jep and pemja have")
                    .append(" no scopes: `close()` on each of 1M handles. Only the release is timed.\n");
        }
        if (workloads.contains("n0")) {
            r.append("⁴ The same Python for all three (`_arr = numpy.random.rand(1_000_000)`, then")
                    .append(" `_arr.sum()` in a Python loop timed with `time.perf_counter_ns`), run through each")
                    .append(" library's exec: it measures numpy, so the three should agree.\n");
        }
        if (workloads.contains("n1")) {
            r.append("⁵ pybridge: `Python.toNumpy(bb, \"float64\")`, `callAttrAs(Double.class, \"sum\")`, close;")
                    .append(" Jep: `new DirectNDArray<>(bb.asDoubleBuffer(), false, 1_000_000)` passed to")
                    .append(" `npsum(a): return float(a.sum())`; pemja has no zero-copy path.");
            List<String> n1n0 = new ArrayList<>();
            for (String lib : LIBS) {
                Double a = med(lib, "n1"), b = med(lib, "n0");
                if (a != null && b != null) {
                    n1n0.add(lib + " " + ratio(a, b));
                }
            }
            if (!n1n0.isEmpty()) {
                r.append(" n1/n0 (each library's own n0): ")
                        .append(String.join(", ", n1n0))
                        .append('.');
            }
            r.append('\n');
        }
        if (workloads.contains("n2")) {
            r.append("⁶ pybridge: `Python.toNumpy(double[])` (one copy into the array's memory), sum, close;")
                    .append(" Jep: `new NDArray<>(double[], 1_000_000)` passed to npsum; pemja: the double[]")
                    .append(" put into a native-order heap ByteBuffer, its byte[] passed to")
                    .append(" `npsum_bytes(b): return float(numpy.frombuffer(b, dtype='float64').sum())`.\n");
        }
        if (workloads.contains("jm")) {
            r.append("⁸ One call of `jmloop(lst, 100_000)` (`lst.add(i)` in a Python for loop) timed from Java;")
                    .append(" lst a new java.util.ArrayList handed to Python as a live Java object (pybridge:")
                    .append(" `Python.bridge(list)`; Jep: the ArrayList itself, a PyJObject). pemja: not measured.\n");
        }
        if (workloads.contains("cb")) {
            r.append("⁷ One call of `loop(cb, 100_000)` (`s += cb(i)` in a Python for loop) timed from Java,")
                    .append(" cb = the Java lambda `Function<Object, Object> x -> x`. Jep makes a PyJObject of a")
                    .append(" functional interface callable, so `cb(i)`; pemja's PyJObject is not callable, so")
                    .append(" `loop_apply` with `cb.apply(i)`. cb': ");
            List<String> other = new ArrayList<>();
            for (String lib : LIBS) {
                String w = infos.get(lib).get("cb2_what");
                if (w != null) {
                    other.add(lib + ": " + w);
                }
            }
            r.append(other.isEmpty() ? "none" : String.join("; ", other)).append(".\n");
        }
        if (workloads.contains("b")) {
            r.append("⁸ `x = 12345` set in setup; per read: pybridge `globals.getItem(\"x\", Long.class)` on")
                    .append(" `__main__`'s globals dict, fetched once (`Python.mainModule().getAttr(\"__dict__\")`),")
                    .append(" its fastest public way in a quick check; Jep")
                    .append(" `interp.getValue(\"x\", Long.class)`; pemja `interp.get(\"x\", Long.class)`.");
            String other = variantsOf("pybridge", "b_other_");
            if (!other.isEmpty()) {
                r.append(" pybridge's public ways, timed interleaved after b in its last b JVM (INFO;")
                        .append(" median of 7 iterations of 100,000 reads each): ")
                        .append(other)
                        .append('.');
            }
            r.append('\n');
        }
        if (workloads.contains("d1") || workloads.contains("d2")) {
            r.append("⁹ One string of 1,000,000 ASCII chars (char i = 32 + i % 95), built once on each side.")
                    .append(" d1, per op: the Java String passed to `def slen(s): return len(s)`, the result as a")
                    .append(" long (pybridge `slen.callAs(Long.class, s)` on a cached handle; Jep")
                    .append(" `slen.callAs(Long.class, s)`, a PyCallable fetched once; pemja `invoke(\"slen\", s)`).")
                    .append(" d2, per op: the global `big` (the same chars, built in Python) read as a")
                    .append(" java.lang.String (pybridge `globals.getItem(\"big\", String.class)` as in b; Jep")
                    .append(" `getValue(\"big\", String.class)`; pemja `get(\"big\", String.class)`), checked equal")
                    .append(" to the Java-built string before timing.");
            String other = variantsOf("pybridge", "d2_other_");
            if (!other.isEmpty()) {
                r.append(" pybridge's ways for d2, timed interleaved after d2 in its last d2 JVM (INFO; median")
                        .append(" of 7 iterations of 100 reads each): ")
                        .append(other)
                        .append('.');
            }
            r.append('\n');
        }
        if (workloads.contains("g")) {
            r.append("¹⁰ Higher is better (2 = perfect scaling, 1 = none). Two Java worker threads; each")
                    .append(" iteration times ")
                    .append(quick ? "20,000" : "200,000")
                    .append(" calls of f(i) → long on one worker alone (1-thread")
                    .append(" throughput), then as many calls on each worker at once, started together (2-thread")
                    .append(" throughput, wall time from the first start to the last end); the cell is their ratio,")
                    .append(" and the ratio columns compare the scaling ratios (pybridge's / the peer's; above 1 =")
                    .append(" pybridge scales better). pybridge: both threads share the handle f")
                    .append(" (`f.callAs(Long.class, i)`, the GIL taken per call); Jep: a SharedInterpreter per")
                    .append(" thread (Jep interpreters are thread-bound), each running the setup, `PyCallable.callAs`;")
                    .append(" pemja: a PythonInterpreter (MULTI_THREAD) per thread, each running the setup,")
                    .append(" `invoke(\"f\", i)`. Throughputs (medians, calls/s) 1 thread → 2 threads: ");
            r.append(throughputs("g")).append(".\n");
        }
        if (workloads.contains("gw")) {
            r.append("¹¹ As g, each call followed by Java work on the calling thread (a 64-bit LCG loop, no")
                    .append(" allocation; ")
                    .append(infos.get("pybridge").getOrDefault("gw_work", "?"))
                    .append(" in pybridge's JVM), ")
                    .append(quick ? "4,000" : "40,000")
                    .append(" calls per thread per iteration: the work runs in parallel, the calls cannot.")
                    .append(" It checks that pybridge's call gate (docs/decisions/call-gate.md), which makes threads"
                            + " wait")
                    .append(" for each other in g, does not make them wait when calls are spread out.")
                    .append(" Throughputs (medians, calls/s) 1 thread → 2 threads: ");
            r.append(throughputs("gw")).append(".\n");
        }
        r.append('\n');
        r.append("## Versions\n\n");
        r.append("- Python: ").append(first("python")).append('\n');
        r.append("- numpy: ")
                .append(pyFact(System.getProperty("bench.python"), "__import__('numpy').__version__"))
                .append(" (project .venv), ")
                .append(pyFact(peersVenv.resolve("bin/python").toString(), "__import__('numpy').__version__"))
                .append(" (peers venv)\n");
        r.append("- pybridge: ")
                .append(infos.get("pybridge").getOrDefault("version", "?"))
                .append(", git ")
                .append(gitRevAtStart)
                .append('\n');
        r.append("- Jep: ")
                .append(infos.get("Jep").getOrDefault("version", "not run"))
                .append(" (PyPI, with its own")
                .append(" jar; SharedInterpreter, PyCallable.callAs, getValue(name, List.class), PyObject.close)\n");
        r.append("- pemja: ")
                .append(infos.get("pemja").getOrDefault("version", "not run"))
                .append(" (PythonInterpreter MULTI_THREAD, invoke(name, ...), get(name, List.class),")
                .append(" PyObject.close); Maven Central's newest pemja jar is 0.6.0, PyPI's newest is 0.6.3\n");
        r.append("- jpy: ")
                .append(infos.get("jpy").getOrDefault("version", "not run"))
                .append(" (PyPI wheel, the same version's jar from Maven Central; PyModule.call(type, name, ...),")
                .append(" getAttribute(name, type), PyObject.close; Maven Central's newest jpy jar is 1.2.0, PyPI's")
                .append(" newest wheel 2.2.0 ships no jar, so 1.2.0 on both sides)\n");
        String detroit = System.getProperty("bench.detroitJar", "");
        r.append("- Detroit (OpenJDK's FFM CPython engine): not run: ")
                .append(
                        detroit.isEmpty()
                                ? "needs Python 3.14 + JDK 25 and a Detroit build; pass -Pbench.detroitJar=..."
                                : "given " + detroit + ", but the bench has no Detroit adapter yet (issue 29)")
                .append('\n');
        r.append("- Java: ")
                .append(System.getProperty("java.vm.name"))
                .append(' ')
                .append(System.getProperty("java.runtime.version"))
                .append(", every child JVM: -Xmx2g\n\n");
        r.append("## Machine\n\n");
        r.append("- nproc: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
        r.append("- CPU: ").append(cpuModel()).append('\n');
        r.append("- load average before: ")
                .append(loadBefore)
                .append(", after: ")
                .append(loadAfter)
                .append(" (the machine is shared: figures are noisy)\n\n");
        boolean any = false;
        for (String lib : LIBS) {
            for (String p : problems.get(lib)) {
                if (!any) {
                    r.append("## Problems\n\n");
                    any = true;
                }
                r.append("- ").append(lib).append(": ").append(p).append('\n');
            }
        }
        if (any) {
            r.append('\n');
        }
        r.append("## Counters\n\n");
        r.append("- pybridge stats after its last JVM: ")
                .append(infos.get("pybridge").getOrDefault("stats", "—"))
                .append('\n');
        return r.toString();
    }

    /** The INFO values of a library whose keys start with prefix, joined. */
    String variantsOf(String lib, String prefix) {
        List<String> v = new ArrayList<>();
        for (Map.Entry<String, String> e : infos.get(lib).entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                v.add(e.getValue());
            }
        }
        return String.join("; ", v);
    }

    String first(String key) {
        for (String lib : LIBS) {
            String v = infos.get(lib).get(key);
            if (v != null) {
                return v;
            }
        }
        return "?";
    }

    static String pyFact(String python, String expr) {
        return exec(python, "-c", "import sys; print(" + expr + ")");
    }

    String gitRev() {
        String rev = exec("git", "-C", root.toString(), "rev-parse", "--short", "HEAD");
        String dirty = exec("git", "-C", root.toString(), "status", "--porcelain", "--", "rust", "java", "Cargo.lock");
        return rev + (dirty.isEmpty() || dirty.equals("?") ? "" : " (with uncommitted changes)");
    }

    static String exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? out : "?";
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

    static String loadavg() {
        try {
            String[] p = new String(Files.readAllBytes(Paths.get("/proc/loadavg")), StandardCharsets.UTF_8).split(" ");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException e) {
            return "?";
        }
    }

    static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "?";
    }
}
