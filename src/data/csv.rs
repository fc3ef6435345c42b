//! Numeric CSV: one sample per line, its features then its class label (or the label first),
//! comma-separated, an optional header line, gzip-compressed or raw (detected from the bytes).
//! The 5,000-digit MNIST file is `784` pixel values `0..255` then the label, no header:
//! read it with [`CsvOptions::pixels`], which divides the features by 255 and records the
//! 28 × 28 row-major image shape.
//!
//! Every field must parse as a finite number, every line must have as many fields as the
//! first, and labels must be whole numbers `≥ 0` (and below `num_classes` when given);
//! otherwise the error names the file, the line's byte offset, what was expected and what was
//! found. Blank lines are skipped.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::data::csv::{self, CsvOptions};
//! let text = b"a,b,label\n0.5,1,2\n0,0.25,0\n";
//! let ds = csv::parse::<f64>(text, "mem.csv".as_ref(), &CsvOptions::default())?;
//! assert_eq!((ds.num_features(), ds.len(), ds.num_classes()), (2, 2, 3));
//! assert_eq!(ds.labels(), &[2, 0]);
//! assert_eq!(ds.features()[(1, 0)], 1.0);
//! assert!(csv::parse::<f64>(b"0.5,nan,1\n", "mem.csv".as_ref(), &CsvOptions::default()).is_err());
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use super::source;
use super::{Dataset, ImageShape};
use crate::error::Result;
use crate::scalar::Scalar;
use nalgebra::DMatrix;
use std::path::Path;

const FORMAT: &str = "CSV";

/// Whether the first line is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// A header if any field of the first line is not a number (the default).
    #[default]
    Auto,
    /// The first line is a header.
    Present,
    /// Every line is data.
    Absent,
}

/// Where each line's label is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelColumn {
    /// The last field (the default; the MNIST 5k file).
    #[default]
    Last,
    /// The first field (Kaggle's `mnist_train.csv`).
    First,
}

/// How to read a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    /// Header line handling.
    pub header: Header,
    /// Label position.
    pub label: LabelColumn,
    /// Each feature is divided by this (255 for pixels; 1 leaves values unchanged).
    pub divide_by: f64,
    /// Number of classes; `None` takes the largest label + 1.
    pub num_classes: Option<usize>,
    /// The image shape of each sample, if the features are pixels.
    pub image: Option<ImageShape>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            header: Header::Auto,
            label: LabelColumn::Last,
            divide_by: 1.0,
            num_classes: None,
            image: None,
        }
    }
}

impl CsvOptions {
    /// 28 × 28 MNIST-style pixels `0..255` then the label, 10 classes: features divided by
    /// 255, row-major image shape recorded.
    pub fn pixels() -> Self {
        CsvOptions {
            divide_by: 255.0,
            num_classes: Some(10),
            image: Some(ImageShape::row_major(28, 28)),
            ..Self::default()
        }
    }
}

/// Parses CSV bytes (gzip or raw); `path` names the source in errors.
///
/// # Errors
/// [`crate::Error::Format`] for a field that is not a finite number, a ragged line, a label
/// that is not a whole number in range, or no data; [`crate::Error::ShapeMismatch`] if
/// `options.image` does not match the number of features;
/// [`crate::Error::InvalidParameter`] for a non-positive or non-finite `divide_by`.
pub fn parse<T: Scalar>(bytes: &[u8], path: &Path, options: &CsvOptions) -> Result<Dataset<T>> {
    crate::check::positive("divide_by", options.divide_by)?;
    let raw = source::maybe_gunzip(bytes, path, FORMAT)?;
    let err = |offset: usize, expected: String, found: String| {
        source::format_error(path, FORMAT, offset as u64, expected, found)
    };
    let mut values: Vec<T> = Vec::new();
    let mut labels: Vec<usize> = Vec::new();
    let mut width: Option<usize> = None;
    let mut offset = 0usize;
    let mut first_line = true;
    for (line_no, line) in raw.split(|&b| b == b'\n').enumerate() {
        let line_at = offset;
        offset += line.len() + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = std::str::from_utf8(line).map_err(|e| {
            err(
                line_at,
                format!("UTF-8 text on line {}", line_no + 1),
                format!("invalid byte at column {}", e.valid_up_to() + 1),
            )
        })?;
        if text.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        if first_line {
            first_line = false;
            let is_header = match options.header {
                Header::Present => true,
                Header::Absent => false,
                Header::Auto => fields.iter().any(|f| f.parse::<f64>().is_err()),
            };
            if is_header {
                continue;
            }
        }
        let w = *width.get_or_insert(fields.len());
        if fields.len() != w {
            return Err(err(
                line_at,
                format!(
                    "{w} fields on line {} (as on the first data line)",
                    line_no + 1
                ),
                format!("{} fields", fields.len()),
            ));
        }
        if w < 2 {
            return Err(err(
                line_at,
                format!("at least one feature and a label on line {}", line_no + 1),
                format!("{w} field(s)"),
            ));
        }
        let (label_field, feature_fields) = match options.label {
            LabelColumn::Last => (fields[w - 1], &fields[..w - 1]),
            LabelColumn::First => (fields[0], &fields[1..]),
        };
        for (k, f) in feature_fields.iter().enumerate() {
            let v: f64 = f
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    err(
                        line_at,
                        format!(
                            "a finite number in feature {} of line {}",
                            k + 1,
                            line_no + 1
                        ),
                        format!("`{f}`"),
                    )
                })?;
            values.push(T::of(v / options.divide_by));
        }
        let label = label_field
            .parse::<f64>()
            .ok()
            .filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v < u32::MAX as f64)
            .map(|v| v as usize)
            .filter(|&l| options.num_classes.is_none_or(|k| l < k))
            .ok_or_else(|| {
                let range = options
                    .num_classes
                    .map_or("≥ 0".to_string(), |k| format!("in 0..{k}"));
                err(
                    line_at,
                    format!("a whole-number label {range} on line {}", line_no + 1),
                    format!("`{label_field}`"),
                )
            })?;
        labels.push(label);
    }
    let Some(w) = width else {
        return Err(err(0, "at least one data line".into(), "none".into()));
    };
    let features = w - 1;
    let num_classes = options
        .num_classes
        .unwrap_or_else(|| labels.iter().max().map_or(1, |&l| l + 1));
    let m = labels.len();
    let ds = Dataset::new(DMatrix::from_vec(features, m, values), labels, num_classes)?;
    match options.image {
        Some(shape) => ds.with_image_shape(shape),
        None => Ok(ds),
    }
}

/// Reads a CSV file (gzip or raw) into a dataset.
///
/// # Errors
/// [`crate::Error::Io`] if the file cannot be read; as [`parse`] otherwise.
pub fn load<T: Scalar>(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset<T>> {
    let path = path.as_ref();
    parse(&source::read_file(path)?, path, options)
}
