//! Names and keys Java sends again and again (attribute and method names,
//! the keys of `getItem` and its siblings) become interned Python strs
//! kept in a small cache, instead of a new str per call.
//!
//! A new str costs an allocation, a copy, a hash when the dict lookup needs
//! it, and a character-by-character comparison against the dict's own
//! (interned) key; a cached one costs a hash of the wire bytes and one
//! comparison, and the lookup then matches by identity. The cache is
//! direct-mapped (`SLOTS` entries, a new name replaces the one in its slot)
//! and only touched with the GIL held. It keeps at most `SLOTS` short strs
//! alive, which is all the memory it holds.

use crate::capi::unicode;
use crate::error::{Error, Result};
use crate::gil::per_interp::PerInterp;
use crate::values::convert;
use crate::values::wire::{self, Reader};
use pyo3::prelude::*;
use pyo3::types::PyString;

const SLOTS: usize = 256;
/// Longer names are made afresh each time (they are rare, and hashing them
/// twice would cost what the cache saves).
const MAX_LEN: usize = 48;

struct Entry {
    len: usize,
    bytes: [u8; MAX_LEN],
    obj: Py<PyString>,
}

/// One cache per interpreter (a str belongs to the interpreter that made it).
static CACHE: PerInterp<Vec<Option<Entry>>> = PerInterp::new();

/// FNV-1a over the bytes.
#[inline]
fn slot_of(b: &[u8]) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for &x in b {
        h = (h ^ x as u32).wrapping_mul(0x0100_0193);
    }
    (h ^ (h >> 16)) as usize & (SLOTS - 1)
}

/// The str for these Latin-1 bytes (code points 0..=255), interned.
pub(crate) fn latin1<'py>(py: Python<'py>, b: &[u8]) -> Result<Bound<'py, PyString>> {
    if b.len() > MAX_LEN {
        return new_latin1(py, b, false);
    }
    let i = slot_of(b);
    let hit = CACHE.with_default(py, |c| {
        c.get(i)
            .and_then(|e| e.as_ref())
            .filter(|e| &e.bytes[..e.len] == b)
            .map(|e| e.obj.clone_ref(py))
    });
    if let Some(s) = hit {
        return Ok(s.into_bound(py));
    }
    let s = new_latin1(py, b, true)?;
    let mut bytes = [0u8; MAX_LEN];
    bytes[..b.len()].copy_from_slice(b);
    let entry = Entry {
        len: b.len(),
        bytes,
        obj: s.clone().unbind(),
    };
    let old = CACHE.with_default(py, |c| {
        if c.is_empty() {
            c.resize_with(SLOTS, || None);
        }
        c[i].replace(entry)
    });
    // Dropped outside the borrow (freeing a str runs no Python code, but
    // the table's rule is simpler kept whole).
    drop(old);
    Ok(s)
}

fn new_latin1<'py>(py: Python<'py>, b: &[u8], intern: bool) -> Result<Bound<'py, PyString>> {
    let s = unicode::from_latin1(py, b).map_err(|e| Error::from_pyerr(py, e))?;
    Ok(if intern { unicode::intern(s) } else { s })
}

/// Reads a name (an attribute or method name: a wire string) as a str.
pub(crate) fn read_name<'py>(py: Python<'py>, r: &mut Reader<'_>) -> Result<Bound<'py, PyString>> {
    if r.peek()? == wire::STR_LATIN1 {
        r.u8()?;
        let n = r.len(1)?;
        return latin1(py, r.bytes(n)?);
    }
    let v = convert::to_py(py, r, 0)?;
    v.cast_into::<PyString>()
        .map_err(|_| Error::Internal("malformed request from Java: a name is not a string".into()))
}

/// Reads a key (of `getItem` and its siblings): a short Latin-1 string
/// through the cache, any other value converted as usual.
pub(crate) fn read_key<'py>(py: Python<'py>, r: &mut Reader<'_>) -> Result<Bound<'py, PyAny>> {
    if r.peek()? == wire::STR_LATIN1 {
        return Ok(read_name(py, r)?.into_any());
    }
    convert::to_py(py, r, 0)
}
