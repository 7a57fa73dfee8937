//! `Native.encodeString`: a long Java string written straight into the
//! request buffer as the wire's `STR_ASCII`, `STR_LATIN1` or `STR_UTF16`.
//!
//! JNI offers a string's characters as UTF-16 only, which inflates a
//! Latin-1 string to twice its size and then needs a scan and a narrowing.
//! On JVMs with compact strings (JDK 9+) a string stored as Latin-1 is
//! instead copied from its own `byte[]` (`java.lang.String`'s private
//! `value` and `coder` fields, which JNI reads without access checks), in
//! one copy split across cores that ORs the bytes as it goes: below 0x80,
//! the text is ASCII and Python makes the str without a scan. The layout is
//! checked on every use; a JVM without these fields, or running with
//! `-XX:-CompactStrings`, takes the portable path (`GetStringRegion`).
//! Measured in docs/decisions/strings-callbacks-names-close.md ("Large Java Strings to Python").

use super::raw;
use jni::sys::{JNI_ABORT, JNIEnv, jfieldID, jsize, jstring};

/// `java.lang.String`'s own fields on JVMs with compact strings: `value`
/// (`byte[]`) and `coder` (0: one Latin-1 byte per char, 1: UTF-16).
struct StringFields {
    value: jfieldID,
    coder: jfieldID,
}

// SAFETY: field ids are plain process-wide identifiers, valid for as long as
// their class is loaded (java.lang.String never unloads), on any thread.
unsafe impl Send for StringFields {}
// SAFETY: as above; they are only read.
unsafe impl Sync for StringFields {}

static STRING_FIELDS: std::sync::OnceLock<Option<StringFields>> = std::sync::OnceLock::new();

/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending.
unsafe fn string_fields(env: *mut JNIEnv) -> Option<&'static StringFields> {
    STRING_FIELDS
        .get_or_init(|| {
            // SAFETY: per the function contract (a failed lookup leaves no
            // exception pending).
            let value = unsafe { raw::field_id(env, c"java/lang/String", c"value", c"[B") };
            if value.is_null() {
                log::info!("pybridge: no compact-string fields in java.lang.String; long strings are copied as UTF-16");
                return None;
            }
            // SAFETY: as above.
            let coder = unsafe { raw::field_id(env, c"java/lang/String", c"coder", c"B") };
            if coder.is_null() {
                log::info!("pybridge: no compact-string fields in java.lang.String; long strings are copied as UTF-16");
                return None;
            }
            Some(StringFields { value, coder })
        })
        .as_ref()
}

/// Copies the characters of a Latin-1 (compact) Java string of `n` chars to
/// `dst` straight from the string's own array, and returns the OR of them
/// (below 0x80: ASCII). `None` when the string is not stored that way (or
/// the JVM does not store strings so), and nothing was written.
///
/// # Safety
/// `env` valid with no exception pending, `s` a live string of `n` chars,
/// `dst` writable for `n` bytes.
unsafe fn copy_latin1_string(env: *mut JNIEnv, s: jstring, n: usize, dst: *mut u8) -> Option<u8> {
    // SAFETY: per the function contract.
    let fields = unsafe { string_fields(env) }?;
    // SAFETY: `s` is a live String, and `coder` its byte field.
    if unsafe { raw::get_byte_field(env, s, fields.coder) } != 0 {
        return None;
    }
    // SAFETY: as above, and `value` its byte[] field: a new local reference.
    let value = unsafe { raw::get_object_field(env, s, fields.value) };
    if value.is_null() {
        return None;
    }
    let mut done = None;
    // SAFETY: `value` is a live byte[].
    if unsafe { raw::get_array_length(env, value) } as usize == n {
        // The array is only read, inside a critical section that makes no
        // other JNI call, and released with JNI_ABORT (nothing to copy back).
        // SAFETY: `value` is a live primitive array; no exception pending.
        let p = unsafe { raw::get_primitive_array_critical(env, value) };
        if !p.is_null() {
            // SAFETY: `p` holds the array's `n` bytes; `dst` is writable for
            // `n` bytes (the contract) and is Java's direct buffer, not the array.
            let or = unsafe { crate::values::copy::copy_or(p.cast::<u8>(), dst, n) };
            // SAFETY: ends the critical section opened above on `value`.
            unsafe { raw::release_primitive_array_critical(env, value, p, JNI_ABORT) };
            done = Some(or);
        }
    }
    // SAFETY: `value` is the local reference made above, not used afterwards.
    unsafe { raw::delete_local_ref(env, value) };
    done
}

/// Writes a wire string header: the tag and the length in characters.
fn header(out: &mut [u8], tag: u8, n: usize) {
    out[0] = tag;
    out[1..5].copy_from_slice(&(n as i32).to_le_bytes());
}

/// Encodes the `n`-char string `s` into `out` (Java's request buffer, at
/// least `5 + 2n` bytes): `STR_LATIN1` (or `STR_ASCII`) when every unit is
/// below 0x100, else `STR_UTF16`. Returns the bytes written, or -1 if a Java
/// exception is pending.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending,
/// and `s` a live string of exactly `n` UTF-16 units.
pub(super) unsafe fn encode(env: *mut JNIEnv, s: jstring, n: usize, out: &mut [u8]) -> i32 {
    use crate::values::wire::{STR_ASCII, STR_LATIN1, STR_UTF16};
    debug_assert!(out.len() >= 5 + 2 * n);
    let text = &mut out[5..5 + 2 * n];
    // SAFETY: per the function contract; `text` is writable for 2n >= n bytes.
    if let Some(or) = unsafe { copy_latin1_string(env, s, n, text.as_mut_ptr()) } {
        header(out, if or < 0x80 { STR_ASCII } else { STR_LATIN1 }, n);
        return (5 + n) as i32;
    }
    // One JNI copy of the UTF-16 units (written unaligned: `text` starts at
    // an odd offset), narrowed in place when they allow it.
    // SAFETY: per the function contract; `text` is writable for `n` units.
    unsafe { raw::get_string_region(env, s, 0, n as jsize, text.as_mut_ptr().cast()) };
    // SAFETY: `env` is valid.
    if unsafe { raw::exception_check(env) } {
        return -1;
    }
    let max = text
        .chunks_exact(2)
        .fold(0u16, |m, u| m | u16::from_le_bytes([u[0], u[1]]));
    if max < 0x100 {
        // Unit i's low byte (its first, little-endian) goes to byte i: written
        // at or before the unit is read.
        for i in 0..n {
            text[i] = text[2 * i];
        }
        header(out, if max < 0x80 { STR_ASCII } else { STR_LATIN1 }, n);
        (5 + n) as i32
    } else {
        // Already UTF-16LE (x86-64 and aarch64 are little-endian).
        header(out, STR_UTF16, n);
        (5 + 2 * n) as i32
    }
}
