package org.pybridge;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * java.time values and {@code BigDecimal} as Python's {@code datetime} and
 * {@code decimal} values, both ways ({@code Contract.Tag.EXT}: a kind and a
 * list of parts; the Python half is {@code python/pybridge/runtime/ext.py}):
 *
 * <ul>
 *   <li>{@code LocalDate} ↔ {@code date}; {@code LocalTime} ↔ naive
 *       {@code time}; {@code OffsetTime} ↔ aware {@code time};
 *   <li>{@code LocalDateTime} ↔ naive {@code datetime};
 *       {@code OffsetDateTime} ↔ aware {@code datetime} (a fixed offset);
 *       {@code ZonedDateTime} ↔ {@code datetime} whose tzinfo is a
 *       {@code zoneinfo.ZoneInfo} (a region zone id), a {@code ZoneOffset}
 *       zone as a fixed offset;
 *   <li>{@code Instant} → aware {@code datetime} in UTC, which comes back
 *       as an {@code OffsetDateTime} at {@code Z} ({@code callAs(Instant.class)}
 *       gives the Instant);
 *   <li>{@code Duration} ↔ {@code timedelta};
 *   <li>JDBC's {@code java.sql.Date}, {@code Time} and
 *       {@code Timestamp} → {@code date}, naive {@code time} and naive
 *       {@code datetime} (their wall-clock values), and back when asked
 *       for ({@code callAs(Timestamp.class)}); a plain {@code java.util.Date}
 *       stays an opaque Java object (it always did), and
 *       {@code callAs(Date.class)} of an aware datetime gives one;
 *   <li>{@code BigDecimal} ↔ {@code Decimal}, exactly (the text of one is
 *       the other's); a NaN or infinite Decimal is an error.
 * </ul>
 *
 * Python's values hold microseconds: a Java value with a finer part is an
 * {@link IllegalArgumentException} (nothing is rounded silently). pandas'
 * {@code Timestamp}/{@code Timedelta} keep their nanoseconds on the way to
 * Java; {@code NaT} is null.
 */
final class ExtValues {
    private ExtValues() {}

    /** Whether values of this class cross as {@code EXT} (when no user converter takes them). */
    static boolean handles(Class<?> c) {
        return c == LocalDate.class
                || c == LocalTime.class
                || c == OffsetTime.class
                || c == LocalDateTime.class
                || c == OffsetDateTime.class
                || c == ZonedDateTime.class
                || c == Instant.class
                || c == Duration.class
                || c == BigDecimal.class
                || SqlTimes.isSqlTime(c);
    }

    /** The kind and parts of a value of a class {@link #handles} takes. */
    static void write(Buf b, Object v, int depth) {
        if (SqlTimes.isSqlTime(v.getClass())) {
            v = SqlTimes.toJavaTime(v);
        }
        byte kind;
        List<Object> parts;
        if (v instanceof LocalDate) {
            LocalDate d = (LocalDate) v;
            kind = Contract.Ext.DATE;
            parts = List.of(d.getYear(), d.getMonthValue(), d.getDayOfMonth());
        } else if (v instanceof LocalTime) {
            LocalTime t = micros((LocalTime) v, v);
            kind = Contract.Ext.TIME;
            parts = List.of(t.getHour(), t.getMinute(), t.getSecond(), t.getNano());
        } else if (v instanceof OffsetTime) {
            OffsetTime o = (OffsetTime) v;
            LocalTime t = micros(o.toLocalTime(), v);
            kind = Contract.Ext.TIME_OFFSET;
            parts = List.of(
                    t.getHour(),
                    t.getMinute(),
                    t.getSecond(),
                    t.getNano(),
                    o.getOffset().getTotalSeconds());
        } else if (v instanceof LocalDateTime) {
            kind = Contract.Ext.DATETIME;
            parts = dateTime((LocalDateTime) v, v, null, null);
        } else if (v instanceof OffsetDateTime) {
            OffsetDateTime o = (OffsetDateTime) v;
            kind = Contract.Ext.DATETIME_OFFSET;
            parts = dateTime(o.toLocalDateTime(), v, o.getOffset().getTotalSeconds(), null);
        } else if (v instanceof ZonedDateTime) {
            ZonedDateTime z = (ZonedDateTime) v;
            int off = z.getOffset().getTotalSeconds();
            if (z.getZone() instanceof ZoneOffset) {
                kind = Contract.Ext.DATETIME_OFFSET;
                parts = dateTime(z.toLocalDateTime(), v, off, null);
            } else {
                kind = Contract.Ext.DATETIME_ZONED;
                parts = dateTime(z.toLocalDateTime(), v, off, z.getZone().getId());
            }
        } else if (v instanceof Instant) {
            Instant i = (Instant) v;
            checkMicros(i.getNano(), v);
            kind = Contract.Ext.INSTANT;
            parts = List.of(i.getEpochSecond(), i.getNano());
        } else if (v instanceof Duration) {
            Duration d = (Duration) v;
            checkMicros(d.getNano(), v);
            kind = Contract.Ext.DURATION;
            parts = List.of(d.getSeconds(), d.getNano());
        } else {
            kind = Contract.Ext.DECIMAL;
            parts = List.of(((BigDecimal) v).toString());
        }
        b.ensure(2);
        b.bb.put(Contract.Tag.EXT);
        b.bb.put(kind);
        Wire.write(b, parts, depth + 1);
    }

    private static List<Object> dateTime(LocalDateTime t, Object v, Integer offset, String zone) {
        checkMicros(t.getNano(), v);
        Object[] p = new Object[zone != null ? 9 : offset != null ? 8 : 7];
        p[0] = t.getYear();
        p[1] = t.getMonthValue();
        p[2] = t.getDayOfMonth();
        p[3] = t.getHour();
        p[4] = t.getMinute();
        p[5] = t.getSecond();
        p[6] = t.getNano();
        if (offset != null) {
            p[7] = offset;
        }
        if (zone != null) {
            p[8] = zone;
        }
        return List.of(p);
    }

    private static LocalTime micros(LocalTime t, Object v) {
        checkMicros(t.getNano(), v);
        return t;
    }

    private static void checkMicros(int nanos, Object v) {
        if (nanos % 1000 != 0) {
            throw new IllegalArgumentException(v.getClass().getSimpleName() + " " + v + " has a part finer than a"
                    + " microsecond, which Python's datetime cannot hold: truncate it first, e.g."
                    + " value.truncatedTo(ChronoUnit.MICROS)");
        }
    }

    /** The Java value of a reply's {@code EXT} kind and parts. */
    static Object read(byte kind, Object partsObj) {
        List<?> p = (List<?>) partsObj;
        switch (kind) {
            case Contract.Ext.DATE:
                return LocalDate.of(i(p, 0), i(p, 1), i(p, 2));
            case Contract.Ext.TIME:
                return LocalTime.of(i(p, 0), i(p, 1), i(p, 2), i(p, 3));
            case Contract.Ext.TIME_OFFSET:
                return OffsetTime.of(i(p, 0), i(p, 1), i(p, 2), i(p, 3), ZoneOffset.ofTotalSeconds(i(p, 4)));
            case Contract.Ext.DATETIME:
                return local(p);
            case Contract.Ext.DATETIME_OFFSET:
                return OffsetDateTime.of(local(p), ZoneOffset.ofTotalSeconds(i(p, 7)));
            case Contract.Ext.DATETIME_ZONED: {
                ZoneOffset off = ZoneOffset.ofTotalSeconds(i(p, 7));
                ZoneId zone;
                try {
                    zone = ZoneId.of((String) p.get(8));
                    return ZonedDateTime.ofStrict(local(p), off, zone);
                } catch (DateTimeException e) {
                    // A zone Java does not know, or rules that disagree: the instant and offset stay exact.
                    return OffsetDateTime.of(local(p), off);
                }
            }
            case Contract.Ext.DURATION:
                return Duration.ofSeconds((Long) p.get(0), (Long) p.get(1));
            case Contract.Ext.DECIMAL:
                return new BigDecimal((String) p.get(0));
            default:
                throw new PyBridgeException("internal error: unknown value kind " + kind + " in a reply");
        }
    }

    private static LocalDateTime local(List<?> p) {
        return LocalDateTime.of(i(p, 0), i(p, 1), i(p, 2), i(p, 3), i(p, 4), i(p, 5), i(p, 6));
    }

    private static int i(List<?> p, int k) {
        return Math.toIntExact((Long) p.get(k));
    }
}
