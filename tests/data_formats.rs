//! IDX, MAT and CSV readers on small files written by `fixtures` (independently of the
//! readers): the values they must give, and bad input — every truncation, seeded single-byte
//! corruptions, arbitrary bytes — giving `Err` or `Ok`, never a panic.

mod fixtures;

use deepmultinet::Error;
use deepmultinet::data::ImageShape;
use deepmultinet::data::csv::{self, CsvOptions, Header, LabelColumn};
use deepmultinet::data::idx;
use deepmultinet::data::mat::{self, MatClass, MatFile};
use fixtures::*;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::Path;

fn p(name: &str) -> &Path {
    Path::new(name)
}

// ---------- IDX ----------

/// Three 2×2 images (pixel (r,c) of image i = 40i + 10r + c) and their labels 2, 0, 1.
fn idx_pair() -> (Vec<u8>, Vec<u8>) {
    let mut px = Vec::new();
    for i in 0..3u8 {
        for r in 0..2u8 {
            for c in 0..2u8 {
                px.push(40 * i + 10 * r + c);
            }
        }
    }
    (idx(&[3, 2, 2], &px), idx(&[3], &[2, 0, 1]))
}

#[test]
fn idx_reads_raw_and_gzip_identically() {
    let (im, _) = idx_pair();
    let raw = idx::parse(&im, p("im")).unwrap();
    let gz = idx::parse(&gzip(&im), p("im.gz")).unwrap();
    assert_eq!(raw, gz);
    assert_eq!(raw.dims, vec![3, 2, 2]);
    assert_eq!(raw.data[5], 41); // image 1, pixel (0,1)
}

#[test]
fn idx_dataset_keeps_shape_labels_and_scales() {
    let (im, lb) = idx_pair();
    let (ia, la) = (
        idx::parse(&im, p("im")).unwrap(),
        idx::parse(&lb, p("lb")).unwrap(),
    );
    let ds = idx::dataset_from_arrays::<f64>(&ia, p("im"), &la, p("lb"), 3).unwrap();
    assert_eq!((ds.num_features(), ds.len()), (4, 3));
    assert_eq!(ds.labels(), &[2, 0, 1]);
    assert_eq!(ds.image_shape().unwrap(), ImageShape::row_major(2, 2));
    // image 2, pixel (1,0) = 80 + 10 = 90 → 90/255.
    assert_eq!(ds.image(2).unwrap()[(1, 0)], 90.0 / 255.0);
    assert_eq!(ds.features()[(2, 2)], 90.0 / 255.0);
}

#[test]
fn idx_errors_name_file_and_facts() {
    let (im, lb) = idx_pair();
    let ia = idx::parse(&im, p("im")).unwrap();
    // Count mismatch.
    let two = idx::parse(&idx(&[2], &[0, 1]), p("two-labels")).unwrap();
    let e = idx::dataset_from_arrays::<f32>(&ia, p("im"), &two, p("two-labels"), 10).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("two-labels") && msg.contains("3 labels") && msg.contains("found 2 labels"),
        "{msg}"
    );
    // Label out of range names the label and the sample.
    let la = idx::parse(&lb, p("lb")).unwrap();
    let e = idx::dataset_from_arrays::<f32>(&ia, p("im"), &la, p("lb"), 2).unwrap_err();
    assert!(e.to_string().contains("label 2 for sample 0"), "{e}");
    // Wrong magic.
    let mut bad = lb.clone();
    bad[0] = 1;
    assert!(matches!(
        idx::parse(&bad, p("x")),
        Err(Error::Format { offset: 0, .. })
    ));
    // Dimensions whose product overflows (no allocation attempted).
    let huge = idx(&[u32::MAX, u32::MAX, u32::MAX], &[1, 2, 3]);
    let e = idx::parse(&huge, p("huge")).unwrap_err();
    assert!(
        e.to_string().contains("overflow") || e.to_string().contains("data byte"),
        "{e}"
    );
    // Trailing garbage.
    let mut long = lb.clone();
    long.push(0);
    assert!(idx::parse(&long, p("long")).is_err());
}

#[test]
fn idx_every_truncation_fails_and_corruptions_do_not_panic() {
    let (im, _) = idx_pair();
    for file in [im.clone(), gzip(&im)] {
        for len in 0..file.len() {
            assert!(
                idx::parse(&file[..len], p("t")).is_err(),
                "truncated at {len}"
            );
        }
        corrupt_each(&file, |b| {
            let _ = idx::parse(b, p("c"));
        });
    }
}

/// Calls `f` on 300 copies of `file`, each with one byte replaced by a seeded random value.
fn corrupt_each(file: &[u8], mut f: impl FnMut(&[u8])) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0xC0FFEE);
    for _ in 0..300 {
        let mut b = file.to_vec();
        let i = rng.random_range(0..b.len());
        b[i] = rng.random();
        f(&b);
    }
}

