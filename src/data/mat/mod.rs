//! MATLAB 5.0 MAT-files (level 5, what Octave's `save -v7`/`-v6` and `scipy.io.savemat`
//! write): numeric matrices by name — the course's `ex3weights.mat` (`Theta1`, `Theta2`) and
//! `ex4data1.mat` layout (`X`, `y`).
//!
//! ## Format
//! A 128-byte header (116 bytes of text, 8 bytes of subsystem offset, a u16 version `0x0100`,
//! and the endian indicator `IM` for little-endian or `MI` for big-endian files), then tagged
//! data elements. A tag is two u32s, *type* and *byte count*, followed by the data padded to a
//! multiple of 8 bytes; in the *small element* form (the upper 16 bits of the first u32 are not
//! zero) the count is those upper bits, the type the lower ones, and up to 4 data bytes sit in
//! the second word. Top-level elements are
//! * `miCOMPRESSED` (15): a zlib stream holding further elements (no padding after it);
//! * `miMATRIX` (14): sub-elements *array flags* (`miUINT32`: class in the low byte, complex
//!   `0x0800`, logical `0x0200`), *dimensions* (`miINT32` × ≥ 2), *name* (`miINT8`), and for
//!   numeric classes the *real part* (any numeric type; MATLAB may store a double matrix as
//!   `miUINT8` when its values fit) in **column-major** order, then an optional imaginary part.
//!
//! Numeric classes (double, single, 8/16/32/64-bit integers, logical) are read into `f64`
//! (64-bit integers beyond 2⁵³ round). Cells, structs, objects, chars and sparse matrices are
//! listed with their class so that asking for them gives a clear error. MAT v7.3 files are HDF5
//! and are rejected with a hint; level-4 files are not read.
//!
//! Every size is checked against the bytes actually present before allocating, so corrupt
//! input gives [`Error::Format`] (file, byte offset, what was expected, what was found) —
//! never a panic or a huge allocation:
//! * an `miCOMPRESSED` element is inflated as a stream, sub-element by sub-element, and the
//!   size of a matrix's real part is checked against its dimensions before any of it is
//!   inflated, so a small file claiming a huge element costs nothing; the elements of one
//!   file inflate to at most [`limits::max_decompressed`](super::limits::max_decompressed)
//!   bytes in all (1 GiB by default), and an inflated element of an unknown type (such as
//!   the zeros of a bomb) is an error;
//! * a numeric matrix element holds exactly its parts (flags, dimensions, a name of at most
//!   4096 bytes, the real and the imaginary part);
//! * errors inside an `miCOMPRESSED` element are at the element's offset in the file and
//!   name the offset in its decompressed data.
//!
//! Values are read as stored, NaN and infinities included; [`MatFile::matrix`] refuses
//! values that do not fit in the scalar type asked for, and [`dataset_from_mat`] refuses
//! features that are not finite.
//!
//! Why not the `matfile` crate: version 0.5 reads both course files, but it prints parse
//! errors to stdout/stderr from library code, inflates `miCOMPRESSED` without a size bound,
//! and its errors carry no offset; this reader is small and gives located errors.
//!
//! # Examples
//!
//! ```no_run
//! use deepmultinet::data::mat::MatFile;
//! let mat = MatFile::read("../shared/data/coursera-ex3/ex3weights.mat")?;
//! let theta1 = mat.matrix::<f64>("Theta1")?;
//! assert_eq!(theta1.shape(), (25, 401));
//! # Ok::<(), deepmultinet::Error>(())
//! ```

mod elements;
mod numeric;

use super::source::{self, Cursor};
use super::{Dataset, ImageShape, PixelOrder, excerpt};
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::scalar::Scalar;
use nalgebra::DMatrix;
use std::path::{Path, PathBuf};

const FORMAT: &str = "MAT";
const HEADER_LEN: usize = 128;

/// The class of a MAT array (`mxDOUBLE_CLASS`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatClass {
    /// `mxCELL_CLASS` (1).
    Cell,
    /// `mxSTRUCT_CLASS` (2).
    Struct,
    /// `mxOBJECT_CLASS` (3).
    Object,
    /// `mxCHAR_CLASS` (4).
    Char,
    /// `mxSPARSE_CLASS` (5).
    Sparse,
    /// `mxDOUBLE_CLASS` (6).
    Double,
    /// `mxSINGLE_CLASS` (7).
    Single,
    /// `mxINT8_CLASS` (8).
    Int8,
    /// `mxUINT8_CLASS` (9).
    UInt8,
    /// `mxINT16_CLASS` (10).
    Int16,
    /// `mxUINT16_CLASS` (11).
    UInt16,
    /// `mxINT32_CLASS` (12).
    Int32,
    /// `mxUINT32_CLASS` (13).
    UInt32,
    /// `mxINT64_CLASS` (14).
    Int64,
    /// `mxUINT64_CLASS` (15).
    UInt64,
    /// Any other class code (function handles, opaque objects, ...).
    Other(u8),
}

