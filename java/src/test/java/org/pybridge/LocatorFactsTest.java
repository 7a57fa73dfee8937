package org.pybridge;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

/**
 * The locator's probe escapes backslash, LF and CR in every fact so that one
 * fact is one line; {@link PythonLocator#unescape} must restore them exactly
 * (the runtime compares the embedded {@code sys.version} with the probe's,
 * and 3.9's holds a newline).
 */
public class LocatorFactsTest {
    @Test
    public void unescapeRestoresNewlinesAndBackslashes() {
        assertEquals(
                "3.9.18 (main, May  9 2026, 07:33:49) \n[GCC 12.2.0]",
                PythonLocator.unescape("3.9.18 (main, May  9 2026, 07:33:49) \\n[GCC 12.2.0]"));
        assertEquals("C:\\new\r\n", PythonLocator.unescape("C:\\\\new\\r\\n"));
        assertEquals("a\\nb", PythonLocator.unescape("a\\\\nb"));
    }

    @Test
    public void plainValuesAreUnchanged() {
        assertEquals("/usr/lib/python3.11", PythonLocator.unescape("/usr/lib/python3.11"));
        assertEquals("", PythonLocator.unescape(""));
    }
}
