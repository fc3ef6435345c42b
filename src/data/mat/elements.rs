//! The data elements after a MAT-file's header: top-level elements from the file's bytes,
//! `miCOMPRESSED` ones inflated as a stream, and each `miMATRIX` read sub-element by
//! sub-element, every size checked against what its element and its dimensions allow before
//! any of its bytes are read.

use super::numeric::Numeric;
use super::{FORMAT, MatClass, MatVariable};
use crate::data::excerpt;
use crate::data::limits;
use crate::data::source::{self, Cursor};
use crate::data::stream::Stream;
use crate::error::{Error, Result};
use std::path::Path;

const MI_INT8: u32 = 1;
const MI_UINT8: u32 = 2;
const MI_INT32: u32 = 5;
const MI_UINT32: u32 = 6;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
const MI_UTF8: u32 = 16;
/// The largest type code (`miUTF32`).
const MI_LAST: u32 = 18;

/// The longest array name read (MATLAB's own limit is 63 characters).
const MAX_NAME: u64 = 4096;
/// The largest dimensions sub-element read: 1024 dimensions.
const MAX_DIMS_BYTES: u64 = 4096;

/// Bytes of padding after `n` data bytes of a regular element.
fn padding(n: u64) -> u64 {
    (8 - n % 8) % 8
}

/// The variables in the elements of `c` (positioned after the header).
pub(super) fn variables(c: &mut Cursor<'_>, path: &Path) -> Result<Vec<MatVariable>> {
    let big = c.is_big_endian();
    let mut budget = limits::max_decompressed();
    let mut variables = Vec::new();
    while !c.is_at_end() {
        let start = c.offset();
        let el = element(c)?;
        match el.ty {
            MI_COMPRESSED => {
                let mut z = Stream::unzlib(el.data, path, FORMAT, budget).big_endian(big);
                compressed(&mut z, start, &mut variables).map_err(|e| in_compressed(e, start))?;
                budget = budget.saturating_sub(z.consumed());
            }
            MI_MATRIX => {
                let mut s = Stream::raw(el.data, path, FORMAT)
                    .big_endian(big)
                    .with_base(el.data_offset);
                let v = matrix(&mut s, el.data.len() as u64, start)?;
                push(&mut variables, v, path)?;
            }
            _ => {} // other top-level elements carry nothing we read
        }
    }
    Ok(variables)
}

fn push(variables: &mut Vec<MatVariable>, v: MatVariable, path: &Path) -> Result<()> {
    variables
        .try_reserve(1)
        .map_err(|e| source::out_of_memory(path, e))?;
    variables.push(v);
    Ok(())
}

/// The elements of an inflated `miCOMPRESSED` element: matrices are read, elements of other
/// (valid) types skipped.
fn compressed(z: &mut Stream<'_>, start: u64, variables: &mut Vec<MatVariable>) -> Result<()> {
    while !z.at_end()? {
        let tag = Tag::read(z)?;
        if !(1..=MI_LAST).contains(&tag.ty) {
            return Err(z.error_at(
                tag.at,
                format!("a data element type 1..={MI_LAST}"),
                format!("type {}", tag.ty),
            ));
        }
        if tag.ty == MI_MATRIX && tag.small.is_none() {
            let v = matrix(z, tag.n, start)?;
            push(variables, v, z.path())?;
        } else {
            z.skip(tag.body_len(), "a data element")?;
        }
    }
    Ok(())
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

/// A top-level data element: type, data bytes, and where the data starts in the file.
struct Element<'a> {
    ty: u32,
    data: &'a [u8],
    data_offset: u64,
}

