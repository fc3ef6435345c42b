//! Values a model or a dataset must not hold: NaN and infinite parameters in a model file,
//! values beyond `f32`'s range read as `f32`, non-finite `.mat` features — each an error at the
//! value — and multi-member gzip files, which are read whole.

mod fixtures;

use deepmultinet::Error;
use deepmultinet::data::csv::{self, CsvOptions};
use deepmultinet::data::idx;
use deepmultinet::data::mat::{self, MatFile};
use fixtures::*;
use std::path::Path;

fn p(name: &str) -> &Path {
    Path::new(name)
}

fn format_error<T: std::fmt::Debug>(r: Result<T, Error>) -> (u64, String, String) {
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
fn csv_read_as_f32_refuses_values_beyond_f32_range() {
    let text = b"0.5,1e39,1\n0,0,0\n";
    let (offset, expected, found) = format_error(csv::parse::<f32>(
        text,
        p("big.csv"),
        &CsvOptions::default(),
    ));
    assert_eq!(offset, 0);
    assert!(
        expected.contains("feature 2 of line 1 within f32's range"),
        "{expected}"
    );
    assert_eq!(found, "`1e39`");
    // The same file read as f64 is fine.
    let ds = csv::parse::<f64>(text, p("big.csv"), &CsvOptions::default()).unwrap();
    assert_eq!(ds.features()[(1, 0)], 1e39);
    // Overflow by the division, in either type.
    let halve = CsvOptions {
        divide_by: 0.5,
        ..CsvOptions::default()
    };
    let (_, expected, found) = format_error(csv::parse::<f32>(b"-3e38,1\n", p("h.csv"), &halve));
    assert!(expected.contains("once divided by 0.5"), "{expected}");
    assert_eq!(found, "`-3e38`");
    let (_, expected, _) = format_error(csv::parse::<f64>(
        b"1e308,1\n",
        p("h.csv"),
        &CsvOptions {
            divide_by: 1e-10,
            ..CsvOptions::default()
        },
    ));
    assert!(expected.contains("once divided by"), "{expected}");
}

#[test]
fn mat_features_and_thetas_must_be_finite() {
    // X: 2 samples × 3 features with a NaN at (row 2, column 3); y = [1; 2].
    let mut x = vec![0.5; 6];
    x[5] = f64::NAN;
    let vars = [
        Var::double("X", 2, 3, &x),
        Var::double("y", 2, 1, &[1.0, 2.0]),
    ];
    for compressed in [false, true] {
        let m = MatFile::parse(&mat(&vars, compressed, false), p("nan.mat")).unwrap();
        let offset_x = m.get("X").unwrap().offset;
        let (offset, expected, found) = format_error(mat::dataset_from_mat::<f32>(&m, "X", "y"));
        assert_eq!(offset, offset_x);
        assert_eq!(expected, "finite features in `X`");
        assert_eq!(found, "NaN at row 2, column 3");
        // The matrix itself is read as stored.
        assert!(m.matrix::<f64>("X").unwrap()[(1, 2)].is_nan());
    }

    // A double beyond f32's range, read as f32.
    let big = [Var::double("A", 1, 2, &[1.0, -1e39])];
    let m = MatFile::parse(&mat(&big, true, false), p("big.mat")).unwrap();
    let (_, expected, found) = format_error(m.matrix::<f32>("A"));
    assert_eq!(expected, "values of `A` within f32's range");
    assert_eq!(found, "-1e39 at row 1, column 2");
    assert_eq!(m.matrix::<f64>("A").unwrap()[(0, 1)], -1e39);
    // ... and as features of an f32 dataset (found by tests/mutate_readers.rs).
    let xy = [
        Var::double("X", 1, 2, &[0.5, 1e39]),
        Var::double("y", 1, 1, &[1.0]),
    ];
    let m = MatFile::parse(&mat(&xy, false, false), p("xy.mat")).unwrap();
    let (_, expected, _) = format_error(mat::dataset_from_mat::<f32>(&m, "X", "y"));
    assert_eq!(expected, "values of `X` within f32's range");
    assert_eq!(
        mat::dataset_from_mat::<f64>(&m, "X", "y")
            .unwrap()
            .features()[(1, 0)],
        1e39
    );

    // Course weights with an infinity.
    let t1: Vec<f64> = (1..=9).map(f64::from).collect();
    let mut t2: Vec<f64> = (10..=17).map(f64::from).collect();
    t2[3] = f64::INFINITY;
    let m = MatFile::parse(
        &mat(
            &[
                Var::double("Theta1", 3, 3, &t1),
                Var::double("Theta2", 2, 4, &t2),
            ],
            false,
            false,
        ),
        p("w.mat"),
    )
    .unwrap();
    let (offset, expected, found) = format_error(deepmultinet::io::thetas_from_mat::<f64>(&m));
    assert_eq!(offset, m.get("Theta2").unwrap().offset);
    assert!(
        expected.starts_with("finite values in `Theta2`"),
        "{expected}"
    );
    assert_eq!(found, "inf at row 2, column 2");
}

#[test]
fn multi_member_gzip_files_are_read_whole() {
    // `cat a.gz b.gz`: a CSV split after its second line.
    let (a, b) = (b"1,2,0\n3,4,1\n", b"5,6,2\n7,8,0\n");
    let mut cat = gzip(a);
    cat.extend(gzip(b));
    let ds = csv::parse::<f64>(&cat, p("cat.csv.gz"), &CsvOptions::default()).unwrap();
    assert_eq!(ds.len(), 4);
    assert_eq!(ds.labels(), &[0, 1, 2, 0]);
    assert_eq!(ds.features().column(3).as_slice(), &[7.0, 8.0]);

    // An IDX file split inside its data.
    let file = idx(&[2, 3], &[1, 2, 3, 4, 5, 6]);
    let (head, tail) = file.split_at(10);
    let mut cat = gzip(head);
    cat.extend(gzip(tail));
    assert_eq!(
        idx::parse(&cat, p("cat.gz")).unwrap(),
        idx::parse(&file, p("raw")).unwrap()
    );
    // A second member that is not gzip is an error, not silently dropped.
    let mut junk = gzip(&file);
    junk.extend_from_slice(b"not gzip");
    assert!(idx::parse(&junk, p("junk.gz")).is_err());
}

#[cfg(feature = "safetensors")]
mod models {
    use super::{format_error, p};
    use deepmultinet::io;
    use deepmultinet::prelude::*;
    use safetensors::SafeTensors;

    fn net<T: Scalar>() -> Network<SoftmaxCrossEntropy<T>> {
        Network::builder(2)
            .hidden(3, Relu)
            .output(2, SoftmaxCrossEntropy::<T>::new())
            .build_zeroed()
            .unwrap()
    }

    /// Offset in `bytes` of the data of tensor `name`, computed by the `safetensors` crate.
    fn data_offset(bytes: &[u8], name: &str) -> usize {
        let (n, meta) = SafeTensors::read_metadata(bytes).unwrap();
        8 + n + meta.info(name).unwrap().data_offsets.0
    }

    #[test]
    fn nan_and_infinite_parameters_are_refused_at_the_value() {
        let bytes = io::to_bytes(&net::<f32>()).unwrap();
        for (name, index, bad) in [
            ("layers.0.weight", 4, f32::NAN),
            ("layers.2.bias", 1, f32::NEG_INFINITY),
        ] {
            let at = data_offset(&bytes, name) + 4 * index;
            let mut file = bytes.clone();
            file[at..at + 4].copy_from_slice(&bad.to_le_bytes());
            let (offset, expected, found) = format_error(
                io::from_bytes::<SoftmaxCrossEntropy<f32>>(&file, p("nan.st")),
            );
            assert_eq!(offset, at as u64, "{name}");
            assert!(
                expected.starts_with("finite parameters in f32"),
                "{expected}"
            );
            assert_eq!(found, format!("{bad} at index {index} of tensor `{name}`"));
            // Into an existing network: refused, the network unchanged.
            let mut target = net::<f32>();
            target.params_mut().iter_mut().for_each(|t| *t = 0.25);
            assert!(io::from_bytes_into(&mut target, &file, p("nan.st")).is_err());
            assert!(target.params().iter().all(|&t| t == 0.25));
        }
    }

    #[test]
    fn f64_values_beyond_f32_range_are_refused_for_an_f32_network() {
        let mut wide = net::<f64>();
        wide.params_mut()[0] = 1e39; // θ starts with Theta1(:, 1), the first layer's biases

        let bytes = io::to_bytes(&wide).unwrap();
        // As f64 it loads (the value is finite).
        let back = io::from_bytes::<SoftmaxCrossEntropy<f64>>(&bytes, p("w.st")).unwrap();
        assert_eq!(back.params()[0], 1e39);
        let mut narrow = net::<f32>();
        let (offset, _, found) = format_error(io::from_bytes_into(&mut narrow, &bytes, p("w.st")));
        assert_eq!(offset, data_offset(&bytes, "layers.0.bias") as u64);
        assert_eq!(
            found,
            "1e39, beyond f32's range, at index 0 of tensor `layers.0.bias`"
        );
        assert!(narrow.params().iter().all(|&t| t == 0.0));
    }
}
