//! Runtime kernel selection, done once per process and cached: the widest kernel family
//! this CPU runs (AVX-512F, else AVX2 + FMA, else portable), or the one
//! `DEEPMULTINET_KERNEL` names.

use super::driver::gemm_serial;
use super::kernel_generic::{F32Generic, F64Generic};
use super::raw::Product;
use crate::error::{Error, Result};
use std::sync::OnceLock;

/// A family of GEMM microkernels (one register tile per element type).
///
/// Every GEMM of a process uses one family, chosen the first time a product is computed:
/// the widest this CPU supports ([`GemmKernel::best_available`]), unless the environment
/// variable `DEEPMULTINET_KERNEL` names another (`avx512`, `avx2` or `generic`; see
/// [`gemm_kernel`]).
///
/// **What the choice changes.** [`Avx512`](Self::Avx512) and [`Avx2`](Self::Avx2) compute
/// every element of a product as the same sequence of fused multiply-adds (increasing `p`,
/// the same blocking of the inner dimension) and give bit-identical results; only their
/// register tiles and speed differ. [`Generic`](Self::Generic) multiplies and then adds
/// (two roundings per term instead of one), so its results differ in the last bits.
///
/// ```
/// use deepmultinet::linalg::{GemmKernel, gemm_kernel};
/// let k = gemm_kernel();
/// assert!(k.is_available());
/// assert_eq!(k.name().parse::<GemmKernel>()?, k);
/// assert!("avx1024".parse::<GemmKernel>().is_err());
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GemmKernel {
    /// Plain loops (any CPU): `f32` 16 × 6 and `f64` 8 × 6 tiles, multiply then add.
    Generic,
    /// x86-64 AVX2 + FMA: `f32` 16 × 6 and `f64` 8 × 6 tiles in 16 `ymm` registers.
    Avx2,
    /// x86-64 AVX-512F: `f32` 32 × 8 and `f64` 16 × 8 tiles in `zmm` registers.
    Avx512,
}

impl GemmKernel {
    /// Every family, narrowest first.
    pub const ALL: [GemmKernel; 3] = [GemmKernel::Generic, GemmKernel::Avx2, GemmKernel::Avx512];

    /// The name `DEEPMULTINET_KERNEL` takes: `"generic"`, `"avx2"` or `"avx512"`.
    pub fn name(self) -> &'static str {
        match self {
            GemmKernel::Generic => "generic",
            GemmKernel::Avx2 => "avx2",
            GemmKernel::Avx512 => "avx512",
        }
    }

    /// Whether this CPU (and operating system) can run the family (detected at run time).
    pub fn is_available(self) -> bool {
        match self {
            GemmKernel::Generic => true,
            GemmKernel::Avx2 => cpu().avx2_fma,
            GemmKernel::Avx512 => cpu().avx512f,
        }
    }

    /// The widest family this CPU runs.
    pub fn best_available() -> GemmKernel {
        Self::best_up_to(GemmKernel::Avx512)
    }

    /// The widest available family no wider than `self` (what a request this CPU cannot
    /// honour falls back to).
    fn best_up_to(self) -> GemmKernel {
        Self::ALL
            .into_iter()
            .rev()
            .find(|k| *k <= self && k.is_available())
            .unwrap_or(GemmKernel::Generic)
    }

    /// The register tile `(rows, columns)` of `C` this family computes per step, for `f32`
    /// (`double = false`) or `f64`.
    pub fn tile(self, double: bool) -> (usize, usize) {
        use super::driver::Kernel;
        match (self, double) {
            (GemmKernel::Avx512, false) => (F32_512_MR, F32_512_NR),
            (GemmKernel::Avx512, true) => (F64_512_MR, F64_512_NR),
            (_, false) => (F32Generic::MR, F32Generic::NR),
            (_, true) => (F64Generic::MR, F64Generic::NR),
        }
    }
}

impl std::fmt::Display for GemmKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for GemmKernel {
    type Err = Error;

