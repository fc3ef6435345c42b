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
//! Every size is checked against the bytes actually present before allocating, and a zlib
//! stream is inflated with a hard cap, so corrupt input gives [`Error::Format`] (file, byte
//! offset, what was expected, what was found) — never a panic or a huge allocation.
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

use super::source::{self, Cursor};
use super::{Dataset, ImageShape, PixelOrder};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use nalgebra::DMatrix;
use std::path::{Path, PathBuf};

const FORMAT: &str = "MAT";
const HEADER_LEN: usize = 128;

const MI_INT8: u32 = 1;
const MI_UINT8: u32 = 2;
const MI_INT16: u32 = 3;
const MI_UINT16: u32 = 4;
const MI_INT32: u32 = 5;
const MI_UINT32: u32 = 6;
const MI_SINGLE: u32 = 7;
const MI_DOUBLE: u32 = 9;
const MI_INT64: u32 = 12;
const MI_UINT64: u32 = 13;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
const MI_UTF8: u32 = 16;

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
    /// [`Error::Format`] for anything that is not a well-formed level-5 MAT-file.
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
        let mut variables = Vec::new();
        while !c.is_at_end() {
            let start = c.offset();
            let el = element(&mut c)?;
            match el.ty {
                MI_COMPRESSED => {
                    let inflated = source::unzlib(el.data, path, FORMAT, start)?;
                    let mut inner = Cursor::new(&inflated, path, FORMAT).big_endian(big_endian);
                    while !inner.is_at_end() {
                        let inner_el = element(&mut inner).map_err(|e| in_compressed(e, start))?;
                        if inner_el.ty == MI_MATRIX {
                            let v = matrix(&inner_el, start, &inner)
                                .map_err(|e| in_compressed(e, start))?;
                            variables.push(v);
                        }
                    }
                }
                MI_MATRIX => {
                    let v = matrix(&el, start, &c)?;
                    variables.push(v);
                }
                _ => {} // other top-level elements carry nothing we read
            }
        }
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

    fn describe(&self) -> String {
        if self.variables.is_empty() {
            return "no variables".into();
        }
        let names: Vec<String> = self
            .variables
            .iter()
            .map(|v| format!("{} ({:?} {:?})", v.name, v.class, v.dims))
            .collect();
        format!("variables {}", names.join(", "))
    }

    /// The real numeric 2-D variable `name` (the first of that name) as a `rows × cols`
    /// matrix.
    ///
    /// # Errors
    /// [`Error::Format`] if `name` is missing, not numeric, complex, or not 2-dimensional.
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
        Ok(DMatrix::from_iterator(
            rows,
            cols,
            data.iter().map(|&x| T::of(x)),
        ))
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
/// As [`MatFile::matrix`]; [`Error::Format`] if `y` is not a vector of `m` integers ≥ 1.
pub fn dataset_from_mat<T: Scalar>(
    mat: &MatFile,
    x_name: &str,
    y_name: &str,
) -> Result<Dataset<T>> {
    let x = mat.matrix::<f64>(x_name)?;
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
    let num_classes = labels.iter().max().map_or(1, |&k| k + 1);
    let n = x.ncols();
    let features = DMatrix::from_fn(n, m, |r, c| T::of(x[(c, r)]));
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

/// Moves an error found inside a decompressed stream to the compressed element's offset,
/// keeping the inner position in the message.
fn in_compressed(e: Error, start: u64) -> Error {
    match e {
        Error::Format {
            path,
            format,
            offset,
            expected,
            found,
        } => Error::Format {
            path,
            format,
            offset: start,
            expected: format!(
                "{expected} (at byte {offset} of the miCOMPRESSED element's decompressed data)"
            ),
            found,
        },
        other => other,
    }
}

/// A data element: type, data bytes, and where the data starts (absolute in its cursor).
struct Element<'a> {
    ty: u32,
    data: &'a [u8],
    data_offset: u64,
}

/// Reads one tagged element (either form), skipping its padding.
fn element<'a>(c: &mut Cursor<'a>) -> Result<Element<'a>> {
    let first = c.u32("a data element tag")?;
    if first >> 16 != 0 {
        // Small data element: count in the upper 16 bits, up to 4 bytes of data.
        let n = (first >> 16) as usize;
        let ty = first & 0xffff;
        let data_offset = c.offset();
        let word = c.take(4, "a small data element")?;
        if n > 4 {
            return Err(c.error_at(
                data_offset - 4,
                "a small data element of at most 4 bytes",
                format!("{n} bytes"),
            ));
        }
        return Ok(Element {
            ty,
            data: &word[..n],
            data_offset,
        });
    }
    let ty = first;
    let n = c.u32("a data element size")? as usize;
    let data_offset = c.offset();
    let data = c.take(n, &format!("data element of type {ty}"))?;
    if ty != MI_COMPRESSED {
        c.skip_up_to((8 - n % 8) % 8);
    }
    Ok(Element {
        ty,
        data,
        data_offset,
    })
}

