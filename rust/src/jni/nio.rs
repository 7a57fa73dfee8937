//! What a direct `ByteBuffer`'s memory is (`Native.bufferOrigin`,
//! `Native.bufferSegment`): a mapped file, the memory segment of an
//! `Arena`, or neither. Read from `java.nio`'s own fields with JNI (no
//! access checks, no `--add-opens`).

use super::raw;
use jni::sys::{JNIEnv, jfieldID, jint, jobject};

/// `java.nio.MappedByteBuffer.fd` and `java.nio.Buffer.segment` (null when
/// this JVM's buffers have no such field).
struct BufferFields {
    fd: jfieldID,
    segment: jfieldID,
}

// SAFETY: field ids are process-wide identifiers, valid while their classes
// are loaded (java.nio classes never unload), on any thread.
unsafe impl Send for BufferFields {}
// SAFETY: as above; only read.
unsafe impl Sync for BufferFields {}

static BUFFER_FIELDS: std::sync::OnceLock<Option<BufferFields>> = std::sync::OnceLock::new();

/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending.
unsafe fn buffer_fields(env: *mut JNIEnv) -> Option<&'static BufferFields> {
    BUFFER_FIELDS
        .get_or_init(|| {
            // SAFETY: per the function contract (a failed lookup leaves no
            // exception pending, so the next may follow).
            let fd = unsafe {
                raw::field_id(env, c"java/nio/MappedByteBuffer", c"fd", c"Ljava/io/FileDescriptor;")
            };
            // The field's type changed across JDKs (an incubator proxy in
            // 17, java.lang.foreign.MemorySegment since 19).
            // SAFETY: as above.
            let mut segment = unsafe {
                raw::field_id(env, c"java/nio/Buffer", c"segment", c"Ljava/lang/foreign/MemorySegment;")
            };
            if segment.is_null() {
                // SAFETY: as above.
                segment = unsafe {
                    raw::field_id(
                        env,
                        c"java/nio/Buffer",
                        c"segment",
                        c"Ljdk/internal/access/foreign/MemorySegmentProxy;",
                    )
                };
            }
            if fd.is_null() {
                log::warn!("pybridge: java.nio.MappedByteBuffer has no 'fd' field; memory-mapped buffers cannot be recognised");
                return None;
            }
            Some(BufferFields { fd, segment })
        })
        .as_ref()
}

/// Bit 0: `buffer` maps a file; bit 1: it was made from a memory segment.
/// -1 when this JVM's buffers do not have the fields looked for (unknown).
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `buffer` is a live direct `ByteBuffer` (Java asks about no other).
pub(super) unsafe fn origin(env: *mut JNIEnv, buffer: jobject) -> jint {
    // SAFETY: per the function contract.
    let Some(fields) = (unsafe { buffer_fields(env) }) else {
        return -1;
    };
    let mut flags = 0;
    // SAFETY: `buffer` is a live direct ByteBuffer, hence a MappedByteBuffer
    // (DirectByteBuffer extends it), which has `fd`; a new local reference
    // or null.
    let fd = unsafe { raw::get_object_field(env, buffer, fields.fd) };
    if !fd.is_null() {
        flags |= 1;
        // SAFETY: the local reference made above, not used afterwards.
        unsafe { raw::delete_local_ref(env, fd) };
    }
    // SAFETY: per the function contract.
    let seg = unsafe { segment(env, buffer) };
    if !seg.is_null() {
        flags |= 2;
        // SAFETY: the local reference made above, not used afterwards.
        unsafe { raw::delete_local_ref(env, seg) };
    }
    flags
}

/// The memory segment `buffer` was made from (`java.nio.Buffer.segment`):
/// a new local reference, or null.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `buffer` is a live `ByteBuffer`.
pub(super) unsafe fn segment(env: *mut JNIEnv, buffer: jobject) -> jobject {
    // SAFETY: per the function contract.
    match unsafe { buffer_fields(env) } {
        // SAFETY: `segment` is a field of java.nio.Buffer, which `buffer` is.
        Some(fields) if !fields.segment.is_null() => unsafe {
            raw::get_object_field(env, buffer, fields.segment)
        },
        _ => std::ptr::null_mut(),
    }
}
