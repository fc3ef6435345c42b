//! Loading a model from safetensors bytes: with metadata (each head type), without (into a
//! fixed 2-3-2 network, which must stay unchanged on error). A network that loads holds only
//! finite parameters.
#![no_main]

use deepmultinet::io;
use deepmultinet::prelude::*;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.safetensors");
    let _ = io::info_from_bytes(data, path);
    let _ = io::weight_dtype(data, path);
    if let Ok(net) = io::from_bytes::<SoftmaxCrossEntropy<f32>>(data, path) {
        assert!(net.params().iter().all(|t| t.is_finite()));
    }
    if let Ok(net) = io::from_bytes::<SigmoidCrossEntropy<f64>>(data, path) {
        assert!(net.params().iter().all(|t| t.is_finite()));
    }
    if let Ok(net) = io::from_bytes::<MeanSquaredError<f32>>(data, path) {
        assert_eq!(net.params().len(), net.num_params());
        assert!(net.params().iter().all(|t| t.is_finite()));
    }
    let mut net = Network::builder(2)
        .hidden(3, Relu)
        .output(2, SoftmaxCrossEntropy::<f32>::new())
        .build_zeroed()
        .expect("fixed architecture");
    if io::from_bytes_into(&mut net, data, path).is_err() {
        assert!(net.params().iter().all(|&t| t == 0.0), "half-loaded");
    } else {
        assert!(net.params().iter().all(|t| t.is_finite()));
    }
});
