"""Puts the trees of pybridge's packages jars on sys.path, ahead of site-packages.

pybridge extracts each packages jar on the class path into its cache and
calls add() with those directories once Python runs. site.addsitedir adds
each and processes its .pth files (namespace packages, distutils shims);
the entries it added are then moved in front of the first site-packages
directory, so the jar's packages win over whatever the Python has installed
while the standard library still comes first.
"""

import os
import site
import sys


def _is_site_dir(entry):
    return os.path.basename(entry.rstrip(os.sep)) in ("site-packages", "dist-packages")


def add(dirs):
    """Adds the directories `dirs` (in order) ahead of site-packages."""
    before = set(sys.path)
    for d in dirs:
        site.addsitedir(d)
    new = [p for p in sys.path if p not in before]
    old = [p for p in sys.path if p in before]
    at = next((i for i, p in enumerate(old) if _is_site_dir(p)), len(old))
    sys.path[:] = old[:at] + new + old[at:]
