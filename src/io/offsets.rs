//! Where things are in a safetensors file, for errors that give the real byte offset: the
//! 8-byte header length at 0, the JSON header at 8 (a tensor's or a metadata key's entry at
//! the offset of its quoted name), and each tensor's data at `8 + header length + start`.
//! The `safetensors` crate's own errors are mapped to the offset they concern.

use super::safetensors::FORMAT;
use crate::data::excerpt;
use crate::data::source::format_error;
use crate::error::Error;
use safetensors::SafeTensorError;
use std::path::Path;

/// Offset of the JSON header.
pub(super) const HEADER: u64 = 8;

/// The byte layout of one safetensors file (its bytes and the JSON header's length).
#[derive(Debug, Clone, Copy)]
pub(super) struct Offsets<'a> {
    bytes: &'a [u8],
    /// The JSON header's length (as recorded, when the file has 8 bytes).
    header_len: u64,
}

impl<'a> Offsets<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        let header_len = bytes
            .get(..8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_le_bytes);
        Offsets { bytes, header_len }
    }

    /// The JSON header, as far as the file holds it.
    fn header(&self) -> &'a [u8] {
        let end = HEADER.saturating_add(self.header_len);
        let end = usize::try_from(end).map_or(self.bytes.len(), |e| e.min(self.bytes.len()));
        self.bytes.get(8..end).unwrap_or(&[])
    }

    /// Offset of the tensor data section.
    pub(super) fn data(&self) -> u64 {
        HEADER.saturating_add(self.header_len)
    }

    /// Offset of the first occurrence of the JSON string `key` (a tensor name or a metadata
    /// key) in the header, or of the header itself if it is not found as written.
    pub(super) fn key(&self, key: &str) -> u64 {
        let Ok(needle) = serde_json::to_string(key) else {
            return HEADER;
        };
        let needle = needle.as_bytes();
        self.header()
            .windows(needle.len())
            .position(|w| w == needle)
            .map_or(HEADER, |p| HEADER + p as u64)
    }

    /// Offset in the file of a position in the header given as serde_json does (1-based
    /// line and byte column).
    fn line_column(&self, line: usize, column: usize) -> u64 {
        let header = self.header();
        let line_start = if line <= 1 {
            0
        } else {
            header
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .nth(line - 2)
                .map_or(header.len(), |(i, _)| i + 1)
        };
        HEADER + (line_start + column.saturating_sub(1)) as u64
    }

    /// The [`Error::Format`] for an error of the `safetensors` crate, at the offset it
    /// concerns.
    pub(super) fn crate_error(&self, path: &Path, e: SafeTensorError) -> Error {
        use SafeTensorError::*;
        let (offset, expected) = match &e {
            HeaderTooSmall => (0, "an 8-byte header length"),
            HeaderTooLarge => (0, "a header length of at most 100,000,000 bytes"),
            InvalidHeaderLength => (0, "a header length within the file"),
            InvalidHeader(u) => (HEADER + u.valid_up_to() as u64, "a UTF-8 JSON header"),
            InvalidHeaderDeserialization(j) | JsonError(j) => (
                self.line_column(j.line(), j.column()),
                "a JSON header of tensors (dtype, shape, data_offsets) and __metadata__",
            ),
            InvalidOffset(name) | TensorNotFound(name) => (
                self.key(name),
                "tensor data offsets that follow one another from 0",
            ),
            TensorInvalidInfo | ValidationOverflow | MisalignedSlice | InvalidTensorView(..) => (
                HEADER,
                "tensor shapes that match their dtypes and data offsets",
            ),
            MetadataIncompleteBuffer => (
                self.data(),
                "tensor data that ends exactly at the end of the file",
            ),
            IoError(_) => (0, "a readable safetensors file"),
        };
        let found = match e {
            MetadataIncompleteBuffer => format!(
                "{} byte(s) of data after the header",
                (self.bytes.len() as u64).saturating_sub(self.data())
            ),
            e => excerpt::clip(&e.to_string()),
        };
        format_error(path, FORMAT, offset, expected, found)
    }
}
