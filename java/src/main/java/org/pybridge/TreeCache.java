package org.pybridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A directory tree taken out of a jar into pybridge's private cache, once
 * per content: the CPython runtime of a runtime artifact
 * ({@link ClasspathPython}), the packages of a packages jar
 * ({@link PackagesJars}). Same rules as {@link NativeCache}, whose roots it
 * uses: the tree lives in {@code <root>/<kind>/<key>/}, where the key is a
 * SHA-256 of the content; directories are 0700 and must be this user's and
 * not writable by group or others.
 *
 * <p>A first start takes a lock ({@code <key>.lock}, an OS file lock, which
 * the kernel releases when the JVM dies however it dies), extracts the tree
 * into {@code .<key>.part} beside it, checks every file's CRC-32 against the
 * jar's, writes a completion mark and renames the directory into place
 * atomically. A JVM that starts meanwhile waits on the lock and then finds
 * the finished tree; a {@code .part} directory found while holding the lock
 * was left by a JVM killed while extracting and is removed. Later starts
 * check the directory and its mark and read nothing else; nothing is written
 * per run.
 */
final class TreeCache {
    private TreeCache() {}

    /** The file in a finished tree that holds its key. */
    static final String MARK = ".pybridge-tree";

    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> EXEC_MODE = PosixFilePermissions.fromString("rwx------");

    /** Chooses which entries of the jar are taken and where they go. */
    interface Selection {
        /**
         * The path relative to the tree for the entry named {@code name}, or
         * null to leave it out.
         */
        String target(String name);

        /** Whether the file at {@code relative} must be executable. */
        boolean executable(String relative);
    }

