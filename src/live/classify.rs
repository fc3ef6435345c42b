//! Classifying with the page open: [`Dashboard::show_sample`] sends the seven panels of one
//! sample, [`Dashboard::classify`] steps through samples at a chosen rate. The dashboard
//! keeps the confusion matrix of the samples shown and the confidence of the last
//! [`RECENT`] predictions (until [`Dashboard::reset_samples`]).

use super::events::{self, Obj};
use super::{Dashboard, snapshot};
use crate::error::{Error, Result};
use crate::inspect::Prediction;
use crate::loss::OutputLoss;
use crate::network::{Network, Workspace};
use crate::scalar::Scalar;
use nalgebra::{DMatrix, DMatrixView, DVectorView};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Predictions whose confidence panel 7 shows.
pub(crate) const RECENT: usize = 50;

/// What [`Dashboard::classify`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassifyReport {
    /// Samples shown.
    pub samples: usize,
    /// Of them, predicted as their label.
    pub correct: usize,
    /// Wall time, seconds.
    pub seconds: f64,
}

impl ClassifyReport {
    /// `correct / samples` (0 when nothing was shown).
    ///
    /// ```
    /// let r = deepmultinet::live::ClassifyReport { samples: 4, correct: 3, seconds: 2.0 };
    /// assert_eq!(r.accuracy(), 0.75);
    /// ```
    pub fn accuracy(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            self.correct as f64 / self.samples as f64
        }
    }
}

/// The classification panels' state.
#[derive(Debug)]
pub(crate) struct SampleState<T> {
    ws: Option<Workspace<T>>,
    x: DMatrix<T>,
    classes: usize,
    /// `counts[truth * classes + predicted]`.
    counts: Vec<usize>,
    recent: VecDeque<(f64, bool)>,
    shown: usize,
}

impl<T: Scalar> Default for SampleState<T> {
    fn default() -> Self {
        SampleState {
            ws: None,
            x: DMatrix::zeros(0, 1),
            classes: 0,
            counts: Vec::new(),
            recent: VecDeque::with_capacity(RECENT),
            shown: 0,
        }
    }
}

impl<T: Scalar> SampleState<T> {
    fn reset(&mut self, classes: usize) {
        self.classes = classes;
        self.counts = vec![0; classes * classes];
        self.recent.clear();
        self.shown = 0;
    }

    fn record(&mut self, classes: usize, label: usize, predicted: usize, confidence: f64) {
        if self.classes != classes {
            self.reset(classes);
        }
        self.counts[label * classes + predicted] += 1;
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back((confidence, label == predicted));
        self.shown += 1;
    }

    fn correct(&self) -> usize {
        (0..self.classes)
            .map(|c| self.counts[c * self.classes + c])
            .sum()
    }
}

impl<T: Scalar> Dashboard<T> {
    /// Classifies one sample `x` (its `inputs` features, e.g. `x.column(j)` of a data set)
    /// with `net`, counts it against `label` and sends the seven panels to the pages.
    ///
    /// ```
    /// use deepmultinet::live::Dashboard;
    /// use deepmultinet::prelude::*;
    /// let net = Network::with_sizes(&[4, 3, 2], Relu, SoftmaxCrossEntropy::<f64>::new())?;
    /// let mut dash = Dashboard::new(Default::default())?;
    /// let x = nalgebra::DMatrix::from_element(4, 1, 0.5);
    /// let p = dash.show_sample(&net, x.column(0), 1)?;
    /// assert_eq!((p.class, p.confidence), (0, 0.5)); // θ = 0: a tie, class 0 wins
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `x` does not have one value per input;
    /// [`Error::LabelOutOfRange`] if `label` is not below the outputs.
    pub fn show_sample<L: OutputLoss<Scalar = T>>(
        &mut self,
        net: &Network<L>,
        x: DVectorView<'_, T>,
        label: usize,
    ) -> Result<Prediction> {
        if x.len() != net.inputs() {
            return Err(Error::shape(
                "live dashboard: sample features (network inputs)",
                net.inputs(),
                x.len(),
            ));
        }
        let classes = net.outputs();
        if label >= classes {
            return Err(Error::LabelOutOfRange {
                label,
                index: self.samples.shown,
                classes,
            });
        }
        let s = &mut self.samples;
        if s.x.nrows() != x.len() {
            s.x = DMatrix::zeros(x.len(), 1);
        }
        s.x.column_mut(0).copy_from(&x);
        let ws = s.ws.get_or_insert_with(|| net.workspace(1));
        let pass = snapshot::forward_one(net, ws, s.x.as_view())?;
        let (predicted, confidence) = (pass.predicted, pass.confidence());
        s.record(classes, label, predicted, confidence);
        let msg = self.sample_message(net, &pass, label)?;
        self.hub.publish(&msg);
        Ok(Prediction {
            class: predicted,
            confidence,
        })
    }

