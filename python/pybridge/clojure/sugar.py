# Python generator functions as Clojure transducers (pybridge.sugar/pyxfn).


class Feed:
    """The input a generator function reads from: the JVM appends one item,
    then takes one item from the generator."""

    __slots__ = ("_items",)

    def __init__(self):
        import collections

        self._items = collections.deque()

    def __iter__(self):
        return self

    def __next__(self):
        if not self._items:
            raise RuntimeError(
                "pyxfn: the generator asked for more input than it was given; it must yield one item per item it reads"
            )
        return self._items.popleft()

    def append(self, x):
        self._items.append(x)


def start(g, args, kwargs):
    """(feed, generator): g called with the feed, then args and kwargs."""
    feed = Feed()
    return feed, g(feed, *args, **kwargs)


def step(feed, gen, x):
    feed.append(x)
    return next(gen)
