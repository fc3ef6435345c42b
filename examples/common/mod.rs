//! Shared plumbing of the examples: a tiny `--flag value` parser and the output directory.
//! (Data locations: `deepmultinet::data::paths`; median epoch time: `History::median_train_seconds`.)
#![allow(dead_code)]

use deepmultinet::{Error, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

/// An example's exit: on `Err`, prints `error: {e}` (the error's `Display`, not its `Debug`
/// form) to stderr and returns status 1. `fn main() -> ExitCode { common::exit(run()) }`.
pub fn exit(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Most epochs an example runs (about 14 hours for the fastest epoch of any example).
pub const MAX_EPOCHS: usize = 100_000;
/// Most optimiser iterations an example runs.
pub const MAX_ITERS: usize = 10_000_000;

/// `value` of `--name` if it is at most `max`, else an error naming the flag and the bound.
pub fn at_most(name: &str, value: usize, max: usize) -> Result<usize> {
    if value > max {
        return Err(Error::InvalidConfig(format!(
            "--{name} {value}: at most {max} (the examples' bound on the length of a run)"
        )));
    }
    Ok(value)
}

/// `--name value` pairs and bare `--switch`es from the command line.
pub struct Args {
    values: HashMap<String, String>,
    switches: Vec<String>,
}

impl Args {
    /// Parses `std::env::args()`; every flag must be one of `known` (values) or `switches`.
    pub fn parse(known: &[&str], switches: &[&str]) -> Result<Self> {
        let mut values = HashMap::new();
        let mut on = Vec::new();
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            let name = a.strip_prefix("--").ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "unexpected argument `{a}`; flags look like --seed 0"
                ))
            })?;
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (name.to_string(), None),
            };
            if switches.contains(&name.as_str()) {
                on.push(name);
            } else if name == "threads" {
                // Every example: `--threads N` (0 = the default, see `set_num_threads`).
                let v = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| Error::InvalidConfig("--threads needs a value".into()))?,
                };
                let n: usize = v.parse().map_err(|_| {
                    Error::InvalidConfig(format!("--threads: cannot parse `{v}` as a count"))
                })?;
                deepmultinet::set_num_threads(n);
            } else if known.contains(&name.as_str()) {
                let v = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| Error::InvalidConfig(format!("--{name} needs a value")))?,
                };
                values.insert(name, v);
            } else {
                return Err(Error::InvalidConfig(format!(
                    "unknown flag --{name}; known: {}",
                    known
                        .iter()
                        .chain(switches)
                        .chain(&["threads"])
                        .map(|k| format!("--{k}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )));
            }
        }
        Ok(Args {
            values,
            switches: on,
        })
    }

    /// The value of `--name` parsed as `T`, or `default`.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.values.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| Error::InvalidConfig(format!("--{name}: cannot parse `{v}`"))),
        }
    }

    /// The count `--name` (default `default`), at most `max`: a run's length is bounded, so a
    /// mistyped `--epochs 18446744073709551615` is an error rather than a run that never ends.
    pub fn count(&self, name: &str, default: usize, max: usize) -> Result<usize> {
        at_most(name, self.get(name, default)?, max)
    }

    /// The raw value of `--name`, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Whether the switch `--name` was given.
    pub fn on(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// `--out DIR`, default `out/<example>`; created.
    pub fn out_dir(&self, example: &str) -> Result<PathBuf> {
        let dir = self
            .value("out")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("out").join(example));
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(dir)
    }
}

/// FNV-1a over the bit patterns of θ: a short fingerprint printed in the `result:` lines, so
/// that a refactoring can be checked to leave the trained parameters bit-for-bit equal.
pub fn fingerprint<T: deepmultinet::Scalar>(theta: &[T]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &t in theta {
        for b in t.as_f64().to_bits().to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
