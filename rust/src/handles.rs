//! The handle table: a slab of `Py<PyAny>` addressed by (id, slot).
//!
//! * `id` is unique for the life of the process and never reused: the upper
//!   48 bits are a sequence number, the lower 16 bits the index of the
//!   object's Python type in a small intern table, so that a
//!   use-after-release error can still name the type of the object gone.
//! * `slot` is where the object sits in the slab. Slots are reused; a lookup
//!   checks that the slot still holds *this* id, so a stale handle (even one
//!   whose slot now holds a newer object) gets `Released`, never the wrong
//!   object.
//!
//! The table is protected by the GIL itself: every access takes a
//! `Python<'py>` token, and the GIL serialises all of them. That makes a
//! lookup a bounds check and a compare, with no atomic read-modify-write
//! (DashMap's shard lock cost ~25 ns per call here; see docs/architecture.md).
//! No Python code ever runs while the table is borrowed: objects are moved
//! out first and dropped after (a decref can run `__del__`, which can call
//! back into the bridge).

use crate::error::{Error, Result};
use crate::stats::{self, ReleasePath};
use dashmap::DashMap;
use pyo3::prelude::*;
use pyo3::types::PyType;
use std::cell::{Cell, UnsafeCell};
use std::sync::{LazyLock, RwLock};

/// A handle as Java holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    pub id: u64,
    pub slot: u32,
}

impl Handle {
    /// From the `(long id, int slot)` pair a Java `PyObject` passes.
    #[inline]
    pub(crate) fn from_java(id: i64, slot: i32) -> Self {
        Handle {
            id: id as u64,
            slot: slot as u32,
        }
    }
}

struct Slot {
    /// 0 when free.
    id: u64,
    obj: Option<Py<PyAny>>,
}

struct Table {
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_seq: u64,
}

/// A value only touched with the GIL held.
pub(crate) struct GilCell<T> {
    value: UnsafeCell<T>,
    borrowed: Cell<bool>,
}

// SAFETY: all access goes through `with`, which requires a `Python` token:
// the GIL (pybridge embeds only the CPython it was built for, 3.11, which
// always has one; `runtime` checks the version) serialises every access
// across threads, and `borrowed` (also only touched under the GIL) rejects
// re-entrant access on the same thread.
unsafe impl<T> Sync for GilCell<T> {}

impl<T> GilCell<T> {
    pub(crate) const fn new(v: T) -> Self {
        GilCell {
            value: UnsafeCell::new(v),
            borrowed: Cell::new(false),
        }
    }

    /// Runs `f` with exclusive access. `f` must not run Python code.
    #[inline]
    pub(crate) fn with<R>(&self, _py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> R {
        assert!(
            !self.borrowed.replace(true),
            "GIL-protected table re-entered (a bug: Python code ran while it was borrowed)"
        );
        struct Reset<'a>(&'a Cell<bool>);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        let _reset = Reset(&self.borrowed);
        // SAFETY: the GIL is held (token) and `borrowed` was false, so no
        // other reference to the value exists on any thread.
        f(unsafe { &mut *self.value.get() })
    }
}

static TABLE: GilCell<Table> = GilCell::new(Table {
    slots: Vec::new(),
    free: Vec::new(),
    next_seq: 1,
});

const TYPE_BITS: u32 = 16;
const TYPE_MASK: u64 = (1 << TYPE_BITS) - 1;
/// Index 0 means "type not interned" (the intern table is full).
const MAX_TYPES: usize = TYPE_MASK as usize;

/// Interned Python types: index -> (type object kept alive, qualified name).
/// A type is kept alive once interned so that its address can never be
/// reused by a different type while the cache maps it.
struct TypeTable {
    by_ptr: DashMap<usize, u16>,
    names: RwLock<Vec<String>>,
    objects: RwLock<Vec<Py<PyType>>>,
}

static TYPES: LazyLock<TypeTable> = LazyLock::new(|| TypeTable {
    by_ptr: DashMap::new(),
    names: RwLock::new(vec!["<unknown type>".to_string()]),
    objects: RwLock::new(Vec::new()),
});

thread_local! {
    /// One-entry cache: the last type this thread interned.
    static LAST_TYPE: Cell<(usize, u16)> = const { Cell::new((0, 0)) };
}

