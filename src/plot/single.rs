//! One sample through the network: the input image, each hidden layer's activations as a
//! grid, and the output probabilities as bars with the winner highlighted.

use super::canvas::{Area, DrawResult, FONT, class_name, fmt_num, render, text, title};
use super::color::{color_of, sequential};
use crate::error::Result;
use crate::inspect::{ColorMap, Image, Scaling, SingleInput, normalise};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// What to draw besides the network's numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SingleInputOptions {
    /// The input as an image (drawn on the left in grey), e.g. from
    /// [`inspect::sample_images`](crate::inspect::sample_images).
    pub image: Option<Image>,
    /// The sample's true label, if known (named in the title, outlined in the bar chart).
    pub label: Option<usize>,
    /// Class names for the bars; numbers are used where missing.
    pub class_names: Vec<String>,
}

const PANEL_TOP: i32 = 64;
const SIDE: u32 = 200;

pub(crate) fn draw_cells(
    area: &Area<'_>,
    img: &Image,
    (x0, y0): (i32, i32),
    cell: i32,
    color: impl Fn(f64) -> RGBColor,
) -> DrawResult {
    for r in 0..img.height() {
        for c in 0..img.width() {
            let v = img.get(r, c).unwrap_or(f64::NAN);
            let (x, y) = (x0 + c as i32 * cell, y0 + r as i32 * cell);
            area.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                color(v).filled(),
            ))?;
        }
    }
    Ok(())
}

/// Draws what the network does with one sample (see the module docs).
///
/// Hidden activations of each layer are shown as a near-square grid of cells (unit 0 top
/// left, row by row; grey cells are padding), white → blue from 0 to the layer's largest
/// activation (red-white-blue for layers with negative activations).
///
/// # Errors
/// [`Error::Plot`](crate::Error::Plot) / [`Error::Io`](crate::Error::Io) if drawing or writing
/// fails; shape errors for an empty layer.
pub fn single_input(
    path: impl AsRef<Path>,
    view: &SingleInput,
    opts: &SingleInputOptions,
) -> Result<()> {
    let grids: Vec<Image> = view
        .hidden
        .iter()
        .map(|h| Image::grid_of(h))
        .collect::<Result<_>>()?;
    let left_panels = usize::from(opts.image.is_some()) + grids.len();
    // Wide enough that every class name stands under its bar (long names turn upright).
    let per_bar = opts
        .class_names
        .iter()
        .map(|s| super::canvas::text_width(s, 13.0) + 8)
        .max()
        .unwrap_or(0)
        .clamp(44, 90);
    let bars_w = (100 + per_bar * view.outputs.len() as u32).clamp(360, 1000);
    let width = 20 + left_panels as u32 * (SIDE + 30) + bars_w;
    let height = PANEL_TOP as u32 + SIDE + 90;
    let names = &opts.class_names;
    let p = view
        .outputs
        .get(view.predicted)
        .copied()
        .unwrap_or(f64::NAN);
    let mut heading = format!(
        "sample {}: predicted {} ({:.1}%)",
        view.index,
        class_name(names, view.predicted),
        100.0 * p
    );
    if let Some(l) = opts.label {
        let verdict = if l == view.predicted {
            "right"
        } else {
            "wrong"
        };
        heading.push_str(&format!(", true {} ({verdict})", class_name(names, l)));
    }
    render(path.as_ref(), (width, height), |root: &Area<'_>| {
        title(root, &heading)?;
        let mut x = 20i32;
        if let Some(img) = &opts.image {
            let cell = (SIDE as usize / img.height().max(img.width()).max(1)).max(1) as i32;
            let norm = normalise(std::slice::from_ref(img), Scaling::PerTile, ColorMap::Grey);
            draw_cells(root, &norm[0], (x, PANEL_TOP), cell, |v| {
                color_of(v, ColorMap::Grey)
            })?;
            text(
                root,
                "input",
                (x + SIDE as i32 / 2, PANEL_TOP - 6),
                14.0,
                (HPos::Center, VPos::Bottom),
                BLACK,
            )?;
            x += SIDE as i32 + 30;
        }
        for (l, g) in grids.iter().enumerate() {
            let cell = (SIDE as usize / g.height().max(g.width()).max(1)).max(1) as i32;
            let lo = g
                .pixels()
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(0.0f64, f64::min);
            let hi = g.max_abs().max(1e-12);
            let diverging = lo < 0.0;
            draw_cells(root, g, (x, PANEL_TOP), cell, |v| {
                if diverging {
                    color_of(v / hi, ColorMap::Diverging)
                } else {
                    sequential(v / hi)
                }
            })?;
            for r in 0..=g.height() as i32 {
                let y = PANEL_TOP + r * cell;
                root.draw(&PathElement::new(
                    vec![(x, y), (x + g.width() as i32 * cell, y)],
                    WHITE,
                ))?;
            }
            for c in 0..=g.width() as i32 {
                let xx = x + c * cell;
                root.draw(&PathElement::new(
                    vec![(xx, PANEL_TOP), (xx, PANEL_TOP + g.height() as i32 * cell)],
                    WHITE,
                ))?;
            }
            text(
                root,
                &format!("hidden layer {} ({} units)", l + 1, view.hidden[l].len()),
                (x + SIDE as i32 / 2, PANEL_TOP - 6),
                14.0,
                (HPos::Center, VPos::Bottom),
                BLACK,
            )?;
            let range = if diverging {
                format!("scale: -{0} (red) to {0} (blue)", fmt_num(hi))
            } else {
                format!("scale: 0 (white) to {} (blue)", fmt_num(hi))
            };
            text(
                root,
                &range,
                (
                    x + SIDE as i32 / 2,
                    PANEL_TOP + g.height() as i32 * cell + 8,
                ),
                12.0,
                (HPos::Center, VPos::Top),
                BLACK,
            )?;
            x += SIDE as i32 + 30;
        }
        let (_, right) = root.split_horizontally(x - 10);
        let right = right.margin(PANEL_TOP as u32 - 24, 10, 0, 10);
        draw_output_bars(
            &right,
            &view.outputs,
            view.predicted,
            opts.label,
            names,
            None,
        )?;
        Ok(())
    })
}

