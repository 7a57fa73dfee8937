//! Strs (`unicodeobject.h`): made from Latin-1 or UTF-16 bytes, or filled
//! in place; their internal data read as it is; interned.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::ffi::c_int;

/// A new str of the code points `b` (0..=255 each), scanned by CPython for
/// its widest character.
#[inline]
pub(crate) fn from_latin1<'py>(py: Python<'py>, b: &[u8]) -> PyResult<Bound<'py, PyString>> {
    // SAFETY: the GIL is held (`py`); `b` is valid for its length (which a
    // slice keeps within isize::MAX); a new reference, or NULL with an
    // exception set.
    let p = unsafe {
        ffi::PyUnicode_FromKindAndData(
            ffi::PyUnicode_1BYTE_KIND as c_int,
            b.as_ptr().cast(),
            b.len() as ffi::Py_ssize_t,
        )
    };
    // SAFETY: `p` is that new reference, owned from here on, or NULL.
    let s = unsafe { Bound::from_owned_ptr_or_err(py, p) }?;
    // SAFETY: PyUnicode_FromKindAndData makes a str.
    Ok(unsafe { s.cast_into_unchecked() })
}

/// A new str of UTF-16LE code units, lone surrogates kept (`surrogatepass`,
/// as Java strings allow them).
#[inline]
pub(crate) fn from_utf16le<'py>(py: Python<'py>, b: &[u8]) -> PyResult<Bound<'py, PyString>> {
    let mut order: c_int = -1; // little-endian
    // SAFETY: the GIL is held (`py`); `b` is valid for its length; the
    // error handler name is a NUL-terminated static string; `order` is a
    // valid in/out pointer; a new reference, or NULL with an exception set.
    let p = unsafe {
        ffi::PyUnicode_DecodeUTF16(
            b.as_ptr().cast(),
            b.len() as ffi::Py_ssize_t,
            c"surrogatepass".as_ptr(),
            &mut order,
        )
    };
    // SAFETY: `p` is that new reference, owned from here on, or NULL.
    let s = unsafe { Bound::from_owned_ptr_or_err(py, p) }?;
    // SAFETY: PyUnicode_DecodeUTF16 makes a str.
    Ok(unsafe { s.cast_into_unchecked() })
}

/// A new compact str of `len` one-byte characters, none above `max` (0x7f:
/// ASCII, or 0xff), whose data the caller writes: returns the str and the
/// address of its `len` bytes of data. No scan of the characters, and the
/// caller's copy may be split across cores.
///
/// # Safety
/// Before the str is used in any way other than being dropped, the caller
/// writes all `len` bytes at the address, each at most `max`.
#[inline]
pub(crate) unsafe fn new_1byte_uninit(
    py: Python<'_>,
    len: usize,
    max: u32,
) -> PyResult<(Bound<'_, PyString>, *mut u8)> {
    debug_assert!(max <= 0xff);
    // SAFETY: the GIL is held (`py`); PyUnicode_New(n, max <= 0xff) makes
    // a compact 1-byte-kind str with room for exactly `len` bytes; a new
    // reference, or NULL with an exception set.
    let p = unsafe { ffi::PyUnicode_New(len as ffi::Py_ssize_t, max) };
    // SAFETY: `p` is that new reference, owned from here on, or NULL.
    let s = unsafe { Bound::from_owned_ptr_or_err(py, p) }?;
    // SAFETY: `s` is a live compact str: its data pointer is valid.
    let data = unsafe { ffi::PyUnicode_DATA(s.as_ptr()) }.cast::<u8>();
    // SAFETY: PyUnicode_New makes a str.
    Ok((unsafe { s.cast_into_unchecked() }, data))
}

