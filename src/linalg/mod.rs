//! The engine room: the crate's own GEMM and the worker pool it runs on — the only module
//! of the crate that contains `unsafe` (`#![deny(unsafe_code)]` everywhere else).
//!
//! The public items are [`gemm`], the safe `C ← α·A·B + β·C` on nalgebra matrices and
//! views of any strides, and which kernel family it runs ([`GemmKernel`], [`gemm_kernel`],
//! [`gemm_kernel_checked`]). Inside the crate:
//! - `gemm/`: the blocked, allocation-free GEMM (driver, AVX-512/AVX2/portable kernels,
//!   their one-time choice [`gemm_kernel`], packing buffers) on raw strided storage;
//! - `pool`: the persistent worker threads and the thread-count knob
//!   ([`set_num_threads`](crate::set_num_threads));
//! - `par`: running a closure's parts on the pool (batch splits, chunked optimiser updates
//!   that hand each thread its own `&mut` sub-slices);
//! - `simd`: running safe elementwise loops (the optimisers' fused updates) compiled for the
//!   process's SIMD family;
//! - this file: the view-based GEMM and its dispatch to the `f32`/`f64` kernels,
//!   `transposed` and `column_range`.
//!
//! Dependencies run one way: `gemm → par → pool`; nothing here imports a module outside
//! `linalg` but `scalar` and `error`.
//!
//! # Examples
//!
//! ```
//! use deepmultinet::linalg::gemm;
//! let a = nalgebra::DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
//! let b = nalgebra::DMatrix::from_element(3, 2, 1.0);
//! let mut c = nalgebra::DMatrix::zeros(2, 2);
//! gemm(1.0, &a, &b, 0.0, &mut c)?; // C ← 1·A·B + 0·C
//! assert_eq!(c, &a * &b);
//! # Ok::<(), deepmultinet::Error>(())
//! ```

mod gemm;
pub(crate) mod par;
pub(crate) mod pool;
pub(crate) mod simd;

use crate::error::{Error, Result};
use crate::scalar::Scalar;
pub use gemm::{GemmKernel, gemm_kernel, gemm_kernel_checked};
use gemm::{Product, RawMat, RawMatMut};
use nalgebra::{Dyn, Matrix, RawStorage, RawStorageMut, ViewStorage};
use std::any::Any;

/// A dynamically-sized view with arbitrary row and column strides.
pub(crate) type StridedView<'a, T> = Matrix<T, Dyn, Dyn, ViewStorage<'a, T, Dyn, Dyn, Dyn, Dyn>>;

