//! ONNX export of a fitted [`Classifier`] (cargo feature `onnx`): the network as
//! [`io::onnx`](crate::io::onnx) writes it, with the scaler in front and class
//! probabilities at the end, so the model takes **raw** features and answers what
//! [`Classifier::predict_proba`] answers.

use super::classifier::Classifier;
use super::labels::StoredLabel;
use super::model::ClassifierNetwork;
use super::scaler::Scaling;
use crate::error::Result;
use crate::io::onnx::{Probabilities, Wrap, wrapped_to_bytes};
use std::path::Path;

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl<C: StoredLabel> Classifier<C> {
    /// The fitted classifier as the bytes of an ONNX model that takes **raw** features.
    ///
    /// The graph is [`io::onnx`](crate::io::onnx)'s (opset 13, float32, samples as rows:
    /// input `input` `[N, features]`, output `probabilities`), with the estimator's parts
    /// around the network:
    ///
    /// | part | ONNX |
    /// |---|---|
    /// | the scaler, `(x − offset) / scale` | `Sub` (initializer `scaler.offset`, `[features]`), then `Div` (`scaler.scale`), before the first `Gemm`; none for [`Scaling::None`] |
    /// | softmax outputs | `probabilities` `[N, classes]` as they are |
    /// | one sigmoid unit `p` (two classes) | `Sub(1, p)` and `Concat(axis = 1)`: `[1 − p, p]`, `[N, 2]` |
    /// | one-vs-all sigmoid units (a plain model file loaded) | `ReduceSum(axis = 1)` and `Div`: each row divided by its sum; `Greater` and `Where`: `1/K` for a row whose sum is 0 (its float32 sigmoids all underflow: logits below about −88 to −104, depending on the runtime), as ours gives for a sum of 0 |
    ///
    /// so `probabilities` are [`predict_proba`](Self::predict_proba)'s, columns in
    /// [`classes`](Self::classes) order, to float32 precision (the scaler's offsets and
    /// scales are rounded to float32 like the weights; dividing by the scale, not
    /// multiplying by its rounded inverse, keeps the scaled input within one float32
    /// rounding of ours). `metadata_props` add `estimator` = `classifier`,
    /// `estimator.classes` (a JSON array of the classes as text,
    /// [`StoredLabel::to_text`], as in the model files) and `estimator.scaling`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) before fitting, or for an
    /// activation without an ONNX operator (your own).
    ///
    /// # Examples
    ///
    /// ```
    /// use deepmultinet::estimator::Classifier;
    /// let x = nalgebra::DMatrix::from_row_slice(4, 1, &[0., 100., 200., 300.]);
    /// let mut clf = Classifier::builder().hidden(&[3]).max_epochs(5).build()?;
    /// clf.fit(&x, &["a", "a", "b", "b"])?;
    /// let bytes = clf.to_onnx()?; // takes raw x; the graph standardises it
    /// assert!(!bytes.is_empty());
    /// assert!(Classifier::<String>::default().to_onnx().is_err()); // not fitted
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    pub fn to_onnx(&self) -> Result<Vec<u8>> {
        let fit = self.fitted()?;
        let scaler = &fit.scaler;
        let classes: Vec<String> = fit
            .encoder
            .classes()
            .iter()
            .map(|c| json_string(&c.to_text()))
            .collect();
        let metadata = vec![
            ("estimator".to_string(), "classifier".to_string()),
            (
                "estimator.classes".to_string(),
                format!("[{}]", classes.join(",")),
            ),
            ("estimator.scaling".to_string(), scaler.kind().name().into()),
        ];
        let wrap = |probabilities| Wrap {
            scaler: (scaler.kind() != Scaling::None).then(|| (scaler.offset(), scaler.scale())),
            probabilities,
            metadata: metadata.clone(),
        };
        match &fit.network {
            ClassifierNetwork::Softmax(net) => wrapped_to_bytes(net, &wrap(Probabilities::AsIs)),
            ClassifierNetwork::Sigmoid(net) if net.outputs() == 1 => {
                wrapped_to_bytes(net, &wrap(Probabilities::BinaryPair))
            }
            ClassifierNetwork::Sigmoid(net) => {
                wrapped_to_bytes(net, &wrap(Probabilities::Normalise))
            }
        }
    }

    /// Writes [`to_onnx`](Self::to_onnx) to `path`, atomically (a temporary file in the
    /// same directory, renamed over `path`).
    ///
    /// # Errors
    /// As [`to_onnx`](Self::to_onnx); [`Error::Io`](crate::Error::Io) if the file cannot be
    /// written.
    pub fn save_onnx(&self, path: impl AsRef<Path>) -> Result<()> {
        let bytes = self.to_onnx()?;
        crate::files::write_atomic(path.as_ref(), &bytes)
    }
}
