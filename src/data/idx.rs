//! IDX files: MNIST and Fashion-MNIST images and labels, gzip-compressed or raw.
//!
//! Format (all integers big-endian): two zero bytes, a type byte (`0x08` = unsigned byte, the
//! only type these datasets use and the only one read here), the number of dimensions `d`,
//! then `d` u32 sizes, then the `∏ sizes` data bytes. Images are `n × rows × cols`
//! (magic `0x00000803`, pixels row-major), labels `n` (magic `0x00000801`). A file that starts
//! with the gzip magic `1f 8b` is decompressed first.
//!
//! Sizes are checked against the bytes actually present before anything is allocated, so a
//! corrupt header claiming 2³² × 2³² × 2³² values is an error, not an allocation; a gzip
//! file is inflated only up to the size its header promises, and at most
//! [`limits::max_decompressed`] bytes (1 GiB by default).
//! Offsets in errors about a gzip file count decompressed bytes.
//!
//! # Examples
//!
//! ```no_run
//! use deepmultinet::data::idx::{self, Split};
//! let test = idx::load_dir::<f32>("/usr/share/datasets/fashion-mnist", Split::Test)?;
//! assert_eq!((test.num_features(), test.len()), (784, 10_000));
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use super::stream::{self, Stream};
use super::{Dataset, FASHION_MNIST_CLASSES, ImageShape};
use super::{excerpt, limits, source};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use std::path::{Path, PathBuf};

const FORMAT: &str = "IDX";
/// The type code of unsigned bytes.
const TYPE_U8: u8 = 0x08;

/// An IDX array of unsigned bytes: its dimensions and its data in file (row-major) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Sizes, outermost first (`[n, rows, cols]` for images, `[n]` for labels).
    pub dims: Vec<usize>,
    /// The `∏ dims` bytes.
    pub data: Vec<u8>,
}

/// Parses IDX bytes (gzip or raw). `path` is only used in error messages.
///
/// A gzip file is decompressed only as far as its header promises: the header, then exactly
/// `∏ sizes` data bytes, then the check that the stream ends there. Every member of a
/// multi-member gzip file (`cat a.gz b.gz`) is read. The data buffer grows as bytes arrive,
/// so memory follows the bytes really present, and at most
/// [`limits::max_decompressed`] bytes are decompressed.
/// In a gzip file, error offsets count decompressed bytes (and the errors say so).
///
/// # Errors
/// [`Error::Format`] for a bad magic number, an unsupported type, a size product that
/// overflows or exceeds the decompression cap, a data length that differs from the sizes,
/// or a corrupt gzip stream.
///
/// ```
/// use deepmultinet::data::idx;
/// let bytes = [0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1];
/// let a = idx::parse(&bytes, "labels".as_ref())?;
/// assert_eq!((a.dims, a.data), (vec![3], vec![7, 2, 1]));
/// assert!(idx::parse(&bytes[..10], "labels".as_ref()).is_err());
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub fn parse(bytes: &[u8], path: &Path) -> Result<IdxArray> {
    let mut s = Stream::maybe_gunzip(bytes, path, FORMAT).big_endian(true);
    let magic = s.array::<4>("the magic number")?;
    if magic[0] != 0 || magic[1] != 0 {
        return Err(s.error_at(
            0,
            "magic number 0x0000TTDD (two zero bytes, type, dimensions)",
            format!(
                "0x{:02x}{:02x}{:02x}{:02x}",
                magic[0], magic[1], magic[2], magic[3]
            ),
        ));
    }
    if magic[2] != TYPE_U8 {
        return Err(s.error_at(
            2,
            "data type 0x08 (unsigned byte)",
            format!("type 0x{:02x}", magic[2]),
        ));
    }
    let ndims = usize::from(magic[3]);
    if ndims == 0 {
        return Err(s.error_at(3, "at least 1 dimension", "0"));
    }
    let mut dims = Vec::with_capacity(ndims);
    let mut count: usize = 1;
    for d in 0..ndims {
        let at = s.offset();
        let n = s.u32(&format!("size of dimension {d}"))? as usize;
        count = count.checked_mul(n).ok_or_else(|| {
            s.error_at(
                at,
                "dimension sizes whose product fits in memory",
                format!(
                    "sizes {} then {n}: the product overflows",
                    excerpt::list(&dims)
                ),
            )
        })?;
        dims.push(n);
    }
    let data_at = s.offset();
    let what = || {
        format!(
            "{count} data byte(s) for dimensions {}",
            excerpt::list(&dims)
        )
    };
    match s.remaining() {
        Some(left) if left != count as u64 => {
            return Err(s.error_at(data_at, what(), format!("{left} byte(s)")));
        }
        Some(_) => {}
        None => {
            let cap = limits::max_decompressed();
            if (count as u64).saturating_add(data_at) > cap {
                return Err(s.error_at(
                    data_at,
                    format!(
                        "{} (at most {cap} decompressed bytes in all: the cap \
                         data::limits::max_decompressed; data::limits::set_max_decompressed \
                         raises it)",
                        what()
                    ),
                    format!("a header promising {count} data byte(s)"),
                ));
            }
        }
    }
    let data = s.bytes(
        count,
        &format!("the data (dimensions {})", excerpt::list(&dims)),
    )?;
    if !s.at_end()? {
        return Err(s.error(format!("the end of the data after {}", what()), "more data"));
    }
    Ok(IdxArray { dims, data })
}

