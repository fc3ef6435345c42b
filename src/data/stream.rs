//! A forward-only reader over a file's bytes or their decompressed content, for readers that
//! must not hold more than they have checked: it hands out exactly the bytes asked for,
//! growing its buffers only as data really arrives, and every failure is an
//! [`Error::Format`] at the offset where it happened.
//!
//! Offsets count bytes of the stream: the file's bytes for raw input, the *decompressed*
//! bytes for gzip input — which the errors then say.

use super::inflate::{self, cap_exceeded};
use super::limits;
use super::source::{self, format_error, is_gzip};
use crate::error::{Error, Result};
use std::io::BufRead;
use std::path::Path;

/// What errors add to their expectation when offsets count decompressed bytes of a gzip file.
const GZIP_NOTE: &str = "the offset counts decompressed bytes of the gzip stream";

/// Where a stream's errors point: file, format, and how to read its offsets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Locator<'a> {
    path: &'a Path,
    format: &'static str,
    note: Option<&'static str>,
}

impl Locator<'_> {
    /// An [`Error::Format`] at `offset`.
    pub(crate) fn error(
        &self,
        offset: u64,
        expected: impl Into<String>,
        found: impl ToString,
    ) -> Error {
        let expected = expected.into();
        let expected = match self.note {
            Some(note) => format!("{expected} ({note})"),
            None => expected,
        };
        format_error(self.path, self.format, offset, expected, found)
    }
}

/// `e` with the note that its offset counts decompressed bytes, if it is an
/// [`Error::Format`] about `path` (an error found after parsing a gzip file).
pub(crate) fn gzip_note(e: Error, gzip_path: &Path) -> Error {
    match e {
        Error::Format {
            path,
            format,
            offset,
            expected,
            found,
        } if path == gzip_path => Error::Format {
            path,
            format,
            offset,
            expected: format!("{expected} ({GZIP_NOTE})"),
            found,
        },
        other => other,
    }
}

/// The reader; see the module docs.
pub(crate) struct Stream<'a> {
    reader: Box<dyn BufRead + 'a>,
    /// Bytes consumed so far.
    pos: u64,
    /// Added to positions in errors (the stream's offset in the file).
    base: u64,
    /// The total length, for raw input.
    len: Option<u64>,
    /// `"gzip"` or `"zlib"` for decompressed input.
    codec: Option<&'static str>,
    loc: Locator<'a>,
    big_endian: bool,
}

impl<'a> Stream<'a> {
    /// `bytes` as they are.
    pub(crate) fn raw(bytes: &'a [u8], path: &'a Path, format: &'static str) -> Self {
        Stream {
            reader: Box::new(bytes),
            pos: 0,
            base: 0,
            len: Some(bytes.len() as u64),
            codec: None,
            loc: Locator {
                path,
                format,
                note: None,
            },
            big_endian: false,
        }
    }

    /// `bytes`, gunzipped (every member, at most [`limits::max_decompressed`] bytes) when
    /// they start with the gzip magic `1f 8b`.
    pub(crate) fn maybe_gunzip(bytes: &'a [u8], path: &'a Path, format: &'static str) -> Self {
        let mut s = Self::raw(bytes, path, format);
        if is_gzip(bytes) {
            s.reader = inflate::gunzip(bytes, limits::max_decompressed());
            s.len = None;
            s.codec = Some("gzip");
            s.loc.note = Some(GZIP_NOTE);
        }
        s
    }

    /// The zlib stream `bytes` inflated, at most `cap` bytes of it.
    pub(crate) fn unzlib(bytes: &'a [u8], path: &'a Path, format: &'static str, cap: u64) -> Self {
        let mut s = Self::raw(bytes, path, format);
        s.reader = inflate::unzlib(bytes, cap);
        s.len = None;
        s.codec = Some("zlib");
        s
    }

