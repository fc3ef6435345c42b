//! The dashboard, the new pictures and the training GIF: each file decodes (PNG with the
//! `png` crate, GIF with the `gif` crate) with the expected size, is not blank, and the
//! recorder's memory stays bounded.
#![cfg(feature = "plot")]

use deepmultinet::inspect::{self, ActivityOptions, ImageShape};
use deepmultinet::metrics::ConfusionMatrix;
use deepmultinet::optim::{CgConfig, ConjugateGradient};
use deepmultinet::plot::{
    self, DASHBOARD_SIZE, DashboardInput, DashboardOptions, GridOptions, HiddenUnitsRecorder, Step,
};
use deepmultinet::prelude::*;
use deepmultinet::train::{EpochRecord, Event, Observer};
use nalgebra::DMatrix;
use rand::SeedableRng;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A fresh directory for this test's files (removed when dropped).
struct Scratch(PathBuf);
impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("deepmultinet-panels-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
    /// Every file in the directory (no temporary left behind by an atomic write).
    fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Decodes an RGB PNG: (width, height, pixels).
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn distinct_colours(px: &[u8], bytes_per_pixel: usize) -> usize {
    px.chunks_exact(bytes_per_pixel)
        .map(|p| (p[0], p[1], p[2]))
        .collect::<HashSet<_>>()
        .len()
}

/// A PNG of `size` (if given) with more than `colours` distinct colours; returns its size.
fn assert_picture(path: &Path, size: Option<(u32, u32)>, colours: usize) -> (u32, u32) {
    let (w, h, px) = decode_png(path);
    if let Some(s) = size {
        assert_eq!((w, h), s, "{}", path.display());
    }
    let n = distinct_colours(&px, 3);
    assert!(n > colours, "{}: only {n} colours", path.display());
    (w, h)
}

/// A GIF's (width, height, frames as RGBA).
fn decode_gif(path: &Path) -> (u16, u16, Vec<Vec<u8>>) {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut dec = opts
        .read_info(std::io::BufReader::new(std::fs::File::open(path).unwrap()))
        .unwrap();
    let (w, h) = (dec.width(), dec.height());
    let mut frames = Vec::new();
    while let Some(f) = dec.read_next_frame().unwrap() {
        assert_eq!((f.width, f.height), (w, h));
        frames.push(f.buffer.to_vec());
    }
    (w, h, frames)
}

/// A 16-8-6-4 network on 4×4 "images", trained a little so that its pictures are not
/// uniform, with 40 samples.
fn trained() -> (Network<SoftmaxCrossEntropy<f64>>, DMatrix<f64>, Vec<usize>) {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
    let mut net = Network::builder(16)
        .hidden(8, Relu)
        .hidden(6, Sigmoid)
        .output(4, SoftmaxCrossEntropy::<f64>::new())
        .init(Init::Glorot)
        .build(&mut rng)
        .unwrap();
    let y: Vec<usize> = (0..40).map(|j| j % 4).collect();
    // Class c lights up row c of the 4×4 image, plus a little texture.
    let x = DMatrix::from_fn(16, 40, |i, j| {
        let on = i / 4 == y[j];
        f64::from(u8::from(on)) + 0.1 * (((i * 7 + j * 3) % 5) as f64 / 5.0)
    });
    let mut cg = ConjugateGradient::new(CgConfig {
        max_iter: 10,
        ..CgConfig::default()
    })
    .unwrap();
    Trainer::new(TrainConfig::default())
        .unwrap()
        .fit_full_batch(&mut net, &mut cg, &x, &y[..], &mut ())
        .unwrap();
    (net, x, y)
}

const NAMES: [&str; 4] = ["north stripe", "second", "third", "south stripe"];

#[test]
fn the_dashboard_and_each_new_picture_decode_with_their_size() {
    let dir = Scratch::new("pictures");
    let (net, x, y) = trained();
    let shape = ImageShape::row_major(4, 4);
    let names: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    let cm = ConfusionMatrix::from_network(&net, &x, &y)
        .unwrap()
        .with_names(&NAMES)
        .unwrap();
    let recent = inspect::predictions(&net, &x).unwrap();

    // The dashboard: its fixed size, full of colours; with and without the gathered data.
    let p = dir.path("dashboard.png");
    let input = DashboardInput::new(&x, 7, shape)
        .label(y[7])
        .confusion(&cm)
        .recent(&recent, &y);
    plot::dashboard(&p, &net, &input, &DashboardOptions::default()).unwrap();
    assert_picture(&p, Some(DASHBOARD_SIZE), 200);
    let bare = DashboardInput::new(&x, 0, shape);
    let p2 = dir.path("dashboard_bare.png");
    plot::dashboard(&p2, &net, &bare, &DashboardOptions::default()).unwrap();
    assert_picture(&p2, Some(DASHBOARD_SIZE), 100);
    let bad_shape = DashboardInput::new(&x, 0, ImageShape::row_major(3, 3));
    assert!(matches!(
        plot::dashboard(
            dir.path("bad.png"),
            &net,
            &bad_shape,
            &DashboardOptions::default()
        ),
        Err(Error::ShapeMismatch { .. })
    ));
    let far = DashboardInput::new(&x, 40, shape);
    assert!(matches!(
        plot::dashboard(
            dir.path("bad.png"),
            &net,
            &far,
            &DashboardOptions::default()
        ),
        Err(Error::IndexOutOfRange { .. })
    ));

    // Network activity: 4 columns; the tallest is 15 of 16 inputs and "⋮".
    let act = inspect::network_activity(&net, &x, 7, &ActivityOptions::default()).unwrap();
    let p = dir.path("activity.png");
    plot::network_activity(&p, &act, &names).unwrap();
    assert_picture(&p, Some((280 + 220 * 4, 130 + 34 * 16)), 100);

    // Hidden→output weights: 6 units as a 2×3 grid, one or two classes.
    let grids = [
        inspect::class_weights(&net, 0).unwrap(),
        inspect::class_weights(&net, 3).unwrap(),
    ];
    assert_eq!((grids[0].grid.height(), grids[0].grid.width()), (2, 3));
    let p = dir.path("class_weights.png");
    plot::class_weights(&p, &grids, &names, &["true", "predicted"]).unwrap();
    let (w2, _) = assert_picture(&p, None, 50);
    let p = dir.path("class_weight.png");
    plot::class_weights(&p, &grids[..1], &names, &[] as &[&str]).unwrap();
    let (w1, _) = assert_picture(&p, None, 30);
    assert!(w2 >= w1);
    assert!(plot::class_weights(&p, &[], &names, &[] as &[&str]).is_err());

    // Masked filters: the input and one tile per firing unit.
    let fired = inspect::masked_filters(&net, &x, 7, shape, 0.5).unwrap();
    assert!(!fired.is_empty());
    let image = inspect::sample_images(&x, &[7], shape).unwrap().remove(0);
    let p = dir.path("masked.png");
    plot::masked_filters(&p, &image, &fired, &GridOptions::diverging()).unwrap();
    assert_picture(&p, None, 30);
    // Nobody fires at 10: the picture says so instead of failing.
    let none = inspect::masked_filters(&net, &x, 7, shape, 10.0).unwrap();
    let p = dir.path("masked_none.png");
    plot::masked_filters(&p, &image, &none, &GridOptions::diverging()).unwrap();
    assert_picture(&p, Some((720, 200)), 5);

    // Activation functions: six panels, three to a row.
    let curves = inspect::builtin_activation_curves((-4.0, 4.0), 81).unwrap();
    let p = dir.path("activations.png");
    plot::activation_functions(&p, &curves).unwrap();
    assert_picture(&p, Some((1080, 644)), 50);
    assert!(plot::activation_functions(&p, &[]).is_err());

    // Atomic writes leave only the pictures behind.
    assert!(
        dir.files().iter().all(|f| f.ends_with(".png")),
        "{:?}",
        dir.files()
    );
}

#[test]
fn the_probability_chart_names_every_class() {
    // Ten long names on the single-input chart (it used to name every other class): the
    // band under the bars has ink under each of the ten bars.
    let dir = Scratch::new("labels");
    let net = Network::with_sizes(&[4, 3, 10], Sigmoid, SoftmaxCrossEntropy::<f64>::new()).unwrap();
    let x = DMatrix::from_element(4, 1, 1.0);
    let view = inspect::single_input(&net, &x, 0).unwrap();
    let names: Vec<String> = (0..10).map(|c| format!("long class name {c}")).collect();
    let p = dir.path("single.png");
    let opts = plot::SingleInputOptions {
        image: None,
        label: None,
        class_names: names,
    };
    plot::single_input(&p, &view, &opts).unwrap();
    let (w, h, px) = decode_png(&p);
    // The bars (all 10 %: grey, the first orange as the winner) give the x of each class;
    // find them on a row just above the x axis, then look for dark text pixels below the
    // axis in each bar's column band.
    let grey = |x: u32, y: u32| {
        let i = ((y * w + x) * 3) as usize;
        matches!(
            (px[i], px[i + 1], px[i + 2]),
            (160, 160, 160) | (255, 127, 14)
        )
    };
    let row = (0..h)
        .rev()
        .find(|&y| (0..w).filter(|&x| grey(x, y)).count() > 100)
        .expect("a row through the bars");
    let mut bars = Vec::new();
    let mut x = 0;
    while x < w {
        if grey(x, row) {
            let start = x;
            while x < w && grey(x, row) {
                x += 1;
            }
            bars.push((start + x) / 2);
        }
        x += 1;
    }
    assert_eq!(bars.len(), 10, "{bars:?}");
    for &bx in &bars {
        let ink = (row + 4..h)
            .flat_map(|y| (bx.saturating_sub(6)..bx + 6).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let i = ((y * w + x) * 3) as usize;
                px[i] < 100 && px[i + 1] < 100 && px[i + 2] < 100
            })
            .count();
        assert!(ink > 20, "no label under the bar at x = {bx}");
    }
}

