//! The wire format shared with `org.pybridge.Wire` (Java). Values cross the
//! JNI boundary as tagged little-endian bytes in a per-thread direct
//! `ByteBuffer`, so a whole nested container is converted in one native call
//! and the Java side builds its objects without a JNI call per element.
//!
//! Every value is a one-byte tag followed by its payload:
//!
//! | tag | payload |
//! |---|---|
//! | `NONE` | – |
//! | `FALSE` / `TRUE` | – |
//! | `INT` | i64 |
//! | `BIGINT` | i32 n, n bytes big-endian two's complement |
//! | `FLOAT` | f64 |
//! | `STR_LATIN1` | i32 n, n bytes (code points 0..=255) |
//! | `STR_UTF16` | i32 n, n UTF-16LE code units (lone surrogates kept) |
//! | `BYTES` | i32 n, n bytes |
//! | `LIST` / `TUPLE` / `SET` / `FROZENSET` | i32 n, n values |
//! | `DICT` | i32 n, n (key, value) pairs |
//! | `HANDLE` | i64 id, i32 slot (a Python object the Java side holds) |
//! | `LIST_I64` / `LIST_F64` | i32 n, n × 8 bytes (a Java `long[]`/`double[]`) |
//! | `JAVA_FN` | i64 id, string: a Java function object |
//! | `JAVA_OBJ` | i64 id, string: any other Java object, passed through opaque |
//! | `NDARRAY` (reply) | u8 dtype, i32 ndim, i64 shape…, i64 address, i64 length, i64 id, i32 slot (memoryview) |
//! | `NDARRAY_DATA` (request) | u8 dtype, i32 ndim, i64 shape…, i64 length, bytes |
//! | `STR_REF` (reply) | u8 kind (1: Latin-1 bytes, 2: UTF-16 units), i32 n, i64 address, i64 id, i32 slot: a large str Java copies from memory its handle keeps valid |
//! | `STR_ASCII` (request) | i32 n, n bytes, all below 0x80 (made by `Native.encodeString`, which checked them while copying) |
//! | `JAVA_BUF` (request) | i64 id, i64 address, i64 length, u8 read-only: a direct ByteBuffer |
//! | `EXT` | u8 kind (`contract::ext`), one value (a list of parts): a datetime or Decimal value and its java.time or BigDecimal counterpart (`values::ext`) |
//!
//! The tag numbers are in `contract.rs`, from which the Java side is generated.

use crate::error::{Error, Result};

pub use crate::contract::tag::*;

/// Bounds-checked reader over the bytes Java wrote.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn malformed(what: &str) -> Error {
    Error::Internal(format!("malformed request from Java: {what}"))
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.remaining() < n {
            return Err(malformed("truncated"));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[inline]
    pub(crate) fn peek(&self) -> Result<u8> {
        self.buf
            .get(self.pos)
            .copied()
            .ok_or_else(|| malformed("truncated"))
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| malformed("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    #[inline]
    pub fn i32(&mut self) -> Result<i32> {
        let b = self.bytes(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A length prefix: non-negative and not larger than what is left
    /// divided by the minimum element size.
    #[inline]
    pub(crate) fn len(&mut self, min_elem: usize) -> Result<usize> {
        let n = self.i32()?;
        if n < 0 {
            return Err(malformed("negative length"));
        }
        let n = n as usize;
        if n.saturating_mul(min_elem) > self.remaining() {
            return Err(malformed("length past end"));
        }
        Ok(n)
    }

    #[inline]
    pub(crate) fn i64(&mut self) -> Result<i64> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }

    #[inline]
    pub(crate) fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.i64()? as u64))
    }

    /// A handle's payload (after its tag): id, slot.
    #[inline]
    pub fn handle(&mut self) -> Result<crate::handles::Handle> {
        let id = self.i64()? as u64;
        let slot = self.i32()? as u32;
        Ok(crate::handles::Handle { id, slot })
    }

    /// A string written by Java as `STR_LATIN1`/`STR_ASCII`/`STR_UTF16`
    /// (module names, paths, messages). A lone surrogate, which a Rust
    /// string cannot hold, is an `IllegalArgument` error, never a silent
    /// U+FFFD; values and code go through `convert`, which keeps them.
    pub(crate) fn string(&mut self) -> Result<String> {
        match self.u8()? {
            STR_LATIN1 | STR_ASCII => {
                let n = self.len(1)?;
                Ok(self.bytes(n)?.iter().map(|&b| b as char).collect())
            }
            STR_UTF16 => {
                let n = self.len(2)?;
                let raw = self.bytes(n * 2)?;
                let units = raw
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]));
                char::decode_utf16(units)
                    .collect::<std::result::Result<String, _>>()
                    .map_err(|e| {
                        Error::IllegalArgument(format!(
                            "a string with a lone surrogate (U+{:04X}) cannot be used here",
                            e.unpaired_surrogate()
                        ))
                    })
            }
            t => Err(malformed(&format!("expected a string, found tag {t}"))),
        }
    }

    /// A string used only as a label in messages (a thread's name): as
    /// [`Reader::string`], but a lone surrogate, which Java allows in a
    /// name, becomes U+FFFD instead of an error.
    pub(crate) fn label(&mut self) -> Result<String> {
        match self.u8()? {
            STR_UTF16 => {
                let n = self.len(2)?;
                let raw = self.bytes(n * 2)?;
                let units = raw
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]));
                Ok(char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect())
            }
            _ => {
                self.pos -= 1;
                self.string()
            }
        }
    }
}

