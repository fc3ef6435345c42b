//! Stratified splits: [`train_test_split`] for a held-out test set, and the validation
//! split of early stopping.

use super::labels::LabelEncoder;
use crate::check;
use crate::error::{Error, Result};
use rand::Rng;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::fmt::Debug;

/// A stratified split of `0..y.len()` (`y` class indices below `classes`): from every
/// class, `fraction` of its samples (rounded; never all of them) go to the second part.
/// Returns (first, second) indices, each ascending; either may be empty.
pub(super) fn stratified<R: Rng>(
    y: &[usize],
    classes: usize,
    fraction: f64,
    rng: &mut R,
) -> (Vec<usize>, Vec<usize>) {
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &c) in y.iter().enumerate() {
        by_class[c].push(i);
    }
    let (mut first, mut second) = (Vec::with_capacity(y.len()), Vec::new());
    for members in &mut by_class {
        members.shuffle(rng);
        let n = members.len();
        let take = ((n as f64 * fraction).round() as usize).min(n.saturating_sub(1));
        second.extend_from_slice(&members[..take]);
        first.extend_from_slice(&members[take..]);
    }
    first.sort_unstable();
    second.sort_unstable();
    (first, second)
}

/// Rows for a stratified train/test split (scikit-learn's `train_test_split(…,
/// stratify=y)`): from every class, `test_fraction` of its samples (rounded, never all)
/// go to the test rows, drawn with `seed`. Returns (train rows, test rows), each ascending.
///
/// # Errors
/// [`Error::InvalidParameter`] unless `0 < test_fraction < 1`; [`Error::InvalidData`] if
/// either part would be empty.
///
/// # Examples
///
/// ```
/// use deepmultinet::estimator::train_test_split;
/// let labels = ["a", "a", "a", "a", "b", "b", "b", "b", "b", "b", "b", "b"];
/// let (train, test) = train_test_split(&labels, 0.25, 0)?;
/// assert_eq!((train.len(), test.len()), (9, 3)); // 1 of the 4 `a`s, 2 of the 8 `b`s
/// assert_eq!(test.iter().filter(|&&i| labels[i] == "a").count(), 1);
/// // Select the rows: x.select_rows(&train), or Dataset::select for columns.
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub fn train_test_split<C: Ord + Clone + Debug>(
    labels: &[C],
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    check::fraction("test_fraction", test_fraction)?;
    let mut classes: Vec<&C> = labels.iter().collect();
    classes.sort();
    classes.dedup();
    let y: Vec<usize> = labels
        .iter()
        .map(|l| classes.binary_search(&l).unwrap_or(0))
        .collect();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let (train, test) = stratified(&y, classes.len(), test_fraction, &mut rng);
    if train.is_empty() || test.is_empty() {
        return Err(Error::InvalidData(format!(
            "a test fraction of {test_fraction} of {} samples leaves one side empty; give more \
             samples or another fraction",
            labels.len()
        )));
    }
    Ok((train, test))
}

/// The early-stopping split: (training rows, validation rows).
///
/// # Errors
/// [`Error::InvalidData`] if no validation (or no training) sample is left.
pub(super) fn validation<C, R: Rng>(
    y: &[usize],
    encoder: &LabelEncoder<C>,
    fraction: f64,
    rng: &mut R,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let (train, val) = stratified(y, encoder.len(), fraction, rng);
    if train.is_empty() || val.is_empty() {
        return Err(Error::InvalidData(format!(
            "early stopping holds out validation_fraction = {fraction} of each class of {} \
             samples, which leaves no validation samples; turn early stopping off, raise \
             validation_fraction or give more samples",
            y.len()
        )));
    }
    Ok((train, val))
}
