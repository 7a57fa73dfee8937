package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.Assume;
import org.junit.Test;

/**
 * pybridge as a library: a tiny Maven project that depends on
 * {@code org.pybridge:pybridge} builds with {@code mvn} against a local
 * repository holding what {@code gradle installLocal} installs (seeded from
 * the build's publication, build/maven-repo), and its Main starts Python and
 * evaluates an expression. Also checks what the artifact carries: POM
 * metadata, sources and javadoc jars, META-INF/LICENSE, the manifest.
 * Maven downloads its own plugins from Maven Central the first time
 * (kept in build/maven-consumer/m2 for later runs).
 */
public class MavenConsumerE2ETest {
    private static final String POM = String.join(
            "\n",
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">",
            "  <modelVersion>4.0.0</modelVersion>",
            "  <groupId>example</groupId>",
            "  <artifactId>consumer</artifactId>",
            "  <version>1</version>",
            "  <properties>",
            "    <maven.compiler.release>17</maven.compiler.release>",
            "    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>",
            "  </properties>",
            "  <dependencies>",
            "    <dependency>",
            "      <groupId>org.pybridge</groupId>",
            "      <artifactId>pybridge</artifactId>",
            "      <version>@VERSION@</version>",
            "    </dependency>",
            "  </dependencies>",
            "  <build>",
            "    <plugins>",
            "      <plugin>",
            "        <groupId>org.apache.maven.plugins</groupId>",
            "        <artifactId>maven-compiler-plugin</artifactId>",
            "        <version>3.13.0</version>",
            "      </plugin>",
            "      <plugin>",
            "        <groupId>org.apache.maven.plugins</groupId>",
            "        <artifactId>maven-dependency-plugin</artifactId>",
            "        <version>3.8.1</version>",
            "      </plugin>",
            "    </plugins>",
            "  </build>",
            "</project>",
            "");

    private static final String MAIN = String.join(
            "\n",
            "import org.pybridge.Python;",
            "public class Main {",
            "    public static void main(String[] args) {",
            "        System.out.println(\"python \" + Python.initialize().version());",
            "        System.out.println(\"sum \" + Python.eval(\"sum(x * x for x in range(10))\", Long.class));",
            "        Python.exec(\"print('printed by Python')\");",
            "    }",
            "}",
            "");

    private static Path repo() {
        String r = System.getProperty("pybridge.test.mavenRepo");
        Assume.assumeTrue(
                "pybridge.test.mavenRepo is not set: run through gradle e2eTest (./dev test)",
                r != null && Files.isDirectory(Paths.get(r)));
        return Paths.get(r);
    }

    private static String version() {
        return System.getProperty("pybridge.test.version", "0.1.0");
    }

    private static String run(Path dir, long seconds, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        String py = ChildJvm.python();
        if (py != null) {
            pb.environment().put("PYBRIDGE_PYTHON", py);
        }
        Path log = Files.createTempFile("pybridge-mvn", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        assertTrue(String.join(" ", cmd) + (done ? " failed" : " timed out") + ":\n" + out, done && p.exitValue() == 0);
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    public void aMavenProjectDependsOnPybridgeAndRunsPython() throws Exception {
        Path published = repo().resolve("org/pybridge/pybridge/" + version());
        String mvn = findMvn();
        Assume.assumeTrue("mvn is not on PATH (./dev setup installs Debian's maven)", mvn != null);
        Path root = Paths.get(System.getProperty("pybridge.project.dir", ".")).resolve("build/maven-consumer");
        Path m2 = root.resolve("m2");
        Path project = root.resolve("project");
        // The local repository as `gradle installLocal` leaves it (plugins stay cached).
        copyTree(repo(), m2);
        deleteTree(project);
        Files.createDirectories(project.resolve("src/main/java"));
        Files.write(
                project.resolve("pom.xml"), POM.replace("@VERSION@", version()).getBytes(StandardCharsets.UTF_8));
        Files.write(project.resolve("src/main/java/Main.java"), MAIN.getBytes(StandardCharsets.UTF_8));
        List<String> cmd = new ArrayList<>(List.of(
                mvn,
                "-q",
                "-B",
                "-Dmaven.repo.local=" + m2,
                "package",
                "dependency:build-classpath",
                "-Dmdep.outputFile=cp.txt"));
        run(project, 900, cmd);
        String cp = new String(Files.readAllBytes(project.resolve("cp.txt")), StandardCharsets.UTF_8).trim();
        assertTrue(cp, cp.contains("org/pybridge/pybridge/" + version() + "/pybridge-" + version() + ".jar"));
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        String out = run(
                project,
                180,
                List.of(java, "-cp", project.resolve("target/classes") + File.pathSeparator + cp, "Main"));
        assertTrue(out, out.matches("(?s)python 3\\.\\d+.*"));
        assertTrue(out, out.contains("sum 285\n"));
        assertTrue(out, out.contains("printed by Python\n"));
        // what the artifact carries
        String pom = new String(
                Files.readAllBytes(published.resolve("pybridge-" + version() + ".pom")), StandardCharsets.UTF_8);
        for (String tag : new String[] {
            "<name>pybridge</name>", "<description>", "<name>Apache-2.0</name>", "<scm>", "<developers>"
        }) {
            assertTrue(tag + " in\n" + pom, pom.contains(tag));
        }
        for (String classifier : new String[] {"", "-sources", "-javadoc"}) {
            Path jar = published.resolve("pybridge-" + version() + classifier + ".jar");
            try (JarFile j = new JarFile(jar.toFile())) {
                assertTrue(jar + " has META-INF/LICENSE", j.getEntry("META-INF/LICENSE") != null);
                String license = new String(
                        j.getInputStream(j.getEntry("META-INF/LICENSE")).readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(license.contains("Apache License") && license.contains("Version 2.0"));
                if (classifier.isEmpty()) {
                    Manifest m = j.getManifest();
                    assertEquals("org.pybridge", m.getMainAttributes().getValue("Automatic-Module-Name"));
                    assertEquals("ALL-UNNAMED", m.getMainAttributes().getValue("Enable-Native-Access"));
                } else if (classifier.equals("-sources")) {
                    assertTrue(j.getEntry("org/pybridge/Python.java") != null);
                } else {
                    assertTrue(j.getEntry("org/pybridge/Python.html") != null);
                    assertTrue(j.getEntry("org/pybridge/package-summary.html") != null);
                }
            }
        }
    }

    private static String findMvn() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Paths.get(dir, "mvn");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