impl MatClass {
    fn from_code(code: u8) -> Self {
        use MatClass::*;
        match code {
            1 => Cell,
            2 => Struct,
            3 => Object,
            4 => Char,
            5 => Sparse,
            6 => Double,
            7 => Single,
            8 => Int8,
            9 => UInt8,
            10 => Int16,
            11 => UInt16,
            12 => Int32,
            13 => UInt32,
            14 => Int64,
            15 => UInt64,
            c => Other(c),
        }
    }
    /// Whether arrays of this class are plain numeric matrices (read by this module).
    pub fn is_numeric(self) -> bool {
        use MatClass::*;
        matches!(
            self,
            Double | Single | Int8 | UInt8 | Int16 | UInt16 | Int32 | UInt32 | Int64 | UInt64
        )
    }
}

/// One variable of a MAT-file.
#[derive(Debug, Clone, PartialEq)]
pub struct MatVariable {
    /// The variable's name.
    pub name: String,
    /// Its class.
    pub class: MatClass,
    /// Its dimensions (at least 2; rows first).
    pub dims: Vec<usize>,
    /// Whether it is complex (only real matrices are read).
    pub complex: bool,
    /// Whether it is a logical array.
    pub logical: bool,
    /// Byte offset of its element in the file.
    pub offset: u64,
    /// Column-major values, for real numeric variables; `None` otherwise.
    pub data: Option<Vec<f64>>,
}

/// The variables of a MAT-file.
#[derive(Debug, Clone, PartialEq)]
pub struct MatFile {
    path: PathBuf,
    header: String,
    variables: Vec<MatVariable>,
}

impl MatFile {
    /// Reads and parses a MAT-file.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read; as [`parse`](Self::parse) otherwise.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Self::parse(&source::read_file(path)?, path)
    }

    /// Parses MAT-file bytes; `path` names the source in errors.
    ///
    /// # Errors
    /// [`Error::Format`] for anything that is not a well-formed level-5 MAT-file, and for
    /// compressed elements that inflate to more than
    /// [`limits::max_decompressed`](super::limits::max_decompressed) bytes in all;
    /// [`Error::Io`] (kind `OutOfMemory`) if the values do not fit in memory.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self> {
        let mut c = Cursor::new(bytes, path, FORMAT);
        let header = c.take(HEADER_LEN, "the 128-byte header")?;
        let text = String::from_utf8_lossy(&header[..116])
            .trim_end_matches(['\0', ' '])
            .to_string();
        let big_endian = match &header[126..128] {
            b"IM" => false,
            b"MI" => true,
            other => {
                return Err(c.error_at(
                    126,
                    "endian indicator \"IM\" or \"MI\" (a MATLAB 5.0 MAT-file)",
                    format!("{other:02x?}"),
                ));
            }
        };
        let version_bytes = [header[124], header[125]];
        let version = if big_endian {
            u16::from_be_bytes(version_bytes)
        } else {
            u16::from_le_bytes(version_bytes)
        };
        if version != 0x0100 {
            let hint = if version == 0x0200 {
                " (a v7.3 HDF5 file: save with -v7 or scipy.io.savemat)"
            } else {
                ""
            };
            return Err(c.error_at(
                124,
                "version 0x0100 (MATLAB 5.0 MAT-file)",
                format!("0x{version:04x}{hint}"),
            ));
        }
        let mut c = c.big_endian(big_endian);
        let variables = elements::variables(&mut c, path)?;
        Ok(MatFile {
            path: path.to_path_buf(),
            header: text,
            variables,
        })
    }

    /// The file this was read from (`<memory>`-like names for parsed bytes).
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The header text, e.g. `MATLAB 5.0 MAT-file, Platform: ...`.
    pub fn header(&self) -> &str {
        &self.header
    }
    /// Every variable, in file order.
    pub fn variables(&self) -> &[MatVariable] {
        &self.variables
    }
    /// The variable `name` (the first of that name, should a file repeat one), if present.
    pub fn get(&self, name: &str) -> Option<&MatVariable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// The first few variables (names and dimensions clipped), for error messages.
    fn describe(&self) -> String {
        const SHOWN: usize = 8;
        if self.variables.is_empty() {
            return "no variables".into();
        }
        let mut names: Vec<String> = self
            .variables
            .iter()
            .take(SHOWN)
            .map(|v| {
                format!(
                    "{} ({:?} {})",
                    excerpt::clip(&v.name),
                    v.class,
                    excerpt::list(&v.dims)
                )
            })
            .collect();
        if self.variables.len() > SHOWN {
            names.push(format!("… ({} variables)", self.variables.len()));
        }
        format!("variables {}", names.join(", "))
    }

    /// The real numeric 2-D variable `name` (the first of that name) as a `rows × cols`
    /// matrix. Values are as stored (NaN and infinities included).
    ///
    /// # Errors
    /// [`Error::Format`] if `name` is missing, not numeric, complex, or not 2-dimensional, or
    /// holds a finite value beyond `T`'s range (`1e39` as `f32`).
    pub fn matrix<T: Scalar>(&self, name: &str) -> Result<DMatrix<T>> {
        let err = |offset, expected: String, found: String| {
            source::format_error(&self.path, FORMAT, offset, expected, found)
        };
        let v = self.get(name).ok_or_else(|| {
            err(
                0,
                format!("a numeric variable named `{name}`"),
                self.describe(),
            )
        })?;
        let data = match &v.data {
            Some(d) if !v.complex => d,
            _ => {
                let kind = if v.complex { "complex " } else { "" };
                return Err(err(
                    v.offset,
                    format!("`{name}` to be a real numeric matrix"),
                    format!("a {kind}{:?} array", v.class),
                ));
            }
        };
        let &[rows, cols] = v.dims.as_slice() else {
            return Err(err(
                v.offset,
                format!("`{name}` to be 2-dimensional"),
                format!("dimensions {:?}", v.dims),
            ));
        };
        let converted: Vec<T> = data.iter().map(|&x| T::of(x)).collect();
        if let Some(k) =
            (0..data.len()).find(|&k| data[k].is_finite() && !converted[k].as_f64().is_finite())
        {
            return Err(err(
                v.offset,
                format!("values of `{name}` within {}'s range", T::NAME),
                format!("{:?} at {}", data[k], position(k, rows)),
            ));
        }
        Ok(DMatrix::from_vec(rows, cols, converted))
    }
}

