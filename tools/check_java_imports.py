"""Import checks for the Java sources (run by ./dev test; --fix by ./dev fmt).

Two rules, each reported as FILE:LINE: message, exit status 1 when any holds:

- **unused import**: a single-type import (`import a.b.C;`) or static import
  (`import static a.b.C.m;`) whose name appears nowhere in the code or in a
  javadoc reference (`{@link C}`, `@see C`, `@throws C`...).
- **qualified name that could be imported**: a fully qualified `java.*` or
  `javax.*` type name in code (`java.util.List<String> xs`,
  `new java.io.File(p)`) where importing it is possible, that is where its
  simple name does not clash with a type of the file, of its package, of
  another import or of another qualified name in the file, nor with a
  `java.lang` type. Comments and string literals are not code.

`--fix` rewrites the files: it removes unused imports, and replaces each
qualified name that could be imported by its simple name, adding the import
(none for `java.lang`). The formatter (palantir-java-format, run by ./dev fmt
after this) then sorts the imports.

Usage: python3 tools/check_java_imports.py [--fix] PATH... (files or directories)
"""

import os
import re
import sys

# java.lang's top-level types (JDK 17, `jimage list`, and the ones JDK 21-25 added): a type
# of another package with one of these names is not imported, since the import would
# hide the java.lang type from the whole file.
JAVA_LANG = set(
    """
    AbstractMethodError AbstractStringBuilder Appendable ApplicationShutdownHooks ArithmeticException
    ArrayIndexOutOfBoundsException ArrayStoreException AssertionError AutoCloseable Boolean
    BootstrapMethodError Byte CharSequence Character Class ClassCastException ClassCircularityError
    ClassFormatError ClassLoader ClassNotFoundException ClassValue CloneNotSupportedException Cloneable
    Comparable Compiler Deprecated Double Enum EnumConstantNotPresentException Error Exception
    ExceptionInInitializerError Float FunctionalInterface IllegalAccessError IllegalAccessException
    IllegalArgumentException IllegalCallerException IllegalMonitorStateException IllegalStateException
    IllegalThreadStateException IncompatibleClassChangeError IndexOutOfBoundsException
    InheritableThreadLocal InstantiationError InstantiationException Integer InternalError
    InterruptedException Iterable LayerInstantiationException LinkageError Long Math Module ModuleLayer
    NegativeArraySizeException NoClassDefFoundError NoSuchFieldError NoSuchFieldException
    NoSuchMethodError NoSuchMethodException NullPointerException Number NumberFormatException Object
    OutOfMemoryError Override Package Process ProcessBuilder ProcessHandle Readable Record
    ReflectiveOperationException Runnable Runtime RuntimeException RuntimePermission SafeVarargs
    SecurityException SecurityManager Short StackOverflowError StackTraceElement StackWalker StrictMath
    String StringBuffer StringBuilder StringIndexOutOfBoundsException SuppressWarnings System Thread
    ThreadDeath ThreadGroup ThreadLocal Throwable TypeNotPresentException UnknownError
    UnsatisfiedLinkError UnsupportedClassVersionError UnsupportedOperationException VerifyError
    VirtualMachineError Void MatchException WrongThreadException ScopedValue StableValue IO
    """.split()
)

IMPORT_RE = re.compile(r"^\s*import\s+(static\s+)?([\w.]+)(\.\*)?\s*;", re.M)
PACKAGE_RE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
# A qualified java.*/javax.* type: lower-case package segments, then one or more
# capitalised names (a nested type keeps its outer type: java.util.Map.Entry).
QUALIFIED_RE = re.compile(r"(?<![\w.])((?:java|javax)(?:\.[a-z_][a-z0-9_]*)+)\.([A-Z]\w*)((?:\.[A-Z]\w*)*)")
TYPE_DECL_RE = re.compile(r"\b(?:class|interface|enum|record|@interface)\s+([A-Z]\w*)")
TYPE_PARAM_RE = re.compile(r"<\s*([A-Z]\w*)\s*(?:extends\b|,|>)")
JAVADOC_REF_RE = re.compile(r"(?:\{@(?:link|linkplain|value)\s+|@(?:see|throws|exception)\s+)([A-Za-z_][\w.]*)")
IDENT_RE = re.compile(r"[A-Za-z_$][\w$]*")


def split_code(src):
    """(code, javadoc): src with comments and literals blanked out, and the text of its
    javadoc comments. Blanking keeps every offset and newline, so lines stay lines."""
    code = list(src)
    javadoc = []
    i, n = 0, len(src)

    def blank(a, b):
        for k in range(a, b):
            if code[k] != "\n":
                code[k] = " "

    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            if src.startswith("/**", i):
                javadoc.append(src[i:j])
            blank(i, j)
            i = j
        elif src.startswith('"""', i):
            j = i + 3
            while j < n and not src.startswith('"""', j):
                j += 2 if src[j] == "\\" else 1
            j = min(n, j + 3)
            blank(i + 1, j - 1)
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            j = min(n, j + 1)
            blank(i + 1, j - 1)
            i = j
        else:
            i += 1
    return "".join(code), "\n".join(javadoc)


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def package_types(paths):
    """package -> the simple names of the types its .java files declare (file names)."""
    types = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            m = PACKAGE_RE.search(f.read())
        pkg = m.group(1) if m else ""
        types.setdefault(pkg, set()).add(os.path.splitext(os.path.basename(path))[0])
    return types


