//! The samples that excite each unit most.
//!
//! For unit `j` of a layer, the `k` samples with the largest activation `a_j`, largest first
//! (ties broken by the smaller sample index; `NaN` activations never rank). Each comes with its
//! sample index, its label and the activation — what the course's "top-activating inputs"
//! pictures and Nielsen-style "what does this neuron respond to" plots show.

use crate::error::Result;
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use nalgebra::DMatrixView;
use std::cmp::Ordering;

/// The default number of top inputs per unit (8).
pub const DEFAULT_TOP_K: usize = 8;

/// One of a unit's top-activating samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopInput {
    /// Sample (column) index in the batch.
    pub index: usize,
    /// The sample's label.
    pub label: usize,
    /// The unit's activation on it.
    pub activation: f64,
}

/// A unit's top-activating samples, largest activation first.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitTopInputs {
    /// Unit index within the layer.
    pub unit: usize,
    /// Up to `k` samples.
    pub inputs: Vec<TopInput>,
}

/// For every unit of `layer` (0 = first hidden layer), the `k` samples of `x` (`inputs × m`)
/// with the largest activation, with their labels. Use [`DEFAULT_TOP_K`] for `k` unless you
/// have a reason not to; fewer than `k` are returned when `m < k`.
///
/// # Errors
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) /
/// [`Error::EmptyBatch`](crate::Error::EmptyBatch) for a bad `x` or label count,
/// [`Error::LabelOutOfRange`](crate::Error::LabelOutOfRange) for a label `≥ classes`,
/// [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange) for a bad layer.
pub fn top_k_inputs<'a, L: OutputLoss>(
    net: &Network<L>,
    layer: usize,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
    labels: &[usize],
    classes: usize,
    k: usize,
) -> Result<Vec<UnitTopInputs>> {
    let acts = super::labelled_layer_output(net, layer, x.into(), labels, classes, "top_k_inputs")?;
    top_k_from_activations(acts.as_view(), labels, k)
}

/// [`top_k_inputs`] from a precomputed activation matrix `acts` (`units × m`, samples are
/// columns), e.g. one entry of [`Network::layer_activations`].
///
/// ```
/// use deepmultinet::inspect::top_k_from_activations;
/// // 1 unit, 4 samples.
/// let acts = nalgebra::DMatrix::from_row_slice(1, 4, &[0.1, 0.9, 0.5, 0.7]);
/// let top = top_k_from_activations(acts.as_view(), &[3, 1, 4, 1], 2).unwrap();
/// let idx: Vec<usize> = top[0].inputs.iter().map(|t| t.index).collect();
/// assert_eq!(idx, vec![1, 3]);
/// assert_eq!(top[0].inputs[0].label, 1);
/// ```
///
/// # Errors
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if `labels.len() != m`.
pub fn top_k_from_activations<T: Scalar>(
    acts: DMatrixView<'_, T>,
    labels: &[usize],
    k: usize,
) -> Result<Vec<UnitTopInputs>> {
    super::check_labels(labels, acts.ncols(), usize::MAX)?;
    let mut order: Vec<usize> = Vec::with_capacity(acts.ncols());
    let mut out = Vec::with_capacity(acts.nrows());
    for j in 0..acts.nrows() {
        let row = acts.row(j);
        let a = |i: usize| row[i].as_f64();
        order.clear();
        order.extend((0..acts.ncols()).filter(|&i| !a(i).is_nan()));
        let cmp = |p: &usize, q: &usize| {
            a(*q)
                .partial_cmp(&a(*p))
                .unwrap_or(Ordering::Equal)
                .then(p.cmp(q))
        };
        let kk = k.min(order.len());
        if kk > 0 && kk < order.len() {
            order.select_nth_unstable_by(kk - 1, cmp);
        }
        order.truncate(kk);
        order.sort_by(cmp);
        out.push(UnitTopInputs {
            unit: j,
            inputs: order
                .iter()
                .map(|&i| TopInput {
                    index: i,
                    label: labels[i],
                    activation: a(i),
                })
                .collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Relu;
    use crate::loss::SoftmaxCrossEntropy;
    use nalgebra::DMatrix;

    #[test]
    fn picks_the_right_indices_on_constructed_data() {
        // Unit 0 activation = sample index (ascending); unit 1 = 100 − index; unit 2 peaks
        // at samples 7 and 3 with a tie at 13 and 3.
        let m = 20;
        let mut acts = DMatrix::<f64>::zeros(3, m);
        for i in 0..m {
            acts[(0, i)] = i as f64;
            acts[(1, i)] = 100.0 - i as f64;
        }
        acts[(2, 7)] = 5.0;
        acts[(2, 3)] = 2.0;
        acts[(2, 13)] = 2.0;
        acts[(2, 9)] = f64::NAN;
        let labels: Vec<usize> = (0..m).map(|i| i % 10).collect();
        let top = top_k_from_activations(acts.as_view(), &labels, 3).unwrap();
        let idx = |u: usize| top[u].inputs.iter().map(|t| t.index).collect::<Vec<_>>();
        assert_eq!(idx(0), vec![19, 18, 17]);
        assert_eq!(idx(1), vec![0, 1, 2]);
        assert_eq!(idx(2), vec![7, 3, 13]);
        assert_eq!(top[0].inputs[0].label, 9);
        assert_eq!(top[1].inputs[2].activation, 98.0);
        // k larger than m returns every non-NaN sample.
        let all = top_k_from_activations(acts.as_view(), &labels, 50).unwrap();
        assert_eq!(all[0].inputs.len(), 20);
        assert_eq!(all[2].inputs.len(), 19);
    }

    #[test]
    fn through_a_network_uses_that_layers_activations() {
        // 2 inputs → 2 ReLU units: unit 0 = relu(x0), unit 1 = relu(x1).
        let mut net =
            Network::with_sizes(&[2, 2, 2], Relu, SoftmaxCrossEntropy::<f64>::new()).unwrap();
        net.weights_mut(0)
            .unwrap()
            .copy_from(&DMatrix::identity(2, 2));
        let x = DMatrix::from_column_slice(2, 4, &[1., 0., 3., 1., 0., 5., 2., 2.]);
        let top = top_k_inputs(&net, 0, &x, &[0, 1, 0, 1], 2, 2).unwrap();
        assert_eq!(top[0].inputs[0].index, 1);
        assert_eq!(top[0].inputs[1].index, 3);
        assert_eq!(top[1].inputs[0].index, 2);
        assert_eq!(top[1].inputs[1].index, 3);
        assert!(matches!(
            top_k_inputs(&net, 0, &x, &[0, 1, 0, 2], 2, 2),
            Err(crate::Error::LabelOutOfRange {
                label: 2,
                index: 3,
                classes: 2
            })
        ));
        assert!(matches!(
            top_k_inputs(&net, 2, &x, &[0, 1, 0, 1], 2, 2),
            Err(crate::Error::IndexOutOfRange {
                what: "layer",
                index: 2,
                len: 2
            })
        ));
    }
}
