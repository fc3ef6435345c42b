//! Shared plumbing for the readers: reading a file, recognising gzip (the magic bytes
//! `1f 8b`), the errors every reader gives, and a bounds-checked cursor over bytes in memory
//! whose every failure is an [`Error::Format`] naming the file, the byte offset, what was
//! expected and what was found. Decompressed input is read through
//! [`Stream`](super::stream::Stream) instead.

use crate::error::{Error, Result};
use std::collections::TryReserveError;
use std::path::Path;

/// Reads `path` whole.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Whether `bytes` start with the gzip magic `1f 8b`.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The [`Error::Io`] (kind `OutOfMemory`) for a buffer that could not grow while reading
/// `path`.
pub(crate) fn out_of_memory(path: &Path, e: TryReserveError) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::OutOfMemory, e),
    }
}

/// An [`Error::Format`].
pub(crate) fn format_error(
    path: &Path,
    format: &'static str,
    offset: u64,
    expected: impl Into<String>,
    found: impl ToString,
) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        format,
        offset,
        expected: expected.into(),
        found: found.to_string(),
    }
}

/// A bounds-checked little/big-endian cursor over a file's bytes.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
    format: &'static str,
    big_endian: bool,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8], path: &'a Path, format: &'static str) -> Self {
        Cursor {
            bytes,
            pos: 0,
            path,
            format,
            big_endian: false,
        }
    }
    pub(crate) fn big_endian(mut self, big: bool) -> Self {
        self.big_endian = big;
        self
    }
    /// Offset of the cursor in the file.
    pub(crate) fn offset(&self) -> u64 {
        self.pos as u64
    }
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }
    pub(crate) fn is_at_end(&self) -> bool {
        self.remaining() == 0
    }
    pub(crate) fn is_big_endian(&self) -> bool {
        self.big_endian
    }

    /// An error at the cursor's current position.
    pub(crate) fn error(&self, expected: impl Into<String>, found: impl ToString) -> Error {
        format_error(self.path, self.format, self.offset(), expected, found)
    }
    /// An error at absolute offset `offset`.
    pub(crate) fn error_at(
        &self,
        offset: u64,
        expected: impl Into<String>,
        found: impl ToString,
    ) -> Error {
        format_error(self.path, self.format, offset, expected, found)
    }

    /// The next `n` bytes, advancing past them.
    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(self.error(
                format!("{n} more byte(s) for {what}"),
                format!("{} byte(s) before the end of the data", self.remaining()),
            )),
        }
    }
    /// Skips `n` bytes, or to the end if fewer remain (for padding).
    pub(crate) fn skip_up_to(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.bytes.len());
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        let a = [b[0], b[1], b[2], b[3]];
        Ok(if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }
}
