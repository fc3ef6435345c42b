//! Weights seen from one unit: the hidden→output weights of classes as grids shaped like the
//! hidden layer, and the first layer's filters masked by one input.

use super::canvas::{Area, DrawResult, class_name, fmt_num, render, text, text_width, title};
use super::color::{NO_DATA, color_bar, color_of, ink_on};
use super::grid::GridOptions;
use super::single::draw_cells;
use crate::error::{Error, Result};
use crate::inspect::{ClassWeights, ColorMap, Image, MaskedFilter, Scaling, normalise};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::Path;

const MARGIN: i32 = 16;
const TITLE_H: i32 = 44;
const CAPTION_H: i32 = 40;
const GRID_SIDE: i32 = 330;

/// The hidden→output weights of each class in `classes` as a grid shaped like the hidden
/// layer ([`ClassWeights::grid`]: unit 0 top left, row by row — 5×5 for 25 units), side by
/// side on one colour scale (red negative, white 0, blue positive, by the largest `|w|` of
/// all grids). Cells are numbered with their unit and, when large enough, its weight.
/// `tags` (one per grid, may be shorter) are added to the captions, e.g. "true class" and
/// "predicted".
///
/// ```no_run
/// use deepmultinet::inspect;
/// use deepmultinet::plot;
/// # fn f(net: &deepmultinet::Network<deepmultinet::SigmoidCrossEntropy<f64>>) -> deepmultinet::Result<()> {
/// let grids = [inspect::class_weights(net, 3)?, inspect::class_weights(net, 5)?];
/// plot::class_weights("class_weights.png", &grids, &["Dress"; 10], &["true class", "predicted"])?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::InvalidConfig`] for no grids; [`Error::Plot`] / [`Error::Io`] if drawing or
/// writing fails.
pub fn class_weights<S: AsRef<str>, U: AsRef<str>>(
    path: impl AsRef<Path>,
    classes: &[ClassWeights],
    class_names: &[S],
    tags: &[U],
) -> Result<()> {
    let first = classes
        .first()
        .ok_or_else(|| Error::InvalidConfig("class_weights: no classes to draw".into()))?;
    let names: Vec<String> = class_names.iter().map(|s| s.as_ref().to_string()).collect();
    let (rows, cols) = (first.grid.height() as i32, first.grid.width() as i32);
    let cell = (GRID_SIDE / rows.max(cols).max(1)).clamp(8, 72);
    let (gw, gh) = (cols * cell, rows * cell);
    let scale = classes
        .iter()
        .flat_map(|c| c.weights.iter())
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let per = (gw + 2 * MARGIN).max(260);
    let content = MARGIN + per * classes.len() as i32 + 100;
    let height = (TITLE_H + CAPTION_H + gh + 2 * MARGIN).max(200) as u32;
    let units = first.weights.len();
    let heading = format!(
        "Hidden→output weights: {units} hidden units laid out {rows}×{cols} (unit 0 top left)"
    );
    let width = (content as u32).max(text_width(&heading, 20.0) + 40);
    // Centred when the title is the widest thing.
    let shift = (width as i32 - content) / 2;
    render(path.as_ref(), (width, height), |root: &Area<'_>| {
        title(root, &heading)?;
        for (k, cw) in classes.iter().enumerate() {
            let x0 = shift + MARGIN + k as i32 * per + (per - gw) / 2;
            let y0 = TITLE_H + CAPTION_H;
            let mut cap = format!("class {} ({})", cw.class, class_name(&names, cw.class));
            if let Some(t) = tags.get(k) {
                cap = format!("{}: {cap}", t.as_ref());
            }
            text(
                root,
                &cap,
                (x0 + gw / 2, y0 - 22),
                15.0,
                (HPos::Center, VPos::Bottom),
                BLACK,
            )?;
            text(
                root,
                &format!("bias {}", fmt_num(cw.bias)),
                (x0 + gw / 2, y0 - 5),
                13.0,
                (HPos::Center, VPos::Bottom),
                RGBColor(80, 80, 80),
            )?;
            draw_weight_grid(root, &cw.grid, (x0, y0), cell, scale)?;
        }
        let bar_x = shift + MARGIN + per * classes.len() as i32 + 8;
        color_bar(
            root,
            (bar_x, TITLE_H + CAPTION_H),
            gh.clamp(100, 300),
            (-1.0, 1.0),
            |t| color_of(t, ColorMap::Diverging),
            [fmt_num(-scale), "0".into(), fmt_num(scale)],
        )
    })
}

fn draw_weight_grid(
    area: &Area<'_>,
    grid: &Image,
    (x0, y0): (i32, i32),
    cell: i32,
    scale: f64,
) -> DrawResult {
    for r in 0..grid.height() {
        for c in 0..grid.width() {
            let v = grid.get(r, c).unwrap_or(f64::NAN);
            let (x, y) = (x0 + c as i32 * cell, y0 + r as i32 * cell);
            let bg = if v.is_nan() {
                NO_DATA
            } else if scale > 0.0 {
                color_of(v / scale, ColorMap::Diverging)
            } else {
                WHITE
            };
            area.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], bg.filled()))?;
            area.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                RGBColor(200, 200, 200).stroke_width(1),
            ))?;
            if v.is_nan() {
                continue;
            }
            let unit = r * grid.width() + c;
            let ink = ink_on(bg);
            if cell >= 44 {
                text(
                    area,
                    &unit.to_string(),
                    (x + 3, y + 2),
                    10.0,
                    (HPos::Left, VPos::Top),
                    ink,
                )?;
                text(
                    area,
                    &fmt_num(v),
                    (x + cell / 2, y + cell / 2 + 4),
                    12.0,
                    (HPos::Center, VPos::Center),
                    ink,
                )?;
            } else if cell >= 22 {
                text(
                    area,
                    &unit.to_string(),
                    (x + cell / 2, y + cell / 2),
                    10.0,
                    (HPos::Center, VPos::Center),
                    ink,
                )?;
            }
        }
    }
    Ok(())
}

