"""The Python side of pybridge's JSR-223 script engine (org.pybridge.PyScriptEngine).

Loaded once per interpreter by org.pybridge.PyResources as `pybridge.jsr223`.
Each entry point is one call from Java: compiling, running a script with the
ScriptContext's writers as sys.stdout/sys.stderr, calling a function by name.
"""

import ast
import builtins
import io
import sys
import threading


class NoSuchFunction(LookupError):
    """invokeFunction/getInterface named something that is not a function of the script."""


def new_globals():
    """A fresh namespace for one ScriptContext's engine scope (runs as __main__)."""
    return {"__builtins__": builtins, "__name__": "__main__"}


def compile_script(source, filename):
    """(statements, final_expression_or_None): a script whose last statement is an
    expression evaluates to that expression's value, as a REPL shows it."""
    tree = ast.parse(source, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, "exec")
    expr = compile(last, filename, "eval") if last is not None else None
    return (body, expr)


def _run(compiled, g):
    body, expr = compiled
    exec(body, g)
    return eval(expr, g) if expr is not None else None


# ---- sys.stdout / sys.stderr per thread ---------------------------------------------
# While a thread runs a script, what it prints goes to its ScriptContext's writers
# (Java functions taking a str); other threads keep the streams they had.

_local = threading.local()


class _Routed(io.TextIOBase):
    """Stands in for sys.stdout or sys.stderr: a thread running a script writes
    to its context's writer, any other thread to the stream this replaced."""

    def __init__(self, index, previous):
        super().__init__()
        self._index = index
        self.previous = previous

    def _target(self):
        stack = getattr(_local, "stack", None)
        return stack[-1][self._index] if stack else None

    def writable(self):
        return True

    def write(self, s):
        w = self._target()
        if w is None:
            if self.previous is None:
                return len(s)
            return self.previous.write(s)
        w(str(s))
        return len(s)

    def flush(self):
        if self._target() is None and self.previous is not None:
            self.previous.flush()

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"

    def fileno(self):
        if self.previous is None:
            raise io.UnsupportedOperation("fileno")
        return self.previous.fileno()


def _install():
    if not isinstance(sys.stdout, _Routed):
        sys.stdout = _Routed(0, sys.stdout)
    if not isinstance(sys.stderr, _Routed):
        sys.stderr = _Routed(1, sys.stderr)


def run(compiled, g, out, err):
    """Runs compiled (from compile_script) in g; out/err (callables taking a str,
    or None to keep the current stream) are this thread's stdout/stderr meanwhile."""
    if out is None and err is None:
        return _run(compiled, g)
    _install()
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append((out, err))
    try:
        return _run(compiled, g)
    finally:
        stack.pop()


def eval_source(source, filename, g, out, err):
    """compile_script and run in one call."""
    return run(compile_script(source, filename), g, out, err)


def invoke(g, name, *args):
    """Calls the function `name` of namespace g (Invocable.invokeFunction)."""
    f = g.get(name)
    if f is None or not callable(f):
        raise NoSuchFunction("the script defines no function %r" % name)
    return f(*args)


def invoke_method(obj, name, *args):
    """Calls obj.name(*args) (Invocable.invokeMethod)."""
    f = getattr(obj, name, None)
    if f is None or not callable(f):
        raise NoSuchFunction("%s has no method %r" % (type(obj).__qualname__, name))
    return f(*args)


def defines_all(obj_or_globals, names, is_globals):
    """Whether every name is a callable of the namespace (or attribute of obj)."""
    for n in names:
        f = obj_or_globals.get(n) if is_globals else getattr(obj_or_globals, n, None)
        if f is None or not callable(f):
            return False
    return True


class Functions:
    """The functions of a namespace as attributes (Invocable.getInterface): looked
    up at each call, so a script that redefines one is seen."""

    __slots__ = ("_g",)

    def __init__(self, g):
        self._g = g

    def __getattr__(self, name):
        try:
            return self._g[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self):
        return "<functions of a pybridge script namespace>"


def user_names(g):
    """The names a script defined (for copying back into Bindings pybridge did not make)."""
    return [k for k in g if isinstance(k, str) and not k.startswith("__")]
