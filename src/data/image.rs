//! The picture shape of a sample: height, width, and the order in which its pixels are
//! unrolled into a feature vector. The one definition, used by the readers
//! ([`Dataset::image_shape`](super::Dataset::image_shape)) and by
//! [`inspect`](crate::inspect) (re-exported there), so a dataset's shape can be handed to
//! `inspect::hidden_unit_images` as it is.
//!
//! A vector of `h·w` values is an `h × w` image in one of two pixel orders:
//! [`PixelOrder::RowMajor`] (MNIST's IDX files: pixel `(r, c)` is value `r·w + c`) or
//! [`PixelOrder::ColumnMajor`] (the course's 20×20 digits, flattened by MATLAB's `X(:)`:
//! pixel `(r, c)` is value `c·h + r`).
//!
//! ```
//! use deepmultinet::data::{ImageShape, PixelOrder};
//! let s = ImageShape::column_major(2, 3);
//! assert_eq!((s.height, s.width, s.order), (2, 3, PixelOrder::ColumnMajor));
//! assert_eq!(s.pixels(), 6);
//! assert_eq!(s.index(1, 2), 2 * 2 + 1);
//! assert_eq!(ImageShape::row_major(2, 3).index(1, 2), 3 + 2);
//! ```

use crate::check;
use crate::error::{Error, Result};

/// How a sample's pixels are ordered in its feature vector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PixelOrder {
    /// Row after row: pixel `(r, c)` is value `r·width + c` (IDX, the MNIST CSV).
    #[default]
    RowMajor,
    /// Column after column: pixel `(r, c)` is value `c·height + r` (MATLAB's `img(:)`, the
    /// course's `X`).
    ColumnMajor,
}

/// Height, width and pixel order of the images a vector holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageShape {
    /// Rows of pixels.
    pub height: usize,
    /// Columns of pixels.
    pub width: usize,
    /// How the vector's values map to pixels.
    pub order: PixelOrder,
}

impl ImageShape {
    /// A `height × width` shape with row-major pixels (MNIST's 28×28).
    pub fn row_major(height: usize, width: usize) -> Self {
        ImageShape {
            height,
            width,
            order: PixelOrder::RowMajor,
        }
    }
    /// A `height × width` shape with column-major pixels (the course's 20×20).
    pub fn column_major(height: usize, width: usize) -> Self {
        ImageShape {
            height,
            width,
            order: PixelOrder::ColumnMajor,
        }
    }
    /// A square shape for `n` values (`√n × √n`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `n` is not a positive perfect square.
    pub fn square(n: usize, order: PixelOrder) -> Result<Self> {
        let side = (n as f64).sqrt().round() as usize;
        if n == 0 || side * side != n {
            return Err(check::invalid(
                "n",
                n as f64,
                "a positive perfect square (else give the image shape explicitly)",
            ));
        }
        Ok(ImageShape {
            height: side,
            width: side,
            order,
        })
    }
    /// Number of pixels, `height · width`.
    pub fn pixels(&self) -> usize {
        self.height.saturating_mul(self.width)
    }
    /// Index into the flat vector of pixel `(row, col)`.
    pub fn index(&self, row: usize, col: usize) -> usize {
        match self.order {
            PixelOrder::RowMajor => row * self.width + col,
            PixelOrder::ColumnMajor => col * self.height + row,
        }
    }
    /// Checks that a vector of `len` values (at least one) is an image of this shape.
    pub(crate) fn check(&self, len: usize, context: &str) -> Result<()> {
        if self.pixels() != len || len == 0 {
            return Err(Error::shape(
                format!(
                    "{context}: values per image ({}×{} image)",
                    self.height, self.width
                ),
                self.pixels(),
                len,
            ));
        }
        Ok(())
    }
}