/// Reads and parses an IDX file (gzip or raw).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; as [`parse`] otherwise.
pub fn read(path: impl AsRef<Path>) -> Result<IdxArray> {
    let path = path.as_ref();
    parse(&source::read_file(path)?, path)
}

/// Builds a dataset from parsed image and label arrays (see [`load`]).
///
/// # Errors
/// As [`load`]; `images_path` and `labels_path` name the sources in errors.
pub fn dataset_from_arrays<T: Scalar>(
    images: &IdxArray,
    images_path: &Path,
    labels: &IdxArray,
    labels_path: &Path,
    num_classes: usize,
) -> Result<Dataset<T>> {
    let bad_rank = |path: &Path, expected: &str, dims: &[usize]| {
        source::format_error(
            path,
            FORMAT,
            3,
            expected,
            format!("dimensions {}", excerpt::list(dims)),
        )
    };
    let (n, shape) = match images.dims.as_slice() {
        &[n, rows, cols] => (n, Some(ImageShape::row_major(rows, cols))),
        &[n, _features] => (n, None),
        d => {
            return Err(bad_rank(
                images_path,
                "images of 2 or 3 dimensions (samples × features or samples × rows × cols)",
                d,
            ));
        }
    };
    let &[m] = labels.dims.as_slice() else {
        return Err(bad_rank(labels_path, "labels of 1 dimension", &labels.dims));
    };
    if m != n {
        return Err(source::format_error(
            labels_path,
            FORMAT,
            4,
            format!("{n} labels, one per image in {}", images_path.display()),
            format!("{m} labels"),
        ));
    }
    if let Some((i, &l)) = labels
        .data
        .iter()
        .enumerate()
        .find(|(_, l)| usize::from(**l) >= num_classes)
    {
        return Err(source::format_error(
            labels_path,
            FORMAT,
            8 + i as u64,
            format!("a label below {num_classes}"),
            format!("label {l} for sample {i}"),
        ));
    }
    let features = images.data.len().checked_div(n).unwrap_or(0);
    let labels_vec = labels.data.iter().map(|&l| usize::from(l)).collect();
    let ds = Dataset::from_u8(features, &images.data, labels_vec, num_classes)?;
    match shape {
        Some(s) if n > 0 => ds.with_image_shape(s),
        _ => Ok(ds),
    }
}

