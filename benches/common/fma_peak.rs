//! The register FMA peak of this CPU: a tight loop of independent fused multiply-adds on
//! SIMD registers, no memory traffic — the ceiling no kernel can pass. Shared by the benches
//! (`#[path]` module) so that every figure can be divided by the peak of the same run.
//!
//! Independent accumulators per loop: 16 `zmm` (of 32 registers) or 12 `ymm` (of 16: with
//! the two constants, 16 `ymm` accumulators would spill two of them to the stack every
//! iteration and halve the rate) — more than FMA latency × throughput on current x86-64
//! cores (4 cycles × 2 FMAs per cycle = 8 in flight). The loop body is register-only FMAs.

/// Instruction sets whose register peak can be measured, widest first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Isa {
    /// 512-bit `zmm` (AVX-512F).
    Avx512,
    /// 256-bit `ymm` (AVX2 + FMA).
    Avx2,
}

impl Isa {
    /// The name used in benchmark ids: `avx512`, `avx2`.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
        }
    }

    /// Whether this CPU runs it.
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 =
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
            match self {
                Isa::Avx512 => avx2 && std::is_x86_feature_detected!("avx512f"),
                Isa::Avx2 => avx2,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// Every ISA this CPU runs, widest first.
    pub fn available_all() -> Vec<Isa> {
        [Isa::Avx512, Isa::Avx2]
            .into_iter()
            .filter(|i| i.available())
            .collect()
    }

    /// Independent FMA chains of the loop.
    pub fn chains(self) -> u64 {
        match self {
            Isa::Avx512 => 16,
            Isa::Avx2 => 12,
        }
    }

    /// FLOPs of one [`run`] call: `iters` × chains × lanes × 2.
    pub fn flops(self, double: bool, iters: u64) -> u64 {
        let bits = match self {
            Isa::Avx512 => 512,
            Isa::Avx2 => 256,
        };
        let lanes = bits / if double { 64 } else { 32 };
        iters * self.chains() * lanes * 2
    }
}

/// Runs `iters` iterations of [`Isa::chains`] independent FMAs on `isa`'s registers (`f64` lanes if
/// `double`) and returns a value depending on every accumulator (so nothing is elided).
///
/// # Panics
/// If this CPU does not run `isa`.
pub fn run(isa: Isa, double: bool, iters: u64) -> f64 {
    assert!(isa.available(), "{} not available", isa.name());
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the instruction set was detected at run time just above.
    unsafe {
        match (isa, double) {
            (Isa::Avx512, false) => x86::zmm_ps(iters),
            (Isa::Avx512, true) => x86::zmm_pd(iters),
            (Isa::Avx2, false) => x86::ymm_ps(iters),
            (Isa::Avx2, true) => x86::ymm_pd(iters),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!()
}

/// [`run`] on `threads` threads at once (scoped threads, started together behind a
/// barrier); returns after all have finished.
pub fn run_threads(isa: Isa, double: bool, iters: u64, threads: usize) -> f64 {
    if threads <= 1 {
        return run(isa, double, iters);
    }
    let barrier = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    run(isa, double, iters)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// Generates one peak loop.
    macro_rules! peak {
        (
            $name:ident, $feat:literal, $set1:ident, $fmadd:ident, $add:ident, $store:ident,
            $t:ty, $lanes:expr, $chains:expr
        ) => {
            /// `$chains` independent FMA chains, `iters` steps each.
            ///
            /// # Safety
            /// The CPU supports the instruction set of the target features.
            #[target_feature(enable = $feat)]
            pub unsafe fn $name(iters: u64) -> f64 {
                // acc ← acc·a + b converges to b / (1 − a) ≈ 1e-3: no overflow, no denormals.
                let a = $set1(0.999_9);
                let b = $set1(1e-7);
                let mut acc = [$set1(0.0); $chains];
                for (i, x) in acc.iter_mut().enumerate() {
                    *x = $set1(i as $t * 1e-4);
                }
                for _ in 0..iters {
                    for x in acc.iter_mut() {
                        *x = $fmadd(*x, a, b);
                    }
                }
                let mut s = acc[0];
                for &x in &acc[1..] {
                    s = $add(s, x);
                }
                let mut out = [0.0 as $t; $lanes];
                // SAFETY: `out` holds one vector's lanes.
                unsafe { $store(out.as_mut_ptr(), s) };
                out.iter().map(|&x| x as f64).sum()
            }
        };
    }

    peak!(
        zmm_ps,
        "avx512f",
        _mm512_set1_ps,
        _mm512_fmadd_ps,
        _mm512_add_ps,
        _mm512_storeu_ps,
        f32,
        16,
        16
    );
    peak!(
        zmm_pd,
        "avx512f",
        _mm512_set1_pd,
        _mm512_fmadd_pd,
        _mm512_add_pd,
        _mm512_storeu_pd,
        f64,
        8,
        16
    );
    peak!(
        ymm_ps,
        "avx2,fma",
        _mm256_set1_ps,
        _mm256_fmadd_ps,
        _mm256_add_ps,
        _mm256_storeu_ps,
        f32,
        8,
        12
    );
    peak!(
        ymm_pd,
        "avx2,fma",
        _mm256_set1_pd,
        _mm256_fmadd_pd,
        _mm256_add_pd,
        _mm256_storeu_pd,
        f64,
        4,
        12
    );
}
