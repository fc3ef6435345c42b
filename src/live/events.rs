//! What goes over the event stream: each message is one Server-Sent Event with a kind
//! (`event:`) and a flat JSON object (`data:`), written by hand here (the feature adds no
//! JSON dependency). Numbers are Rust's shortest round-trip form, so a value on the page is
//! bit-for-bit the `f64` the run recorded; a non-finite number is `null`.
//!
//! Kinds: `start`, `batch`, `epoch`, `units` (the first layer's hidden units as images),
//! `confusion` (validation, at an epoch's end), `sample` (the seven panels of one classified
//! sample), `finished` (training ended), `end` (the dashboard will send nothing more), and,
//! on every new stream, `reset` … `synced` around the replay of what happened so far.

use std::fmt::Write;

/// One event: its kind and its JSON object.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Message {
    pub(crate) kind: &'static str,
    pub(crate) data: String,
}

impl Message {
    /// The event as SSE lines without an id (for replays), ending in the blank line.
    pub(crate) fn frame(&self) -> String {
        format!("event: {}\ndata: {}\n\n", self.kind, self.data)
    }

    /// The event as SSE lines with `id: {id}` (for live events, so a reconnecting page
    /// resumes after the last one it saw).
    pub(crate) fn frame_with_id(&self, id: impl std::fmt::Display) -> String {
        format!("id: {id}\nevent: {}\ndata: {}\n\n", self.kind, self.data)
    }
}

/// A JSON object written key by key.
#[derive(Debug)]
pub(crate) struct Obj {
    buf: String,
    empty: bool,
}

impl Default for Obj {
    fn default() -> Self {
        Obj::new()
    }
}

impl Obj {
    /// `{`.
    pub(crate) fn new() -> Self {
        Obj {
            buf: String::from("{"),
            empty: true,
        }
    }

    fn key(&mut self, k: &str) {
        if !self.empty {
            self.buf.push(',');
        }
        self.empty = false;
        push_str(&mut self.buf, k);
        self.buf.push(':');
    }

    /// A number (`null` when not finite).
    pub(crate) fn num(&mut self, k: &str, v: f64) -> &mut Self {
        self.key(k);
        push_num(&mut self.buf, v);
        self
    }

    /// A count.
    pub(crate) fn int(&mut self, k: &str, v: usize) -> &mut Self {
        self.key(k);
        let _ = write!(self.buf, "{v}");
        self
    }

    /// A number or `null`.
    pub(crate) fn opt(&mut self, k: &str, v: Option<f64>) -> &mut Self {
        self.key(k);
        match v {
            Some(v) => push_num(&mut self.buf, v),
            None => self.buf.push_str("null"),
        }
        self
    }

    /// A boolean.
    pub(crate) fn bool(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k);
        self.buf.push_str(if v { "true" } else { "false" });
        self
    }

    /// A string.
    pub(crate) fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        push_str(&mut self.buf, v);
        self
    }

    /// Already-encoded JSON (an array or object made with the helpers below).
    pub(crate) fn raw(&mut self, k: &str, json: &str) -> &mut Self {
        self.key(k);
        self.buf.push_str(json);
        self
    }

    /// The finished object as JSON text (the builder starts afresh).
    pub(crate) fn json(&mut self) -> String {
        let mut data = std::mem::replace(&mut self.buf, String::from("{"));
        data.push('}');
        self.empty = true;
        data
    }

    /// The finished object as a message of `kind`.
    pub(crate) fn message(&mut self, kind: &'static str) -> Message {
        Message {
            kind,
            data: self.json(),
        }
    }
}

fn push_num(buf: &mut String, v: f64) {
    if v.is_finite() {
        let _ = write!(buf, "{v}");
    } else {
        buf.push_str("null");
    }
}

fn push_str(buf: &mut String, s: &str) {
    buf.push('"');
    for c in s.chars() {
        match c {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            '\t' => buf.push_str("\\t"),
            // `<` too, so no string can close a script element if the JSON is ever inlined.
            c if (c as u32) < 0x20 || c == '<' => {
                let _ = write!(buf, "\\u{:04x}", c as u32);
            }
            c => buf.push(c),
        }
    }
    buf.push('"');
}

/// `[v0,v1,...]` (non-finite values as `null`).
pub(crate) fn nums(values: impl IntoIterator<Item = f64>) -> String {
    let mut s = String::from("[");
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_num(&mut s, v);
    }
    s.push(']');
    s
}

/// `[n0,n1,...]`.
pub(crate) fn ints(values: impl IntoIterator<Item = usize>) -> String {
    let mut s = String::from("[");
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{v}");
    }
    s.push(']');
    s
}

/// `["a","b",...]`.
pub(crate) fn strs<S: AsRef<str>>(values: &[S]) -> String {
    let mut s = String::from("[");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_str(&mut s, v.as_ref());
    }
    s.push(']');
    s
}

/// `[o0,o1,...]` of already-encoded values.
pub(crate) fn list(items: impl IntoIterator<Item = String>) -> String {
    let mut s = String::from("[");
    for (i, v) in items.into_iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&v);
    }
    s.push(']');
    s
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (with padding) of `bytes`, as a JSON string: pictures travel as bytes.
pub(crate) fn base64(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4 + 2);
    s.push('"');
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                s.push(char::from(B64[((n >> shift) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_escape_and_round_trip_numbers() {
        let m = Obj::new()
            .num("a", 0.1 + 0.2)
            .num("nan", f64::NAN)
            .opt("none", None)
            .int("n", 3)
            .bool("t", true)
            .str("s", "a\"b\\c\n</script>")
            .raw("v", &nums([1.5, f64::INFINITY]))
            .message("epoch");
        assert_eq!(m.kind, "epoch");
        assert_eq!(
            m.data,
            r#"{"a":0.30000000000000004,"nan":null,"none":null,"n":3,"t":true,"s":"a\"b\\c\n\u003c/script>","v":[1.5,null]}"#
        );
        let back: f64 = "0.30000000000000004".parse().unwrap();
        assert_eq!(back, 0.1 + 0.2);
        assert_eq!(m.frame(), format!("event: epoch\ndata: {}\n\n", m.data));
        assert!(m.frame_with_id(7).starts_with("id: 7\nevent: epoch\n"));
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), format!("\"{enc}\""));
        }
        assert_eq!(base64(&[0xff, 0xfe]), "\"//4=\"");
    }

    #[test]
    fn arrays() {
        assert_eq!(ints([1, 2]), "[1,2]");
        assert_eq!(strs(&["a", "b"]), r#"["a","b"]"#);
        assert_eq!(list(["{}".to_string(), "[]".to_string()]), "[{},[]]");
        assert_eq!(nums(Vec::<f64>::new()), "[]");
    }
}
