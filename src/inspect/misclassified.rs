//! The samples the network gets wrong.

use crate::error::Result;
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::network::argmax;
use crate::scalar::Scalar;
use nalgebra::DMatrixView;

/// A misclassified sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Misclassified {
    /// Sample (column) index.
    pub index: usize,
    /// The true label.
    pub label: usize,
    /// The predicted class.
    pub predicted: usize,
    /// The output value of the predicted class (its probability for cross-entropy heads).
    pub confidence: f64,
}

/// The first `n` misclassified samples of `x` (`inputs × m`) in sample order, with true and
/// predicted labels — the "first 25 misclassified" grid takes `n = 25`.
///
/// # Errors
/// Shape and label errors as [`top_k_inputs`](super::top_k_inputs) (labels must be below the
/// network's number of outputs).
pub fn misclassified<'a, L: OutputLoss>(
    net: &Network<L>,
    x: impl Into<DMatrixView<'a, L::Scalar>>,
    labels: &[usize],
    n: usize,
) -> Result<Vec<Misclassified>> {
    let x = x.into();
    let m = net.check_batch(&x, "misclassified")?;
    super::check_labels(labels, m, net.outputs())?;
    let p = net.predict_proba(x)?;
    let mut out = Vec::new();
    for (i, (col, &label)) in p.column_iter().zip(labels).enumerate() {
        if out.len() >= n {
            break;
        }
        let predicted = argmax(col.as_slice());
        if predicted != label {
            out.push(Misclassified {
                index: i,
                label,
                predicted,
                confidence: col[predicted].as_f64(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Identity;
    use crate::loss::SoftmaxCrossEntropy;
    use nalgebra::DMatrix;

    #[test]
    fn lists_wrong_samples_in_order_with_labels() {
        // Output logits = x (identity hidden layer, identity weights): prediction = argmax x.
        let mut net =
            Network::with_sizes(&[2, 2, 2], Identity, SoftmaxCrossEntropy::<f64>::new()).unwrap();
        net.weights_mut(0).unwrap().fill_with_identity();
        net.weights_mut(1).unwrap().fill_with_identity();
        // predictions: 0, 1, 1, 0, 1
        let x = DMatrix::from_column_slice(2, 5, &[2., 0., 0., 2., 0., 3., 1., 0., 0., 1.]);
        let labels = [0, 0, 1, 1, 0];
        let wrong = misclassified(&net, &x, &labels, 25).unwrap();
        let got: Vec<(usize, usize, usize)> = wrong
            .iter()
            .map(|w| (w.index, w.label, w.predicted))
            .collect();
        assert_eq!(got, vec![(1, 0, 1), (3, 1, 0), (4, 0, 1)]);
        let e = std::f64::consts::E;
        assert!((wrong[0].confidence - e * e / (1.0 + e * e)).abs() < 1e-12);
        assert_eq!(misclassified(&net, &x, &labels, 2).unwrap().len(), 2);
    }
}
