//! Memory bounded by what is real: hostile files whose headers or compressed streams claim far
//! more than they hold give an error after little work, and a counting global allocator shows
//! that the reader's peak heap stays small. The bombs are a few MB of compressed zeros made
//! here with flate2 (a multi-member gzip repeats one compressed member).
//!
//! The allocator counts every thread, so the tests of this binary take one lock and run one
//! at a time; they also change the process-wide caps in `data::limits`.

mod fixtures;

use deepmultinet::Error;
use deepmultinet::data::csv::{self, CsvOptions};
use deepmultinet::data::mat::MatFile;
use deepmultinet::data::{idx, limits};
use fixtures::*;
use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The system allocator, tracking the bytes in use and their peak.
struct Peak;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = IN_USE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: caller's contract, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a new block before the old one is freed, as a moving realloc needs.
        grew(new_size);
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Peak = Peak;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// `f()` and the most heap it had in use at once beyond what was in use before.
fn peak_of<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let r = f();
    (r, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

const MIB: usize = 1 << 20;

/// One gzip member of `n` zero bytes.
fn zeros_member(n: usize) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    let zeros = vec![0u8; MIB];
    for _ in 0..n / MIB {
        e.write_all(&zeros).unwrap();
    }
    e.finish().unwrap()
}

/// `prefix` then `members · 64 MiB` zeros, as a multi-member gzip file.
fn gzip_bomb(prefix: &[u8], members: usize) -> Vec<u8> {
    let member = zeros_member(64 * MIB);
    let mut out = gzip(prefix);
    for _ in 0..members {
        out.extend_from_slice(&member);
    }
    out
}

/// A little-endian tag of a MAT element.
fn tag(ty: u32, n: u32) -> Vec<u8> {
    let mut t = ty.to_le_bytes().to_vec();
    t.extend_from_slice(&n.to_le_bytes());
    t
}

/// A MAT-file with one `miCOMPRESSED` element: a 1 × 1 double matrix `x` whose real part
/// claims `zeros` bytes, which follow (zeros).
fn mat_bomb(zeros: usize) -> Vec<u8> {
    let mut head = tag(14, (48 + zeros) as u32); // miMATRIX
    head.extend(tag(6, 8)); // array flags: miUINT32, 8 bytes
    head.extend_from_slice(&[6, 0, 0, 0, 0, 0, 0, 0]); // mxDOUBLE_CLASS
    head.extend(tag(5, 8)); // dimensions: miINT32 × 2
    head.extend_from_slice(&1i32.to_le_bytes());
    head.extend_from_slice(&1i32.to_le_bytes());
    head.extend_from_slice(&((1u32 << 16) | 1).to_le_bytes()); // name: small miINT8
    head.extend_from_slice(b"x\0\0\0");
    head.extend(tag(9, zeros as u32)); // real part: miDOUBLE
    let mut e = ZlibEncoder::new(Vec::new(), Compression::fast());
    e.write_all(&head).unwrap();
    let block = vec![0u8; MIB];
    for _ in 0..zeros / MIB {
        e.write_all(&block).unwrap();
    }
    let mut file = mat_header();
    file.extend(compressed_element(&e.finish().unwrap()));
    file
}

fn format_error(r: Result<impl std::fmt::Debug, Error>) -> (u64, String, String) {
    match r {
        Err(Error::Format {
            offset,
            expected,
            found,
            ..
        }) => (offset, expected, found),
        other => panic!("expected Error::Format, got {other:?}"),
    }
}

#[test]
fn the_counter_sees_what_is_allocated() {
    let _one = serial();
    let (v, peak) = peak_of(|| vec![1u8; 8 * MIB]);
    assert!(peak >= 8 * MIB, "peak heap {peak} bytes");
    drop(v);
}

