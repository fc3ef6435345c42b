//! The crate's one error type.
//!
//! Every public function that can fail on user input returns [`Result`]; variants say what
//! went wrong and where (both shapes for a mismatch; path, offset and expectation for a file).
//!
//! # Examples
//!
//! ```
//! use deepmultinet::{Error, Network, SoftmaxCrossEntropy, Identity};
//! let net = Network::with_sizes(&[2, 3], Identity, SoftmaxCrossEntropy::<f64>::new())?;
//! let x = nalgebra::DMatrix::<f64>::zeros(5, 1); // 5 rows, the network takes 2 inputs
//! match net.predict(&x) {
//!     Err(Error::ShapeMismatch { expected, found, .. }) => assert_eq!((expected.as_str(), found.as_str()), ("2", "5")),
//!     other => panic!("{other:?}"),
//! }
//! // Every message says what was expected; label errors say which labels are valid.
//! let err = net.cost(&nalgebra::DMatrix::zeros(2, 1), &[7usize], 0.0).unwrap_err();
//! assert!(err.to_string().contains("labels must be 0..=2"), "{err}");
//! # Ok::<(), deepmultinet::Error>(())
//! ```

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes or sizes that must agree do not.
    #[error("shape mismatch in {context}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being checked, e.g. "batch rows (input size)".
        context: String,
        /// The size that was required.
        expected: String,
        /// The size that was given.
        found: String,
    },
    /// A class label is not below the number of classes.
    #[error(
        "label {label} of sample {index} is out of range: {}",
        describe_classes(*classes)
    )]
    LabelOutOfRange {
        /// The offending label.
        label: usize,
        /// The sample (column) holding it.
        index: usize,
        /// Number of classes (valid labels are `0..classes`).
        classes: usize,
    },
    /// A parameter vector θ of the wrong length.
    #[error("parameter vector has length {found}, but the network needs {expected}")]
    ParamLength {
        /// Length the layout requires.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// A batch with no samples.
    #[error("empty batch in {context}: expected at least 1 sample, found 0")]
    EmptyBatch {
        /// The operation that was given the empty batch.
        context: &'static str,
    },
    /// A numeric parameter outside its allowed range (a negative λ, a learning rate of 0, a
    /// NaN tolerance, a layer size of 0, ...): which parameter, its value and what it must be.
    #[error("invalid parameter `{name}`: expected {expected}, found {value}")]
    InvalidParameter {
        /// The parameter, as its field or argument is called (`"learning_rate"`, `"lambda"`).
        name: &'static str,
        /// The value given (counts are converted exactly up to 2⁵³).
        value: f64,
        /// What the value must be, e.g. `"finite and > 0"`.
        expected: &'static str,
    },
    /// An index (layer, sample, unit, class) past the end of what it indexes.
    #[error("{what} index {index} is out of range: expected less than {len}")]
    IndexOutOfRange {
        /// What is indexed, e.g. `"layer"` or `"sample"`.
        what: &'static str,
        /// The index given.
        index: usize,
        /// How many there are (valid indices are `0..len`).
        len: usize,
    },
    /// A configuration that is not allowed for a reason that is not a single number out of
    /// range (an empty list of classes, an unknown activation name, ...).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file's contents are not what its format requires.
    #[error("{}: invalid {format} file at byte {offset}: expected {expected}, found {found}", path.display())]
    Format {
        /// The file (or `<memory>` for in-memory data).
        path: PathBuf,
        /// The format being parsed, e.g. "IDX".
        format: &'static str,
        /// Byte offset where the problem was found.
        offset: u64,
        /// What the format requires there.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// Training diverged — a non-finite or exploding cost, or parameters that blew up while
    /// the cost stayed bounded (a saturated head); the last good θ was restored.
    #[error(
        "training diverged at epoch {epoch}: {} (the last good parameters were restored)",
        why.describe(*cost)
    )]
    Diverged {
        /// Epoch (or iteration) at which divergence was detected.
        epoch: usize,
        /// The offending cost (for a parameter blow-up, the epoch's mean cost).
        cost: f64,
        /// What gave the divergence away.
        why: Divergence,
    },
    /// A buffer whose size comes from an argument or a file cannot be allocated: its size
    /// overflows, or the allocator refused it. Nothing of that size was allocated; the
    /// operation had no effect.
    #[error(
        "cannot allocate {what}: {requested_bytes} bytes ({}) requested",
        human_bytes(*requested_bytes)
    )]
    TooLarge {
        /// What was to be allocated, e.g. `"parameter vector θ"`.
        what: &'static str,
        /// The bytes it needs (saturating at `u128::MAX` when even that overflows).
        requested_bytes: u128,
    },
    /// More classes than [`data::MAX_CLASSES`](crate::data::MAX_CLASSES): given, or taken
    /// from the largest label + 1 (a wrong label column, or a label such as 4294967294).
    #[error("too many classes: {classes} (labels 0..{classes}), at most {limit} are supported")]
    TooManyClasses {
        /// The number of classes asked for (or the largest label + 1).
        classes: usize,
        /// The largest number of classes supported.
        limit: usize,
    },
    /// Drawing or encoding a picture failed.
    #[error("plot error: {0}")]
    Plot(String),
    /// Data that cannot be used as it is, for a reason that is not a shape or a single
    /// number (training labels of only one class, a label the model has never seen, ...);
    /// the message says what to do.
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// A NaN or infinite input value where only finite numbers make sense (a NaN passes
    /// ReLU as 0 and would give a confident prediction).
    #[error(
        "{context}: feature {feature} of sample {sample} is {value}, not a finite number; \
         impute or drop missing values before (rows are samples, both counted from 0)"
    )]
    NonFinite {
        /// The operation, e.g. `"Classifier::fit"`.
        context: &'static str,
        /// The sample (row of the caller's samples × features input).
        sample: usize,
        /// The feature (column of the caller's input).
        feature: usize,
        /// The value found (NaN, +∞ or −∞).
        value: f64,
    },
    /// The live dashboard's server could not be started (the port is in use, the address is
    /// not local, ...): where it tried to listen and why it could not.
    #[error("dashboard server on {addr}: {message}")]
    Server {
        /// The address it tried to listen on, e.g. `127.0.0.1:8080`.
        addr: String,
        /// What went wrong, and what to try.
        message: String,
    },
}

