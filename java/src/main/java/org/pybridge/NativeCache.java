package org.pybridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Where the jar's {@code libpybridge.so} is put so that it can be loaded:
 * once per library content (SHA-256), in a private per-user cache directory,
 * reused by every later JVM. Nothing is written per run, so nothing is left
 * behind by a normal exit or a killed JVM.
 *
 * <p>The cache root is {@code -Dpybridge.nativeCache} when set, else
 * {@code $XDG_CACHE_HOME/pybridge} (default {@code ~/.cache/pybridge}),
 * falling back to {@code java.io.tmpdir/pybridge-<user>} when there is no
 * usable home. The library lives in {@code <root>/<sha256>/libpybridge.so}.
 * Directories are created 0700 and must be owned by this user and not
 * writable by group or others (and so must every directory above them,
 * unless it is sticky like {@code /tmp}); otherwise the next candidate is
 * tried (an explicit {@code pybridge.nativeCache} is refused instead).
 *
 * <p>The file is written to a temporary name in the same directory, its
 * size and hash checked, then linked (or, to replace a bad copy, renamed)
 * into place atomically, so JVMs that start at the same time never see a
 * partial file. A stamp
 * ({@code libpybridge.so.ok}) records the verified file's size, inode,
 * modification and change times: a start that finds them unchanged loads
 * the file without reading it; otherwise it is hashed again, and replaced
 * when its content is not the jar's.
 */
final class NativeCache {
    private NativeCache() {}

    static final String PROPERTY = "pybridge.nativeCache";
    static final String LIB = "libpybridge.so";
    static final String STAMP = LIB + ".ok";
    /** A temporary file older than this was left by a JVM that died while writing it. */
    private static final long STALE_PART_MILLIS = 10 * 60 * 1000L;

    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> LIB_MODE = PosixFilePermissions.fromString("r-x------");

    /** The library's expected content: SHA-256 (lower-case hex) and size. */
    static final class Content {
        final String sha256;
        final long size;
        /** Whether the hash was written at build time (else it was computed from the resource now). */
        final boolean fromBuild;

        Content(String sha256, long size, boolean fromBuild) {
            this.sha256 = sha256;
            this.size = size;
            this.fromBuild = fromBuild;
        }
    }

    /** A directory to try, and whether it was asked for explicitly. */
    static final class Root {
        final Path dir;
        final String why;
        final boolean explicit;

        Root(Path dir, String why, boolean explicit) {
            this.dir = dir;
            this.why = why;
            this.explicit = explicit;
        }
    }

