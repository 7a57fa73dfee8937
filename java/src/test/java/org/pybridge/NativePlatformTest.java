package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Which of the jar's platform directories a JVM's os.name and os.arch select. */
public class NativePlatformTest {
    @Test
    public void x86And64BitArmLinuxHaveTheirOwnDirectories() {
        assertEquals("linux-x86_64", NativeLoader.platformOf("Linux", "amd64"));
        assertEquals("linux-x86_64", NativeLoader.platformOf("Linux", "x86_64"));
        assertEquals("linux-aarch64", NativeLoader.platformOf("Linux", "aarch64"));
        assertEquals("linux-aarch64", NativeLoader.platformOf("Linux", "arm64"));
        assertEquals("/native/linux-aarch64/cp311/", NativeLoader.resourceDir("linux-aarch64", "3.11"));
    }

    @Test
    public void otherArchitecturesAndSystemsHaveNone() {
        assertNull(NativeLoader.platformOf("Linux", "riscv64"));
        assertNull(NativeLoader.platformOf("Linux", "arm"));
        assertNull(NativeLoader.platformOf("Linux", "x86"));
        assertNull(NativeLoader.platformOf("Mac OS X", "aarch64"));
        assertNull(NativeLoader.platformOf("Windows 11", "amd64"));
    }

    @Test
    public void thisJvmsPlatformIsOneOfTheJarsAndItsResourceDirectoryFollows() {
        assertTrue(NativeLoader.PLATFORMS.contains(NativeLoader.PLATFORM));
        assertEquals("/native/" + NativeLoader.PLATFORM + "/", NativeLoader.RESOURCE_DIR);
        assertEquals(PythonLocator.elfMachine(), "linux-aarch64".equals(NativeLoader.PLATFORM) ? 183 : 62);
    }
}
