use super::*;
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// 3 features × 5 samples; sample j has features (j, 10 + j, 20 + j) and label j % 2.
fn small() -> Dataset<f64> {
    let x = DMatrix::from_fn(3, 5, |r, c| (10 * r + c) as f64);
    Dataset::new(x, vec![0, 1, 0, 1, 0], 2).unwrap()
}

#[test]
fn new_rejects_bad_labels_and_counts() {
    let x = DMatrix::<f64>::zeros(2, 3);
    assert!(matches!(
        Dataset::new(x.clone(), vec![0, 1], 2),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        Dataset::new(x.clone(), vec![0, 2, 1], 2),
        Err(Error::LabelOutOfRange {
            label: 2,
            index: 1,
            classes: 2
        })
    ));
    assert!(matches!(
        Dataset::new(x, vec![0, 0, 0], 0),
        Err(Error::InvalidParameter {
            name: "num_classes",
            expected: "at least 1",
            ..
        })
    ));
}

#[test]
fn from_u8_scales_and_places_samples_in_columns() {
    let ds = Dataset::<f64>::from_u8(2, &[0, 255, 51, 102], vec![1, 0], 2).unwrap();
    assert_eq!(ds.features()[(0, 0)], 0.0);
    assert_eq!(ds.features()[(1, 0)], 1.0);
    assert_eq!(ds.features()[(0, 1)], 0.2);
    assert_eq!(ds.features()[(1, 1)], 0.4);
    assert!(Dataset::<f64>::from_u8(2, &[0, 255, 51], vec![1, 0], 2).is_err());
}

#[test]
fn take_split_and_batch_keep_labels_with_columns() {
    let ds = small();
    let t = ds.take(2);
    assert_eq!(t.labels(), &[0, 1]);
    assert_eq!(t.features().column(1).as_slice(), &[1.0, 11.0, 21.0]);
    assert_eq!(ds.take(99).len(), 5);

    let (a, b) = ds.split(0.8).unwrap();
    assert_eq!((a.len(), b.len()), (4, 1));
    assert_eq!(b.features().column(0).as_slice(), &[4.0, 14.0, 24.0]);
    assert_eq!(b.labels(), &[0]);
    assert!(matches!(
        ds.split(1.5),
        Err(Error::InvalidParameter { name: "fraction", value, expected: "in [0, 1]" })
            if value == 1.5
    ));
    assert!(matches!(
        ds.split(f64::NAN),
        Err(Error::InvalidParameter { name: "fraction", value, .. }) if value.is_nan()
    ));

    let (x, y) = ds.batch(1..4).unwrap();
    assert_eq!(x.shape(), (3, 3));
    assert_eq!(x[(2, 0)], 21.0);
    assert_eq!(y, &[1, 0, 1]);
    assert!(matches!(
        ds.batch(3..6),
        Err(Error::IndexOutOfRange {
            what: "sample",
            index: 5,
            len: 5
        })
    ));
    assert!(matches!(
        ds.batch(7..7),
        Err(Error::IndexOutOfRange {
            what: "sample",
            index: 7,
            len: 5
        })
    ));
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = ds.batch(3..2);
    assert!(matches!(reversed, Err(Error::InvalidConfig(_))));
    assert_eq!(ds.batch(5..5).unwrap().1, &[] as &[usize]);

    let sizes: Vec<usize> = ds
        .batches(2)
        .map(|(x, y)| {
            assert_eq!(x.ncols(), y.len());
            y.len()
        })
        .collect();
    assert_eq!(sizes, vec![2, 2, 1]);
}

#[test]
fn shuffle_is_a_seeded_permutation_that_keeps_pairs() {
    let ds = small();
    let mut a = ds.clone();
    let mut b = ds.clone();
    a.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    b.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    assert_eq!(a, b);
    // Each column is still one of the originals, with its own label; all present once.
    let mut seen: Vec<usize> = a
        .features()
        .column_iter()
        .zip(a.labels())
        .map(|(c, &l)| {
            let j = c[0] as usize;
            assert_eq!(c[1], 10.0 + j as f64);
            assert_eq!(l, j % 2);
            j
        })
        .collect();
    assert_ne!(seen, vec![0, 1, 2, 3, 4], "seed 9 should move something");
    seen.sort();
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
}

