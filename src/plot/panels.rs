//! Panels that fit a given area (the dashboard's pieces): the input image with its verdict,
//! a compact confusion matrix, and the confidence of recent predictions.

use super::canvas::{Area, DrawResult, FONT, class_name, render, text, text_up, text_width};
use super::color::{color_of, ink_on, sequential};
use super::single::draw_cells;
use crate::error::Result;
use crate::inspect::{ColorMap, Image, Prediction, Scaling, normalise};
use crate::metrics::ConfusionMatrix;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::Path;

pub(crate) const GREEN: RGBColor = RGBColor(44, 160, 44);
pub(crate) const RED: RGBColor = RGBColor(214, 39, 40);

/// A bold caption centred at the top of a panel.
pub(crate) fn caption(area: &Area<'_>, s: &str) -> DrawResult {
    let (w, _) = area.dim_in_pixel();
    let style = TextStyle::from((FONT, 17.0).into_font().style(FontStyle::Bold))
        .color(&BLACK)
        .pos(plotters::style::text_anchor::Pos::new(
            HPos::Center,
            VPos::Top,
        ));
    area.draw(&Text::new(s.to_string(), (w as i32 / 2, 6), style))?;
    Ok(())
}

/// Panel 1: the input as a grey image (scaled to its own range), and under it the true
/// label, the prediction and its confidence — green when right, red when wrong.
pub(crate) fn draw_input(
    area: &Area<'_>,
    image: &Image,
    label: Option<usize>,
    predicted: usize,
    confidence: f64,
    names: &[String],
) -> DrawResult {
    caption(area, "input")?;
    let (w, h) = area.dim_in_pixel();
    let side = (w.min(h.saturating_sub(110)) as usize).max(1);
    let cell = (side / image.height().max(image.width()).max(1)).max(1) as i32;
    let (iw, ih) = (image.width() as i32 * cell, image.height() as i32 * cell);
    let x0 = (w as i32 - iw) / 2;
    let y0 = 32;
    let norm = normalise(
        std::slice::from_ref(image),
        Scaling::PerTile,
        ColorMap::Grey,
    );
    if let Some(img) = norm.first() {
        draw_cells(area, img, (x0, y0), cell, |v| color_of(v, ColorMap::Grey))?;
    }
    area.draw(&Rectangle::new(
        [(x0 - 1, y0 - 1), (x0 + iw + 1, y0 + ih + 1)],
        BLACK.stroke_width(1),
    ))?;
    let cx = w as i32 / 2;
    let mut y = y0 + ih + 10;
    if let Some(l) = label {
        text(
            area,
            &format!("true: {}", class_name(names, l)),
            (cx, y),
            16.0,
            (HPos::Center, VPos::Top),
            BLACK,
        )?;
        y += 22;
    }
    let verdict = match label {
        Some(l) if l == predicted => GREEN,
        Some(_) => RED,
        None => BLACK,
    };
    text(
        area,
        &format!("predicted: {}", class_name(names, predicted)),
        (cx, y),
        16.0,
        (HPos::Center, VPos::Top),
        verdict,
    )?;
    text(
        area,
        &format!("confidence {:.1}%", 100.0 * confidence),
        (cx, y + 22),
        16.0,
        (HPos::Center, VPos::Top),
        verdict,
    )?;
    Ok(())
}