/// Reads one top-level element (either form), skipping its padding.
fn element<'a>(c: &mut Cursor<'a>) -> Result<Element<'a>> {
    let first = c.u32("a data element tag")?;
    if first >> 16 != 0 {
        // Small data element: count in the upper 16 bits, up to 4 bytes of data.
        let n = (first >> 16) as usize;
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
            ty: first & 0xffff,
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

/// The tag of an element read from a stream.
struct Tag {
    ty: u32,
    /// Data bytes (without padding).
    n: u64,
    /// The data word of a small element (its tag and data take 8 bytes, no padding).
    small: Option<[u8; 4]>,
    /// Offset of the tag.
    at: u64,
}

impl Tag {
    fn read(s: &mut Stream<'_>) -> Result<Tag> {
        let at = s.offset();
        let first = s.u32("a data element tag")?;
        if first >> 16 != 0 {
            let n = first >> 16;
            let word = s.array::<4>("a small data element")?;
            if n > 4 {
                return Err(s.error_at(
                    at,
                    "a small data element of at most 4 bytes",
                    format!("{n} bytes"),
                ));
            }
            return Ok(Tag {
                ty: first & 0xffff,
                n: u64::from(n),
                small: Some(word),
                at,
            });
        }
        let n = s.u32("a data element size")?;
        Ok(Tag {
            ty: first,
            n: u64::from(n),
            small: None,
            at,
        })
    }

    /// Bytes the element takes after its tag (data and padding).
    fn body_len(&self) -> u64 {
        match self.small {
            Some(_) => 0,
            None => self.n + padding(self.n),
        }
    }
}

/// The sub-elements of one `miMATRIX` element: a stream and where the element ends.
struct Body<'s, 'a> {
    s: &'s mut Stream<'a>,
    /// `s.consumed()` at the end of the element.
    end: u64,
}

impl Body<'_, '_> {
    fn left(&self) -> u64 {
        self.end.saturating_sub(self.s.consumed())
    }

    /// The next sub-element's tag, which must fit in what is left of the element.
    fn tag(&mut self, what: &str) -> Result<Tag> {
        let left = self.left();
        if left < 8 {
            return Err(self.s.error(
                format!("{what} (a sub-element of the miMATRIX element)"),
                format!("{left} byte(s) left in the element"),
            ));
        }
        let tag = Tag::read(self.s)?;
        // Padding may be cut short at the element's end; the data may not.
        if tag.small.is_none() && tag.n > self.left() {
            return Err(self.s.error_at(
                tag.at,
                format!(
                    "{what} of at most {} byte(s) (the rest of the miMATRIX element)",
                    self.left()
                ),
                format!("type {} with {} bytes", tag.ty, tag.n),
            ));
        }
        Ok(tag)
    }

    /// The data of `tag` (at most `max` bytes) and its padding.
    fn data(&mut self, tag: &Tag, max: u64, what: &str) -> Result<Vec<u8>> {
        if let Some(word) = tag.small {
            return Ok(word[..tag.n as usize].to_vec());
        }
        if tag.n > max {
            return Err(self.s.error_at(
                tag.at,
                format!("{what} of at most {max} bytes"),
                format!("type {} with {} bytes", tag.ty, tag.n),
            ));
        }
        let data = self.s.bytes(tag.n as usize, what)?;
        self.pad(tag)?;
        Ok(data)
    }

    /// Skips the padding after `tag`'s data (cut short at the element's end).
    fn pad(&mut self, tag: &Tag) -> Result<()> {
        if tag.small.is_none() {
            let pad = padding(tag.n).min(self.left());
            self.s.skip(pad, "padding")?;
        }
        Ok(())
    }

    /// Skips the rest of the element.
    fn skip_rest(&mut self) -> Result<()> {
        let left = self.left();
        self.s.skip(left, "the rest of the miMATRIX element")
    }
}

/// Parses an `miMATRIX` element of `len` bytes from the stream, which is at its first
/// sub-element; `start` is the offset of its (top-level) element in the file.
fn matrix(s: &mut Stream<'_>, len: u64, start: u64) -> Result<MatVariable> {
    let end = s.consumed().saturating_add(len);
    let mut b = Body { s, end };

    let flags_tag = b.tag("array flags")?;
    let flags = b.data(&flags_tag, 8, "array flags")?;
    if flags_tag.ty != MI_UINT32 || flags.len() != 8 {
        return Err(b.s.error_at(
            flags_tag.at,
            "array flags (miUINT32, 8 bytes)",
            format!("type {} with {} bytes", flags_tag.ty, flags.len()),
        ));
    }
    let word = [flags[0], flags[1], flags[2], flags[3]];
    let word = if b.s.is_big_endian() {
        u32::from_be_bytes(word)
    } else {
        u32::from_le_bytes(word)
    };
    let class = MatClass::from_code((word & 0xff) as u8);
    let complex = word & 0x0800 != 0;
    let logical = word & 0x0200 != 0;

    let dims_tag = b.tag("dimensions")?;
    let dims_data = b.data(&dims_tag, MAX_DIMS_BYTES, "dimensions (miINT32)")?;
    if dims_tag.ty != MI_INT32 || dims_data.len() < 8 || dims_data.len() % 4 != 0 {
        return Err(b.s.error_at(
            dims_tag.at,
            "dimensions (miINT32, at least 2)",
            format!("type {} with {} bytes", dims_tag.ty, dims_data.len()),
        ));
    }
    let (dims, count) = dimensions(&dims_data, &dims_tag, b.s)?;

    let name_tag = b.tag("the array name")?;
    let name = b.data(&name_tag, MAX_NAME, "the array name")?;
    if ![MI_INT8, MI_UTF8, MI_UINT8].contains(&name_tag.ty) {
        return Err(b.s.error_at(
            name_tag.at,
            "the array name (miINT8)",
            format!("type {}", name_tag.ty),
        ));
    }
    let name = String::from_utf8_lossy(&name).into_owned();

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
        b.skip_rest()?;
        return Ok(var);
    }
    let real_tag = b.tag("the real part")?;
    let real = part(
        &mut b,
        &real_tag,
        count,
        &var.dims,
        "the real part",
        !complex,
    )?;
    if complex {
        // The imaginary part must be there too, but only real matrices are returned.
        let imag_tag = b.tag("the imaginary part")?;
        part(
            &mut b,
            &imag_tag,
            count,
            &var.dims,
            "the imaginary part",
            false,
        )?;
    } else {
        var.data = real;
    }
    if b.left() > 0 {
        return Err(b.s.error(
            "the end of the miMATRIX element after its numeric parts",
            format!("{} more byte(s)", b.left()),
        ));
    }
    Ok(var)
}

