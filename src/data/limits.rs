//! The caps the readers put on input that a file only *claims* to hold.
//!
//! A reader allocates in proportion to bytes it has actually read and checked, never to a
//! size a header announces. Two things can still grow without a cap — a compressed stream
//! (a few MB of gzip or zlib can inflate to terabytes) and a CSV line (read whole before it
//! is split) — so both are bounded here:
//!
//! | cap | default | applies to |
//! |---|---|---|
//! | [`max_decompressed`] | [`DEFAULT_MAX_DECOMPRESSED`] (1 GiB) | all the decompressed bytes of one file: a gzip IDX or CSV file, or the sum of a MAT-file's `miCOMPRESSED` elements |
//! | [`max_csv_line`] | [`DEFAULT_MAX_CSV_LINE`] (16 MiB) | one CSV line, compressed or not |
//!
//! A file that needs more is refused with an [`Error::Format`](crate::Error::Format) naming
//! the cap; the setters raise (or lower) a cap for the whole process. The defaults are far
//! above the datasets this crate is used with (Fashion-MNIST's training images inflate to
//! 47 MB, the Kaggle MNIST CSV has 2 kB lines).
//!
//! Decompression stops at the size the header promises where the format has one (IDX), and
//! at the cap otherwise, so a gzip bomb costs at most the cap in time and the bytes it really
//! holds in memory; for a CSV bomb (one endless line) memory stays near the line cap.
//!
//! ```
//! use deepmultinet::data::limits;
//! assert_eq!(limits::max_decompressed(), limits::DEFAULT_MAX_DECOMPRESSED);
//! // A process that reads a 3 GB gzip CSV raises the cap once, before reading:
//! limits::set_max_decompressed(4 << 30);
//! assert_eq!(limits::max_decompressed(), 4 << 30);
//! # limits::set_max_decompressed(limits::DEFAULT_MAX_DECOMPRESSED);
//! ```

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Default of [`max_decompressed`]: 1 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 1 << 30;
/// Default of [`max_csv_line`]: 16 MiB.
pub const DEFAULT_MAX_CSV_LINE: usize = 16 << 20;

static MAX_DECOMPRESSED: AtomicU64 = AtomicU64::new(DEFAULT_MAX_DECOMPRESSED);
static MAX_CSV_LINE: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_CSV_LINE);

/// The most bytes a reader decompresses from one file (see the module docs).
pub fn max_decompressed() -> u64 {
    MAX_DECOMPRESSED.load(Ordering::Relaxed)
}

/// Sets [`max_decompressed`] for the whole process (readers already running keep the cap
/// they started with).
pub fn set_max_decompressed(bytes: u64) {
    MAX_DECOMPRESSED.store(bytes, Ordering::Relaxed);
}

/// The longest CSV line, in bytes without its line break, that the CSV reader accepts.
pub fn max_csv_line() -> usize {
    MAX_CSV_LINE.load(Ordering::Relaxed)
}

/// Sets [`max_csv_line`] for the whole process (readers already running keep the cap they
/// started with).
pub fn set_max_csv_line(bytes: usize) {
    MAX_CSV_LINE.store(bytes, Ordering::Relaxed);
}
