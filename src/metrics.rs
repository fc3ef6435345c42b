//! Classification metrics: the confusion matrix and what follows from it.
//!
//! `C[t][p]` counts samples of true class `t` predicted as `p` (rows are truth, columns are
//! predictions). From it, for class `c`:
//!
//! * recall (the per-class accuracy) `= C[c][c] / Σ_p C[c][p]` — how many of the class were found;
//! * precision `= C[c][c] / Σ_t C[t][c]` — how many predictions of the class were right;
//! * F1 `= 2·precision·recall / (precision + recall)`;
//! * accuracy `= Σ_c C[c][c] / Σ C`.
//!
//! A ratio with a zero denominator (no sample of the class, never predicted) is 0, as
//! scikit-learn's `zero_division=0`. The row-normalised matrix divides each row by its sum
//! (all-zero rows stay 0).
//!
//! # Examples
//!
//! ```
//! use deepmultinet::metrics::ConfusionMatrix;
//! let cm = ConfusionMatrix::from_labels(&[0, 0, 1, 1, 2], &[0, 1, 1, 1, 0], 3)?;
//! assert_eq!(cm.count(0, 1), 1);
//! assert_eq!(cm.accuracy(), 3.0 / 5.0);
//! assert_eq!(cm.recall(1), 1.0);
//! assert_eq!(cm.precision(1), 2.0 / 3.0);
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::memory;
use crate::network::Network;
use crate::targets::check_labels;
use nalgebra::{DMatrix, DMatrixView};

/// Counts of (true class, predicted class) pairs, with class names.
///
/// With the `serde` feature it serialises as `{"classes": K, "names": [...], "counts": [[...],
/// ...]}` (`counts[t][p]`, rows are truth), and deserialising checks that every row has `K`
/// counts and there are `K` names.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(into = "ConfusionMatrixData", try_from = "ConfusionMatrixData")
)]
pub struct ConfusionMatrix {
    classes: usize,
    names: Vec<String>,
    /// `counts[t * classes + p]`.
    counts: Vec<usize>,
}

impl ConfusionMatrix {
    /// Counts `(truth[i], predicted[i])` pairs; class names default to `"0"`, `"1"`, ....
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the slices differ in length; [`Error::LabelOutOfRange`]
    /// for a label or prediction `≥ classes` (the labels are checked first);
    /// [`Error::InvalidParameter`] if `classes == 0`; [`Error::TooManyClasses`] above
    /// [`MAX_CLASSES`](crate::data::MAX_CLASSES); [`Error::TooLarge`] if the
    /// `classes × classes` table cannot be allocated (34 GB at the limit).
    pub fn from_labels(truth: &[usize], predicted: &[usize], classes: usize) -> Result<Self> {
        crate::data::check_class_count("classes", classes)?;
        if truth.len() != predicted.len() {
            return Err(Error::shape(
                "confusion matrix: predictions (number of labels)",
                truth.len(),
                predicted.len(),
            ));
        }
        check_labels(truth, classes)?;
        check_labels(predicted, classes)?;
        const WHAT: &str = "confusion matrix";
        let cells = memory::product::<usize>(WHAT, classes, classes)?;
        let mut counts = memory::try_vec(WHAT, cells, 0usize)?;
        for (&t, &p) in truth.iter().zip(predicted) {
            counts[t * classes + p] += 1;
        }
        Ok(ConfusionMatrix {
            classes,
            names: (0..classes).map(|c| c.to_string()).collect(),
            counts,
        })
    }

