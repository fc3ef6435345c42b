//! Elementwise loops compiled for the process's SIMD instruction set: the optimisers' fused
//! updates are written once, as plain safe loops over slices, and [`vectorized`] runs them
//! inside a function compiled with AVX-512F (or AVX2 + FMA) enabled, so the compiler's
//! auto-vectoriser emits `zmm` (`ymm`) code for them — the same family the GEMM uses
//! ([`gemm_kernel`](super::gemm_kernel)); the portable family runs them as compiled for the
//! baseline target.
//!
//! **Arithmetic.** Enabling an instruction set does not change what a loop computes: Rust
//! never contracts `a·b + c` into a fused multiply-add on its own, and vector add, multiply,
//! divide and square root are correctly rounded like their scalar forms. A loop of those
//! operations therefore gives the same bits on every family (tested on every family this
//! CPU runs, in `optim`).

use super::gemm::GemmKernel;

/// Runs `f` compiled for the process's SIMD family (see the module docs). `f` should be a
/// closure whose loops are `#[inline]` code: it is inlined into a function compiled with the
/// family's target features.
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    vectorized_as(super::gemm::gemm_kernel(), f)
}

/// [`vectorized`] for family `k` (the baseline compilation when this CPU cannot run it).
#[inline(always)]
pub(crate) fn vectorized_as<R>(k: GemmKernel, f: impl FnOnce() -> R) -> R {
    run_vectorized_as(k, Call(f))
}

/// A closure as a [`SimdLoop`] (what [`vectorized`] runs).
struct Call<F>(F);

impl<R, F: FnOnce() -> R> SimdLoop for Call<F> {
    type Output = R;
    #[inline(always)]
    fn run(self) -> R {
        (self.0)()
    }
}

/// A loop for [`run_vectorized`]. Implement `run` with `#[inline(always)]`: it is then
/// compiled inside the family's function (a closure passed to [`vectorized`] is only
/// inlined there when the compiler finds it small enough).
pub(crate) trait SimdLoop {
    /// What the loop returns.
    type Output;
    /// Runs the loop.
    fn run(self) -> Self::Output;
}

/// Runs `l` compiled for the process's SIMD family, like [`vectorized`], with the loop's
/// body always compiled inside the family's function.
#[inline(always)]
pub(crate) fn run_vectorized<L: SimdLoop>(l: L) -> L::Output {
    run_vectorized_as(super::gemm::gemm_kernel(), l)
}

/// [`run_vectorized`] for family `k` (the baseline compilation when this CPU cannot run it).
#[inline(always)]
pub(crate) fn run_vectorized_as<L: SimdLoop>(k: GemmKernel, l: L) -> L::Output {
    #[cfg(target_arch = "x86_64")]
    match k {
        // SAFETY: the CPU runs AVX-512F, AVX2 and FMA (detected at run time).
        GemmKernel::Avx512 if k.is_available() => return unsafe { avx512_loop(l) },
        // SAFETY: the CPU runs AVX2 and FMA (detected at run time).
        GemmKernel::Avx2 if k.is_available() => return unsafe { avx2_loop(l) },
        _ => {}
    }
    l.run()
}

/// Runs `l`, compiled with AVX-512F.
///
/// # Safety
/// The CPU supports AVX-512F, AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn avx512_loop<L: SimdLoop>(l: L) -> L::Output {
    l.run()
}

/// Runs `l`, compiled with AVX2.
///
/// # Safety
/// The CPU supports AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_loop<L: SimdLoop>(l: L) -> L::Output {
    l.run()
}

/// Asks the CPU to start loading every cache line of `s` into the cache (x86-64's
/// `prefetcht0`; nothing elsewhere). Only a hint: it reads nothing and changes no value, so
/// it cannot fault, whatever `s` is. Gathering a batch's scattered columns prefetches the
/// next few columns while it copies one, so their memory latency overlaps the copying.
#[inline]
pub(crate) fn prefetch<T>(s: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let base = s.as_ptr().cast::<i8>();
        for offset in (0..std::mem::size_of_val(s)).step_by(64) {
            // SAFETY: SSE is part of the x86-64 baseline, and a prefetch only hints: it
            // dereferences nothing (any address is allowed).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = s;
}