// ---------- MAT ----------

/// `A` = [1 2 3; 4 5 6] (double), `s` single 1×2, `k` int16 stored as miINT16, `u` a double
/// stored as miUINT8 (as MATLAB does when values fit), `c` an empty cell, `name` a char array.
fn mat_vars() -> Vec<Var<'static>> {
    vec![
        Var::double("A", 2, 3, &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]),
        Var {
            name: "s",
            class: MX_SINGLE,
            dims: vec![1, 2],
            storage: MI_SINGLE,
            values: vec![0.5, -1.25],
        },
        Var {
            name: "k",
            class: MX_INT16,
            dims: vec![2, 1],
            storage: MI_INT16,
            values: vec![-300.0, 7.0],
        },
        Var {
            name: "u",
            class: MX_DOUBLE,
            dims: vec![1, 3],
            storage: MI_UINT8,
            values: vec![0.0, 200.0, 255.0],
        },
        Var {
            name: "c",
            class: MX_CELL,
            dims: vec![0, 0],
            storage: MI_DOUBLE,
            values: vec![],
        },
        Var {
            name: "name",
            class: MX_CHAR,
            dims: vec![1, 2],
            storage: MI_UINT8,
            values: vec![104.0, 105.0],
        },
    ]
}

#[test]
fn mat_reads_all_forms_and_classes() {
    for compressed in [false, true] {
        for big in [false, true] {
            let bytes = mat(&mat_vars(), compressed, big);
            let m = MatFile::parse(&bytes, p("t.mat")).unwrap();
            let ctx = format!("compressed={compressed} big={big}");
            assert!(m.header().starts_with("MATLAB 5.0 MAT-file"), "{ctx}");
            let a = m.matrix::<f64>("A").unwrap();
            assert_eq!(a.shape(), (2, 3), "{ctx}");
            assert_eq!(a[(0, 1)], 2.0, "{ctx}");
            assert_eq!(a[(1, 2)], 6.0, "{ctx}");
            let s = m.matrix::<f32>("s").unwrap();
            assert_eq!(s.as_slice(), &[0.5, -1.25], "{ctx}");
            assert_eq!(
                m.matrix::<f64>("k").unwrap().as_slice(),
                &[-300.0, 7.0],
                "{ctx}"
            );
            assert_eq!(m.get("k").unwrap().class, MatClass::Int16);
            assert_eq!(
                m.matrix::<f64>("u").unwrap().as_slice(),
                &[0.0, 200.0, 255.0],
                "{ctx}"
            );
            assert_eq!(m.get("c").unwrap().class, MatClass::Cell);
            assert_eq!(m.variables().len(), 6, "{ctx}");
        }
    }
}

#[test]
fn mat_missing_or_non_numeric_variables_are_clear_errors() {
    let bytes = mat(&mat_vars(), true, false);
    let m = MatFile::parse(&bytes, p("vars.mat")).unwrap();
    let e = m.matrix::<f64>("X").unwrap_err().to_string();
    assert!(
        e.contains("vars.mat") && e.contains("`X`") && e.contains("A (Double [2, 3])"),
        "{e}"
    );
    let e = m.matrix::<f64>("c").unwrap_err().to_string();
    assert!(e.contains("real numeric") && e.contains("Cell"), "{e}");
    let e = m.matrix::<f64>("name").unwrap_err().to_string();
    assert!(e.contains("Char"), "{e}");
}

#[test]
fn mat_course_layout_maps_labels_and_image_shape() {
    // X: 3 samples × 4 features (2×2 images, column-major), y = [1; 10; 3].
    let x: Vec<f64> = (0..12).map(f64::from).collect(); // column-major 3 × 4
    let vars = [
        Var::double("X", 3, 4, &x),
        Var::double("y", 3, 1, &[1.0, 10.0, 3.0]),
    ];
    let m = MatFile::parse(&mat(&vars, true, false), p("d.mat")).unwrap();
    let ds = mat::dataset_from_mat::<f64>(&m, "X", "y").unwrap();
    assert_eq!(ds.labels(), &[0, 9, 2]);
    assert_eq!(ds.num_classes(), 10);
    // Sample 1 is row 1 of X: X(1, j) = x[j*3 + 1] = 1, 4, 7, 10.
    assert_eq!(ds.features().column(1).as_slice(), &[1.0, 4.0, 7.0, 10.0]);
    assert_eq!(ds.image_shape().unwrap(), ImageShape::column_major(2, 2));
    // Pixel (r=0, c=1) of a column-major 2×2 image is feature 2.
    assert_eq!(ds.image(1).unwrap()[(0, 1)], 7.0);

    let bad_y = [
        Var::double("X", 3, 4, &x),
        Var::double("y", 3, 1, &[1.0, 0.0, 2.5]),
    ];
    let m = MatFile::parse(&mat(&bad_y, false, false), p("bad.mat")).unwrap();
    let e = mat::dataset_from_mat::<f64>(&m, "X", "y")
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.mat") && e.contains("0 at row 2"), "{e}");
}