fn epoch_record(epoch: usize) -> EpochRecord {
    EpochRecord {
        epoch,
        cost: 1.0,
        train_accuracy: None,
        validation_accuracy: None,
        validation_correct: None,
        validation_samples: 0,
        validation_cost: None,
        grad_norm: None,
        train_seconds: 0.0,
        eval_seconds: 0.0,
    }
}

#[test]
fn the_training_gif_has_one_frame_per_snapshot_and_they_change() {
    let dir = Scratch::new("gif");
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2);
    let mut net = Network::builder(16)
        .hidden(4, Sigmoid)
        .output(4, SoftmaxCrossEntropy::<f64>::new())
        .build(&mut rng)
        .unwrap();
    let (_, x, y) = trained();
    let mut rec = HiddenUnitsRecorder::new(ImageShape::row_major(4, 4), 3).unwrap();
    rec.record_start(&net).unwrap();
    let mut cg = ConjugateGradient::new(CgConfig {
        max_iter: 12,
        ..CgConfig::default()
    })
    .unwrap();
    let h = Trainer::new(TrainConfig::default())
        .unwrap()
        .fit_full_batch(&mut net, &mut cg, &x, &y[..], &mut rec)
        .unwrap();
    assert_eq!(h.iterations, 12);
    // The start, iterations 3, 6, 9, and the result (which replaces iteration 12).
    assert_eq!(
        rec.steps(),
        [
            Step::Start,
            Step::Iteration(3),
            Step::Iteration(6),
            Step::Iteration(9),
            Step::End(12)
        ]
    );
    // The last frame is the trained network's first layer.
    let last = rec.images(4).unwrap();
    let now = inspect::hidden_unit_images(&net, ImageShape::row_major(4, 4)).unwrap();
    for (a, b) in last.iter().zip(&now) {
        for (p, q) in a.pixels().iter().zip(b.pixels()) {
            assert!((p - q).abs() <= 1e-6 * q.abs().max(1.0));
        }
    }

    let opts = GridOptions::diverging().title("units").columns(2);
    let p = dir.path("units.gif");
    rec.write_gif(&p, &opts).unwrap();
    let (w, h, frames) = decode_gif(&p);
    assert_eq!(frames.len(), 5);
    // Every frame is the size of the grid picture of the longest title.
    let png = dir.path("frame0.png");
    rec.write_png(&png, 0, &opts).unwrap();
    let (pw, ph, _) = decode_png(&png);
    assert!(u32::from(w) >= pw && u32::from(h) >= ph && u32::from(h) < ph + 4);
    for f in &frames {
        assert!(distinct_colours(f, 4) > 30, "a frame is nearly blank");
    }
    assert_ne!(frames[0], frames[4], "training changed the units");
    assert!(matches!(
        rec.write_png(dir.path("x.png"), 5, &opts),
        Err(Error::IndexOutOfRange { what: "frame", .. })
    ));
    let mut files = dir.files();
    files.retain(|f| !f.ends_with(".png"));
    assert_eq!(files, ["units.gif"], "no temporary file left behind");
}

