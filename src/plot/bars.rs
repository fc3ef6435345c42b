//! Bar charts: selectivity per unit, per-class accuracy, weight histograms, activation
//! statistics per layer.

use super::canvas::{Area, DrawResult, FONT, class_name, fmt_num, render, series_color};
use crate::error::{Error, Result};
use crate::inspect::{ActivationStats, ClassSelectivity, Histogram, UnitPreference};
use crate::metrics::ConfusionMatrix;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

const SELECTIVE: RGBColor = RGBColor(33, 102, 172);
const FEATURE: RGBColor = RGBColor(150, 150, 150);
const SILENT: RGBColor = RGBColor(215, 215, 215);

fn label_style(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom))
}

/// A chart whose x axis holds `labels.len()` categories at `0, 1, ...` (f64 coordinates
/// `−0.5 .. n − 0.5`), with **every** category name drawn under the axis — side by side when
/// they fit, turned upright (reading upwards) when they would overlap — and light mesh lines
/// off.
pub(crate) fn category_chart<'a, 'b>(
    area: &'a Area<'b>,
    caption: Option<&str>,
    labels: &[String],
    y: std::ops::Range<f64>,
    y_desc: &str,
    x_desc: &str,
) -> std::result::Result<
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    Box<dyn std::error::Error>,
> {
    const MARGIN: u32 = 12;
    const Y_AREA: u32 = 56;
    const SIZE: f64 = 13.0;
    let n = labels.len().max(1);
    let widest = labels
        .iter()
        .map(|l| super::canvas::text_width(l, SIZE))
        .max()
        .unwrap_or(1);
    let (w, h) = area.dim_in_pixel();
    let slot = w.saturating_sub(2 * MARGIN + Y_AREA) as f64 / n as f64;
    let upright = f64::from(widest) + 6.0 > slot;
    let desc_h = if x_desc.is_empty() { 0 } else { 20 };
    let label_h = if upright {
        // An upright label is as tall as it is long; at most half the area goes to labels.
        (widest + 10).min(h / 2)
    } else {
        26
    };
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(MARGIN)
        .x_label_area_size(label_h + desc_h)
        .y_label_area_size(Y_AREA);
    if let Some(c) = caption {
        builder.caption(c, (FONT, 20));
    }
    let mut chart = builder.build_cartesian_2d(-0.5..n as f64 - 0.5, y.clone())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .light_line_style(WHITE)
        .y_label_formatter(&|v| super::canvas::fmt_axis(*v))
        .y_desc(y_desc)
        .draw()?;
    // Chart coordinates are absolute pixels; text on `area` is relative to its corner.
    let (bx, by) = area.get_base_pixel();
    let (x0, y0) = chart.backend_coord(&(-0.5, y.start));
    let (x1, _) = chart.backend_coord(&(n as f64 - 0.5, y.start));
    let (x0, x1, y0) = (x0 - bx, x1 - bx, y0 - by);
    for (i, l) in labels.iter().enumerate() {
        let x = chart.backend_coord(&(i as f64, y.start)).0 - bx;
        if upright {
            super::canvas::text_up(area, l, (x, y0 + 6), SIZE)?;
        } else {
            super::canvas::text(area, l, (x, y0 + 6), SIZE, (HPos::Center, VPos::Top), BLACK)?;
        }
    }
    if !x_desc.is_empty() {
        super::canvas::text(
            area,
            x_desc,
            ((x0 + x1) / 2, y0 + label_h as i32 + 2),
            14.0,
            (HPos::Center, VPos::Top),
            BLACK,
        )?;
    }
    Ok(chart)
}

/// Width of a bar chart with `n` bars: at least `min`, about `per` pixels per bar.
fn chart_width(n: usize, per: u32, min: u32) -> u32 {
    (120 + n as u32 * per).clamp(min, 4000)
}

/// Reads one statistic of a layer.
type StatFn = fn(&ActivationStats) -> f64;

/// A filled bar for category `i` from 0 to `v`, `half` wide on each side.
fn bar(i: usize, v: f64, half: f64, color: RGBColor) -> Rectangle<(f64, f64)> {
    let x = i as f64;
    Rectangle::new([(x - half, 0.0), (x + half, v)], color.filled())
}

fn legend_box(color: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
}