/// Loads an images file and a labels file into a dataset with `num_classes` classes, pixels
/// scaled to `[0, 1]`, and the image shape (row-major) of 3-dimensional image files.
///
/// # Errors
/// [`Error::Io`] / [`Error::Format`] for unreadable or malformed files, when the label count
/// differs from the image count, or when a label is not below `num_classes` (offsets into a
/// gzip file count decompressed bytes, as the error says).
pub fn load<T: Scalar>(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
    num_classes: usize,
) -> Result<Dataset<T>> {
    let (ip, lp) = (images.as_ref(), labels.as_ref());
    let (ib, lb) = (source::read_file(ip)?, source::read_file(lp)?);
    let (ia, la) = (parse(&ib, ip)?, parse(&lb, lp)?);
    dataset_from_arrays(&ia, ip, &la, lp, num_classes).map_err(|e| {
        // Offsets into a gzip file count decompressed bytes; say so.
        let e = if source::is_gzip(&lb) {
            stream::gzip_note(e, lp)
        } else {
            e
        };
        if source::is_gzip(&ib) && ip != lp {
            stream::gzip_note(e, ip)
        } else {
            e
        }
    })
}

/// Which half of an MNIST-style directory to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// `train-images-idx3-ubyte(.gz)` and `train-labels-idx1-ubyte(.gz)`.
    Train,
    /// `t10k-images-idx3-ubyte(.gz)` and `t10k-labels-idx1-ubyte(.gz)`.
    Test,
}

impl Split {
    fn prefix(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "t10k",
        }
    }
}

/// The file `<prefix>-<kind>-idx<d>-ubyte` in `dir`, gzipped or not (also accepting the
/// `<prefix>-<kind>.idx<d>-ubyte` spelling).
fn find_file(dir: &Path, split: Split, kind: &str, d: u8) -> Result<PathBuf> {
    let p = split.prefix();
    let candidates = [
        format!("{p}-{kind}-idx{d}-ubyte.gz"),
        format!("{p}-{kind}-idx{d}-ubyte"),
        format!("{p}-{kind}.idx{d}-ubyte.gz"),
        format!("{p}-{kind}.idx{d}-ubyte"),
    ];
    candidates
        .iter()
        .map(|c| dir.join(c))
        .find(|c| c.is_file())
        .ok_or_else(|| Error::Io {
            path: dir.join(&candidates[0]),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "no {} in {} (looked for {})",
                    kind,
                    dir.display(),
                    candidates.join(", ")
                ),
            ),
        })
}

/// Loads the train or test half of a directory holding the four standard MNIST file names
/// (10 classes, pixels scaled to `[0, 1]`, image shape 28 × 28 row-major).
///
/// # Errors
/// [`Error::Io`] if a file is missing; as [`load`] otherwise.
pub fn load_dir<T: Scalar>(dir: impl AsRef<Path>, split: Split) -> Result<Dataset<T>> {
    let dir = dir.as_ref();
    let images = find_file(dir, split, "images", 3)?;
    let labels = find_file(dir, split, "labels", 1)?;
    load(images, labels, 10)
}

/// Loads Fashion-MNIST's `(train, test)` (60,000 + 10,000 images) from `dir`, or from
/// [`super::paths::fashion_dir`] (default `/usr/share/datasets/fashion-mnist`, Debian's
/// `dataset-fashion-mnist`) when `dir` is `None`, with the ten class names set.
///
/// # Errors
/// As [`load_dir`].
pub fn load_fashion_mnist<T: Scalar>(dir: Option<&Path>) -> Result<(Dataset<T>, Dataset<T>)> {
    let dir = dir.map_or_else(super::paths::fashion_dir, Path::to_path_buf);
    let train = load_dir::<T>(&dir, Split::Train)?.with_class_names(FASHION_MNIST_CLASSES)?;
    let test = load_dir::<T>(&dir, Split::Test)?.with_class_names(FASHION_MNIST_CLASSES)?;
    Ok((train, test))
}
