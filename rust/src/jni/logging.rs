//! pybridge's own log records (the `log` crate) into Java's
//! `System.Logger` named `org.pybridge`, so that whatever logging the
//! application set up (SLF4J, JUL, Log4j through their `System.Logger`
//! bridges) controls them.
//!
//! Each record calls the static `org.pybridge.Callbacks.log(int, String)`
//! on the thread that logged it, attaching that thread to the JVM for the
//! call if it is not a JVM thread (the `pybridge-release` thread, a thread
//! Python started, a copy helper). A record logged before `Callbacks` is
//! registered, while the thread is already inside this logger, or when the
//! call fails (the JVM shutting down) goes to stderr instead, so nothing is
//! lost silently.
//!
//! `PYBRIDGE_LOG` (or `RUST_LOG`), when set, keeps the records out of Java
//! and sends them to stderr through `env_logger` with that filter, for
//! debugging the native side.

use jni::objects::{Global, JClass, JValue};
use jni::{JavaVM, jni_sig, jni_str};
use std::cell::Cell;
use std::sync::OnceLock;

static VM: OnceLock<JavaVM> = OnceLock::new();
static CLASS: OnceLock<Global<JClass<'static>>> = OnceLock::new();

/// Where records go: stderr (`PYBRIDGE_LOG` set) or Java.
enum Sink {
    Stderr(env_logger::Logger),
    Java,
}

struct Logger(Sink);

thread_local! {
    /// Set while this thread is inside the logger: a record logged by the
    /// Java call itself goes to stderr instead of recursing.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

impl log::Log for Logger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        match &self.0 {
            Sink::Stderr(l) => l.enabled(m),
            Sink::Java => m.target().starts_with("pybridge") || m.level() <= log::Level::Warn,
        }
    }

    fn log(&self, r: &log::Record<'_>) {
        match &self.0 {
            Sink::Stderr(l) => {
                if l.matches(r) {
                    l.log(r);
                }
            }
            Sink::Java => {
                // The jni crate logs every attach and detach at debug: the
                // forwarding itself would log more of them.
                if !r.target().starts_with("pybridge") && r.level() > log::Level::Warn {
                    return;
                }
                let msg = r.args().to_string();
                if !to_java(r.level(), &msg) && r.level() <= log::Level::Warn {
                    eprintln!("[pybridge {}] {msg}", r.level());
                }
            }
        }
    }

    fn flush(&self) {
        if let Sink::Stderr(l) = &self.0 {
            l.flush();
        }
    }
}

/// `System.Logger.Level` ordinals: TRACE 1, DEBUG 2, INFO 3, WARNING 4, ERROR 5.
fn java_level(l: log::Level) -> i32 {
    match l {
        log::Level::Trace => 1,
        log::Level::Debug => 2,
        log::Level::Info => 3,
        log::Level::Warn => 4,
        log::Level::Error => 5,
    }
}

/// Calls `Callbacks.log(level, msg)`; false if the record could not be
/// handed to Java.
fn to_java(level: log::Level, msg: &str) -> bool {
    let (Some(vm), Some(class)) = (VM.get(), CLASS.get()) else {
        return false;
    };
    if INSIDE.with(|i| i.replace(true)) {
        return false;
    }
    // A pending exception is stashed and re-thrown around the call by
    // `attach_current_thread_for_scope`; one thrown by the call is returned
    // as an error (and cleared).
    let done = vm
        .attach_current_thread_for_scope(|env| -> jni::errors::Result<()> {
            let s = env.new_string(msg)?;
            env.call_static_method(
                class,
                jni_str!("log"),
                jni_sig!("(ILjava/lang/String;)V"),
                &[JValue::Int(java_level(level)), JValue::Object(&s)],
            )?;
            Ok(())
        })
        .is_ok();
    INSIDE.with(|i| i.set(false));
    done
}

/// Installs the logger once (from `JNI_OnLoad`) and keeps the JVM for it.
pub(crate) fn init(vm: Option<JavaVM>) {
    if let Some(vm) = vm {
        let _ = VM.set(vm);
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = std::env::var("PYBRIDGE_LOG").or_else(|_| std::env::var("RUST_LOG"));
        let (sink, max) = match filter {
            Ok(f) => {
                let l = env_logger::Builder::new()
                    .parse_filters(&f)
                    .format_timestamp_millis()
                    .build();
                let max = l.filter();
                (Sink::Stderr(l), max)
            }
            // Java's logger decides what it keeps; pybridge logs nothing on
            // a hot path, so each of its records may go there (other crates'
            // only from warn up).
            Err(_) => (Sink::Java, log::LevelFilter::Trace),
        };
        if log::set_boxed_logger(Box::new(Logger(sink))).is_ok() {
            log::set_max_level(max);
        }
    });
}

/// Records go to Java from now on (called when `Callbacks` is registered).
pub(crate) fn set_class(class: Global<JClass<'static>>) {
    let _ = CLASS.set(class);
}
