//! Splitting one batch's forward and backward pass across the thread pool.
//!
//! With `p ≥ 2` parts (every thread gets at least 16 samples), part `t` takes the columns
//! `t·m/p .. (t+1)·m/p`; part 0 runs in the caller's workspace, the others in workspaces
//! kept inside it. Their gradients are summed into the caller's in part order (so the
//! result does not depend on timing), and their output layers are copied back, so that
//! [`Workspace::outputs`] shows the whole batch however it was split.

use super::Network;
use super::dropout::DropoutMask;
use super::workspace::{Part, Workspace};
use crate::error::Result;
use crate::linalg::column_range;
use crate::linalg::par::{self, for_each_chunk_mut};
use crate::loss::OutputLoss;
use crate::memory;
use crate::scalar::Scalar;
use crate::targets::Targets;
use nalgebra::DMatrixView;
use num_traits::{One, Zero};

/// Most parts a batch is split into (the pool's thread cap).
const MAX_PARTS: usize = 64;

/// A batch is split across threads only if every thread gets at least this many samples.
const MIN_COLUMNS_PER_THREAD: usize = 16;

impl<L: OutputLoss> Network<L> {
    /// Forward + backward over one batch, split across the thread pool when it pays.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn cost_grad_split(
        &self,
        theta: &[L::Scalar],
        ws: &mut Workspace<L::Scalar>,
        x: &DMatrixView<'_, L::Scalar>,
        y: &Targets<'_, L::Scalar>,
        lambda: L::Scalar,
        grad: &mut [L::Scalar],
        dropout: Option<DropoutMask<'_>>,
    ) -> Result<L::Scalar> {
        let m = x.ncols();
        let zero = L::Scalar::zero();
        let inv_m = L::Scalar::one() / L::Scalar::of_usize(m);
        // The cost's sums (data term, Σ W²) are f64 from the heads on, combined in f64 and
        // rounded once to T at the end.
        let parts = par::available_parts()
            .min(m / MIN_COLUMNS_PER_THREAD)
            .clamp(1, MAX_PARTS);
        // Recorded only once the pass has succeeded (a panicking user activation must not
        // leave `outputs` describing a batch that was never put back together).
        ws.last_m = 0;
        let (data_cost, reg_sum) = match parts {
            2.. => {
                // The caller's workspace receives every part's output layer.
                ws.ensure(self.layout.sizes(), m)?;
                // In u128: `t · m` must not overflow for any batch a view can describe.
                let at = |t: usize| (t as u128 * m as u128 / parts as u128) as usize;
                let bounds = |t: usize| (at(t), at(t + 1));
                let mut extra = std::mem::take(&mut ws.parts);
                // Every buffer is grown here, fallibly, so the parts cannot fail to allocate.
                if let Err(e) = self.prepare_parts(&mut extra, parts, theta.len(), bounds) {
                    ws.parts = extra;
                    return Err(e);
                }
                // Set by a part whose pass failed (none can: its buffers are ready).
                let failed = std::sync::Mutex::new(None);
                let main = std::sync::Mutex::new((&mut *ws, &mut *grad, 0.0, 0.0));
                let job = |t: usize| {
                    par::as_split_part(|| {
                        if t >= parts {
                            return;
                        }
                        let (start, end) = bounds(t);
                        let xt = column_range(*x, start..end);
                        let yt = y.columns(start..end);
                        // The part's column j is the batch's column start + j, in the mask too.
                        let dt = dropout.map(|d| d.shifted(start));
                        if t == 0 {
                            let mut guard = main.lock().unwrap_or_else(|e| e.into_inner());
                            let (w, g, c, r) = &mut *guard;
                            if let Err(e) = self.forward_raw(theta, &xt, w, dt, 1) {
                                *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                                return;
                            }
                            (*c, *r) =
                                self.backward_raw(theta, &xt, &yt, inv_m, lambda, w, g, dt, 1);
                        } else {
                            let mut part = extra[t - 1].lock().unwrap_or_else(|e| e.into_inner());
                            let part = &mut *part;
                            if let Err(e) = self.forward_raw(theta, &xt, &mut part.ws, dt, 1) {
                                *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                                return;
                            }
                            (part.cost, _) = self.backward_raw(
                                theta,
                                &xt,
                                &yt,
                                inv_m,
                                zero,
                                &mut part.ws,
                                &mut part.grad,
                                dt,
                                1,
                            );
                        }
                    })
                };
                par::run_homed(parts, &job);
                if let Some(e) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
                    ws.parts = extra;
                    return Err(e);
                }
                let (_, _, mut cost, reg_sum) =
                    main.into_inner().unwrap_or_else(|e| e.into_inner());
                // Sum the parts' gradients into `grad` (in part order, so the result does
                // not depend on timing), each thread of the pool taking a range of θ.
                let mut others: [&[L::Scalar]; MAX_PARTS] = [&[]; MAX_PARTS];
                for (slot, part) in others.iter_mut().zip(extra.iter_mut().take(parts - 1)) {
                    let part = part.get_mut().unwrap_or_else(|e| e.into_inner());
                    cost += part.cost;
                    *slot = &part.grad;
                }
                let others = &others[..(parts - 1).min(MAX_PARTS)];
                let n = grad.len();
                for_each_chunk_mut(n, 1 << 14, [&mut *grad], &|r, [g]| {
                    for other in others {
                        for (gi, &p) in g.iter_mut().zip(&other[r.clone()]) {
                            *gi += p;
                        }
                    }
                });
                for (t, part) in extra.iter_mut().enumerate().take(parts - 1) {
                    let part = part.get_mut().unwrap_or_else(|e| e.into_inner());
                    let (start, end) = bounds(t + 1);
                    ws.copy_outputs_from(&part.ws, start, end - start);
                }
                ws.parts = extra;
                ws.hidden_whole = false;
                (cost, reg_sum)
            }
            _ => {
                // Too few samples to share out: the first layer follows the optimiser's
                // ranges of θ instead (`owned.rs`).
                let owned = self.owned_parts(theta.len());
                self.forward_raw(theta, x, ws, dropout, owned)?;
                ws.hidden_whole = true;
                self.backward_raw(theta, x, y, inv_m, lambda, ws, grad, dropout, owned)
            }
        };
        ws.last_m = m;
        let inv_m = 1.0 / m as f64;
        Ok(L::Scalar::of(
            data_cost * inv_m + reg_sum * lambda.as_f64() * inv_m * 0.5,
        ))
    }

    /// Makes `extra` hold the buffers of parts `1..parts` (part `t` takes the samples
    /// `bounds(t)`) and a gradient of `n` values each; allocates only what is missing (the
    /// list itself has at most [`MAX_PARTS`] entries).
    fn prepare_parts(
        &self,
        extra: &mut Vec<std::sync::Mutex<Part<L::Scalar>>>,
        parts: usize,
        n: usize,
        bounds: impl Fn(usize) -> (usize, usize),
    ) -> Result<()> {
        while extra.len() < parts - 1 {
            extra.push(std::sync::Mutex::new(Default::default()));
        }
        for (t, part) in (1..parts).zip(extra.iter_mut()) {
            let part = part.get_mut().unwrap_or_else(|e| e.into_inner());
            let (start, end) = bounds(t);
            part.ws.ensure(self.layout.sizes(), end - start)?;
            if part.grad.len() != n {
                part.grad =
                    memory::try_vec("gradient of a split-batch part", n, L::Scalar::zero())?;
            }
        }
        Ok(())
    }
}
