//! Matrices as coloured cells: the confusion matrix and the units × classes selectivity map.

use super::canvas::{Area, DrawResult, class_name, fmt_num, render, text, text_width, title};
use super::color::{color_bar, color_of, ink_on, sequential};
use crate::error::{Error, Result};
use crate::inspect::{ClassSelectivity, ColorMap, UnitPreference};
use crate::metrics::ConfusionMatrix;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::Path;

/// What a heatmap shows; colours come from `shade` applied to `value(r, c)`.
struct Heatmap<'a> {
    title: String,
    rows: usize,
    cols: usize,
    value: &'a dyn Fn(usize, usize) -> f64,
    shade: &'a dyn Fn(f64) -> RGBColor,
    cell_text: Option<&'a dyn Fn(usize, usize) -> String>,
    row_labels: Vec<String>,
    col_labels: Vec<String>,
    row_title: &'a str,
    col_title: &'a str,
    outlined: Vec<(usize, usize)>,
    bar: ((f64, f64), [String; 3]),
}

const MARGIN: u32 = 12;
const TITLE_H: u32 = 40;
const BAR_W: u32 = 140;

fn draw_heatmap(path: &Path, h: &Heatmap<'_>) -> Result<()> {
    if h.rows == 0 || h.cols == 0 {
        return Err(Error::InvalidConfig("heatmap: nothing to draw".into()));
    }
    let label_w = h
        .col_labels
        .iter()
        .map(|s| text_width(s, 13.0) + 8)
        .max()
        .unwrap_or(0);
    let cell_w = label_w.max(if h.cell_text.is_some() { 44 } else { 36 });
    let cell_h: u32 = if h.cell_text.is_some() { 30 } else { 22 };
    let left = MARGIN
        + h.row_labels
            .iter()
            .map(|s| text_width(s, 13.0) + 10)
            .max()
            .unwrap_or(0)
            .max(text_width(h.row_title, 14.0) + 4);
    let top = MARGIN + TITLE_H + 18;
    let grid_w = h.cols as u32 * cell_w;
    let grid_h = h.rows as u32 * cell_h;
    let width = (left + grid_w + BAR_W + MARGIN).max(text_width(&h.title, 20.0) + 2 * MARGIN);
    let height = top + grid_h + 46 + MARGIN;
    render(path, (width, height), |area: &Area<'_>| {
        title(area, &h.title)?;
        let (ox, oy) = (left as i32, top as i32);
        let (cw, ch) = (cell_w as i32, cell_h as i32);
        for r in 0..h.rows {
            for c in 0..h.cols {
                let (x, y) = (ox + c as i32 * cw, oy + r as i32 * ch);
                let bg = (h.shade)((h.value)(r, c));
                area.draw(&Rectangle::new([(x, y), (x + cw, y + ch)], bg.filled()))?;
                if let Some(f) = h.cell_text {
                    let s = f(r, c);
                    text(
                        area,
                        &s,
                        (x + cw / 2, y + ch / 2),
                        13.0,
                        (HPos::Center, VPos::Center),
                        ink_on(bg),
                    )?;
                }
            }
        }
        let grid_pen = RGBColor(210, 210, 210).stroke_width(1);
        for r in 0..=h.rows as i32 {
            area.draw(&PathElement::new(
                vec![(ox, oy + r * ch), (ox + h.cols as i32 * cw, oy + r * ch)],
                grid_pen,
            ))?;
        }
        for c in 0..=h.cols as i32 {
            area.draw(&PathElement::new(
                vec![(ox + c * cw, oy), (ox + c * cw, oy + h.rows as i32 * ch)],
                grid_pen,
            ))?;
        }
        for &(r, c) in &h.outlined {
            let (x, y) = (ox + c as i32 * cw, oy + r as i32 * ch);
            area.draw(&Rectangle::new(
                [(x + 1, y + 1), (x + cw - 1, y + ch - 1)],
                BLACK.stroke_width(2),
            ))?;
        }
        for (r, l) in h.row_labels.iter().enumerate() {
            text(
                area,
                l,
                (ox - 6, oy + r as i32 * ch + ch / 2),
                13.0,
                (HPos::Right, VPos::Center),
                BLACK,
            )?;
        }
        for (c, l) in h.col_labels.iter().enumerate() {
            text(
                area,
                l,
                (ox + c as i32 * cw + cw / 2, oy + h.rows as i32 * ch + 4),
                13.0,
                (HPos::Center, VPos::Top),
                BLACK,
            )?;
        }
        text(
            area,
            h.row_title,
            (ox - 6, oy - 4),
            14.0,
            (HPos::Right, VPos::Bottom),
            BLACK,
        )?;
        text(
            area,
            h.col_title,
            (ox + (h.cols as i32 * cw) / 2, oy + h.rows as i32 * ch + 24),
            14.0,
            (HPos::Center, VPos::Top),
            BLACK,
        )?;
        let bar_h = (h.rows as i32 * ch).clamp(100, 300);
        let ((lo, hi), labels) = h.bar.clone();
        color_bar(
            area,
            (ox + h.cols as i32 * cw + 14, oy),
            bar_h,
            (lo, hi),
            |t| (h.shade)(t),
            labels,
        )?;
        Ok(()) as DrawResult
    })
}

