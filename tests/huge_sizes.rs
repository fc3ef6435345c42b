//! Sizes from arguments or files that cannot be allocated are named errors — returned at
//! once and without allocating the huge amount — never an abort or a panic.
//!
//! The limits enforced, from the most to the least deterministic:
//! * a byte count that overflows, or exceeds `isize::MAX`, is refused before the allocator is
//!   asked;
//! * above 2⁵⁷ bytes (128 PiB) every 64-bit Linux refuses the allocation: it does not fit a
//!   process's address space;
//! * 8 TB (a 10⁶ × 10⁶ layer) is refused by Linux's default heuristic overcommit on any
//!   machine with less RAM + swap than that; with `vm.overcommit_memory = 1` it would be
//!   granted lazily, so that one test is skipped there;
//! * [`data::MAX_CLASSES`] (65,536) classes at most for a data set, a confusion matrix and a
//!   selectivity table.
//!
//! Each test ends by checking that the process's peak RSS stayed below 1 GiB.

use deepmultinet::data::{BatchBuffer, Dataset, MAX_CLASSES};
use deepmultinet::inspect;
use deepmultinet::metrics::ConfusionMatrix;
use deepmultinet::prelude::*;
use nalgebra::{DMatrix, DMatrixView, Dyn, U1};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::Path;
use std::time::{Duration, Instant};

const THETA: &str = "parameter vector θ";
const WORKSPACE: &str = "network workspace (Z, A and δ of every layer)";

/// Peak resident set size of this process (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs `f`, then checks that it was quick and that the process never used 1 GiB.
fn quickly(what: &str, f: impl FnOnce()) {
    let t0 = Instant::now();
    f();
    let took = t0.elapsed();
    let peak = peak_rss_kib();
    println!("{what}: {took:?}, peak RSS {peak} KiB");
    assert!(took < Duration::from_secs(20), "{what} took {took:?}");
    assert!(peak < 1 << 20, "{what}: peak RSS {peak} KiB");
}

fn too_large(e: Error) -> (&'static str, u128) {
    match e {
        Error::TooLarge {
            what,
            requested_bytes,
        } => (what, requested_bytes),
        other => panic!("expected Error::TooLarge, got {other:?}"),
    }
}

fn too_many_classes(e: Error) -> usize {
    match e {
        Error::TooManyClasses { classes, limit } => {
            assert_eq!(limit, MAX_CLASSES);
            classes
        }
        other => panic!("expected Error::TooManyClasses, got {other:?}"),
    }
}

fn overcommit_always() -> bool {
    std::fs::read_to_string("/proc/sys/vm/overcommit_memory").is_ok_and(|s| s.trim() == "1")
}

/// Bytes of θ for a one-layer network `n → k` in f64.
fn theta_bytes(n: usize, k: usize) -> u128 {
    (n as u128 + 1) * k as u128 * 8
}

#[test]
fn a_million_by_million_layer_is_too_large_for_every_constructor() {
    if overcommit_always() {
        println!("skipped: vm.overcommit_memory = 1 grants 8 TB lazily");
        return;
    }
    let n = 1_000_000;
    quickly("10⁶ × 10⁶ layer", || {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
        let builder = || Network::builder(n).output(n, SoftmaxCrossEntropy::<f64>::new());
        let expected = (THETA, theta_bytes(n, n));
        assert_eq!(too_large(builder().build(&mut rng).unwrap_err()), expected);
        assert_eq!(too_large(builder().build_zeroed().unwrap_err()), expected);
        let e = Network::with_sizes(&[n, n], Sigmoid, SoftmaxCrossEntropy::<f64>::new());
        assert_eq!(too_large(e.unwrap_err()), expected);
        let e = Network::builder(n)
            .hidden(n, Relu)
            .output(10, SoftmaxCrossEntropy::<f32>::new())
            .build(&mut rng)
            .unwrap_err();
        let bytes = ((n as u128 + 1) * n as u128 + (n as u128 + 1) * 10) * 4;
        assert_eq!(too_large(e), (THETA, bytes));
        assert_eq!(
            e_string(builder().build_zeroed()),
            "cannot allocate parameter vector θ: 8000008000000 bytes (7.28 TiB) requested"
        );
    });
}