#[test]
fn the_recorder_keeps_at_most_max_frames_and_spans_the_whole_run() {
    let layout = deepmultinet::Layout::new(&[16, 5, 3]).unwrap();
    let theta = vec![0.5f32; layout.num_params()];
    let mut rec = HiddenUnitsRecorder::new(ImageShape::row_major(4, 4), 1)
        .unwrap()
        .with_max_frames(8)
        .unwrap();
    assert_eq!(rec.memory_bound(), None);
    rec.record(Step::Start, &theta, &layout).unwrap();
    let mut peak = 0;
    for epoch in 1..=1000 {
        let e: Event<'_, f32> = Event::EpochFinished {
            record: &epoch_record(epoch),
            params: &theta,
            layout: &layout,
        };
        assert!(rec.on_event(&e).is_continue());
        assert!(rec.len() <= 8, "{} frames at epoch {epoch}", rec.len());
        peak = peak.max(rec.memory_bytes());
    }
    // 8 frames of 5 × 16 f32 values.
    let bound = rec.memory_bound().unwrap();
    assert_eq!(bound, 8 * 5 * 16 * 4);
    assert!(peak <= bound, "{peak} > {bound}");
    // Thinned by doubling: the interval is a power of two and the frames are its multiples,
    // evenly spread over the run.
    let k = rec.every();
    assert!(k.is_power_of_two() && k >= 128, "k = {k}");
    let steps = rec.steps();
    assert_eq!(steps[0], Step::Start);
    let epochs: Vec<usize> = steps[1..]
        .iter()
        .map(|s| match s {
            Step::Epoch(n) => *n,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert!(epochs.iter().all(|n| n % k == 0), "{epochs:?}");
    assert!(epochs.windows(2).all(|w| w[1] - w[0] == k), "{epochs:?}");
    assert!(*epochs.last().unwrap() > 1000 - k, "{epochs:?}");

    // Wrong image shape: recording stops, training goes on, writing says why.
    let mut bad = HiddenUnitsRecorder::new(ImageShape::row_major(3, 3), 1).unwrap();
    let e: Event<'_, f32> = Event::EpochFinished {
        record: &epoch_record(1),
        params: &theta,
        layout: &layout,
    };
    assert!(bad.on_event(&e).is_continue());
    assert!(bad.is_empty());
    let dir = Scratch::new("bad-gif");
    assert!(matches!(
        bad.write_gif(dir.path("x.gif"), &GridOptions::diverging()),
        Err(Error::Plot(_))
    ));
    assert!(matches!(
        HiddenUnitsRecorder::new(ImageShape::row_major(4, 4), 1)
            .unwrap()
            .write_gif(dir.path("x.gif"), &GridOptions::diverging()),
        Err(Error::InvalidConfig(_))
    ));
    assert!(HiddenUnitsRecorder::new(ImageShape::row_major(4, 4), 0).is_err());
    assert!(
        HiddenUnitsRecorder::new(ImageShape::row_major(4, 4), 1)
            .unwrap()
            .with_max_frames(1)
            .is_err()
    );
    assert!(dir.files().is_empty());
}

#[test]
fn mini_batch_training_gives_a_frame_every_k_epochs_and_the_last() {
    let (_, x, y) = trained();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
    let mut net = Network::builder(16)
        .hidden(4, Sigmoid)
        .output(4, SoftmaxCrossEntropy::<f64>::new())
        .build(&mut rng)
        .unwrap();
    let mut rec = HiddenUnitsRecorder::new(ImageShape::row_major(4, 4), 2).unwrap();
    let mut sgd = deepmultinet::optim::Sgd::new(deepmultinet::optim::SgdConfig::default()).unwrap();
    let trainer = Trainer::new(TrainConfig {
        epochs: 5,
        batch_size: 8,
        ..TrainConfig::default()
    })
    .unwrap();
    trainer
        .fit(&mut net, &mut sgd, &x, &y[..], &mut rng, &mut rec)
        .unwrap();
    assert_eq!(
        rec.steps(),
        [Step::Epoch(2), Step::Epoch(4), Step::Epoch(5)]
    );
}