#[test]
fn one_hot_counts_and_names() {
    let ds = small();
    let y = ds.one_hot().unwrap();
    assert_eq!(y.shape(), (2, 5));
    assert_eq!(y.column(1).as_slice(), &[0.0, 1.0]);
    assert_eq!(y.sum(), 5.0);
    assert_eq!(ds.class_counts(), vec![3, 2]);
    let named = ds.clone().with_class_names(["even", "odd"]).unwrap();
    assert_eq!(named.class_name(1), "odd");
    assert_eq!(ds.class_name(1), "1");
    assert!(ds.with_class_names(["only one"]).is_err());
}

#[test]
fn image_respects_pixel_order() {
    // 2×3 image: pixel (r, c) has value 10r + c.
    let row_major = [0.0, 1.0, 2.0, 10.0, 11.0, 12.0];
    let col_major = [0.0, 10.0, 1.0, 11.0, 2.0, 12.0];
    for (vals, order) in [
        (row_major, PixelOrder::RowMajor),
        (col_major, PixelOrder::ColumnMajor),
    ] {
        let ds = Dataset::new(DMatrix::from_column_slice(6, 1, &vals), vec![0], 1)
            .unwrap()
            .with_image_shape(ImageShape {
                height: 2,
                width: 3,
                order,
            })
            .unwrap();
        let img = ds.image(0).unwrap();
        assert_eq!(img.shape(), (2, 3));
        assert_eq!(img[(1, 2)], 12.0);
        assert_eq!(img[(0, 1)], 1.0);
        assert!(ds.image(1).is_none());
    }
    let bad = Dataset::new(DMatrix::<f64>::zeros(6, 1), vec![0], 1)
        .unwrap()
        .with_image_shape(ImageShape::row_major(2, 2));
    assert!(bad.is_err());
    // A dataset without a shape says so instead of guessing one.
    let plain = Dataset::new(DMatrix::<f64>::zeros(6, 1), vec![0], 1).unwrap();
    assert!(matches!(plain.image_shape(), Err(Error::InvalidConfig(_))));
    assert!(plain.image(0).is_none());
}

#[test]
fn select_and_cast() {
    let ds = small();
    let s = ds.select(&[4, 0]).unwrap();
    assert_eq!(s.features().column(0).as_slice(), &[4.0, 14.0, 24.0]);
    assert_eq!(s.labels(), &[0, 0]);
    assert!(matches!(
        ds.select(&[0, 5]),
        Err(Error::IndexOutOfRange {
            what: "sample",
            index: 5,
            len: 5
        })
    ));
    let f: Dataset<f32> = ds.cast();
    assert_eq!(f.features()[(2, 4)], 24.0f32);
}

/// A gathered batch holds exactly the selected columns, in order, for batches gathered on
/// one thread and split across the pool (both sides of `PARALLEL_GATHER`), including a last batch shorter than the buffer and a view with a column stride.
#[test]
fn gathered_batches_hold_the_selected_columns() {
    let big = DMatrix::from_fn(100, 700, |r, c| (r * 1000 + c) as f64);
    let view = big.view((1, 0), (97, 700)); // rows 1..98: column stride 100, not 97
    let labels: Vec<usize> = (0..700).map(|c| c % 7).collect();
    let y: crate::Targets<'_, f64> = (&labels).into();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let mut order: Vec<usize> = (0..700).collect();
    rand::seq::SliceRandom::shuffle(&mut order[..], &mut rng);
    // 97 × 300 values is above PARALLEL_GATHER (split across the pool's threads), 97 × 5
    // below it.
    const { assert!(97 * 299 >= batch::PARALLEL_GATHER && 97 * 5 < batch::PARALLEL_GATHER) };
    for len in [300, 299, 5, 1] {
        let mut b = BatchBuffer::new(97, 7, 300, &y);
        let idx = &order[..len];
        b.gather(view, &y, idx).unwrap();
        assert_eq!(b.len(), len);
        for (j, &i) in idx.iter().enumerate() {
            assert_eq!(b.x().column(j), view.column(i), "len {len} column {j}");
        }
        assert_eq!(
            b.labels().unwrap(),
            &idx.iter().map(|i| i % 7).collect::<Vec<_>>()[..]
        );
    }
}

