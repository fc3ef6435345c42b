//! Class selectivity: does a unit fire for one class, or for a feature many classes share?
//!
//! For unit `j`, let `μ_c` be its mean activation over the samples of class `c` (classes with
//! no sample are left out; at least two classes must be present). With
//! `μ_max = max_c μ_c` (class `c*`) and `μ_rest` the mean of the other classes' means,
//!
//! ```text
//! SI_j = (μ_max − μ_rest) / (μ_max + μ_rest)
//! ```
//!
//! (Morcos et al. 2018). For non-negative activations (sigmoid, ReLU, softmax) `SI ∈ [0, 1]`:
//! 0 when every class gets the same mean, 1 when only class `c*` activates the unit.
//!
//! * **Negative activations** (tanh, leaky ReLU, ELU, identity): the index is only meaningful
//!   on a non-negative scale, so when some `μ_c < 0` all class means are first shifted by
//!   `−min_c μ_c` (the least-preferred class sits at 0). The shifted index still lies in
//!   `[0, 1]` but reads higher than it would on a natural zero; compare such units with each
//!   other, not with ReLU units.
//! * **Zero denominator**: `μ_max + μ_rest = 0` happens only when every (shifted) class mean
//!   is 0; the index is then 0.
//! * **Rule**: a unit whose activation is the same on every sample (within `1e-12` relative
//!   to its largest magnitude — a dead ReLU, a saturated sigmoid) is
//!   [`UnitPreference::Unresponsive`];
//!   otherwise it is [`UnitPreference::ClassSelective`] for `c*` when `SI ≥ threshold`
//!   (default [`CLASS_SELECTIVE_THRESHOLD`] = 0.5, i.e. `μ_max ≥ 3 μ_rest`: the favourite
//!   class excites it at least three times as much as the others on average), and
//!   [`UnitPreference::FeatureSelective`] below that: it responds to something several classes
//!   share (a stroke, an edge, a texture).

use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use nalgebra::{DMatrix, DMatrixView};

/// Default threshold on the selectivity index for calling a unit class-selective (0.5).
pub const CLASS_SELECTIVE_THRESHOLD: f64 = 0.5;

/// What a unit prefers, by the rule in the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitPreference {
    /// Selectivity index ≥ threshold: the unit fires mainly for `class`.
    ClassSelective {
        /// The preferred class `c*`.
        class: usize,
    },
    /// Selectivity index < threshold: the unit responds to a feature several classes share.
    FeatureSelective,
    /// The activation is the same on every sample (dead or saturated unit).
    Unresponsive,
}

/// One unit's class means and selectivity.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitSelectivity {
    /// Unit index within the layer.
    pub unit: usize,
    /// Mean activation per class (`NaN` for a class with no sample).
    pub class_means: Vec<f64>,
    /// The class with the largest mean, `c*`.
    pub preferred_class: usize,
    /// Selectivity index `(μ_max − μ_rest)/(μ_max + μ_rest)`.
    pub index: f64,
    /// The call made from the index.
    pub preference: UnitPreference,
}

/// Class selectivity of every unit of one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassSelectivity {
    /// Number of classes.
    pub classes: usize,
    /// Samples per class in the data used.
    pub class_counts: Vec<usize>,
    /// Threshold used for the class-selective call.
    pub threshold: f64,
    /// One entry per unit.
    pub units: Vec<UnitSelectivity>,
}

impl ClassSelectivity {
    /// The class means as a `units × classes` matrix (the heatmap's data).
    pub fn means_matrix(&self) -> DMatrix<f64> {
        DMatrix::from_fn(self.units.len(), self.classes, |u, c| {
            self.units[u]
                .class_means
                .get(c)
                .copied()
                .unwrap_or(f64::NAN)
        })
    }
    /// The selectivity index of every unit.
    pub fn indices(&self) -> Vec<f64> {
        self.units.iter().map(|u| u.index).collect()
    }
    /// Units called class-selective, with their class.
    pub fn class_selective_units(&self) -> Vec<(usize, usize)> {
        self.units
            .iter()
            .filter_map(|u| match u.preference {
                UnitPreference::ClassSelective { class } => Some((u.unit, class)),
                _ => None,
            })
            .collect()
    }
}

