//! CSV parsing (gzip or raw) as f32 and f64, with the default and the pixel options, under
//! lowered caps (1 MiB decompressed, 64 KiB lines). A dataset that loads holds only finite
//! features.
#![no_main]

use deepmultinet::data::csv::{self, CsvOptions, Header, LabelColumn};
use deepmultinet::data::limits;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    limits::set_max_decompressed(1 << 20);
    limits::set_max_csv_line(1 << 16);
    let path = Path::new("fuzz.csv");
    if let Ok(ds) = csv::parse::<f32>(data, path, &CsvOptions::default()) {
        assert!(ds.features().iter().all(|v| v.is_finite()));
        assert_eq!(ds.features().ncols(), ds.len());
    }
    let first = CsvOptions {
        header: Header::Absent,
        label: LabelColumn::First,
        ..CsvOptions::default()
    };
    if let Ok(ds) = csv::parse::<f64>(data, path, &first) {
        assert!(ds.features().iter().all(|v| v.is_finite()));
    }
    let _ = csv::parse::<f32>(data, path, &CsvOptions::pixels());
});
