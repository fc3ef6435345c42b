//! The dashboard as a training observer: batch costs thinned by time, one message per epoch
//! (its record as the [`History`](crate::train::History) has it), the hidden units and the
//! validation confusion matrix at each epoch's end.
//!
//! Between two batch points the observer only adds the cost, counts and reads the clock:
//! no allocation and no lock on the training thread.

use super::events::{self, Message, Obj};
use super::{Dashboard, snapshot};
use crate::layout::Layout;
use crate::scalar::Scalar;
use crate::train::{EpochRecord, Event, History, Observer};
use std::ops::ControlFlow;
use std::time::Instant;

/// What the observer remembers between events.
#[derive(Debug, Default)]
pub(crate) struct TrainState {
    samples: usize,
    batches_per_epoch: usize,
    /// Optimiser steps (or minimiser iterations) so far in this run.
    step: usize,
    epoch_start: Option<Instant>,
    last_point: Option<Instant>,
    /// Costs since the last point.
    cost_sum: f64,
    cost_n: usize,
    /// The latest batch: (epoch, batch, batches).
    at: (usize, usize, usize),
}

impl TrainState {
    /// The batch point of the costs since the last one, if any.
    fn point(&mut self, now: Instant) -> Option<Message> {
        if self.cost_n == 0 {
            return None;
        }
        let (epoch, batch, batches) = self.at;
        let per_batch = if self.batches_per_epoch > 0 {
            self.samples as f64 / self.batches_per_epoch as f64
        } else {
            f64::NAN
        };
        let rate = self.epoch_start.map_or(f64::NAN, |t| {
            let s = now.duration_since(t).as_secs_f64();
            if s > 0.0 {
                batch as f64 * per_batch / s
            } else {
                f64::NAN
            }
        });
        let msg = Obj::new()
            .int("epoch", epoch)
            .int("batch", batch)
            .int("batches", batches)
            .int("step", self.step)
            .num("cost", self.cost_sum / self.cost_n as f64)
            .int("costs", self.cost_n)
            .num("samples_per_second", rate)
            .message("batch");
        self.cost_sum = 0.0;
        self.cost_n = 0;
        self.last_point = Some(now);
        Some(msg)
    }
}

/// The epoch's message: every field of its record.
fn epoch_message(r: &EpochRecord, samples: usize) -> Message {
    let rate = (samples > 0 && r.train_seconds > 0.0).then(|| samples as f64 / r.train_seconds);
    Obj::new()
        .int("epoch", r.epoch)
        .num("cost", r.cost)
        .opt("train_accuracy", r.train_accuracy)
        .opt("validation_accuracy", r.validation_accuracy)
        .opt("validation_cost", r.validation_cost)
        .int("validation_samples", r.validation_samples)
        .opt("grad_norm", r.grad_norm)
        .num("train_seconds", r.train_seconds)
        .num("eval_seconds", r.eval_seconds)
        .opt("samples_per_second", rate)
        .message("epoch")
}

fn finished_message(h: &History) -> Message {
    Obj::new()
        .int("epochs", h.epochs.len())
        .str("stop", &h.stop.to_string())
        .opt("best_epoch", h.best_epoch.map(|e| e as f64))
        .message("finished")
}

impl<T: Scalar> Dashboard<T> {
    fn batch(&mut self, epoch: usize, batch: usize, batches: usize, cost: f64) {
        let s = &mut self.train;
        s.step += 1;
        s.cost_sum += cost;
        s.cost_n += 1;
        s.at = (epoch, batch, batches);
        let now = Instant::now();
        let due = s
            .last_point
            .is_none_or(|t| now.duration_since(t) >= self.config.batch_interval);
        if due && let Some(m) = s.point(now) {
            self.hub.publish(&m);
        }
    }

    fn flush_batches(&mut self) {
        if let Some(m) = self.train.point(Instant::now()) {
            self.hub.publish(&m);
        }
    }

    fn epoch_end(&mut self, record: &EpochRecord, params: &[T], layout: &Layout) {
        self.flush_batches();
        self.hub.publish(&epoch_message(record, self.train.samples));
        let inputs = layout.inputs();
        if let Some(shape) = snapshot::image_shape(self.config.image, inputs)
            && self.config.hidden_units > 0
            && let Ok((n, bytes)) =
                snapshot::hidden_units(layout, params, shape, self.config.hidden_units)
        {
            let msg = Obj::new()
                .int("epoch", record.epoch)
                .int("count", n)
                .int("units", layout.sizes().get(1).copied().unwrap_or(0))
                .int("height", shape.height)
                .int("width", shape.width)
                .raw("data", &events::base64(&bytes))
                .message("units");
            self.hub.publish(&msg);
        }
        if let Some(v) = self.validation.as_mut()
            && let Ok(cm) = v.confusion(params)
        {
            let names = self.config.class_names(cm.classes());
            let counts = cm.counts();
            let msg = Obj::new()
                .int("epoch", record.epoch)
                .raw("classes", &events::strs(&names))
                .raw("counts", &events::ints(counts.transpose().iter().copied()))
                .num("accuracy", cm.accuracy())
                .int("total", cm.total())
                .message("confusion");
            self.hub.publish(&msg);
        }
        self.train.epoch_start = Some(Instant::now());
    }
}

impl<T: Scalar> Observer<T> for Dashboard<T> {
    fn on_event(&mut self, event: &Event<'_, T>) -> ControlFlow<()> {
        match event {
            Event::BatchFinished {
                epoch,
                batch,
                batches,
                cost,
            } => self.batch(*epoch, *batch, *batches, *cost),
            Event::Iteration(it) => self.batch(1, it.iteration, 0, it.cost),
            Event::EpochFinished {
                record,
                params,
                layout,
            } => self.epoch_end(record, params, layout),
            Event::TrainingStarted {
                epochs,
                batches_per_epoch,
                samples,
            } => {
                self.train = TrainState {
                    samples: *samples,
                    batches_per_epoch: *batches_per_epoch,
                    epoch_start: Some(Instant::now()),
                    ..TrainState::default()
                };
                let msg = Obj::new()
                    .int("epochs", *epochs)
                    .int("batches_per_epoch", *batches_per_epoch)
                    .int("samples", *samples)
                    .message("start");
                self.hub.publish(&msg);
            }
            Event::TrainingFinished(h) => {
                self.flush_batches();
                self.hub.publish(&finished_message(h));
            }
        }
        ControlFlow::Continue(())
    }
}
