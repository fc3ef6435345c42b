//! Drawing into memory and writing the PNG: fonts, text, colours, errors.

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

/// The drawing area every picture draws on.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
/// What a drawing closure returns; any plotters error is turned into [`Error::Plot`].
pub(crate) type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// Font family name under which the embedded DejaVu Sans is registered.
pub(crate) const FONT: &str = "sans-serif";
/// Largest picture side we agree to draw (keeps memory bounded on silly inputs).
pub(crate) const MAX_SIDE: u32 = 16_384;

static FONTS: Once = Once::new();

/// Registers DejaVu Sans (shipped inside the `dejavu` crate) with plotters' `ab_glyph`
/// text renderer, once per process.
fn register_fonts() {
    FONTS.call_once(|| {
        // Registration only fails for a corrupt font file; the bytes are compiled in, so a
        // failure would show in every test. Text is then simply not drawn.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Draws a `width × height` picture with `draw` on a white background and writes it to
/// `path` as an 8-bit RGB PNG.
pub(crate) fn render(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<()> {
    let buf = render_rgb(size, draw).map_err(|e| match e {
        Error::Plot(m) => Error::Plot(format!("{}: {m}", path.display())),
        other => other,
    })?;
    write_png(path, size.0, size.1, &buf)
}

/// Draws a `width × height` picture with `draw` on a white background into memory: the
/// pixels row by row, 3 bytes (RGB) each.
pub(crate) fn render_rgb(
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<Vec<u8>> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(Error::Plot(format!(
            "picture size {width}×{height} is outside 1..={MAX_SIDE} pixels per side"
        )));
    }
    register_fonts();
    let mut buf = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        draw(&root).map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(buf)
}

fn plot_err(e: impl std::fmt::Display) -> Error {
    Error::Plot(e.to_string())
}

fn write_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<()> {
    let mut bytes = Vec::new();
    let mut enc = png::Encoder::new(&mut bytes, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let png_err = |e: png::EncodingError| Error::Plot(format!("{}: {e}", path.display()));
    let mut writer = enc.write_header().map_err(png_err)?;
    writer.write_image_data(rgb).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    // Encoded in memory, then written atomically: a failure leaves an old picture intact.
    crate::files::write_atomic(path, &bytes)
}

/// Draws `s` at `(x, y)` with the given anchor, size and colour.
pub(crate) fn text(
    area: &Area<'_>,
    s: &str,
    (x, y): (i32, i32),
    size: f64,
    anchor: (HPos, VPos),
    color: RGBColor,
) -> DrawResult {
    let style = TextStyle::from((FONT, size).into_font())
        .color(&color)
        .pos(Pos::new(anchor.0, anchor.1));
    area.draw(&Text::new(s.to_string(), (x, y), style))?;
    Ok(())
}

/// Draws `s` turned a quarter to the left (reading upwards), its end at `(x, y)`: the top
/// of the text is centred on `x`. Used for axis labels too wide to stand side by side.
pub(crate) fn text_up(area: &Area<'_>, s: &str, (x, y): (i32, i32), size: f64) -> DrawResult {
    use plotters::style::FontTransform;
    let style = TextStyle::from((FONT, size).into_font().transform(FontTransform::Rotate270))
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    area.draw(&Text::new(s.to_string(), (x, y), style))?;
    Ok(())
}

/// Draws a title centred at the top of `area`.
pub(crate) fn title(area: &Area<'_>, s: &str) -> DrawResult {
    let (w, _) = area.dim_in_pixel();
    let style = TextStyle::from((FONT, 20.0).into_font().style(FontStyle::Bold))
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(s.to_string(), (w as i32 / 2, 8), style))?;
    Ok(())
}

/// Approximate width in pixels of `s` at font `size` (for layout).
pub(crate) fn text_width(s: &str, size: f64) -> u32 {
    (s.chars().count() as f64 * size * 0.5).ceil() as u32
}

/// Name of class `c`: `names[c]` if given, else the number.
pub(crate) fn class_name<S: AsRef<str>>(names: &[S], c: usize) -> String {
    names
        .get(c)
        .map(|s| s.as_ref().to_string())
        .unwrap_or_else(|| c.to_string())
}

/// A compact number: 3 significant digits, scientific outside `[1e-3, 1e4)`.
pub(crate) fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if !v.is_finite() {
        format!("{v}")
    } else if v.abs() >= 1e4 || v.abs() < 1e-3 {
        format!("{v:.2e}")
    } else {
        let digits = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{v:.digits$}");
        // 0.09996 rounds up to 0.1000: one digit fewer keeps 3 significant digits.
        match s.trim_start_matches('-').parse::<f64>() {
            Ok(r) if digits > 0 && r >= 10f64.powi(3 - digits as i32) => {
                let d = digits - 1;
                format!("{v:.d$}")
            }
            _ => s,
        }
    }
}

/// An axis tick label: [`fmt_num`] without trailing zeros (`0.800` → `0.8`).
pub(crate) fn fmt_axis(v: f64) -> String {
    let s = fmt_num(v);
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Colour of the bars and lines of series `i`.
pub(crate) fn series_color(i: usize) -> RGBColor {
    const C: [RGBColor; 6] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
    ];
    C[i % C.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(0.12345), "0.123");
        assert_eq!(fmt_num(12.345), "12.3");
        assert_eq!(fmt_num(-1.5), "-1.50");
        assert_eq!(fmt_num(123456.0), "1.23e5");
        assert_eq!(fmt_num(0.099996), "0.100");
        assert_eq!(fmt_num(-9.9996), "-10.0");
        assert_eq!(fmt_num(0.5), "0.500");
        assert_eq!(fmt_axis(0.8), "0.8");
        assert_eq!(fmt_axis(1.0), "1");
        assert_eq!(fmt_axis(20.0), "20");
    }
}
