//! Shared helpers for integration tests: locating the real data files.
//!
//! Shared files come from `DEEPMULTINET_DATA` (default `../shared/data` relative to the
//! crate root) and Fashion-MNIST from `DEEPMULTINET_FASHION` (default
//! `/usr/share/datasets/fashion-mnist`). Without them a test prints why and skips; under CI
//! (`CI=true`) a missing file fails the test.
#![allow(dead_code)]

use std::path::PathBuf;

fn under_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// The shared data directory.
pub fn data_dir() -> PathBuf {
    std::env::var_os("DEEPMULTINET_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// The Fashion-MNIST directory.
pub fn fashion_dir() -> PathBuf {
    std::env::var_os("DEEPMULTINET_FASHION")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/datasets/fashion-mnist"))
}

/// `path` if it exists; otherwise `None` after printing why (or a panic under CI).
pub fn require(path: PathBuf, test: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let msg = format!(
        "{test}: skipped, data file {} not found (set DEEPMULTINET_DATA / DEEPMULTINET_FASHION)",
        path.display()
    );
    if under_ci() {
        panic!("{msg} — required under CI");
    }
    eprintln!("{msg}");
    None
}

/// A file under the shared data directory, or `None` (skip) / panic (CI).
pub fn shared_file(rel: &str, test: &str) -> Option<PathBuf> {
    require(data_dir().join(rel), test)
}

/// A file under the Fashion-MNIST directory, or `None` (skip) / panic (CI).
pub fn fashion_file(rel: &str, test: &str) -> Option<PathBuf> {
    require(fashion_dir().join(rel), test)
}
