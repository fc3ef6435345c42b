//! [`WeightAverage`]: the mean of the end-of-epoch θ over a range of epochs (stochastic
//! weight averaging, Izmailov et al. 2018, with a constant learning rate).

use super::event::{Event, Observer};
use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use std::ops::ControlFlow;

/// Averages θ over the ends of epochs `from_epoch..` (summed in `f64`, so the mean of
/// `f32` parameters is exact to `f32` rounding).
///
/// As an [`Observer`] it takes a snapshot at every `EpochFinished` event from `from_epoch`
/// on; [`add`](Self::add) takes one by hand (custom loops). [`apply`](Self::apply) then
/// gives the network the mean.
///
/// ```
/// use deepmultinet::train::WeightAverage;
/// let mut avg = WeightAverage::from_epoch(2);
/// avg.add(&[1.0f32, 4.0]);
/// avg.add(&[3.0f32, 0.0]);
/// assert_eq!(avg.count(), 2);
/// assert_eq!(avg.mean::<f32>(), Some(vec![2.0, 2.0]));
/// ```
#[derive(Clone, Debug, Default)]
pub struct WeightAverage {
    from_epoch: usize,
    sum: Vec<f64>,
    count: usize,
}

impl WeightAverage {
    /// Averages the θ of every epoch from `from_epoch` (1-based) on.
    pub fn from_epoch(from_epoch: usize) -> Self {
        WeightAverage {
            from_epoch,
            sum: Vec::new(),
            count: 0,
        }
    }

    /// The first epoch averaged.
    pub fn first_epoch(&self) -> usize {
        self.from_epoch
    }

    /// Adds one snapshot of θ (allocates once, on the first). A snapshot of another length
    /// than the ones before restarts the average with it.
    pub fn add<T: Scalar>(&mut self, params: &[T]) {
        if self.sum.len() != params.len() {
            self.sum.clear();
            self.sum.resize(params.len(), 0.0);
            self.count = 0;
        }
        for (s, &t) in self.sum.iter_mut().zip(params) {
            *s += t.as_f64();
        }
        self.count += 1;
    }

    /// Snapshots taken.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The mean θ (`None` before the first snapshot).
    pub fn mean<T: Scalar>(&self) -> Option<Vec<T>> {
        (self.count > 0).then(|| {
            let n = self.count as f64;
            self.sum.iter().map(|&s| T::of(s / n)).collect()
        })
    }

    /// Sets `net`'s θ to the mean; returns whether there was one to set.
    ///
    /// # Errors
    /// [`Error::ParamLength`] if the snapshots do not fit `net`.
    pub fn apply<L: OutputLoss>(&self, net: &mut Network<L>) -> Result<bool> {
        match self.mean::<L::Scalar>() {
            None => Ok(false),
            Some(mean) if mean.len() == net.num_params() => {
                net.set_params(&mean)?;
                Ok(true)
            }
            Some(mean) => Err(Error::ParamLength {
                expected: net.num_params(),
                found: mean.len(),
            }),
        }
    }
}

impl<T: Scalar> Observer<T> for WeightAverage {
    fn on_event(&mut self, event: &Event<'_, T>) -> ControlFlow<()> {
        if let Event::EpochFinished { record, params, .. } = event
            && record.epoch >= self.from_epoch
        {
            self.add(params);
        }
        ControlFlow::Continue(())
    }
}
