//! The course's weights: θ from the MAT variables `Theta1`, `Theta2`, ..., `ThetaL` (the
//! MAT parser itself is [`crate::data::mat`]).

use crate::activation::Activation;
use crate::data::mat::{MatFile, position};
use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use std::path::Path;
use std::sync::Arc;

/// θ from the MAT variables `Theta1`, `Theta2`, ..., `ThetaL` (each `s_{l+1} × (s_l + 1)`,
/// column 0 the bias): exactly `[Theta1(:); Theta2(:); ...]`, with the sizes they imply.
///
/// # Errors
/// [`Error::Format`] if `Theta1` is missing, a matrix is not numeric, holds a NaN or an
/// infinity (or a value beyond `T`'s range), or consecutive matrices do not chain
/// (`Theta_{l+1}` must have `rows(Theta_l) + 1` columns).
pub fn thetas_from_mat<T: Scalar>(mat: &MatFile) -> Result<(Vec<usize>, Vec<T>)> {
    let mut sizes = Vec::new();
    let mut theta = Vec::new();
    let mut l = 1;
    while l == 1 || mat.get(&format!("Theta{l}")).is_some() {
        let name = format!("Theta{l}");
        let m = mat.matrix::<T>(&name)?;
        let offset = mat.get(&name).map_or(0, |v| v.offset);
        if m.ncols() < 2 || m.nrows() == 0 {
            return Err(Error::Format {
                path: mat_path(mat),
                format: "MAT",
                offset,
                expected: format!("`{name}` with at least 1 row and 2 columns (bias + weights)"),
                found: format!("{} × {}", m.nrows(), m.ncols()),
            });
        }
        if let Some(&prev) = sizes.last()
            && m.ncols() != prev + 1
        {
            return Err(Error::Format {
                path: mat_path(mat),
                format: "MAT",
                offset,
                expected: format!(
                    "`{name}` with {} columns (1 + rows of Theta{})",
                    prev + 1,
                    l - 1
                ),
                found: format!("{} × {}", m.nrows(), m.ncols()),
            });
        }
        if let Some(k) = m.iter().position(|t| !t.as_f64().is_finite()) {
            return Err(Error::Format {
                path: mat_path(mat),
                format: "MAT",
                offset,
                expected: format!(
                    "finite values in `{name}` (a model with NaN or infinite parameters is not \
                     loaded)"
                ),
                found: format!("{:?} at {}", m[k].as_f64(), position(k, m.nrows())),
            });
        }
        if sizes.is_empty() {
            sizes.push(m.ncols() - 1);
        }
        sizes.push(m.nrows());
        theta.extend(m.iter().copied());
        l += 1;
    }
    Ok((sizes, theta))
}

fn mat_path(mat: &MatFile) -> std::path::PathBuf {
    mat.path().to_path_buf()
}

/// A network from the course's MAT weights (`Theta1`, `Theta2`, ...), every hidden layer using
/// `hidden`, with head `head`: `from_mat(path, Arc::new(Sigmoid), SigmoidCrossEntropy::new())`
/// is the course's network, predicting as it does in Octave (output unit `k` is MATLAB label
/// `k + 1`).
///
/// # Errors
/// [`Error::Io`] / [`Error::Format`] as [`MatFile::read`] and [`thetas_from_mat`].
pub fn from_mat<L: OutputLoss>(
    path: impl AsRef<Path>,
    hidden: Arc<dyn Activation<L::Scalar>>,
    head: L,
) -> Result<Network<L>> {
    let mat = MatFile::read(path)?;
    let (sizes, theta) = thetas_from_mat::<L::Scalar>(&mat)?;
    let acts = vec![hidden; sizes.len().saturating_sub(2)];
    Network::from_parts(&sizes, acts, head, theta)
}

/// Copies `Theta1`, `Theta2`, ... from a MAT-file into `net`, whose sizes must match.
/// `net` is unchanged on error.
///
/// # Errors
/// As [`thetas_from_mat`]; [`Error::ShapeMismatch`] if the sizes differ from `net`'s.
pub fn import_mat_into<L: OutputLoss>(net: &mut Network<L>, path: impl AsRef<Path>) -> Result<()> {
    let mat = MatFile::read(path)?;
    let (sizes, theta) = thetas_from_mat::<L::Scalar>(&mat)?;
    if sizes != net.sizes() {
        return Err(Error::shape(
            format!(
                "layer sizes implied by the Theta matrices of {}",
                mat.path().display()
            ),
            format!("{:?}", net.sizes()),
            format!("{sizes:?}"),
        ));
    }
    net.set_params(&theta)
}
