//! MAT-file parsing, reading every variable as a matrix, the course's X/y layout and the
//! Theta1, Theta2, ... import.
#![no_main]

use deepmultinet::data::mat::{self, MatFile};
use deepmultinet::io;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = MatFile::parse(data, Path::new("fuzz.mat")) {
        for v in m.variables() {
            if let Ok(x) = m.matrix::<f64>(&v.name) {
                // `matrix` reads the first variable of that name (names may repeat).
                let first = m.get(&v.name).expect("listed variable");
                assert_eq!(x.len(), first.dims.iter().product::<usize>());
            }
        }
        let _ = mat::dataset_from_mat::<f32>(&m, "X", "y");
        let _ = io::thetas_from_mat::<f64>(&m);
    }
});