/// The dimensions in `data` and the product of them (checked).
fn dimensions(data: &[u8], tag: &Tag, s: &Stream<'_>) -> Result<(Vec<usize>, usize)> {
    let data_at = tag.at + 8;
    let mut dims = Vec::with_capacity(data.len() / 4);
    let mut count: usize = 1;
    for (k, ch) in data.chunks_exact(4).enumerate() {
        let b = [ch[0], ch[1], ch[2], ch[3]];
        let d = if s.is_big_endian() {
            i32::from_be_bytes(b)
        } else {
            i32::from_le_bytes(b)
        };
        let at = data_at + 4 * k as u64;
        let d = usize::try_from(d).map_err(|_| s.error_at(at, "a non-negative dimension", d))?;
        count = count.checked_mul(d).ok_or_else(|| {
            s.error_at(
                at,
                "dimensions whose product fits in memory",
                format!("{} then {d}: the product overflows", excerpt::list(&dims)),
            )
        })?;
        dims.push(d);
    }
    Ok((dims, count))
}

/// A numeric part (real or imaginary) of `count` values: its type and size are checked
/// against the dimensions before any of its data is read; the values (as `f64`) when `keep`,
/// otherwise the data is skipped.
fn part(
    b: &mut Body<'_, '_>,
    tag: &Tag,
    count: usize,
    dims: &[usize],
    what: &str,
    keep: bool,
) -> Result<Option<Vec<f64>>> {
    let numeric = Numeric::of(tag.ty)
        .filter(|t| tag.n.is_multiple_of(t.width()))
        .ok_or_else(|| {
            b.s.error_at(
                tag.at,
                format!("{what} as a numeric type with a whole number of values"),
                format!("type {} with {} bytes", tag.ty, tag.n),
            )
        })?;
    let found = tag.n / numeric.width();
    if found != count as u64 {
        return Err(b.s.error_at(
            tag.at,
            format!("{count} values for dimensions {}", excerpt::list(dims)),
            format!("{found} values in {what}"),
        ));
    }
    if let Some(word) = tag.small {
        let values = numeric.decode(&word[..tag.n as usize], b.s.is_big_endian());
        return Ok(keep.then_some(values));
    }
    if !keep {
        b.s.skip(tag.n, what)?;
        b.pad(tag)?;
        return Ok(None);
    }
    let values = numeric.read(b.s, count, what)?;
    b.pad(tag)?;
    Ok(Some(values))
}
