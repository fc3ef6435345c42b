//! Activation functions and their derivatives, one small chart per function in one picture.

use super::canvas::{Area, DrawResult, FONT, render, title};
use crate::error::{Error, Result};
use crate::inspect::ActivationCurve;
use plotters::prelude::*;
use std::path::Path;

const F: RGBColor = RGBColor(31, 119, 180);
const DF: RGBColor = RGBColor(255, 127, 14);

fn finite_range(c: &ActivationCurve) -> (f64, f64) {
    c.f.iter()
        .chain(&c.df)
        .copied()
        .filter(|v| v.is_finite())
        .fold((0.0f64, 1.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

fn draw_curve(area: &Area<'_>, c: &ActivationCurve) -> DrawResult {
    let (z0, z1) = (
        c.z.first().copied().unwrap_or(-1.0),
        c.z.last().copied().unwrap_or(1.0),
    );
    let (lo, hi) = finite_range(c);
    let pad = 0.08 * (hi - lo);
    let mut chart = ChartBuilder::on(area)
        .caption(&c.name, (FONT, 17))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(44)
        .build_cartesian_2d(z0..z1, lo - pad..hi + pad)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_labels(9)
        .y_labels(6)
        .x_label_formatter(&|v| super::canvas::fmt_axis(*v))
        .y_label_formatter(&|v| super::canvas::fmt_axis(*v))
        .draw()?;
    let axis = RGBColor(120, 120, 120).stroke_width(1);
    chart.draw_series(LineSeries::new([(z0, 0.0), (z1, 0.0)], axis))?;
    if z0 < 0.0 && z1 > 0.0 {
        chart.draw_series(LineSeries::new([(0.0, lo - pad), (0.0, hi + pad)], axis))?;
    }
    let pts = |v: &[f64]| -> Vec<(f64, f64)> {
        c.z.iter()
            .copied()
            .zip(v.iter().copied())
            .filter(|(_, y)| y.is_finite())
            .collect()
    };
    chart
        .draw_series(LineSeries::new(pts(&c.f), F.stroke_width(3)))?
        .label("f(z)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], F.stroke_width(3)));
    chart
        .draw_series(DashedLineSeries::new(pts(&c.df), 7, 4, DF.stroke_width(2)))?
        .label("f'(z)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], DF.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}

/// Every curve in `curves` with its derivative — `f(z)` solid blue, `f'(z)` dashed orange,
/// the axes through 0 in grey — one small chart per function, three to a row (e.g. from
/// [`inspect::builtin_activation_curves`](crate::inspect::builtin_activation_curves)).
///
/// ```no_run
/// use deepmultinet::{inspect, plot};
/// let curves = inspect::builtin_activation_curves((-4.0, 4.0), 161)?;
/// plot::activation_functions("activations.png", &curves)?;
/// # Ok::<(), deepmultinet::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidConfig`] for no curves; [`Error::Plot`] / [`Error::Io`] if drawing or
/// writing fails.
pub fn activation_functions(path: impl AsRef<Path>, curves: &[ActivationCurve]) -> Result<()> {
    if curves.is_empty() {
        return Err(Error::InvalidConfig(
            "activation_functions: no curves".into(),
        ));
    }
    let cols = curves.len().min(3);
    let rows = curves.len().div_ceil(cols);
    let size = (360 * cols as u32, 44 + 300 * rows as u32);
    render(path.as_ref(), size, |root: &Area<'_>| {
        title(
            root,
            "Activation functions f(z) (solid) and their derivatives f'(z) (dashed)",
        )?;
        let (_, body) = root.split_vertically(44);
        for (c, area) in curves.iter().zip(body.split_evenly((rows, cols)).iter()) {
            draw_curve(area, c)?;
        }
        Ok(())
    })
}
