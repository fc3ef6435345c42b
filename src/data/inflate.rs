//! Decompression with a cap: gzip (every member of a multi-member file, as `cat a.gz b.gz`
//! makes) and zlib decoders that fail with [`CapExceeded`] as soon as they would produce more
//! than the cap, so a bomb is stopped after at most the cap in work and never buffered whole.

use flate2::bufread::{MultiGzDecoder, ZlibDecoder};
use std::io::{self, BufRead, BufReader, Read};

/// Bytes of decompressed data the readers pull from a decoder at a time.
const BUFFER: usize = 64 << 10;

/// The error payload of a decoder that reached its cap (inside an [`io::Error`]).
#[derive(Debug)]
pub(crate) struct CapExceeded(pub(crate) u64);

impl std::fmt::Display for CapExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "more than {} decompressed bytes", self.0)
    }
}

impl std::error::Error for CapExceeded {}

/// The cap of `e`, if it is a [`CapExceeded`] error.
pub(crate) fn cap_exceeded(e: &io::Error) -> Option<u64> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<CapExceeded>())
        .map(|c| c.0)
}

/// `inner`, failing once it has produced `cap` bytes and has more.
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(CapExceeded(self.cap))),
            };
        }
        let m = usize::try_from(self.left).map_or(buf.len(), |left| left.min(buf.len()));
        let n = self.inner.read(&mut buf[..m])?;
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
    }
}

fn capped<'a>(inner: impl Read + 'a, cap: u64) -> Box<dyn BufRead + 'a> {
    Box::new(BufReader::with_capacity(
        BUFFER,
        Capped {
            inner,
            left: cap,
            cap,
        },
    ))
}

/// The gunzipped content of `bytes` (all members), at most `cap` bytes of it.
pub(crate) fn gunzip<'a>(bytes: &'a [u8], cap: u64) -> Box<dyn BufRead + 'a> {
    capped(MultiGzDecoder::new(bytes), cap)
}

/// The inflated content of the zlib stream `bytes`, at most `cap` bytes of it.
pub(crate) fn unzlib<'a>(bytes: &'a [u8], cap: u64) -> Box<dyn BufRead + 'a> {
    capped(ZlibDecoder::new(bytes), cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn every_member_is_read_and_the_cap_is_exact() {
        let mut two = gz(b"first,");
        two.extend(gz(b"second"));
        let mut out = Vec::new();
        gunzip(&two, 12).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"first,second");
        let e = gunzip(&two, 11).read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(cap_exceeded(&e), Some(11));
        assert_eq!(cap_exceeded(&io::Error::other("x")), None);
    }
}