#[test]
fn idx_gzip_promising_one_byte_but_inflating_to_3_gib_stops_after_the_promise() {
    let _one = serial();
    let file = gzip_bomb(&idx(&[1], &[7]), 48); // 3 GiB of zeros after the one label
    assert!(file.len() < 4 * MIB, "{} bytes", file.len());
    let (r, peak) = peak_of(|| idx::parse(&file, Path::new("bomb-idx1-ubyte.gz")));
    let (offset, expected, found) = format_error(r);
    assert_eq!(offset, 9, "the byte after the one promised");
    assert!(
        expected.contains("the end of the data after 1 data byte(s) for dimensions [1]")
            && expected.contains("counts decompressed bytes"),
        "{expected}"
    );
    assert_eq!(found, "more data");
    assert!(peak < 4 * MIB, "peak heap {peak} bytes");
}

#[test]
fn idx_gzip_header_beyond_the_cap_is_refused_before_inflating() {
    let _one = serial();
    let file = gzip(&idx(&[1 << 31], &[0; 16]));
    let (r, peak) = peak_of(|| idx::parse(&file, Path::new("huge.gz")));
    let (offset, expected, found) = format_error(r);
    assert_eq!(offset, 8);
    assert!(
        expected.contains(&format!(
            "at most {} decompressed bytes",
            limits::DEFAULT_MAX_DECOMPRESSED
        )) && expected.contains("set_max_decompressed"),
        "{expected}"
    );
    assert_eq!(found, "a header promising 2147483648 data byte(s)");
    assert!(peak < MIB, "peak heap {peak} bytes");

    // A cap lowered below a real file refuses it; raised again, the file loads.
    let real = gzip(&idx(&[200], &[1; 200]));
    limits::set_max_decompressed(100);
    let (_, expected, _) = format_error(idx::parse(&real, Path::new("small.gz")));
    limits::set_max_decompressed(limits::DEFAULT_MAX_DECOMPRESSED);
    assert!(
        expected.contains("at most 100 decompressed bytes"),
        "{expected}"
    );
    assert_eq!(
        idx::parse(&real, Path::new("small.gz")).unwrap().data.len(),
        200
    );
}

#[test]
fn mat_compressed_element_inflating_to_zeros_for_a_1x1_matrix_fails_at_its_tag() {
    let _one = serial();
    let file = mat_bomb(256 * MIB);
    assert!(file.len() < 2 * MIB, "{} bytes", file.len());
    let (r, peak) = peak_of(|| MatFile::parse(&file, Path::new("bomb.mat")));
    let (offset, expected, found) = format_error(r);
    assert_eq!(offset, 128, "the miCOMPRESSED element");
    assert!(
        expected.starts_with("1 values for dimensions [1, 1]")
            && expected.contains("at byte 48 of the miCOMPRESSED element's decompressed data"),
        "{expected}"
    );
    assert_eq!(found, format!("{} values in the real part", 32 * MIB));
    assert!(peak < 4 * MIB, "peak heap {peak} bytes");
}

#[test]
fn mat_compressed_elements_share_one_cap() {
    let _one = serial();
    // Two compressed empty-cell variables whose elements carry 40 MiB of padding each
    // (skipped, never held), under a 64 MiB cap.
    let cell = |name: u8| {
        let pad = 40 * MIB;
        let mut inner = tag(14, (40 + pad) as u32);
        inner.extend(tag(6, 8));
        inner.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]); // mxCELL_CLASS
        inner.extend(tag(5, 8));
        inner.extend_from_slice(&[0; 8]); // 0 × 0
        inner.extend_from_slice(&((1u32 << 16) | 1).to_le_bytes());
        inner.extend_from_slice(&[name, 0, 0, 0]);
        inner.resize(inner.len() + pad, 0);
        compressed_element(&zlib(&inner))
    };
    let mut file = mat_header();
    file.extend(cell(b'a'));
    file.extend(cell(b'b'));
    limits::set_max_decompressed(64 * MIB as u64);
    let (r, peak) = peak_of(|| MatFile::parse(&file, Path::new("two.mat")));
    limits::set_max_decompressed(limits::DEFAULT_MAX_DECOMPRESSED);
    let (offset, expected, found) = format_error(r);
    let second = 128 + cell(b'a').len() as u64;
    assert_eq!(offset, second, "the second element");
    assert!(
        expected.contains(&format!(
            "at most {} decompressed bytes",
            64 * MIB - (48 + 40 * MIB)
        )),
        "{expected}"
    );
    assert_eq!(found, "more");
    assert!(peak < 4 * MIB, "peak heap {peak} bytes");
    let m = MatFile::parse(&file, Path::new("two.mat")).unwrap();
    assert_eq!(m.variables().len(), 2);
}

