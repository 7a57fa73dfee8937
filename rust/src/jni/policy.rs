//! The error policy for natives that use `EnvUnowned::with_env`: errors and
//! panics become `org.pybridge.PyBridgeException`, and panic payloads of
//! type `String` (what `panic!("{}", x)` makes) keep their message.

use jni::Env;
use jni::errors::ErrorPolicy;
use std::any::Any;

/// `with_env(..).resolve::<ThrowPyBridge>()`: errors and panics become a
/// `PyBridgeException`.
pub(crate) struct ThrowPyBridge;

const EXCEPTION_CLASS: &jni::strings::JNIStr = jni::jni_str!("org/pybridge/PyBridgeException");

/// The text of a panic payload (`&str` or `String`), whatever it was.
pub(crate) fn panic_message(payload: Box<dyn Any + Send + 'static>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_string(),
            Err(other) => {
                // Dropping an unknown payload could itself panic: leak it.
                std::mem::forget(other);
                "panic with a non-string payload".to_string()
            }
        },
    }
}

fn throw(env: &mut Env<'_>, msg: &str) {
    if env.exception_check() {
        return; // a Java exception is already on its way
    }
    let _ = env.throw_new(EXCEPTION_CLASS, jni::strings::JNIString::from(msg));
}

impl<T: Default, E: std::error::Error> ErrorPolicy<T, E> for ThrowPyBridge {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut (),
        err: E,
    ) -> jni::errors::Result<T> {
        throw(env, &format!("pybridge native error: {err}"));
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut (),
        payload: Box<dyn Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let msg = panic_message(payload);
        log::error!("Rust panic at the JNI boundary: {msg}");
        throw(env, &format!("internal error (Rust panic): {msg}"));
        Ok(T::default())
    }
}