    /**
     * A key for the selected entries of {@code jar}: SHA-256 over their
     * names, sizes and CRC-32s, read from the jar's central directory (the
     * files themselves are not read).
     */
    static String keyOf(ZipFile jar, Selection sel) {
        MessageDigest md = NativeCache.sha256();
        List<String> lines = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> e = jar.entries(); e.hasMoreElements(); ) {
            ZipEntry z = e.nextElement();
            String t = z.isDirectory() ? null : sel.target(z.getName());
            if (t != null) {
                lines.add(t + "\0" + z.getSize() + "\0" + Long.toHexString(z.getCrc()) + "\0"
                        + (sel.executable(t) ? "x" : "-") + "\n");
            }
        }
        Collections.sort(lines);
        for (String l : lines) {
            md.update(l.getBytes(StandardCharsets.UTF_8));
        }
        return NativeCache.hex(md.digest());
    }

    /**
     * The finished tree for {@code key} under {@code kind}, extracted from
     * {@code jar} when missing.
     *
     * @param what names the jar in messages
     * @param check run on the extracted tree before it is published; throws
     *     to refuse it (the partial tree is removed)
     */
    static synchronized Path tree(String kind, String key, Path jar, Selection sel, String what, Consumer<Path> check) {
        List<String> tried = new ArrayList<>();
        for (NativeCache.Root r : NativeCache.roots()) {
            try {
                return install(r.dir, kind, key, jar, sel, what, check);
            } catch (NativeCache.Unusable | IOException e) {
                String why = e instanceof NativeCache.Unusable ? e.getMessage() : e.toString();
                tried.add(r.dir + " (" + r.why + "): " + why);
                if (r.explicit) {
                    throw new PythonInitializationException("cannot extract " + what + " into " + r.dir
                            + " (system property " + NativeCache.PROPERTY + "): " + why + ". Point -D"
                            + NativeCache.PROPERTY + " at a directory of your own (created 0700 if missing; it"
                            + " must be owned by you and not writable by group or others).");
                }
            }
        }
        throw new PythonInitializationException("cannot extract " + what + " into a private cache directory;"
                + " tried " + String.join("; ", tried) + ". Set -D" + NativeCache.PROPERTY
                + "=/a/directory/of/yours (created 0700 if missing; owned by you, not writable by group or others).");
    }

    private static Path install(
            Path root, String kind, String key, Path jarPath, Selection sel, String what, Consumer<Path> check)
            throws NativeCache.Unusable, IOException {
        int uid = NativeCache.uid();
        Path realRoot = NativeCache.privateDir(root, uid, true);
        Path dir = NativeCache.privateDir(realRoot.resolve(kind), uid, false);
        Path done = dir.resolve(key);
        if (finished(done, key, uid)) {
            Logs.debug(() -> "pybridge: " + what + " found in the cache at " + done);
            return done;
        }
        Path lockFile = dir.resolve(key + ".lock");
        if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createFile(lockFile, PosixFilePermissions.asFileAttribute(FILE_MODE));
            } catch (FileAlreadyExistsException e) {
                // another JVM made it
            }
        }
        try (FileChannel lc = FileChannel.open(lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                FileLock lock = lc.lock()) {
            if (finished(done, key, uid)) {
                return done; // another JVM extracted it while this one waited
            }
            Path part = dir.resolve("." + key + ".part");
            deleteTree(part); // left by a JVM killed while extracting (it held the lock)
            if (Files.exists(done, LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(done); // unfinished or not ours to trust: made again
            }
            Files.createDirectory(part, PosixFilePermissions.asFileAttribute(DIR_MODE));
            long t0 = System.nanoTime();
            long[] count = new long[2];
            try {
                extract(jarPath, sel, part, what, count);
                check.accept(part);
                Files.write(part.resolve(MARK), key.getBytes(StandardCharsets.UTF_8));
                try {
                    Files.move(part, done, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                    throw new IOException("could not rename " + part + " to " + done + ": " + e);
                }
            } finally {
                deleteTree(part);
            }
            Logs.debug(() -> "pybridge: " + what + " extracted to " + done + " (" + count[0] + " files, " + count[1]
                    + " bytes, " + (System.nanoTime() - t0) / 1_000_000 + " ms)");
            return done;
        }
    }

    /** Whether {@code done} is a finished tree of {@code key}: ours, private, with its mark. */
    private static boolean finished(Path done, String key, int uid) throws IOException {
        if (!Files.isDirectory(done, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Map<String, Object> a = Files.readAttributes(done, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        if ((Integer) a.get("uid") != uid || ((Integer) a.get("mode") & 022) != 0) {
            return false;
        }
        Path mark = done.resolve(MARK);
        if (!Files.isRegularFile(mark, LinkOption.NOFOLLOW_LINKS) || Files.size(mark) > 256) {
            return false;
        }
        return key.equals(new String(Files.readAllBytes(mark), StandardCharsets.UTF_8));
    }

    private static void extract(Path jarPath, Selection sel, Path into, String what, long[] count) throws IOException {
        byte[] buf = new byte[1 << 16];
        try (ZipFile jar = new ZipFile(jarPath.toFile())) {
            for (Enumeration<? extends ZipEntry> e = jar.entries(); e.hasMoreElements(); ) {
                ZipEntry z = e.nextElement();
                if (z.isDirectory()) {
                    continue;
                }
                String rel = sel.target(z.getName());
                if (rel == null) {
                    continue;
                }
                Path out = into.resolve(rel).normalize();
                if (!out.startsWith(into) || out.equals(into)) {
                    throw new IOException(what + " holds the entry " + z.getName() + ", which would lie outside"
                            + " the directory it is extracted to");
                }
                createDirs(out.getParent(), into);
                CRC32 crc = new CRC32();
                long n = 0;
                try (InputStream in = jar.getInputStream(z);
                        OutputStream o =
                                Files.newOutputStream(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        crc.update(buf, 0, r);
                        o.write(buf, 0, r);
                        n += r;
                    }
                }
                if (n != z.getSize() || crc.getValue() != z.getCrc()) {
                    throw new IOException(what + "'s entry " + z.getName() + " does not match its checksum (read "
                            + n + " bytes, CRC-32 " + Long.toHexString(crc.getValue()) + "; the jar says "
                            + z.getSize() + " bytes, " + Long.toHexString(z.getCrc()) + "): the jar is damaged");
                }
                Files.setPosixFilePermissions(out, sel.executable(rel) ? EXEC_MODE : FILE_MODE);
                count[0]++;
                count[1] += n;
            }
        }
    }

    private static void createDirs(Path d, Path top) throws IOException {
        if (d.equals(top) || Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        createDirs(d.getParent(), top);
        Files.createDirectory(d, PosixFilePermissions.asFileAttribute(DIR_MODE));
    }

    /** Removes {@code p} and everything under it, if it exists (links are removed, not followed). */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<Path>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** The names in {@code dir} (none when it cannot be read). */
    static List<String> list(Path dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                names.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            // none
        }
        return names;
    }
}
