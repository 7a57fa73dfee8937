package org.pybridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.math.BigDecimal;
import java.sql.Time;
import java.sql.Timestamp;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/** Issue 16 point 4: datetime ↔ java.time, Decimal ↔ BigDecimal, pandas DataFrames as columns. */
public class TimeDecimalPandasTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec("import datetime as dt, decimal, numpy as np, pandas as pd, zoneinfo");
    }

    private static Object roundTrip(Object v) {
        try (ResourceScope s = Python.openScope()) {
            return Python.toPython(v).toJava();
        }
    }

    @Test
    public void javaTimeValuesBecomeDatetimeValuesAndBack() {
        LocalDate d = LocalDate.of(2024, 2, 29);
        LocalTime t = LocalTime.of(23, 59, 58, 123_456_000);
        LocalDateTime ldt = LocalDateTime.of(2024, 2, 29, 1, 2, 3, 4000);
        OffsetDateTime odt = OffsetDateTime.of(ldt, ZoneOffset.ofHoursMinutes(5, 30));
        ZonedDateTime zdt = ZonedDateTime.of(ldt, ZoneId.of("Europe/Paris"));
        OffsetTime ot = OffsetTime.of(t, ZoneOffset.ofHours(-3));
        Duration dur = Duration.ofDays(3).plusSeconds(7).plusNanos(8000);
        for (Object v : new Object[] {d, t, ldt, odt, zdt, ot, dur, Duration.ofSeconds(-1, 1000)}) {
            assertEquals(v, roundTrip(v));
        }
        try (ResourceScope s = Python.openScope()) {
            assertEquals("datetime.date", Python.toPython(d).typeName());
            assertEquals("2024-02-29T01:02:03.000004", Python.toPython(ldt).callAttrAs(String.class, "isoformat"));
            assertEquals(
                    "2024-02-29T01:02:03.000004+05:30", Python.toPython(odt).callAttrAs(String.class, "isoformat"));
            assertEquals("Europe/Paris", Python.toPython(zdt).getAttr("tzinfo").getAttr("key", String.class));
            assertEquals("3 days, 0:00:07.000008", Python.toPython(dur).toString());
            // Instant: an aware datetime in UTC; it comes back as an OffsetDateTime at Z, or an Instant when asked
            Instant i = Instant.parse("2021-06-01T10:00:00.5Z");
            PyObject p = Python.toPython(i);
            assertEquals("2021-06-01T10:00:00.500000+00:00", p.callAttrAs(String.class, "isoformat"));
            assertEquals(OffsetDateTime.parse("2021-06-01T10:00:00.5Z"), p.toJava());
            assertEquals(i, Python.eval("lambda x: x").callAs(Instant.class, i));
            // Python values made in Python
            assertEquals(
                    LocalDateTime.of(2000, 1, 2, 3, 4, 5),
                    Python.eval("dt.datetime(2000, 1, 2, 3, 4, 5)").toJava());
            assertEquals(
                    OffsetDateTime.parse("2000-01-02T03:04:05Z"),
                    Python.eval("dt.datetime(2000, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)")
                            .toJava());
            assertEquals(
                    ZonedDateTime.of(2000, 7, 1, 0, 0, 0, 0, ZoneId.of("America/New_York")),
                    Python.eval("dt.datetime(2000, 7, 1, tzinfo=zoneinfo.ZoneInfo('America/New_York'))")
                            .toJava());
            assertEquals(
                    Duration.ofMillis(-1500),
                    Python.eval("dt.timedelta(seconds=-1.5)").toJava());
            assertEquals(
                    List.of(LocalDate.of(2020, 1, 1), Duration.ZERO),
                    Python.eval("[dt.date(2020, 1, 1), dt.timedelta(0)]").toJava());
            assertEquals(LocalDate.of(1999, 12, 31), Python.eval("dt.date(1999, 12, 31)", LocalDate.class));
        }
    }

    @Test
    public void jdbcAndUtilDatesCrossAsTheirJavaTimeValues() {
        java.sql.Date d = java.sql.Date.valueOf("2021-09-22");
        Time t = new Time(100_000);
        Timestamp ts = new Timestamp(500_000_010L);
        PyObject echo = Python.eval("lambda x: x");
        assertEquals(d, echo.callAs(java.sql.Date.class, d));
        assertEquals(t, echo.callAs(Time.class, t));
        assertEquals(ts, echo.callAs(Timestamp.class, ts));
        assertEquals(ts.toLocalDateTime(), echo.callAs(Object.class, ts));
        try (ResourceScope s = Python.openScope()) {
            assertEquals("datetime.date", Python.toPython(d).typeName());
            // a plain java.util.Date is not converted: it stays itself, a live proxy in Python;
            // an aware datetime can be asked for as one
            java.util.Date u = new java.util.Date(1_600_000_000_123L);
            PyObject pu = Python.toPython(u);
            assertEquals("java.util.Date", pu.typeName());
            assertSame(u, pu.toJava());
            assertEquals(
                    u,
                    Python.eval(
                            "dt.datetime(2020, 9, 13, 12, 26, 40, 123000, tzinfo=dt.timezone.utc)",
                            java.util.Date.class));
        }
    }

    @Test
    public void subMicrosecondJavaValuesAreRefusedNotRounded() {
        for (Object v : new Object[] {
            Instant.ofEpochSecond(0, 1),
            LocalTime.of(1, 2, 3, 999),
            Duration.ofNanos(1500),
            LocalDateTime.of(2000, 1, 1, 0, 0, 0, 1)
        }) {
            try {
                Python.toPython(v);
                fail(v.toString());
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("truncatedTo(ChronoUnit.MICROS)"));
            }
        }
    }

    @Test
    public void pandasTimestampsKeepTheirNanosecondsAndNaTIsNull() {
        try (ResourceScope s = Python.openScope()) {
            assertEquals(
                    LocalDateTime.of(2020, 1, 1, 0, 0, 0, 123_456_789),
                    Python.eval("pd.Timestamp('2020-01-01 00:00:00.123456789')").toJava());
            assertEquals(
                    Duration.ofNanos(1_000_000_001L),
                    Python.eval("pd.Timedelta(1000000001)").toJava());
            assertNull(Python.eval("pd.NaT").toJava());
            // numpy's scalars, which .item() would make an int (ns) or a datetime (us)
            assertEquals(
                    LocalDateTime.of(2020, 1, 1, 0, 0, 0, 1),
                    Python.eval("np.datetime64('2020-01-01T00:00:00.000000001')")
                            .toJava());
            assertEquals(
                    LocalDateTime.of(2020, 1, 1, 12, 0),
                    Python.eval("np.array(['2020-01-01T12:00'], dtype='datetime64[s]')[0]")
                            .toJava());
            assertEquals(
                    LocalDateTime.of(2020, 3, 1, 0, 0),
                    Python.eval("np.datetime64('2020-03')").toJava());
            assertEquals(
                    Duration.ofNanos(-5),
                    Python.eval("np.timedelta64(-5, 'ns')").toJava());
            assertEquals(
                    Duration.ofDays(2), Python.eval("np.timedelta64(2, 'D')").toJava());
            assertNull(Python.eval("np.datetime64('NaT')").toJava());
            assertEquals(
                    Arrays.asList(Duration.ofHours(1), null),
                    Python.eval("list(np.array([1, 'NaT'], dtype='timedelta64[h]'))")
                            .toJava());
        }
    }

    @Test
    public void decimalsAreExactBothWaysAndNaNIsAClearError() {
        for (String text : new String[] {"0.1", "-123456789012345678901234567890.000000001", "1E+5", "0E-10"}) {
            BigDecimal b = new BigDecimal(text);
            assertEquals(b, roundTrip(b));
            try (ResourceScope s = Python.openScope()) {
                assertEquals(b.toString(), Python.toPython(b).toString());
                assertEquals("Decimal", Python.toPython(b).typeName().replace("decimal.", ""));
            }
        }
        assertEquals(new BigDecimal("3.30"), Python.eval("decimal.Decimal('1.10') * 3", BigDecimal.class));
        for (String bad : new String[] {"NaN", "Infinity", "-Infinity", "sNaN"}) {
            try (ResourceScope s = Python.openScope()) {
                Python.eval("decimal.Decimal('" + bad + "')").toJava();
                fail(bad);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("BigDecimal holds finite numbers only"));
            }
        }
    }

    // ---- pandas -------------------------------------------------------------------------

    @Test
    public void aDataFrameBecomesAColumnMapInOneCall() {
        try (ResourceScope s = Python.openScope()) {
            PyObject df = Python.eval("pd.DataFrame({'i': [1, 2, 3], 'f': [0.5, None, 2.0], 'b': [True, False, True],"
                    + " 's': ['x', None, 'z'], 't': pd.to_datetime(['2020-01-01', None, '2020-01-03']),"
                    + " 'u': np.array([1, 2, 3], dtype=np.uint16), 'n': pd.array([1, None, 3], dtype='Int64'),"
                    + " 'tz': pd.to_datetime(['2020-01-01T01:00'] * 3).tz_localize('Europe/Paris'),"
                    + " 'c': pd.Categorical(['a', 'b', 'a']), 1: [1.0, 2.0, 3.0]})");
            Map<String, Object> cols = df.toColumns();
            assertEquals(List.of("i", "f", "b", "s", "t", "u", "n", "tz", "c", "1"), List.copyOf(cols.keySet()));
            assertArrayEquals(new long[] {1, 2, 3}, ((NDArray) cols.get("i")).longs());
            double[] f = ((NDArray) cols.get("f")).doubles();
            assertTrue(Double.isNaN(f[1]));
            assertArrayEquals(new boolean[] {true, false, true}, ((NDArray) cols.get("b")).booleans());
            assertEquals(Arrays.asList("x", null, "z"), cols.get("s"));
            NDArray t = (NDArray) cols.get("t");
            assertTrue(t.dtype(), t.dtype().startsWith("datetime64["));
            assertEquals(Instant.parse("2020-01-03T00:00:00Z"), t.toInstants()[2]);
            assertNull(t.toInstants()[1]);
            assertEquals("uint16", ((NDArray) cols.get("u")).dtype());
            assertEquals(Arrays.asList(1L, null, 3L), cols.get("n"));
            assertEquals(Instant.parse("2020-01-01T00:00:00Z"), ((NDArray) cols.get("tz")).toInstants()[0]);
            assertEquals(List.of("a", "b", "a"), cols.get("c"));
            // a Series is its column
            assertEquals(List.of("a", "b", "a"), df.getItem("c").toColumn());
            assertArrayEquals(new long[] {1, 2, 3}, ((NDArray) df.getItem("i").toColumn()).longs());
            // and back
            PyObject again = Python.fromColumns(cols);
            assertEquals("DataFrame", again.typeName().replaceAll(".*\\.", ""));
            assertTrue(Python.eval("lambda a: list(a.columns) == ['i','f','b','s','t','u','n','tz','c','1']"
                            + " and str(a['t'].dtype).startswith('datetime64') and a['u'].dtype == np.uint16"
                            + " and a['s'].tolist()[0] == 'x'")
                    .callAs(Boolean.class, again));
        }
    }

    @Test
    public void fromColumnsTakesJavaArraysListsAndNDArrays() {
        try (ResourceScope s = Python.openScope()) {
            Map<String, Object> cols = new LinkedHashMap<>();
            cols.put("x", new double[] {1, 2});
            cols.put("name", List.of("a", "b"));
            cols.put("when", List.of(LocalDate.of(2020, 1, 1), LocalDate.of(2020, 1, 2)));
            cols.put("k", new NDArray(new int[] {5, 6}));
            PyObject df = Python.fromColumns(cols);
            assertEquals("(2, 4)", df.getAttr("shape").repr());
            assertEquals("int32", df.getItem("k").getAttr("dtype").toString());
            assertEquals(
                    LocalDate.of(2020, 1, 2), df.getItem("when").getItem(1L).toJava());
        }
    }

    @Test
    public void aDataFrameIsNotASequenceOfRows() {
        try (ResourceScope s = Python.openScope()) {
            PyObject df = Python.eval("pd.DataFrame({'a': [1]})");
            try {
                df.asList();
                fail("asList() of a DataFrame must fail up front");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("toColumns()"));
            }
            try {
                Python.eval("{'a': 1}").asList();
                fail("asList() of a dict must fail up front");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("asMap()"));
            }
            try {
                Python.eval("[1]").toColumns();
                fail();
            } catch (PythonException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("DataFrame or Series"));
            }
        }
    }
}
