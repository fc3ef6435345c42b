//! Grids of image tiles: data samples (the course's `displayData`), hidden units, top inputs.

use super::canvas::{Area, DrawResult, render, render_rgb, text, text_width, title};
use super::color::{color_bar, color_of, scale_labels};
use crate::error::{Error, Result};
use crate::inspect::{ColorMap, Image, Scaling, normalise};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::Path;

/// How [`image_grid`] lays out and colours its tiles.
#[derive(Clone, Debug, PartialEq)]
pub struct GridOptions {
    /// Title drawn above the grid.
    pub title: Option<String>,
    /// Tiles per row (default `⌈√n⌉`, e.g. 10 for 100 tiles, 5 for 25).
    pub columns: Option<usize>,
    /// Per-tile or global normalisation.
    pub scaling: Scaling,
    /// Grey (data) or diverging red-white-blue (weights).
    pub color_map: ColorMap,
    /// Screen pixels per image pixel (default: about 84 screen pixels per tile side).
    pub scale: Option<u32>,
    /// One caption per tile, drawn under it (e.g. labels); empty for none.
    pub captions: Vec<String>,
    /// One label per row of tiles, drawn on the left (e.g. "unit 3"); empty for none.
    pub row_labels: Vec<String>,
    /// Draw a colour bar (legend) on the right.
    pub color_bar: bool,
}

impl Default for GridOptions {
    fn default() -> Self {
        GridOptions {
            title: None,
            columns: None,
            scaling: Scaling::PerTile,
            color_map: ColorMap::Grey,
            scale: None,
            captions: Vec::new(),
            row_labels: Vec::new(),
            color_bar: true,
        }
    }
}

impl GridOptions {
    /// Grey tiles, each scaled to its own range: data samples.
    pub fn grey() -> Self {
        GridOptions::default()
    }
    /// Diverging tiles (negative red, zero white, positive blue), each scaled by its own
    /// largest magnitude: weights of hidden units.
    pub fn diverging() -> Self {
        GridOptions {
            color_map: ColorMap::Diverging,
            ..GridOptions::default()
        }
    }
    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
    /// Sets the number of tiles per row.
    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = Some(columns);
        self
    }
    /// Sets per-tile or global scaling.
    pub fn scaling(mut self, scaling: Scaling) -> Self {
        self.scaling = scaling;
        self
    }
    /// Sets the screen pixels per image pixel.
    pub fn scale(mut self, scale: u32) -> Self {
        self.scale = Some(scale);
        self
    }
    /// Sets one caption per tile.
    pub fn captions(mut self, captions: Vec<String>) -> Self {
        self.captions = captions;
        self
    }
}

const GAP: u32 = 2;
const MARGIN: u32 = 10;
const CAPTION_H: u32 = 18;
const TITLE_H: u32 = 36;
const BAR_W: u32 = 90;

/// Geometry of a grid picture.
struct Layout {
    rows: usize,
    cols: usize,
    scale: u32,
    tile: (u32, u32),
    cell: (u32, u32),
    origin: (u32, u32),
    size: (u32, u32),
}

fn layout(images: &[Image], opts: &GridOptions) -> Result<Layout> {
    let first = images
        .first()
        .ok_or_else(|| Error::InvalidConfig("image_grid: no images to draw".into()))?;
    let (h, w) = (first.height(), first.width());
    if let Some(bad) = images.iter().find(|im| (im.height(), im.width()) != (h, w)) {
        return Err(Error::shape(
            "image_grid: every tile must have the first tile's size",
            format!("{h}×{w}"),
            format!("{}×{}", bad.height(), bad.width()),
        ));
    }
    let n = images.len();
    let cols = opts
        .columns
        .unwrap_or_else(|| (n as f64).sqrt().ceil() as usize)
        .clamp(1, n);
    let rows = n.div_ceil(cols);
    let big = h.max(w).max(1) as u32;
    let scale = opts.scale.unwrap_or((84 / big).max(1)).clamp(1, 64);
    let tile = (w as u32 * scale, h as u32 * scale);
    let caption_h = if opts.captions.is_empty() {
        0
    } else {
        CAPTION_H
    };
    let cell = (tile.0 + GAP, tile.1 + GAP + caption_h);
    let left = MARGIN
        + opts
            .row_labels
            .iter()
            .map(|s| text_width(s, 14.0) + 8)
            .max()
            .unwrap_or(0);
    let top = MARGIN + if opts.title.is_some() { TITLE_H } else { 0 };
    let bar = if opts.color_bar { BAR_W } else { 0 };
    let width = left + cols as u32 * cell.0 + bar + MARGIN;
    let width = width.max(
        opts.title
            .as_deref()
            .map(|t| text_width(t, 20.0) + 2 * MARGIN)
            .unwrap_or(0),
    );
    let height = (top + rows as u32 * cell.1 + MARGIN).max(if opts.color_bar { 160 } else { 0 });
    Ok(Layout {
        rows,
        cols,
        scale,
        tile,
        cell,
        origin: (left, top),
        size: (width, height),
    })
}

