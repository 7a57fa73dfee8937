//! The child process of a process interpreter: CPython, served over pipes
//! to the JVM that started it (see `pybridge::process_child`).

fn main() {
    pybridge::process_child::serve()
}
