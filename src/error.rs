//! The crate's one error type.
//!
//! Every public function that can fail on user input returns [`Result`]; variants say what
//! went wrong and where (both shapes for a mismatch; path, offset and expectation for a file).

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
        "label {label} of sample {index} is out of range: the network has {classes} classes (labels 0..{classes})"
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
    /// Drawing or encoding a picture failed.
    #[error("plot error: {0}")]
    Plot(String),
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
