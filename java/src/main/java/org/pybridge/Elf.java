package org.pybridge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what pybridge needs to know of a 64-bit little-endian ELF shared
 * library without loading it: its section names, and the libraries it needs ({@code DT_NEEDED}:
 * which {@code libpython3.X} a self-built {@code -Dpybridge.native} library
 * was linked against) and the symbol versions it needs from them
 * ({@code .gnu.version_r}: the highest {@code GLIBC_2.x}, i.e. the oldest
 * glibc it loads on). Only section headers, the dynamic section and the
 * version-needs section are read, so a stripped library is fine.
 */
final class Elf {
    private static final int SHT_DYNAMIC = 6;
    private static final int SHT_GNU_VERNEED = 0x6ffffffe;
    private static final long DT_NEEDED = 1;
    private static final long DT_NULL = 0;
    private static final Pattern LIBPYTHON = Pattern.compile("libpython(3\\.\\d+)\\.so.*");
    private static final Pattern GLIBC = Pattern.compile("GLIBC_(\\d+)\\.(\\d+)(?:\\.\\d+)?");

    /** Libraries named by {@code DT_NEEDED}, in order. */
    final List<String> needed = new ArrayList<>();
    /** {@code e_machine}: 62 for x86-64, 183 for aarch64. */
    int machine;
    /** Section names, in order. */
    final List<String> sections = new ArrayList<>();
    /** Symbol version names needed ({@code GLIBC_2.17}, ...), per needed file, in order. */
    final List<String> versionNeeds = new ArrayList<>();

    private Elf() {}

    /** Parses {@code file}; {@link IOException} when it is not a 64-bit little-endian ELF file. */
    static Elf read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 64) {
                throw new IOException(file + " is not an ELF file (" + size + " bytes)");
            }
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt(0) != 0x464c457f) {
                throw new IOException(file + " is not an ELF file (no \\x7fELF header)");
            }
            if (b.get(4) != 2 || b.get(5) != 1) {
                throw new IOException(file + " is not a 64-bit little-endian ELF file");
            }
            long shoff = b.getLong(0x28);
            int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
            int shnum = Short.toUnsignedInt(b.getShort(0x3C));
            if (shoff <= 0 || shentsize < 64 || shoff + (long) shnum * shentsize > size) {
                throw new IOException(file + " has no readable section headers");
            }
            Elf e = new Elf();
            e.machine = Short.toUnsignedInt(b.getShort(0x12));
            int shstrndx = Short.toUnsignedInt(b.getShort(0x3E));
            int names = Math.toIntExact(b.getLong(Math.toIntExact(shoff + (long) shstrndx * shentsize) + 0x18));
            for (int i = 0; i < shnum; i++) {
                int h = Math.toIntExact(shoff + (long) i * shentsize);
                e.sections.add(string(b, names + Integer.toUnsignedLong(b.getInt(h))));
                int type = b.getInt(h + 4);
                if (type != SHT_DYNAMIC && type != SHT_GNU_VERNEED) {
                    continue;
                }
                int off = Math.toIntExact(b.getLong(h + 0x18));
                long secSize = b.getLong(h + 0x20);
                int link = b.getInt(h + 0x28);
                int info = b.getInt(h + 0x2C);
                int strs = Math.toIntExact(b.getLong(Math.toIntExact(shoff + (long) link * shentsize) + 0x18));
                if (type == SHT_DYNAMIC) {
                    for (long d = 0; d + 16 <= secSize; d += 16) {
                        long tag = b.getLong(Math.toIntExact(off + d));
                        if (tag == DT_NULL) {
                            break;
                        }
                        if (tag == DT_NEEDED) {
                            e.needed.add(string(b, strs + b.getLong(Math.toIntExact(off + d + 8))));
                        }
                    }
                } else {
                    // Elf64_Verneed {u16 version, u16 cnt, u32 file, u32 aux, u32 next}, with cnt
                    // Elf64_Vernaux {u32 hash, u16 flags, u16 other, u32 name, u32 next}; info entries.
                    int vn = off;
                    for (int n = 0; n < info; n++) {
                        int cnt = Short.toUnsignedInt(b.getShort(vn + 2));
                        int aux = vn + b.getInt(vn + 8);
                        for (int a = 0; a < cnt; a++) {
                            e.versionNeeds.add(string(b, strs + Integer.toUnsignedLong(b.getInt(aux + 8))));
                            aux += b.getInt(aux + 12);
                        }
                        int next = b.getInt(vn + 12);
                        if (next == 0) {
                            break;
                        }
                        vn += next;
                    }
                }
            }
            return e;
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            throw new IOException(file + " is not a well-formed ELF file: " + e, e);
        }
    }

    private static String string(ByteBuffer b, long at) {
        int start = Math.toIntExact(at);
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] s = new byte[end - start];
        for (int i = 0; i < s.length; i++) {
            s[i] = b.get(start + i);
        }
        return new String(s, StandardCharsets.UTF_8);
    }

    /** The Python X.Y of the first {@code libpython3.Y.so...} this library needs, or null. */
    String pythonVersion() {
        for (String n : needed) {
            Matcher m = LIBPYTHON.matcher(n);
            if (m.matches()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** The highest {@code GLIBC_x.y} version needed, as {x, y}, or null when none is. */
    int[] maxGlibc() {
        int[] best = null;
        for (String v : versionNeeds) {
            Matcher m = GLIBC.matcher(v);
            if (m.matches()) {
                int[] x = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
                if (best == null || x[0] > best[0] || (x[0] == best[0] && x[1] > best[1])) {
                    best = x;
                }
            }
        }
        return best;
    }
}
