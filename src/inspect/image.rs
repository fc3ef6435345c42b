//! Vectors as images: reshaping, and the normalisation used for display.
//!
//! A vector of `h·w` values becomes an `h × w` image in the
//! [`PixelOrder`](crate::data::PixelOrder) of its
//! [`ImageShape`] (both defined in [`crate::data`], re-exported here). An [`Image`] always
//! stores its pixels row by row.
//!
//! For display, [`normalise`] maps values to a colour scale, per tile or over all tiles:
//! [`ColorMap::Grey`] maps `[min, max]` to `[0, 1]` (black to white), [`ColorMap::Diverging`]
//! divides by the largest magnitude, mapping to `[−1, 1]` with 0 kept at 0 (red, white,
//! blue) — the course's `displayData` divides each tile by its largest magnitude the same way.

use crate::data::ImageShape;
use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::network::Network;
use crate::scalar::Scalar;
use nalgebra::DMatrixView;

/// A `height × width` grid of values stored row by row. `NaN` marks a pixel with no data
/// (padding), drawn as background.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    height: usize,
    width: usize,
    pixels: Vec<f64>,
}

impl Image {
    /// An image from pixels given row by row.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `pixels.len() != height · width` or the image is empty.
    pub fn new(height: usize, width: usize, pixels: Vec<f64>) -> Result<Self> {
        ImageShape::row_major(height, width).check(pixels.len(), "Image::new")?;
        Ok(Image {
            height,
            width,
            pixels,
        })
    }

    /// Reshapes a flat vector into an image of `shape`, honouring its pixel order.
    ///
    /// ```
    /// use deepmultinet::inspect::{Image, ImageShape};
    /// // MATLAB's reshape(1:6, 2, 3) is [1 3 5; 2 4 6].
    /// let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let img = Image::from_vector(&v, ImageShape::column_major(2, 3)).unwrap();
    /// assert_eq!(img.pixels(), &[1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
    /// let img = Image::from_vector(&v, ImageShape::row_major(2, 3)).unwrap();
    /// assert_eq!(img.pixels(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `values.len()` is not `shape.pixels()`.
    pub fn from_vector<T: Scalar>(values: &[T], shape: ImageShape) -> Result<Self> {
        shape.check(values.len(), "Image::from_vector")?;
        let mut pixels = Vec::with_capacity(values.len());
        for r in 0..shape.height {
            for c in 0..shape.width {
                pixels.push(values[shape.index(r, c)].as_f64());
            }
        }
        Ok(Image {
            height: shape.height,
            width: shape.width,
            pixels,
        })
    }

    /// Lays `values` out row by row in a near-square grid (`⌈n / w⌉ × w` with
    /// `w = ⌈√n⌉`), padding the last row with `NaN` — how a layer's activations are shown.
    ///
    /// ```
    /// use deepmultinet::inspect::Image;
    /// let img = Image::grid_of(&[1.0f64, 2.0, 3.0, 4.0, 5.0]).unwrap();
    /// assert_eq!((img.height(), img.width()), (2, 3));
    /// assert!(img.get(1, 2).unwrap().is_nan());
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `values` is empty.
    pub fn grid_of<T: Scalar>(values: &[T]) -> Result<Self> {
        let n = values.len();
        let width = (n as f64).sqrt().ceil() as usize;
        if n == 0 || width == 0 {
            return Err(Error::shape("Image::grid_of: number of values", "≥ 1", 0));
        }
        let height = n.div_ceil(width);
        let mut pixels: Vec<f64> = values.iter().map(|v| v.as_f64()).collect();
        pixels.resize(height * width, f64::NAN);
        Image::new(height, width, pixels)
    }

    /// Rows of pixels.
    pub fn height(&self) -> usize {
        self.height
    }
    /// Columns of pixels.
    pub fn width(&self) -> usize {
        self.width
    }
    /// All pixels, row by row.
    pub fn pixels(&self) -> &[f64] {
        &self.pixels
    }
    /// Pixel `(row, col)`, or `None` outside the image.
    pub fn get(&self, row: usize, col: usize) -> Option<f64> {
        if row < self.height && col < self.width {
            self.pixels.get(row * self.width + col).copied()
        } else {
            None
        }
    }
    /// Smallest and largest finite pixel (`None` if there is none).
    pub fn min_max(&self) -> Option<(f64, f64)> {
        min_max(self.pixels.iter().copied())
    }
    /// Largest finite magnitude (0 if there is none).
    pub fn max_abs(&self) -> f64 {
        max_abs(self.pixels.iter().copied())
    }
}

fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

fn max_abs(values: impl Iterator<Item = f64>) -> f64 {
    values
        .filter(|v| v.is_finite())
        .fold(0.0, |m, v| m.max(v.abs()))
}

