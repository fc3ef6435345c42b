//! Feature learning over time: an observer that keeps cheap snapshots of the first layer's
//! weights during training, and writes them as an animated GIF of the hidden-unit grid.
//!
//! **What a snapshot costs.** One copy of `W_0` (`units × inputs` values, stored as `f32`:
//! 4 bytes each) at the end of every `k`-th epoch or after every `k`-th minimiser iteration
//! — nothing else of θ is copied, and nothing happens on the other steps, so the training
//! step stays allocation-free. Buffers of dropped snapshots are reused.
//!
//! **Bounded memory.** At most [`max_frames`](HiddenUnitsRecorder::max_frames) snapshots
//! are kept (default [`HiddenUnitsRecorder::DEFAULT_MAX_FRAMES`]). When a new snapshot would
//! exceed it, every other kept snapshot is dropped and the interval `k` doubles, so the
//! frames keep spanning the whole run evenly: the memory stays below
//! `max_frames × units × inputs × 4` bytes (60 frames of a 400-25 first layer: 2.4 MB; of a
//! 784-128 one: 24 MB) however long the run.

use super::canvas::MAX_SIDE;
use super::grid::{GridOptions, grid_rgb, grid_size};
use super::palette::Palette;
use crate::data::ImageShape;
use crate::error::{Error, Result};
use crate::inspect::Image;
use crate::layout::Layout;
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use crate::train::{Event, Observer};
use std::collections::HashMap;
use std::fmt;
use std::ops::ControlFlow;
use std::path::Path;

/// When a snapshot was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Before training (see [`HiddenUnitsRecorder::record_start`]).
    Start,
    /// At the end of this epoch (1-based).
    Epoch(usize),
    /// After this minimiser iteration (1-based).
    Iteration(usize),
    /// The result of a full-batch minimisation, after this many iterations.
    End(usize),
}

impl Step {
    /// The number the interval applies to (`None` for the start and the end, always kept).
    fn count(self) -> Option<usize> {
        match self {
            Step::Epoch(n) | Step::Iteration(n) => Some(n),
            Step::Start | Step::End(_) => None,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Start => write!(f, "start"),
            Step::Epoch(n) => write!(f, "epoch {n}"),
            Step::Iteration(n) => write!(f, "iteration {n}"),
            Step::End(n) => write!(f, "result after {n} iterations"),
        }
    }
}

struct Snapshot {
    step: Step,
    /// `W_0` as θ stores it: column-major, `units × inputs`.
    weights: Vec<f32>,
}

/// An [`Observer`] that snapshots the first layer's weights every `k` epochs (mini-batch
/// training; the last planned epoch is kept too) or every `k` minimiser iterations
/// (full-batch CG / L-BFGS; the minimiser's result is kept as the last frame), and writes them as an animated GIF of the hidden-unit
/// grid: the units sharpen from noise into stroke detectors. See the module docs for what
/// it costs and how its memory is bounded.
///
/// For full-batch training call [`record_start`](Self::record_start) before the run: it
/// gives the first frame (the initial noise) and θ's layout, which the minimiser's
/// iterations do not carry. The recorder never stops a run: an error (an image shape that
/// does not fit the inputs, no layout) stops the recording and is returned by
/// [`write_gif`](Self::write_gif).
///
/// ```
/// use deepmultinet::inspect::ImageShape;
/// use deepmultinet::optim::{CgConfig, ConjugateGradient};
/// use deepmultinet::plot::{GridOptions, HiddenUnitsRecorder, Step};
/// use deepmultinet::prelude::*;
/// use rand::SeedableRng;
///
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
/// let mut net = Network::builder(16)
///     .hidden(4, Sigmoid)
///     .output(2, SigmoidCrossEntropy::<f64>::new())
///     .build(&mut rng)?;
/// let x = nalgebra::DMatrix::from_fn(16, 8, |i, j| ((i + j) % 3) as f64);
/// let y = [0, 1, 0, 1, 0, 1, 0, 1];
/// // A frame every 2 CG iterations, plus the initial θ and the result.
/// let mut rec = HiddenUnitsRecorder::new(ImageShape::row_major(4, 4), 2)?;
/// rec.record_start(&net)?;
/// let mut cg = ConjugateGradient::new(CgConfig { max_iter: 6, ..CgConfig::default() })?;
/// Trainer::new(TrainConfig::default())?.fit_full_batch(&mut net, &mut cg, &x, &y[..], &mut rec)?;
/// assert_eq!(rec.steps()[..2], [Step::Start, Step::Iteration(2)]);
/// let gif = std::env::temp_dir().join("deepmultinet-doc-hidden.gif");
/// rec.write_gif(&gif, &GridOptions::diverging().title("Hidden units"))?;
/// # std::fs::remove_file(gif).ok();
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub struct HiddenUnitsRecorder {
    shape: ImageShape,
    every: usize,
    max_frames: usize,
    delay_ms: u32,
    frames: Vec<Snapshot>,
    spare: Vec<Vec<f32>>,
    /// `(units, inputs)` of the first layer, once seen.
    dims: Option<(usize, usize)>,
    /// The layout of θ, once seen (iterations do not carry one).
    layout: Option<Layout>,
    /// Epochs planned (from `TrainingStarted`): the last one is always kept.
    planned: Option<usize>,
    /// Iterations seen since the last epoch end, and the last one's number.
    iterations: usize,
    last_iteration: usize,
    error: Option<Error>,
}