/// Bytes gather into the values of their table, the same values as the matrix of those
/// values (one thread and split across the pool), with the same checks of indices and rows.
#[test]
fn byte_batches_hold_the_values_of_the_selected_samples() {
    use super::{ByteSamples, Inputs};
    let pixels: Vec<u8> = (0..97 * 700)
        .map(|k| ((k * 37 + k / 97) % 256) as u8)
        .collect();
    let bytes = ByteSamples::<f32>::unit(97, &pixels).unwrap();
    // Both scalars decode `p / 255` by vectorised division (the table's values, checked).
    assert!(bytes.unit && ByteSamples::<f64>::unit(97, &pixels).unwrap().unit);
    let matrix = bytes.to_matrix().unwrap();
    assert_eq!(matrix[(3, 2)], f32::from(pixels[2 * 97 + 3]) / 255.0);
    let labels: Vec<usize> = (0..700).map(|c| c % 7).collect();
    let y: crate::Targets<'_, f32> = (&labels).into();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let mut order: Vec<usize> = (0..700).collect();
    rand::seq::SliceRandom::shuffle(&mut order[..], &mut rng);
    for len in [300, 299, 5, 1] {
        let (mut a, mut b) = (
            BatchBuffer::new(97, 7, 300, &y),
            BatchBuffer::new(97, 7, 300, &y),
        );
        a.gather(bytes, &y, &order[..len]).unwrap();
        b.gather(&matrix, &y, &order[..len]).unwrap();
        assert_eq!(a.x(), b.x(), "len {len}");
        assert_eq!(a.labels(), b.labels());
        let j = order[len - 1];
        assert_eq!(a.x()[(96, len - 1)], f32::from(pixels[j * 97 + 96]) / 255.0);
    }
    let mut a = BatchBuffer::new(97, 7, 300, &y);
    assert!(matches!(
        a.gather(bytes, &y, &[700]),
        Err(Error::IndexOutOfRange {
            index: 700,
            len: 700,
            ..
        })
    ));
    let short = ByteSamples::<f32>::unit(96, &pixels[..96 * 700]).unwrap();
    assert!(matches!(
        a.gather(short, &y, &[0]),
        Err(Error::ShapeMismatch { .. })
    ));
    let inputs: Inputs<'_, f32> = short.into();
    assert_eq!((inputs.features(), inputs.samples()), (96, 700));
    // Any other table is looked up byte by byte.
    let table: [f32; 256] = std::array::from_fn(|p| p as f32 * 2.0 - 1.0);
    let other = ByteSamples::with_table(97, &pixels, table).unwrap();
    assert!(!other.unit);
    a.gather(other, &y, &order[..300]).unwrap();
    assert_eq!(
        a.x(),
        other.to_matrix().unwrap().select_columns(&order[..300])
    );
    assert_eq!(
        a.x()[(5, 7)],
        f32::from(pixels[order[7] * 97 + 5]) * 2.0 - 1.0
    );
}

