//! The handle table: `u64` id -> `Py<PyAny>`.
//!
//! Ids are unique for the life of the process and never reused: the upper 48
//! bits are a sequence number, the lower 16 bits the index of the object's
//! Python type in a small intern table, so that a use-after-release error can
//! still name the type of the object that is gone.
//!
//! Rules (DESIGN.md invariants 2 and 5):
//! - every mutation happens with the GIL held (`Python<'py>` token), so a
//!   `Py<T>` is always decref'd immediately, never deferred to pyo3's pool;
//! - no DashMap guard is ever held while Python code can run: `remove`
//!   returns the object and the guard is gone before the object is dropped.

use crate::stats::{self, ReleasePath};
use dashmap::DashMap;
use pyo3::prelude::*;
use pyo3::types::PyType;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, RwLock};

use crate::error::{Error, Result};

/// Fibonacci hashing for sequential ids: spreads them over DashMap's shards
/// (an identity hash would put consecutive ids in one shard).
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = (v ^ (v >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Table = DashMap<u64, Py<PyAny>, BuildHasherDefault<IdHasher>>;

static TABLE: LazyLock<Table> =
    LazyLock::new(|| DashMap::with_capacity_and_hasher(1024, Default::default()));
static NEXT_SEQ: AtomicU64 = AtomicU64::new(1);

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
    static LAST_TYPE: std::cell::Cell<(usize, u16)> = const { std::cell::Cell::new((0, 0)) };
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
    let name = crate::error::qualified_type_name(ty);
    // Only this path writes; take the names lock to serialise interning.
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

/// Puts an object in the table and returns its new id. Which release path
/// owns it (close, scope, GC) is decided on the Java side.
pub fn insert(obj: Bound<'_, PyAny>) -> u64 {
    let idx = type_index(&obj);
    let seq = NEXT_SEQ.fetch_add(1, Ordering::Relaxed);
    let id = (seq << TYPE_BITS) | idx as u64;
    TABLE.insert(id, obj.unbind());
    stats::CREATED.fetch_add(1, Ordering::Relaxed);
    id
}

/// A new strong reference to the object behind `id`.
#[inline]
pub fn get<'py>(py: Python<'py>, id: u64) -> Result<Bound<'py, PyAny>> {
    match TABLE.get(&id) {
        Some(r) => Ok(r.value().bind(py).clone()),
        None => Err(Error::Released { id }),
    }
}

/// Removes `id` and drops the reference (with the GIL held: immediate).
/// Returns whether this call released it; a missing id is a no-op.
pub fn release(_py: Python<'_>, id: u64, path: ReleasePath) -> bool {
    // The guard inside `remove` is gone when it returns; the drop below may
    // run `__del__`, which may call back into the table.
    let removed = TABLE.remove(&id);
    match removed {
        Some((_, obj)) => {
            stats::count_release(path, 1);
            drop(obj);
            true
        }
        None => false,
    }
}

/// Releases many ids with one GIL acquisition; returns how many were live.
pub fn release_many(py: Python<'_>, ids: &[u64], path: ReleasePath) -> usize {
    let mut n = 0;
    for &id in ids {
        if let Some((_, obj)) = TABLE.remove(&id) {
            n += 1;
            drop(obj);
        }
    }
    let _ = py;
    stats::count_release(path, n as u64);
    n
}

pub fn contains(id: u64) -> bool {
    TABLE.contains_key(&id)
}

/// Exact number of entries (walks the shards; for stats and tests).
pub fn live() -> usize {
    TABLE.len()
}