/// Output side: a growable byte vector with little-endian helpers.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
    /// The reply is complete, but the virtual thread that made the call
    /// must take its GIL lease back before its Java code goes on (`lease`).
    pub(crate) reenter: bool,
}

impl Writer {
    /// A writer appending to `buf` (a reused allocation).
    pub(crate) fn over(buf: Vec<u8>) -> Writer {
        Writer {
            buf,
            reenter: false,
        }
    }
}

impl Writer {
    #[inline]
    pub fn clear(&mut self) {
        self.buf.clear();
    }
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    #[inline]
    pub fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    pub(crate) fn f64(&mut self, v: f64) {
        self.i64(v.to_bits() as i64);
    }
    /// A handle with its tag.
    #[inline]
    pub(crate) fn handle(&mut self, h: crate::handles::Handle) {
        self.u8(HANDLE);
        self.i64(h.id as i64);
        self.i32(h.slot as i32);
    }
    /// A length prefix; containers larger than `i32::MAX` cannot cross.
    #[inline]
    pub(crate) fn len(&mut self, n: usize) -> Result<()> {
        let n = i32::try_from(n).map_err(|_| {
            Error::IllegalArgument(format!(
                "a container or string of {n} elements is too large to cross to Java"
            ))
        })?;
        self.i32(n);
        Ok(())
    }
    /// A Rust string as `STR_UTF16` (error messages, names).
    pub fn str(&mut self, s: &str) {
        if s.bytes().all(|b| b < 0x80) {
            self.u8(STR_LATIN1);
            self.i32(s.len() as i32);
            self.buf.extend_from_slice(s.as_bytes());
        } else {
            let units: Vec<u16> = s.encode_utf16().collect();
            self.u8(STR_UTF16);
            self.i32(units.len() as i32);
            for u in units {
                self.buf.extend_from_slice(&u.to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_in_every_encoding_java_writes() {
        let mut w = Writer::default();
        for (tag, bytes) in [(STR_LATIN1, &b"caf\xe9"[..]), (STR_ASCII, &b"plain"[..])] {
            w.u8(tag);
            w.i32(bytes.len() as i32);
            w.buf.extend_from_slice(bytes);
        }
        w.u8(STR_UTF16);
        w.i32(2);
        w.buf.extend_from_slice(&[0x2d, 0x4e, 0x87, 0x65]);
        let mut r = Reader::new(&w.buf);
        assert_eq!(r.string().unwrap(), "café");
        assert_eq!(r.string().unwrap(), "plain");
        assert_eq!(r.string().unwrap(), "中文");
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn a_lone_surrogate_is_an_error_not_a_replacement() {
        let mut w = Writer::default();
        w.u8(STR_UTF16);
        w.i32(2);
        w.buf.extend_from_slice(&[0x61, 0x00, 0x00, 0xd8]);
        let e = Reader::new(&w.buf).string().unwrap_err();
        assert!(matches!(e, Error::IllegalArgument(m) if m.contains("U+D800")));
    }

    #[test]
    fn round_trip_scalars() {
        let mut w = Writer::default();
        w.u8(INT);
        w.i64(i64::MIN);
        w.f64(f64::NAN);
        w.str("héllo 😀");
        w.str("plain");
        let mut r = Reader::new(&w.buf);
        assert_eq!(r.u8().unwrap(), INT);
        assert_eq!(r.i64().unwrap(), i64::MIN);
        assert!(r.f64().unwrap().is_nan());
        assert_eq!(r.string().unwrap(), "héllo 😀");
        assert_eq!(r.string().unwrap(), "plain");
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn truncated_and_lying_lengths_are_errors() {
        let mut r = Reader::new(&[INT, 1, 2]);
        r.u8().unwrap();
        assert!(r.i64().is_err());
        let mut w = Writer::default();
        w.i32(1_000_000);
        let mut r = Reader::new(&w.buf);
        assert!(r.len(1).is_err());
        let mut w = Writer::default();
        w.i32(-1);
        assert!(Reader::new(&w.buf).len(1).is_err());
    }
}
