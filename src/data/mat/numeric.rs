//! The numeric MAT data types (`miINT8` ... `miUINT64`, `miSINGLE`, `miDOUBLE`) and their
//! conversion to `f64`, block by block as the bytes arrive.

use crate::data::source;
use crate::data::stream::Stream;
use crate::error::Result;

/// Bytes decoded at a time (a multiple of every width).
const BLOCK: usize = 64 << 10;

/// A numeric MAT data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Numeric {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    F32,
    F64,
    I64,
    U64,
}

impl Numeric {
    /// The numeric type of MAT type code `ty`, if it is one.
    pub(super) fn of(ty: u32) -> Option<Self> {
        use Numeric::*;
        Some(match ty {
            1 => I8,
            2 => U8,
            3 => I16,
            4 => U16,
            5 => I32,
            6 => U32,
            7 => F32,
            9 => F64,
            12 => I64,
            13 => U64,
            _ => return None,
        })
    }

    /// Bytes per value.
    pub(super) fn width(self) -> u64 {
        use Numeric::*;
        match self {
            I8 | U8 => 1,
            I16 | U16 => 2,
            I32 | U32 | F32 => 4,
            F64 | I64 | U64 => 8,
        }
    }

    /// The values of `data` (a whole number of values), as `f64` (64-bit integers beyond 2⁵³
    /// round).
    pub(super) fn decode(self, data: &[u8], big: bool) -> Vec<f64> {
        let mut out = Vec::with_capacity(data.len());
        self.decode_into(data, big, &mut out);
        out
    }

    fn decode_into(self, data: &[u8], big: bool, out: &mut Vec<f64>) {
        macro_rules! conv {
            ($t:ty, $n:literal) => {
                out.extend(data.chunks_exact($n).map(|ch| {
                    let mut b = [0u8; $n];
                    b.copy_from_slice(ch);
                    (if big {
                        <$t>::from_be_bytes(b)
                    } else {
                        <$t>::from_le_bytes(b)
                    }) as f64
                }))
            };
        }
        use Numeric::*;
        match self {
            I8 => conv!(i8, 1),
            U8 => conv!(u8, 1),
            I16 => conv!(i16, 2),
            U16 => conv!(u16, 2),
            I32 => conv!(i32, 4),
            U32 => conv!(u32, 4),
            F32 => conv!(f32, 4),
            F64 => conv!(f64, 8),
            I64 => conv!(i64, 8),
            U64 => conv!(u64, 8),
        }
    }

    /// Reads `count` values from `s`, the output growing only as the data arrives.
    pub(super) fn read(self, s: &mut Stream<'_>, count: usize, what: &str) -> Result<Vec<f64>> {
        let width = self.width() as usize;
        let mut left = count;
        let mut out: Vec<f64> = Vec::new();
        let mut block = vec![0u8; BLOCK.min(count.saturating_mul(width))];
        while left > 0 {
            let n = left.min(BLOCK / width);
            let bytes = &mut block[..n * width];
            s.fill(bytes, what)?;
            out.try_reserve(n)
                .map_err(|e| source::out_of_memory(s.path(), e))?;
            self.decode_into(bytes, s.is_big_endian(), &mut out);
            left -= n;
        }
        Ok(out)
    }
}