    /** The cache is unusable at one root; the message says why. */
    static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String m) {
            super(m);
        }
    }

    /** The path of a verified copy of the jar's native library (extracted when needed). */
    static Path libraryPath(String resource, Properties build) {
        Content want = content(resource, build);
        List<String> tried = new ArrayList<>();
        for (Root r : roots()) {
            try {
                return install(r.dir, resource, want);
            } catch (Unusable | IOException e) {
                String why = e instanceof Unusable ? e.getMessage() : e.toString();
                tried.add(r.dir + " (" + r.why + "): " + why);
                if (r.explicit) {
                    throw new PythonInitializationException("cannot keep pybridge's native library in " + r.dir
                            + " (system property " + PROPERTY + "): " + why + ". Point -D" + PROPERTY
                            + " at a directory of your own (created 0700 if missing; it must be owned by you and"
                            + " not writable by group or others), or remove the property to use the default"
                            + " ~/.cache/pybridge.");
                }
            }
        }
        throw new PythonInitializationException("cannot keep pybridge's native library in a private cache"
                + " directory; tried " + String.join("; ", tried) + ". Set -D" + PROPERTY + "=/a/directory/of/yours"
                + " (created 0700 if missing; it must be owned by you and not writable by group or others), or"
                + " -Dpybridge.native=/path/to/libpybridge.so.");
    }

    /** Where the cache may live, in order. */
    static List<Root> roots() {
        List<Root> roots = new ArrayList<>();
        String explicit = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.trim().isEmpty()) {
            roots.add(new Root(Paths.get(explicit.trim()).toAbsolutePath(), "-D" + PROPERTY, true));
            return roots;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isEmpty() && Paths.get(xdg).isAbsolute()) {
            roots.add(new Root(Paths.get(xdg, "pybridge"), "XDG_CACHE_HOME", false));
        } else {
            String home = System.getenv("HOME");
            if (home == null || home.isEmpty()) {
                home = System.getProperty("user.home", "");
            }
            if (!home.isEmpty()
                    && !home.equals("?")
                    && Paths.get(home).isAbsolute()
                    && Files.isDirectory(Paths.get(home))) {
                roots.add(new Root(Paths.get(home, ".cache", "pybridge"), "the home directory", false));
            }
        }
        String tmp = System.getProperty("java.io.tmpdir", "/tmp");
        roots.add(new Root(Paths.get(tmp, "pybridge-" + userTag()).toAbsolutePath(), "java.io.tmpdir", false));
        return roots;
    }

    private static String userTag() {
        StringBuilder sb = new StringBuilder();
        for (char c : System.getProperty("user.name", "").toCharArray()) {
            if (c >= 'A' && c <= 'Z'
                    || c >= 'a' && c <= 'z'
                    || c >= '0' && c <= '9'
                    || c == '.'
                    || c == '_'
                    || c == '-') {
                sb.append(c);
            }
        }
        String u = sb.toString();
        if (u.isEmpty() || u.startsWith(".")) {
            try {
                u = "uid" + uid();
            } catch (IOException e) {
                u = "unknown";
            }
        }
        return u;
    }

    /** This process's user id (the owner of /proc/self). */
    static int uid() throws IOException {
        return (Integer) Files.getAttribute(Paths.get("/proc/self"), "unix:uid");
    }

    // ---- the expected content ---------------------------------------------------------------

    private static Content content(String resource, Properties build) {
        String hash = build.getProperty("native.sha256", "").trim().toLowerCase(Locale.ROOT);
        String size = build.getProperty("native.size", "").trim();
        if (isHex64(hash) && isCount(size)) {
            return new Content(hash, Long.parseLong(size), true);
        }
        // No build-time hash (a jar or classpath without it): hash the resource now.
        try (InputStream in = open(resource)) {
            MessageDigest md = sha256();
            byte[] buf = new byte[1 << 16];
            long n = 0;
            int r;
            while ((r = in.read(buf)) > 0) {
                md.update(buf, 0, r);
                n += r;
            }
            return new Content(hex(md.digest()), n, false);
        } catch (IOException e) {
            throw new PythonInitializationException(
                    "could not read " + resource + " from the classpath: " + e
                            + ". Use the jar built by 'gradle jar', or set -Dpybridge.native=/path/to/libpybridge.so.",
                    e);
        }
    }

    private static boolean isHex64(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isCount(String s) {
        if (s.isEmpty() || s.length() > 12) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static InputStream open(String resource) {
        InputStream in = NativeCache.class.getResourceAsStream(resource);
        if (in == null) {
            throw new PythonInitializationException(resource.substring(1) + " is missing from the classpath:"
                    + " use the jar built by 'gradle jar' (build/libs/pybridge-*.jar), or set"
                    + " -Dpybridge.native=/path/to/libpybridge.so");
        }
        return in;
    }

    // ---- the cache directory ----------------------------------------------------------------

    private static Path install(Path root, String resource, Content want) throws Unusable, IOException {
        int uid = uid();
        Path realRoot = privateDir(root, uid, true);
        Path dir = privateDir(realRoot.resolve(want.sha256), uid, false);
        Path lib = dir.resolve(LIB);
        Path stamp = dir.resolve(STAMP);
        removeStaleParts(dir);
        Map<String, Object> a = attributes(lib);
        if (a != null && usable(a, uid, want)) {
            if (stamp(a, want).equals(readStamp(stamp))) {
                Logs.debug(() -> "pybridge: native library cache hit " + lib + " (stamp matches, not re-read)");
                return lib; // verified before and unchanged since: no read, no copy
            }
            if (want.sha256.equals(hashOf(lib))) {
                writeStamp(dir, lib, a, want);
                Logs.debug(() -> "pybridge: native library cache hit " + lib + " (re-hashed, stamped)");
                return lib;
            }
        }
        // Missing, or not the jar's content: write it anew and rename it into place.
        Path part = Files.createTempFile(dir, LIB + ".", ".part");
        try {
            MessageDigest md = sha256();
            long n = 0;
            try (InputStream in = open(resource);
                    FileChannel ch =
                            FileChannel.open(part, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = Channels.newOutputStream(ch);
                byte[] buf = new byte[1 << 16];
                int r;
                while ((r = in.read(buf)) > 0) {
                    md.update(buf, 0, r);
                    out.write(buf, 0, r);
                    n += r;
                }
                ch.force(true);
            }
            String got = hex(md.digest());
            if (!got.equals(want.sha256) || n != want.size) {
                throw new PythonInitializationException("the jar's " + resource.substring(1) + " (" + n
                        + " bytes, SHA-256 " + got + ") is not the library its pybridge-build.properties describes ("
                        + want.size + " bytes, SHA-256 " + want.sha256 + "): the jar is damaged or was assembled"
                        + " from two builds. Rebuild it with 'gradle jar'.");
            }
            Files.setPosixFilePermissions(part, LIB_MODE);
            Object ourInode = Files.getAttribute(part, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            publish(part, lib, a == null, uid, want);
            Files.deleteIfExists(part);
            Map<String, Object> now = attributes(lib);
            // Stamp only the file this JVM verified (another JVM may have put its own copy there).
            if (now != null && ourInode.equals(now.get("ino"))) {
                writeStamp(dir, lib, now, want);
            }
            Logs.debug(
                    () -> "pybridge: native library extracted from the jar to " + lib + " (" + want.size + " bytes)");
            return lib;
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /**
     * Puts the verified {@code part} in place as {@code lib}. When there was
     * no file, a hard link publishes it without replacing anything, so JVMs
     * racing on a first start all end up loading the first copy; a JVM that
     * loses the race uses the winner's copy once it has checked it. A bad
     * file (or a file system without hard links) is replaced by an atomic
     * rename.
     */
    private static void publish(Path part, Path lib, boolean wasMissing, int uid, Content want) throws IOException {
        if (wasMissing) {
            try {
                Files.createLink(lib, part);
                return;
            } catch (FileAlreadyExistsException e) {
                Map<String, Object> theirs = attributes(lib);
                if (theirs != null && usable(theirs, uid, want) && want.sha256.equals(hashOf(lib))) {
                    return;
                }
            } catch (UnsupportedOperationException | IOException e) {
                // no hard links here: rename
            }
        }
        Files.move(part, lib, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Creates {@code dir} (0700) if missing and checks it is private: owned
     * by {@code uid}, not writable by group or others, and (for the root)
     * every directory above it owned by root or {@code uid} and not writable
     * by others unless sticky. Returns its real path.
     */
    static Path privateDir(Path dir, int uid, boolean isRoot) throws Unusable, IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = dir.getParent();
            if (isRoot && parent != null && !Files.exists(parent)) {
                createDirectories(parent);
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
            } catch (FileAlreadyExistsException e) {
                // another JVM made it: checked below like any other
            }
        }
        Path real = isRoot ? dir.toRealPath() : dir;
        Map<String, Object> a =
                Files.readAttributes(real, "unix:uid,mode,isDirectory,isSymbolicLink", LinkOption.NOFOLLOW_LINKS);
        if (Boolean.TRUE.equals(a.get("isSymbolicLink")) || !Boolean.TRUE.equals(a.get("isDirectory"))) {
            throw new Unusable(real + " is not a directory");
        }
        int owner = (Integer) a.get("uid");
        int mode = (Integer) a.get("mode");
        if (owner != uid) {
            throw new Unusable(real + " is owned by uid " + owner + ", not by this user (uid " + uid + ")");
        }
        if ((mode & 022) != 0) {
            throw new Unusable(real + " is writable by group or others (mode " + octal(mode) + ")");
        }
        if (isRoot) {
            for (Path up = real.getParent(); up != null; up = up.getParent()) {
                Map<String, Object> u = Files.readAttributes(up, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
                int uo = (Integer) u.get("uid");
                int um = (Integer) u.get("mode");
                if (uo != 0 && uo != uid) {
                    throw new Unusable("the directory above it, " + up + ", is owned by uid " + uo
                            + " (neither root nor this user)");
                }
                if ((um & 022) != 0 && (um & 01000) == 0) {
                    throw new Unusable("the directory above it, " + up + ", is writable by others and not sticky"
                            + " (mode " + octal(um) + ")");
                }
            }
        }
        return real;
    }

    /** Like Files.createDirectories, but what it creates is 0700 (as XDG asks of ~/.cache). */
    private static void createDirectories(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (parent != null && !Files.exists(parent)) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (FileAlreadyExistsException e) {
            // made meanwhile
        }
    }

    private static String octal(int mode) {
        return "0" + Integer.toOctalString(mode & 07777);
    }

    // ---- the file and its stamp -------------------------------------------------------------

    private static Map<String, Object> attributes(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        return Files.readAttributes(
                p, "unix:uid,mode,size,ino,dev,lastModifiedTime,ctime,isRegularFile", LinkOption.NOFOLLOW_LINKS);
    }

    /** A regular file (not a link) of ours, not writable by others, of the expected size. */
    private static boolean usable(Map<String, Object> a, int uid, Content want) {
        return Boolean.TRUE.equals(a.get("isRegularFile"))
                && ((Integer) a.get("uid")) == uid
                && (((Integer) a.get("mode")) & 022) == 0
                && ((Long) a.get("size")) == want.size;
    }

    private static String stamp(Map<String, Object> a, Content want) {
        // times as nanosecond counts: FileTime.toString would load java.time at every start
        return "sha256=" + want.sha256 + "\nsize=" + a.get("size") + "\ndev=" + a.get("dev") + "\nino="
                + a.get("ino") + "\nmtime=" + ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS)
                + "\nctime=" + ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS) + "\n";
    }

    private static String readStamp(Path stamp) {
        try {
            if (!Files.isRegularFile(stamp, LinkOption.NOFOLLOW_LINKS) || Files.size(stamp) > 4096) {
                return null;
            }
            return new String(Files.readAllBytes(stamp), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private static void writeStamp(Path dir, Path lib, Map<String, Object> a, Content want) throws IOException {
        Path part = Files.createTempFile(dir, STAMP + ".", ".part");
        try {
            Files.write(part, stamp(a, want).getBytes(StandardCharsets.UTF_8));
            Files.move(part, dir.resolve(STAMP), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** Deletes temporary files that a JVM killed while writing them left behind. */
    private static void removeStaleParts(Path dir) {
        long cutoff = System.currentTimeMillis() - STALE_PART_MILLIS;
        // (no glob or lambda here: their first use costs milliseconds of class loading at start-up)
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().endsWith(".part")) {
                    continue;
                }
                try {
                    if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() < cutoff) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    // another JVM removed it
                }
            }
        } catch (IOException e) {
            // not worth failing the start for
        }
    }

    static String hashOf(Path p) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) > 0) {
                md.update(buf, 0, r);
            }
        }
        return hex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return sb.toString();
    }
}
