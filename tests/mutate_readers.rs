//! A stable-toolchain mutation loop over every public reader and loader: the seeds of
//! `fuzz/seeds/` mutated with a seeded RNG (bit flips, byte changes, insertions, deletions,
//! duplicated ranges, truncation, splices of two seeds, header fields set to boundary values,
//! and the same mutations inside a gzip file or a MAT `miCOMPRESSED` element, re-compressed
//! so that the readers get past the checksum), each input fed to every reader from bytes
//! (and, every 64th input, from a file). Every call must return `Ok` or `Err`: a panic is
//! caught, its input saved under `target/mutate-failures/`, and the test fails at the end.
//!
//! Ignored by default; `.ci/run` runs it for a fixed time:
//!
//! ```text
//! DEEPMULTINET_MUTATE_SECONDS=60 cargo test --release --test mutate_readers -- --ignored --nocapture
//! ```
//!
//! * `DEEPMULTINET_MUTATE_SECONDS`: time budget (default: none);
//! * `DEEPMULTINET_MUTATE_ITERS`: number of inputs (default 20,000 without a time budget,
//!   unlimited with one);
//! * `DEEPMULTINET_MUTATE_SEED`: the RNG seed (default 1), printed with the counts.
//!
//! The caps of `data::limits` are lowered (1 MiB decompressed, 64 KiB CSV lines) so that a
//! mutated length field costs little; this binary holds this one test.