/// The class-selectivity index of every unit as bars (x: unit, y: index in `[0, 1]`),
/// coloured by the call: class-selective blue (with the preferred class named above the
/// bar), feature-selective grey, unresponsive light grey; the threshold is a dashed line.
///
/// # Errors
/// [`Error::InvalidConfig`] for no units; [`Error::Plot`] / [`Error::Io`] if drawing or
/// writing fails.
pub fn selectivity_bars<S: AsRef<str>>(
    path: impl AsRef<Path>,
    sel: &ClassSelectivity,
    class_names: &[S],
) -> Result<()> {
    let n = sel.units.len();
    if n == 0 {
        return Err(Error::InvalidConfig("selectivity_bars: no units".into()));
    }
    let width = chart_width(n, 34, 640);
    let caption = format!(
        "Class selectivity per unit ({} of {n} class-selective)",
        sel.class_selective_units().len()
    );
    let labels: Vec<String> = sel.units.iter().map(|u| u.unit.to_string()).collect();
    render(path.as_ref(), (width, 440), |root: &Area<'_>| {
        let mut chart = category_chart(
            root,
            Some(&caption),
            &labels,
            0.0..1.1,
            "selectivity index",
            "unit",
        )?;
        chart.draw_series(sel.units.iter().enumerate().map(|(i, u)| {
            let color = match u.preference {
                UnitPreference::ClassSelective { .. } => SELECTIVE,
                UnitPreference::FeatureSelective => FEATURE,
                UnitPreference::Unresponsive => SILENT,
            };
            bar(i, u.index, 0.4, color)
        }))?;
        chart.draw_series(sel.units.iter().enumerate().filter_map(
            |(i, u)| match u.preference {
                UnitPreference::ClassSelective { class } => Some(Text::new(
                    class_name(class_names, class),
                    (i as f64, u.index + 0.01),
                    label_style(12.0),
                )),
                _ => None,
            },
        ))?;
        chart
            .draw_series(DashedLineSeries::new(
                [(-0.5, sel.threshold), (n as f64 - 0.5, sel.threshold)],
                6,
                4,
                BLACK.stroke_width(1),
            ))?
            .label(format!("threshold {}", sel.threshold))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK));
        for (name, color) in [
            ("class-selective", SELECTIVE),
            ("feature-selective", FEATURE),
            ("unresponsive", SILENT),
        ] {
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
                .label(name)
                .legend(legend_box(color));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()?;
        Ok(()) as DrawResult
    })
}

/// Per-class accuracy (recall) as bars with their values, named from the matrix's class
/// names, and the overall accuracy as a dashed line.
///
/// # Errors
/// [`Error::Plot`] / [`Error::Io`] if drawing or writing fails.
pub fn per_class_accuracy(path: impl AsRef<Path>, cm: &ConfusionMatrix) -> Result<()> {
    let n = cm.classes();
    let acc = cm.per_class_accuracy();
    let names: Vec<String> = (0..n).map(|c| class_name(cm.names(), c)).collect();
    let per = names
        .iter()
        .map(|s| super::canvas::text_width(s, 13.0) + 10)
        .max()
        .unwrap_or(40)
        .max(44);
    let width = chart_width(n, per, 560);
    render(path.as_ref(), (width, 420), |root: &Area<'_>| {
        let mut chart = category_chart(
            root,
            Some("Accuracy per class (recall)"),
            &names,
            0.0..1.1,
            "accuracy",
            "class",
        )?;
        let overall = cm.accuracy();
        let red = RGBColor(214, 39, 40);
        chart
            .draw_series(DashedLineSeries::new(
                [(-0.5, overall), (n as f64 - 0.5, overall)],
                6,
                4,
                red.stroke_width(2),
            ))?
            .label(format!("overall {:.2}% (values in %)", 100.0 * overall))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], red.stroke_width(2)));
        // Bars after the line, so the line shows only between them.
        chart.draw_series(
            acc.iter()
                .enumerate()
                .map(|(i, &a)| bar(i, a, 0.4, series_color(0))),
        )?;
        let inside = TextStyle::from((FONT, 12).into_font())
            .color(&WHITE)
            .pos(Pos::new(HPos::Center, VPos::Top));
        chart.draw_series(acc.iter().enumerate().map(|(i, &a)| {
            if a > 0.08 {
                Text::new(
                    format!("{:.1}", 100.0 * a),
                    (i as f64, a - 0.01),
                    inside.clone(),
                )
            } else {
                Text::new(
                    format!("{:.1}", 100.0 * a),
                    (i as f64, a + 0.01),
                    label_style(12.0),
                )
            }
        }))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()?;
        Ok(()) as DrawResult
    })
}

/// One histogram panel per layer (stacked vertically), titled with the layer, the number of
/// weights and their range.
///
/// # Errors
/// [`Error::InvalidConfig`] for no histograms; [`Error::Plot`] / [`Error::Io`] if drawing or
/// writing fails.
pub fn weight_histograms(path: impl AsRef<Path>, hists: &[Histogram]) -> Result<()> {
    if hists.is_empty() {
        return Err(Error::InvalidConfig(
            "weight_histograms: no histograms".into(),
        ));
    }
    let panel_h = 260u32;
    let height = (panel_h * hists.len() as u32).min(super::canvas::MAX_SIDE);
    render(path.as_ref(), (720, height), |root: &Area<'_>| {
        let panels = root.split_evenly((hists.len(), 1));
        for (h, area) in hists.iter().zip(&panels) {
            let (lo, hi) = histogram_range(h);
            let caption = format!(
                "layer {} weights: {} values in [{}, {}]",
                h.layer,
                h.total(),
                fmt_num(lo),
                fmt_num(hi)
            );
            draw_histogram(area, h, Some(&caption), false)?;
        }
        Ok(()) as DrawResult
    })
}