/// The confusion matrix as a heatmap: rows true classes, columns predicted classes, named
/// from the matrix's class names. Cells are coloured by the row-normalised fraction (so each
/// class's row reads the same whatever its size) and show the count, or the percentage of
/// the row when `normalized` is true. The title gives the accuracy.
///
/// # Errors
/// [`Error::Plot`] / [`Error::Io`] if drawing or writing fails.
///
/// # Examples
///
/// ```
/// use deepmultinet::metrics::ConfusionMatrix;
/// let truth = [0, 0, 1, 1, 2, 2];
/// let predicted = [0, 1, 1, 1, 2, 0];
/// let cm = ConfusionMatrix::from_labels(&truth, &predicted, 3)?.with_names(&["cat", "dog", "emu"])?;
/// let dir = tempfile::tempdir().map_err(|e| deepmultinet::Error::Io { path: ".".into(), source: e })?;
/// let path = dir.path().join("confusion.png");
/// deepmultinet::plot::confusion_matrix(&path, &cm, false)?; // counts; `true`: % of each row
/// assert!(path.exists());
/// # Ok::<(), deepmultinet::Error>(())
/// ```
pub fn confusion_matrix(
    path: impl AsRef<Path>,
    cm: &ConfusionMatrix,
    normalized: bool,
) -> Result<()> {
    let rn = cm.row_normalized();
    let value = |r: usize, c: usize| rn[(r, c)];
    let shade = |t: f64| sequential(t);
    let counts = |r: usize, c: usize| cm.count(r, c).to_string();
    let percents = |r: usize, c: usize| {
        let v = 100.0 * rn[(r, c)];
        if v == 0.0 {
            "0".to_string()
        } else if v < 0.95 {
            format!("{v:.1}")
        } else {
            format!("{v:.0}")
        }
    };
    let names: Vec<String> = (0..cm.classes())
        .map(|c| class_name(cm.names(), c))
        .collect();
    let kind = if normalized {
        "% of true class"
    } else {
        "counts"
    };
    let h = Heatmap {
        title: format!(
            "Confusion matrix ({kind}), accuracy {:.2}% of {}",
            100.0 * cm.accuracy(),
            cm.total()
        ),
        rows: cm.classes(),
        cols: cm.classes(),
        value: &value,
        shade: &shade,
        cell_text: Some(if normalized { &percents } else { &counts }),
        row_labels: names.clone(),
        col_labels: names,
        row_title: "true",
        col_title: "predicted",
        outlined: Vec::new(),
        bar: (
            (0.0, 1.0),
            ["0".into(), "0.5".into(), "1 (row fraction)".into()],
        ),
    };
    draw_heatmap(path.as_ref(), &h)
}

/// The units × classes mean activations of a layer: one row per unit (labelled with its
/// selectivity index), one column per class. Colours are the means on one scale for the
/// whole map (white→blue from 0 to the largest mean; red-white-blue when some mean is
/// negative); the preferred class of each class-selective unit is outlined.
///
/// # Errors
/// [`Error::InvalidConfig`] for an empty selectivity; [`Error::Plot`] / [`Error::Io`] if
/// drawing or writing fails.
pub fn selectivity_heatmap<S: AsRef<str>>(
    path: impl AsRef<Path>,
    sel: &ClassSelectivity,
    class_names: &[S],
) -> Result<()> {
    let means = sel.means_matrix();
    let finite = || means.iter().copied().filter(|v| v.is_finite());
    let max_abs = finite().fold(0.0f64, |m, v| m.max(v.abs()));
    let has_negative = finite().any(|v| v < 0.0);
    let scale = if max_abs > 0.0 { max_abs } else { 1.0 };
    let value = |r: usize, c: usize| means[(r, c)] / scale;
    let shade = move |t: f64| {
        if has_negative {
            color_of(t, ColorMap::Diverging)
        } else {
            sequential(t)
        }
    };
    let (lo, bar_labels) = if has_negative {
        (-1.0, [fmt_num(-scale), "0".to_string(), fmt_num(scale)])
    } else {
        (0.0, ["0".to_string(), fmt_num(scale / 2.0), fmt_num(scale)])
    };
    let outlined = sel
        .units
        .iter()
        .enumerate()
        .filter_map(|(r, u)| match u.preference {
            UnitPreference::ClassSelective { class } => Some((r, class)),
            _ => None,
        })
        .collect();
    let h = Heatmap {
        title: format!(
            "Mean activation per class ({} of {} units class-selective, SI >= {})",
            sel.class_selective_units().len(),
            sel.units.len(),
            sel.threshold
        ),
        rows: sel.units.len(),
        cols: sel.classes,
        value: &value,
        shade: &shade,
        cell_text: None,
        row_labels: sel
            .units
            .iter()
            .map(|u| format!("unit {}  SI {:.2}", u.unit, u.index))
            .collect(),
        col_labels: (0..sel.classes)
            .map(|c| class_name(class_names, c))
            .collect(),
        row_title: "unit",
        col_title: "class",
        outlined,
        bar: ((lo, 1.0), bar_labels),
    };
    draw_heatmap(path.as_ref(), &h)
}