fn e_string<T>(r: Result<T>) -> String {
    r.err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn networks_beyond_any_address_space_are_too_large_everywhere() {
    quickly("θ beyond 2⁵⁷ bytes and beyond isize::MAX", || {
        for n in [1 << 28, 1 << 31] {
            let e = Network::with_sizes(&[n, n], Sigmoid, SigmoidCrossEntropy::<f64>::new());
            assert_eq!(too_large(e.unwrap_err()), (THETA, theta_bytes(n, n)));
        }
        // A parameter count that overflows usize is still the layout's error.
        let e = Network::with_sizes(
            &[1 << 32, 1 << 32],
            Sigmoid,
            SigmoidCrossEntropy::<f64>::new(),
        );
        assert!(matches!(e, Err(Error::InvalidConfig(_))), "{e:?}");
    });
}

/// `inputs × m` samples that all share one column: a batch of any size, in no memory.
fn repeated_column<T: Scalar>(column: &[T], m: usize) -> DMatrixView<'_, T> {
    DMatrixView::from_slice_with_strides_generic(column, Dyn(column.len()), Dyn(m), U1, Dyn(0))
}

#[test]
fn a_huge_batch_is_an_error_from_every_pass_and_leaves_the_workspace_usable() {
    let net =
        Network::with_sizes(&[784, 30, 10], Sigmoid, SigmoidCrossEntropy::<f64>::new()).unwrap();
    let units = 40u128;
    quickly("workspace and passes with 2⁶⁰ samples", || {
        let e = net.try_workspace(usize::MAX).unwrap_err();
        assert_eq!(
            too_large(e),
            (WORKSPACE, 3 * units * usize::MAX as u128 * 8)
        );
        // Within isize::MAX in all, but one buffer alone is beyond any address space.
        let e = net.try_workspace(1 << 53).unwrap_err();
        assert_eq!(too_large(e), (WORKSPACE, 3 * units * (1u128 << 53) * 8));
        // The infallible form clamps to an empty workspace that grows when used.
        let mut ws = net.workspace(usize::MAX);
        assert_eq!(ws.capacity(), 0);
        let x = DMatrix::from_element(784, 5, 0.5);
        assert_eq!(net.forward(&mut ws, &x).unwrap().shape(), (10, 5));
        assert_eq!(ws.capacity(), 5);

        let column = vec![0.5; 784];
        let m = 1usize << 60;
        let huge = repeated_column(&column, m);
        let ws_bytes = 3 * units * m as u128 * 8;
        assert_eq!(
            too_large(net.forward(&mut ws, huge).unwrap_err()),
            (WORKSPACE, ws_bytes)
        );
        assert_eq!((ws.capacity(), ws.batch_len()), (5, 0));
        let target = vec![0.0; 10];
        let y = repeated_column(&target, m);
        let mut grad = vec![0.0; net.num_params()];
        for threads in [1, 2] {
            deepmultinet::set_num_threads(threads);
            let e = net.cost_grad(&mut ws, huge, y, 0.0, &mut grad).unwrap_err();
            assert_eq!(too_large(e), (WORKSPACE, ws_bytes));
        }
        deepmultinet::set_num_threads(0);
        // The workspace is as it was: the next small batch goes through.
        let labels = [1usize, 2, 3, 4, 5];
        net.cost_grad(&mut ws, &x, &labels, 0.0, &mut grad).unwrap();
        assert_eq!(ws.batch_len(), 5);

        let e = net.predict(huge).unwrap_err();
        assert_eq!(too_large(e), ("predicted classes", m as u128 * 8));
        let e = net.predict_proba(huge).unwrap_err();
        assert_eq!(too_large(e), ("predicted outputs", 10 * m as u128 * 8));
        assert_eq!(
            too_large(net.layer_activations(huge).unwrap_err()).0,
            "layer activations"
        );
        assert_eq!(
            too_large(net.layer_activation(huge, 0).unwrap_err()).0,
            "layer activations"
        );
    });
}

#[test]
fn batch_buffers_and_dense_targets_of_huge_sizes_are_too_large() {
    quickly("mini-batch buffer and dense targets", || {
        let labels = [0usize, 1];
        let y: Targets<f64> = (&labels).into();
        let e = BatchBuffer::try_new(784, 10, usize::MAX, &y).unwrap_err();
        assert_eq!(too_large(e).0, "mini-batch buffer");
        // 784 · 2⁵⁰ values: no overflow, but beyond any address space.
        let e = BatchBuffer::try_new(784, 10, 1 << 50, &y).unwrap_err();
        assert_eq!(too_large(e), ("mini-batch buffer", 784 * (1u128 << 50) * 8));
        // The infallible form defers the error to the first gather.
        let mut b = BatchBuffer::new(784, 10, usize::MAX, &y);
        assert_eq!(b.capacity(), usize::MAX);
        let x = DMatrix::from_element(784, 2, 0.5);
        assert_eq!(
            too_large(b.gather(x.as_view(), &y, &[1]).unwrap_err()).0,
            "mini-batch buffer"
        );

        let e = y.to_dense(usize::MAX).unwrap_err();
        assert_eq!(too_large(e), ("dense targets", 2 * usize::MAX as u128 * 8));
        assert_eq!(
            y.to_dense(3).unwrap().column(1).as_slice(),
            &[0.0, 1.0, 0.0]
        );
    });
}