/// The input (grey, on the left) and the first layer's filters masked by it
/// ([`inspect::masked_filters`](crate::inspect::masked_filters): `x ⊙ w_j` of every unit
/// that fires), one tile per unit captioned with its number and activation, red where the
/// input pushes the unit down, blue where it pushes it up. `opts` sets the title, columns,
/// screen pixels per image pixel and the scaling (per tile shows each filter's shape;
/// global compares how much each contributes); its colour map and captions are replaced.
/// With no firing unit, the picture says so.
///
/// ```no_run
/// use deepmultinet::inspect::{self, ImageShape};
/// use deepmultinet::plot::{self, GridOptions};
/// # fn f(net: &deepmultinet::Network<deepmultinet::SigmoidCrossEntropy<f64>>, x: &nalgebra::DMatrix<f64>) -> deepmultinet::Result<()> {
/// let shape = ImageShape::row_major(28, 28);
/// let fired = inspect::masked_filters(net, x, 0, shape, 0.5)?;
/// let input = inspect::sample_images(x, &[0], shape)?.remove(0);
/// plot::masked_filters("masked.png", &input, &fired, &GridOptions::diverging())?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::ShapeMismatch`] if a filter's image differs in size from the input;
/// [`Error::Plot`] / [`Error::Io`] if drawing or writing fails.
pub fn masked_filters(
    path: impl AsRef<Path>,
    input: &Image,
    filters: &[MaskedFilter],
    opts: &GridOptions,
) -> Result<()> {
    let heading = opts.title.clone().unwrap_or_else(|| {
        format!(
            "Filters of the {} hidden units that fire, masked by the input (x ⊙ w)",
            filters.len()
        )
    });
    if filters.is_empty() {
        return super::panels::nothing_to_show(
            path.as_ref(),
            &heading,
            "no hidden unit fires for this input",
        );
    }
    if let Some(bad) = filters
        .iter()
        .find(|f| (f.image.height(), f.image.width()) != (input.height(), input.width()))
    {
        return Err(Error::shape(
            "masked_filters: every filter must have the input's size",
            format!("{}×{}", input.height(), input.width()),
            format!("{}×{}", bad.image.height(), bad.image.width()),
        ));
    }
    let (h, w) = (input.height() as i32, input.width() as i32);
    let s = opts
        .scale
        .map_or((84 / h.max(w).max(1)).max(1), |s| s.clamp(1, 64) as i32);
    let big = (2 * s).max(1);
    let n = filters.len();
    let cols = opts
        .columns
        .unwrap_or_else(|| (n as f64).sqrt().ceil() as usize)
        .clamp(1, n) as i32;
    let rows = n.div_ceil(cols as usize) as i32;
    let (tw, th) = (w * s, h * s);
    let cap_h = 18;
    let (cw, ch) = (tw.max(90) + 6, th + cap_h + 6);
    let left = MARGIN + w * big + 30;
    let top = TITLE_H;
    let width = (left + cols * cw + 110).max(text_width(&heading, 20.0) as i32 + 40) as u32;
    let height = (top + (rows * ch).max(h * big + 40) + MARGIN).max(220) as u32;
    let images: Vec<Image> = filters.iter().map(|f| f.image.clone()).collect();
    let tiles = normalise(&images, opts.scaling, ColorMap::Diverging);
    let input_norm = normalise(
        std::slice::from_ref(input),
        Scaling::PerTile,
        ColorMap::Grey,
    );
    render(path.as_ref(), (width, height), |root: &Area<'_>| {
        title(root, &heading)?;
        if let Some(img) = input_norm.first() {
            draw_cells(root, img, (MARGIN, top + 20), big, |v| {
                color_of(v, ColorMap::Grey)
            })?;
        }
        text(
            root,
            "input",
            (MARGIN + w * big / 2, top + 16),
            14.0,
            (HPos::Center, VPos::Bottom),
            BLACK,
        )?;
        for (k, (tile, f)) in tiles.iter().zip(filters).enumerate() {
            let (r, c) = (k as i32 / cols, k as i32 % cols);
            let x0 = left + c * cw + (cw - tw) / 2;
            let y0 = top + r * ch;
            draw_cells(root, tile, (x0, y0), s, |v| {
                color_of(v, ColorMap::Diverging)
            })?;
            root.draw(&Rectangle::new(
                [(x0 - 1, y0 - 1), (x0 + tw + 1, y0 + th + 1)],
                RGBColor(150, 150, 150).stroke_width(1),
            ))?;
            text(
                root,
                &format!("unit {}: {}", f.unit, fmt_num(f.activation)),
                (x0 + tw / 2, y0 + th + 3),
                12.0,
                (HPos::Center, VPos::Top),
                BLACK,
            )?;
        }
        let labels = match opts.scaling {
            Scaling::PerTile => ["-max".into(), "0 (per tile)".into(), "+max".into()],
            Scaling::Global => {
                let m = images.iter().fold(0.0f64, |m, im| m.max(im.max_abs()));
                [fmt_num(-m), "0".into(), fmt_num(m)]
            }
        };
        color_bar(
            root,
            (left + cols * cw + 12, top),
            (rows * ch).clamp(100, 300),
            (-1.0, 1.0),
            |t| color_of(t, ColorMap::Diverging),
            labels,
        )
    })
}
