//! The contract between this library and the Java side, written once.
//!
//! Every number both sides must agree on is here: the operation codes of
//! `Native.invoke`, the wire format's tags, the status codes of a reply,
//! result modes, numpy dtypes, release paths, the order of the statistics,
//! and a few limits. `tools/gen_contract.py` reads this file at build time
//! and writes `org/pybridge/Contract.java` (the way libsignal generates its
//! `Native.kt`): adding an operation is one line here. The generator only
//! understands the `table!` blocks below (doc comments, `NAME = value,`);
//! `ABI_VERSION` guards the rest of the boundary (the signatures of the
//! native methods, the layout of each request and reply), and Java checks
//! it right after loading the library.

/// Version of the boundary; bump it with any change a stale library or stale
/// Java classes would misread.
pub const ABI_VERSION: i32 = 20;

/// Declares one table: a module of constants, and `ALL` listing them (for
/// tests; the Java generator reads the source).
macro_rules! table {
    ($(#[doc = $d:literal])* pub mod $name:ident : $t:ty {
        $( $(#[doc = $ed:literal])* $c:ident = $v:expr ),* $(,)?
    }) => {
        $(#[doc = $d])*
        pub mod $name {
            $( $(#[doc = $ed])* pub const $c: $t = $v; )*
            /// Every entry, by name (for tests).
            #[allow(dead_code)]
            pub const ALL: &[(&str, i64)] = &[ $( (stringify!($c), $v as i64) ),* ];
        }
    };
}

table! {
    /// Operation codes: what `Native.invoke(op, ...)` does. A virtual
    /// thread holding a GIL lease tags its calls with the lease's slot
    /// (`op | slot << limit::LEASE_SLOT_SHIFT`).
    pub mod op: i32 {
        /// Starts the interpreter (no GIL).
        INIT = 0,
        /// Runs statements in a globals dict.
        EXEC = 1,
        /// Evaluates an expression.
        EVAL = 2,
        /// `import name`.
        IMPORT = 3,
        /// The `builtins` module.
        BUILTINS = 4,
        /// The `__main__` module.
        MAIN_MODULE = 5,
        /// A Java value as a new Python object.
        TO_PYTHON = 6,
        /// A handle's object as Java values.
        TO_JAVA = 7,
        /// `getattr`.
        GETATTR = 8,
        /// `setattr`.
        SETATTR = 9,
        /// `hasattr`.
        HASATTR = 10,
        /// `f(*args, **kwargs)`.
        CALL = 11,
        /// `obj.name(*args, **kwargs)`.
        CALLATTR = 12,
        /// `obj[key]`.
        GETITEM = 13,
        /// `obj[key] = value`.
        SETITEM = 14,
        /// `len(obj)`.
        LEN = 15,
        /// The qualified type name.
        TYPENAME = 16,
        /// `repr(obj)`.
        REPR = 17,
        /// `str(obj)`.
        STR = 18,
        /// Releases one handle.
        RELEASE = 19,
        /// Releases many handles under one GIL acquisition.
        RELEASE_BATCH = 20,
        /// Queues handles the JVM collected for the release thread (no GIL).
        ENQUEUE = 21,
        /// The counters (no GIL), in `stat` order.
        STATS = 22,
        /// Takes a GIL lease (a virtual thread: a lease slot).
        GIL_ACQUIRE = 23,
        /// Ends one level of a GIL lease.
        GIL_RELEASE = 24,
        /// `releaseGilWhile`: lets others run Python.
        GIL_SUSPEND = 25,
        /// After `releaseGilWhile`, or a reply that asked the virtual thread to take its lease back.
        GIL_RESUME = 26,
        /// How many leases the thread holds.
        GIL_DEPTH = 27,
        /// Makes the native side panic (tests of the boundary).
        DEBUG_PANIC = 28,
        /// Thread states in the interpreter.
        THREAD_STATES = 29,
        /// Which Python runs (no GIL).
        INFO = 30,
        /// Releases queued handles now, on this thread.
        DRAIN = 31,
        /// `del obj[key]`.
        DELITEM = 32,
        /// `key in obj`.
        CONTAINS = 33,
        /// `iter(obj)`.
        ITER = 35,
        /// `next(it)`, or exhaustion.
        ITER_NEXT = 36,
        /// `a is b`.
        IS = 37,
        /// The reference count.
        REFCOUNT = 38,
        /// Ids of Java objects Python freed (no GIL).
        TAKE_FREED_FUNCTIONS = 39,
        /// `numpy.empty(shape, dtype)`: the array's handle, address and length.
        NUMPY_EMPTY = 40,
        /// A handle's buffer: address, length, read-only, dtype, shape, memoryview handle.
        AS_BUFFER = 41,
        /// A numpy array over a Java direct buffer, in one call.
        NUMPY_VIEW = 42,
        /// The lease running Java code now, for a caller that gave up waiting (no GIL).
        LEASE_INFO = 43,
        /// Ends a virtual thread's lease whose thread died (no GIL).
        LEASE_BREAK = 44,
        /// Creates a sub-interpreter bound to the calling thread (no GIL).
        INTERP_NEW = 45,
        /// Ends the calling thread's sub-interpreter (no GIL).
        INTERP_END = 46,
    }
}

table! {
    /// The wire format's tags: each value is a tag byte and its payload
    /// (see `values/wire.rs` for the payloads).
    pub mod tag: u8 {
        /// `None` / null.
        NONE = 0,
        /// `False`.
        FALSE = 1,
        /// `True`.
        TRUE = 2,
        /// i64.
        INT = 3,
        /// i32 n, n bytes big-endian two's complement.
        BIGINT = 4,
        /// f64.
        FLOAT = 5,
        /// i32 n, n bytes (code points 0..=255).
        STR_LATIN1 = 6,
        /// i32 n, n UTF-16LE code units (lone surrogates kept).
        STR_UTF16 = 7,
        /// i32 n, n bytes.
        BYTES = 8,
        /// i32 n, n values.
        LIST = 9,
        /// i32 n, n values.
        TUPLE = 10,
        /// i32 n, n (key, value) pairs.
        DICT = 11,
        /// i32 n, n values.
        SET = 12,
        /// i32 n, n values.
        FROZENSET = 13,
        /// i64 id, i32 slot: a Python object the Java side holds.
        HANDLE = 14,
        /// i32 n, n i64 (a Java long[]).
        LIST_I64 = 15,
        /// i32 n, n f64 (a Java double[]).
        LIST_F64 = 16,
        /// (reply) The object the request was about, unchanged.
        SELF = 17,
        /// i64 id, string: a Java function object.
        JAVA_FN = 18,
        /// i64 id, string class name: a Java object passed through opaque.
        JAVA_OBJ = 19,
        /// (reply) A numpy array for Java to copy from memory a memoryview handle keeps valid.
        NDARRAY = 20,
        /// (request) A Java NDArray: dtype, shape, data bytes.
        NDARRAY_DATA = 21,
        /// (request) i64 id, i64 address, i64 length, u8 read-only: a direct ByteBuffer.
        JAVA_BUF = 22,
        /// (reply) A large str Java copies from its own memory (kind, n, address, handle).
        STR_REF = 23,
        /// (request) Latin-1 bytes known to be ASCII.
        STR_ASCII = 24,
        /// u8 kind (`ext`), then one value (the parts): a value of a Python
        /// library type (datetime, Decimal…) and its Java counterpart
        /// (java.time, BigDecimal). Numbered apart from the others so that
        /// tags added elsewhere do not collide.
        EXT = 40,
    }
}

table! {
    /// What a reply is: the upper 32 bits of `Native.invoke`'s result.
    pub mod status: i32 {
        /// The result follows.
        OK = 0,
        /// A Python exception: type, message, traceback, line, offset, frames, Java cause id.
        PYTHON_ERROR = 1,
        /// A released handle: its id and type name.
        RELEASED = 2,
        /// `IllegalArgumentException`.
        ILLEGAL_ARGUMENT = 3,
        /// `PythonInitializationException`.
        INIT_ERROR = 4,
        /// `IllegalStateException`.
        ILLEGAL_STATE = 5,
        /// A bug: `PyBridgeException`.
        INTERNAL = 6,
        /// A Rust panic, caught: `PyBridgeException`.
        PANIC = 7,
        /// `ClassCastException`.
        CLASS_CAST = 8,
        /// Another thread's GIL lease runs Java code: nothing was done; wait, then send it again.
        LEASE_BUSY = 9,
        /// The result follows, but this virtual thread must take its GIL lease back first.
        OK_REENTER = 10,
        /// A lease holder's call runs Python: nothing was done; wait (no time limit), then send it again.
        LEASE_WAIT = 11,
        /// (`Native.callLongStatus` only) The parked reply is a result, not an error.
        CALL_LONG_RESULT = 255,
    }
}

table! {
    /// How a Python result is handed to Java.
    pub mod mode: u8 {
        /// Always a handle, nothing converted.
        HANDLE = 0,
        /// Converted; what has no Java counterpart becomes a handle.
        CONVERT = 1,
        /// Converted; what has no Java counterpart is an error (no handle made).
        STRICT = 2,
        /// Scalars converted, anything else a handle.
        SHALLOW = 3,
        /// A list or tuple as a list of shallow items.
        ELEMENTS = 4,
    }
}

table! {
    /// numpy dtypes Java has a primitive array for.
    pub mod dtype: u8 {
        /// float64: double[].
        F64 = 1,
        /// float32: float[].
        F32 = 2,
        /// int64: long[].
        I64 = 3,
        /// int32: int[].
        I32 = 4,
        /// int16: short[].
        I16 = 5,
        /// int8: byte[].
        I8 = 6,
        /// uint8: byte[].
        U8 = 7,
        /// bool: boolean[].
        BOOL = 8,
        /// float16: short[] (the IEEE 754 half-precision bits).
        F16 = 9,
        /// uint16: short[] (the same bits; `NDArray.isUnsigned`).
        U16 = 10,
        /// uint32: int[] (the same bits).
        U32 = 11,
        /// uint64: long[] (the same bits).
        U64 = 12,
        /// datetime64 of a unit: long[] (counts since the epoch); the code
        /// is this plus the unit's index in `Y M W D h m s ms us ns ps fs as`.
        DATETIME64 = 32,
        /// timedelta64 of a unit: long[]; this plus the unit's index, as above.
        TIMEDELTA64 = 48,
        /// (`NUMPY_VIEW` request) Added to the code: the Java buffer is big-endian.
        BIG_ENDIAN = 128,
    }
}

table! {
    /// Kinds of `tag::EXT` values, and their parts (a list).
    pub mod ext: u8 {
        /// `datetime.date` <-> `LocalDate`: year, month, day.
        DATE = 1,
        /// naive `datetime.time` <-> `LocalTime`: hour, minute, second, nanosecond.
        TIME = 2,
        /// aware `datetime.time` <-> `OffsetTime`: as `TIME`, then the UTC offset in seconds.
        TIME_OFFSET = 3,
        /// naive `datetime.datetime` <-> `LocalDateTime`: year, month, day, hour, minute, second, nanosecond.
        DATETIME = 4,
        /// aware `datetime.datetime` <-> `OffsetDateTime`: as `DATETIME`, then the offset in seconds.
        DATETIME_OFFSET = 5,
        /// `datetime.datetime` with a `zoneinfo.ZoneInfo` <-> `ZonedDateTime`: as `DATETIME_OFFSET`, then the zone id.
        DATETIME_ZONED = 6,
        /// (request) `Instant`: epoch seconds, nanosecond; an aware UTC `datetime` in Python.
        INSTANT = 7,
        /// `datetime.timedelta` <-> `Duration`: seconds, nanosecond (0..1e9).
        DURATION = 8,
        /// `decimal.Decimal` <-> `BigDecimal`: the text (finite only).
        DECIMAL = 9,
    }
}

table! {
    /// `op::INIT`'s flags byte (bits): how the interpreter is started.
    pub mod init_flag: u8 {
        /// A home directory follows (`PyConfig.home`): the base prefix when
        /// `PYTHONHOME` is set (so the bad value is ignored), or a runtime
        /// extracted from a jar.
        HOME = 1,
        /// No user site-packages (`PyConfig.user_site_directory = 0`): a
        /// runtime extracted from a jar sees only its own packages.
        NO_USER_SITE = 2,
    }
}

table! {
    /// Operations of `_meta(op, ...)`, the second dispatcher function the
    /// Java bridge hands Python (`JavaBridge.meta`, used by `java_bridge.py`).
    pub mod java_meta: i32 {
        /// A class by name for an import: its description, or None.
        IMPORT = 1,
        /// A known class's description.
        DESCRIBE = 2,
        /// Whether a name is a Java package Python may import.
        PACKAGE = 3,
        /// The class names of a thrown Java exception, most derived first.
        ANCESTRY = 4,
        /// A thrown Java exception, as a live proxy.
        THROWN = 5,
        /// `toString()` (arrays: their elements).
        STR = 6,
        /// `equals`.
        EQ = 7,
        /// `hashCode`.
        HASH = 8,
        /// Java's `==`.
        SAME = 9,
        /// `compareTo`.
        CMP = 10,
        /// The next elements of an iterator (at most n).
        NEXT = 11,
        /// An array's length.
        ALEN = 12,
        /// An array element.
        AGET = 13,
        /// Sets an array element.
        ASET = 14,
        /// A new array.
        ANEW = 15,
        /// A slice of an array, as a list.
        ASLICE = 16,
        /// Reads a field.
        GET = 17,
        /// Writes a field.
        SET = 18,
        /// `isInstance`.
        INSTANCEOF = 19,
        /// `isAssignableFrom`.
        ASSIGNABLE = 20,
        /// A map's value for a key (an empty list when absent).
        MGET = 21,
        /// `Map.put`.
        MPUT = 22,
        /// `Map.remove`, and whether the key was there.
        MDEL = 23,
        /// `List.remove(int)`.
        LDEL = 24,
        /// Calls a functional object.
        FCALL = 25,
        /// `getClass()`, as a live proxy.
        CLASS = 26,
        /// A primitive array's elements as bytes.
        ABYTES = 27,
        /// Exports a primitive array's elements as a buffer (a copy).
        ABUF = 28,
        /// Releases an exported buffer, writing it back into the array if asked.
        ABUF_BACK = 29,
        /// Enters (true) or exits (false) an object's monitor on the calling
        /// thread (JNI `MonitorEnter`/`MonitorExit`, `Native.monitor`).
        MONITOR = 30,
    }
}

table! {
    /// What a Java class is, as bits (`JavaBridge` describes a class with
    /// them; `java_bridge.py` picks the proxy's Python protocols by them).
    pub mod java_kind: i32 {
        /// `Iterable`.
        ITERABLE = 1,
        /// `Collection`.
        COLLECTION = 2,
        /// `List`.
        LIST = 4,
        /// `Set`.
        SET = 8,
        /// `Map`.
        MAP = 16,
        /// `Iterator`.
        ITERATOR = 32,
        /// `AutoCloseable`.
        CLOSEABLE = 64,
        /// `Comparable`.
        COMPARABLE = 128,
        /// An array class (no other bit).
        ARRAY = 256,
        /// A functional interface (one abstract method).
        FUNCTIONAL = 1024,
        /// `java.util.concurrent.CompletionStage`: awaitable in Python (PyAsync).
        AWAITABLE = 2048,
    }
}

table! {
    /// `PyObject.kind()`: the `PyKind` constants, as the Python helper that
    /// decides them returns them (`python/pybridge/runtime/support.py`).
    pub mod py_kind: i32 {
        /// `PyKind.SCALAR`.
        SCALAR = 0,
        /// `PyKind.MAPPING`.
        MAPPING = 1,
        /// `PyKind.SEQUENCE`.
        SEQUENCE = 2,
        /// `PyKind.CALLABLE`.
        CALLABLE = 3,
        /// `PyKind.ITERABLE`.
        ITERABLE = 4,
        /// `PyKind.OTHER`.
        OTHER = 5,
    }
}

table! {
    /// Which way a handle was released (counted separately).
    pub mod path: i32 {
        /// `PyObject.close()`.
        CLOSE = 0,
        /// A `ResourceScope` closed.
        SCOPE = 1,
        /// The JVM collected the wrapper.
        GC = 2,
    }
}

table! {
    /// The counters `op::STATS` returns, in this order (i64 each).
    pub mod stat: i32 {
        /// Handles holding a Python reference now (created minus released).
        LIVE = 0,
        /// Handles created.
        CREATED = 1,
        /// Released by `close()`.
        RELEASED_CLOSE = 2,
        /// Released by a scope.
        RELEASED_SCOPE = 3,
        /// Released through the GC.
        RELEASED_GC = 4,
        /// Queued for release, not dropped yet.
        QUEUED = 5,
        /// Thread states pybridge keeps for JVM threads.
        THREAD_STATES = 6,
        /// Thread states freed because their thread ended.
        THREAD_STATES_FREED = 7,
        /// Leases ended because their thread ended holding them.
        GIL_ABANDONED = 8,
        /// Release batches dropped.
        RELEASE_BATCHES = 9,
        /// Exceptions raised by `__del__` while releasing.
        RELEASE_ERRORS = 10,
        /// Occupied slots as the table counts them.
        TABLE_SIZE = 11,
        /// Calls that waited at the call gate and got in.
        GATE_WAITS = 12,
        /// Calls that gave up waiting at the call gate.
        GATE_FALLBACKS = 13,
        /// Panics the release thread caught.
        RELEASE_RECOVERIES = 14,
        /// How many counters there are.
        COUNT = 15,
    }
}

table! {
    /// Limits and markers both sides use.
    pub mod limit: i64 {
        /// Deepest nesting converted either way.
        MAX_DEPTH = 512,
        /// A virtual thread's lease slot is tagged into the op at this bit.
        LEASE_SLOT_SHIFT = 16,
        /// What `Native.callLong` returns when the caller must ask `callLongStatus`.
        CALL_LONG_SLOW = i64::MIN + 0x5EED_0001,
    }
}

/// The tables Python code reads, by name: the `pybridge` module of every
/// interpreter carries them as `pybridge._contract` (a dict of dicts, set
/// when the module is installed), so no `.py` file writes a number down.
pub const FOR_PYTHON: &[(&str, &[(&str, i64)])] = &[
    ("ext", ext::ALL),
    ("java_meta", java_meta::ALL),
    ("java_kind", java_kind::ALL),
    ("py_kind", py_kind::ALL),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn distinct(name: &str, all: &[(&str, i64)]) {
        let codes: HashSet<i64> = all.iter().map(|e| e.1).collect();
        assert_eq!(codes.len(), all.len(), "two {name} entries share a code");
    }

    #[test]
    fn codes_are_distinct_within_each_table() {
        distinct("op", op::ALL);
        distinct("tag", tag::ALL);
        distinct("status", status::ALL);
        distinct("mode", mode::ALL);
        distinct("dtype", dtype::ALL);
        distinct("ext", ext::ALL);
        distinct("path", path::ALL);
        distinct("stat", stat::ALL);
        distinct("java_meta", java_meta::ALL);
        distinct("java_kind", java_kind::ALL);
        distinct("py_kind", py_kind::ALL);
    }

    #[test]
    fn ops_leave_room_for_the_lease_slot() {
        assert!(op::ALL.iter().all(|e| e.1 < (1 << limit::LEASE_SLOT_SHIFT)));
    }

    #[test]
    fn stats_are_numbered_in_order() {
        for (i, e) in stat::ALL.iter().enumerate() {
            assert_eq!(e.1, i as i64, "stat {} out of order", e.0);
        }
    }
}

table! {
    /// Process interpreters (`process_child.rs`, `ProcessChannel.java`): the
    /// frames on the child's pipes. A request is a header (i32 op, i64 id,
    /// i32 slot, i32 length, little-endian) and the request bytes of
    /// `Native.invoke`; a reply a header (i32 status, i32 length) and the
    /// reply bytes. Values inside use the wire format above, unchanged.
    pub mod process: i32 {
        /// Bytes of a request frame's header.
        REQUEST_HEADER = 20,
        /// Bytes of a reply frame's header.
        REPLY_HEADER = 8,
        /// A request (no reply) that ends the child at once.
        OP_EXIT = 1000,
        /// The child's first frame (status OK, no bytes): it is ready.
        HELLO_STATUS = 0,
        /// A reply frame's status when it is a call into the JVM instead
        /// (i64 function id, then the request bytes of `Callbacks.invoke`).
        CALLBACK = 1001,
        /// A request frame's op carrying the JVM's reply to `CALLBACK`.
        CALLBACK_REPLY = 1002,
    }
}