fn type_index(obj: &Bound<'_, PyAny>) -> u16 {
    let ty = obj.get_type();
    let ptr = ty.as_ptr() as usize;
    let (last_ptr, last_idx) = LAST_TYPE.with(|c| c.get());
    if last_ptr == ptr {
        return last_idx;
    }
    let idx = match TYPES.by_ptr.get(&ptr) {
        Some(i) => *i,
        None => intern_type(&ty),
    };
    LAST_TYPE.with(|c| c.set((ptr, idx)));
    idx
}

#[cold]
fn intern_type(ty: &Bound<'_, PyType>) -> u16 {
    let ptr = ty.as_ptr() as usize;
    // May run Python code (a metaclass __qualname__): not under the table.
    let name = crate::error::qualified_type_name(ty);
    let mut names = match TYPES.names.write() {
        Ok(n) => n,
        Err(p) => p.into_inner(),
    };
    if let Some(i) = TYPES.by_ptr.get(&ptr) {
        return *i;
    }
    if names.len() >= MAX_TYPES {
        return 0;
    }
    let idx = names.len() as u16;
    names.push(name);
    match TYPES.objects.write() {
        Ok(mut o) => o.push(ty.clone().unbind()),
        Err(p) => p.into_inner().push(ty.clone().unbind()),
    }
    TYPES.by_ptr.insert(ptr, idx);
    idx
}

/// The qualified Python type name encoded in a handle id.
pub fn type_name_of_id(id: u64) -> String {
    let idx = (id & TYPE_MASK) as usize;
    let names = match TYPES.names.read() {
        Ok(n) => n,
        Err(p) => p.into_inner(),
    };
    names
        .get(idx)
        .cloned()
        .unwrap_or_else(|| "<unknown type>".to_string())
}

/// Puts an object in the table and returns its new handle. Which release
/// path owns it (close, scope, GC) is decided on the Java side.
pub fn insert(obj: Bound<'_, PyAny>) -> Handle {
    let py = obj.py();
    let idx = type_index(&obj);
    let obj = obj.unbind();
    let (id, slot) = TABLE.with(py, |t| {
        let id = (t.next_seq << TYPE_BITS) | idx as u64;
        t.next_seq += 1;
        let slot = match t.free.pop() {
            Some(s) => {
                let e = &mut t.slots[s as usize];
                e.id = id;
                e.obj = Some(obj);
                s
            }
            None => {
                t.slots.push(Slot { id, obj: Some(obj) });
                (t.slots.len() - 1) as u32
            }
        };
        (id, slot)
    });
    stats::gil_bump(&stats::CREATED, 1);
    stats::gil_bump(&stats::TABLE_SIZE, 1);
    Handle { id, slot }
}

/// A new strong reference to the object behind the handle.
#[inline]
pub fn get<'py>(py: Python<'py>, h: Handle) -> Result<Bound<'py, PyAny>> {
    TABLE
        .with(py, |t| match t.slots.get(h.slot as usize) {
            Some(Slot { id, obj: Some(o) }) if *id == h.id => Some(o.clone_ref(py)),
            _ => None,
        })
        .map(|o| o.into_bound(py))
        .ok_or(Error::Released { id: h.id })
}

/// Takes the object out of its slot (no Python code runs here).
fn take(py: Python<'_>, h: Handle) -> Option<Py<PyAny>> {
    TABLE.with(py, |t| {
        let e = t.slots.get_mut(h.slot as usize)?;
        if e.id != h.id || e.id == 0 {
            return None;
        }
        e.id = 0;
        let o = e.obj.take();
        t.free.push(h.slot);
        stats::gil_sub(&stats::TABLE_SIZE, 1);
        o
    })
}

/// Removes the handle and drops the reference, now (the GIL is held, so the
/// decref is immediate). Returns whether this call released it; a handle
/// that is already gone is a no-op.
pub fn release(py: Python<'_>, h: Handle, path: ReleasePath) -> bool {
    match take(py, h) {
        Some(obj) => {
            stats::count_release(path, 1);
            // Bound's drop decrefs immediately (never pyo3's deferred pool);
            // it may run __del__, with the table no longer borrowed.
            drop(obj.into_bound(py));
            true
        }
        None => false,
    }
}

/// Releases many handles under one GIL acquisition; returns how many were live.
pub fn release_many(py: Python<'_>, handles: &[Handle], path: ReleasePath) -> usize {
    let mut n = 0;
    for &h in handles {
        if let Some(obj) = take(py, h) {
            n += 1;
            drop(obj.into_bound(py));
        }
    }
    stats::count_release(path, n as u64);
    n
}