impl fmt::Debug for HiddenUnitsRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HiddenUnitsRecorder")
            .field("shape", &self.shape)
            .field("every", &self.every)
            .field("max_frames", &self.max_frames)
            .field("frames", &self.frames.len())
            .field("memory_bytes", &self.memory_bytes())
            .finish()
    }
}

impl HiddenUnitsRecorder {
    /// Snapshots kept at most unless [`with_max_frames`](Self::with_max_frames) says
    /// otherwise.
    pub const DEFAULT_MAX_FRAMES: usize = 60;

    /// A recorder for inputs that are images of `shape`, snapshotting every `every_k`
    /// epochs or iterations.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `every_k == 0`.
    pub fn new(shape: ImageShape, every_k: usize) -> Result<Self> {
        crate::check::at_least_one("every_k", every_k)?;
        Ok(HiddenUnitsRecorder {
            shape,
            every: every_k,
            max_frames: Self::DEFAULT_MAX_FRAMES,
            delay_ms: 200,
            frames: Vec::new(),
            spare: Vec::new(),
            dims: None,
            layout: None,
            planned: None,
            iterations: 0,
            last_iteration: 0,
            error: None,
        })
    }

    /// Keeps at most `max_frames` snapshots (see the module docs).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `max_frames < 2`.
    pub fn with_max_frames(mut self, max_frames: usize) -> Result<Self> {
        if max_frames < 2 {
            return Err(crate::check::invalid(
                "max_frames",
                max_frames as f64,
                "at least 2",
            ));
        }
        self.max_frames = max_frames;
        Ok(self)
    }

    /// Shows each frame for `ms` milliseconds (default 200; the GIF stores hundredths of a
    /// second, at least 2). The last frame stays 2 s before the loop starts again.
    pub fn with_frame_delay_ms(mut self, ms: u32) -> Self {
        self.delay_ms = ms;
        self
    }

    /// The most snapshots kept.
    pub fn max_frames(&self) -> usize {
        self.max_frames
    }
    /// The current interval `k` (doubled each time the snapshots were thinned).
    pub fn every(&self) -> usize {
        self.every
    }
    /// Number of snapshots (frames) kept.
    pub fn len(&self) -> usize {
        self.frames.len()
    }
    /// Whether no snapshot was taken.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
    /// When each kept snapshot was taken, in order.
    pub fn steps(&self) -> Vec<Step> {
        self.frames.iter().map(|s| s.step).collect()
    }
    /// Heap bytes held by the snapshots (kept and spare buffers).
    pub fn memory_bytes(&self) -> usize {
        let f32s: usize = self
            .frames
            .iter()
            .map(|s| s.weights.capacity())
            .chain(self.spare.iter().map(Vec::capacity))
            .sum();
        f32s * std::mem::size_of::<f32>()
    }
    /// The bound on [`memory_bytes`](Self::memory_bytes): `max_frames × units × inputs × 4`
    /// (`None` before the first snapshot, when the layer's size is not known yet).
    pub fn memory_bound(&self) -> Option<usize> {
        self.dims
            .map(|(u, i)| self.max_frames * u * i * std::mem::size_of::<f32>())
    }

    /// Snapshots the network's current first layer as [`Step::Start`] (call it before
    /// training for a first frame of the initial noise).
    ///
    /// # Errors
    /// As [`record`](Self::record).
    pub fn record_start<L: OutputLoss>(&mut self, net: &Network<L>) -> Result<()> {
        self.record(Step::Start, net.params(), net.layout())
    }

    /// Snapshots the first layer's weights of `params` (laid out by `layout`) as taken at
    /// `step`, thinning the kept snapshots first if they are at the bound. An
    /// [`Step::Epoch`] or [`Step::Iteration`] that is not a multiple of the (possibly
    /// doubled) interval is skipped.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the image shape does not fit the inputs or the layer's
    /// size changed; [`Error::ParamLength`] if `params` does not fit `layout`.
    pub fn record<T: Scalar>(&mut self, step: Step, params: &[T], layout: &Layout) -> Result<()> {
        if self.layout.as_ref() != Some(layout) {
            self.layout = Some(layout.clone());
        }
        self.record_with(step, params, layout, false)
    }