    /// Steps through the first `samples` columns of `x` (all of them if fewer) with their
    /// `labels`, showing each with [`show_sample`](Self::show_sample), `rate` samples per
    /// second (`f64::INFINITY`: no pause).
    ///
    /// ```
    /// use deepmultinet::live::Dashboard;
    /// use deepmultinet::prelude::*;
    /// let net = Network::with_sizes(&[2, 3, 2], Relu, SoftmaxCrossEntropy::<f64>::new())?;
    /// let mut dash = Dashboard::new(Default::default())?;
    /// let x = nalgebra::DMatrix::from_element(2, 5, 1.0);
    /// let report = dash.classify(&net, &x, &[0, 0, 1, 1, 0], 100.0, 3)?; // 3 samples, 20 ms
    /// assert_eq!((report.samples, report.correct), (3, 2)); // θ = 0 predicts class 0
    /// assert!(dash.classify(&net, &x, &[0; 5], 0.0, 3).is_err()); // a rate must be > 0
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a rate that is not > 0; [`Error::ShapeMismatch`] /
    /// [`Error::EmptyBatch`] for an `x` that does not fit `net` or a label count that
    /// differs from its columns; as [`show_sample`](Self::show_sample).
    pub fn classify<'a, L: OutputLoss<Scalar = T>>(
        &mut self,
        net: &Network<L>,
        x: impl Into<DMatrixView<'a, T>>,
        labels: &[usize],
        rate: f64,
        samples: usize,
    ) -> Result<ClassifyReport> {
        let x = x.into();
        if rate.is_nan() || rate <= 0.0 {
            return Err(crate::check::invalid(
                "rate",
                rate,
                "> 0 samples per second (f64::INFINITY for no pause)",
            ));
        }
        let m = net.check_batch(&x, "live dashboard: samples to classify")?;
        if labels.len() != m {
            return Err(Error::shape(
                "live dashboard: labels (columns)",
                m,
                labels.len(),
            ));
        }
        let n = samples.min(m);
        let start = Instant::now();
        let mut correct = 0;
        for (j, &label) in labels.iter().enumerate().take(n) {
            if rate.is_finite() {
                let due = Duration::try_from_secs_f64(j as f64 / rate)
                    .ok()
                    .and_then(|d| start.checked_add(d))
                    .ok_or_else(|| {
                        crate::check::invalid("rate", rate, "a pace whose pauses fit in a Duration")
                    })?;
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
            }
            let p = self.show_sample(net, x.column(j), label)?;
            correct += usize::from(p.class == label);
        }
        Ok(ClassifyReport {
            samples: n,
            correct,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// Forgets the samples shown (the confusion matrix and the recent confidences start
    /// afresh with the next sample).
    pub fn reset_samples(&mut self) {
        let classes = self.samples.classes;
        self.samples.reset(classes);
    }

    fn sample_message<L: OutputLoss<Scalar = T>>(
        &self,
        net: &Network<L>,
        pass: &snapshot::Pass,
        label: usize,
    ) -> Result<events::Message> {
        let c = &self.config;
        let s = &self.samples;
        let classes = net.outputs();
        let names = c.class_names(classes);
        let image = match snapshot::image_shape(c.image, net.inputs()) {
            Some(shape) => {
                let bytes = snapshot::grey_image(&pass.input, shape)?;
                Obj::new()
                    .int("height", shape.height)
                    .int("width", shape.width)
                    .raw("data", &events::base64(&bytes))
                    .json()
            }
            None => "null".into(),
        };
        let activity = snapshot::network_activity(net, pass, c.activity_inputs, c.activity_units)?;
        let columns = events::list(activity.columns.iter().map(|col| {
            Obj::new()
                .int("units", col.units)
                .raw("shown", &events::ints(col.shown.iter().copied()))
                .raw("values", &events::nums(col.values.iter().copied()))
                .num("max_abs", col.max_abs)
                .bool("elided", col.elided())
                .json()
        }));
        let edges = events::list(activity.edges.iter().map(|e| {
            format!(
                "[{},{},{},{}]",
                e.layer,
                e.from,
                e.to,
                events::nums([e.strength]).trim_matches(['[', ']'])
            )
        }));
        let hidden = net.num_layers() - 1;
        let layers = events::list(snapshot::layer_summary(pass).iter().enumerate().map(
            |(l, (mean, max))| {
                let name = if l < hidden {
                    format!("hidden {} ({})", l + 1, pass.layers[l].len())
                } else {
                    format!("output ({})", pass.layers[l].len())
                };
                Obj::new()
                    .str("name", &name)
                    .num("mean", *mean)
                    .num("max", *max)
                    .json()
            },
        ));
        let hist = snapshot::weights_into(net, pass.predicted, c.histogram_bins)?;
        let hist = Obj::new()
            .raw("edges", &events::nums(hist.edges.iter().copied()))
            .raw("counts", &events::ints(hist.counts.iter().copied()))
            .json();
        let recent = events::list(s.recent.iter().map(|(conf, ok)| {
            format!(
                "[{},{}]",
                events::nums([*conf]).trim_matches(['[', ']']),
                ok
            )
        }));
        let total = s.shown;
        let correct = s.correct();
        Ok(Obj::new()
            .int("index", total)
            .int("label", label)
            .int("predicted", pass.predicted)
            .num("confidence", pass.confidence())
            .raw("classes", &events::strs(&names))
            .raw(
                "probabilities",
                &events::nums(pass.outputs().iter().copied()),
            )
            .raw("image", &image)
            .raw("columns", &columns)
            .raw("edges", &edges)
            .raw("layers", &layers)
            .raw("histogram", &hist)
            .raw("recent", &recent)
            .raw("counts", &events::ints(s.counts.iter().copied()))
            .int("shown", total)
            .int("correct", correct)
            .num("accuracy", correct as f64 / total.max(1) as f64)
            .message("sample"))
    }
}