    /// Parses a family's [`name`](GemmKernel::name) (case and surrounding space ignored).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for any other string.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "unknown GEMM kernel {s:?}: expected one of generic, avx2, avx512"
                ))
            })
    }
}

/// The AVX-512 tile shapes (the kernels in `kernel_avx512` are instantiated with these).
pub(super) const F32_512_MR: usize = 32;
pub(super) const F32_512_NR: usize = 8;
pub(super) const F64_512_MR: usize = 16;
pub(super) const F64_512_NR: usize = 8;

/// What the CPU supports, detected once.
#[derive(Clone, Copy)]
struct Cpu {
    avx2_fma: bool,
    avx512f: bool,
}

fn cpu() -> Cpu {
    static CPU: OnceLock<Cpu> = OnceLock::new();
    *CPU.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2_fma =
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
            // The AVX-512 kernels also use AVX2 code (packing); every AVX-512F CPU has it.
            let avx512f = avx2_fma && std::is_x86_feature_detected!("avx512f");
            Cpu { avx2_fma, avx512f }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Cpu {
                avx2_fma: false,
                avx512f: false,
            }
        }
    })
}

/// The outcome of reading `DEEPMULTINET_KERNEL`: the family used, and why it is not the
/// one requested (if so).
fn choose(env: Option<&str>) -> (GemmKernel, Option<String>) {
    let Some(v) = env.filter(|v| !v.trim().is_empty()) else {
        return (GemmKernel::best_available(), None);
    };
    match v.parse::<GemmKernel>() {
        Err(_) => {
            let best = GemmKernel::best_available();
            let msg = format!(
                "DEEPMULTINET_KERNEL={v:?} is not a kernel (generic, avx2, avx512); using {best}"
            );
            (best, Some(msg))
        }
        Ok(k) if k.is_available() => (k, None),
        Ok(k) => {
            let used = k.best_up_to();
            let msg = format!(
                "DEEPMULTINET_KERNEL={}: this CPU cannot run the {k} kernels; using {used}",
                v.trim()
            );
            (used, Some(msg))
        }
    }
}

/// The choice, made once per process.
fn chosen() -> &'static (GemmKernel, Option<String>) {
    static CHOSEN: OnceLock<(GemmKernel, Option<String>)> = OnceLock::new();
    CHOSEN.get_or_init(|| {
        let c = choose(std::env::var("DEEPMULTINET_KERNEL").ok().as_deref());
        if let Some(e) = &c.1 {
            // A request the library cannot honour is not silently ignored: one line, once.
            eprintln!("deepmultinet: {e}");
        }
        c
    })
}

/// The GEMM kernel family this process uses, chosen once (on the first call, or the first
/// product computed).
///
/// **Default:** [`GemmKernel::best_available`]. **`DEEPMULTINET_KERNEL`** = `avx512`,
/// `avx2` or `generic` (read once) forces a family, e.g. to compare speed or to reproduce
/// results computed on another CPU. If this CPU cannot run the family named, the widest one
/// it can run below it is used instead (`avx512` → `avx2` → `generic`), and an unknown name
/// gives the default; in both cases one line is printed on standard error and
/// [`gemm_kernel_checked`] returns the error. Nothing panics.
pub fn gemm_kernel() -> GemmKernel {
    chosen().0
}

/// [`gemm_kernel`], or an error if `DEEPMULTINET_KERNEL` names a family that is unknown or
/// that this CPU cannot run — for programs that must not run with another kernel than the
/// one requested (benchmarks, reproductions).
///
/// # Errors
/// [`Error::InvalidConfig`] saying what was requested and what is used instead.
///
/// ```
/// // Unset or satisfiable: the kernel in use.
/// if std::env::var_os("DEEPMULTINET_KERNEL").is_none() {
///     let k = deepmultinet::linalg::gemm_kernel_checked()?;
///     assert_eq!(k, deepmultinet::linalg::GemmKernel::best_available());
/// }
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub fn gemm_kernel_checked() -> Result<GemmKernel> {
    match chosen() {
        (_, Some(msg)) => Err(Error::InvalidConfig(msg.clone())),
        (k, _) => Ok(*k),
    }
}

