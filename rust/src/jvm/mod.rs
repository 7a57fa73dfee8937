//! Python -> JVM calls: the one folder through which anything below the JNI
//! boundary calls back up (docs/architecture.md).
//!
//! A Java function object (a `java.util.function` type, `Runnable`,
//! `Callable`, or any functional interface) sent to Python becomes a
//! `pybridge.JavaFunction`: a Python callable that holds only the id under
//! which `org.pybridge.Callbacks` keeps the Java object. Calling it encodes
//! the arguments with the wire format, lets go of the GIL, attaches the
//! thread to the JVM if needed (a thread Python started), and calls
//! `Callbacks.invoke(id, request)`. A Java exception comes back as a Python
//! exception whose type is named after the Java class (a subclass of
//! `pybridge.JavaException`) and which carries the id of the Java exception,
//! so that if it propagates out to Java the original is the cause.
//! When Python frees the `JavaFunction`, the Java side forgets the object
//! (the freed id is queued in `handles::registry`).
//!
//! | module | concern |
//! |---|---|
//! | `types` | the Python types of Java objects: `JavaFunction`, `JavaObject`, `JavaArrayBase`, `JavaMethod`, `BoundJavaMethod` |
//! | `call` | one call into Java: the arguments encoded, the upcall made off the GIL, the reply decoded |
//! | `module` | the `pybridge` module (its Python half is `python/pybridge/runtime/module.py`) and Java from Python (`java_bridge.py`) |
//! | `upcall` | the raw upcall: `Callbacks.invoke` through `jni::raw` on the calling thread's own `JNIEnv` |
//!
//! This folder and `values::convert` refer to each other, and that is
//! inherent: converting a Java value makes a `JavaFunction` or `JavaObject`,
//! and calling a `JavaFunction` converts its arguments and its result. It is
//! the one module cycle in the crate, and the one downward layer that a
//! lower one names (`tests/boundaries.rs`).

mod call;
pub(crate) mod module;
pub(crate) mod types;
pub(crate) mod upcall;
