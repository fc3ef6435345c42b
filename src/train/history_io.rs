//! A [`History`] as plain text for plotting elsewhere: CSV (always) and JSON (feature
//! `serde`), in memory or saved atomically.
//!
//! The CSV has a header and one row per epoch, the columns of [`EpochRecord`] in order:
//!
//! ```text
//! epoch,cost,train_accuracy,validation_accuracy,validation_correct,validation_samples,validation_cost,grad_norm,train_seconds,eval_seconds
//! 1,0.6931471805599453,0.5,,,0,,,0.25,0.0
//! ```
//!
//! A `None` is an empty field; numbers are written in Rust's shortest round-trip form
//! (`0.1`, `1e-7`, `NaN`, `inf`), which pandas, NumPy, R and spreadsheets read as numbers.
//! The JSON holds the whole history (with `iteration_costs`, `stop`, ...); NaN and ±∞
//! are the strings `"NaN"`, `"inf"`, `"-inf"`, since JSON has no such numbers.

use super::history::{EpochRecord, History};
use crate::error::Result;
use std::fmt::Write as _;
use std::path::Path;

/// The CSV header: [`EpochRecord`]'s fields in order.
const CSV_HEADER: &str = "epoch,cost,train_accuracy,validation_accuracy,validation_correct,\
validation_samples,validation_cost,grad_norm,train_seconds,eval_seconds";

fn float(v: f64) -> String {
    format!("{v:?}")
}

fn opt_float(v: Option<f64>) -> String {
    v.map(float).unwrap_or_default()
}

fn csv_row(out: &mut String, e: &EpochRecord) {
    let fields = [
        e.epoch.to_string(),
        float(e.cost),
        opt_float(e.train_accuracy),
        opt_float(e.validation_accuracy),
        e.validation_correct
            .map(|c| c.to_string())
            .unwrap_or_default(),
        e.validation_samples.to_string(),
        opt_float(e.validation_cost),
        opt_float(e.grad_norm),
        float(e.train_seconds),
        float(e.eval_seconds),
    ];
    out.push_str(&fields.join(","));
    out.push('\n');
}

impl History {
    /// The epochs as CSV for plotting elsewhere: a header line, then one line per
    /// [`EpochRecord`], its fields in order as the columns:
    ///
    /// ```text
    /// epoch,cost,train_accuracy,validation_accuracy,validation_correct,validation_samples,validation_cost,grad_norm,train_seconds,eval_seconds
    /// ```
    ///
    /// A `None` is an empty field; numbers are in Rust's shortest round-trip form (`0.1`,
    /// `1e-7`, `NaN`, `inf`), which pandas, NumPy, R and spreadsheets read as numbers.
    /// `iteration_costs` (full-batch runs) and the run's totals are not in the CSV; the
    /// JSON (`to_json`, feature `serde`) has everything.
    ///
    /// # Examples
    /// ```
    /// # use deepmultinet::train::{EpochRecord, History, TrainStop};
    /// let mut h = History::new(1);
    /// h.epochs.push(EpochRecord { epoch: 1, cost: 0.5, train_accuracy: Some(0.75),
    ///     validation_accuracy: None, validation_correct: None, validation_samples: 0,
    ///     validation_cost: None, grad_norm: None, train_seconds: 1.5, eval_seconds: 0.0 });
    /// let csv = h.to_csv();
    /// let lines: Vec<&str> = csv.lines().collect();
    /// assert!(lines[0].starts_with("epoch,cost,train_accuracy,"));
    /// assert_eq!(lines[1], "1,0.5,0.75,,,0,,,1.5,0.0");
    /// ```
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(CSV_HEADER.len() + 1 + 80 * self.epochs.len());
        let _ = writeln!(out, "{CSV_HEADER}");
        for e in &self.epochs {
            csv_row(&mut out, e);
        }
        out
    }

    /// Saves [`to_csv`](Self::to_csv) to `path` atomically (a temporary file in the same
    /// directory, synced, then renamed over `path`).
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) if the file cannot be written; the file that was
    /// there stays intact.
    ///
    /// # Examples
    /// ```
    /// # use deepmultinet::train::History;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("history.csv");
    /// History::new(0).save_csv(&path)?;
    /// assert!(std::fs::read_to_string(&path).unwrap().starts_with("epoch,"));
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    pub fn save_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::files::write_atomic(path.as_ref(), self.to_csv().as_bytes())
    }

    /// The whole history as pretty-printed JSON (feature `serde`); NaN and ±∞ become the
    /// strings `"NaN"`, `"inf"`, `"-inf"`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) if the serialiser fails (it does
    /// not for a `History`).
    ///
    /// # Examples
    /// ```
    /// # use deepmultinet::train::History;
    /// let h = History::new(3);
    /// let json = h.to_json()?;
    /// assert!(json.contains("\"initial_cost\": \"NaN\""));
    /// let back = History::from_json(&json)?;
    /// assert!(back.initial_cost.is_nan() && back.epochs.is_empty());
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| crate::Error::InvalidConfig(format!("history as JSON: {e}")))
    }

    /// Reads a history written by [`to_json`](Self::to_json) (feature `serde`).
    ///
    /// # Errors
    /// [`Error::Format`](crate::Error::Format) (path `<memory>`, the byte offset of the
    /// problem) if `json` is not a history.
    ///
    /// # Examples
    /// ```
    /// # use deepmultinet::train::History;
    /// assert!(History::from_json("{\"epochs\": 3}").is_err());
    /// ```
    #[cfg(feature = "serde")]
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| {
            crate::data::source::format_error(
                Path::new("<memory>"),
                "JSON",
                byte_offset(json, e.line(), e.column()),
                "a training history (as written by History::to_json)",
                e,
            )
        })
    }

    /// Saves [`to_json`](Self::to_json) to `path` atomically (feature `serde`).
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) if the file cannot be written; the file that was
    /// there stays intact.
    ///
    /// # Examples
    /// ```
    /// # use deepmultinet::train::History;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("history.json");
    /// History::new(0).save_json(&path)?;
    /// let back = History::from_json(&std::fs::read_to_string(&path).unwrap())?;
    /// assert_eq!(back.iterations, 0);
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    #[cfg(feature = "serde")]
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::files::write_atomic(path.as_ref(), self.to_json()?.as_bytes())
    }
}

