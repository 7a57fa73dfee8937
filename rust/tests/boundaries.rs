//! The shape of `rust/src`, checked from its source text (no interpreter
//! needed):
//!
//! * the folder order holds: each top-level folder or file of `rust/src`
//!   sits in one layer of [`LAYERS`] (docs/architecture.md, "Layers"), and
//!   its `crate::` / `super::` references point at its own layer or at
//!   layers below, never up, but for the documented exceptions of
//!   [`UPWARD`];
//! * the modules' references form no cycle except the one that is inherent
//!   and documented: `values::convert` -> `jvm::types` -> `jvm::call` ->
//!   `values::convert` (converting a value makes a `JavaFunction`; calling
//!   one converts its arguments);
//! * raw CPython calls (`pyo3::ffi`) appear only in `capi/`, raw JNI calls
//!   (through a `JNIEnv`'s or `JavaVM`'s function table) only in
//!   `jni/raw.rs`;
//! * every `unsafe fn` says what its caller must uphold (`# Safety`).
//!
//! The `// SAFETY:` comment on every unsafe operation is the compiler's to
//! check (the `[lints]` table of `rust/Cargo.toml`). Run with
//! `cargo test --test boundaries -- --nocapture` to see the module graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The one cycle allowed, as the set of its modules.
const ALLOWED_CYCLE: &[&str] = &["jvm::call", "jvm::types", "values::convert"];

/// The layers of `rust/src`, top to bottom, by top-level folder (or file):
/// the exported JNI functions (and a process interpreter's child program
/// and server, which serves the same operations over pipes), the operations, the interpreters' life, the
/// Python types of Java objects and the upcall, values and conversion, the
/// handles and the lifetimes of objects, the GIL (with the error type and
/// the counters, which every layer uses, and whether this process is a
/// process interpreter's child), and at the bottom the numbers
/// shared with Java and raw CPython. A module may refer to its own layer
/// and to the layers below it.
const LAYERS: &[&[&str]] = &[
    &["bin", "jni", "process_child"],
    &["ops"],
    &["interp"],
    &["jvm"],
    &["values"],
    &["handles"],
    &["gil", "error", "stats", "remote"],
    &["contract", "capi"],
];

/// The references that point up a layer, each inherent: (from, to, why).
const UPWARD: &[(&str, &str, &str)] = &[
    (
        "values::convert",
        "jvm::types",
        "converting a Java value makes a JavaFunction or JavaObject (the allowed cycle)",
    ),
    (
        "jvm::upcall",
        "jni::raw",
        "the upcall: Python calling Java, the one call up through the JNI boundary",
    ),
];

/// The layer of a module (by its first path segment), `None` for the crate
/// root and for a module no layer names.
fn layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next().unwrap_or(module);
    LAYERS.iter().position(|l| l.contains(&top))
}

/// The references of `g` that point up a layer and are not in [`UPWARD`],
/// and the modules that sit in no layer.
fn order_violations(g: &BTreeMap<String, BTreeSet<String>>) -> (Vec<String>, Vec<String>) {
    let mut up = Vec::new();
    let mut unplaced = Vec::new();
    for (m, deps) in g {
        if m == "crate" {
            continue;
        }
        let Some(lm) = layer_of(m) else {
            unplaced.push(m.clone());
            continue;
        };
        for d in deps {
            let Some(ld) = layer_of(d) else { continue };
            if ld < lm && !UPWARD.iter().any(|(f, t, _)| f == m && t == d) {
                up.push(format!("{m} -> {d}"));
            }
        }
    }
    (up, unplaced)
}

/// A source file: its module path (`jni::raw`; `crate` for lib.rs) and text.
struct Source {
    module: String,
    file: String,
    text: String,
}

