//! `exp` and `ln(1 + t)` written for the auto-vectoriser: branch-free, no table, no call, no
//! fused multiply-add, so a loop of them compiles to SIMD code on every family
//! ([`vectorized`](crate::linalg::simd)) and gives the same bits on all of them.
//!
//! # `exp`
//! **Method** (Cody & Waite's reduction, as in fdlibm): `k = round(x·log₂e)` by the
//! `1.5·2^p` shift, `r = (x − k·ln2_hi) − k·ln2_lo` (`k·ln2_hi` is exact: `ln2_hi` has
//! enough trailing zero bits), `|r| ≤ ln2/2`; `eʳ` by its Taylor polynomial (degree 13 for
//! f64, 7 for f32: truncation below 2⁻⁵⁸ and 2⁻²⁷) in Horner form; the result is
//! `eʳ·2^(k−1)·2`, the power of two built from the shifted sum's bits.
//!
//! **Accuracy**: within 1 ulp of the exact value (tested against the platform's `exp`
//! over the whole domain, to 2 ulp of it). **Range**: arguments below −708 (f32: −86.5),
//! whose results are at most a few times the smallest normal number, give 0 (the crate
//! flushes subnormal activations anyway); above 709.78 (f32: 88.72), where the results
//! overflow or nearly do, `+∞`; NaN gives NaN.
//!
//! # `ln(1 + t)` for `t ∈ [0, 1]` (what softplus needs: `t = e^−|x|`)
//! **Method**: `u = 1 + t` rounded, and its rounding error `c = t − (u − 1)` (exact); `u =
//! 2^e·f` with `e = 1, f = u/2` when `u > √2`, else `e = 0, f = u`, so `f ∈ [1/√2, √2]`;
//! `ln f = 2 atanh s = 2s + s·s²·P(s²)` with `s = (f − 1)/(f + 1)`, `|s| ≤ 0.1716`, by the
//! series' first terms (through `s²¹` for f64, `s¹¹` for f32: truncation below 2⁻⁵⁴ and
//! 2⁻²⁵ of `ln f`); the result is `e·ln2_hi + (e·ln2_lo + c/u + ln f)`.
//!
//! **Accuracy**: within 2 ulp of the platform's `ln_1p` (tested
//! on `[0, 1]`, small arguments included); `0 → 0`, NaN gives NaN. Arguments outside
//! `[0, 1]` are not supported (the crate never passes them).

macro_rules! exp_impl {
    ($name:ident, $t:ty, $bits:ty, $mant:expr, $bias:expr, $lo:expr, $hi:expr,
     $ln2_hi:expr, $ln2_lo:expr, [$($c:expr),+]) => {
        /// `eˣ` (see the module docs).
        #[inline(always)]
        pub(crate) fn $name(x: $t) -> $t {
            const SHIFT: $t = 1.5 * (1u64 << $mant) as $t;
            const LOG2E: $t = std::f64::consts::LOG2_E as $t;
            // Clamped so the power of two below stays normal; the ends are set afterwards.
            let xc = if x < $lo { $lo } else if x > $hi { $hi } else { x };
            let t = xc * LOG2E + SHIFT;
            let k = t - SHIFT;
            let r = (xc - k * $ln2_hi) - k * $ln2_lo;
            let mut p: $t = 0.0;
            $(p = p * r + $c;)+
            // The low bits of `t`'s significand hold k (two's complement): 2^(k−1).
            let half_scale = <$t>::from_bits(t.to_bits().wrapping_add($bias - 1) << $mant);
            let y = p * half_scale * 2.0;
            if x < $lo {
                0.0
            } else if x > $hi {
                <$t>::INFINITY
            } else {
                y
            }
        }
    };
}

// f64: 1/n! for n = 13, …, 0. e^x is normal for x ≥ −708.39; finite for x ≤ 709.78.
exp_impl!(
    exp_f64,
    f64,
    u64,
    52,
    1023,
    -708.0,
    709.78,
    f64::from_bits(0x3fe6_2e42_fee0_0000), // ln2_hi (fdlibm's), 0.693147180369…
    f64::from_bits(0x3dea_39ef_3579_3c76), // ln2_lo, 1.90821492927…e-10
    [
        1.605_904_383_682_161_3e-10,
        2.087_675_698_786_81e-9,
        2.505_210_838_544_172e-8,
        2.755_731_922_398_589e-7,
        2.755_731_922_398_589e-6,
        2.480_158_730_158_73e-5,
        1.984_126_984_126_984e-4,
        1.388_888_888_888_889e-3,
        8.333_333_333_333_333e-3,
        4.166_666_666_666_666_4e-2,
        1.666_666_666_666_666_6e-1,
        0.5,
        1.0,
        1.0
    ]
);

