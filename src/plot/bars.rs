//! Bar charts: selectivity per unit, per-class accuracy, weight histograms, activation
//! statistics per layer.

use super::canvas::{Area, DrawResult, FONT, class_name, fmt_num, render, series_color};
use crate::error::{Error, Result};
use crate::inspect::{ActivationStats, ClassSelectivity, Histogram, UnitPreference};
use crate::metrics::ConfusionMatrix;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

const SELECTIVE: RGBColor = RGBColor(33, 102, 172);
const FEATURE: RGBColor = RGBColor(150, 150, 150);
const SILENT: RGBColor = RGBColor(215, 215, 215);

fn label_style(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom))
}

/// Width of a bar chart with `n` bars: at least `min`, about `per` pixels per bar.
fn chart_width(n: usize, per: u32, min: u32) -> u32 {
    (120 + n as u32 * per).clamp(min, 4000)
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
    render(path.as_ref(), (width, 440), |root: &Area<'_>| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Class selectivity per unit ({} of {n} class-selective)",
                    sel.class_selective_units().len()
                ),
                (FONT, 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..1.1)?;
        let fmt = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => sel
                .units
                .get(*i)
                .map(|u| u.unit.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(40))
            .x_label_formatter(&fmt)
            .x_desc("unit")
            .y_desc("selectivity index")
            .draw()?;
        chart.draw_series(sel.units.iter().enumerate().map(|(i, u)| {
            let color = match u.preference {
                UnitPreference::ClassSelective { .. } => SELECTIVE,
                UnitPreference::FeatureSelective => FEATURE,
                UnitPreference::Unresponsive => SILENT,
            };
            let mut r = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), u.index),
                ],
                color.filled(),
            );
            r.set_margin(0, 0, 3, 3);
            r
        }))?;
        chart.draw_series(sel.units.iter().enumerate().filter_map(
            |(i, u)| match u.preference {
                UnitPreference::ClassSelective { class } => Some(Text::new(
                    class_name(class_names, class),
                    (SegmentValue::CenterOf(i), u.index + 0.01),
                    label_style(12.0),
                )),
                _ => None,
            },
        ))?;
        chart
            .draw_series(DashedLineSeries::new(
                [
                    (SegmentValue::Exact(0), sel.threshold),
                    (SegmentValue::Exact(n), sel.threshold),
                ],
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
                .draw_series(std::iter::empty::<Rectangle<(SegmentValue<usize>, f64)>>())?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
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
        let mut chart = ChartBuilder::on(root)
            .caption("Accuracy per class (recall)", (FONT, 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..1.1)?;
        let fmt = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&fmt)
            .x_desc("class")
            .y_desc("accuracy")
            .draw()?;
        chart.draw_series(acc.iter().enumerate().map(|(i, &a)| {
            let mut r = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), a),
                ],
                series_color(0).filled(),
            );
            r.set_margin(0, 0, 4, 4);
            r
        }))?;
        chart.draw_series(acc.iter().enumerate().map(|(i, &a)| {
            Text::new(
                format!("{:.1}", 100.0 * a),
                (SegmentValue::CenterOf(i), a + 0.01),
                label_style(12.0),
            )
        }))?;
        let overall = cm.accuracy();
        chart
            .draw_series(DashedLineSeries::new(
                [
                    (SegmentValue::Exact(0), overall),
                    (SegmentValue::Exact(n), overall),
                ],
                6,
                4,
                RGBColor(214, 39, 40).stroke_width(2),
            ))?
            .label(format!("overall {:.2}%", 100.0 * overall))
            .legend(|(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + 16, y)],
                    RGBColor(214, 39, 40).stroke_width(2),
                )
            });
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
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
            let (lo, hi) = (
                h.edges.first().copied().unwrap_or(-0.5),
                h.edges.last().copied().unwrap_or(0.5),
            );
            let top = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.08;
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!(
                        "layer {} weights: {} values in [{}, {}]",
                        h.layer,
                        h.total(),
                        fmt_num(lo),
                        fmt_num(hi)
                    ),
                    (FONT, 17),
                )
                .margin(10)
                .x_label_area_size(32)
                .y_label_area_size(56)
                .build_cartesian_2d(lo..hi, 0.0..top)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(8)
                .y_labels(5)
                .x_label_formatter(&|v| fmt_num(*v))
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
        }
        Ok(()) as DrawResult
    })
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
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let top = stats
        .iter()
        .map(|s| finite(s.max))
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.15;
    let bottom = stats
        .iter()
        .map(|s| finite(s.mean).min(0.0))
        .fold(0.0f64, f64::min)
        * 1.15;
    let width = chart_width(n, 160, 560);
    render(path.as_ref(), (width, 420), |root: &Area<'_>| {
        let mut chart = ChartBuilder::on(root)
            .caption("Activation per layer", (FONT, 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d((0..n).into_segmented(), bottom..top)?;
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
        let fmt = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&fmt)
            .y_label_formatter(&|v| fmt_num(*v))
            .y_desc("activation")
            .draw()?;
        let seg = chart.plotting_area().dim_in_pixel().0 / n as u32;
        for (k, (name, get)) in [
            (
                "mean",
                (|s: &ActivationStats| s.mean) as fn(&ActivationStats) -> f64,
            ),
            ("max", |s| s.max),
        ]
        .into_iter()
        .enumerate()
        {
            let color = series_color(k);
            chart
                .draw_series(stats.iter().enumerate().map(|(i, s)| {
                    let mut r = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), 0.0),
                            (SegmentValue::Exact(i + 1), finite(get(s))),
                        ],
                        color.filled(),
                    );
                    let (l, rgt) = if k == 0 {
                        (seg / 8, seg / 2)
                    } else {
                        (seg / 2, seg / 8)
                    };
                    r.set_margin(0, 0, l, rgt);
                    r
                }))?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()?;
        Ok(()) as DrawResult
    })
}
