# Python code for pybridge's Clojure tests (clojure/test): context managers,
# functions with every kind of parameter, iteration helpers.


class Recorder:
    """A context manager that records its calls in `log` (a list) and
    suppresses the exception it is given when `suppress` is true."""

    def __init__(self, suppress, log):
        self.suppress = suppress
        self.log = log

    def __enter__(self):
        self.log.append("enter")
        return self

    def ok(self):
        return 1

    def fail(self):
        raise ValueError("no", "good")

    def __exit__(self, exc_type, exc, tb):
        self.log.append("exit %s %s" % (exc_type.__name__ if exc_type else None, exc))
        self.last = (exc_type, exc, tb)
        return self.suppress


class Opener:
    """A context manager whose __enter__ returns another object."""

    def __init__(self, text):
        self.text = text
        self.closed = False

    def __enter__(self):
        import io

        return io.StringIO(self.text)

    def __exit__(self, *exc):
        self.closed = True
        return False


def collect(iterable):
    return [x for x in iterable]


def signature(a, b, c=5, *args, d=10, **kwargs):
    return {"a": a, "b": b, "c": c, "args": args, "d": d, "kwargs": kwargs}


def twice(xs):
    for x in xs:
        yield x
    for x in xs:
        yield x
