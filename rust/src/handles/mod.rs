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

//!
//! Beside the table, the other lifetimes of objects: the release queue and
//! its thread (`release`), and the ids of Java objects Python freed
//! (`registry`).

pub(crate) mod registry;
pub(crate) mod release;

use crate::error::{Error, Result};
use crate::gil::per_interp::{self, PerInterp};
use crate::stats::{self, ReleasePath};
use dashmap::DashMap;
use pyo3::prelude::*;
use pyo3::types::PyType;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
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

#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_seq: u64,
    seq_end: u64,
}

/// One interpreter's table (see `per_interp`: each interpreter has its own,
/// protected by its own GIL).
static TABLES: PerInterp<Table> = PerInterp::new();

/// Ids are drawn from this process-wide sequence in chunks, so that they
/// stay unique across interpreters (a handle of one interpreter can never
/// name an object of another) without a locked operation per handle.
static SEQ: AtomicU64 = AtomicU64::new(1);
const SEQ_CHUNK: u64 = 1 << 16;

/// Slots of sub-interpreter handles: bit 31 set, the interpreter index in
/// bits 23..31, the slot in its table below. The main interpreter's slots
/// are below 2^31 (as before there were sub-interpreters).
const SUB_BIT: u32 = 1 << 31;
const LOCAL_BITS: u32 = 23;
const LOCAL_MASK: u32 = (1 << LOCAL_BITS) - 1;
/// Live handles a sub-interpreter may hold at once.
const SUB_MAX_LIVE: usize = 1 << LOCAL_BITS;

/// The interpreter index a slot belongs to, and its index in that table.
#[inline]
fn split_slot(slot: u32) -> (usize, usize) {
    if slot & SUB_BIT == 0 {
        (0, slot as usize)
    } else {
        (
            ((slot & !SUB_BIT) >> LOCAL_BITS) as usize,
            (slot & LOCAL_MASK) as usize,
        )
    }
}

#[inline]
fn join_slot(interp: usize, local: u32) -> u32 {
    if interp == 0 {
        local
    } else {
        SUB_BIT | ((interp as u32) << LOCAL_BITS) | local
    }
}

/// The interpreter index of a handle (0: the main interpreter).
#[inline]
pub(crate) fn interp_of(h: Handle) -> usize {
    split_slot(h.slot).0
}

/// The error for a handle used in an interpreter it does not belong to.
fn wrong_interpreter(h: Handle, here: usize) -> Error {
    let name = |i: usize| {
        if i == 0 {
            "the main interpreter".to_string()
        } else {
            format!("sub-interpreter #{i}")
        }
    };
    Error::IllegalState(format!(
        "this Python object (a '{}') belongs to {} and was used in {}: objects never cross \
         interpreters; convert it to Java values, or copy it (copyTo)",
        type_name_of_id(h.id),
        name(interp_of(h)),
        name(here)
    ))
}

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

fn type_index(obj: &Bound<'_, PyAny>, interp: usize) -> u16 {
    let ty = obj.get_type();
    let ptr = ty.as_ptr() as usize;
    let (last_ptr, last_idx) = LAST_TYPE.with(|c| c.get());
    if last_ptr == ptr {
        return last_idx;
    }
    let idx = match TYPES.by_ptr.get(&ptr) {
        Some(i) => *i,
        // A sub-interpreter's own types die with it (and their addresses
        // are reused): only the static types all interpreters share are
        // interned from there; the others go unnamed (index 0).
        None if interp != 0 && crate::capi::interp::is_heap_type(&ty) => return 0,
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
    let interp = per_interp::current(py);
    let idx = type_index(&obj, interp);
    let obj = obj.unbind();
    let (id, slot) = TABLES.with_default(py, |t| {
        if t.next_seq == t.seq_end {
            t.next_seq = SEQ.fetch_add(SEQ_CHUNK, Ordering::Relaxed);
            t.seq_end = t.next_seq + SEQ_CHUNK;
        }
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
    if interp != 0 && slot as usize >= SUB_MAX_LIVE {
        // Cannot be named in a sub-interpreter's slot bits: given back.
        release(
            py,
            Handle {
                id,
                slot: join_slot(interp, slot),
            },
            ReleasePath::Close,
        );
        panic!(
            "a sub-interpreter holds {SUB_MAX_LIVE} live handles: release some (close, ResourceScope)"
        );
    }
    let slot = join_slot(interp, slot);
    stats::gil_bump(&stats::CREATED, 1);
    stats::gil_bump(&stats::TABLE_SIZE, 1);
    Handle { id, slot }
}

/// A new strong reference to the object behind the handle.
#[inline]
pub fn get<'py>(py: Python<'py>, h: Handle) -> Result<Bound<'py, PyAny>> {
    let (interp, local) = split_slot(h.slot);
    let here = per_interp::current(py);
    if interp != here {
        return Err(wrong_interpreter(h, here));
    }
    TABLES
        .with_default(py, |t| match t.slots.get(local) {
            Some(Slot { id, obj: Some(o) }) if *id == h.id => Some(o.clone_ref(py)),
            _ => None,
        })
        .map(|o| o.into_bound(py))
        .ok_or(Error::Released { id: h.id })
}

/// Takes the object out of its slot (no Python code runs here).
fn take(py: Python<'_>, h: Handle) -> Option<Py<PyAny>> {
    let (interp, local) = split_slot(h.slot);
    if interp != per_interp::current(py) {
        // Another interpreter's handle: never touched here (its own
        // interpreter releases it, or its closing did).
        return None;
    }
    TABLES.with_default(py, |t| {
        let e = t.slots.get_mut(local)?;
        if e.id != h.id || e.id == 0 {
            return None;
        }
        e.id = 0;
        let o = e.obj.take();
        t.free.push(local as u32);
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

/// Releases every handle of the current interpreter (it is closing), with
/// its GIL; returns how many were live. They count as closed.
pub(crate) fn release_all_current(py: Python<'_>) -> usize {
    let objs: Vec<Py<PyAny>> = TABLES.with_default(py, |t| {
        let v: Vec<Py<PyAny>> = t
            .slots
            .iter_mut()
            .filter_map(|e| {
                e.id = 0;
                e.obj.take()
            })
            .collect();
        t.slots.clear();
        t.free.clear();
        v
    });
    let n = objs.len();
    stats::gil_sub(&stats::TABLE_SIZE, n as u64);
    stats::count_release(ReleasePath::Close, n as u64);
    for o in objs {
        drop(o.into_bound(py));
    }
    n
}