#[test]
fn csv_gzip_bomb_of_5_mb_fails_at_the_line_cap() {
    let _one = serial();
    let file = gzip_bomb(b"", 80); // 5 GiB of zeros, one endless line
    assert!(file.len() < 6 * MIB, "{} bytes", file.len());
    let (r, peak) =
        peak_of(|| csv::parse::<f32>(&file, Path::new("bomb.csv.gz"), &CsvOptions::default()));
    let (offset, expected, found) = format_error(r);
    assert_eq!(offset, 0);
    assert!(
        expected.contains(&format!(
            "a line of at most {} bytes",
            limits::DEFAULT_MAX_CSV_LINE
        )) && expected.contains("counts decompressed bytes"),
        "{expected}"
    );
    assert_eq!(found, "a longer line");
    assert!(
        peak < 3 * limits::DEFAULT_MAX_CSV_LINE,
        "peak heap {peak} bytes"
    );

    // A line of commas is walked, not collected (16 bytes per field would be 128 MiB).
    let commas = vec![b','; 8 * MIB];
    let no_header = CsvOptions {
        header: csv::Header::Absent,
        ..CsvOptions::default()
    };
    let (r, peak) = peak_of(|| csv::parse::<f64>(&commas, Path::new("commas.csv"), &no_header));
    assert!(matches!(r, Err(Error::Format { .. })), "{r:?}");
    assert!(peak < 3 * 8 * MIB, "peak heap {peak} bytes");

    // The same file given to the MAT reader is refused at its header.
    let (r, peak) = peak_of(|| MatFile::parse(&file, Path::new("bomb.csv.gz")));
    let (offset, _, _) = format_error(r);
    assert_eq!(offset, 126, "the endian indicator");
    assert!(peak < MIB, "peak heap {peak} bytes");
}

#[test]
fn csv_gzip_of_many_short_lines_stops_at_the_decompression_cap() {
    let _one = serial();
    let rows = b"1,0\n".repeat(1 << 18); // 1 MiB of real rows
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    for _ in 0..16 {
        e.write_all(&rows).unwrap();
    }
    let file = e.finish().unwrap();
    limits::set_max_decompressed(4 * MIB as u64);
    let r = csv::parse::<f32>(&file, Path::new("rows.csv.gz"), &CsvOptions::default());
    limits::set_max_decompressed(limits::DEFAULT_MAX_DECOMPRESSED);
    let (_, expected, found) = format_error(r);
    assert!(
        expected.contains(&format!("at most {} decompressed bytes", 4 * MIB)),
        "{expected}"
    );
    assert_eq!(found, "more");
    let ds = csv::parse::<f32>(&file, Path::new("rows.csv.gz"), &CsvOptions::default()).unwrap();
    assert_eq!(ds.len(), 1 << 22);

    // The line cap, lowered and raised.
    limits::set_max_csv_line(8);
    let r = csv::parse::<f32>(
        b"1,2\n3.25,4.5,0\n",
        Path::new("l.csv"),
        &CsvOptions::default(),
    );
    limits::set_max_csv_line(limits::DEFAULT_MAX_CSV_LINE);
    let (offset, expected, _) = format_error(r);
    assert_eq!(offset, 4);
    assert!(expected.contains("a line of at most 8 bytes"), "{expected}");
}