fn histogram_range(h: &Histogram) -> (f64, f64) {
    (
        h.edges.first().copied().unwrap_or(-0.5),
        h.edges.last().copied().unwrap_or(0.5),
    )
}

/// One histogram on `area` under `caption`, optionally with a dashed line at 0 (when 0 is
/// inside the range).
pub(crate) fn draw_histogram(
    area: &Area<'_>,
    h: &Histogram,
    caption: Option<&str>,
    zero_line: bool,
) -> DrawResult {
    let (lo, hi) = histogram_range(h);
    let top = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.08;
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(10)
        .x_label_area_size(32)
        .y_label_area_size(56);
    if let Some(c) = caption {
        builder.caption(c, (FONT, 17));
    }
    let mut chart = builder.build_cartesian_2d(lo..hi, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(8)
        .y_labels(5)
        // A tick a rounding error away from 0 (−1.1e−16) is 0.
        .x_label_formatter(&|v| {
            super::canvas::fmt_axis(if v.abs() < 1e-9 * (hi - lo) { 0.0 } else { *v })
        })
        .y_label_formatter(&|v| format!("{v:.0}"))
        .y_desc("count")
        .draw()?;
    chart.draw_series(h.counts.iter().enumerate().map(|(i, &c)| {
        let (a, b) = (
            h.edges.get(i).copied().unwrap_or(lo),
            h.edges.get(i + 1).copied().unwrap_or(hi),
        );
        Rectangle::new([(a, 0.0), (b, c as f64)], series_color(h.layer).filled())
    }))?;
    if zero_line && lo < 0.0 && hi > 0.0 {
        chart.draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (0.0, top)],
            6,
            4,
            BLACK.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            " 0",
            (0.0, top),
            TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Top)),
        )))?;
    }
    Ok(())
}

/// Mean and maximum activation of every layer as paired bars, with each layer's number of
/// units and fraction of dead units in its label.
///
/// # Errors
/// [`Error::InvalidConfig`] for no layers; [`Error::Plot`] / [`Error::Io`] if drawing or
/// writing fails.
pub fn activation_stats(path: impl AsRef<Path>, stats: &[ActivationStats]) -> Result<()> {
    let n = stats.len();
    if n == 0 {
        return Err(Error::InvalidConfig("activation_stats: no layers".into()));
    }
    let labels: Vec<String> = stats
        .iter()
        .map(|s| {
            format!(
                "layer {} ({} units, {:.0}% dead)",
                s.layer,
                s.units,
                100.0 * s.dead_fraction
            )
        })
        .collect();
    let width = chart_width(n, 220, 560);
    render(path.as_ref(), (width, 420), |root: &Area<'_>| {
        draw_activation_stats(root, stats, &labels, Some("Activation per layer"))
    })
}

/// Paired mean/max bars per layer on `area`, one category per entry of `labels`.
pub(crate) fn draw_activation_stats(
    area: &Area<'_>,
    stats: &[ActivationStats],
    labels: &[String],
    caption: Option<&str>,
) -> DrawResult {
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let top = stats
        .iter()
        .map(|s| finite(s.max))
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.3;
    let bottom = stats
        .iter()
        .map(|s| finite(s.mean).min(0.0))
        .fold(0.0f64, f64::min)
        * 1.15;
    let mut chart = category_chart(area, caption, labels, bottom..top, "activation", "")?;
    let getters: [(&str, StatFn, f64); 2] = [("mean", |s| s.mean, -0.2), ("max", |s| s.max, 0.2)];
    for (k, (name, get, offset)) in getters.into_iter().enumerate() {
        let color = series_color(k);
        chart
            .draw_series(stats.iter().enumerate().map(|(i, s)| {
                let x = i as f64 + offset;
                Rectangle::new(
                    [(x - 0.17, 0.0), (x + 0.17, finite(get(s)))],
                    color.filled(),
                )
            }))?
            .label(name)
            .legend(legend_box(color));
        chart.draw_series(stats.iter().enumerate().map(|(i, s)| {
            Text::new(
                fmt_num(get(s)),
                (i as f64 + offset, finite(get(s)) + 0.01 * (top - bottom)),
                label_style(12.0),
            )
        }))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}
