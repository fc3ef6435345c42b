//! IDX parsing (gzip or raw) and building a dataset from the parsed arrays, under lowered
//! caps so that a bomb costs little: at most 1 MiB decompressed.
#![no_main]

use deepmultinet::data::{idx, limits};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    limits::set_max_decompressed(1 << 20);
    let path = Path::new("fuzz.idx");
    if let Ok(a) = idx::parse(data, path) {
        assert_eq!(a.data.len(), a.dims.iter().product::<usize>());
        // Only what the input really holds: the data of a raw file is within it, and a
        // gzip file inflates to at most the cap.
        assert!(a.data.len() as u64 <= (data.len() as u64).max(1 << 20));
        // Use the same array as images and, when 1-D, as labels.
        let _ = idx::dataset_from_arrays::<f32>(&a, path, &a, path, 256);
    }
});
