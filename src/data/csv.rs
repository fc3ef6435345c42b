//! Numeric CSV: one sample per line, its features then its class label (or the label first),
//! comma-separated, an optional header line, gzip-compressed or raw (detected from the bytes).
//! The 5,000-digit MNIST file is `784` pixel values `0..255` then the label, no header:
//! read it with [`CsvOptions::pixels`], which divides the features by 255 and records the
//! 28 × 28 row-major image shape.
//!
//! Every field must parse as a finite number (that stays finite in the scalar type read, so
//! `1e39` is an error for `f32`), every line must have as many fields as the first, and
//! labels must be whole numbers `≥ 0` (and below `num_classes` when given); otherwise the
//! error names the file, the line's byte offset, what was expected and what was found (a
//! field longer than 64 characters quoted in part, with its length). Blank lines are skipped.
//!
//! The file is read line by line: a line may hold at most
//! [`limits::max_csv_line`] bytes (16 MiB by default), a gzip
//! file (every member of a multi-member one) is decompressed as it is read, at most
//! [`limits::max_decompressed`] bytes (1 GiB by default),
//! and offsets in its errors count decompressed bytes.
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

use super::stream::Stream;
use super::{Dataset, ImageShape, excerpt, limits, source};
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
/// The input is read line by line, so memory follows the values read, not the file: a gzip
/// file is decompressed as it is parsed (every member of a multi-member file), up to
/// [`limits::max_decompressed`] bytes, and a line may hold
/// at most [`limits::max_csv_line`] bytes. In a gzip file,
/// error offsets count decompressed bytes (and the errors say so). A field quoted in an error
/// is cut after 64 characters (with its length).
///
/// # Errors
/// [`crate::Error::Format`] for a field that is not a finite number (or, read as `f32`, is
/// beyond `f32`'s range), a ragged line, a label that is not a whole number in range, no
/// data, a line or a decompressed size beyond its cap, or a corrupt gzip stream;
/// [`crate::Error::ShapeMismatch`] if `options.image` does not match the number of features;
/// [`crate::Error::InvalidParameter`] for a non-positive or non-finite `divide_by`;
/// [`crate::Error::Io`] (kind `OutOfMemory`) if the values do not fit in memory.
pub fn parse<T: Scalar>(bytes: &[u8], path: &Path, options: &CsvOptions) -> Result<Dataset<T>> {
    crate::check::positive("divide_by", options.divide_by)?;
    let max_line = limits::max_csv_line();
    let mut s = Stream::maybe_gunzip(bytes, path, FORMAT);
    let loc = s.locator();
    let err = |offset: u64, expected: String, found: String| loc.error(offset, expected, found);
    let oom = |e| source::out_of_memory(path, e);
    let mut values: Vec<T> = Vec::new();
    let mut labels: Vec<usize> = Vec::new();
    let mut width: Option<usize> = None;
    let mut first_line = true;
    let mut line = Vec::new();
    let mut line_no = 0usize;
    loop {
        let line_at = s.offset();
        if !s.line(&mut line, max_line)? {
            break;
        }
        line_no += 1;
        let bytes = line.strip_suffix(b"\r").unwrap_or(&line);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            err(
                line_at,
                format!("UTF-8 text on line {line_no}"),
                format!("invalid byte at column {}", e.valid_up_to() + 1),
            )
        })?;
        if text.trim().is_empty() {
            continue;
        }
        // The fields are walked, not collected: a line of commas costs no more than itself.
        let fields = || text.split(',').map(str::trim);
        let count = text.bytes().filter(|&b| b == b',').count() + 1;
        if first_line {
            first_line = false;
            let is_header = match options.header {
                Header::Present => true,
                Header::Absent => false,
                Header::Auto => fields().any(|f| f.parse::<f64>().is_err()),
            };
            if is_header {
                continue;
            }
        }
        let w = *width.get_or_insert(count);
        if count != w {
            return Err(err(
                line_at,
                format!("{w} fields on line {line_no} (as on the first data line)"),
                format!("{count} fields"),
            ));
        }
        if w < 2 {
            return Err(err(
                line_at,
                format!("at least one feature and a label on line {line_no}"),
                format!("{w} field(s)"),
            ));
        }
        let (label_field, skip) = match options.label {
            LabelColumn::Last => (text.rsplit(',').next().unwrap_or_default().trim(), 0),
            LabelColumn::First => (fields().next().unwrap_or_default(), 1),
        };
        let feature_fields = fields().skip(skip).take(w - 1);
        for (k, f) in feature_fields.enumerate() {
            let v = f
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| T::of(v / options.divide_by))
                .filter(|v| v.as_f64().is_finite())
                .ok_or_else(|| {
                    err(
                        line_at,
                        format!(
                            "a finite number in feature {} of line {line_no}{}",
                            k + 1,
                            range_note::<T>(options.divide_by)
                        ),
                        excerpt::quote(f),
                    )
                })?;
            // Grown as values parse, so memory follows the numbers really read.
            values.try_reserve(1).map_err(oom)?;
            values.push(v);
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
                    format!("a whole-number label {range} on line {line_no}"),
                    excerpt::quote(label_field),
                )
            })?;
        labels.try_reserve(1).map_err(oom)?;
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

/// What a feature must also be, beyond finite: finite in `T` once divided by `divide_by`.
fn range_note<T: Scalar>(divide_by: f64) -> String {
    match (T::NAME, divide_by == 1.0) {
        ("f64", true) => String::new(),
        ("f64", false) => format!(" once divided by {divide_by}"),
        (name, true) => format!(" within {name}'s range"),
        (name, false) => format!(" within {name}'s range once divided by {divide_by}"),
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