#[test]
fn a_label_of_4294967294_or_too_many_classes_is_a_named_error() {
    quickly("class counts", || {
        let csv = b"0.5,1\n0.25,4294967294\n";
        let opts = deepmultinet::data::csv::CsvOptions::default();
        let e = deepmultinet::data::csv::parse::<f64>(csv, Path::new("labels.csv"), &opts);
        assert_eq!(too_many_classes(e.unwrap_err()), 4_294_967_295);
        let e = e_string(deepmultinet::data::csv::parse::<f64>(
            csv,
            Path::new("l.csv"),
            &opts,
        ));
        assert_eq!(
            e,
            "too many classes: 4294967295 (labels 0..4294967295), at most 65536 are supported"
        );
        let opts = deepmultinet::data::csv::CsvOptions {
            num_classes: Some(1 << 40),
            ..opts
        };
        let e = deepmultinet::data::csv::parse::<f64>(csv, Path::new("labels.csv"), &opts);
        assert_eq!(too_many_classes(e.unwrap_err()), 1 << 40);
        let x = || DMatrix::<f32>::zeros(1, 1);
        let e = Dataset::new(x(), vec![0], usize::MAX).unwrap_err();
        assert_eq!(too_many_classes(e), usize::MAX);
        let e = Dataset::<f64>::from_u8(1, &[7], vec![0], MAX_CLASSES + 1).unwrap_err();
        assert_eq!(too_many_classes(e), MAX_CLASSES + 1);
        // At the limit every per-class table is small.
        let ds = Dataset::new(x(), vec![MAX_CLASSES - 1], MAX_CLASSES).unwrap();
        assert_eq!(ds.class_counts().len(), MAX_CLASSES);
        assert_eq!(ds.one_hot().unwrap().shape(), (MAX_CLASSES, 1));
    });
}

#[test]
fn confusion_matrices_and_selectivity_with_too_many_classes_are_named_errors() {
    quickly("confusion matrix and selectivity", || {
        for classes in [1usize << 32, 1_000_000, usize::MAX] {
            let e = ConfusionMatrix::from_labels(&[0, 1], &[1, 0], classes).unwrap_err();
            assert_eq!(too_many_classes(e), classes);
        }
        let acts = DMatrix::from_row_slice(1, 2, &[0.1, 0.9]);
        let e = inspect::selectivity_from_activations(acts.as_view(), &[0, 1], usize::MAX, 0.5);
        assert_eq!(too_many_classes(e.unwrap_err()), usize::MAX);
        let net =
            Network::with_sizes(&[2, 3, 2], Sigmoid, SigmoidCrossEntropy::<f64>::new()).unwrap();
        let x = DMatrix::from_element(2, 2, 0.5);
        let e = inspect::class_selectivity(&net, 0, &x, &[0, 1], 1 << 32).unwrap_err();
        assert_eq!(too_many_classes(e), 1 << 32);
    });
}

#[test]
fn histograms_with_huge_bin_counts_are_too_large() {
    quickly("histogram bins", || {
        let e = inspect::histogram([0.0, 1.0].into_iter(), usize::MAX, 0).unwrap_err();
        assert_eq!(too_large(e), ("histogram bins", usize::MAX as u128 * 8));
        // 2⁶¹ bytes: within isize::MAX, refused by the allocator (beyond any address space).
        let e = inspect::histogram([0.0, 1.0].into_iter(), 1 << 58, 0).unwrap_err();
        assert_eq!(too_large(e), ("histogram bins", (1u128 << 58) * 8));
        let net = Network::with_sizes(&[2, 3], Sigmoid, SigmoidCrossEntropy::<f64>::new()).unwrap();
        let e = inspect::weight_histograms(&net, usize::MAX).unwrap_err();
        assert_eq!(too_large(e).0, "histogram bins");
    });
}
