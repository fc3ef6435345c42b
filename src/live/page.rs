//! The page, embedded in the library: one HTML file, its script and its style sheet, drawn
//! by hand on canvas (no framework, nothing fetched from elsewhere — the page works
//! offline). The server answers only these paths and `/events`.

/// One embedded file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Asset {
    /// Its `Content-Type`.
    pub(crate) content_type: &'static str,
    /// Its text.
    pub(crate) body: &'static str,
}

const INDEX: Asset = Asset {
    content_type: "text/html; charset=utf-8",
    body: include_str!("assets/index.html"),
};
const SCRIPT: Asset = Asset {
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("assets/app.js"),
};
const STYLE: Asset = Asset {
    content_type: "text/css; charset=utf-8",
    body: include_str!("assets/style.css"),
};

/// The file served at `path` (without query), if any.
pub(crate) fn asset(path: &str) -> Option<Asset> {
    match path {
        "/" | "/index.html" => Some(INDEX),
        "/app.js" => Some(SCRIPT),
        "/style.css" => Some(STYLE),
        _ => None,
    }
}

/// The Content-Security-Policy every answer carries: the page's own script and style only,
/// pictures from `data:` URLs, events from the same origin, no framing.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_its_own_files() {
        assert_eq!(asset("/"), asset("/index.html"));
        assert!(asset("/events").is_none() && asset("/../Cargo.toml").is_none());
        let html = INDEX.body;
        assert!(html.contains("src=\"app.js\"") && html.contains("href=\"style.css\""));
        for a in [INDEX, SCRIPT, STYLE] {
            assert!(!a.body.contains("http://") && !a.body.contains("https://"));
            assert!(!a.body.contains("//cdn"));
        }
    }
}