fn draw_tiles(area: &Area<'_>, tiles: &[Image], opts: &GridOptions, g: &Layout) -> DrawResult {
    let gap_color = match opts.color_map {
        ColorMap::Grey => RGBColor(200, 200, 200),
        ColorMap::Diverging => RGBColor(150, 150, 150),
    };
    let (ox, oy) = (g.origin.0 as i32, g.origin.1 as i32);
    // Background behind the tiles shows as thin separating lines.
    let used_rows = g.rows as i32;
    area.draw(&Rectangle::new(
        [
            (ox - GAP as i32, oy - GAP as i32),
            (
                ox + g.cols as i32 * g.cell.0 as i32,
                oy + used_rows * g.cell.1 as i32 - (g.cell.1 - g.tile.1 - GAP) as i32,
            ),
        ],
        gap_color.filled(),
    ))?;
    let s = g.scale as i32;
    for (k, im) in tiles.iter().enumerate() {
        let (r, c) = ((k / g.cols) as i32, (k % g.cols) as i32);
        let x0 = ox + c * g.cell.0 as i32;
        let y0 = oy + r * g.cell.1 as i32;
        for i in 0..im.height() {
            for j in 0..im.width() {
                let v = im.get(i, j).unwrap_or(f64::NAN);
                let (px, py) = (x0 + j as i32 * s, y0 + i as i32 * s);
                area.draw(&Rectangle::new(
                    [(px, py), (px + s, py + s)],
                    color_of(v, opts.color_map).filled(),
                ))?;
            }
        }
        if let Some(cap) = opts.captions.get(k) {
            let y = y0 + g.tile.1 as i32 + 1;
            area.draw(&Rectangle::new(
                [(x0, y), (x0 + g.tile.0 as i32, y + CAPTION_H as i32)],
                WHITE.filled(),
            ))?;
            text(
                area,
                cap,
                (x0 + g.tile.0 as i32 / 2, y + 2),
                13.0,
                (HPos::Center, VPos::Top),
                BLACK,
            )?;
        }
    }
    for (r, label) in opts.row_labels.iter().enumerate().take(g.rows) {
        let y = oy + r as i32 * g.cell.1 as i32 + g.tile.1 as i32 / 2;
        text(
            area,
            label,
            (ox - 8, y),
            14.0,
            (HPos::Right, VPos::Center),
            BLACK,
        )?;
    }
    Ok(())
}

/// Draws `images` as a grid of tiles into a PNG at `path`: normalised per tile or globally,
/// grey or diverging, with optional captions, row labels, title and colour bar. For a
/// `NaN` pixel (padding) a light grey is drawn.
///
/// ```no_run
/// use deepmultinet::inspect::{self, ImageShape};
/// use deepmultinet::plot::{self, GridOptions};
/// # fn f(net: &deepmultinet::Network<deepmultinet::SigmoidCrossEntropy<f64>>) -> deepmultinet::Result<()> {
/// // The course's Figure 4: 25 hidden units of a 400-25-10 net as a 5×5 grid.
/// let units = inspect::hidden_unit_images(net, ImageShape::column_major(20, 20))?;
/// plot::image_grid("hidden.png", &units, &GridOptions::diverging().title("Hidden units"))?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::InvalidConfig`] for no images, [`Error::ShapeMismatch`] for tiles of different
/// sizes, [`Error::Plot`] / [`Error::Io`] if drawing or writing fails.
pub fn image_grid(path: impl AsRef<Path>, images: &[Image], opts: &GridOptions) -> Result<()> {
    let p = prepare(images, opts)?;
    render(path.as_ref(), p.layout.size, |area| {
        draw_picture(area, opts, &p)
    })
}

/// Size in pixels of the [`image_grid`] picture of `images`.
pub(crate) fn grid_size(images: &[Image], opts: &GridOptions) -> Result<(u32, u32)> {
    Ok(layout(images, opts)?.size)
}

