"""Prints a directory where the linker finds the shared libpython of the Python running this.

    python tools/libpython_dir.py LINKDIR

sysconfig's LIBDIR when the library the linker asks for (LDLIBRARY, libpython3.Y.so) is
there. Otherwise the libpython is looked for in the installation's lib, lib64 and top
directories, as PythonLocator looks for it (a relocated build, such as JavaCPP's CPython
3.14, reports the directory it was built in as LIBDIR, and ships only the versioned
libpython3.Y.so.1.0): LINKDIR then gets a link LDLIBRARY -> that file and is printed.
build.gradle gives the answer to cargo (PYBRIDGE_LIBPYTHON_DIR, rust/build.rs). Exits 1
with a message when there is no shared libpython.
"""

import os
import sys
import sysconfig


def main(linkdir):
    cv = sysconfig.get_config_var
    ldlibrary = cv("LDLIBRARY") or ""
    names = [n for n in (ldlibrary, cv("INSTSONAME")) if n]
    libdir = cv("LIBDIR") or ""
    if libdir and ldlibrary and os.path.isfile(os.path.join(libdir, ldlibrary)):
        print(os.path.normpath(libdir))
        return 0
    base = os.path.realpath(sys.base_prefix)
    dirs = [libdir] + [os.path.join(base, d) for d in ("lib", "lib64", "")]
    for d in dirs:
        for n in names:
            found = os.path.join(d, n)
            if d and os.path.isfile(found):
                if n == ldlibrary:
                    print(os.path.normpath(d))
                    return 0
                os.makedirs(linkdir, exist_ok=True)
                link = os.path.join(linkdir, ldlibrary)
                if os.path.lexists(link):
                    os.remove(link)
                os.symlink(os.path.realpath(found), link)
                print(os.path.normpath(linkdir))
                return 0
    sys.stderr.write("no shared libpython (%s) in %s\n" % (", ".join(names) or "none named", ", ".join(dirs)))
    return 1


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/pyo3-link")))