fn sources() -> Vec<Source> {
    // `BOUNDARIES_SRC=<dir>` checks another tree (an older commit, say).
    let root = std::env::var_os("BOUNDARIES_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let stem = rel.trim_end_matches(".rs");
            let module = match stem {
                "lib" => "crate".to_string(),
                s => s.trim_end_matches("/mod").replace('/', "::"),
            };
            Source {
                module,
                file: rel.clone(),
                text: std::fs::read_to_string(&path).unwrap(),
            }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text with comments, string and char literals blanked out (lengths
/// and newlines kept), so that only code is searched.
fn code_only(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0
                || !is_ident(c[i - 1])
                || (matches!(c[i - 1], 'b' | 'c') && (i < 2 || !is_ident(c[i - 2]))))
        {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            while i < j {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '"' {
            blank(&mut out, c[i]);
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            if i < c.len() {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '\'' {
            // A char literal ('a', '\n', '\u{1F600}'), or a lifetime ('a).
            let end = if next == Some('\\') {
                (i + 3..c.len()).find(|&k| c[k] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    while i <= e {
                        blank(&mut out, c[i]);
                        i += 1;
                    }
                }
                None => {
                    out.push(c[i]);
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// Paths (as segment lists) that start at byte `at` of `code`: `a::b::c`,
/// with `{a, b::c}` groups expanded.
fn paths_at(code: &[u8], mut at: usize) -> Vec<Vec<String>> {
    let skip_ws = |at: &mut usize| {
        while *at < code.len() && (code[*at] as char).is_whitespace() {
            *at += 1;
        }
    };
    skip_ws(&mut at);
    if at < code.len() && code[at] == b'{' {
        // A group: split at top-level commas.
        let mut out = Vec::new();
        let mut depth = 0;
        let mut start = at + 1;
        let mut k = at;
        while k < code.len() {
            match code[k] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        out.extend(paths_at(code, start));
                        break;
                    }
                }
                b',' if depth == 1 => {
                    out.extend(paths_at(code, start));
                    start = k + 1;
                }
                _ => {}
            }
            k += 1;
        }
        return out;
    }
    let s = at;
    while at < code.len() && is_ident(code[at] as char) {
        at += 1;
    }
    if at == s {
        return vec![];
    }
    let head = String::from_utf8_lossy(&code[s..at]).into_owned();
    let mut k = at;
    skip_ws(&mut k);
    if code.get(k) == Some(&b':') && code.get(k + 1) == Some(&b':') {
        let rest = paths_at(code, k + 2);
        if rest.is_empty() {
            return vec![vec![head]];
        }
        return rest
            .into_iter()
            .map(|mut r| {
                r.insert(0, head.clone());
                r
            })
            .collect();
    }
    vec![vec![head]]
}

/// Depth of inline modules (`mod x { ... }`) at each byte of `code`.
fn inline_mod_depth(code: &str) -> Vec<usize> {
    let b = code.as_bytes();
    let mut depth_at = vec![0; b.len()];
    let mut braces = 0usize;
    let mut opened: Vec<usize> = Vec::new();
    let mut pending_mod = false;
    let mut i = 0;
    while i < b.len() {
        let ch = b[i] as char;
        if is_ident(ch) && (i == 0 || !is_ident(b[i - 1] as char)) {
            let s = i;
            while i < b.len() && is_ident(b[i] as char) {
                i += 1;
            }
            if &code[s..i] == "mod" {
                pending_mod = true;
            }
            for d in depth_at.iter_mut().take(i).skip(s) {
                *d = opened.len();
            }
            continue;
        }
        match ch {
            '{' => {
                braces += 1;
                if pending_mod {
                    opened.push(braces);
                }
                pending_mod = false;
            }
            '}' => {
                if opened.last() == Some(&braces) {
                    opened.pop();
                }
                braces = braces.saturating_sub(1);
            }
            ';' => pending_mod = false,
            _ => {}
        }
        depth_at[i] = opened.len();
        i += 1;
    }
    depth_at
}

/// The module graph: each module -> the modules its code refers to.
fn graph(srcs: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = srcs.iter().map(|s| s.module.clone()).collect();
    // The longest module that a path (from the crate root) falls in.
    let resolve = |segs: &[String]| -> String {
        for n in (1..=segs.len()).rev() {
            let m = segs[..n].join("::");
            if modules.contains(&m) {
                return m;
            }
        }
        "crate".to_string()
    };
    let mut g = BTreeMap::new();
    for src in srcs {
        let code = code_only(&src.text);
        let depth = inline_mod_depth(&code);
        let b = code.as_bytes();
        let mut deps = BTreeSet::new();
        let own: Vec<String> = if src.module == "crate" {
            vec![]
        } else {
            src.module.split("::").map(str::to_string).collect()
        };
        let mut i = 0;
        while i < b.len() {
            if !is_ident(b[i] as char) || (i > 0 && is_ident(b[i - 1] as char)) {
                i += 1;
                continue;
            }
            let preceded_by_path = i >= 2 && &code[i - 2..i] == "::";
            let s = i;
            while i < b.len() && is_ident(b[i] as char) {
                i += 1;
            }
            let word = &code[s..i];
            if preceded_by_path {
                continue;
            }
            let targets: Vec<Vec<String>> = match word {
                "crate" => paths_at(b, s)
                    .into_iter()
                    .map(|p| p[1..].to_vec())
                    .filter(|p| !p.is_empty())
                    .collect(),
                "super" => {
                    // `super::super::x`: count the levels, then resolve from
                    // the file's module, inline `mod` blocks first.
                    let mut p = paths_at(b, s);
                    p.retain(|p| p.len() > 1);
                    p.into_iter()
                        .map(|p| {
                            let ups = p.iter().take_while(|x| *x == "super").count();
                            let file_ups = ups.saturating_sub(depth[s]);
                            if ups <= depth[s] {
                                // Within this file.
                                return own.clone();
                            }
                            let mut base = own.clone();
                            for _ in 0..file_ups {
                                base.pop();
                            }
                            base.extend(p[ups..].iter().cloned());
                            base
                        })
                        .collect()
                }
                // A child module named relatively (`raw::table`).
                w => {
                    let child = if own.is_empty() {
                        w.to_string()
                    } else {
                        format!("{}::{w}", src.module)
                    };
                    let mut k = i;
                    while k < b.len() && (b[k] as char).is_whitespace() {
                        k += 1;
                    }
                    if modules.contains(&child)
                        && b.get(k) == Some(&b':')
                        && b.get(k + 1) == Some(&b':')
                        && src.module != "crate"
                    {
                        vec![child.split("::").map(str::to_string).collect()]
                    } else {
                        vec![]
                    }
                }
            };
            for t in targets {
                let m = resolve(&t);
                if m != src.module && m != "crate" {
                    deps.insert(m);
                }
            }
        }
        g.insert(src.module.clone(), deps);
    }
    g
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[v].min(t.low[w]);
                t.low.insert(v, l);
            } else if t.on.contains(w) {
                let l = t.low[v].min(t.index[w]);
                t.low.insert(v, l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut scc = BTreeSet::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                scc.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                t.out.push(scc);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn the_folder_order_holds() {
    let g = graph(&sources());
    let (up, unplaced) = order_violations(&g);
    assert!(
        unplaced.is_empty(),
        "modules in no layer (place their folder in LAYERS): {unplaced:?}"
    );
    assert!(
        up.is_empty(),
        "references up a layer (LAYERS: {LAYERS:?}; move the code down, or document an inherent exception in UPWARD): {up:#?}"
    );
    // Every documented exception is still a real reference (a stale one
    // would hide a new reference between the same modules).
    for (f, t, why) in UPWARD {
        assert!(
            g.get(*f).is_some_and(|d| d.contains(*t)),
            "UPWARD lists {f} -> {t} ({why}), which no longer exists: remove it"
        );
    }
}

#[test]
fn the_order_checker_sees_an_upward_reference() {
    let src = |module: &str, text: &str| Source {
        module: module.into(),
        file: format!("{}.rs", module.replace("::", "/")),
        text: text.into(),
    };
    let g = graph(&[
        src(
            "gil::x",
            "fn f() { crate::ops::dispatch(); crate::capi::y(); }",
        ),
        src("ops", "use crate::gil::x;"),
        src("capi", ""),
        src("values::convert", "use crate::jvm::types::JavaObject;"),
        src("jvm::types", ""),
        src("elsewhere", ""),
    ]);
    let (up, unplaced) = order_violations(&g);
    assert_eq!(up, vec!["gil::x -> ops".to_string()]);
    assert_eq!(unplaced, vec!["elsewhere".to_string()]);
}

#[test]
fn the_only_module_cycle_is_convert_and_the_java_object_types() {
    let g = graph(&sources());
    for (m, deps) in &g {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        println!("{m:14} -> {}", deps.join(", "));
    }
    let allowed: BTreeSet<String> = ALLOWED_CYCLE.iter().map(|s| s.to_string()).collect();
    let found = cycles(&g);
    for c in &found {
        println!(
            "cycle: {}",
            c.iter().cloned().collect::<Vec<_>>().join(" <-> ")
        );
    }
    let bad: Vec<_> = found.iter().filter(|c| **c != allowed).collect();
    assert!(
        bad.is_empty(),
        "module cycles other than {ALLOWED_CYCLE:?} (break them, or document a new inherent one here): {bad:?}"
    );
}

#[test]
fn the_checker_sees_a_cycle_and_ignores_comments_and_strings() {
    let src = |module: &str, text: &str| Source {
        module: module.into(),
        file: format!("{module}.rs"),
        text: text.into(),
    };
    let g = graph(&[
        src(
            "a",
            "use crate::{b::{self, X}, c};\n// crate::d::y\nfn f() { super::e::z(); }",
        ),
        src("b", "fn g() { let s = \"crate::c\"; crate::a::f(); }"),
        src(
            "c",
            "mod tests { use super::helper; }\n/* crate::a */ const Q: char = '\\'';",
        ),
        src("d", ""),
        src("e", ""),
    ]);
    assert_eq!(
        g["a"],
        ["b", "c", "e"].iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(g["b"], ["a"].iter().map(|s| s.to_string()).collect());
    assert!(g["c"].is_empty());
    let found = cycles(&g);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0], ["a", "b"].iter().map(|s| s.to_string()).collect());
}

#[test]
fn raw_cpython_calls_only_in_capi_and_raw_jni_only_in_jni_raw() {
    let mut bad = Vec::new();
    let all = sources();
    // The homes named below exist (a move would otherwise make this vacuous).
    assert!(all.iter().any(|s| s.file == "jni/raw.rs"), "no jni/raw.rs");
    assert!(all.iter().any(|s| s.file.starts_with("capi/")), "no capi/");
    for s in all {
        let code = code_only(&s.text);
        let compact: String = code.split_whitespace().collect();
        let capi = s.file.starts_with("capi/");
        if !capi && (compact.contains("pyo3::ffi") || has_ffi_import(&compact)) {
            bad.push(format!("{}: pyo3::ffi outside capi/", s.file));
        }
        // `(**env).v1_4.Fn(...)`, `(**vm).v1_2.GetEnv(...)`, or a table read
        // through `*env` then `(*t).v1_x`.
        let raw_jni = compact.contains("(**") || compact.contains(").v1_");
        if s.file != "jni/raw.rs" && raw_jni {
            bad.push(format!(
                "{}: raw JNI function-table call outside jni/raw.rs",
                s.file
            ));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

/// `use pyo3::{..., ffi, ...}`.
fn has_ffi_import(compact: &str) -> bool {
    let mut rest = compact;
    while let Some(i) = rest.find("pyo3::{") {
        let group = &rest[i + 7..];
        let end = group.find('}').unwrap_or(group.len());
        if group[..end]
            .split(',')
            .any(|x| x == "ffi" || x.starts_with("ffi::"))
        {
            return true;
        }
        rest = &group[end..];
    }
    false
}

#[test]
fn every_unsafe_fn_documents_its_safety_contract() {
    let mut bad = Vec::new();
    for s in sources() {
        let code = code_only(&s.text);
        let lines: Vec<&str> = s.text.lines().collect();
        for (n, line) in code.lines().enumerate() {
            let l = line.trim_start();
            let is_unsafe_fn = [
                "unsafe fn ",
                "unsafe extern \"system\" fn ",
                "unsafe extern \"C\" fn ",
            ]
            .iter()
            .any(|p| l.contains(p))
                && !l.starts_with("let ");
            // `unsafe extern "C" { fn ... }` blocks declare foreign functions.
            if !is_unsafe_fn || line.contains("unsafe extern \"C\" {") {
                continue;
            }
            // Its doc comment: the `///` lines (and attributes) just above.
            let mut k = n;
            let mut doc = String::new();
            while k > 0 {
                let above = lines[k - 1].trim_start();
                if above.starts_with("///") {
                    doc.push_str(above);
                    doc.push('\n');
                } else if !above.starts_with("#[") {
                    break;
                }
                k -= 1;
            }
            if !doc.contains("# Safety") {
                bad.push(format!("{}:{}: {}", s.file, n + 1, l.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "unsafe fns without a `# Safety` section: {bad:#?}"
    );
}
