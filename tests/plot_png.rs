//! Every picture of `deepmultinet::plot` decodes as a PNG of the expected size, and image
//! tiles carry the colours of their data.
#![cfg(feature = "plot")]

use deepmultinet::inspect::{self, Image, ImageShape, Prediction, Scaling};
use deepmultinet::metrics::ConfusionMatrix;
use deepmultinet::plot::{self, GridOptions, Series, SingleInputOptions};
use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use rand::SeedableRng;
use std::path::{Path, PathBuf};

/// A fresh directory for this test's files (removed when dropped).
struct Scratch(PathBuf);
impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("deepmultinet-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Decodes an RGB PNG: (width, height, pixels).
fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn rgb(px: &[u8], width: u32, (x, y): (u32, u32)) -> (u8, u8, u8) {
    let i = ((y * width + x) * 3) as usize;
    (px[i], px[i + 1], px[i + 2])
}

fn assert_size(path: &Path, w: u32, h: u32) {
    let (dw, dh, px) = decode(path);
    assert_eq!((dw, dh), (w, h), "{}", path.display());
    // Something besides the white background was drawn.
    assert!(px.iter().any(|&b| b < 200), "{} is blank", path.display());
}

#[test]
fn image_grid_tiles_carry_their_normalised_values() {
    let dir = Scratch::new("grid");
    // One 2×2 tile, column-major [−2, 1, 0, 2] → rows [−2 0; 1 2]; normalised by 2:
    // [−1 0; 0.5 1] → red, white, half blue, blue.
    let tile =
        Image::from_vector(&[-2.0f64, 1.0, 0.0, 2.0], ImageShape::column_major(2, 2)).unwrap();
    let opts = GridOptions {
        color_bar: false,
        scale: Some(10),
        ..GridOptions::diverging()
    };
    let p = dir.path("tile.png");
    plot::image_grid(&p, &[tile], &opts).unwrap();
    let (w, h, px) = decode(&p);
    // margin 10 + one 20-pixel tile + gap 2 + margin 10
    assert_eq!((w, h), (42, 42));
    assert_eq!(rgb(&px, w, (15, 15)), (178, 24, 43)); // −1: full red
    assert_eq!(rgb(&px, w, (25, 15)), (255, 255, 255)); // 0: white
    assert_eq!(rgb(&px, w, (25, 25)), (33, 102, 172)); // +1: full blue
    // +0.5: halfway from white to blue
    let half = |c: u8| (255.0 + (c as f64 - 255.0) * 0.5).round() as u8;
    assert_eq!(rgb(&px, w, (15, 25)), (half(33), half(102), half(172)));

    // Grey, global scaling across two tiles: the smaller tile's max is not white.
    let a = Image::new(1, 1, vec![1.0]).unwrap();
    let b = Image::new(1, 1, vec![3.0]).unwrap();
    let p = dir.path("grey.png");
    let opts = GridOptions {
        color_bar: false,
        scale: Some(10),
        scaling: Scaling::Global,
        ..GridOptions::grey()
    };
    plot::image_grid(&p, &[a.clone(), b.clone(), a], &opts).unwrap();
    let (w, h, px) = decode(&p);
    // 3 tiles → 2 columns, 2 rows of 12-pixel cells
    assert_eq!((w, h), (10 + 2 * 12 + 10, 10 + 2 * 12 + 10));
    assert_eq!(rgb(&px, w, (15, 15)), (0, 0, 0)); // global min
    assert_eq!(rgb(&px, w, (27, 15)), (255, 255, 255)); // global max

    // Bad input is an error, not a panic.
    assert!(plot::image_grid(dir.path("none.png"), &[], &opts).is_err());
    let odd = [
        Image::new(1, 1, vec![0.0]).unwrap(),
        Image::new(1, 2, vec![0.0; 2]).unwrap(),
    ];
    assert!(plot::image_grid(dir.path("odd.png"), &odd, &opts).is_err());
    let missing_dir = dir.path("no/such/dir/x.png");
    assert!(matches!(
        plot::image_grid(&missing_dir, &odd[..1], &opts),
        Err(Error::Io { .. })
    ));
}

fn toy_net() -> (Network<SoftmaxCrossEntropy<f64>>, DMatrix<f64>, Vec<usize>) {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    let net = Network::builder(16)
        .hidden(6, Sigmoid)
        .output(3, SoftmaxCrossEntropy::<f64>::new())
        .init(Init::Uniform { epsilon: 1.0 })
        .build(&mut rng)
        .unwrap();
    let x = DMatrix::from_fn(16, 30, |i, j| ((i * 7 + j * 3) % 11) as f64 / 10.0);
    let labels: Vec<usize> = (0..30).map(|j| j % 3).collect();
    (net, x, labels)
}

#[test]
fn every_picture_decodes_with_the_expected_size() {
    let dir = Scratch::new("all");
    let (net, x, labels) = toy_net();
    let names = ["zero", "one", "two"];
    let shape = ImageShape::row_major(4, 4);

    // Hidden units: 6 tiles of 4×4 → 3 columns × 2 rows, scale 84/4 = 21 → tile 84, cell 86.
    let units = inspect::hidden_unit_images(&net, shape).unwrap();
    let p = dir.path("units.png");
    plot::image_grid(&p, &units, &GridOptions::diverging().title("units")).unwrap();
    assert_size(&p, 10 + 3 * 86 + 90 + 10, 10 + 36 + 2 * 86 + 10);

    // Top 4 inputs of each of 6 units: 4 columns, 6 rows with captions (cell height 104).
    let top = inspect::top_k_inputs(&net, 0, &x, &labels, 3, 4).unwrap();
    let p = dir.path("top.png");
    plot::top_inputs(&p, &top, &x, shape, &names, &GridOptions::grey()).unwrap();
    let (w, h, _) = decode(&p);
    assert_eq!(h, 10 + 6 * 104 + 10);
    assert!(w > 10 + 4 * 86 + 90, "row labels widen the picture: {w}");

    let sel = inspect::class_selectivity(&net, 0, &x, &labels, 3).unwrap();
    let p = dir.path("sel_bars.png");
    plot::selectivity_bars(&p, &sel, &names).unwrap();
    assert_size(&p, 640, 440);
    let p = dir.path("sel_map.png");
    plot::selectivity_heatmap(&p, &sel, &names).unwrap();
    let (_, h, _) = decode(&p);
    assert_eq!(h, 12 + 40 + 18 + 6 * 22 + 46 + 12);

    let view = inspect::single_input(&net, &x, 5).unwrap();
    let p = dir.path("single.png");
    let opts = SingleInputOptions {
        image: Some(inspect::sample_images(&x, &[5], shape).unwrap().remove(0)),
        label: Some(labels[5]),
        class_names: names.iter().map(|s| s.to_string()).collect(),
    };
    plot::single_input(&p, &view, &opts).unwrap();
    assert_size(&p, 20 + 2 * 230 + 360, 64 + 200 + 90);

    let cm = ConfusionMatrix::from_network(&net, &x, &labels)
        .unwrap()
        .with_names(&names)
        .unwrap();
    for normalized in [false, true] {
        let p = dir.path("cm.png");
        plot::confusion_matrix(&p, &cm, normalized).unwrap();
        let (_, h, _) = decode(&p);
        assert_eq!(h, 12 + 40 + 18 + 3 * 30 + 46 + 12);
    }
    let p = dir.path("per_class.png");
    plot::per_class_accuracy(&p, &cm).unwrap();
    assert_size(&p, 560, 420);

    let hists = inspect::weight_histograms(&net, 20).unwrap();
    let p = dir.path("hist.png");
    plot::weight_histograms(&p, &hists).unwrap();
    assert_size(&p, 720, 2 * 260);

    let stats = inspect::activation_stats(&net, &x).unwrap();
    let p = dir.path("stats.png");
    plot::activation_stats(&p, &stats).unwrap();
    assert_size(&p, 560, 420);

    let cost = [1.0, 0.7, 0.5, 0.45];
    let acc = [0.5, 0.7, 0.8, 0.85];
    let p = dir.path("curves.png");
    plot::training_curves(
        &p,
        &[Series::new("train", &cost)],
        &[Series::new("train", &acc)],
    )
    .unwrap();
    assert_size(&p, 760, 660);
    plot::training_curves(&p, &[], &[Series::new("validation", &acc)]).unwrap();
    assert_size(&p, 760, 330);
    assert!(plot::training_curves(&p, &[], &[]).is_err());

    let preds = inspect::predictions(&net, &x).unwrap();
    let p = dir.path("conf.png");
    plot::confidence(&p, &preds, Some(&labels)).unwrap();
    assert_size(&p, 860, 380);
    assert!(plot::confidence(&p, &preds, Some(&labels[1..])).is_err());
    let none: [Prediction; 0] = [];
    assert!(plot::confidence(&p, &none, None).is_err());
}
