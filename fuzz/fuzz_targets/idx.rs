//! IDX parsing (gzip or raw) and building a dataset from the parsed arrays.
#![no_main]

use deepmultinet::data::idx;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.idx");
    if let Ok(a) = idx::parse(data, path) {
        assert_eq!(a.data.len(), a.dims.iter().product::<usize>());
        // Use the same array as images and, when 1-D, as labels.
        let _ = idx::dataset_from_arrays::<f32>(&a, path, &a, path, 256);
    }
});
