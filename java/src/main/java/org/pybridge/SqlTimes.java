package org.pybridge;

import java.sql.Date;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;

/**
 * JDBC's {@code java.sql.Date}, {@code Time} and {@code Timestamp} (what
 * pemja converts), as the java.time values {@link ExtValues} sends, and
 * back when a caller asks for one ({@code callAs(Timestamp.class)}). Only
 * loaded when such a value or class is met, so the {@code java.sql} module
 * is not needed otherwise.
 */
final class SqlTimes {
    private SqlTimes() {}

    /** Whether {@code c} is one of the JDBC time classes (by name: loads nothing). */
    static boolean isSqlTime(Class<?> c) {
        String n = c.getName();
        return n.equals("java.sql.Date") || n.equals("java.sql.Time") || n.equals("java.sql.Timestamp");
    }

    /** The java.time value of a JDBC time value: LocalDate, LocalTime or LocalDateTime (wall clock, as JDBC's). */
    static Object toJavaTime(Object v) {
        if (v instanceof Timestamp) {
            return ((Timestamp) v).toLocalDateTime();
        }
        if (v instanceof Time) {
            return ((Time) v).toLocalTime();
        }
        return ((Date) v).toLocalDate();
    }

    /** {@code v} (a java.time value from Python) as the JDBC class {@code t}, or null if it is not one. */
    static Object fromJavaTime(Object v, Class<?> t) {
        if (t == Timestamp.class && v instanceof LocalDateTime) {
            return Timestamp.valueOf((LocalDateTime) v);
        }
        if (t == Time.class && v instanceof LocalTime) {
            return Time.valueOf((LocalTime) v);
        }
        if (t == Date.class && v instanceof LocalDate) {
            return Date.valueOf((LocalDate) v);
        }
        return null;
    }
}
