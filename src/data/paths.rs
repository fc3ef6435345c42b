//! Where the examples find their data.
//!
//! * [`data_dir`]: `$DEEPMULTINET_DATA`, default `../shared/data` (relative to the working
//!   directory, i.e. the repository root when run with `cargo run`). It holds `mnist/`,
//!   `mnist5k/`, `coursera-ex3/` and `coursera-ex4/`.
//! * [`fashion_dir`]: `$DEEPMULTINET_FASHION`, default `/usr/share/datasets/fashion-mnist`
//!   (Debian's `dataset-fashion-mnist` package).
//!
//! # Examples
//!
//! ```
//! let f = deepmultinet::data::paths::data_file("mnist/t10k-labels-idx1-ubyte.gz");
//! assert!(f.ends_with("mnist/t10k-labels-idx1-ubyte.gz"));
//! ```

use std::path::PathBuf;

/// Environment variable naming the shared data directory.
pub const DATA_ENV: &str = "DEEPMULTINET_DATA";
/// Environment variable naming the Fashion-MNIST directory.
pub const FASHION_ENV: &str = "DEEPMULTINET_FASHION";
/// Default shared data directory.
pub const DEFAULT_DATA_DIR: &str = "../shared/data";
/// Default Fashion-MNIST directory.
pub const DEFAULT_FASHION_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The shared data directory (`$DEEPMULTINET_DATA` or `../shared/data`).
pub fn data_dir() -> PathBuf {
    std::env::var_os(DATA_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
}

/// The Fashion-MNIST directory (`$DEEPMULTINET_FASHION` or
/// `/usr/share/datasets/fashion-mnist`).
pub fn fashion_dir() -> PathBuf {
    std::env::var_os(FASHION_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_FASHION_DIR))
}

/// `rel` under [`data_dir`], e.g. `data_file("coursera-ex3/ex3weights.mat")`.
pub fn data_file(rel: &str) -> PathBuf {
    data_dir().join(rel)
}