// f32: 1/n! for n = 7, …, 0. k = round(x·log₂e) ≥ −125 keeps 2^(k−1) normal.
exp_impl!(
    exp_f32,
    f32,
    u32,
    23,
    127,
    -86.5,
    88.72,
    f32::from_bits(0x3f31_7200), // ln2_hi, 0.693145751953125
    f32::from_bits(0x35bf_be8e), // ln2_lo, 1.42860677e-6
    [
        1.984_127e-4,
        1.388_888_9e-3,
        8.333_334e-3,
        4.166_666_8e-2,
        1.666_666_7e-1,
        0.5,
        1.0,
        1.0
    ]
);

macro_rules! ln_1p_unit_impl {
    ($name:ident, $t:ty, $ln2_hi:expr, $ln2_lo:expr, [$($c:expr),+]) => {
        /// `ln(1 + t)` for `t ∈ [0, 1]` (see the module docs).
        #[inline(always)]
        pub(crate) fn $name(t: $t) -> $t {
            let u = 1.0 + t;
            let c = t - (u - 1.0);
            let big = u > std::f64::consts::SQRT_2 as $t;
            let f = if big { u * 0.5 } else { u };
            let e: $t = if big { 1.0 } else { 0.0 };
            let s = (f - 1.0) / (f + 1.0);
            let z = s * s;
            let mut p: $t = 0.0;
            $(p = p * z + $c;)+
            let ln_f = 2.0 * s + s * z * p;
            e * $ln2_hi + (e * $ln2_lo + c / u + ln_f)
        }
    };
}

// 2/(2n + 1) for n = 10, …, 1.
ln_1p_unit_impl!(
    ln_1p_unit_f64,
    f64,
    f64::from_bits(0x3fe6_2e42_fee0_0000), // ln2_hi (fdlibm's)
    f64::from_bits(0x3dea_39ef_3579_3c76), // ln2_lo
    [
        2.0 / 21.0,
        2.0 / 19.0,
        2.0 / 17.0,
        2.0 / 15.0,
        2.0 / 13.0,
        2.0 / 11.0,
        2.0 / 9.0,
        2.0 / 7.0,
        2.0 / 5.0,
        2.0 / 3.0
    ]
);

