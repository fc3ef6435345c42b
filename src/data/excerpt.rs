//! Short quotations of input for error messages: a field, a name or a list from a file is
//! quoted whole up to [`MAX_CHARS`] characters, and beyond that cut with an ellipsis and its
//! full length, so that a 100 MB CSV field gives a one-line error.

use std::fmt::Debug;

/// The most characters of input an error quotes.
pub(crate) const MAX_CHARS: usize = 64;

/// `` `s` ``, or `` `the first 64 characters…` (N bytes) `` when longer.
pub(crate) fn quote(s: &str) -> String {
    match cut(s) {
        None => format!("`{s}`"),
        Some(head) => format!("`{head}…` ({} bytes)", s.len()),
    }
}

/// `s` itself, or its first [`MAX_CHARS`] characters, an ellipsis and its length.
pub(crate) fn clip(s: &str) -> String {
    match cut(s) {
        None => s.to_string(),
        Some(head) => format!("{head}… ({} bytes)", s.len()),
    }
}

/// `{items:?}`, clipped as [`clip`] does, with the number of items when it is cut.
pub(crate) fn list<T: Debug>(items: &[T]) -> String {
    // Format no more items than can be shown (each takes at least one character).
    let shown = &items[..items.len().min(MAX_CHARS + 1)];
    let text = format!("{shown:?}");
    match cut(&text) {
        None if shown.len() == items.len() => text,
        _ => {
            let head = cut(&text).unwrap_or(&text);
            format!("{head}… ({} items)", items.len())
        }
    }
}

/// The first [`MAX_CHARS`] characters of `s` if it is longer, `None` otherwise.
fn cut(s: &str) -> Option<&str> {
    let (end, _) = s.char_indices().nth(MAX_CHARS)?;
    Some(&s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_input_is_quoted_whole_and_long_input_is_cut_with_its_length() {
        assert_eq!(quote("1.5"), "`1.5`");
        let long = "é".repeat(100);
        let q = quote(&long);
        assert!(
            q.starts_with(&format!("`{}…`", "é".repeat(MAX_CHARS))),
            "{q}"
        );
        assert!(q.ends_with("(200 bytes)"), "{q}");
        assert_eq!(clip("abc"), "abc");
        assert_eq!(list(&[1, 2, 3]), "[1, 2, 3]");
        let many: Vec<u32> = (0..1000).collect();
        let l = list(&many);
        assert!(
            l.starts_with("[0, 1, 2") && l.ends_with("… (1000 items)"),
            "{l}"
        );
        assert!(l.chars().count() < 2 * MAX_CHARS, "{l}");
    }
}