/// A str's characters as CPython stores them: one, two or four bytes each.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StrData<'a> {
    /// Code points 0..=255.
    Latin1(&'a [u8]),
    /// Code points up to U+FFFF, lone surrogates included.
    Ucs2(&'a [u16]),
    /// Any code point.
    Ucs4(&'a [u32]),
}

impl StrData<'_> {
    /// The number of characters.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            StrData::Latin1(d) => d.len(),
            StrData::Ucs2(d) => d.len(),
            StrData::Ucs4(d) => d.len(),
        }
    }

    /// Bytes per character (CPython's "kind": 1, 2 or 4).
    #[inline]
    pub(crate) fn kind(&self) -> usize {
        match self {
            StrData::Latin1(_) => 1,
            StrData::Ucs2(_) => 2,
            StrData::Ucs4(_) => 4,
        }
    }

    /// The address of the first character.
    #[inline]
    pub(crate) fn addr(&self) -> usize {
        match self {
            StrData::Latin1(d) => d.as_ptr() as usize,
            StrData::Ucs2(d) => d.as_ptr() as usize,
            StrData::Ucs4(d) => d.as_ptr() as usize,
        }
    }
}

/// A str's characters where they are, for as long as the `Bound` is
/// borrowed: a str is immutable once another reference to it exists, and
/// CPython resizes one in place only when nothing else refers to it.
///
/// Version-specific: from 3.12 every str is "ready" (kind and data valid);
/// before, a str made by the deprecated `Py_UNICODE` API may not be, and
/// needs `PyUnicode_READY` first (which can fail, with `MemoryError`).
/// pybridge's own strs, and every str the interpreter makes, are ready.
#[inline]
pub(crate) fn data<'a>(s: &'a Bound<'_, PyString>) -> PyResult<StrData<'a>> {
    let p = s.as_ptr();
    ready(s)?;
    // SAFETY: `p` is a live str (`Bound<PyString>`), and the GIL is held.
    let n = unsafe { ffi::PyUnicode_GET_LENGTH(p) } as usize;
    // SAFETY: as above.
    let kind = unsafe { ffi::PyUnicode_KIND(p) };
    // SAFETY: as above.
    let d = unsafe { ffi::PyUnicode_DATA(p) };
    Ok(match kind {
        ffi::PyUnicode_1BYTE_KIND => {
            // SAFETY: a 1-byte-kind str holds `n` u8s at `d`, alive (and
            // unchanged) while `s` is borrowed.
            let chars = unsafe { std::slice::from_raw_parts(d.cast(), n) };
            StrData::Latin1(chars)
        }
        ffi::PyUnicode_2BYTE_KIND => {
            // SAFETY: a 2-byte-kind str holds `n` aligned u16s at `d` (as above).
            let chars = unsafe { std::slice::from_raw_parts(d.cast(), n) };
            StrData::Ucs2(chars)
        }
        _ => {
            // SAFETY: a 4-byte-kind str holds `n` aligned u32s at `d` (as above).
            let chars = unsafe { std::slice::from_raw_parts(d.cast(), n) };
            StrData::Ucs4(chars)
        }
    })
}

/// Makes a str's kind and data valid (`PyUnicode_READY`); from 3.12 on
/// every str is, and there is nothing to do.
#[cfg(not(Py_3_12))]
#[inline]
fn ready(s: &Bound<'_, PyString>) -> PyResult<()> {
    // SAFETY: `s` is a live str and the GIL is held; PyUnicode_READY
    // fills in the canonical representation of a legacy str in place (0),
    // or sets an exception (-1).
    if unsafe { ffi::PyUnicode_READY(s.as_ptr()) } != 0 {
        return Err(PyErr::fetch(s.py()));
    }
    Ok(())
}

/// Makes a str's kind and data valid: from 3.12 on every str is.
#[cfg(Py_3_12)]
#[inline]
fn ready(_s: &Bound<'_, PyString>) -> PyResult<()> {
    Ok(())
}

/// Interns a str: the result is the one str of that value in the interned
/// table (possibly an older, equal one), so that dict lookups match by
/// identity.
#[inline]
pub(crate) fn intern(s: Bound<'_, PyString>) -> Bound<'_, PyString> {
    let py = s.py();
    let mut p = s.into_ptr();
    // SAFETY: the GIL is held; `p` is an owned reference to a str;
    // PyUnicode_InternInPlace leaves an owned reference to a str in its place.
    unsafe { ffi::PyUnicode_InternInPlace(&mut p) };
    // SAFETY: `p` is that owned reference, not NULL.
    let s = unsafe { Bound::from_owned_ptr(py, p) };
    // SAFETY: it refers to a str.
    unsafe { s.cast_into_unchecked() }
}
