//! Progress events of a training run, and the [`Observer`] hook that receives them.
//!
//! An observer can log, draw progress (see [`PrintProgress`](super::PrintProgress) and
//! [`BarProgress`](super::BarProgress)), read θ at every epoch's end (weight averaging,
//! snapshots for pictures, live displays) or stop a run by returning
//! [`ControlFlow::Break`]. `()` is the observer that does nothing; a pair `(a, b)` tells both.
//!
//! ```
//! use deepmultinet::train::{Event, Observer};
//! use deepmultinet::Scalar;
//! use std::ops::ControlFlow;
//!
//! /// Keeps the largest |θᵢ| seen at the end of each epoch, and stops past a bound.
//! struct MaxWeight(Vec<f64>);
//! impl<T: Scalar> Observer<T> for MaxWeight {
//!     fn on_event(&mut self, e: &Event<'_, T>) -> ControlFlow<()> {
//!         if let Event::EpochFinished { params, .. } = e {
//!             let max = params.iter().fold(0.0f64, |m, t| m.max(t.as_f64().abs()));
//!             self.0.push(max);
//!             if max > 1e3 {
//!                 return ControlFlow::Break(());
//!             }
//!         }
//!         ControlFlow::Continue(())
//!     }
//! }
//! # let _ = MaxWeight(vec![]);
//! ```

use super::history::{EpochRecord, History};
use crate::layout::Layout;
use crate::optim::Iteration;
use crate::scalar::Scalar;
use std::ops::ControlFlow;

/// Something that happened during a run; `T` is the network's scalar.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Event<'a, T> {
    /// Mini-batch training begins.
    TrainingStarted {
        /// Epochs planned.
        epochs: usize,
        /// Steps per epoch.
        batches_per_epoch: usize,
        /// Training samples.
        samples: usize,
    },
    /// One optimiser step was taken.
    BatchFinished {
        /// Epoch (1-based).
        epoch: usize,
        /// Step within the epoch (1-based).
        batch: usize,
        /// Steps per epoch.
        batches: usize,
        /// Mini-batch cost before the step.
        cost: f64,
    },
    /// An epoch ended (training and evaluation); for full-batch training, the minimisation.
    EpochFinished {
        /// What the epoch measured.
        record: &'a EpochRecord,
        /// The network's parameters θ at the end of the epoch.
        params: &'a [T],
        /// The layout of θ (to view one layer's weights: `layout.weights(params, l)`).
        layout: &'a Layout,
    },
    /// A full-batch minimiser finished an iteration (a successful line search).
    Iteration(Iteration<'a, T>),
    /// Training ended (normally or not); the history is final.
    TrainingFinished(&'a History),
}

/// Receives [`Event`]s; returning [`ControlFlow::Break`] stops the run.
pub trait Observer<T: Scalar> {
    /// Called for every event.
    fn on_event(&mut self, event: &Event<'_, T>) -> ControlFlow<()>;
}

/// Observes nothing.
impl<T: Scalar> Observer<T> for () {
    fn on_event(&mut self, _: &Event<'_, T>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl<T: Scalar, O: Observer<T> + ?Sized> Observer<T> for &mut O {
    fn on_event(&mut self, event: &Event<'_, T>) -> ControlFlow<()> {
        (**self).on_event(event)
    }
}

/// Both observers see every event (`a` first); the run stops if either asks.
impl<T: Scalar, A: Observer<T>, B: Observer<T>> Observer<T> for (A, B) {
    fn on_event(&mut self, event: &Event<'_, T>) -> ControlFlow<()> {
        let a = self.0.on_event(event);
        let b = self.1.on_event(event);
        if a.is_break() || b.is_break() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}