/// The selectivity index of one unit from its class means (`NaN` entries — classes with no
/// sample — are skipped). Returns `(index, c*)`, or `None` if fewer than two classes have a
/// finite mean.
///
/// ```
/// use deepmultinet::inspect::selectivity_index;
/// // μ_max = 0.9 (class 2), μ_rest = (0.1 + 0.2)/2 = 0.15 → (0.75)/(1.05)
/// let (si, c) = selectivity_index(&[0.1, 0.2, 0.9]).unwrap();
/// assert_eq!(c, 2);
/// assert!((si - 0.75 / 1.05).abs() < 1e-12);
/// assert_eq!(selectivity_index(&[0.5, 0.5]).unwrap().0, 0.0);
/// ```
pub fn selectivity_index(class_means: &[f64]) -> Option<(f64, usize)> {
    let present: Vec<(usize, f64)> = class_means
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, m)| m.is_finite())
        .collect();
    if present.len() < 2 {
        return None;
    }
    let min = present.iter().fold(f64::INFINITY, |a, &(_, m)| a.min(m));
    let shift = if min < 0.0 { -min } else { 0.0 };
    let (best, mu_max) =
        present
            .iter()
            .fold((present[0].0, f64::NEG_INFINITY), |(bc, bm), &(c, m)| {
                if m > bm { (c, m) } else { (bc, bm) }
            });
    let mu_max = mu_max + shift;
    let rest: f64 = present
        .iter()
        .filter(|(c, _)| *c != best)
        .map(|&(_, m)| m + shift)
        .sum::<f64>()
        / (present.len() - 1) as f64;
    let den = mu_max + rest;
    let si = if den > 0.0 {
        (mu_max - rest) / den
    } else {
        0.0
    };
    Some((si, best))
}

/// Class means, selectivity index and class-/feature-selective call for every unit of
/// `layer` (0 = first hidden layer), from the samples of `x` (`inputs × m`) and their labels
/// (`< classes`), with the default threshold.
///
/// # Errors
/// Shape, label and layer errors as [`top_k_inputs`](super::top_k_inputs);
/// [`Error::InvalidConfig`] if fewer than two classes have samples; as
/// [`selectivity_from_activations`] for `classes` (checked before the forward pass).
pub fn class_selectivity<'a, L: OutputLoss>(
    net: &Network<L>,
    layer: usize,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
    labels: &[usize],
    classes: usize,
) -> Result<ClassSelectivity> {
    crate::data::check_class_count("classes", classes)?;
    let acts =
        super::labelled_layer_output(net, layer, x.into(), labels, classes, "class_selectivity")?;
    selectivity_from_activations(acts.as_view(), labels, classes, CLASS_SELECTIVE_THRESHOLD)
}

