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
        b.gather(&view, &y, idx).unwrap();
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
