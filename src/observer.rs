//! Progress events from optimisers and the training loop, and the [`Observer`] hook that
//! receives them.
//!
//! An observer can log, draw progress (see [`train::PrintProgress`](crate::train::PrintProgress)
//! and [`train::BarProgress`](crate::train::BarProgress)) or stop a run by returning
//! [`ControlFlow::Break`]. `()` is the observer that does nothing.
//!
//! ```
//! use deepmultinet::observer::{Event, Observer};
//! use std::ops::ControlFlow;
//!
//! /// Stops a minimisation once the cost is below 0.5.
//! struct StopBelow(f64);
//! impl Observer for StopBelow {
//!     fn on_event(&mut self, e: &Event<'_>) -> ControlFlow<()> {
//!         match e {
//!             Event::Iteration { cost, .. } if *cost < self.0 => ControlFlow::Break(()),
//!             _ => ControlFlow::Continue(()),
//!         }
//!     }
//! }
//! # let _ = StopBelow(0.5);
//! ```

use crate::train::{EpochRecord, History};
use std::ops::ControlFlow;

/// Something that happened during a run.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
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
    /// An epoch ended (training and evaluation).
    EpochFinished(&'a EpochRecord),
    /// A line-search minimiser finished an iteration (a successful line search).
    Iteration {
        /// Line searches so far (1-based).
        iteration: usize,
        /// Cost at the new point.
        cost: f64,
        /// Euclidean norm of the gradient there.
        grad_norm: f64,
        /// Cost/gradient evaluations so far.
        evaluations: usize,
    },
    /// Training ended (normally or not); the history is final.
    TrainingFinished(&'a History),
}

/// Receives [`Event`]s; returning [`ControlFlow::Break`] stops the run.
pub trait Observer {
    /// Called for every event.
    fn on_event(&mut self, event: &Event<'_>) -> ControlFlow<()>;
}

/// Observes nothing.
impl Observer for () {
    fn on_event(&mut self, _: &Event<'_>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl<O: Observer + ?Sized> Observer for &mut O {
    fn on_event(&mut self, event: &Event<'_>) -> ControlFlow<()> {
        (**self).on_event(event)
    }
}
