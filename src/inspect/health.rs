//! Health of a network: weight histograms, activation statistics per layer, and prediction
//! confidence.
//!
//! * A [`Histogram`] has `bins` equal-width bins over `[min, max]` of the finite values (the
//!   last bin includes `max`); when every value is equal the range is `[v − ½, v + ½]`.
//! * [`ActivationStats`] per layer: mean, min and max over all units and samples, and the
//!   fraction of units that are zero on every sample (dead ReLUs).
//! * A [`Prediction`]'s confidence is the largest output (the winning class's probability for
//!   the cross-entropy heads); watching it over a sequence of samples — or over epochs on a
//!   fixed sample — shows how sure the network is.

use crate::error::Result;
use crate::loss::OutputLoss;
use crate::memory;
use crate::network::Network;
use crate::network::argmax;
use crate::scalar::Scalar;
use nalgebra::DMatrixView;

/// Counts of values in equal-width bins.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Weight layer the values come from (0 = `W_0`).
    pub layer: usize,
    /// `bins + 1` bin edges, increasing.
    pub edges: Vec<f64>,
    /// Values per bin.
    pub counts: Vec<usize>,
    /// Values left out because they are not finite.
    pub non_finite: usize,
}

impl Histogram {
    /// Total number of values counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }
}

/// A histogram of `values` with `bins` equal-width bins (tagged with `layer`).
///
/// ```
/// use deepmultinet::inspect::histogram;
/// let h = histogram([0.0, 0.1, 0.5, 0.9, 1.0].into_iter(), 2, 0).unwrap();
/// assert_eq!(h.edges, vec![0.0, 0.5, 1.0]);
/// assert_eq!(h.counts, vec![2, 3]);
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) if `bins == 0`;
/// [`Error::TooLarge`](crate::Error::TooLarge) if the `bins` counts and `bins + 1` edges
/// cannot be allocated (checked before any value is read).
pub fn histogram(
    values: impl Iterator<Item = f64> + Clone,
    bins: usize,
    layer: usize,
) -> Result<Histogram> {
    crate::check::at_least_one("bins", bins)?;
    let mut counts = memory::try_vec("histogram bins", bins, 0usize)?;
    let edge_count = bins.checked_add(1).ok_or_else(|| {
        memory::too_large("histogram edges", memory::bytes_of::<f64>(bins as u128 + 1))
    })?;
    let mut edges: Vec<f64> = memory::try_with_capacity("histogram edges", edge_count)?;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut non_finite = 0;
    for v in values.clone() {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        } else {
            non_finite += 1;
        }
    }
    if lo > hi {
        (lo, hi) = (-0.5, 0.5);
    } else if lo == hi {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let width = (hi - lo) / bins as f64;
    edges.extend((0..=bins).map(|i| if i == bins { hi } else { lo + width * i as f64 }));
    for v in values.filter(|v| v.is_finite()) {
        let b = (((v - lo) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    Ok(Histogram {
        layer,
        edges,
        counts,
        non_finite,
    })
}

/// A histogram of each layer's weights `W_l` (biases excluded) with `bins` bins.
///
/// # Errors
/// As [`histogram`].
pub fn weight_histograms<L: OutputLoss>(net: &Network<L>, bins: usize) -> Result<Vec<Histogram>> {
    (0..net.num_layers())
        .map(|l| {
            let w = net.weights(l)?;
            histogram(w.iter().map(|v| v.as_f64()), bins, l)
        })
        .collect()
}

/// Activation statistics of one layer over a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivationStats {
    /// Weight layer (0 = first hidden layer; the last is the output layer).
    pub layer: usize,
    /// Number of units.
    pub units: usize,
    /// Mean activation over units and samples.
    pub mean: f64,
    /// Smallest activation.
    pub min: f64,
    /// Largest activation.
    pub max: f64,
    /// Fraction of units whose activation is exactly 0 on every sample (dead ReLUs).
    pub dead_fraction: f64,
}

/// Mean, min, max and dead-unit fraction of every layer's activations on `x` (`inputs × m`).
///
/// # Errors
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) /
/// [`Error::EmptyBatch`](crate::Error::EmptyBatch) for a bad `x`.
pub fn activation_stats<'a, L: OutputLoss>(
    net: &Network<L>,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
) -> Result<Vec<ActivationStats>> {
    let x = x.into();
    net.check_batch(&x, "activation_stats")?;
    let layers = net.layer_activations(x)?;
    Ok(layers
        .iter()
        .enumerate()
        .map(|(l, a)| {
            let n = a.len() as f64;
            let mut sum = 0.0;
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for v in a.iter() {
                let v = v.as_f64();
                sum += v;
                lo = lo.min(v);
                hi = hi.max(v);
            }
            let dead = a
                .row_iter()
                .filter(|r| r.iter().all(|v| v.as_f64() == 0.0))
                .count();
            ActivationStats {
                layer: l,
                units: a.nrows(),
                mean: sum / n,
                min: lo,
                max: hi,
                dead_fraction: dead as f64 / a.nrows() as f64,
            }
        })
        .collect())
}