def check_file(path, types_by_package):
    """([(line, message)], fixed source or None when nothing can be fixed)."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    code, javadoc = split_code(src)
    pkg_m = PACKAGE_RE.search(code)
    pkg = pkg_m.group(1) if pkg_m else ""
    imports = [(m, bool(m.group(1)), m.group(2), bool(m.group(3))) for m in IMPORT_RE.finditer(code)]
    header_end = max([m.end() for m, *_ in imports] + [pkg_m.end() if pkg_m else 0])
    body = code[header_end:]
    used = set(IDENT_RE.findall(body))
    used_in_doc = {ref.split(".")[0].split("#")[0] for ref in JAVADOC_REF_RE.findall(javadoc)}
    problems = []
    remove = []  # (start, end) of import statements to delete
    imported = {}  # simple name -> the package (or type) it is imported from
    for m, static, name, wildcard in imports:
        if wildcard:
            continue
        simple = name.rsplit(".", 1)[-1]
        if not static:
            imported[simple] = name.rsplit(".", 1)[0]
        if simple not in used and (static or simple not in used_in_doc):
            problems.append((line_of(code, m.start()), f"unused import {name}"))
            end = m.end() + 1 if src[m.end() : m.end() + 1] == "\n" else m.end()
            remove.append((m.start(), end))

    # Names a qualified type may not take: the file's own types and type parameters, its
    # package's types, other imports, java.lang's types.
    taken = set(TYPE_DECL_RE.findall(body)) | set(TYPE_PARAM_RE.findall(body))
    taken |= types_by_package.get(pkg, set())
    qualified = [(m.start(), m.end(), m.group(1), m.group(2), m.group(3)) for m in QUALIFIED_RE.finditer(body)]
    packages_of = {}
    for _, _, qpkg, simple, _ in qualified:
        packages_of.setdefault(simple, set()).add(qpkg)
    replace = []  # (start, end, text) in src
    new_imports = set()
    for start, end, qpkg, simple, nested in qualified:
        reason = None
        if len(packages_of[simple]) > 1:
            reason = "two packages"
        elif simple in imported and imported[simple] != qpkg:
            reason = "imported"
        elif qpkg != "java.lang" and (simple in JAVA_LANG or simple in taken):
            reason = "taken"
        elif qpkg == "java.lang" and simple in taken:
            reason = "taken"
        if reason:
            continue
        full = f"{qpkg}.{simple}{nested}"
        advice = f"write {simple}{nested}" if qpkg == "java.lang" else f"import {qpkg}.{simple}"
        problems.append((line_of(code, header_end + start), f"qualified name {full}: {advice}"))
        replace.append((header_end + start, header_end + end, simple + nested))
        if qpkg != "java.lang" and imported.get(simple) != qpkg:
            new_imports.add(f"{qpkg}.{simple}")
    if not problems:
        return problems, None
    edits = [(a, b, "") for a, b in remove] + replace
    out = src
    for a, b, text in sorted(edits, reverse=True):
        out = out[:a] + text + out[b:]
    if new_imports:
        lines = "".join(f"import {name};\n" for name in sorted(new_imports))
        last = list(IMPORT_RE.finditer(split_code(out)[0]))
        if last:
            at = out.find("\n", last[-1].end()) + 1
        else:
            pm = PACKAGE_RE.search(split_code(out)[0])
            at = out.find("\n", pm.end()) + 1 if pm else 0
            lines = "\n" + lines if pm else lines + "\n"
        out = out[:at] + lines + out[at:]
    return problems, out


def java_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in ("build", "target", "node_modules", ".gradle"))
                for name in sorted(files):
                    if name.endswith(".java"):
                        yield os.path.join(root, name)
        elif p.endswith(".java"):
            yield p


def main(argv):
    fix = "--fix" in argv
    paths = list(java_files([a for a in argv if a != "--fix"]))
    if not paths:
        print("check_java_imports: no .java files given", file=sys.stderr)
        return 2
    types = package_types(paths)
    count = 0
    fixed = 0
    for path in paths:
        problems, out = check_file(path, types)
        if fix and out is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(out)
            fixed += 1
        elif not fix:
            for line, msg in problems:
                print(f"{path}:{line}: {msg}")
        count += len(problems)
    if fix:
        print(f"check_java_imports: fixed {count} problem(s) in {fixed} file(s) of {len(paths)}")
        return 0
    if count:
        print(f"check_java_imports: {count} problem(s) in {len(paths)} files (./dev fmt fixes them)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