/// The byte offset of 1-based `line` and `column` in `text` (serde_json's error position).
#[cfg(feature = "serde")]
fn byte_offset(text: &str, line: usize, column: usize) -> u64 {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::StopReason;
    use crate::train::TrainStop;

    fn record(epoch: usize) -> EpochRecord {
        EpochRecord {
            epoch,
            cost: 1.0 / epoch as f64,
            train_accuracy: Some(0.5 + 0.01 * epoch as f64),
            validation_accuracy: Some(0.25),
            validation_correct: Some(25),
            validation_samples: 100,
            validation_cost: Some(f64::INFINITY),
            grad_norm: None,
            train_seconds: 1e-7,
            eval_seconds: 2.5,
        }
    }

    fn history() -> History {
        History {
            epochs: (1..=3).map(record).collect(),
            iteration_costs: vec![3.0, f64::NAN, 1.0],
            initial_cost: f64::NAN,
            iterations: 7,
            evaluations: 9,
            best_epoch: Some(2),
            stop: TrainStop::Minimizer(StopReason::LineSearchFailed),
        }
    }

    #[test]
    fn csv_has_a_header_and_one_row_per_epoch_that_parse_back() {
        let h = history();
        let csv = h.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines[0].split(',').count(), 10);
        for (line, e) in lines[1..].iter().zip(&h.epochs) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 10, "{line}");
            assert_eq!(f[0].parse::<usize>().unwrap(), e.epoch);
            assert_eq!(f[1].parse::<f64>().unwrap(), e.cost);
            assert_eq!(f[2].parse::<f64>().ok(), e.train_accuracy);
            assert_eq!(f[4].parse::<usize>().ok(), e.validation_correct);
            assert_eq!(f[6], "inf");
            assert_eq!(f[7], "");
            assert_eq!(f[8].parse::<f64>().unwrap(), 1e-7);
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_round_trips_with_non_finite_values() {
        let h = history();
        let back = History::from_json(&h.to_json().unwrap()).unwrap();
        assert!(back.initial_cost.is_nan() && back.iteration_costs[1].is_nan());
        // NaN ≠ NaN: compare the rest with the NaNs replaced.
        let clean = |mut h: History| {
            h.initial_cost = 0.0;
            h.iteration_costs[1] = 0.0;
            h
        };
        assert_eq!(clean(back), clean(h));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn malformed_json_is_a_format_error_with_its_offset() {
        let err = History::from_json("{\n  \"epochs\": [],\n  \"x\" 1}").unwrap_err();
        match err {
            crate::Error::Format { format, offset, .. } => {
                assert_eq!(format, "JSON");
                assert!(offset > 16, "{offset}");
            }
            other => panic!("{other:?}"),
        }
    }
}