/// Parses the content of an `miMATRIX` element.
fn matrix(el: &Element<'_>, start: u64, outer: &Cursor<'_>) -> Result<MatVariable> {
    let mut c = Cursor::new(el.data, outer.path(), FORMAT)
        .big_endian(outer.is_big_endian())
        .with_base(el.data_offset);
    let flags_at = c.offset();
    let flags = element(&mut c)?;
    if flags.ty != MI_UINT32 || flags.data.len() != 8 {
        return Err(c.error_at(
            flags_at,
            "array flags (miUINT32, 8 bytes)",
            format!("type {} with {} bytes", flags.ty, flags.data.len()),
        ));
    }
    let word = [flags.data[0], flags.data[1], flags.data[2], flags.data[3]];
    let word = if c.is_big_endian() {
        u32::from_be_bytes(word)
    } else {
        u32::from_le_bytes(word)
    };
    let class = MatClass::from_code((word & 0xff) as u8);
    let complex = word & 0x0800 != 0;
    let logical = word & 0x0200 != 0;

    let dims_at = c.offset();
    let dims_el = element(&mut c)?;
    if dims_el.ty != MI_INT32 || dims_el.data.len() < 8 || dims_el.data.len() % 4 != 0 {
        return Err(c.error_at(
            dims_at,
            "dimensions (miINT32, at least 2)",
            format!("type {} with {} bytes", dims_el.ty, dims_el.data.len()),
        ));
    }
    let mut dims = Vec::with_capacity(dims_el.data.len() / 4);
    let mut count: usize = 1;
    for (k, ch) in dims_el.data.chunks_exact(4).enumerate() {
        let b = [ch[0], ch[1], ch[2], ch[3]];
        let d = if c.is_big_endian() {
            i32::from_be_bytes(b)
        } else {
            i32::from_le_bytes(b)
        };
        let at = dims_el.data_offset + 4 * k as u64;
        let d = usize::try_from(d).map_err(|_| c.error_at(at, "a non-negative dimension", d))?;
        count = count.checked_mul(d).ok_or_else(|| {
            c.error_at(
                at,
                "dimensions whose product fits in memory",
                format!("{dims:?} then {d}: the product overflows"),
            )
        })?;
        dims.push(d);
    }

    let name_at = c.offset();
    let name_el = element(&mut c)?;
    if name_el.ty != MI_INT8 && name_el.ty != MI_UTF8 && name_el.ty != MI_UINT8 {
        return Err(c.error_at(
            name_at,
            "the array name (miINT8)",
            format!("type {}", name_el.ty),
        ));
    }
    let name = String::from_utf8_lossy(name_el.data).into_owned();

    let mut var = MatVariable {
        name,
        class,
        dims,
        complex,
        logical,
        offset: start,
        data: None,
    };
    if !class.is_numeric() {
        return Ok(var);
    }
    let real_at = c.offset();
    let real = element(&mut c)?;
    let values = decode(real.ty, real.data, c.is_big_endian()).ok_or_else(|| {
        c.error_at(
            real_at,
            "the real part as a numeric type with a whole number of values",
            format!("type {} with {} bytes", real.ty, real.data.len()),
        )
    })?;
    if values.len() != count {
        return Err(c.error_at(
            real_at,
            format!("{count} values for dimensions {:?}", var.dims),
            format!("{} values", values.len()),
        ));
    }
    if complex {
        // The imaginary part must be there too, but only real matrices are returned.
        let imag_at = c.offset();
        let imag = element(&mut c)?;
        if decode(imag.ty, imag.data, c.is_big_endian()).map(|v| v.len()) != Some(count) {
            return Err(c.error_at(
                imag_at,
                format!("an imaginary part of {count} values"),
                format!("type {} with {} bytes", imag.ty, imag.data.len()),
            ));
        }
    } else {
        var.data = Some(values);
    }
    Ok(var)
}

/// Decodes numeric data of MAT type `ty` into `f64`, or `None` if `ty` is not numeric or the
/// byte count is not a whole number of values.
#[allow(clippy::modulo_one)] // the macro's `% 1` for byte types
fn decode(ty: u32, data: &[u8], big: bool) -> Option<Vec<f64>> {
    macro_rules! conv {
        ($t:ty, $n:literal) => {{
            if data.len() % $n != 0 {
                return None;
            }
            data.chunks_exact($n)
                .map(|ch| {
                    let mut b = [0u8; $n];
                    b.copy_from_slice(ch);
                    (if big {
                        <$t>::from_be_bytes(b)
                    } else {
                        <$t>::from_le_bytes(b)
                    }) as f64
                })
                .collect()
        }};
    }
    Some(match ty {
        MI_INT8 => conv!(i8, 1),
        MI_UINT8 => conv!(u8, 1),
        MI_INT16 => conv!(i16, 2),
        MI_UINT16 => conv!(u16, 2),
        MI_INT32 => conv!(i32, 4),
        MI_UINT32 => conv!(u32, 4),
        MI_SINGLE => conv!(f32, 4),
        MI_DOUBLE => conv!(f64, 8),
        MI_INT64 => conv!(i64, 8),
        MI_UINT64 => conv!(u64, 8),
        _ => return None,
    })
}