/// [`class_selectivity`] from a precomputed activation matrix (`units × m`) and a chosen
/// threshold.
///
/// # Errors
/// [`Error::ShapeMismatch`] / [`Error::LabelOutOfRange`] for bad labels;
/// [`Error::InvalidConfig`] if fewer than two classes have samples;
/// [`Error::InvalidParameter`] if the threshold is not in `[0, 1]` or `classes` is 0;
/// [`Error::TooManyClasses`] if `classes` is above [`MAX_CLASSES`](crate::data::MAX_CLASSES).
pub fn selectivity_from_activations<T: Scalar>(
    acts: DMatrixView<'_, T>,
    labels: &[usize],
    classes: usize,
    threshold: f64,
) -> Result<ClassSelectivity> {
    super::check_labels(labels, acts.ncols(), classes)?;
    crate::data::check_class_count("classes", classes)?;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(crate::check::invalid("threshold", threshold, "in [0, 1]"));
    }
    let mut counts = vec![0usize; classes];
    for &l in labels {
        counts[l] += 1;
    }
    if counts.iter().filter(|&&c| c > 0).count() < 2 {
        return Err(Error::InvalidConfig(
            "class selectivity needs samples of at least two classes".into(),
        ));
    }
    let mut units = Vec::with_capacity(acts.nrows());
    for j in 0..acts.nrows() {
        let mut sums = vec![0.0f64; classes];
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (i, &l) in labels.iter().enumerate() {
            let a = acts[(j, i)].as_f64();
            sums[l] += a;
            lo = lo.min(a);
            hi = hi.max(a);
        }
        let means: Vec<f64> = sums
            .iter()
            .zip(&counts)
            .map(|(&s, &n)| if n > 0 { s / n as f64 } else { f64::NAN })
            .collect();
        let (index, preferred) = selectivity_index(&means).unwrap_or((0.0, 0));
        let scale = lo.abs().max(hi.abs());
        let varies = hi - lo > 1e-12 * scale;
        let preference = if !varies || !index.is_finite() {
            UnitPreference::Unresponsive
        } else if index >= threshold {
            UnitPreference::ClassSelective { class: preferred }
        } else {
            UnitPreference::FeatureSelective
        };
        units.push(UnitSelectivity {
            unit: j,
            class_means: means,
            preferred_class: preferred,
            index: if index.is_finite() { index } else { 0.0 },
            preference,
        });
    }
    Ok(ClassSelectivity {
        classes,
        class_counts: counts,
        threshold,
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Sigmoid;
    use crate::loss::SoftmaxCrossEntropy;

    #[test]
    fn unit_firing_for_one_class_is_near_one_and_uniform_unit_near_zero() {
        // Inputs: one-hot class indicators (3 classes, 30 samples), a constant 1, and x_4
        // varying within each class but taking the same values in every class.
        // Unit 0: sigmoid(20·x_class1 − 10) fires ≈1 for class 1, ≈0 otherwise.
        // Unit 1: sigmoid(5·x_const) is the same on every sample (unresponsive).
        // Unit 2: sigmoid(x_4) responds, but equally for all classes.
        let classes = 3;
        let m = 30;
        let labels: Vec<usize> = (0..m).map(|i| i % classes).collect();
        let mut x = DMatrix::<f64>::zeros(5, m);
        for (i, &l) in labels.iter().enumerate() {
            x[(l, i)] = 1.0;
            x[(3, i)] = 1.0;
            x[(4, i)] = ((i / classes) % 5) as f64 - 2.0;
        }
        let mut net =
            Network::with_sizes(&[5, 3, 3], Sigmoid, SoftmaxCrossEntropy::<f64>::new()).unwrap();
        {
            let mut w = net.weights_mut(0).unwrap();
            w[(0, 1)] = 20.0;
            w[(1, 3)] = 5.0;
            w[(2, 4)] = 1.0;
        }
        net.params_mut()[0] = -10.0; // bias of unit 0
        let s = class_selectivity(&net, 0, &x, &labels, classes).unwrap();
        assert_eq!(s.class_counts, vec![10, 10, 10]);
        let u0 = &s.units[0];
        assert_eq!(u0.preferred_class, 1);
        assert!(u0.index > 0.999, "SI {}", u0.index);
        assert_eq!(u0.preference, UnitPreference::ClassSelective { class: 1 });
        // independent expectation: σ(10) vs σ(−10)
        let (hi, lo) = (1.0 / (1.0 + (-10f64).exp()), 1.0 / (1.0 + 10f64.exp()));
        assert!((u0.index - (hi - lo) / (hi + lo)).abs() < 1e-12);
        let u1 = &s.units[1];
        assert!(u1.index.abs() < 1e-12, "SI {}", u1.index);
        assert_eq!(u1.preference, UnitPreference::Unresponsive);
        let u2 = &s.units[2];
        assert!(u2.index.abs() < 1e-12, "SI {}", u2.index);
        assert_eq!(u2.preference, UnitPreference::FeatureSelective);
        assert_eq!(s.class_selective_units(), vec![(0, 1)]);
        assert_eq!(s.means_matrix().shape(), (3, 3));
    }

    #[test]
    fn feature_unit_shared_by_two_classes_is_feature_selective() {
        // means 1, 1, 0 → μ_max = 1, μ_rest = 0.5 → SI = 1/3 < 0.5
        let (si, _) = selectivity_index(&[1.0, 1.0, 0.0]).unwrap();
        assert!((si - 1.0 / 3.0).abs() < 1e-12);
        let acts = DMatrix::from_row_slice(1, 3, &[1.0f64, 1.0, 0.0]);
        let s = selectivity_from_activations(acts.as_view(), &[0, 1, 2], 3, 0.5).unwrap();
        assert_eq!(s.units[0].preference, UnitPreference::FeatureSelective);
    }

    #[test]
    fn negative_means_are_shifted_and_missing_classes_skipped() {
        // tanh-like means −1, −1, 1 → shifted 0, 0, 2 → SI = 1
        let (si, c) = selectivity_index(&[-1.0, -1.0, 1.0]).unwrap();
        assert_eq!((si, c), (1.0, 2));
        // class 1 absent
        let (si, c) = selectivity_index(&[0.2, f64::NAN, 0.6]).unwrap();
        assert_eq!(c, 2);
        assert!((si - 0.4 / 0.8).abs() < 1e-12);
        assert!(selectivity_index(&[0.3, f64::NAN]).is_none());
        assert_eq!(selectivity_index(&[0.0, 0.0, 0.0]).unwrap().0, 0.0);
        let acts = DMatrix::from_row_slice(1, 2, &[1.0f64, 2.0]);
        assert!(matches!(
            selectivity_from_activations(acts.as_view(), &[0, 0], 2, 0.5),
            Err(Error::InvalidConfig(_))
        ));
        assert!(matches!(
            selectivity_from_activations(acts.as_view(), &[0, 1], 2, 1.5),
            Err(Error::InvalidParameter { name: "threshold", value, expected: "in [0, 1]" })
                if value == 1.5
        ));
    }
}