/// Panel 4: the confusion matrix fitted into `area`, cells coloured by the row-normalised
/// fraction and showing counts when they fit, every class named on both axes (column names
/// upright when they would not fit side by side).
pub(crate) fn draw_confusion(area: &Area<'_>, cm: &ConfusionMatrix) -> DrawResult {
    caption(
        area,
        &format!(
            "Confusion matrix: accuracy {:.2}% of {}",
            100.0 * cm.accuracy(),
            cm.total()
        ),
    )?;
    let k = cm.classes().max(1) as i32;
    let names: Vec<String> = (0..cm.classes())
        .map(|c| class_name(cm.names(), c))
        .collect();
    let widest = names.iter().map(|s| text_width(s, 12.0)).max().unwrap_or(8) as i32;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let left = widest + 26;
    let top = 34;
    let avail_w = w - left - 10;
    // First try names side by side under the columns; else turn them upright.
    let flat = (avail_w / k).min((h - top - 40) / k);
    let upright = widest + 4 > flat;
    let bottom = if upright { widest + 26 } else { 40 };
    let cell = (avail_w / k).min((h - top - bottom) / k).max(4);
    let ox = left + (avail_w - cell * k) / 2;
    let rn = cm.row_normalized();
    for t in 0..cm.classes() {
        for p in 0..cm.classes() {
            let (x, y) = (ox + p as i32 * cell, top + t as i32 * cell);
            let bg = sequential(rn[(t, p)]);
            area.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], bg.filled()))?;
            let count = cm.count(t, p).to_string();
            if text_width(&count, 11.0) as i32 + 2 <= cell && cell >= 14 {
                text(
                    area,
                    &count,
                    (x + cell / 2, y + cell / 2),
                    11.0,
                    (HPos::Center, VPos::Center),
                    ink_on(bg),
                )?;
            }
        }
    }
    let pen = RGBColor(210, 210, 210);
    area.draw(&Rectangle::new(
        [(ox, top), (ox + k * cell, top + k * cell)],
        pen.stroke_width(1),
    ))?;
    for (c, name) in names.iter().enumerate() {
        let mid = c as i32 * cell + cell / 2;
        text(
            area,
            name,
            (ox - 4, top + mid),
            12.0,
            (HPos::Right, VPos::Center),
            BLACK,
        )?;
        if upright {
            text_up(area, name, (ox + mid, top + k * cell + 4), 12.0)?;
        } else {
            text(
                area,
                name,
                (ox + mid, top + k * cell + 4),
                12.0,
                (HPos::Center, VPos::Top),
                BLACK,
            )?;
        }
    }
    text_up(area, "true", (10, top + k * cell / 2 + 12), 13.0)?;
    text(
        area,
        "predicted",
        (ox + k * cell / 2, h - 4),
        13.0,
        (HPos::Center, VPos::Bottom),
        BLACK,
    )?;
    Ok(())
}

/// Panel 7: the confidence of the last `last` predictions (oldest left), dots green/red
/// when `labels` tell right/wrong, with dashed lines at 50 % and 90 %.
pub(crate) fn draw_recent(
    area: &Area<'_>,
    recent: &[Prediction],
    labels: &[usize],
    last: usize,
) -> DrawResult {
    let start = recent.len().saturating_sub(last);
    let shown = &recent[start..];
    let known = labels.len() == recent.len();
    let wrong = if known {
        shown
            .iter()
            .zip(&labels[start..])
            .filter(|(p, l)| p.class != **l)
            .count()
    } else {
        0
    };
    let head = if known {
        format!(
            "Confidence of the last {} predictions ({wrong} wrong)",
            shown.len()
        )
    } else {
        format!("Confidence of the last {} predictions", shown.len())
    };
    caption(area, &head)?;
    let (_, area) = area.split_vertically(28);
    let n = shown.len().max(2) as f64;
    let mut chart = ChartBuilder::on(&area)
        .margin(10)
        .x_label_area_size(34)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5..n - 0.5, 0.0..1.05)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc("prediction (oldest left)")
        .y_desc("confidence")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| super::canvas::fmt_axis(*v))
        .draw()?;
    for (level, label) in [(0.5, "50%"), (0.9, "90%")] {
        chart.draw_series(DashedLineSeries::new(
            [(-0.5, level), (n - 0.5, level)],
            6,
            4,
            RGBColor(110, 110, 110).stroke_width(1),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            label,
            (n - 0.5, level),
            TextStyle::from((FONT, 12).into_font())
                .color(&RGBColor(90, 90, 90))
                .pos(plotters::style::text_anchor::Pos::new(
                    HPos::Right,
                    VPos::Bottom,
                )),
        )))?;
    }
    let pts: Vec<(f64, f64)> = shown
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, p.confidence.clamp(0.0, 1.0)))
        .collect();
    chart.draw_series(LineSeries::new(
        pts.iter().copied(),
        RGBColor(150, 150, 150).stroke_width(1),
    ))?;
    chart.draw_series(shown.iter().enumerate().map(|(i, p)| {
        let color = if !known {
            super::canvas::series_color(0)
        } else if labels[start + i] == p.class {
            GREEN
        } else {
            RED
        };
        Circle::new(pts[i], 4, color.filled())
    }))?;
    Ok(())
}

/// Draws a small picture saying why there is nothing to show (e.g. no unit fires).
pub(crate) fn nothing_to_show(path: &Path, heading: &str, why: &str) -> Result<()> {
    render(path, (720, 200), |root: &Area<'_>| {
        super::canvas::title(root, heading)?;
        text(
            root,
            why,
            (360, 110),
            16.0,
            (HPos::Center, VPos::Center),
            RGBColor(90, 90, 90),
        )
    })
}
