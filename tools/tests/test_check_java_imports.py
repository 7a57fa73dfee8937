"""tools/check_java_imports.py on a fixture (tools/tests/java_imports): what it reports,
what --fix writes, and that the fixed source is clean and compiles. Run by ./dev test:
python3 -m unittest discover -s tools/tests"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "check_java_imports.py")
FIXTURE = os.path.join(HERE, "java_imports")


def run(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True)


class CheckJavaImportsTest(unittest.TestCase):
    def test_reports_unused_imports_and_importable_qualified_names(self):
        r = run(FIXTURE)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        found = [line.split(": ", 1)[1] for line in r.stdout.splitlines() if line.startswith(FIXTURE)]
        self.assertEqual(
            found,
            [
                "unused import java.util.Objects.hash",
                "qualified name java.util.ArrayList: import java.util.ArrayList",
                "qualified name java.lang.Runnable: write Runnable",
                "qualified name java.lang.reflect.Method: import java.lang.reflect.Method",
                "qualified name java.util.Map.Entry: import java.util.Map",
                "qualified name java.util.concurrent.Callable: import java.util.concurrent.Callable",
                "qualified name java.math.BigInteger: import java.math.BigInteger",
            ],
        )
        # Left alone: names in comments, strings and text blocks; java.util.Date beside
        # java.sql.Date; java.awt.List beside the imported java.util.List; java.nio.file.Path
        # beside the package's own Path; Set, used only in javadoc.
        for kept in ("HashMap", "TreeMap", "HashSet", "LinkedList", "Date", "awt", "Path", "Set"):
            self.assertNotIn(kept, "\n".join(found))

    def test_fix_writes_the_expected_source_which_is_clean_and_compiles(self):
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "java_imports")
            shutil.copytree(FIXTURE, tree, ignore=shutil.ignore_patterns("*.fixed"))
            r = run("--fix", tree)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            with open(os.path.join(tree, "demo", "Sample.java"), encoding="utf-8") as f:
                fixed = f.read()
            with open(os.path.join(FIXTURE, "demo", "Sample.java.fixed"), encoding="utf-8") as f:
                self.assertEqual(fixed, f.read())
            self.assertEqual(run(tree).returncode, 0)
            javac = shutil.which("javac")
            if javac is None:
                self.fail("javac is needed to check that the fixed source compiles")
            out = os.path.join(tmp, "classes")
            sources = [os.path.join(tree, "demo", n) for n in ("Sample.java", "Path.java")]
            c = subprocess.run([javac, "-d", out, *sources], capture_output=True, text=True)
            self.assertEqual(c.returncode, 0, c.stderr)


if __name__ == "__main__":
    unittest.main()
