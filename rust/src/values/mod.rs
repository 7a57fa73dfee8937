//! Values: the wire format (`wire`), Java <-> Python conversion
//! (`convert`), the cache of interned names (`names`), numpy arrays and the
//! buffer protocol (`buffers`), datetime and Decimal (`ext`), and large
//! copies on several cores (`copy`).

pub(crate) mod buffers;
pub mod convert;
pub mod copy;
pub(crate) mod ext;
pub(crate) mod names;
pub mod wire;