/// The [`image_grid`] picture of `images` drawn into memory (RGB rows) on a canvas of
/// `size` (at least [`grid_size`]; the extra room stays white).
pub(crate) fn grid_rgb(images: &[Image], opts: &GridOptions, size: (u32, u32)) -> Result<Vec<u8>> {
    let p = prepare(images, opts)?;
    let size = (size.0.max(p.layout.size.0), size.1.max(p.layout.size.1));
    render_rgb(size, |area| draw_picture(area, opts, &p))
}

/// What an [`image_grid`] picture needs besides its options.
struct Prepared {
    layout: Layout,
    tiles: Vec<Image>,
    range: Option<(f64, f64)>,
}

fn prepare(images: &[Image], opts: &GridOptions) -> Result<Prepared> {
    let layout = layout(images, opts)?;
    let tiles = normalise(images, opts.scaling, opts.color_map);
    let range = match (opts.scaling, opts.color_map) {
        (Scaling::PerTile, _) => None,
        (Scaling::Global, ColorMap::Diverging) => {
            let m = images.iter().fold(0.0f64, |m, im| m.max(im.max_abs()));
            Some((-m, m))
        }
        (Scaling::Global, ColorMap::Grey) => images
            .iter()
            .filter_map(Image::min_max)
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1))),
    };
    Ok(Prepared {
        layout,
        tiles,
        range,
    })
}

fn draw_picture(area: &Area<'_>, opts: &GridOptions, p: &Prepared) -> DrawResult {
    let g = &p.layout;
    if let Some(t) = &opts.title {
        title(area, t)?;
    }
    draw_tiles(area, &p.tiles, opts, g)?;
    if opts.color_bar {
        let (lo, hi) = match opts.color_map {
            ColorMap::Grey => (0.0, 1.0),
            ColorMap::Diverging => (-1.0, 1.0),
        };
        let x = (g.origin.0 + g.cols as u32 * g.cell.0 + 12) as i32;
        let avail = g.size.1.saturating_sub(g.origin.1 + MARGIN) as i32;
        let h = avail.clamp(100, 300);
        let mut labels = scale_labels(opts.color_map, p.range);
        if opts.scaling == Scaling::PerTile {
            labels[1] = if opts.color_map == ColorMap::Diverging {
                "0 (per tile)".into()
            } else {
                "(per tile)".into()
            };
        }
        color_bar(
            area,
            (x, g.origin.1 as i32),
            h,
            (lo, hi),
            |t| color_of(t, opts.color_map),
            labels,
        )?;
    }
    Ok(())
}

/// The top-activating samples of each unit as a grid: one row per unit (labelled
/// "unit j"), one column per rank, each tile captioned with the sample's class name (from
/// `class_names`, or the label number when it has no entry). `x` holds the samples as
/// columns, `shape` how they form images. Colouring, title and scale come from `opts` (its
/// `captions`, `row_labels` and `columns` are replaced).
///
/// # Errors
/// As [`image_grid`]; [`Error::IndexOutOfRange`] if a sample index is out of range of `x`.
pub fn top_inputs<'a, T: crate::Scalar, S: AsRef<str>>(
    path: impl AsRef<Path>,
    top: &[crate::inspect::UnitTopInputs],
    x: impl Into<nalgebra::DMatrixView<'a, T>>,
    shape: crate::inspect::ImageShape,
    class_names: &[S],
    opts: &GridOptions,
) -> Result<()> {
    let x = x.into();
    let k = top.iter().map(|u| u.inputs.len()).max().unwrap_or(0).max(1);
    let blank = Image::new(shape.height, shape.width, vec![f64::NAN; shape.pixels()])?;
    let mut tiles = Vec::with_capacity(top.len() * k);
    let mut captions = Vec::with_capacity(top.len() * k);
    for unit in top {
        let idx: Vec<usize> = unit.inputs.iter().map(|t| t.index).collect();
        tiles.extend(crate::inspect::sample_images(x, &idx, shape)?);
        captions.extend(
            unit.inputs
                .iter()
                .map(|t| super::canvas::class_name(class_names, t.label)),
        );
        for _ in unit.inputs.len()..k {
            tiles.push(blank.clone());
            captions.push(String::new());
        }
    }
    let opts = GridOptions {
        columns: Some(k),
        captions,
        row_labels: top.iter().map(|u| format!("unit {}", u.unit)).collect(),
        ..opts.clone()
    };
    image_grid(path, &tiles, &opts)
}