/// Class names of the course's 10 digit classes in label order: MATLAB label `k` is class
/// `k − 1`, and label 10 means the digit 0.
pub const COURSE_DIGIT_CLASSES: [&str; 10] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];

/// A dataset from the course's layout: `x_name` is `m × n` with one sample per **row**, and
/// `y_name` holds `m` integer labels `1..=K` (MATLAB's 1-based classes). Class `k` of the
/// dataset is MATLAB label `k + 1`, which is also output unit `k` of a network trained in
/// Octave, so the pre-trained `ex3weights.mat` predicts these labels directly; for the digit
/// files apply [`COURSE_DIGIT_CLASSES`] (label 10 is the digit 0). When `n` is a square the
/// samples get a square column-major [`ImageShape`] (MATLAB's `img(:)`).
///
/// # Errors
/// As [`MatFile::matrix`]; [`Error::Format`] if `y` is not a vector of `m` integers ≥ 1 or
/// `X` holds a NaN or an infinity.
pub fn dataset_from_mat<T: Scalar>(
    mat: &MatFile,
    x_name: &str,
    y_name: &str,
) -> Result<Dataset<T>> {
    // Read as T: a value beyond T's range is an error there, not an infinity here.
    let x = mat.matrix::<T>(x_name)?;
    let y = mat.matrix::<f64>(y_name)?;
    let y_offset = mat.get(y_name).map_or(0, |v| v.offset);
    let err = |expected: String, found: String| {
        source::format_error(&mat.path, FORMAT, y_offset, expected, found)
    };
    let m = x.nrows();
    if y.len() != m || (y.nrows() != 1 && y.ncols() != 1) {
        return Err(err(
            format!("`{y_name}` to be a vector of {m} labels (one per row of `{x_name}`)"),
            format!("a {} × {} matrix", y.nrows(), y.ncols()),
        ));
    }
    let mut labels = Vec::with_capacity(m);
    for (i, &v) in y.iter().enumerate() {
        if !(v >= 1.0 && v.fract() == 0.0 && v <= u32::MAX as f64) {
            return Err(err(
                format!("integer labels ≥ 1 in `{y_name}` (MATLAB's 1-based classes)"),
                format!("{v} at row {}", i + 1),
            ));
        }
        labels.push(v as usize - 1);
    }
    if let Some(k) = x.iter().position(|v| !v.as_f64().is_finite()) {
        let x_offset = mat.get(x_name).map_or(0, |v| v.offset);
        return Err(source::format_error(
            &mat.path,
            FORMAT,
            x_offset,
            format!("finite features in `{x_name}`"),
            format!("{:?} at {}", x[k].as_f64(), position(k, m)),
        ));
    }
    let num_classes = labels.iter().max().map_or(1, |&k| k + 1);
    let n = x.ncols();
    let features = DMatrix::from_fn(n, m, |r, c| x[(c, r)]);
    let ds = Dataset::new(features, labels, num_classes)?;
    match ImageShape::square(n, PixelOrder::ColumnMajor) {
        Ok(shape) => ds.with_image_shape(shape),
        Err(_) => Ok(ds),
    }
}

/// Loads `X` and `y` from a MAT-file in the course's layout (see [`dataset_from_mat`]).
///
/// # Errors
/// As [`MatFile::read`] and [`dataset_from_mat`].
pub fn load_dataset<T: Scalar>(path: impl AsRef<Path>) -> Result<Dataset<T>> {
    dataset_from_mat(&MatFile::read(path)?, "X", "y")
}

/// "row r, column c" (1-based, as MATLAB counts) of column-major index `k` in a matrix of
/// `rows` rows.
pub(crate) fn position(k: usize, rows: usize) -> String {
    let rows = rows.max(1);
    format!("row {}, column {}", k % rows + 1, k / rows + 1)
}