/// The second half of [`Error::LabelOutOfRange`]'s message: what the valid labels are and
/// what to do.
fn describe_classes(classes: usize) -> String {
    match classes {
        0 => "the network has no outputs".to_string(),
        1 => "the network has one output, so the only label is 0; for two classes give it \
              two softmax outputs, or train its one sigmoid output on 0/1 targets \
              (`Targets::Dense`); `Classifier` does either"
            .to_string(),
        k => format!(
            "the network has {k} outputs, so labels must be 0..={}; map other labels to \
             0..={} first (`Classifier` does it for labels of any type)",
            k - 1,
            k - 1
        ),
    }
}

/// What a divergence guard saw (in [`Error::Diverged`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Divergence {
    /// The cost was not finite, or grew past its limit.
    Cost,
    /// The largest parameter magnitude grew past its limit (or is not finite) although the
    /// cost did not: a head that saturates (sigmoid + MSE) keeps the cost bounded while θ
    /// runs away.
    Parameters {
        /// The largest `|θᵢ|` at the end of the epoch.
        max_abs: f64,
        /// The limit it passed (`divergence_factor × max(max |θ₀ᵢ|, 1)`).
        limit: f64,
    },
}

impl Divergence {
    fn describe(&self, cost: f64) -> String {
        match self {
            Divergence::Cost => format!("cost {cost}"),
            Divergence::Parameters { max_abs, limit } => format!(
                "the parameters ran away (largest |θ| = {max_abs:e}, limit {limit:e}) while the \
                 cost stayed at {cost}"
            ),
        }
    }
}

/// `bytes` with a binary unit: `"7.28 TiB"` (exact below 1 KiB: `"12 B"`).
fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.2} {}", UNITS[unit])
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::ShapeMismatch`].
    pub(crate) fn shape(
        context: impl Into<String>,
        expected: impl ToString,
        found: impl ToString,
    ) -> Self {
        Error::ShapeMismatch {
            context: context.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }
}
