# Python library values with a Java counterpart (rust/src/values/ext.rs): datetime
# and Decimal <-> java.time and BigDecimal. Kinds: contract.rs `ext`.
import datetime as _dt
import decimal as _decimal
import sys as _sys

# The kinds (contract.rs `ext`), as the library hands them to every
# interpreter's pybridge module.
_KINDS = _sys.modules["pybridge"]._contract["ext"]
DATE = _KINDS["DATE"]
TIME = _KINDS["TIME"]
TIME_OFFSET = _KINDS["TIME_OFFSET"]
DATETIME = _KINDS["DATETIME"]
DATETIME_OFFSET = _KINDS["DATETIME_OFFSET"]
DATETIME_ZONED = _KINDS["DATETIME_ZONED"]
INSTANT = _KINDS["INSTANT"]
DURATION = _KINDS["DURATION"]
DECIMAL = _KINDS["DECIMAL"]
# Families only (never sent): numpy's datetime64 / timedelta64 scalars.
NP_DATETIME, NP_TIMEDELTA = 100, 101
_UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)


def classify(t):
    """The family of a type (its first kind), or 0: asked once per type."""
    if issubclass(t, _dt.datetime):
        return DATETIME
    if issubclass(t, _dt.date):
        return DATE
    if issubclass(t, _dt.time):
        return TIME
    if issubclass(t, _dt.timedelta):
        return DURATION
    if issubclass(t, _decimal.Decimal):
        return DECIMAL
    if t.__module__ == "numpy" and t.__name__ == "datetime64":
        return NP_DATETIME
    if t.__module__ == "numpy" and t.__name__ == "timedelta64":
        return NP_TIMEDELTA
    return 0


def _np_parts(family, o):
    # numpy's .item() of these is an int for ns units: convert by the unit instead.
    import numpy as np

    if np.isnat(o):
        return 0, None
    unit, _ = np.datetime_data(o.dtype)
    if unit in ("ps", "fs", "as"):
        raise ValueError(
            "a numpy %s of unit %r is finer than java.time holds: convert it with"
            " .astype('%s[ns]') first" % (type(o).__name__, unit, type(o).__name__)
        )
    if family == NP_TIMEDELTA:
        if unit in ("Y", "M"):
            raise ValueError("a numpy timedelta64 of unit %r has no fixed length, so no java.time.Duration" % unit)
        ns = int(o.astype("timedelta64[ns]").astype(np.int64))
        return DURATION, [ns // 1_000_000_000, ns % 1_000_000_000]
    d = o.astype("datetime64[us]").item()
    if not isinstance(d, _dt.datetime):
        raise ValueError("numpy %r is outside the years Python's datetime holds (1-9999)" % o)
    extra = int(o.astype(np.int64)) % 1000 if unit == "ns" else 0
    return DATETIME, [d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond * 1000 + extra]


def _zone(tz):
    # A named zone Java knows too: zoneinfo's key (pytz zones have .zone).
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    return key if isinstance(key, str) else None


def parts(family, o):
    """(kind, parts) of a value of a family; (0, None) for pandas' NaT."""
    if family >= NP_DATETIME:
        return _np_parts(family, o)
    if family == DATETIME:
        if o != o:  # pandas.NaT
            return 0, None
        ns = o.microsecond * 1000 + getattr(o, "nanosecond", 0)
        p = [o.year, o.month, o.day, o.hour, o.minute, o.second, ns]
        off = o.utcoffset()
        if off is None:
            return DATETIME, p
        p.append(off // _dt.timedelta(seconds=1))
        if off % _dt.timedelta(seconds=1):
            raise ValueError(
                "a UTC offset of %r has a fraction of a second, which java.time.ZoneOffset cannot hold" % off
            )
        zone = _zone(o.tzinfo)
        if zone is not None:
            p.append(zone)
            return DATETIME_ZONED, p
        return DATETIME_OFFSET, p
    if family == DATE:
        return DATE, [o.year, o.month, o.day]
    if family == TIME:
        p = [o.hour, o.minute, o.second, o.microsecond * 1000]
        off = o.utcoffset()
        if off is None:
            return TIME, p
        p.append(off // _dt.timedelta(seconds=1))
        return TIME_OFFSET, p
    if family == DURATION:
        if o != o:  # pandas.NaT as a Timedelta
            return 0, None
        ns = getattr(o, "nanoseconds", 0)
        return DURATION, [o.days * 86400 + o.seconds, o.microseconds * 1000 + ns]
    if family == DECIMAL:
        if not o.is_finite():
            raise ValueError(
                "Decimal(%r) has no java.math.BigDecimal counterpart (BigDecimal holds finite numbers"
                " only): test d.is_finite() first, or convert it to float" % str(o)
            )
        return DECIMAL, [str(o)]
    return 0, None


def _tz(offset, zone=None):
    if zone is not None:
        try:
            import zoneinfo

            return zoneinfo.ZoneInfo(zone)
        except Exception:
            pass
    return _UTC if offset == 0 else _dt.timezone(_dt.timedelta(seconds=offset))


def build(kind, p):
    """A Python value from a Java one's parts."""
    if kind == DATE:
        return _dt.date(*p)
    if kind == TIME:
        return _dt.time(p[0], p[1], p[2], p[3] // 1000)
    if kind == TIME_OFFSET:
        return _dt.time(p[0], p[1], p[2], p[3] // 1000, tzinfo=_tz(p[4]))
    if kind == DATETIME:
        return _dt.datetime(*p[:6], p[6] // 1000)
    if kind == DATETIME_OFFSET:
        return _dt.datetime(*p[:6], p[6] // 1000, tzinfo=_tz(p[7]))
    if kind == DATETIME_ZONED:
        d = _dt.datetime(*p[:6], p[6] // 1000, tzinfo=_tz(p[7], p[8]))
        if d.utcoffset() != _dt.timedelta(seconds=p[7]):
            # The zone's rules disagree (a gap or an overlap): keep the instant.
            d = d.replace(fold=1)
            if d.utcoffset() != _dt.timedelta(seconds=p[7]):
                d = _dt.datetime(*p[:6], p[6] // 1000, tzinfo=_tz(p[7]))
        return d
    if kind == INSTANT:
        return _EPOCH + _dt.timedelta(seconds=p[0], microseconds=p[1] // 1000)
    if kind == DURATION:
        return _dt.timedelta(seconds=p[0], microseconds=p[1] // 1000)
    if kind == DECIMAL:
        return _decimal.Decimal(p[0])
    raise ValueError("unknown kind %r" % kind)