    /// [`record`](Self::record) without storing the layout; `force` keeps a step that is
    /// not a multiple of the interval (the last planned epoch).
    fn record_with<T: Scalar>(
        &mut self,
        step: Step,
        params: &[T],
        layout: &Layout,
        force: bool,
    ) -> Result<()> {
        layout.check_params(params.len())?;
        self.shape.check(layout.inputs(), "HiddenUnitsRecorder")?;
        let dims = (layout.sizes()[1], layout.inputs());
        match self.dims {
            Some(d) if d != dims => {
                return Err(Error::shape(
                    "HiddenUnitsRecorder: first layer (units × inputs)",
                    format!("{}×{}", d.0, d.1),
                    format!("{}×{}", dims.0, dims.1),
                ));
            }
            _ => self.dims = Some(dims),
        }
        if !(force || self.wanted(step)) {
            return Ok(());
        }
        if self.frames.len() >= self.max_frames {
            self.thin();
            if !(force || self.wanted(step)) {
                return Ok(());
            }
        }
        let mut weights = self.spare.pop().unwrap_or_default();
        weights.clear();
        weights.extend(
            params[layout.weight_range(0)]
                .iter()
                .map(|v| v.as_f64() as f32),
        );
        self.frames.push(Snapshot { step, weights });
        Ok(())
    }

    fn wanted(&self, step: Step) -> bool {
        step.count().is_none_or(|n| n % self.every == 0)
    }

    /// Doubles the interval and drops the snapshots that are not multiples of it (the
    /// start and the end stay); if that frees nothing, drops every other snapshot.
    fn thin(&mut self) {
        self.every = self.every.saturating_mul(2);
        let every = self.every;
        let before = self.frames.len();
        let (keep, drop): (Vec<Snapshot>, Vec<Snapshot>) = std::mem::take(&mut self.frames)
            .into_iter()
            .partition(|s| s.step.count().is_none_or(|n| n % every == 0));
        self.frames = keep;
        self.spare.extend(drop.into_iter().map(|s| s.weights));
        if self.frames.len() >= before {
            let frames = std::mem::take(&mut self.frames);
            for (i, s) in frames.into_iter().enumerate() {
                if i % 2 == 1 {
                    self.spare.push(s.weights);
                } else {
                    self.frames.push(s);
                }
            }
        }
        // Spare buffers beyond what can be refilled are freed.
        let room = self.max_frames.saturating_sub(self.frames.len());
        self.spare.truncate(room);
    }

    /// The hidden units of snapshot `frame` as images (like
    /// [`inspect::hidden_unit_images`](crate::inspect::hidden_unit_images) at that time).
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if there is no such frame.
    pub fn images(&self, frame: usize) -> Result<Vec<Image>> {
        crate::check::index("frame", frame, self.frames.len())?;
        let (units, inputs) = self.dims.unwrap_or((0, 0));
        let w = &self.frames[frame].weights;
        let mut row = Vec::with_capacity(inputs);
        (0..units)
            .map(|j| {
                row.clear();
                row.extend((0..inputs).map(|i| w[j + i * units]));
                Image::from_vector(&row, self.shape)
            })
            .collect()
    }

    /// The options of frame `k` of `n`: `opts` with the step in the title.
    fn frame_options(&self, k: usize, opts: &GridOptions) -> GridOptions {
        let base = opts.title.as_deref().unwrap_or("Hidden units");
        let step = self.frames.get(k).map(|s| s.step).unwrap_or(Step::Start);
        GridOptions {
            title: Some(format!("{base}: {step} ({}/{})", k + 1, self.frames.len())),
            ..opts.clone()
        }
    }