/// Whether tiles are scaled each on its own or all together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scaling {
    /// Each tile uses its own range (the course's `displayData`): every tile has full
    /// contrast, but tiles cannot be compared.
    #[default]
    PerTile,
    /// One range for all tiles: magnitudes compare across tiles.
    Global,
}

/// The colour scale a tile's values are mapped to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorMap {
    /// `[min, max] → [0, 1]`, black to white (data samples).
    #[default]
    Grey,
    /// `v / max|v| ∈ [−1, 1]`: negative red, zero white, positive blue (weights).
    Diverging,
}

/// Values of `images` mapped to the colour scale's range: `[0, 1]` for [`ColorMap::Grey`]
/// (`(v − min)/(max − min)`; a constant tile becomes 0), `[−1, 1]` for
/// [`ColorMap::Diverging`] (`v / max|v|`; an all-zero tile stays 0). `min`, `max` and
/// `max|v|` are taken per tile or over all tiles as `scaling` says; `NaN` pixels stay `NaN`.
///
/// ```
/// use deepmultinet::inspect::{normalise, ColorMap, Image, Scaling};
/// let a = Image::new(1, 2, vec![-2.0, 1.0]).unwrap();
/// let b = Image::new(1, 2, vec![4.0, 0.0]).unwrap();
/// let own = normalise(&[a.clone(), b.clone()], Scaling::PerTile, ColorMap::Diverging);
/// assert_eq!(own[0].pixels(), &[-1.0, 0.5]);
/// let all = normalise(&[a, b], Scaling::Global, ColorMap::Diverging);
/// assert_eq!(all[0].pixels(), &[-0.5, 0.25]);
/// assert_eq!(all[1].pixels(), &[1.0, 0.0]);
/// ```
pub fn normalise(images: &[Image], scaling: Scaling, map: ColorMap) -> Vec<Image> {
    let all = || images.iter().flat_map(|im| im.pixels.iter().copied());
    let global_range = min_max(all());
    let global_abs = max_abs(all());
    images
        .iter()
        .map(|im| {
            let (range, abs) = match scaling {
                Scaling::PerTile => (im.min_max(), im.max_abs()),
                Scaling::Global => (global_range, global_abs),
            };
            let f = |v: f64| -> f64 {
                if v.is_nan() {
                    return v;
                }
                match map {
                    ColorMap::Grey => match range {
                        Some((lo, hi)) if hi > lo => ((v - lo) / (hi - lo)).clamp(0.0, 1.0),
                        _ => 0.0,
                    },
                    ColorMap::Diverging => {
                        if abs > 0.0 {
                            (v / abs).clamp(-1.0, 1.0)
                        } else {
                            0.0
                        }
                    }
                }
            };
            Image {
                height: im.height,
                width: im.width,
                pixels: im.pixels.iter().map(|&v| f(v)).collect(),
            }
        })
        .collect()
}

/// Each first-layer unit's incoming weights (row `j` of `W_0`, the bias dropped) as an
/// image of `shape` — what the unit "looks for" in the input.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `shape.pixels()` is not the network's number of inputs.
pub fn hidden_unit_images<L: OutputLoss>(
    net: &Network<L>,
    shape: ImageShape,
) -> Result<Vec<Image>> {
    shape.check(net.inputs(), "hidden_unit_images")?;
    let w = net.weights(0)?;
    let mut row = Vec::with_capacity(w.ncols());
    (0..w.nrows())
        .map(|j| {
            row.clear();
            row.extend(w.row(j).iter().copied());
            Image::from_vector(&row, shape)
        })
        .collect()
}

