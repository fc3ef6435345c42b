//! The seed files of `fuzz/seeds/` that this crate writes (the MAT seeds come from SciPy):
//! every committed seed must still be read without error by its reader, so that the fuzz
//! targets and the mutation loop (`tests/mutate_readers.rs`) start from valid files.
//!
//! `DEEPMULTINET_WRITE_SEEDS=1 cargo test --test fuzz_seeds` (re)writes them.

mod fixtures;

use deepmultinet::data::csv::{self, CsvOptions};
use deepmultinet::data::idx;
use deepmultinet::data::mat::MatFile;
use fixtures::*;
use std::path::{Path, PathBuf};

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds")
}

/// The seeds written here: (directory, file name, bytes).
fn written() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let small = b"0,255,51,3\n102,0,255,1\n7,8,9,0\n".to_vec();
    let mut cat = gzip(b"0,255,51,3\n");
    cat.extend(gzip(b"102,0,255,1\n7,8,9,0\n"));
    let labels = idx(&[5], &[3, 1, 4, 1, 5]);
    let mut labels_cat = gzip(&labels[..9]);
    labels_cat.extend(gzip(&labels[9..]));
    let be = mat(
        &[
            Var::double("X", 2, 4, &[0.0, 0.5, 1.0, 0.25, 0.75, 0.125, 0.0, 1.0]),
            Var::double("y", 2, 1, &[1.0, 2.0]),
        ],
        false,
        true,
    );
    let out = vec![
        ("csv", "small.csv", small.clone()),
        ("csv", "small.csv.gz", gzip(&small)),
        (
            "csv",
            "header.csv",
            b"a,b,label\n0.5,1,2\n0,0.25,0\n".to_vec(),
        ),
        ("csv", "cat.csv.gz", cat),
        ("idx", "labels_cat.idx1.gz", labels_cat),
        ("mat", "xy_big_endian.mat", be),
    ];
    #[cfg(feature = "safetensors")]
    let out = [out, models::written()].concat();
    out
}

#[cfg(feature = "safetensors")]
mod models {
    use deepmultinet::io;
    use deepmultinet::prelude::*;
    use safetensors::tensor::{Dtype, TensorView};

    fn set_params<L: OutputLoss>(mut net: Network<L>, scale: f64) -> Network<L> {
        for (i, t) in net.params_mut().iter_mut().enumerate() {
            *t = <L::Scalar as Scalar>::of((i as f64 - 8.0) * scale);
        }
        net
    }

    /// A file as PyTorch writes a 2-3-2 `nn.Sequential` of Linear layers: F32, no metadata.
    fn pytorch() -> Vec<u8> {
        let le = |n: usize| -> Vec<u8> {
            (0..n)
                .flat_map(|i| (i as f32 * 0.25 - 1.0).to_le_bytes())
                .collect()
        };
        let (w1, b1, w2, b2) = (le(6), le(3), le(6), le(2));
        let tensors = vec![
            (
                "layers.0.weight",
                TensorView::new(Dtype::F32, vec![3, 2], &w1).unwrap(),
            ),
            (
                "layers.0.bias",
                TensorView::new(Dtype::F32, vec![3], &b1).unwrap(),
            ),
            (
                "layers.2.weight",
                TensorView::new(Dtype::F32, vec![2, 3], &w2).unwrap(),
            ),
            (
                "layers.2.bias",
                TensorView::new(Dtype::F32, vec![2], &b2).unwrap(),
            ),
        ];
        safetensors::serialize(tensors, None).unwrap()
    }

    pub(super) fn written() -> Vec<(&'static str, &'static str, Vec<u8>)> {
        let softmax = Network::builder(2)
            .hidden(3, Relu)
            .output(2, SoftmaxCrossEntropy::<f32>::new())
            .build_zeroed()
            .unwrap();
        let mse = Network::builder(3)
            .hidden(4, Tanh)
            .hidden(2, LeakyRelu(0.05))
            .output(2, MeanSquaredError::<f64>::new())
            .build_zeroed()
            .unwrap();
        let sigmoid = Network::builder(2)
            .output(1, SigmoidCrossEntropy::<f32>::new())
            .build_zeroed()
            .unwrap();
        vec![
            (
                "safetensors",
                "softmax_f32.safetensors",
                io::to_bytes(&set_params(softmax, 0.125)).unwrap(),
            ),
            (
                "safetensors",
                "mse_f64.safetensors",
                io::to_bytes(&set_params(mse, 0.01)).unwrap(),
            ),
            (
                "safetensors",
                "sigmoid_f32.safetensors",
                io::to_bytes(&set_params(sigmoid, 0.5)).unwrap(),
            ),
            ("safetensors", "pytorch_f32.safetensors", pytorch()),
        ]
    }

    /// Reads a model seed as a loader would.
    pub(super) fn check(name: &str, bytes: &[u8]) {
        let path = std::path::Path::new(name);
        match io::info_from_bytes(bytes, path).unwrap() {
            Some(info) if info.head == "mse" => {
                io::from_bytes::<MeanSquaredError<f64>>(bytes, path).unwrap();
            }
            Some(info) if info.head == "sigmoid_cross_entropy" => {
                io::from_bytes::<SigmoidCrossEntropy<f32>>(bytes, path).unwrap();
            }
            Some(_) => {
                io::from_bytes::<SoftmaxCrossEntropy<f32>>(bytes, path).unwrap();
            }
            None => {
                let mut net = Network::builder(2)
                    .hidden(3, Relu)
                    .output(2, SoftmaxCrossEntropy::<f32>::new())
                    .build_zeroed()
                    .unwrap();
                io::from_bytes_into(&mut net, bytes, path).unwrap();
            }
        }
    }
}

/// Reads seed `dir/name` with the reader for `dir`.
fn check(dir: &str, name: &str, bytes: &[u8]) {
    let path = Path::new(name);
    match dir {
        "csv" => {
            let opts = CsvOptions::default();
            let ds = csv::parse::<f32>(bytes, path, &opts).unwrap();
            assert!(ds.len() >= 2, "{name}");
        }
        "idx" => {
            idx::parse(bytes, path).unwrap();
        }
        "mat" => {
            let m = MatFile::parse(bytes, path).unwrap();
            assert!(!m.variables().is_empty(), "{name}");
        }
        #[cfg(feature = "safetensors")]
        "safetensors" => models::check(name, bytes),
        #[cfg(not(feature = "safetensors"))]
        "safetensors" => {}
        other => panic!("unknown seed directory {other}"),
    }
}

#[test]
fn every_committed_seed_is_read_by_its_reader() {
    let write = std::env::var("DEEPMULTINET_WRITE_SEEDS").is_ok_and(|v| v == "1");
    for (dir, name, bytes) in written() {
        check(dir, name, &bytes);
        if write {
            std::fs::create_dir_all(seeds().join(dir)).unwrap();
            std::fs::write(seeds().join(dir).join(name), &bytes).unwrap();
        }
    }
    let mut count = 0;
    for dir in ["csv", "idx", "mat", "safetensors"] {
        let entries = std::fs::read_dir(seeds().join(dir))
            .unwrap_or_else(|e| panic!("fuzz/seeds/{dir}: {e} (write them: see the docs)"));
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            check(dir, &name, &std::fs::read(&path).unwrap());
            count += 1;
        }
    }
    assert!(count >= 16, "{count} seeds");
}