/// `C ← α·A·B + β·C` for an `m × k` matrix `A`, a `k × n` matrix `B` and an `m × n` matrix
/// `C`, each an owned matrix or a view with any strides — a transpose is a stride-swapped
/// view, never a copy. The crate's own blocked GEMM: allocation-free once its per-thread
/// packing buffers have grown to the problem size, split across the worker pool for large
/// products ([`set_num_threads`](crate::set_num_threads)), and bit-for-bit the same whatever
/// the thread count, and whether the AVX-512 or the AVX2 kernels run ([`gemm_kernel`]; the
/// portable kernels round differently).
///
/// When `β = 0`, `C` is not read (it may hold NaN); when `k = 0` or `α = 0`, `A` and `B`
/// are not read (`C ← β·C`).
///
/// # Errors
/// [`Error::ShapeMismatch`] unless the columns of `A` match the rows of `B` and `C` is
/// (rows of `A`) × (columns of `B`); `C` is then left untouched.
///
/// # Examples
/// ```
/// use deepmultinet::linalg::gemm;
/// use nalgebra::{DMatrix, DMatrixView};
///
/// let a = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let b = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
/// let mut c = DMatrix::from_element(2, 2, 1.0);
/// gemm(2.0, &a, &b, 0.5, &mut c)?; // C ← 2·A·B + 0.5·C
/// assert_eq!(c, DMatrix::from_row_slice(2, 2, &[8.5, 10.5, 20.5, 22.5]));
///
/// // Aᵀ·A with Aᵀ a stride-swapped view of A's column-major storage.
/// let at = DMatrixView::from_slice_with_strides(a.as_slice(), 3, 2, 2, 1);
/// let mut ata = DMatrix::zeros(3, 3);
/// gemm(1.0, &at, &a, 0.0, &mut ata)?;
/// assert_eq!(ata, a.transpose() * &a);
///
/// // Incompatible shapes are an error, not a panic.
/// assert!(matches!(
///     gemm(1.0, &a, &a, 0.0, &mut c),
///     Err(deepmultinet::Error::ShapeMismatch { .. })
/// ));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub fn gemm<T, SA, SB, SC>(
    alpha: T,
    a: &Matrix<T, Dyn, Dyn, SA>,
    b: &Matrix<T, Dyn, Dyn, SB>,
    beta: T,
    c: &mut Matrix<T, Dyn, Dyn, SC>,
) -> Result<()>
where
    T: Scalar,
    SA: RawStorage<T, Dyn, Dyn>,
    SB: RawStorage<T, Dyn, Dyn>,
    SC: RawStorageMut<T, Dyn, Dyn>,
{
    let (m, k) = a.shape();
    let (k2, n) = b.shape();
    if k != k2 {
        return Err(Error::shape("gemm: rows of B (columns of A)", k, k2));
    }
    if c.shape() != (m, n) {
        return Err(Error::shape(
            "gemm: shape of C (rows of A × columns of B)",
            format!("{m}×{n}"),
            format!("{}×{}", c.nrows(), c.ncols()),
        ));
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    let raw = |(rs, cs): (usize, usize)| (rs as isize, cs as isize);
    let ((rsa, csa), (rsb, csb), (rsc, csc)) =
        (raw(a.strides()), raw(b.strides()), raw(c.strides()));
    let p = Product {
        m,
        k,
        n,
        alpha,
        a: RawMat::new(a.as_ptr(), rsa, csa),
        b: RawMat::new(b.as_ptr(), rsb, csb),
        beta,
        c: RawMatMut::new(c.as_mut_ptr(), rsc, csc),
    };
    // SAFETY: the shapes agree (checked above). nalgebra's `RawStorage` (an `unsafe trait`)
    // guarantees each pointer and its strides address the whole shape, and a mutable
    // storage's elements are pairwise distinct (nalgebra rejects aliasing strides when a
    // mutable view is built); `c` is borrowed mutably while `a` and `b` are borrowed shared,
    // so it overlaps neither. Strides of live storage fit in `isize`.
    unsafe { gemm_dispatch(p) };
    Ok(())
}

/// [`gemm`] for the crate's own products, whose shapes are invariants of the network's
/// layout: a mismatch is a bug and panics.
///
/// # Panics
/// If the shapes do not agree.
pub(crate) fn gemm_or_panic<T, SA, SB, SC>(
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
    if let Err(e) = gemm(alpha, a, b, beta, c) {
        panic!("{e}");
    }
}

/// `C ← α·A·B + β·C` on raw strided storage with the kernels of `T` (`f32` or `f64`).
///
/// The kernel family is chosen by the type: `Scalar` is sealed to `f32` and `f64` and is
/// `'static`, so `T` is downcast to the one it is (`Any`; the `TypeId` comparisons are
/// constants after monomorphisation and the dead branch disappears). The pointer casts
/// ([`Product::cast`]) are then identities. This keeps the GEMM out of `Scalar` altogether:
/// a kernel-carrying seal trait would have to be a supertrait of `Scalar` — making `scalar`
/// depend on `linalg`, and its methods callable as `T::method` by anyone holding a
/// `T: Scalar`.
///
/// # Safety
/// The contract of [`gemm::gemm`].
unsafe fn gemm_dispatch<T: Scalar>(p: Product<T>) {
    /// `(α, β)` as `U`s, if that is their type.
    fn downcast<U: Copy + 'static>(alpha: &dyn Any, beta: &dyn Any) -> Option<(U, U)> {
        Some((*alpha.downcast_ref()?, *beta.downcast_ref()?))
    }
    if let Some((alpha, beta)) = downcast::<f32>(&p.alpha, &p.beta) {
        // SAFETY: `T` is `f32` (downcast above), so the pointer casts are identities;
        // forwarded contract.
        unsafe { gemm::gemm::<f32>(p.cast(alpha, beta)) }
    } else if let Some((alpha, beta)) = downcast::<f64>(&p.alpha, &p.beta) {
        // SAFETY: as above, `T` is `f64`.
        unsafe { gemm::gemm::<f64>(p.cast(alpha, beta)) }
    } else {
        unreachable!("Scalar is sealed to f32 and f64")
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
