//! The network-activity diagram: neurons as circles shaded by their activation, one column
//! per layer, and the strongest connections drawn by the signal `|w·a|` they carry.

use super::canvas::{Area, DrawResult, class_name, fmt_num, render, text, text_width, title};
use super::color::{color_of, sequential};
use crate::error::{Error, Result};
use crate::inspect::{Activity, ActivityLayer, ColorMap};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::Path;

const EXCITE: RGBColor = RGBColor(33, 102, 172);
const INHIBIT: RGBColor = RGBColor(178, 24, 43);
const WINNER: RGBColor = RGBColor(255, 127, 14);
const HEADER_H: i32 = 40;
const FOOTER_H: i32 = 40;

/// Where each shown neuron of a layer sits, and the circles' radius.
struct Column {
    x: i32,
    ys: Vec<i32>,
    /// Where "⋮" goes, for a layer with omitted units.
    more: Option<i32>,
    radius: i32,
}

fn column(layer: &ActivityLayer, x: i32, (top, bottom): (i32, i32)) -> Column {
    let n = layer.neurons.len();
    let slots = n + usize::from(layer.omitted() > 0);
    let step = (bottom - top) as f64 / slots.max(1) as f64;
    let radius = (step * 0.38).clamp(3.0, 14.0) as i32;
    let y = |i: usize| top + (step * (i as f64 + 0.5)) as i32;
    Column {
        x,
        ys: (0..n).map(y).collect(),
        more: (layer.omitted() > 0).then(|| y(n)),
        radius,
    }
}

fn label_size(radius: i32) -> f64 {
    f64::from(radius.clamp(5, 12)) + 1.0
}

fn input_label(n: &crate::inspect::Neuron) -> String {
    format!("x{} = {}", n.index, fmt_num(n.activation))
}

fn output_label(n: &crate::inspect::Neuron, names: &[String]) -> String {
    format!(
        "{} {:.1}%",
        class_name(names, n.index),
        100.0 * n.activation
    )
}

/// Fill of a neuron with activation `a` in a layer whose largest magnitude is `scale`:
/// white→blue for non-negative layers, red-white-blue when the layer has negative values.
fn fill(a: f64, scale: f64, signed: bool) -> RGBColor {
    let t = if scale > 0.0 { a / scale } else { 0.0 };
    if signed {
        color_of(t, ColorMap::Diverging)
    } else {
        sequential(t)
    }
}

