//! Colour scales and the colour bar drawn beside images and heatmaps.

use super::canvas::{Area, DrawResult, fmt_num, text};
use crate::inspect::ColorMap;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Colour for pixels without data (`NaN`).
pub(crate) const NO_DATA: RGBColor = RGBColor(235, 235, 235);
const RED: (f64, f64, f64) = (178.0, 24.0, 43.0);
const BLUE: (f64, f64, f64) = (33.0, 102.0, 172.0);

fn lerp_white(to: (f64, f64, f64), t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let c = |x: f64| (255.0 + (x - 255.0) * t).round() as u8;
    RGBColor(c(to.0), c(to.1), c(to.2))
}

/// Colour of a normalised value: `[0, 1]` black→white for [`ColorMap::Grey`], `[−1, 1]`
/// red→white→blue for [`ColorMap::Diverging`].
pub(crate) fn color_of(v: f64, map: ColorMap) -> RGBColor {
    if v.is_nan() {
        return NO_DATA;
    }
    match map {
        ColorMap::Grey => {
            let g = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            RGBColor(g, g, g)
        }
        ColorMap::Diverging => {
            if v < 0.0 {
                lerp_white(RED, -v)
            } else {
                lerp_white(BLUE, v)
            }
        }
    }
}

/// Sequential white→blue for `t ∈ [0, 1]` (heatmaps of non-negative values).
pub(crate) fn sequential(t: f64) -> RGBColor {
    if t.is_nan() {
        return NO_DATA;
    }
    lerp_white(BLUE, t)
}

/// Text colour readable on `bg`.
pub(crate) fn ink_on(bg: RGBColor) -> RGBColor {
    let lum = 0.299 * bg.0 as f64 + 0.587 * bg.1 as f64 + 0.114 * bg.2 as f64;
    if lum < 140.0 { WHITE } else { BLACK }
}

/// A vertical colour bar at `(x, y)` of `height` pixels, mapping normalised values
/// `lo..=hi` (bottom to top) with `color`, labelled with `labels` (bottom, middle, top).
pub(crate) fn color_bar(
    area: &Area<'_>,
    (x, y): (i32, i32),
    height: i32,
    (lo, hi): (f64, f64),
    color: impl Fn(f64) -> RGBColor,
    labels: [String; 3],
) -> DrawResult {
    let w = 14;
    let h = height.max(2);
    for i in 0..h {
        let t = hi - (hi - lo) * i as f64 / (h - 1) as f64;
        area.draw(&Rectangle::new(
            [(x, y + i), (x + w, y + i + 1)],
            color(t).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(x, y), (x + w, y + h)],
        BLACK.stroke_width(1),
    ))?;
    let [bottom, mid, top] = labels;
    let lx = x + w + 4;
    text(area, &top, (lx, y), 13.0, (HPos::Left, VPos::Top), BLACK)?;
    text(
        area,
        &mid,
        (lx, y + h / 2),
        13.0,
        (HPos::Left, VPos::Center),
        BLACK,
    )?;
    text(
        area,
        &bottom,
        (lx, y + h),
        13.0,
        (HPos::Left, VPos::Bottom),
        BLACK,
    )?;
    Ok(())
}

/// Colour-bar labels for a normalised image scale: real values when the scale is global
/// (`range` given), otherwise words.
pub(crate) fn scale_labels(map: ColorMap, range: Option<(f64, f64)>) -> [String; 3] {
    match (map, range) {
        (ColorMap::Diverging, Some((_, m))) => [fmt_num(-m), "0".into(), fmt_num(m)],
        (ColorMap::Diverging, None) => ["-max|v|".into(), "0".into(), "+max|v|".into()],
        (ColorMap::Grey, Some((lo, hi))) => [fmt_num(lo), fmt_num((lo + hi) / 2.0), fmt_num(hi)],
        (ColorMap::Grey, None) => ["min".into(), "".into(), "max".into()],
    }
}
