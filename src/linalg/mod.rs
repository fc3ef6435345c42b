//! The engine room: the crate's own GEMM and the worker pool it runs on, the only place
//! (with `par`'s one split of a slice) that needs `unsafe`.
//!
//! - `gemm/`: the blocked, allocation-free GEMM (driver, kernels, dispatch, packing buffers);
//! - `pool`: the persistent worker threads and the thread-count knob
//!   ([`set_num_threads`](crate::set_num_threads));
//! - `par`: running a closure's parts on the pool (batch splits, optimiser updates);
//! - this file: the GEMM on nalgebra views of any strides (transposes are stride-swapped
//!   views, never copies), [`transposed`] and [`column_range`].
//!
//! Dependencies run one way: `gemm → par → pool`; nothing here imports a module outside
//! `linalg` but `scalar`.

pub(crate) mod gemm;
pub(crate) mod par;
pub(crate) mod pool;

use crate::scalar::Scalar;
use nalgebra::{Dyn, Matrix, RawStorage, RawStorageMut, ViewStorage};

/// A dynamically-sized view with arbitrary row and column strides.
pub(crate) type StridedView<'a, T> = Matrix<T, Dyn, Dyn, ViewStorage<'a, T, Dyn, Dyn, Dyn, Dyn>>;

/// `c ← α·a·b + β·c`. Shapes are internal invariants (checked in debug builds and with
/// an assertion that costs nothing next to the product).
pub(crate) fn gemm<T, SA, SB, SC>(
    alpha: T,
    a: &Matrix<T, Dyn, Dyn, SA>,
    b: &Matrix<T, Dyn, Dyn, SB>,
    beta: T,
    c: &mut Matrix<T, Dyn, Dyn, SC>,
) where
    T: Scalar,
    SA: RawStorage<T, Dyn, Dyn>,
    SB: RawStorage<T, Dyn, Dyn>,
    SC: RawStorageMut<T, Dyn, Dyn>,
{
    let (m, k) = a.shape();
    let (k2, n) = b.shape();
    assert!(
        k == k2 && c.shape() == (m, n),
        "gemm shapes: {m}x{k} · {k2}x{n} -> {:?}",
        c.shape()
    );
    if m == 0 || n == 0 {
        return;
    }
    let (rsa, csa) = a.strides();
    let (rsb, csb) = b.strides();
    let (rsc, csc) = c.strides();
    // SAFETY: nalgebra guarantees each view's pointer and strides address its whole shape;
    // `c` is borrowed mutably while `a` and `b` are borrowed shared, so they do not alias.
    unsafe {
        T::gemm_raw(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            rsc as isize,
            csc as isize,
        );
    }
}

/// The transpose of a view as a stride-swapped view (zero-copy).
pub(crate) fn transposed<'a, T, S>(a: &'a Matrix<T, Dyn, Dyn, S>) -> StridedView<'a, T>
where
    T: Scalar,
    S: RawStorage<T, Dyn, Dyn>,
{
    let (r, c) = a.shape();
    let (rs, cs) = a.strides();
    // SAFETY: the swapped view addresses exactly the elements of `a` (same pointer, the
    // extents of rows and columns exchanged along with their strides) and shares its lifetime.
    unsafe {
        let storage = ViewStorage::from_raw_parts(a.as_ptr(), (Dyn(c), Dyn(r)), (Dyn(cs), Dyn(rs)));
        Matrix::from_data(storage)
    }
}

/// Columns `range` of a view, keeping the view's lifetime (nalgebra's `columns_range`
/// borrows the view itself).
///
/// # Panics
/// If `range` is out of bounds.
pub(crate) fn column_range<'a, T: Scalar>(
    v: nalgebra::DMatrixView<'a, T>,
    range: std::ops::Range<usize>,
) -> nalgebra::DMatrixView<'a, T> {
    assert!(
        range.start <= range.end && range.end <= v.ncols(),
        "column range"
    );
    let (_, cs) = v.strides();
    let offset = if range.start == range.end {
        0
    } else {
        range.start * cs
    };
    // SAFETY: columns `range` lie inside `v`'s storage (checked above); the new view has the
    // same row count and strides and lives no longer than `v`'s data.
    unsafe {
        let storage = ViewStorage::from_raw_parts(
            v.as_ptr().add(offset),
            (Dyn(v.nrows()), Dyn(range.end - range.start)),
            (nalgebra::U1, Dyn(cs)),
        );
        Matrix::from_data(storage)
    }
}
