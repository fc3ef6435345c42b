//! The live dashboard in a real browser: Debian's `chromium`, headless, loads the page while
//! a network trains on Fashion-MNIST and after it has classified test images, dumps the DOM
//! after a virtual-time budget and takes a screenshot (kept as `target/live-dashboard.png`).
//!
//! Skipped, with the reason printed, when no browser is installed (`chromium`,
//! `chromium-browser`, `google-chrome` on `PATH`, or `$DEEPMULTINET_CHROMIUM`) or the data is
//! missing; both are required under `CI=true`. Traffic stays on 127.0.0.1; the browser runs
//! with a fresh profile, no background networking, and is killed if it takes over 90 s.
#![cfg(feature = "live")]

mod common;

use deepmultinet::data::idx::load_fashion_mnist;
use deepmultinet::data::{FASHION_MNIST_CLASSES, ImageShape};
use deepmultinet::live::{Dashboard, DashboardConfig};
use deepmultinet::optim::{Adam, AdamConfig};
use deepmultinet::prelude::*;
use deepmultinet::train::Event;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The browser to use, if one is installed.
fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DEEPMULTINET_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs the headless browser on `url` with `extra` flags; returns what it printed.
fn run_browser(browser: &Path, url: &str, budget_ms: u64, extra: &[String]) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let out_path = profile.path().join("stdout.txt");
    let err_path = profile.path().join("stderr.txt");
    let out = std::fs::File::create(&out_path).expect("stdout file");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .arg(format!("--virtual-time-budget={budget_ms}"))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start the browser");
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for the browser") {
            break s;
        }
        if t0.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            let e = std::fs::read_to_string(&err_path).unwrap_or_default();
            panic!("the browser took over 90 s on {url}; its stderr:\n{e}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = std::fs::read_to_string(&out_path).unwrap_or_default();
    if !status.success() {
        let e = std::fs::read_to_string(&err_path).unwrap_or_default();
        panic!("the browser failed ({status}) on {url}; its stderr:\n{e}");
    }
    text
}

/// The value of attribute `name` on the `<body>` tag of a dumped DOM.
fn body_attr(dom: &str, name: &str) -> Option<String> {
    let start = dom.find("<body")?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let pat = format!("{name}=\"");
    let i = tag.find(&pat)? + pat.len();
    let j = tag[i..].find('"')?;
    Some(tag[i..i + j].to_string())
}

/// The text of the element with `id` (no nested tags).
fn text_of(dom: &str, id: &str) -> Option<String> {
    let pat = format!("id=\"{id}\">");
    let i = dom.find(&pat)? + pat.len();
    let j = dom[i..].find('<')?;
    Some(dom[i..i + j].to_string())
}

/// Sleeps at each epoch's end (so a browser can watch training that is still going on) and
/// says when epoch `signal_at` is over.
struct Pace {
    sleep: Duration,
    signal_at: usize,
    tx: mpsc::Sender<()>,
}

impl Observer<f32> for Pace {
    fn on_event(&mut self, e: &Event<'_, f32>) -> ControlFlow<()> {
        if let Event::EpochFinished { record, .. } = e {
            std::thread::sleep(self.sleep);
            if record.epoch == self.signal_at {
                let _ = self.tx.send(());
            }
        }
        ControlFlow::Continue(())
    }
}