use deepmultinet::data::csv::{self, CsvOptions, Header, LabelColumn};
use deepmultinet::data::mat::{self, MatFile};
use deepmultinet::data::{idx, limits};
use flate2::Compression;
use flate2::read::{MultiGzDecoder, ZlibDecoder};
use flate2::write::{GzEncoder, ZlibEncoder};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Rng = Xoshiro256PlusPlus;

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Every file under `fuzz/seeds/*/`.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("fuzz/seeds") {
        for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            out.push((name, std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    assert!(out.len() >= 10, "only {} seeds", out.len());
    out
}

// ---------- mutations ----------

/// Values a header field is often wrong with.
const BOUNDARY: [u64; 12] = [
    0,
    1,
    2,
    7,
    8,
    0x7f,
    0xff,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
    1 << 40,
    u64::MAX,
];

fn mutate_once(b: &mut Vec<u8>, other: &[u8], rng: &mut Rng) {
    let len = b.len();
    let at = |rng: &mut Rng, n: usize| if n == 0 { 0 } else { rng.random_range(0..n) };
    match rng.random_range(0..9) {
        0 if len > 0 => {
            let i = at(rng, len);
            b[i] ^= 1 << rng.random_range(0..8);
        }
        1 if len > 0 => {
            let i = at(rng, len);
            b[i] = rng.random();
        }
        2 => {
            let i = at(rng, len + 1);
            let n = rng.random_range(1..=16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            b.splice(i..i, bytes);
        }
        3 if len > 0 => {
            let i = at(rng, len);
            let n = rng.random_range(1..=16).min(len - i);
            b.drain(i..i + n);
        }
        4 if len > 0 => {
            // Duplicate a range in place (repeated elements, lines, tensors).
            let i = at(rng, len);
            let n = rng.random_range(1..=64).min(len - i);
            let copy = b[i..i + n].to_vec();
            b.splice(i..i, copy);
        }
        5 => b.truncate(at(rng, len + 1)),
        6 if !other.is_empty() => {
            // Splice: our head, another seed's tail.
            let cut = at(rng, len + 1);
            let from = at(rng, other.len());
            b.truncate(cut);
            b.extend_from_slice(&other[from..]);
        }
        7 | 8 if len >= 4 => {
            // A header field (in the first 160 bytes) set to a boundary value.
            let width = (if rng.random() { 4 } else { 8 }).min(len);
            let i = at(rng, len.min(160) - width + 1);
            let v = BOUNDARY[rng.random_range(0..BOUNDARY.len())]
                .wrapping_add(rng.random_range(0..3))
                .wrapping_sub(1);
            let bytes = if rng.random() {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            let bytes = if rng.random() {
                &bytes[..width]
            } else {
                &bytes[8 - width..]
            };
            b[i..i + width].copy_from_slice(bytes);
        }
        _ => {
            let i = at(rng, len + 1);
            b.insert(i, rng.random());
        }
    }
}

fn mutate_raw(b: &mut Vec<u8>, other: &[u8], rng: &mut Rng) {
    for _ in 0..rng.random_range(1..=4) {
        mutate_once(b, other, rng);
    }
}

fn inflate(r: impl Read) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    r.take(1 << 20).read_to_end(&mut out).ok()?;
    Some(out)
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn zlib(b: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// The first `miCOMPRESSED` element of a little-endian MAT-file: (tag offset, payload).
fn compressed_element(b: &[u8]) -> Option<(usize, &[u8])> {
    if b.len() < 136 || &b[126..128] != b"IM" {
        return None;
    }
    let ty = u32::from_le_bytes(b[128..132].try_into().ok()?);
    let n = u32::from_le_bytes(b[132..136].try_into().ok()?) as usize;
    (ty == 15).then(|| b.get(136..136 + n).map(|z| (128, z)))?
}

/// The input for one iteration: a seed, mutated as it is, inside its gzip stream, or inside
/// its first compressed MAT element.
fn input(seeds: &[(String, Vec<u8>)], rng: &mut Rng) -> Vec<u8> {
    let seed = &seeds[rng.random_range(0..seeds.len())].1;
    let other = &seeds[rng.random_range(0..seeds.len())].1;
    let mut b = seed.clone();
    match rng.random_range(0..4) {
        0 if b.starts_with(&[0x1f, 0x8b]) => {
            if let Some(mut inner) = inflate(MultiGzDecoder::new(&b[..])) {
                mutate_raw(&mut inner, other, rng);
                b = gzip(&inner);
            }
        }
        1 => {
            if let Some((at, z)) = compressed_element(&b)
                && let Some(mut inner) = inflate(ZlibDecoder::new(z))
            {
                let tail = b[136 + z.len()..].to_vec();
                mutate_raw(&mut inner, other, rng);
                let z = zlib(&inner);
                b.truncate(at);
                b.extend_from_slice(&15u32.to_le_bytes());
                b.extend_from_slice(&(z.len() as u32).to_le_bytes());
                b.extend_from_slice(&z);
                b.extend_from_slice(&tail);
            } else {
                mutate_raw(&mut b, other, rng);
            }
        }
        2 => {
            // A raw seed gzipped after mutation: the gzip paths of IDX and CSV.
            mutate_raw(&mut b, other, rng);
            if !b.starts_with(&[0x1f, 0x8b]) {
                b = gzip(&b);
            }
        }
        _ => mutate_raw(&mut b, other, rng),
    }
    b
}

// ---------- readers ----------

/// Counts calls and panics; runs each call under `catch_unwind`.
struct Runner {
    calls: u64,
    ok: u64,
    panics: Vec<(String, Vec<u8>)>,
}

impl Runner {
    fn call<T, E>(&mut self, what: &str, input: &[u8], f: impl FnOnce() -> Result<T, E>) {
        self.calls += 1;
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(Ok(_)) => self.ok += 1,
            Ok(Err(_)) => {}
            Err(_) => self.panics.push((what.to_string(), input.to_vec())),
        }
    }
    /// A check that is not itself a reader (an invariant of what a reader returned).
    fn check(&mut self, what: &str, input: &[u8], holds: bool) {
        if !holds {
            self.panics
                .push((format!("{what}: invariant broken"), input.to_vec()));
        }
    }
}

fn from_bytes(r: &mut Runner, b: &[u8]) {
    let path = Path::new("mutated");
    r.call("idx::parse", b, || {
        idx::parse(b, path).map(|a| {
            let _ = idx::dataset_from_arrays::<f32>(&a, path, &a, path, 256);
        })
    });
    let first = CsvOptions {
        header: Header::Absent,
        label: LabelColumn::First,
        ..CsvOptions::default()
    };
    for (name, opts) in [
        ("default", CsvOptions::default()),
        ("pixels", CsvOptions::pixels()),
        ("first", first),
    ] {
        let mut finite = true;
        r.call(&format!("csv::parse::<f32> {name}"), b, || {
            csv::parse::<f32>(b, path, &opts)
                .map(|ds| finite = ds.features().iter().all(|v| v.is_finite()))
        });
        r.check("csv features finite", b, finite);
        r.call(&format!("csv::parse::<f64> {name}"), b, || {
            csv::parse::<f64>(b, path, &opts)
        });
    }
    let mut parsed = None;
    r.call("MatFile::parse", b, || {
        MatFile::parse(b, path).map(|m| parsed = Some(m))
    });
    if let Some(m) = parsed {
        for v in m.variables() {
            r.call("MatFile::matrix::<f64>", b, || m.matrix::<f64>(&v.name));
            r.call("MatFile::matrix::<f32>", b, || m.matrix::<f32>(&v.name));
        }
        let mut finite = true;
        r.call("mat::dataset_from_mat", b, || {
            mat::dataset_from_mat::<f32>(&m, "X", "y")
                .map(|ds| finite = ds.features().iter().all(|v| v.is_finite()))
        });
        r.check("mat features finite", b, finite);
        r.call("io::thetas_from_mat", b, || {
            deepmultinet::io::thetas_from_mat::<f64>(&m)
        });
    }
    #[cfg(feature = "safetensors")]
    models::from_bytes(r, b);
}

fn from_file(r: &mut Runner, b: &[u8], dir: &Path) {
    let file = dir.join("input");
    std::fs::write(&file, b).unwrap();
    r.call("idx::read", b, || idx::read(&file));
    r.call("idx::load", b, || idx::load::<f32>(&file, &file, 256));
    for name in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
        std::fs::write(dir.join(name), b).unwrap();
    }
    r.call("idx::load_dir", b, || {
        idx::load_dir::<f32>(dir, idx::Split::Test)
    });
    r.call("csv::load", b, || {
        csv::load::<f32>(&file, &CsvOptions::default())
    });
    r.call("MatFile::read", b, || MatFile::read(&file));
    r.call("mat::load_dataset", b, || mat::load_dataset::<f64>(&file));
    r.call("io::from_mat", b, || {
        deepmultinet::io::from_mat(
            &file,
            std::sync::Arc::new(deepmultinet::Sigmoid),
            deepmultinet::SigmoidCrossEntropy::<f64>::new(),
        )
    });
    #[cfg(feature = "safetensors")]
    models::from_file(r, b, &file);
}

#[cfg(feature = "safetensors")]
mod models {
    use super::Runner;
    use deepmultinet::io;
    use deepmultinet::prelude::*;
    use std::path::Path;

    fn fixed() -> Network<SoftmaxCrossEntropy<f32>> {
        Network::builder(2)
            .hidden(3, Relu)
            .output(2, SoftmaxCrossEntropy::<f32>::new())
            .build_zeroed()
            .unwrap()
    }

    fn finite<L: OutputLoss>(net: &Network<L>) -> bool {
        net.params().iter().all(|t| t.as_f64().is_finite())
    }

    pub(super) fn from_bytes(r: &mut Runner, b: &[u8]) {
        let path = Path::new("mutated.safetensors");
        r.call("io::info_from_bytes", b, || io::info_from_bytes(b, path));
        r.call("io::weight_dtype", b, || io::weight_dtype(b, path));
        let mut ok = true;
        r.call("io::from_bytes softmax f32", b, || {
            io::from_bytes::<SoftmaxCrossEntropy<f32>>(b, path).map(|n| ok &= finite(&n))
        });
        r.call("io::from_bytes sigmoid f64", b, || {
            io::from_bytes::<SigmoidCrossEntropy<f64>>(b, path).map(|n| ok &= finite(&n))
        });
        r.call("io::from_bytes mse f32", b, || {
            io::from_bytes::<MeanSquaredError<f32>>(b, path).map(|n| ok &= finite(&n))
        });
        r.call("io::from_bytes mse f64", b, || {
            io::from_bytes::<MeanSquaredError<f64>>(b, path).map(|n| ok &= finite(&n))
        });
        r.check("loaded parameters finite", b, ok);
        let mut net = fixed();
        let mut loaded = false;
        r.call("io::from_bytes_into", b, || {
            io::from_bytes_into(&mut net, b, path).map(|()| loaded = true)
        });
        let unchanged = net.params().iter().all(|&t| t == 0.0);
        r.check(
            "from_bytes_into: loaded or unchanged",
            b,
            loaded || unchanged,
        );
        r.check("from_bytes_into: finite", b, finite(&net));
    }

    pub(super) fn from_file(r: &mut Runner, b: &[u8], file: &Path) {
        r.call("io::read_info", b, || io::read_info(file));
        r.call("io::load", b, || io::load::<SoftmaxCrossEntropy<f32>>(file));
        let mut net = fixed();
        r.call("io::load_into", b, || io::load_into(&mut net, file));
        let mut course =
            Network::with_sizes(&[2, 3, 2], Sigmoid, SigmoidCrossEntropy::<f64>::new()).unwrap();
        r.call("io::import_mat_into", b, || {
            io::import_mat_into(&mut course, file)
        });
    }
}

#[test]
#[ignore = "a mutation loop for CI (.ci/run) and by hand; see the module docs"]
fn mutated_seeds_never_panic_any_reader() {
    limits::set_max_decompressed(1 << 20);
    limits::set_max_csv_line(1 << 16);
    let seconds: Option<f64> = env("DEEPMULTINET_MUTATE_SECONDS");
    let iters: u64 = env("DEEPMULTINET_MUTATE_ITERS").unwrap_or(match seconds {
        Some(_) => u64::MAX,
        None => 20_000,
    });
    let seed: u64 = env("DEEPMULTINET_MUTATE_SEED").unwrap_or(1);
    let deadline = seconds.map(|s| Instant::now() + Duration::from_secs_f64(s));
    let seeds = seeds();
    let mut rng = Rng::seed_from_u64(seed);
    let dir = std::env::temp_dir().join(format!("deepmultinet-mutate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Panics are caught and counted; their messages still print, once each.
    let mut runner = Runner {
        calls: 0,
        ok: 0,
        panics: Vec::new(),
    };
    let mut inputs = 0u64;
    while inputs < iters && deadline.is_none_or(|d| Instant::now() < d) {
        let b = input(&seeds, &mut rng);
        from_bytes(&mut runner, &b);
        if inputs.is_multiple_of(64) {
            from_file(&mut runner, &b, &dir);
        }
        inputs += 1;
    }
    std::fs::remove_dir_all(&dir).unwrap();
    println!(
        "mutate_readers: seed {seed}, {inputs} inputs from {} seeds, {} reader calls \
         ({} Ok), {} panics",
        seeds.len(),
        runner.calls,
        runner.ok,
        runner.panics.len()
    );
    if !runner.panics.is_empty() {
        let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/mutate-failures");
        std::fs::create_dir_all(&out).unwrap();
        for (i, (what, input)) in runner.panics.iter().enumerate() {
            let file = out.join(format!("{i}.bin"));
            std::fs::write(&file, input).unwrap();
            eprintln!("{what}: {}", file.display());
        }
        panic!("{} reader calls panicked", runner.panics.len());
    }
}
