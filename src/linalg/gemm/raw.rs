//! Raw GEMM operands: one strided matrix per argument instead of a pointer and two strides,
//! and one product per call instead of fourteen arguments.
//!
//! These carry no shape, lifetime or borrow: whoever builds one vouches for the elements it
//! addresses (the `# Safety` sections of the functions that take them say what is needed).

/// A read-only strided matrix: element `(i, j)` at `ptr + i·rs + j·cs` (strides in
/// elements, either sign).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawMat<T> {
    pub(crate) ptr: *const T,
    pub(crate) rs: isize,
    pub(crate) cs: isize,
}

/// A writable strided matrix: element `(i, j)` at `ptr + i·rs + j·cs`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawMatMut<T> {
    pub(crate) ptr: *mut T,
    pub(crate) rs: isize,
    pub(crate) cs: isize,
}

impl<T> RawMat<T> {
    /// The matrix at `ptr` with strides `(rs, cs)`.
    pub(crate) fn new(ptr: *const T, rs: isize, cs: isize) -> Self {
        RawMat { ptr, rs, cs }
    }

    /// The transpose: the same elements with the strides exchanged.
    pub(crate) fn t(self) -> Self {
        RawMat::new(self.ptr, self.cs, self.rs)
    }

    /// The sub-matrix whose element `(0, 0)` is this one's `(i, j)`.
    ///
    /// # Safety
    /// `(i, j)` lies inside the matrix (the offset stays inside its allocation).
    pub(crate) unsafe fn shifted(self, i: usize, j: usize) -> Self {
        // SAFETY: caller's contract.
        let ptr = unsafe { self.ptr.offset(i as isize * self.rs + j as isize * self.cs) };
        RawMat::new(ptr, self.rs, self.cs)
    }
}

impl<T> RawMatMut<T> {
    /// The matrix at `ptr` with strides `(rs, cs)`.
    pub(crate) fn new(ptr: *mut T, rs: isize, cs: isize) -> Self {
        RawMatMut { ptr, rs, cs }
    }

    /// The transpose: the same elements with the strides exchanged.
    pub(crate) fn t(self) -> Self {
        RawMatMut::new(self.ptr, self.cs, self.rs)
    }

    /// The sub-matrix whose element `(0, 0)` is this one's `(i, j)`.
    ///
    /// # Safety
    /// As for [`RawMat::shifted`].
    pub(crate) unsafe fn shifted(self, i: usize, j: usize) -> Self {
        // SAFETY: caller's contract.
        let ptr = unsafe { self.ptr.offset(i as isize * self.rs + j as isize * self.cs) };
        RawMatMut::new(ptr, self.rs, self.cs)
    }
}

/// One product `C ← α·A·B + β·C` with `A` `m × k`, `B` `k × n` and `C` `m × n`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Product<T> {
    pub(crate) m: usize,
    pub(crate) k: usize,
    pub(crate) n: usize,
    pub(crate) alpha: T,
    pub(crate) a: RawMat<T>,
    pub(crate) b: RawMat<T>,
    pub(crate) beta: T,
    pub(crate) c: RawMatMut<T>,
}

impl<T: Copy> Product<T> {
    /// `Cᵀ ← α·Bᵀ·Aᵀ + β·Cᵀ`: the same elements of C, each the same sum of the same products
    /// in the same order.
    pub(crate) fn transposed(self) -> Self {
        Product {
            m: self.n,
            k: self.k,
            n: self.m,
            alpha: self.alpha,
            a: self.b.t(),
            b: self.a.t(),
            beta: self.beta,
            c: self.c.t(),
        }
    }

    /// The rows `r0..r1` of C (and of A).
    ///
    /// # Safety
    /// `r0 < r1 ≤ m`.
    pub(crate) unsafe fn rows(self, r0: usize, r1: usize) -> Self {
        // SAFETY: row `r0 < m` is inside A and C (caller).
        let (a, c) = unsafe { (self.a.shifted(r0, 0), self.c.shifted(r0, 0)) };
        Product {
            m: r1 - r0,
            a,
            c,
            ..self
        }
    }

    /// The columns `c0..c1` of C (and of B).
    ///
    /// # Safety
    /// `c0 < c1 ≤ n`.
    pub(crate) unsafe fn cols(self, c0: usize, c1: usize) -> Self {
        // SAFETY: column `c0 < n` is inside B and C (caller).
        let (b, c) = unsafe { (self.b.shifted(0, c0), self.c.shifted(0, c0)) };
        Product {
            n: c1 - c0,
            b,
            c,
            ..self
        }
    }

    /// The same product in type `U`, whose values `alpha` and `beta` the caller has obtained
    /// from this one's (the pointers are cast; dereferencing them is the caller's affair).
    pub(crate) fn cast<U>(self, alpha: U, beta: U) -> Product<U> {
        Product {
            m: self.m,
            k: self.k,
            n: self.n,
            alpha,
            a: RawMat::new(self.a.ptr.cast(), self.a.rs, self.a.cs),
            b: RawMat::new(self.b.ptr.cast(), self.b.rs, self.b.cs),
            beta,
            c: RawMatMut::new(self.c.ptr.cast(), self.c.rs, self.c.cs),
        }
    }
}
