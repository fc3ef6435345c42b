//! Fallible allocation for buffers whose size comes from a caller or a file.
//!
//! Sizes are multiplied with checked arithmetic and memory is reserved with
//! `Vec::try_reserve_exact`, so a size that overflows or that the allocator refuses is an
//! [`Error::TooLarge`] naming what was to be allocated and how many bytes it needs — never an
//! abort. The only limit is the allocator's: Linux's default heuristic overcommit refuses a
//! request larger than RAM + swap at once, without touching memory (with
//! `vm.overcommit_memory = 1` it accepts anything and the process may be killed later).

use crate::error::{Error, Result};
use crate::scalar::Scalar;
use nalgebra::DMatrix;

/// The [`Error::TooLarge`] for `what`, which needs `requested_bytes`.
pub(crate) fn too_large(what: &'static str, requested_bytes: u128) -> Error {
    Error::TooLarge {
        what,
        requested_bytes,
    }
}

/// Bytes of `len` values of `T`, saturating.
pub(crate) fn bytes_of<T>(len: u128) -> u128 {
    len.saturating_mul(std::mem::size_of::<T>() as u128)
}

/// `a · b` (a number of `T`s), or [`Error::TooLarge`] if it overflows `usize`.
pub(crate) fn product<T>(what: &'static str, a: usize, b: usize) -> Result<usize> {
    a.checked_mul(b)
        .ok_or_else(|| too_large(what, bytes_of::<T>(a as u128 * b as u128)))
}

/// An empty vector with room for exactly `len` values, or [`Error::TooLarge`].
pub(crate) fn try_with_capacity<T>(what: &'static str, len: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| too_large(what, bytes_of::<T>(len as u128)))?;
    Ok(v)
}

/// `len` copies of `value` (one allocation, as `vec![value; len]`), or [`Error::TooLarge`].
pub(crate) fn try_vec<T: Clone>(what: &'static str, len: usize, value: T) -> Result<Vec<T>> {
    let mut v = try_with_capacity(what, len)?;
    v.resize(len, value);
    Ok(v)
}

/// A `rows × cols` matrix of zeros, or [`Error::TooLarge`].
pub(crate) fn try_zeros<T: Scalar>(
    what: &'static str,
    rows: usize,
    cols: usize,
) -> Result<DMatrix<T>> {
    let len = product::<T>(what, rows, cols)?;
    Ok(DMatrix::from_vec(
        rows,
        cols,
        try_vec(what, len, T::zero())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflowing_and_refused_sizes_are_named_errors() {
        let e = product::<f64>("m", usize::MAX, 2).unwrap_err();
        assert!(matches!(
            e,
            Error::TooLarge { what: "m", requested_bytes } if requested_bytes == (usize::MAX as u128) * 16
        ));
        // More than `isize::MAX` bytes: refused before the allocator is asked.
        let e = try_vec("v", usize::MAX / 2, 0u32).unwrap_err();
        assert!(matches!(e, Error::TooLarge { what: "v", .. }));
        assert_eq!(try_vec("v", 3, 7u8).unwrap(), vec![7, 7, 7]);
        assert_eq!(try_zeros::<f64>("z", 2, 3).unwrap().shape(), (2, 3));
    }

    #[test]
    fn the_message_gives_bytes_and_a_binary_unit() {
        let e = too_large("parameter vector θ", 8_000_008_000_000);
        assert_eq!(
            e.to_string(),
            "cannot allocate parameter vector θ: 8000008000000 bytes (7.28 TiB) requested"
        );
        assert!(too_large("x", 12).to_string().contains("12 bytes (12 B)"));
    }
}