/// The output values as bars on `area` (y from 0 to 1.1), every class named under its bar:
/// the predicted class orange, the others grey, the true class (if given) outlined green,
/// values ≥ 0.5 % written above the bars.
pub(crate) fn draw_output_bars(
    area: &Area<'_>,
    outputs: &[f64],
    predicted: usize,
    label: Option<usize>,
    names: &[String],
    caption: Option<&str>,
) -> DrawResult {
    let k = outputs.len().max(1);
    let labels: Vec<String> = (0..k).map(|i| class_name(names, i)).collect();
    let mut chart =
        super::bars::category_chart(area, caption, &labels, 0.0..1.1, "output", "class")?;
    let win = RGBColor(255, 127, 14);
    let other = RGBColor(160, 160, 160);
    chart.draw_series(outputs.iter().enumerate().map(|(i, &v)| {
        let c = if i == predicted { win } else { other };
        Rectangle::new([(i as f64 - 0.4, 0.0), (i as f64 + 0.4, v)], c.filled())
    }))?;
    if let Some(l) = label.filter(|&l| l < k) {
        let top = outputs.get(l).copied().unwrap_or(0.0).max(0.0) + 0.08;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(l as f64 - 0.46, 0.0), (l as f64 + 0.46, top)],
            RGBColor(44, 160, 44).stroke_width(2),
        )))?;
    }
    let style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(
        outputs
            .iter()
            .enumerate()
            .filter(|(_, v)| **v >= 0.005)
            .map(|(i, &v)| {
                Text::new(
                    format!("{:.0}%", 100.0 * v),
                    (i as f64, v + 0.01),
                    style.clone(),
                )
            }),
    )?;
    Ok(())
}