/// Byte samples reject what they cannot hold: no features, a partial or empty sample, a
/// table value that is not finite, an IDX array whose data does not match its dimensions.
#[test]
fn byte_samples_reject_bad_shapes() {
    use super::ByteSamples;
    use super::idx::IdxArray;
    let bytes = [1u8, 2, 3, 4, 5, 6];
    assert!(matches!(
        ByteSamples::<f64>::unit(0, &bytes),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        ByteSamples::<f64>::unit(4, &bytes),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        ByteSamples::<f64>::unit(3, &[]),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut table = [0.5f64; 256];
    table[200] = f64::NAN;
    assert!(matches!(
        ByteSamples::with_table(3, &bytes, table),
        Err(Error::InvalidParameter { .. })
    ));
    // The unit table with −0 for byte 0 is not decoded as the unit table (which gives +0).
    let mut signed: [f64; 256] = std::array::from_fn(|p| p as f64 / 255.0);
    assert!(ByteSamples::with_table(3, &bytes, signed).unwrap().unit);
    signed[0] = -0.0;
    assert!(!ByteSamples::with_table(3, &bytes, signed).unwrap().unit);
    table[200] = 2.0;
    let x = ByteSamples::with_table(3, &bytes, table).unwrap();
    assert_eq!(
        (x.samples(), x.value(200), x.sample(1)),
        (2, 2.0, Some(&bytes[3..]))
    );
    assert_eq!(x.sample(2), None);
    let bad = IdxArray {
        dims: vec![2, 2, 2],
        data: vec![0; 7],
    };
    assert!(matches!(
        ByteSamples::<f32>::from_idx(&bad),
        Err(Error::ShapeMismatch { .. })
    ));
    let flat = IdxArray {
        dims: vec![8],
        data: vec![0; 8],
    };
    assert!(matches!(
        ByteSamples::<f32>::from_idx(&flat),
        Err(Error::ShapeMismatch { .. })
    ));
    let huge = IdxArray {
        dims: vec![2, usize::MAX, 2],
        data: vec![0; 8],
    };
    assert!(matches!(
        ByteSamples::<f32>::from_idx(&huge),
        Err(Error::ShapeMismatch { .. })
    ));
    let ok = IdxArray {
        dims: vec![2, 2, 2],
        data: vec![51; 8],
    };
    let x = ByteSamples::<f32>::from_idx(&ok).unwrap();
    assert_eq!((x.features(), x.samples(), x.value(51)), (4, 2, 0.2));
}

/// `to_u8` inverts `from_u8` for every byte, and refuses a value no byte stands for.
#[test]
fn dataset_bytes_round_trip() {
    let pixels: Vec<u8> = (0..=255u8).collect();
    let labels = vec![0; 256];
    let ds = Dataset::<f32>::from_u8(1, &pixels, labels.clone(), 1).unwrap();
    assert_eq!(ds.to_u8().unwrap(), pixels);
    let ds64 = Dataset::<f64>::from_u8(1, &pixels, labels, 1).unwrap();
    assert_eq!(ds64.to_u8().unwrap(), pixels);
    let odd = Dataset::new(DMatrix::from_element(1, 2, 0.5f32), vec![0, 0], 1).unwrap();
    assert!(matches!(odd.to_u8(), Err(Error::InvalidParameter { value, .. }) if value == 0.5));
    let off = 51.0f32 / 255.0 + f32::EPSILON;
    let near = Dataset::new(DMatrix::from_element(1, 1, off), vec![0], 1).unwrap();
    assert!(near.to_u8().is_err());
    let neg = Dataset::new(DMatrix::from_element(1, 1, -1.0f32), vec![0], 1).unwrap();
    assert!(neg.to_u8().is_err());
    let negative_zero = Dataset::new(DMatrix::from_element(1, 1, -0.0f32), vec![0], 1).unwrap();
    assert!(negative_zero.to_u8().is_err());
}

/// A byte set's `Debug` shows its shape, not its (data set's worth of) bytes.
#[test]
fn byte_samples_debug_is_short() {
    let bytes = vec![7u8; 784 * 100];
    let x = super::ByteSamples::<f32>::unit(784, &bytes).unwrap();
    let s = format!("{x:?}");
    assert_eq!(
        s,
        "ByteSamples { features: 784, samples: 100, unit: true, .. }"
    );
}