/// Draws the diagram of `activity` into `area`; `names` label the outputs (numbers where
/// missing).
pub(crate) fn draw_activity(area: &Area<'_>, activity: &Activity, names: &[String]) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let layers = &activity.layers;
    let n = layers.len().max(2);
    let band = (HEADER_H + 8, h - FOOTER_H);
    let mut cols: Vec<Column> = layers.iter().map(|layer| column(layer, 0, band)).collect();
    let last = layers.len().saturating_sub(1);
    // Room for the input pixels' labels on the left and the class names on the right.
    let side = |l: usize, label: &dyn Fn(&crate::inspect::Neuron) -> String| -> i32 {
        let (Some(layer), Some(col)) = (layers.get(l), cols.get(l)) else {
            return 0;
        };
        let size = label_size(col.radius) + if l == last { 1.0 } else { 0.0 };
        let widest = layer
            .neurons
            .iter()
            .map(|n| text_width(&label(n), size))
            .max()
            .unwrap_or(0) as i32;
        (widest + col.radius + 12).max(40)
    };
    let left = side(0, &input_label);
    let right = side(last, &|n| output_label(n, names));
    let span = (w - left - right).max(1);
    for (l, col) in cols.iter_mut().enumerate() {
        col.x = left + span * l as i32 / (n as i32 - 1);
    }

    // Connections first, so that the circles sit on top. Width and opacity follow |signal|
    // relative to the strongest of the same layer pair.
    for (l, conns) in activity.connections.iter().enumerate() {
        let (Some(src), Some(dst)) = (layers.get(l), layers.get(l + 1)) else {
            continue;
        };
        let strongest = conns.iter().map(|c| c.signal.abs()).fold(0.0f64, f64::max);
        if strongest <= 0.0 || !strongest.is_finite() {
            continue;
        }
        // Weakest first, so strong lines are drawn over weak ones.
        for c in conns.iter().rev() {
            let (Some(i), Some(j)) = (src.position(c.from), dst.position(c.to)) else {
                continue;
            };
            let t = (c.signal.abs() / strongest).clamp(0.0, 1.0);
            let color = if c.signal >= 0.0 { EXCITE } else { INHIBIT };
            let style = color
                .mix(0.15 + 0.75 * t)
                .stroke_width(1 + (4.0 * t) as u32);
            area.draw(&PathElement::new(
                vec![
                    (cols[l].x, cols[l].ys[i]),
                    (cols[l + 1].x, cols[l + 1].ys[j]),
                ],
                style,
            ))?;
        }
    }

    for (l, (layer, col)) in layers.iter().zip(&cols).enumerate() {
        let scale = layer
            .neurons
            .iter()
            .map(|n| n.activation.abs())
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let signed = layer.neurons.iter().any(|n| n.activation < 0.0);
        for (neuron, &y) in layer.neurons.iter().zip(&col.ys) {
            let c = (col.x, y);
            area.draw(&Circle::new(
                c,
                col.radius,
                fill(neuron.activation, scale, signed).filled(),
            ))?;
            let winner = l == last && neuron.index == activity.predicted;
            let ring = if winner {
                WINNER.stroke_width(3)
            } else {
                BLACK.stroke_width(1)
            };
            area.draw(&Circle::new(c, col.radius, ring))?;
            let small = label_size(col.radius);
            if l == 0 {
                text(
                    area,
                    &input_label(neuron),
                    (col.x - col.radius - 4, y),
                    small,
                    (HPos::Right, VPos::Center),
                    BLACK,
                )?;
            } else if l == last {
                let label = output_label(neuron, names);
                let color = if winner { WINNER } else { BLACK };
                text(
                    area,
                    &label,
                    (col.x + col.radius + 5, y),
                    small + 1.0,
                    (HPos::Left, VPos::Center),
                    color,
                )?;
            } else if col.radius >= 8 {
                text(
                    area,
                    &neuron.index.to_string(),
                    (col.x, y),
                    f64::from(col.radius),
                    (HPos::Center, VPos::Center),
                    super::color::ink_on(fill(neuron.activation, scale, signed)),
                )?;
            }
        }
        if let Some(y) = col.more {
            text(
                area,
                "⋮",
                (col.x, y),
                20.0,
                (HPos::Center, VPos::Center),
                BLACK,
            )?;
        }
        let head = match l {
            0 => "input".to_string(),
            l if l == last => "output".to_string(),
            l => format!("hidden {l}"),
        };
        let count = if layer.omitted() > 0 {
            format!("{} of {}", layer.neurons.len(), layer.size)
        } else {
            format!("{}", layer.size)
        };
        text(
            area,
            &head,
            (col.x, HEADER_H - 18),
            14.0,
            (HPos::Center, VPos::Bottom),
            BLACK,
        )?;
        text(
            area,
            &count,
            (col.x, HEADER_H - 2),
            12.0,
            (HPos::Center, VPos::Bottom),
            RGBColor(90, 90, 90),
        )?;
    }
    text(
        area,
        "circles: activation (white = 0, per layer); lines: the strongest signals |w·a|, \
         blue excites, red inhibits",
        (w / 2, h - 8),
        12.0,
        (HPos::Center, VPos::Bottom),
        RGBColor(60, 60, 60),
    )?;
    Ok(())
}

/// The network-activity diagram of one sample on its own (see
/// [`inspect::network_activity`](crate::inspect::network_activity)): one column per layer
/// — the chosen input pixels with their values, each hidden layer's most active units ("⋮"
/// where units are left out), the outputs named from `class_names` with their values, the
/// predicted one ringed orange — and the strongest connections, whose width and opacity
/// follow `|w·a|` (relative to the strongest of the same pair of layers), blue for a
/// positive signal, red for a negative one.
///
/// ```no_run
/// use deepmultinet::inspect::{self, ActivityOptions};
/// use deepmultinet::plot;
/// # fn f(net: &deepmultinet::Network<deepmultinet::SoftmaxCrossEntropy<f32>>, x: &nalgebra::DMatrix<f32>) -> deepmultinet::Result<()> {
/// let activity = inspect::network_activity(net, x, 0, &ActivityOptions::default())?;
/// plot::network_activity("activity.png", &activity, &["T-shirt", "Trouser"])?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::InvalidConfig`] for an activity without layers; [`Error::Plot`] /
/// [`Error::Io`] if drawing or writing fails.
pub fn network_activity<S: AsRef<str>>(
    path: impl AsRef<Path>,
    activity: &Activity,
    class_names: &[S],
) -> Result<()> {
    if activity.layers.len() < 2 {
        return Err(Error::InvalidConfig(
            "network_activity: an input and an output layer are needed".into(),
        ));
    }
    let names: Vec<String> = class_names.iter().map(|s| s.as_ref().to_string()).collect();
    let width = 280 + 220 * activity.layers.len() as u32;
    let tallest = activity
        .layers
        .iter()
        .map(|l| l.neurons.len() + usize::from(l.omitted() > 0))
        .max()
        .unwrap_or(1) as u32;
    let height = (130 + 34 * tallest).clamp(420, 1400);
    let heading = format!(
        "Network activity: predicted {}",
        class_name(&names, activity.predicted)
    );
    render(path.as_ref(), (width, height), |root: &Area<'_>| {
        title(root, &heading)?;
        let (_, body) = root.split_vertically(36);
        draw_activity(&body, activity, &names)
    })
}