    /// The confusion matrix of `net`'s predictions on `x` (`inputs × m`) against `labels`,
    /// with as many classes as the network has outputs.
    ///
    /// # Errors
    /// As [`Network::predict`] and [`from_labels`](Self::from_labels).
    pub fn from_network<'a, L: OutputLoss>(
        net: &Network<L>,
        x: impl Into<DMatrixView<'a, L::Scalar>>,
        labels: &[usize],
    ) -> Result<Self> {
        let pred = net.predict(x)?;
        Self::from_labels(labels, &pred, net.outputs())
    }

    /// Sets the class names (e.g. Fashion-MNIST's "T-shirt/top", "Trouser", ...).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if there is not one name per class.
    pub fn with_names<S: ToString>(mut self, names: &[S]) -> Result<Self> {
        if names.len() != self.classes {
            return Err(Error::shape(
                "confusion matrix: class names",
                self.classes,
                names.len(),
            ));
        }
        self.names = names.iter().map(|n| n.to_string()).collect();
        Ok(self)
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }
    /// Class names.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// Samples of class `truth` predicted as `predicted` (0 outside the matrix).
    pub fn count(&self, truth: usize, predicted: usize) -> usize {
        if truth < self.classes && predicted < self.classes {
            self.counts[truth * self.classes + predicted]
        } else {
            0
        }
    }
    /// The counts as a `classes × classes` matrix (rows truth, columns prediction).
    pub fn counts(&self) -> DMatrix<usize> {
        DMatrix::from_fn(self.classes, self.classes, |t, p| self.count(t, p))
    }
    /// Number of samples counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }
    /// Samples of class `c` (row sum).
    pub fn support(&self, c: usize) -> usize {
        (0..self.classes).map(|p| self.count(c, p)).sum()
    }
    /// Samples predicted as `c` (column sum).
    pub fn predicted_count(&self, c: usize) -> usize {
        (0..self.classes).map(|t| self.count(t, c)).sum()
    }
    /// Fraction of samples on the diagonal (0 for an empty matrix).
    pub fn accuracy(&self) -> f64 {
        ratio(
            (0..self.classes).map(|c| self.count(c, c)).sum(),
            self.total(),
        )
    }
    /// Each row divided by its sum (rows with no samples stay 0).
    pub fn row_normalized(&self) -> DMatrix<f64> {
        DMatrix::from_fn(self.classes, self.classes, |t, p| {
            ratio(self.count(t, p), self.support(t))
        })
    }
    /// Recall of class `c`: `C[c][c] / support(c)`.
    pub fn recall(&self, c: usize) -> f64 {
        ratio(self.count(c, c), self.support(c))
    }
    /// Precision of class `c`: `C[c][c] / predicted_count(c)`.
    pub fn precision(&self, c: usize) -> f64 {
        ratio(self.count(c, c), self.predicted_count(c))
    }
    /// F1 score of class `c` (0 when precision and recall are both 0).
    pub fn f1(&self, c: usize) -> f64 {
        let (p, r) = (self.precision(c), self.recall(c));
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
    /// Per-class accuracy (= recall) of every class.
    pub fn per_class_accuracy(&self) -> Vec<f64> {
        (0..self.classes).map(|c| self.recall(c)).collect()
    }
    /// Unweighted mean of the per-class F1 scores.
    pub fn macro_f1(&self) -> f64 {
        (0..self.classes).map(|c| self.f1(c)).sum::<f64>() / self.classes as f64
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// The serialised form of a [`ConfusionMatrix`]: the counts as rows.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfusionMatrixData {
    classes: usize,
    names: Vec<String>,
    counts: Vec<Vec<usize>>,
}

#[cfg(feature = "serde")]
impl From<ConfusionMatrix> for ConfusionMatrixData {
    fn from(cm: ConfusionMatrix) -> Self {
        let k = cm.classes;
        ConfusionMatrixData {
            classes: k,
            counts: cm.counts.chunks(k.max(1)).map(<[usize]>::to_vec).collect(),
            names: cm.names,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<ConfusionMatrixData> for ConfusionMatrix {
    type Error = Error;
    fn try_from(d: ConfusionMatrixData) -> Result<Self> {
        crate::check::at_least_one("classes", d.classes)?;
        let k = d.classes;
        if d.counts.len() != k {
            return Err(Error::shape(
                "confusion matrix: rows of counts",
                k,
                d.counts.len(),
            ));
        }
        if let Some(row) = d.counts.iter().find(|r| r.len() != k) {
            return Err(Error::shape(
                "confusion matrix: counts per row",
                k,
                row.len(),
            ));
        }
        ConfusionMatrix {
            classes: k,
            names: (0..k).map(|c| c.to_string()).collect(),
            counts: d.counts.concat(),
        }
        .with_names(&d.names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_scores_on_a_hand_made_example() {
        // truth:     0 0 0 1 1 2 2 2 2
        // predicted: 0 0 1 1 2 2 2 0 2
        let t = [0, 0, 0, 1, 1, 2, 2, 2, 2];
        let p = [0, 0, 1, 1, 2, 2, 2, 0, 2];
        let cm = ConfusionMatrix::from_labels(&t, &p, 4)
            .unwrap()
            .with_names(&["a", "b", "c", "d"])
            .unwrap();
        #[rustfmt::skip]
        let expected = DMatrix::from_row_slice(4, 4, &[
            2, 1, 0, 0,
            0, 1, 1, 0,
            1, 0, 3, 0,
            0, 0, 0, 0,
        ]);
        assert_eq!(cm.counts(), expected);
        assert_eq!(cm.total(), 9);
        assert_eq!(cm.accuracy(), 6.0 / 9.0);
        assert_eq!(cm.recall(0), 2.0 / 3.0);
        assert_eq!(cm.precision(0), 2.0 / 3.0);
        assert_eq!(cm.recall(2), 3.0 / 4.0);
        assert_eq!(cm.precision(2), 3.0 / 4.0);
        assert_eq!(cm.precision(1), 0.5);
        assert_eq!(cm.f1(1), 0.5);
        // class d: no samples, never predicted → 0 by convention
        assert_eq!((cm.recall(3), cm.precision(3), cm.f1(3)), (0.0, 0.0, 0.0));
        let rn = cm.row_normalized();
        assert_eq!(rn[(2, 0)], 0.25);
        assert_eq!(rn.row(3).sum(), 0.0);
        assert_eq!(cm.names()[2], "c");
        assert_eq!(cm.per_class_accuracy(), vec![2.0 / 3.0, 0.5, 0.75, 0.0]);
        let f1 = [2.0 / 3.0, 0.5, 0.75, 0.0];
        assert!((cm.macro_f1() - f1.iter().sum::<f64>() / 4.0).abs() < 1e-15);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(ConfusionMatrix::from_labels(&[0, 1], &[0], 2).is_err());
        // A bad prediction; a bad truth label, reported before a bad prediction.
        for (truth, predicted, bad) in [([0, 1], [0, 2], 2), ([0, 3], [2, 0], 3)] {
            assert!(matches!(
                ConfusionMatrix::from_labels(&truth, &predicted, 2),
                Err(Error::LabelOutOfRange { label, index: 1, classes: 2 }) if label == bad
            ));
        }
        assert!(matches!(
            ConfusionMatrix::from_labels(&[], &[], 0),
            Err(Error::InvalidParameter {
                name: "classes",
                ..
            })
        ));
        let cm = ConfusionMatrix::from_labels(&[0], &[0], 2).unwrap();
        assert!(cm.clone().with_names(&["x"]).is_err());
        assert_eq!(cm.count(5, 0), 0);
    }
}