/// Generates the single-threaded entry point for one element type.
macro_rules! serial_entry {
    ($name:ident, $t:ty, $avx512:path, $avx2:path, $generic:ty) => {
        /// Single-threaded GEMM with the process's kernel family. Requires `m, n, k > 0`.
        ///
        /// # Safety
        /// The contract of [`super::gemm`].
        pub(super) unsafe fn $name(p: Product<$t>) {
            match gemm_kernel() {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: forwarded contract; the family is only chosen when available.
                GemmKernel::Avx512 => unsafe { $avx512(p) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above (AVX2 and FMA detected at run time).
                GemmKernel::Avx2 => unsafe { $avx2(p) },
                // SAFETY: forwarded contract.
                _ => unsafe { gemm_serial::<$generic>(p) },
            }
        }
    };
}

serial_entry!(
    sgemm_serial,
    f32,
    super::kernel_avx512::sgemm,
    super::kernel_avx2::sgemm,
    F32Generic
);
serial_entry!(
    dgemm_serial,
    f64,
    super::kernel_avx512::dgemm,
    super::kernel_avx2::dgemm,
    F64Generic
);

/// The single-threaded `f32` GEMM of family `k`, if this CPU runs it (tests run every
/// available family).
#[cfg(test)]
pub(super) fn serial_f32(k: GemmKernel) -> Option<super::SerialFn<f32>> {
    if !k.is_available() {
        return None;
    }
    Some(match k {
        #[cfg(target_arch = "x86_64")]
        GemmKernel::Avx512 => super::kernel_avx512::sgemm,
        #[cfg(target_arch = "x86_64")]
        GemmKernel::Avx2 => super::kernel_avx2::sgemm,
        _ => gemm_serial::<F32Generic>,
    })
}

/// The single-threaded `f64` GEMM of family `k`, if this CPU runs it.
#[cfg(test)]
pub(super) fn serial_f64(k: GemmKernel) -> Option<super::SerialFn<f64>> {
    if !k.is_available() {
        return None;
    }
    Some(match k {
        #[cfg(target_arch = "x86_64")]
        GemmKernel::Avx512 => super::kernel_avx512::dgemm,
        #[cfg(target_arch = "x86_64")]
        GemmKernel::Avx2 => super::kernel_avx2::dgemm,
        _ => gemm_serial::<F64Generic>,
    })
}

/// The register tile of the process's kernel for `f32` (`double = false`) or `f64`: the
/// granularity a parallel GEMM splits `C` at.
pub(super) fn tile(double: bool) -> (usize, usize) {
    static TILES: OnceLock<[(usize, usize); 2]> = OnceLock::new();
    TILES.get_or_init(|| {
        let k = gemm_kernel();
        [k.tile(false), k.tile(true)]
    })[double as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_chooses_a_kernel_or_says_why_not() {
        let best = GemmKernel::best_available();
        assert_eq!(choose(None).0, best);
        assert!(choose(Some("  ")).1.is_none());
        assert_eq!(choose(Some("generic")).0, GemmKernel::Generic);
        assert!(choose(Some("GENERIC ")).1.is_none());
        let (k, e) = choose(Some("sse9"));
        assert_eq!(k, best);
        assert!(e.is_some_and(|m| m.contains("sse9")));
        for want in GemmKernel::ALL {
            let (k, e) = choose(Some(want.name()));
            if want.is_available() {
                assert_eq!((k, e.is_none()), (want, true));
            } else {
                assert!(k < want && k.is_available() && e.is_some(), "{want} → {k}");
                eprintln!("{want}: not available on this CPU, falls back to {k}");
            }
        }
    }
}
