//! MAT-file parsing, reading every variable as a matrix, the course's X/y layout and the
//! Theta1, Theta2, ... import, under a lowered cap (1 MiB decompressed). What loads as a
//! dataset or as weights holds only finite values.
#![no_main]

use deepmultinet::data::limits;
use deepmultinet::data::mat::{self, MatFile};
use deepmultinet::io;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    limits::set_max_decompressed(1 << 20);
    if let Ok(m) = MatFile::parse(data, Path::new("fuzz.mat")) {
        for v in m.variables() {
            if let Ok(x) = m.matrix::<f64>(&v.name) {
                // `matrix` reads the first variable of that name (names may repeat).
                let first = m.get(&v.name).expect("listed variable");
                assert_eq!(x.len(), first.dims.iter().product::<usize>());
            }
            let _ = m.matrix::<f32>(&v.name);
        }
        if let Ok(ds) = mat::dataset_from_mat::<f32>(&m, "X", "y") {
            assert!(ds.features().iter().all(|v| v.is_finite()));
        }
        if let Ok((_, theta)) = io::thetas_from_mat::<f64>(&m) {
            assert!(theta.iter().all(|t| t.is_finite()));
        }
    }
});