#[test]
fn chromium_shows_the_live_run_and_the_classified_samples() {
    let Some(browser) = browser() else {
        let msg = "live_browser: skipped, no chromium installed (apt-get install chromium, or set \
                   DEEPMULTINET_CHROMIUM)";
        assert!(!under_ci(), "{msg} — required under CI");
        eprintln!("{msg}");
        return;
    };
    let Some(_) = common::require(
        common::fashion_dir().join("train-images-idx3-ubyte.gz"),
        "live_browser",
    ) else {
        return;
    };
    let (mut train, test) = load_fashion_mnist::<f32>(Some(&common::fashion_dir())).expect("data");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    train.shuffle(&mut rng);
    let train = train.take(7000);
    let (fit, val) = train.split(6000.0 / 7000.0).expect("split");
    let mut net = Network::builder(784)
        .hidden(128, Relu)
        .hidden(64, Relu)
        .output(10, SoftmaxCrossEntropy::<f32>::new())
        .init(Init::He)
        .build(&mut rng)
        .expect("network");
    let config = DashboardConfig {
        title: "live_browser test · Fashion-MNIST".into(),
        class_names: FASHION_MNIST_CLASSES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        image: Some(ImageShape::row_major(28, 28)),
        // Short streams: a headless browser's virtual time only runs between them.
        stream_lifetime: Duration::from_secs(1),
        ..DashboardConfig::default()
    };
    let mut dash = Dashboard::new(config)
        .and_then(|d| d.with_validation(&net, val.features(), val.labels()))
        .expect("dashboard");
    let url = dash.url().to_string();
    let epochs = 6;
    let trainer = Trainer::new(TrainConfig {
        epochs,
        batch_size: 64,
        ..TrainConfig::default()
    })
    .and_then(|t| t.with_validation(val.features(), val.labels()))
    .expect("trainer");
    let mut adam = Adam::new(AdamConfig::default()).expect("adam");

    // While training: the page follows the run.
    let (tx, rx) = mpsc::channel();
    let mut pace = Pace {
        sleep: Duration::from_millis(1500),
        signal_at: 2,
        tx,
    };
    let (history, during) = std::thread::scope(|s| {
        let run = s.spawn(|| {
            trainer.fit(
                &mut net,
                &mut adam,
                fit.features(),
                fit.labels(),
                &mut rng,
                &mut (&mut dash, &mut pace),
            )
        });
        rx.recv_timeout(Duration::from_secs(120))
            .expect("epoch 2 reached");
        let dom = run_browser(&browser, &url, 1000, &["--dump-dom".to_string()]);
        let still_training = !run.is_finished();
        let history = run.join().expect("training thread").expect("training");
        (history, (dom, still_training))
    });
    let (during, still_training) = during;
    let seen: usize = body_attr(&during, "data-epoch")
        .and_then(|v| v.parse().ok())
        .expect("data-epoch in the DOM");
    let seen_acc: f64 = body_attr(&during, "data-validation-accuracy")
        .and_then(|v| v.parse().ok())
        .expect("validation accuracy in the DOM");
    assert!((2..=epochs).contains(&seen), "epoch {seen} while training");
    assert_eq!(Some(seen_acc), history.epochs[seen - 1].validation_accuracy);
    assert!(seen_acc > 0.0);

    // After classifying test images: the final state, then a screenshot.
    let report = dash
        .classify(&net, test.features(), test.labels(), f64::INFINITY, 40)
        .expect("classify");
    dash.finish();
    let dom = run_browser(&browser, &url, 2500, &["--dump-dom".to_string()]);
    let last = history.last().expect("epochs");
    assert_eq!(body_attr(&dom, "data-epoch"), Some(last.epoch.to_string()));
    assert_eq!(text_of(&dom, "epoch"), Some(last.epoch.to_string()));
    let acc: f64 = body_attr(&dom, "data-validation-accuracy")
        .and_then(|v| v.parse().ok())
        .expect("validation accuracy");
    assert_eq!(Some(acc), last.validation_accuracy);
    assert!(acc > 0.5, "validation accuracy {acc}");
    assert!(text_of(&dom, "val-acc").is_some_and(|t| t.ends_with('%') && t != "0.00 %"));
    assert_eq!(
        body_attr(&dom, "data-samples-shown"),
        Some("40".to_string())
    );
    assert_eq!(body_attr(&dom, "data-status").as_deref(), Some("finished"));

    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .to_path_buf();
    let shot = target.join("live-dashboard.png");
    let _ = std::fs::remove_file(&shot);
    run_browser(
        &browser,
        &url,
        2500,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,1000".to_string(),
        ],
    );
    let (w, h, colours, drawn, orange) = inspect_png(&shot);
    assert_eq!((w, h), (1400, 1000));
    assert!(colours > 500, "only {colours} distinct colours: blank?");
    assert!(
        drawn > 0.15,
        "only {:.1} % of the pixels differ from the background",
        100.0 * drawn
    );
    assert!(
        orange > 300,
        "the panels' orange (winner, validation curve) is missing"
    );
    println!(
        "live_browser: {} — while training the DOM showed epoch {seen}/{epochs} with validation \
         accuracy {seen_acc:.4} (training still running when the browser finished: \
         {still_training}); after {} samples ({:.1} % right) epoch {}/{} with {acc:.4}; \
         screenshot {} ({w}×{h}, {colours} colours, {:.0} % drawn)",
        browser.display(),
        report.samples,
        100.0 * report.accuracy(),
        last.epoch,
        epochs,
        shot.display(),
        100.0 * drawn
    );
}

/// Width, height, distinct RGB colours, the fraction of pixels that are not the page's
/// background (#f4f5f7) or white, and the pixels close to the panels' orange (#ea580c).
fn inspect_png(path: &Path) -> (u32, u32, usize, f64, usize) {
    let file = std::fs::File::open(path).expect("screenshot written");
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    let (mut drawn, mut orange) = (0usize, 0usize);
    let n = (info.width * info.height) as usize;
    for px in buf[..n * channels].chunks(channels) {
        let rgb = (px[0], px[1], px[2]);
        colours.insert(rgb);
        if rgb != (0xf4, 0xf5, 0xf7) && rgb != (255, 255, 255) {
            drawn += 1;
        }
        let near = |a: u8, b: u8| a.abs_diff(b) < 24;
        if near(rgb.0, 0xea) && near(rgb.1, 0x58) && near(rgb.2, 0x0c) {
            orange += 1;
        }
    }
    (
        info.width,
        info.height,
        colours.len(),
        drawn as f64 / n as f64,
        orange,
    )
}