#[test]
fn mat_header_errors() {
    let good = mat(&mat_vars(), false, false);
    let mut v73 = good.clone();
    v73[124] = 0x00;
    v73[125] = 0x02;
    let e = MatFile::parse(&v73, p("v73.mat")).unwrap_err().to_string();
    assert!(e.contains("v7.3"), "{e}");
    let mut endian = good.clone();
    endian[126] = b'X';
    assert!(matches!(
        MatFile::parse(&endian, p("e.mat")),
        Err(Error::Format { offset: 126, .. })
    ));
}

#[test]
fn mat_absurd_dimensions_are_rejected_without_allocating() {
    // Dims 2^31-1 × 2^31-1 with 6 values: the count check fails, nothing huge is allocated.
    let v = Var {
        name: "A",
        class: MX_DOUBLE,
        dims: vec![i32::MAX, i32::MAX],
        storage: MI_DOUBLE,
        values: vec![1.0; 6],
    };
    for compressed in [false, true] {
        let e = MatFile::parse(
            &mat(std::slice::from_ref(&v), compressed, false),
            p("huge.mat"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("values for dimensions"), "{e}");
    }
    let neg = Var {
        name: "A",
        class: MX_DOUBLE,
        dims: vec![-1, 6],
        storage: MI_DOUBLE,
        values: vec![1.0; 6],
    };
    let e = MatFile::parse(&mat(&[neg], false, false), p("neg.mat"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("non-negative dimension"), "{e}");
}

#[test]
fn mat_truncations_and_corruptions_never_panic() {
    for compressed in [false, true] {
        let file = mat(&mat_vars(), compressed, false);
        let full = MatFile::parse(&file, p("t")).unwrap();
        for len in 0..file.len() {
            // A cut exactly between two elements is a valid file with fewer variables; any
            // other cut must fail. Either way the result is a prefix of the full file.
            if let Ok(m) = MatFile::parse(&file[..len], p("t")) {
                let n = m.variables().len();
                assert!(n < full.variables().len(), "cut at {len}");
                assert_eq!(m.variables(), &full.variables()[..n], "cut at {len}");
            }
        }
        corrupt_each(&file, |b| {
            if let Ok(m) = MatFile::parse(b, p("c")) {
                for v in m.variables() {
                    let _ = m.matrix::<f64>(&v.name);
                }
            }
        });
    }
}

// ---------- CSV ----------

#[test]
fn csv_reads_header_gzip_and_label_positions() {
    let text = b"p0,p1,p2,label\n0,255,51,3\n\n102,0,255,1\r\n";
    let ds = csv::parse::<f64>(
        &gzip(text),
        p("x.csv.gz"),
        &CsvOptions {
            divide_by: 255.0,
            ..CsvOptions::default()
        },
    )
    .unwrap();
    assert_eq!((ds.num_features(), ds.len(), ds.num_classes()), (3, 2, 4));
    assert_eq!(ds.labels(), &[3, 1]);
    assert_eq!(ds.features().column(0).as_slice(), &[0.0, 1.0, 0.2]);
    assert_eq!(ds.features().column(1).as_slice(), &[0.4, 0.0, 1.0]);
    for bad in [0.0, -255.0, f64::NAN, f64::INFINITY] {
        let e = csv::parse::<f64>(
            text,
            p("x.csv"),
            &CsvOptions {
                divide_by: bad,
                ..CsvOptions::default()
            },
        );
        assert!(
            matches!(
                e,
                Err(Error::InvalidParameter {
                    name: "divide_by",
                    expected: "finite and > 0",
                    ..
                })
            ),
            "{bad}: {e:?}"
        );
    }

    let first = csv::parse::<f32>(
        b"1,0.5,0.25\n0,1,2\n",
        p("f.csv"),
        &CsvOptions {
            label: LabelColumn::First,
            header: Header::Absent,
            ..CsvOptions::default()
        },
    )
    .unwrap();
    assert_eq!(first.labels(), &[1, 0]);
    assert_eq!(first.features().column(1).as_slice(), &[1.0, 2.0]);
}

#[test]
fn csv_bad_values_are_errors_naming_line_and_field() {
    let opts = CsvOptions::default();
    let cases: [(&[u8], &str); 6] = [
        (b"1,2,0\n1,NaN,1\n", "`NaN`"),
        (b"1,2,0\n1,inf,1\n", "`inf`"),
        (b"1,2,0\n1,2\n", "3 fields on line 2"),
        (b"1,2,0\n1,2,1.5\n", "`1.5`"),
        (b"1,2,0\n1,2,-1\n", "`-1`"),
        (b"", "at least one data line"),
    ];
    for (text, needle) in cases {
        let e = csv::parse::<f64>(text, p("bad.csv"), &opts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.csv") && e.contains(needle), "{e}");
    }
    let ten = CsvOptions {
        num_classes: Some(10),
        ..CsvOptions::default()
    };
    let e = csv::parse::<f64>(b"1,2,10\n", p("c.csv"), &ten)
        .unwrap_err()
        .to_string();
    assert!(e.contains("in 0..10") && e.contains("`10`"), "{e}");
}

#[test]
fn csv_truncations_and_corruptions_never_panic() {
    let text = b"0,255,51,3\n102,0,255,1\n7,8,9,0\n";
    for file in [text.to_vec(), gzip(text)] {
        for len in 0..file.len() {
            let _ = csv::parse::<f32>(&file[..len], p("t"), &CsvOptions::default());
        }
        corrupt_each(&file, |b| {
            let _ = csv::parse::<f32>(b, p("c"), &CsvOptions::pixels());
        });
    }
}

// ---------- arbitrary bytes ----------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn idx_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = idx::parse(&bytes, p("a"));
    }

    #[test]
    fn idx_valid_header_arbitrary_tail(dims in proptest::collection::vec(any::<u32>(), 1..4),
                                        tail in proptest::collection::vec(any::<u8>(), 0..64)) {
        let file = idx(&dims, &tail);
        if let Ok(a) = idx::parse(&file, p("a")) {
            prop_assert_eq!(a.data.len(), a.dims.iter().product::<usize>());
        }
    }

    #[test]
    fn mat_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = MatFile::parse(&bytes, p("a"));
    }

    #[test]
    fn mat_valid_header_arbitrary_elements(tail in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut file = mat(&[], false, false);
        file.extend_from_slice(&tail);
        if let Ok(m) = MatFile::parse(&file, p("a")) {
            for v in m.variables() {
                let _ = m.matrix::<f32>(&v.name);
            }
        }
    }

    #[test]
    fn csv_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = csv::parse::<f64>(&bytes, p("a"), &CsvOptions::default());
    }
}