    /// Writes every snapshot as one frame of an animated GIF (looping) at `path`, each
    /// frame the [`image_grid`](super::image_grid) picture of the units with `opts`
    /// (colours, columns, scale; the title gains the step, e.g. "epoch 3 (3/20)"). Encoded
    /// in memory with one 256-colour palette for all frames, then written atomically.
    ///
    /// # Errors
    /// The error that stopped the recording, if any; [`Error::InvalidConfig`] if nothing
    /// was recorded; [`Error::Plot`] if a frame is larger than a GIF allows or encoding
    /// fails; [`Error::Io`] if the file cannot be written.
    pub fn write_gif(&self, path: impl AsRef<Path>, opts: &GridOptions) -> Result<()> {
        let path = path.as_ref();
        if let Some(e) = &self.error {
            return Err(Error::Plot(format!(
                "{}: the recording stopped: {e}",
                path.display()
            )));
        }
        if self.frames.is_empty() {
            return Err(Error::InvalidConfig(
                "HiddenUnitsRecorder::write_gif: no snapshot was recorded".into(),
            ));
        }
        // One canvas size for all frames: titles differ in length.
        let mut size = (1u32, 1u32);
        let first = self.images(0)?;
        for k in 0..self.frames.len() {
            let s = grid_size(&first, &self.frame_options(k, opts))?;
            size = (size.0.max(s.0), size.1.max(s.1));
        }
        let side = u32::from(u16::MAX).min(MAX_SIDE);
        if size.0 > side || size.1 > side {
            return Err(Error::Plot(format!(
                "{}: a {}×{} frame is larger than a GIF allows",
                path.display(),
                size.0,
                size.1
            )));
        }
        let (w, h) = (size.0 as u16, size.1 as u16);
        let gif_err = |e: ::gif::EncodingError| Error::Plot(format!("{}: {e}", path.display()));
        let palette = Palette::new();
        let mut bytes = Vec::new();
        {
            let mut enc = ::gif::Encoder::new(&mut bytes, w, h, &palette.rgb).map_err(gif_err)?;
            enc.set_repeat(::gif::Repeat::Infinite).map_err(gif_err)?;
            let mut cache = HashMap::new();
            let n = self.frames.len();
            for k in 0..n {
                let rgb = grid_rgb(&self.images(k)?, &self.frame_options(k, opts), size)?;
                let indices: Vec<u8> = rgb
                    .chunks_exact(3)
                    .map(|p| palette.index([p[0], p[1], p[2]], &mut cache))
                    .collect();
                let ms = if k + 1 == n {
                    self.delay_ms.max(2000)
                } else {
                    self.delay_ms
                };
                let frame = ::gif::Frame {
                    width: w,
                    height: h,
                    delay: (ms / 10).clamp(2, u32::from(u16::MAX)) as u16,
                    buffer: std::borrow::Cow::Owned(indices),
                    ..::gif::Frame::default()
                };
                enc.write_frame(&frame).map_err(gif_err)?;
            }
            enc.into_inner().map_err(gif_err)?;
        }
        crate::files::write_atomic(path, &bytes)
    }

    /// Writes snapshot `frame` as a PNG, drawn exactly as in [`write_gif`](Self::write_gif)
    /// but in full colour (to look at one frame, e.g. the first and the last).
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if there is no such frame; as
    /// [`image_grid`](super::image_grid).
    pub fn write_png(
        &self,
        path: impl AsRef<Path>,
        frame: usize,
        opts: &GridOptions,
    ) -> Result<()> {
        let images = self.images(frame)?;
        super::image_grid(path, &images, &self.frame_options(frame, opts))
    }
}

impl<T: Scalar> Observer<T> for HiddenUnitsRecorder {
    fn on_event(&mut self, event: &Event<'_, T>) -> ControlFlow<()> {
        if self.error.is_some() {
            return ControlFlow::Continue(());
        }
        let result = match event {
            Event::Iteration(it) => {
                self.iterations += 1;
                self.last_iteration = it.iteration;
                // An iteration carries θ but not its layout: the one already seen is used
                // (taken out and put back, so nothing is allocated).
                match self.layout.take() {
                    Some(layout) => {
                        let r = self.record_with(
                            Step::Iteration(it.iteration),
                            it.params,
                            &layout,
                            false,
                        );
                        self.layout = Some(layout);
                        r
                    }
                    None => Err(Error::InvalidConfig(
                        "HiddenUnitsRecorder: an iteration came before θ's layout was known; \
                         call record_start(&net) before full-batch training"
                            .into(),
                    )),
                }
            }
            Event::EpochFinished {
                record,
                params,
                layout,
            } => {
                let step = if self.iterations > 0 {
                    Step::End(self.last_iteration)
                } else {
                    Step::Epoch(record.epoch)
                };
                let last_planned = self.planned == Some(record.epoch);
                self.iterations = 0;
                // The minimiser's result replaces a snapshot of its last iteration.
                if let (Step::End(n), Some(last)) = (step, self.frames.last())
                    && last.step == Step::Iteration(n)
                    && let Some(s) = self.frames.pop()
                {
                    self.spare.push(s.weights);
                }
                if self.layout.as_ref() != Some(*layout) {
                    self.layout = Some((*layout).clone());
                }
                self.record_with(step, params, layout, last_planned)
            }
            Event::TrainingStarted { epochs, .. } => {
                self.planned = Some(*epochs);
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            self.error = Some(e);
        }
        ControlFlow::Continue(())
    }
}
