//! Ready-made progress observers: plain lines, or an `indicatif` bar on a terminal (with the
//! default-on feature `progress`; without it [`BarProgress`] prints the plain lines).
//!
//! Lines look like Nielsen's book: `Epoch 3: 9173 / 10000, took 1.64 s` with a validation
//! set (correct / total), `Epoch 3: cost 0.231904, took 1.64 s` without; a full-batch
//! minimiser prints `Iteration    7 | Cost: 3.123456e-1` as the course's `fmincg` does.

use super::event::{Event, Observer};
use super::history::EpochRecord;
use crate::scalar::Scalar;
#[cfg(feature = "progress")]
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::ops::ControlFlow;

/// The line printed for an epoch.
pub(crate) fn epoch_line(r: &EpochRecord) -> String {
    match r.validation_correct {
        Some(c) => format!(
            "Epoch {}: {} / {}, took {:.2} s",
            r.epoch,
            c,
            r.validation_samples,
            r.seconds()
        ),
        None => format!(
            "Epoch {}: cost {:.6}, took {:.2} s",
            r.epoch,
            r.cost,
            r.seconds()
        ),
    }
}

/// The line printed for a minimiser's iteration.
pub(crate) fn iteration_line(iteration: usize, cost: f64) -> String {
    format!("Iteration {iteration:4} | Cost: {cost:.6e}")
}

/// Prints one plain line per epoch (and per minimiser iteration) to a writer (stdout by
/// default). Write errors are ignored: progress is never worth failing a run for.
#[derive(Debug)]
pub struct PrintProgress<W: Write = std::io::Stdout> {
    out: W,
    iterations: bool,
}

impl PrintProgress<std::io::Stdout> {
    /// Lines to standard output.
    pub fn new() -> Self {
        Self::to_writer(std::io::stdout())
    }
}

impl Default for PrintProgress<std::io::Stdout> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W: Write> PrintProgress<W> {
    /// Lines to `out`.
    pub fn to_writer(out: W) -> Self {
        PrintProgress {
            out,
            iterations: true,
        }
    }
    /// Whether to print a line per minimiser iteration (default true).
    pub fn iterations(mut self, on: bool) -> Self {
        self.iterations = on;
        self
    }
    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<T: Scalar, W: Write> Observer<T> for PrintProgress<W> {
    fn on_event(&mut self, event: &Event<'_, T>) -> ControlFlow<()> {
        match event {
            Event::EpochFinished { record, .. } => {
                let _ = writeln!(self.out, "{}", epoch_line(record));
            }
            Event::Iteration(it) if self.iterations => {
                let _ = writeln!(self.out, "{}", iteration_line(it.iteration, it.cost));
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// A progress bar over each epoch's mini-batches on standard error when it is a terminal,
/// with the plain epoch lines printed to standard output above it; plain lines only when
/// standard error is not a terminal (a pipe, a log file, CI) or the crate was built without
/// the `progress` feature.
#[derive(Debug)]
pub struct BarProgress {
    #[cfg(feature = "progress")]
    bar: Option<ProgressBar>,
    terminal: bool,
    plain: PrintProgress,
}

impl BarProgress {
    /// A bar if standard error is a terminal, plain lines otherwise.
    pub fn new() -> Self {
        BarProgress {
            #[cfg(feature = "progress")]
            bar: None,
            terminal: cfg!(feature = "progress")
                && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            plain: PrintProgress::new(),
        }
    }
    /// Whether a bar will be drawn.
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }
    #[cfg(feature = "progress")]
    fn style() -> ProgressStyle {
        ProgressStyle::with_template(
            "epoch {prefix} [{bar:40}] {pos}/{len} batches ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
    }
}

impl Default for BarProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar> Observer<T> for BarProgress {
    #[cfg(not(feature = "progress"))]
    fn on_event(&mut self, event: &Event<'_, T>) -> ControlFlow<()> {
        self.plain.on_event(event)
    }

    #[cfg(feature = "progress")]
    fn on_event(&mut self, event: &Event<'_, T>) -> ControlFlow<()> {
        if !self.terminal {
            return self.plain.on_event(event);
        }
        match event {
            Event::TrainingStarted {
                batches_per_epoch, ..
            } => {
                let bar = ProgressBar::new(*batches_per_epoch as u64);
                bar.set_style(Self::style());
                bar.set_prefix("1");
                self.bar = Some(bar);
            }
            Event::BatchFinished { batch, .. } => {
                if let Some(bar) = &self.bar {
                    bar.set_position(*batch as u64);
                }
            }
            Event::EpochFinished { record, .. } => match &self.bar {
                Some(bar) => {
                    bar.suspend(|| println!("{}", epoch_line(record)));
                    bar.reset();
                    bar.set_prefix((record.epoch + 1).to_string());
                }
                None => println!("{}", epoch_line(record)),
            },
            Event::TrainingFinished(_) => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
            }
            other => return self.plain.on_event(other),
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_lines_read_like_the_book() {
        let r = EpochRecord {
            epoch: 3,
            cost: 0.5,
            train_accuracy: None,
            validation_accuracy: Some(0.9173),
            validation_correct: Some(9173),
            validation_samples: 10000,
            validation_cost: Some(0.3),
            grad_norm: None,
            train_seconds: 1.5,
            eval_seconds: 0.14,
        };
        assert_eq!(epoch_line(&r), "Epoch 3: 9173 / 10000, took 1.64 s");
        let r = EpochRecord {
            validation_correct: None,
            ..r
        };
        assert_eq!(epoch_line(&r), "Epoch 3: cost 0.500000, took 1.64 s");
        assert_eq!(
            iteration_line(7, 3.123456e-1),
            "Iteration    7 | Cost: 3.123456e-1"
        );
    }
}
