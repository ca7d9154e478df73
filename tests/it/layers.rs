//! The layers of `src/` point down only: a module may use its own layer and the ones beneath
//! it, never one above. This reads every source file and checks each `crate::` path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every top-level module of the crate and its layer, lowest first. A new module must be
/// placed here, or the test fails; see README's "Architecture" section for what each holds.
const LAYERS: &[(&str, &[&str])] = &[
    // Pure: no database, no HTTP, no clock reads.
    (
        "pure",
        &[
            "domain",
            "extract",
            "checkworthy",
            "export",
            "embed",
            "factcheck",
            "ranking",
            "feeds",
        ],
    ),
    // The floor everything with effects stands on.
    ("floor", &["config", "error", "telemetry"]),
    // Talking to PostgreSQL and to the web: queries, one module per table; page fetching.
    ("data", &["db", "fetch"]),
    // Use cases: they own transactions and call data and pure code.
    ("services", &["services", "auth"]),
    // The edge: parse, authorise, call one service, render.
    (
        "edge",
        &[
            "routes", "views", "cli", "commands", "startup", "shutdown", "http_log",
        ],
    ),
];

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, modules))| modules.contains(&module))
        .map(|(rank, (name, _))| (rank, *name))
}

/// The first segment of every `crate::` path in `source`, with its line number. Grouped
/// imports (`use crate::{db, domain::Role}`) name each group member; comments are skipped.
fn crate_paths(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut depth_into_group: Option<(usize, i32)> = None;
    for (index, raw) in source.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or_default();
        let number = index + 1;
        let mut rest = line;
        // Inside `use crate::{ … }` that spans lines: every segment at depth 1 is a module.
        if let Some((start, depth)) = depth_into_group.take() {
            let (names, closed) = group_members(rest, depth);
            found.extend(names.into_iter().map(|n| (number, n)));
            if !closed.0 {
                depth_into_group = Some((start, closed.1));
                continue;
            }
        }
        while let Some(at) = rest.find("crate::") {
            let before = &rest[..at];
            let after = &rest[at + "crate::".len()..];
            rest = after;
            // `$crate::` in macros and `claimdesk_crate::`-like names are not paths of ours.
            if before.ends_with('$') || before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            if let Some(group) = after.strip_prefix('{') {
                let (names, (closed, depth)) = group_members(group, 1);
                found.extend(names.into_iter().map(|n| (number, n)));
                if !closed {
                    depth_into_group = Some((number, depth));
                }
                continue;
            }
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push((number, name));
            }
        }
    }
    found
}

/// The top-level names of a brace group starting at `depth` (1 = directly inside), and
/// whether the group closed on this text together with the depth reached.
fn group_members(text: &str, mut depth: i32) -> (Vec<String>, (bool, i32)) {
    let mut names = Vec::new();
    let mut expecting = true;
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            if depth == 1 && expecting && word != "self" {
                names.push(word.clone());
            }
            expecting = false;
            word.clear();
        }
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return (names, (true, 0));
                }
            }
            ',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    if !word.is_empty() && depth == 1 && expecting {
        names.push(word);
    }
    (names, (false, depth))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to; `None` for the crate roots.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).expect("file under src");
    let first = relative.components().next()?.as_os_str().to_string_lossy();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// Each upward `crate::` path in `source` of a file in `module`, as a readable line.
fn upward_uses(module: &str, file: &str, source: &str) -> Vec<String> {
    let Some((rank, layer)) = layer_of(module) else {
        return vec![format!("{file}: module `{module}` has no layer in LAYERS")];
    };
    crate_paths(source)
        .into_iter()
        .filter_map(|(line, target)| match layer_of(&target) {
            Some((to_rank, to_layer)) if to_rank > rank => Some(format!(
                "{file}:{line}: `{module}` ({layer}) uses `crate::{target}` ({to_layer})"
            )),
            None if target != "AppError" => Some(format!(
                "{file}:{line}: `crate::{target}` is not a module with a layer in LAYERS"
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut per_layer: BTreeMap<&str, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let source = std::fs::read_to_string(file).expect("source file");
        let shown = file
            .strip_prefix(&src)
            .unwrap_or(file)
            .display()
            .to_string();
        problems.extend(upward_uses(&module, &shown, &source));
        if let Some((_, layer)) = layer_of(&module) {
            *per_layer.entry(layer).or_default() += 1;
        }
    }
    assert!(
        problems.is_empty(),
        "imports that point up a layer (move the helper down, or call down instead):\n{}",
        problems.join("\n")
    );
    // Every layer holds files: a renamed module cannot slip out of the check unnoticed.
    for (layer, _) in LAYERS {
        assert!(
            per_layer.get(layer).is_some_and(|n| *n > 0),
            "no files in {layer}"
        );
    }
}

#[test]
fn upward_imports_are_found_in_every_spelling() {
    let source = "\
use crate::db::claims::Claim;
use crate::{domain::Role, routes::parse_id};
use crate::{
    error::AppError,
    services::{self, AppState},
};
fn f() { let _ = crate::startup::run; } // crate::views in a comment is not a use
macro_rules! m { () => { $crate::routes::x } }
";
    let found = upward_uses("db", "db/x.rs", source);
    assert_eq!(
        found,
        vec![
            "db/x.rs:2: `db` (data) uses `crate::routes` (edge)".to_owned(),
            "db/x.rs:5: `db` (data) uses `crate::services` (services)".to_owned(),
            "db/x.rs:7: `db` (data) uses `crate::startup` (edge)".to_owned(),
        ]
    );
    assert!(upward_uses("routes", "routes/x.rs", source).is_empty());
    assert_eq!(
        upward_uses("jobs", "jobs.rs", "").len(),
        1,
        "a module without a layer is reported"
    );
}
