package org.pybridge;

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
        if (v instanceof java.sql.Timestamp) {
            return ((java.sql.Timestamp) v).toLocalDateTime();
        }
        if (v instanceof java.sql.Time) {
            return ((java.sql.Time) v).toLocalTime();
        }
        return ((java.sql.Date) v).toLocalDate();
    }

    /** {@code v} (a java.time value from Python) as the JDBC class {@code t}, or null if it is not one. */
    static Object fromJavaTime(Object v, Class<?> t) {
        if (t == java.sql.Timestamp.class && v instanceof java.time.LocalDateTime) {
            return java.sql.Timestamp.valueOf((java.time.LocalDateTime) v);
        }
        if (t == java.sql.Time.class && v instanceof java.time.LocalTime) {
            return java.sql.Time.valueOf((java.time.LocalTime) v);
        }
        if (t == java.sql.Date.class && v instanceof java.time.LocalDate) {
            return java.sql.Date.valueOf((java.time.LocalDate) v);
        }
        return null;
    }
}