/// Samples `columns` of `x` (`features × m`, samples are columns) as images of `shape` —
/// e.g. 100 random indices for the course's `displayData` grid.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `shape.pixels() != x.nrows()`; [`Error::IndexOutOfRange`] for
/// a column index `≥ m`.
pub fn sample_images<'a, T: Scalar>(
    x: impl Into<DMatrixView<'a, T>>,
    columns: &[usize],
    shape: ImageShape,
) -> Result<Vec<Image>> {
    let x = x.into();
    shape.check(x.nrows(), "sample_images")?;
    columns
        .iter()
        .map(|&j| {
            crate::check::index("sample", j, x.ncols())?;
            let col: Vec<T> = x.column(j).iter().copied().collect();
            Image::from_vector(&col, shape)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Sigmoid;
    use crate::data::PixelOrder;
    use crate::loss::SigmoidCrossEntropy;
    use nalgebra::DMatrix;

    #[test]
    fn column_major_and_row_major_reshape_a_known_matrix() {
        // The 3×2 matrix [a b; c d; e f] flattened column-major is [a c e b d f].
        let col_major = [1.0f64, 3.0, 5.0, 2.0, 4.0, 6.0];
        let img = Image::from_vector(&col_major, ImageShape::column_major(3, 2)).unwrap();
        assert_eq!(img.pixels(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(img.get(2, 0), Some(5.0));
        assert_eq!(img.get(0, 1), Some(2.0));
        // The same matrix flattened row-major is [a b c d e f].
        let row_major = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
        let img2 = Image::from_vector(&row_major, ImageShape::row_major(3, 2)).unwrap();
        assert_eq!(img2, img);
        // Reading column-major data as row-major gives a different (wrong) picture.
        let wrong = Image::from_vector(&col_major, ImageShape::row_major(3, 2)).unwrap();
        assert_ne!(wrong, img);
        assert_eq!(img.get(3, 0), None);
    }

    #[test]
    fn wrong_pixel_count_is_an_error() {
        let v = [0.0f64; 5];
        assert!(matches!(
            Image::from_vector(&v, ImageShape::row_major(2, 3)),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            ImageShape::square(7, PixelOrder::RowMajor),
            Err(Error::InvalidParameter { name: "n", value, .. }) if value == 7.0
        ));
        assert!(ImageShape::square(0, PixelOrder::RowMajor).is_err());
        assert_eq!(
            ImageShape::square(400, PixelOrder::ColumnMajor).unwrap(),
            ImageShape::column_major(20, 20)
        );
    }

    #[test]
    fn hidden_unit_tile_is_the_units_normalised_weights() {
        // 6 inputs (a 2×3 image), 3 hidden units, 2 outputs; θ = 1, 2, 3, ... so every
        // weight is distinct. W_0[j, i] sits at θ index s1 + i·s1 + j (after 3 biases).
        let sizes = [6usize, 3, 2];
        let n = 3 * 7 + 2 * 4;
        let theta: Vec<f64> = (0..n).map(|i| (i as f64 - 10.0) * 0.5).collect();
        let net = Network::from_parts(
            &sizes,
            vec![std::sync::Arc::new(Sigmoid)],
            SigmoidCrossEntropy::new(),
            theta.clone(),
        )
        .unwrap();
        for order in [PixelOrder::RowMajor, PixelOrder::ColumnMajor] {
            let shape = ImageShape {
                height: 2,
                width: 3,
                order,
            };
            let tiles = hidden_unit_images(&net, shape).unwrap();
            let norm = normalise(&tiles, Scaling::PerTile, ColorMap::Diverging);
            for j in 0..3 {
                let w: Vec<f64> = (0..6).map(|i| theta[3 + i * 3 + j]).collect();
                let m = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                for r in 0..2 {
                    for c in 0..3 {
                        let i = match order {
                            PixelOrder::RowMajor => r * 3 + c,
                            PixelOrder::ColumnMajor => c * 2 + r,
                        };
                        assert_eq!(tiles[j].get(r, c), Some(w[i]));
                        let got = norm[j].get(r, c).unwrap();
                        assert!((got - w[i] / m).abs() < 1e-15, "unit {j} ({r},{c})");
                    }
                }
            }
        }
        // θ's values are all distinct, so a bias value in a tile would mean the bias leaked in.
        let tiles = hidden_unit_images(&net, ImageShape::row_major(2, 3)).unwrap();
        for (j, t) in tiles.iter().enumerate() {
            assert!(
                !t.pixels().contains(&theta[j]),
                "bias of unit {j} in its tile"
            );
        }
    }

    #[test]
    fn grey_normalisation_maps_min_to_zero_and_max_to_one() {
        let a = Image::new(1, 3, vec![2.0, 4.0, f64::NAN]).unwrap();
        let b = Image::new(1, 3, vec![6.0, 6.0, 6.0]).unwrap();
        let own = normalise(&[a.clone(), b.clone()], Scaling::PerTile, ColorMap::Grey);
        assert_eq!(&own[0].pixels()[..2], &[0.0, 1.0]);
        assert!(own[0].pixels()[2].is_nan());
        assert_eq!(own[1].pixels(), &[0.0, 0.0, 0.0]);
        let all = normalise(&[a, b], Scaling::Global, ColorMap::Grey);
        assert_eq!(&all[0].pixels()[..2], &[0.0, 0.5]);
        assert_eq!(all[1].pixels(), &[1.0, 1.0, 1.0]);
    }

    #[test]
    fn sample_images_reads_columns() {
        let x = DMatrix::from_column_slice(4, 2, &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        let imgs = sample_images(&x, &[1], ImageShape::column_major(2, 2)).unwrap();
        assert_eq!(imgs[0].pixels(), &[5.0, 7.0, 6.0, 8.0]);
        assert!(matches!(
            sample_images(&x, &[2], ImageShape::column_major(2, 2)),
            Err(Error::IndexOutOfRange {
                what: "sample",
                index: 2,
                len: 2
            })
        ));
    }
}
