//! One fixed 256-colour palette for GIF frames, made of the colours our pictures use: greys
//! (background, text and its anti-aliasing, padding) and the two halves of the diverging
//! scale (white→red, white→blue). Every pixel maps to its nearest entry; the answers are
//! cached, since a picture has few distinct colours.

use super::color::color_of;
use crate::inspect::ColorMap;
use std::collections::HashMap;

const GREYS: usize = 64;
const RAMP: usize = 96;

/// The palette as `[r, g, b, r, g, b, ...]`, 256 entries.
pub(crate) struct Palette {
    pub(crate) rgb: Vec<u8>,
}

impl Palette {
    pub(crate) fn new() -> Self {
        let mut rgb = Vec::with_capacity(3 * (GREYS + 2 * RAMP));
        for i in 0..GREYS {
            let g = (i * 255 / (GREYS - 1)) as u8;
            rgb.extend([g, g, g]);
        }
        for sign in [-1.0, 1.0] {
            for i in 1..=RAMP {
                let c = color_of(sign * i as f64 / RAMP as f64, ColorMap::Diverging);
                rgb.extend([c.0, c.1, c.2]);
            }
        }
        Palette { rgb }
    }

    /// Index of the entry nearest to `c` (squared RGB distance; the first on ties).
    pub(crate) fn index(&self, c: [u8; 3], cache: &mut HashMap<[u8; 3], u8>) -> u8 {
        *cache.entry(c).or_insert_with(|| {
            let d = |e: &[u8]| -> i32 {
                (0..3)
                    .map(|k| (i32::from(e[k]) - i32::from(c[k])).pow(2))
                    .sum()
            };
            let mut best = (0usize, i32::MAX);
            for (i, e) in self.rgb.chunks_exact(3).enumerate() {
                let di = d(e);
                if di < best.1 {
                    best = (i, di);
                }
            }
            best.0 as u8
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scales_ends_are_exact_and_everything_is_near() {
        let p = Palette::new();
        assert_eq!(p.rgb.len(), 256 * 3);
        let mut cache = HashMap::new();
        for c in [[255, 255, 255], [0, 0, 0], [178, 24, 43], [33, 102, 172]] {
            let i = p.index(c, &mut cache) as usize;
            assert_eq!(&p.rgb[3 * i..3 * i + 3], &c, "{c:?}");
        }
        // Any point of the diverging scale is within a few levels of an entry.
        for k in -50..=50 {
            let c = color_of(k as f64 / 50.0, ColorMap::Diverging);
            let i = p.index([c.0, c.1, c.2], &mut cache) as usize;
            let e = &p.rgb[3 * i..3 * i + 3];
            let worst = (0..3)
                .map(|j| (i32::from(e[j]) - i32::from([c.0, c.1, c.2][j])).abs())
                .max()
                .unwrap();
            assert!(worst <= 2, "{c:?} → {e:?}");
        }
    }
}