// 2/(2n + 1) for n = 5, …, 1.
ln_1p_unit_impl!(
    ln_1p_unit_f32,
    f32,
    f32::from_bits(0x3f31_7200), // ln2_hi
    f32::from_bits(0x35bf_be8e), // ln2_lo
    [2.0 / 11.0, 2.0 / 9.0, 2.0 / 7.0, 2.0 / 5.0, 2.0 / 3.0]
);

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Distance in units in the last place (both finite and of one sign).
    fn ulps64(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    fn ulps32(a: f32, b: f32) -> u64 {
        (a.to_bits() as i32 - b.to_bits() as i32)
            .unsigned_abs()
            .into()
    }

    /// A function of ours and the platform's it is checked against.
    type Against<T> = (fn(T) -> T, fn(T) -> T);

    /// `ours(x)` against `platform(x)` at 2,000,000 arguments `draw(rng, i)`: within 2 ulp
    /// at every one; prints the worst distance.
    fn sweep<T: Copy + std::fmt::LowerExp>(
        (ours_name, platform_name): (&str, &str),
        seed: u64,
        draw: impl Fn(&mut Xoshiro256PlusPlus, usize) -> T,
        (ours, platform): Against<T>,
        ulps: fn(T, T) -> u64,
    ) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut worst = 0;
        for i in 0..2_000_000 {
            let x = draw(&mut rng, i);
            let (ours, std) = (ours(x), platform(x));
            let d = ulps(ours, std);
            assert!(
                d <= 2,
                "{platform_name}({x:e}) = {ours:e}, platform {std:e}: {d} ulp"
            );
            worst = worst.max(d);
        }
        eprintln!("{ours_name}: worst {worst} ulp against the platform {platform_name}");
    }

    #[test]
    fn exp_f64_is_within_two_ulps_of_the_platform_exp() {
        sweep(
            ("exp_f64", "exp"),
            1,
            |rng, i| match i % 3 {
                0 => rng.random_range(-708.0..709.78),
                1 => rng.random_range(-1.0..1.0),
                _ => rng.random_range(-40.0..40.0),
            },
            (exp_f64, f64::exp),
            ulps64,
        );
        for (x, want) in [(0.0, 1.0), (1.0, std::f64::consts::E), (-1e-300, 1.0)] {
            assert!(ulps64(exp_f64(x), want) <= 1, "exp({x}) = {}", exp_f64(x));
        }
        assert_eq!(exp_f64(-708.5), 0.0);
        assert_eq!(exp_f64(-1e308), 0.0);
        assert_eq!(exp_f64(709.8), f64::INFINITY);
        assert_eq!(exp_f64(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp_f64(f64::NEG_INFINITY), 0.0);
        assert!(exp_f64(f64::NAN).is_nan());
        // The largest power of two: k = 1024 is reached through 2^(k−1)·2.
        assert!(ulps64(exp_f64(709.7), 709.7f64.exp()) <= 2);
        assert!(ulps64(exp_f64(-707.9), (-707.9f64).exp()) <= 2);
    }

    #[test]
    fn exp_f32_is_within_two_ulps_of_the_platform_exp() {
        sweep(
            ("exp_f32", "exp"),
            2,
            |rng, i| match i % 3 {
                0 => rng.random_range(-86.5..88.72),
                1 => rng.random_range(-1.0..1.0),
                _ => rng.random_range(-10.0..10.0),
            },
            (exp_f32, f32::exp),
            ulps32,
        );
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-86.6), 0.0);
        assert!(ulps32(exp_f32(-86.4), (-86.4f32).exp()) <= 2);
        assert_eq!(exp_f32(88.8), f32::INFINITY);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
        assert!(ulps32(exp_f32(88.7), 88.7f32.exp()) <= 2);
    }

    /// Arguments over `[0, 1]`: uniform, and log-uniform down to 10⁻³⁰⁰ (f32: 10⁻³⁸), where
    /// `ln(1 + t) ≈ t` needs the rounding error of `1 + t`.
    #[test]
    fn ln_1p_unit_f64_is_within_two_ulps_of_the_platform_ln_1p() {
        sweep(
            ("ln_1p_unit_f64", "ln_1p"),
            3,
            |rng, i| match i % 2 {
                0 => rng.random_range(0.0..=1.0),
                _ => 10f64.powf(rng.random_range(-300.0..0.0)),
            },
            (ln_1p_unit_f64, f64::ln_1p),
            ulps64,
        );
        assert_eq!(ln_1p_unit_f64(0.0), 0.0);
        assert!(ulps64(ln_1p_unit_f64(1.0), std::f64::consts::LN_2) <= 1);
        let edge = std::f64::consts::SQRT_2 - 1.0;
        for t in [
            edge,
            edge * (1.0 + 1e-15),
            edge * (1.0 - 1e-15),
            1e-17,
            5e-324,
        ] {
            assert!(ulps64(ln_1p_unit_f64(t), t.ln_1p()) <= 2, "ln_1p({t:e})");
        }
        assert!(ln_1p_unit_f64(f64::NAN).is_nan());
    }

    #[test]
    fn ln_1p_unit_f32_is_within_two_ulps_of_the_platform_ln_1p() {
        sweep(
            ("ln_1p_unit_f32", "ln_1p"),
            4,
            |rng, i| match i % 2 {
                0 => rng.random_range(0.0..=1.0),
                _ => 10f32.powf(rng.random_range(-38.0..0.0)),
            },
            (ln_1p_unit_f32, f32::ln_1p),
            ulps32,
        );
        assert_eq!(ln_1p_unit_f32(0.0), 0.0);
        assert!(ulps32(ln_1p_unit_f32(1.0), std::f32::consts::LN_2) <= 1);
        assert!(ln_1p_unit_f32(f32::NAN).is_nan());
    }
}
