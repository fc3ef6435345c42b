//! PNG pictures (feature `plot`).
