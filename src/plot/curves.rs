//! Line charts: training curves per epoch and prediction confidence over a sequence.

use super::canvas::{Area, DrawResult, FONT, fmt_num, render, series_color};
use crate::error::{Error, Result};
use crate::inspect::Prediction;
use plotters::prelude::*;
use std::path::Path;

/// A named series of values, one per epoch (or step); `NaN` values are skipped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Series<'a> {
    /// Legend entry, e.g. "train" or "validation".
    pub name: &'a str,
    /// The values; entry `i` is epoch `i + 1`.
    pub values: &'a [f64],
}

impl<'a> Series<'a> {
    /// A series named `name`.
    pub fn new(name: &'a str, values: &'a [f64]) -> Self {
        Series { name, values }
    }
}

fn finite_range<'a>(series: impl Iterator<Item = &'a Series<'a>>) -> Option<(f64, f64)> {
    series
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

fn panel(
    area: &Area<'_>,
    caption: &str,
    y_desc: &str,
    series: &[Series<'_>],
    unit_range: bool,
) -> DrawResult {
    let epochs = series
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(1)
        .max(2);
    let (mut lo, mut hi) = finite_range(series.iter()).unwrap_or((0.0, 1.0));
    let pad = ((hi - lo) * 0.08).max(1e-6 * hi.abs().max(1.0));
    lo -= pad;
    hi += pad;
    if unit_range && lo >= -0.1 && hi <= 1.1 {
        (lo, hi) = (lo.max(0.0), hi.min(1.0));
    }
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(1.0..epochs as f64, lo..hi)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc("epoch")
        .y_desc(y_desc)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| super::canvas::fmt_axis(*v))
        .draw()?;
    for (k, s) in series.iter().enumerate() {
        let color = series_color(k);
        let pts: Vec<(f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| ((i + 1) as f64, v))
            .collect();
        let last = pts.last().map(|p| p.1);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))?
            .label(match last {
                Some(v) => format!("{} (last {})", s.name, fmt_num(v)),
                None => s.name.to_string(),
            })
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        if pts.len() <= 60 {
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
    }
    chart
        .configure_series_labels()
        .position(if unit_range {
            // accuracies rise: keep the legend out of their way
            SeriesLabelPosition::LowerRight
        } else {
            SeriesLabelPosition::UpperRight
        })
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}

/// Training curves: a cost panel (one line per series in `cost`, e.g. training and
/// validation cost) above an accuracy panel (`accuracy`, e.g. training and validation
/// accuracy), x = epoch. Either slice may be empty; its panel is then left out.
///
/// ```no_run
/// use deepmultinet::plot::{self, Series};
/// let cost = [0.9, 0.5, 0.4];
/// let (train, val) = ([0.80, 0.90, 0.93], [0.78, 0.88, 0.90]);
/// plot::training_curves(
///     "curves.png",
///     &[Series::new("train cost", &cost)],
///     &[Series::new("train", &train), Series::new("validation", &val)],
/// )?;
/// # Ok::<(), deepmultinet::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidConfig`] if both slices are empty; [`Error::Plot`] / [`Error::Io`] if
/// drawing or writing fails.
pub fn training_curves(
    path: impl AsRef<Path>,
    cost: &[Series<'_>],
    accuracy: &[Series<'_>],
) -> Result<()> {
    let panels = usize::from(!cost.is_empty()) + usize::from(!accuracy.is_empty());
    if panels == 0 {
        return Err(Error::InvalidConfig(
            "training_curves: no series to draw".into(),
        ));
    }
    render(
        path.as_ref(),
        (760, 330 * panels as u32),
        |root: &Area<'_>| {
            let areas = root.split_evenly((panels, 1));
            let mut next = areas.iter();
            if !cost.is_empty()
                && let Some(a) = next.next()
            {
                panel(a, "Cost per epoch", "cost", cost, false)?;
            }
            if !accuracy.is_empty()
                && let Some(a) = next.next()
            {
                panel(a, "Accuracy per epoch", "accuracy", accuracy, true)?;
            }
            Ok(())
        },
    )
}

/// Prediction confidence (the winning class's probability) of a sequence of samples: one
/// dot per sample — green when right, red when wrong if `labels` are given, blue otherwise —
/// and a running mean over 25 samples. Also fits "confidence over time": pass one
/// [`Prediction`] per epoch for a fixed sample.
///
/// # Errors
/// [`Error::InvalidConfig`] for no predictions; [`Error::ShapeMismatch`] if `labels` has
/// another length; [`Error::Plot`] / [`Error::Io`] if drawing or writing fails.
pub fn confidence(
    path: impl AsRef<Path>,
    predictions: &[Prediction],
    labels: Option<&[usize]>,
) -> Result<()> {
    let n = predictions.len();
    if n == 0 {
        return Err(Error::InvalidConfig("confidence: no predictions".into()));
    }
    if let Some(l) = labels
        && l.len() != n
    {
        return Err(Error::shape(
            "confidence: labels (number of predictions)",
            n,
            l.len(),
        ));
    }
    let mean = predictions.iter().map(|p| p.confidence).sum::<f64>() / n as f64;
    let wrong = labels.map(|l| {
        l.iter()
            .zip(predictions)
            .filter(|(l, p)| **l != p.class)
            .count()
    });
    let caption = match wrong {
        Some(w) => format!("Prediction confidence over {n} samples (mean {mean:.3}, {w} wrong)"),
        None => format!("Prediction confidence over {n} samples (mean {mean:.3})"),
    };
    render(path.as_ref(), (860, 380), |root: &Area<'_>| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, (FONT, 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..n.max(2) as f64 - 0.5, 0.0..1.02)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("sample")
            .y_desc("max probability")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        let green = RGBColor(44, 160, 44);
        let red = RGBColor(214, 39, 40);
        let radius = if n > 400 { 2 } else { 3 };
        chart.draw_series(predictions.iter().enumerate().map(|(i, p)| {
            let color = match labels.and_then(|l| l.get(i)) {
                Some(&l) if l == p.class => green,
                Some(_) => red,
                None => series_color(0),
            };
            Circle::new(
                (i as f64, p.confidence.clamp(0.0, 1.0)),
                radius,
                color.filled(),
            )
        }))?;
        let w = 25.min(n);
        let mut run = Vec::with_capacity(n);
        let mut sum = 0.0;
        for (i, p) in predictions.iter().enumerate() {
            sum += p.confidence;
            if i >= w {
                sum -= predictions[i - w].confidence;
            }
            run.push((i as f64, sum / (i + 1).min(w) as f64));
        }
        chart
            .draw_series(LineSeries::new(run, BLACK.stroke_width(2)))?
            .label(format!("running mean ({w})"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)));
        if labels.is_some() {
            for (name, color) in [("right", green), ("wrong", red)] {
                chart
                    .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                    .label(name)
                    .legend(move |(x, y)| Circle::new((x + 6, y), 4, color.filled()));
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()?;
        Ok(()) as DrawResult
    })
}