/// Files written by SciPy 1.17 (`scipy.io.savemat`), committed as fuzzing seeds:
/// `X = arange(12).reshape(3, 4) / 11`, `y = [1; 10; 3]` (compressed and plain), and
/// `Theta1 = arange(9).reshape(3, 3)`, `Theta2 = arange(8).reshape(2, 4)`, an int16
/// `i = [1, -2]`, a single `s = 0.5`, a char `name = 'ab'` and an empty cell `c`.
#[test]
fn mat_reads_files_written_by_scipy() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/mat");
    for f in ["xy_compressed.mat", "xy_plain.mat"] {
        let m = MatFile::read(seeds.join(f)).unwrap();
        let x = m.matrix::<f64>("X").unwrap();
        assert_eq!(x.shape(), (3, 4), "{f}");
        assert_eq!(x[(1, 2)], 6.0 / 11.0, "{f}"); // row-major arange: X[1][2] = 6/11
        let ds = mat::dataset_from_mat::<f64>(&m, "X", "y").unwrap();
        assert_eq!(ds.labels(), &[0, 9, 2], "{f}");
        assert_eq!(ds.image_shape().unwrap().height, 2);
    }
    let m = MatFile::read(seeds.join("thetas.mat")).unwrap();
    let t2 = m.matrix::<f64>("Theta2").unwrap();
    assert_eq!(t2.shape(), (2, 4));
    assert_eq!(t2[(1, 0)], 4.0);
    assert_eq!(m.matrix::<f64>("i").unwrap().as_slice(), &[1.0, -2.0]);
    assert_eq!(m.get("i").unwrap().class, MatClass::Int16);
    assert_eq!(m.matrix::<f32>("s").unwrap()[(0, 0)], 0.5);
    assert_eq!(m.get("name").unwrap().class, MatClass::Char);
    assert_eq!(m.get("c").unwrap().class, MatClass::Cell);
    let (sizes, theta) = deepmultinet::io::thetas_from_mat::<f64>(&m).unwrap();
    assert_eq!(sizes, vec![2, 3, 2]);
    // Theta1(:) column-major of [[0,1,2],[3,4,5],[6,7,8]] starts 0, 3, 6, 1.
    assert_eq!(&theta[..4], &[0.0, 3.0, 6.0, 1.0]);
}