/// A sample's predicted class and how sure the network is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    /// Predicted class (largest output).
    pub class: usize,
    /// The largest output (its probability for cross-entropy heads).
    pub confidence: f64,
}

/// Predicted class and confidence (largest output) of every sample of `x`, in order.
///
/// # Errors
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) /
/// [`Error::EmptyBatch`](crate::Error::EmptyBatch) for a bad `x`.
pub fn predictions<'a, L: OutputLoss>(
    net: &Network<L>,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
) -> Result<Vec<Prediction>> {
    let p = net.predict_proba(x)?;
    Ok(p.column_iter()
        .map(|c| {
            let class = argmax(c.as_slice());
            Prediction {
                class,
                confidence: c[class].as_f64(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Relu;
    use crate::loss::SoftmaxCrossEntropy;
    use nalgebra::DMatrix;

    #[test]
    fn histogram_bins_and_edges() {
        let v = [-1.0, -0.5, 0.0, 0.25, 1.0, f64::NAN];
        let h = histogram(v.iter().copied(), 4, 3).unwrap();
        assert_eq!(h.edges, vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(h.counts, vec![1, 1, 2, 1]);
        assert_eq!(h.non_finite, 1);
        assert_eq!(h.total(), 5);
        let c = histogram([2.0, 2.0].into_iter(), 2, 0).unwrap();
        assert_eq!(c.edges, vec![1.5, 2.0, 2.5]);
        assert_eq!(c.counts, vec![0, 2]);
        assert!(matches!(
            histogram([1.0].into_iter(), 0, 0),
            Err(crate::Error::InvalidParameter { name: "bins", .. })
        ));
    }

    #[test]
    fn weight_histograms_count_weights_not_biases() {
        let net = Network::with_sizes(&[4, 3, 2], Relu, SoftmaxCrossEntropy::<f32>::new()).unwrap();
        let h = weight_histograms(&net, 5).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].total(), 12);
        assert_eq!(h[1].total(), 6);
    }

    #[test]
    fn activation_stats_and_confidence() {
        // Hidden ReLU unit 0 = relu(x0), unit 1 = relu(−x0) (dead on positive data).
        let mut net =
            Network::with_sizes(&[1, 2, 2], Relu, SoftmaxCrossEntropy::<f64>::new()).unwrap();
        {
            let mut w = net.weights_mut(0).unwrap();
            w[(0, 0)] = 1.0;
            w[(1, 0)] = -1.0;
        }
        net.weights_mut(1).unwrap()[(1, 0)] = 1.0;
        let x = DMatrix::from_row_slice(1, 3, &[1.0, 2.0, 3.0]);
        let s = activation_stats(&net, &x).unwrap();
        assert_eq!(s[0].units, 2);
        assert!((s[0].mean - 1.0).abs() < 1e-15); // (1+2+3+0+0+0)/6
        assert_eq!((s[0].min, s[0].max), (0.0, 3.0));
        assert_eq!(s[0].dead_fraction, 0.5);
        let p = predictions(&net, &x).unwrap();
        // logits (0, a) → class 1 with probability σ(a)
        for (pi, a) in p.iter().zip([1.0f64, 2.0, 3.0]) {
            assert_eq!(pi.class, 1);
            assert!((pi.confidence - 1.0 / (1.0 + (-a).exp())).abs() < 1e-12);
        }
    }
}