    pub(crate) fn big_endian(mut self, big: bool) -> Self {
        self.big_endian = big;
        self
    }
    pub(crate) fn with_base(mut self, base: u64) -> Self {
        self.base = base;
        self
    }
    pub(crate) fn is_big_endian(&self) -> bool {
        self.big_endian
    }
    /// Where errors point.
    pub(crate) fn locator(&self) -> Locator<'a> {
        self.loc
    }
    pub(crate) fn path(&self) -> &'a Path {
        self.loc.path
    }
    /// Offset of the next byte (see the module docs).
    pub(crate) fn offset(&self) -> u64 {
        self.base.saturating_add(self.pos)
    }
    /// Bytes consumed so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.pos
    }
    /// Bytes left, when known (raw input).
    pub(crate) fn remaining(&self) -> Option<u64> {
        self.len.map(|l| l.saturating_sub(self.pos))
    }

    /// An error at the current offset.
    pub(crate) fn error(&self, expected: impl Into<String>, found: impl ToString) -> Error {
        self.loc.error(self.offset(), expected, found)
    }
    /// An error at `offset`.
    pub(crate) fn error_at(
        &self,
        offset: u64,
        expected: impl Into<String>,
        found: impl ToString,
    ) -> Error {
        self.loc.error(offset, expected, found)
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        match cap_exceeded(&e) {
            Some(cap) => self.error_at(
                self.base.saturating_add(cap),
                format!(
                    "at most {cap} decompressed bytes (the cap data::limits::max_decompressed; \
                     data::limits::set_max_decompressed raises it)"
                ),
                "more",
            ),
            None => self.error(
                format!("a valid {} stream", self.codec.unwrap_or("data")),
                e,
            ),
        }
    }

    /// Whether the stream has ended.
    pub(crate) fn at_end(&mut self) -> Result<bool> {
        match self.reader.fill_buf() {
            Ok(buf) => Ok(buf.is_empty()),
            Err(e) => Err(self.io_error(e)),
        }
    }

    /// Passes the next `n` bytes to `f` in pieces as they arrive, advancing past them.
    fn each_piece(
        &mut self,
        n: u64,
        what: &str,
        mut f: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let start = self.offset();
        let short = |s: &Self, got: u64| {
            s.error_at(
                start,
                format!("{n} more byte(s) for {what}"),
                format!("{got} byte(s) before the end of the data"),
            )
        };
        if let Some(left) = self.remaining()
            && left < n
        {
            return Err(short(self, left));
        }
        let mut left = n;
        while left > 0 {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) => return Err(self.io_error(e)),
            };
            if buf.is_empty() {
                return Err(short(self, n - left));
            }
            let k = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
            f(&buf[..k])?;
            self.reader.consume(k);
            self.pos += k as u64;
            left -= k as u64;
        }
        Ok(())
    }

    /// The next `n` bytes, in a buffer grown as they arrive (so a size that a header claims
    /// but the data does not hold costs nothing).
    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let path = self.loc.path;
        self.each_piece(n as u64, what, |piece| {
            out.try_reserve(piece.len())
                .map_err(|e| source::out_of_memory(path, e))?;
            out.extend_from_slice(piece);
            Ok(())
        })?;
        Ok(out)
    }

    /// Fills `buf` with the next bytes.
    pub(crate) fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<()> {
        let mut at = 0;
        self.each_piece(buf.len() as u64, what, |piece| {
            buf[at..at + piece.len()].copy_from_slice(piece);
            at += piece.len();
            Ok(())
        })
    }

    /// The next `N` bytes.
    pub(crate) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        self.fill(&mut a, what)?;
        Ok(a)
    }

    /// The next u32 in the stream's byte order.
    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        let a = self.array::<4>(what)?;
        Ok(if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }

    /// Skips the next `n` bytes (decompressing and discarding them).
    pub(crate) fn skip(&mut self, n: u64, what: &str) -> Result<()> {
        self.each_piece(n, what, |_| Ok(()))
    }

    /// The next line, without its `\n`, into `line`; `false` at the end of the stream.
    ///
    /// # Errors
    /// [`Error::Format`] at the line's offset if it is longer than `max` bytes.
    pub(crate) fn line(&mut self, line: &mut Vec<u8>, max: usize) -> Result<bool> {
        line.clear();
        let start = self.offset();
        let mut any = false;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) => return Err(self.io_error(e)),
            };
            if buf.is_empty() {
                return Ok(any);
            }
            any = true;
            let newline = buf.iter().position(|&b| b == b'\n');
            let take = newline.unwrap_or(buf.len());
            if take > max.saturating_sub(line.len()) {
                return Err(self.error_at(
                    start,
                    format!(
                        "a line of at most {max} bytes (the cap data::limits::max_csv_line; \
                         data::limits::set_max_csv_line raises it)"
                    ),
                    "a longer line",
                ));
            }
            line.try_reserve(take)
                .map_err(|e| source::out_of_memory(self.loc.path, e))?;
            line.extend_from_slice(&buf[..take]);
            let used = take + usize::from(newline.is_some());
            self.reader.consume(used);
            self.pos += used as u64;
            if newline.is_some() {
                return Ok(true);
            }
        }
    }
}
