//! Errors that help: safetensors errors at the real byte offset, offsets in gzip files said to
//! count decompressed bytes, and quoted input cut short however long it is.

mod fixtures;

use deepmultinet::Error;
use deepmultinet::data::csv::{self, CsvOptions, Header};
use deepmultinet::data::idx;
use deepmultinet::data::mat::MatFile;
use fixtures::*;
use std::path::Path;

fn p(name: &str) -> &Path {
    Path::new(name)
}

fn format_error<T: std::fmt::Debug>(r: Result<T, Error>) -> (u64, String, String) {
    match r {
        Err(Error::Format {
            offset,
            expected,
            found,
            ..
        }) => (offset, expected, found),
        other => panic!("expected Error::Format, got {other:?}"),
    }
}

const DECOMPRESSED: &str = "the offset counts decompressed bytes of the gzip stream";

#[test]
fn offsets_in_gzip_files_say_they_count_decompressed_bytes() {
    // CSV: line 2 starts at byte 6 of the text.
    let text = b"1,2,0\n1,x,1\n";
    let (raw_at, raw_expected, _) =
        format_error(csv::parse::<f64>(text, p("a.csv"), &CsvOptions::default()));
    let (gz_at, gz_expected, _) = format_error(csv::parse::<f64>(
        &gzip(text),
        p("a.csv.gz"),
        &CsvOptions::default(),
    ));
    assert_eq!((raw_at, gz_at), (6, 6));
    assert!(!raw_expected.contains(DECOMPRESSED), "{raw_expected}");
    assert_eq!(gz_expected, format!("{raw_expected} ({DECOMPRESSED})"));

    // IDX: data shorter than the sizes, then (after parsing) a label out of range.
    let short = idx(&[4], &[1, 2]);
    let (at, expected, found) = format_error(idx::parse(&gzip(&short), p("s.gz")));
    assert_eq!(at, 8);
    assert!(
        expected.ends_with(&format!("({DECOMPRESSED})")),
        "{expected}"
    );
    assert_eq!(found, "2 byte(s) before the end of the data");
    let dir = std::env::temp_dir().join(format!("deepmultinet-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (images, labels) = (dir.join("im.gz"), dir.join("lb.gz"));
    std::fs::write(&images, gzip(&idx(&[2, 1, 1], &[0, 255]))).unwrap();
    std::fs::write(&labels, gzip(&idx(&[2], &[0, 9]))).unwrap();
    let (at, expected, found) = format_error(idx::load::<f32>(&images, &labels, 5));
    assert_eq!(at, 9);
    assert_eq!(expected, format!("a label below 5 ({DECOMPRESSED})"));
    assert_eq!(found, "label 9 for sample 1");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn quoted_input_is_cut_after_64_characters_with_its_length() {
    let field = "7".repeat(1_000_000) + "x";
    let text = format!("1,{field},0\n");
    let no_header = CsvOptions {
        header: Header::Absent,
        ..CsvOptions::default()
    };
    let e = csv::parse::<f64>(text.as_bytes(), p("long.csv"), &no_header)
        .unwrap_err()
        .to_string();
    assert!(
        e.len() < 300,
        "{} bytes: {}",
        e.len(),
        &e[..300.min(e.len())]
    );
    assert!(
        e.contains(&format!("found `{}…` (1000001 bytes)", "7".repeat(64))),
        "{e}"
    );
    let label = format!("1,2,{}\n", "9".repeat(100_000));
    let e = csv::parse::<f64>(label.as_bytes(), p("l.csv"), &CsvOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.len() < 300 && e.contains("(100000 bytes)"), "{e}");

    // A MAT-file of 100 variables with 4000-character names: asking for a missing one lists
    // a few, clipped.
    let names: Vec<String> = (0..100)
        .map(|i| format!("{i}{}", "n".repeat(4000)))
        .collect();
    let vars: Vec<Var<'_>> = names.iter().map(|n| Var::double(n, 1, 1, &[1.0])).collect();
    let m = MatFile::parse(&mat(&vars, true, false), p("names.mat")).unwrap();
    let e = m.matrix::<f64>("X").unwrap_err().to_string();
    assert!(e.len() < 1500, "{} bytes", e.len());
    assert!(
        e.contains("… (4001 bytes)") && e.contains("… (100 variables)"),
        "{e}"
    );
}

#[cfg(feature = "safetensors")]
mod safetensors_offsets {
    use super::{format_error, p};
    use deepmultinet::io;
    use deepmultinet::prelude::*;
    use std::collections::HashMap;

    fn net() -> Network<SoftmaxCrossEntropy<f32>> {
        Network::builder(2)
            .hidden(3, Relu)
            .output(2, SoftmaxCrossEntropy::<f32>::new())
            .build_zeroed()
            .unwrap()
    }

    /// A file of `header` (the JSON text) and `data`.
    fn file(header: &str, data: &[u8]) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    /// Offset of `needle` in `bytes`.
    fn find(bytes: &[u8], needle: &str) -> u64 {
        bytes
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .unwrap() as u64
    }

    fn load(bytes: &[u8]) -> (u64, String, String) {
        format_error(io::from_bytes::<SoftmaxCrossEntropy<f32>>(bytes, p("m.st")))
    }

    #[test]
    fn header_errors_point_into_the_header() {
        assert_eq!(load(&[1, 2, 3]).0, 0, "no header length");
        assert_eq!(
            load(&file("{}", b"")[..9]).0,
            0,
            "header length past the end"
        );
        let json = r#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},?}"#;
        let (at, expected, _) = load(&file(json, &[0; 4]));
        assert_eq!(at, 8 + json.find('?').unwrap() as u64);
        assert!(expected.starts_with("a JSON header"), "{expected}");
        let mut bad_utf8 = file(r#"{"a":"xy"}"#, b"");
        bad_utf8[8 + 7] = 0xff;
        assert_eq!(load(&bad_utf8).0, 8 + 7);
    }

    #[test]
    fn tensor_and_metadata_errors_point_at_their_entries_and_data() {
        let bytes = io::to_bytes(&net()).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap());
        // Data cut short: at the start of the data section.
        let (at, expected, found) = load(&bytes[..bytes.len() - 4]);
        assert_eq!(at, 8 + n);
        assert!(
            expected.contains("ends exactly at the end of the file"),
            "{expected}"
        );
        assert_eq!(
            found,
            format!(
                "{} byte(s) of data after the header",
                bytes.len() as u64 - 4 - 8 - n
            )
        );

        // Metadata: a bad value at its key; a shape disagreeing with it at the tensor's entry.
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let meta = |key: &str, value: &str| {
            let mut m: HashMap<String, String> = safetensors::SafeTensors::read_metadata(&bytes)
                .unwrap()
                .1
                .metadata()
                .clone()
                .unwrap();
            m.insert(key.into(), value.into());
            safetensors::serialize(st.tensors(), Some(m)).unwrap()
        };
        let forged = meta("sizes", "[oops");
        let (at, expected, found) = load(&forged);
        assert_eq!(at, find(&forged, "\"sizes\""));
        assert!(expected.starts_with("metadata `sizes`"), "{expected}");
        assert_eq!(found, "`[oops`");
        let forged = meta("sizes", "[2,4,2]");
        let (at, _, found) = load(&forged);
        assert_eq!(at, find(&forged, "\"layers.0.weight\""));
        assert_eq!(found, "shape [3, 2]");
        let forged = meta("head", &"h".repeat(100_000));
        let e = io::from_bytes::<SoftmaxCrossEntropy<f32>>(&forged, p("m.st"))
            .unwrap_err()
            .to_string();
        assert!(e.len() < 400 && e.contains("(100000 bytes)"), "{e}");
        let forged = meta(
            "hidden_activations",
            &format!("[\"{}\"]", "r".repeat(100_000)),
        );
        let e = io::from_bytes::<SoftmaxCrossEntropy<f32>>(&forged, p("m.st"))
            .unwrap_err()
            .to_string();
        assert!(e.len() < 400 && e.contains("(100000 bytes)"), "{e}");
    }

    #[test]
    fn a_foreign_tensor_is_named_short_at_its_entry() {
        let name = "x".repeat(10_000);
        let data = [0u8; 4];
        let t =
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![1], &data).unwrap();
        let bytes = safetensors::serialize([(name.as_str(), t)], None).unwrap();
        let mut target = net();
        let (at, _, found) = format_error(io::from_bytes_into(&mut target, &bytes, p("f.st")));
        assert_eq!(at, find(&bytes, &format!("\"{name}\"")));
        assert_eq!(found, format!("tensor `{}…` (10000 bytes)", "x".repeat(64)));
    }
}
