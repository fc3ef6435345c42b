//! θ layout (MATLAB's `[Theta1(:); Theta2(:)]`), parameter access and initialisation.

use deepmultinet::Layout;
use deepmultinet::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

fn numbered(sizes: &[usize]) -> Network<SigmoidCrossEntropy<f64>> {
    let mut net = Network::with_sizes(sizes, Sigmoid, SigmoidCrossEntropy::new()).unwrap();
    let n = net.num_params();
    let theta: Vec<f64> = (0..n).map(|i| i as f64).collect();
    net.set_params(&theta).unwrap();
    net
}

#[test]
fn theta_is_matlab_column_major_with_bias_first() {
    // sizes 3-5-2: Theta1 is 5×4 (θ[0..20]), Theta2 is 2×6 (θ[20..32]).
    let net = numbered(&[3, 5, 2]);
    assert_eq!(net.num_params(), 5 * 4 + 2 * 6);
    let t1 = net.theta_matrix(0).unwrap();
    let t2 = net.theta_matrix(1).unwrap();
    assert_eq!(t1.shape(), (5, 4));
    assert_eq!(t2.shape(), (2, 6));
    // MATLAB: Theta1(r, c) = nn_params(r + (c-1)*5) (1-based) → θ[r + 5c] (0-based).
    for r in 0..5 {
        for c in 0..4 {
            assert_eq!(t1[(r, c)], (r + 5 * c) as f64);
        }
    }
    for r in 0..2 {
        for c in 0..6 {
            assert_eq!(t2[(r, c)], (20 + r + 2 * c) as f64);
        }
    }
    // Bias = column 0, weights = the remaining columns, both views into θ.
    let b = net.bias(0).unwrap();
    let w = net.weights(0).unwrap();
    assert_eq!(b.as_slice(), &[0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_eq!(w.shape(), (5, 3));
    assert_eq!(w[(2, 1)], t1[(2, 2)]);
    assert!(std::ptr::eq(w.as_ptr(), &net.params()[5]));
}

#[test]
fn set_params_checks_length_and_names_both_sizes() {
    let mut net = numbered(&[3, 5, 2]);
    let err = net.set_params(&[0.0; 31]).unwrap_err();
    assert!(matches!(
        err,
        Error::ParamLength {
            expected: 32,
            found: 31
        }
    ));
    let msg = err.to_string();
    assert!(msg.contains("32") && msg.contains("31"), "{msg}");
    // θ untouched after the failed call.
    assert_eq!(net.params()[31], 31.0);
    net.params_mut()[31] = -1.0;
    assert_eq!(net.theta_matrix(1).unwrap()[(1, 5)], -1.0);
    assert!(net.weights(2).is_err());
}

#[test]
fn deep_layouts_have_consistent_offsets() {
    let layout = Layout::new(&[7, 4, 3, 6, 2]).unwrap();
    let mut end = 0;
    for l in 0..layout.num_layers() {
        let r = layout.layer_range(l);
        assert_eq!(r.start, end);
        let (rows, cols) = layout.theta_shape(l);
        assert_eq!(r.len(), rows * cols);
        assert_eq!(layout.bias_range(l).len(), rows);
        assert_eq!(layout.weight_range(l).start, layout.bias_range(l).end);
        end = r.end;
    }
    assert_eq!(end, layout.num_params());
    assert!(Layout::new(&[3]).is_err());
    assert!(Layout::new(&[3, 0, 2]).is_err());
    assert!(Layout::new(&[usize::MAX, 2, 2]).is_err());
}

#[test]
fn init_is_reproducible_and_within_bounds() {
    let build = |seed, init| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        Network::builder(20)
            .hidden(30, Relu)
            .output(10, SoftmaxCrossEntropy::<f64>::new())
            .init(init)
            .build(&mut rng)
            .unwrap()
    };
    let a = build(5, Init::default());
    let b = build(5, Init::default());
    let c = build(6, Init::default());
    assert_eq!(a.params(), b.params());
    assert_ne!(a.params(), c.params());
    assert!(a.params().iter().all(|v| v.abs() <= 0.12));
    assert!(a.params().iter().any(|v| v.abs() > 0.11)); // spread over the whole interval

    let g = build(1, Init::Glorot);
    let eps1 = 6f64.sqrt() / (20f64 + 30.0).sqrt();
    let eps2 = 6f64.sqrt() / (30f64 + 10.0).sqrt();
    let lay = g.layout();
    assert!(
        g.params()[lay.layer_range(0)]
            .iter()
            .all(|v| v.abs() <= eps1)
    );
    assert!(
        g.params()[lay.layer_range(1)]
            .iter()
            .all(|v| v.abs() <= eps2)
    );
    assert!(
        g.params()[lay.layer_range(1)]
            .iter()
            .any(|v| v.abs() > eps1)
    );

    let h = build(2, Init::He);
    assert!(h.params()[lay.bias_range(0)].iter().all(|&v| v == 0.0));
    let w: Vec<f64> = h.params()[lay.weight_range(0)].to_vec();
    let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
    // 600 draws of N(0, 2/20 = 0.1): the sample variance is within ±20 % with overwhelming odds.
    assert!((var - 0.1).abs() < 0.02, "He variance {var}");

    // f32 networks get the rounded f64 draws of the same seed.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let f = Network::builder(20)
        .hidden(30, Relu)
        .output(10, SoftmaxCrossEntropy::<f32>::new())
        .build(&mut rng)
        .unwrap();
    for (x, y) in f.params().iter().zip(a.params()) {
        assert_eq!(*x, *y as f32);
    }
}
