//! Runtime kernel selection, done once per process and cached.

use super::driver::gemm_serial;
use super::kernel_generic::{F32Generic, F64Generic};
use super::raw::Product;
#[cfg(target_arch = "x86_64")]
use std::sync::atomic::{AtomicU8, Ordering};

/// Detection state: 0 = not yet detected, 1 = portable kernels, 2 = AVX2 + FMA.
#[cfg(target_arch = "x86_64")]
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// Whether the AVX2 + FMA kernels can run on this CPU (detected on first use, then cached).
#[inline]
pub(crate) fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        match LEVEL.load(Ordering::Relaxed) {
            2 => true,
            1 => false,
            _ => {
                let yes =
                    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
                LEVEL.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
                yes
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Generates the single-threaded entry point for one element type.
macro_rules! serial_entry {
    ($name:ident, $t:ty, $avx:path, $generic:ty) => {
        /// Single-threaded GEMM with the best available kernel. Requires `m, n, k > 0`.
        ///
        /// # Safety
        /// The contract of [`super::gemm`].
        pub(super) unsafe fn $name(p: Product<$t>) {
            #[cfg(target_arch = "x86_64")]
            if has_avx2_fma() {
                // SAFETY: forwarded contract; AVX2 and FMA were detected at run time.
                unsafe { $avx(p) };
                return;
            }
            // SAFETY: forwarded contract.
            unsafe { gemm_serial::<$generic>(p) }
        }
    };
}

serial_entry!(sgemm_serial, f32, super::kernel_avx2::sgemm, F32Generic);
serial_entry!(dgemm_serial, f64, super::kernel_avx2::dgemm, F64Generic);
