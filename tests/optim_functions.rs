//! Every optimiser on two smooth functions with known minimisers:
//!
//! * Rosenbrock's `f(x, y) = (1 − x)² + 100 (y − x²)²` from the classic start (−1.2, 1);
//!   minimiser (1, 1), f = 0;
//! * a convex quadratic `f(x) = ½ xᵀA x − bᵀx` in 12 dimensions with A symmetric positive
//!   definite (`BᵀB + I` for a seeded random B, condition number printed), whose minimiser
//!   `x* = A⁻¹ b` is solved independently by nalgebra's Cholesky factorisation.
//!
//! Run with `--nocapture` to see iterations, evaluations and final points.
//!
//! Tolerances: CG and L-BFGS converge superlinearly to the exact minimiser, so they must
//! reach it to 1e-6 (Rosenbrock, in 200 line searches) and 1e-8 (quadratic, with gradient
//! tolerance 1e-7; the cost of a point within 1e-8 of x* differs from f* by ~1e-16·|f|, so a
//! cost-based line search cannot go much further). SGD and Adam with a constant step only reach a neighbourhood of the minimum in
//! a fixed number of steps: along Rosenbrock's curved valley the curvature is ≈ 0.4 against
//! ≈ 1000 across it, so plain gradient steps (lr < 2/1000 for stability) creep; we require
//! 1e-3 for momentum SGD and Adam (with a step-size decay) after the step counts given; on
//! the well-conditioned quadratic 1e-6 for SGD and 1e-4 for Adam (see the test).

use deepmultinet::Error;
use deepmultinet::optim::{
    Adam, AdamConfig, CgConfig, ConjugateGradient, Lbfgs, LbfgsConfig, LineSearch, Minimizer,
    Objective, Schedule, Sgd, SgdConfig, StepOptimizer, StopReason,
};
use nalgebra::{DMatrix, DVector};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn rosenbrock(p: &[f64], g: &mut [f64]) -> f64 {
    let (x, y) = (p[0], p[1]);
    g[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
    g[1] = 200.0 * (y - x * x);
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}

struct Quadratic {
    a: DMatrix<f64>,
    b: DVector<f64>,
    x_star: DVector<f64>,
}

fn quadratic() -> Quadratic {
    let n = 12;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    let bm = DMatrix::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0));
    let a = bm.transpose() * &bm + DMatrix::identity(n, n);
    let b = DVector::from_fn(n, |_, _| rng.random_range(-2.0..2.0));
    let x_star = a.clone().cholesky().expect("SPD").solve(&b);
    let eig = a.clone().symmetric_eigen().eigenvalues;
    println!(
        "quadratic: n = {n}, condition number {:.1}",
        eig.max() / eig.min()
    );
    Quadratic { a, b, x_star }
}

impl Quadratic {
    fn f(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let x = DVector::from_column_slice(x);
        let ax = &self.a * &x;
        for (gi, (axi, bi)) in g.iter_mut().zip(ax.iter().zip(self.b.iter())) {
            *gi = axi - bi;
        }
        0.5 * x.dot(&ax) - self.b.dot(&x)
    }
    fn err(&self, x: &[f64]) -> f64 {
        (DVector::from_column_slice(x) - &self.x_star).amax()
    }
}

fn dist_to_one(p: &[f64]) -> f64 {
    (p[0] - 1.0).abs().max((p[1] - 1.0).abs())
}

/// Runs `steps` gradient steps; returns the final cost.
fn run_steps<O: StepOptimizer<f64>>(
    opt: &mut O,
    f: &mut dyn FnMut(&[f64], &mut [f64]) -> f64,
    x: &mut [f64],
    steps: usize,
) -> f64 {
    let mut g = vec![0.0; x.len()];
    for _ in 0..steps {
        f(x, &mut g);
        opt.step(x, &g).unwrap();
    }
    f(x, &mut g)
}

#[test]
fn cg_rosenbrock() {
    let mut cg = ConjugateGradient::new(CgConfig {
        max_iter: 200,
        ..Default::default()
    })
    .unwrap();
    let mut p = [-1.2, 1.0];
    let r = cg.minimize(&mut rosenbrock, &mut p, &mut ()).unwrap();
    println!(
        "CG Rosenbrock: ({:.10}, {:.10}) f = {:.3e} after {} iterations, {} evaluations, stop {:?}",
        p[0], p[1], r.cost, r.iterations, r.evaluations, r.stop
    );
    assert!(dist_to_one(&p) < 1e-6, "{p:?} {r:?}");
    // Costs after successful line searches never increase (sufficient decrease).
    assert!(r.costs.windows(2).all(|w| w[1] <= w[0]));
    assert!(r.costs[0] < r.initial_cost);
}

#[test]
fn lbfgs_rosenbrock() {
    let mut lb = Lbfgs::new(LbfgsConfig {
        max_iter: 200,
        ..Default::default()
    })
    .unwrap();
    let mut p = [-1.2, 1.0];
    let r = lb.minimize(&mut rosenbrock, &mut p, &mut ()).unwrap();
    println!(
        "L-BFGS Rosenbrock: ({:.10}, {:.10}) f = {:.3e} after {} iterations, {} evaluations, stop {:?}",
        p[0], p[1], r.cost, r.iterations, r.evaluations, r.stop
    );
    assert!(dist_to_one(&p) < 1e-6, "{p:?} {r:?}");
}

#[test]
fn sgd_rosenbrock() {
    let steps = 100_000;
    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: 1e-3,
        momentum: 0.9,
        nesterov: true,
        ..Default::default()
    })
    .unwrap();
    let mut p = [-1.2, 1.0];
    let c = run_steps(&mut sgd, &mut rosenbrock, &mut p, steps);
    println!(
        "SGD (lr 1e-3, Nesterov 0.9) Rosenbrock: ({:.8}, {:.8}) f = {c:.3e} after {steps} steps",
        p[0], p[1]
    );
    assert!(dist_to_one(&p) < 1e-3, "{p:?}");
}

#[test]
fn adam_rosenbrock() {
    let steps = 100_000;
    let mut adam = Adam::new(AdamConfig {
        learning_rate: 1e-2,
        ..Default::default()
    })
    .unwrap();
    let mut p = [-1.2, 1.0];
    let mut g = [0.0; 2];
    for t in 0..steps {
        // Decay the step as 1/√t after the first 1000 steps so Adam settles.
        if t >= 1000 && t % 1000 == 0 {
            adam.set_learning_rate(1e-2 * (1000.0 / t as f64).sqrt())
                .unwrap();
        }
        rosenbrock(&p, &mut g);
        adam.step(&mut p, &g).unwrap();
    }
    let c = rosenbrock(&p, &mut g);
    println!(
        "Adam (lr 1e-2, 1/√t decay) Rosenbrock: ({:.8}, {:.8}) f = {c:.3e} after {steps} steps",
        p[0], p[1]
    );
    assert!(dist_to_one(&p) < 1e-3, "{p:?}");
}

#[test]
fn minimizers_on_quadratic() {
    let q = quadratic();
    let n = q.b.len();
    for (name, mut m) in [
        (
            "CG",
            Box::new(
                ConjugateGradient::new(CgConfig {
                    grad_tol: 1e-7,
                    ..Default::default()
                })
                .unwrap(),
            ) as Box<dyn Minimizer<f64>>,
        ),
        (
            "L-BFGS",
            Box::new(
                Lbfgs::new(LbfgsConfig {
                    grad_tol: 1e-7,
                    ..Default::default()
                })
                .unwrap(),
            ),
        ),
    ] {
        let mut x = vec![0.0; n];
        let mut f = |x: &[f64], g: &mut [f64]| q.f(x, g);
        let r = m.minimize(&mut f, &mut x, &mut ()).unwrap();
        println!(
            "{name} quadratic: max |x − x*| = {:.2e}, f = {:.12} (f* = {:.12}), {} iterations, {} evaluations, stop {:?}",
            q.err(&x),
            r.cost,
            -0.5 * q.b.dot(&q.x_star),
            r.iterations,
            r.evaluations,
            r.stop
        );
        // A = BᵀB + I has every eigenvalue ≥ 1, so |x − x*| ≤ ‖A⁻¹‖ ‖g‖ ≤ ‖g‖ ≤ 1e-7.
        assert_eq!(r.stop, StopReason::GradientTolerance);
        assert!(r.grad_norm <= 1e-7);
        assert!(q.err(&x) <= 1e-7, "{name}: {x:?}");
    }
}

#[test]
fn step_optimizers_on_quadratic() {
    let q = quadratic();
    let n = q.b.len();
    let lmax = q.a.clone().symmetric_eigen().eigenvalues.max();
    let steps = 20_000;
    let mut f = |x: &[f64], g: &mut [f64]| q.f(x, g);

    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: 1.0 / lmax,
        ..Default::default()
    })
    .unwrap();
    let mut x = vec![0.0; n];
    let c = run_steps(&mut sgd, &mut f, &mut x, steps);
    println!(
        "SGD (lr 1/λmax) quadratic: max |x − x*| = {:.2e}, f = {c:.12} after {steps} steps",
        q.err(&x)
    );
    assert!(q.err(&x) < 1e-6);

    let mut sgd = Sgd::new(SgdConfig {
        learning_rate: 1.0 / lmax,
        momentum: 0.9,
        nesterov: false,
        schedule: Schedule::Constant,
    })
    .unwrap();
    let mut x = vec![0.0; n];
    let c = run_steps(&mut sgd, &mut f, &mut x, 2_000);
    println!(
        "SGD (momentum 0.9) quadratic: max |x − x*| = {:.2e}, f = {c:.12} after 2000 steps",
        q.err(&x)
    );
    assert!(q.err(&x) < 1e-6);

    let mut adam = Adam::new(AdamConfig {
        learning_rate: 1e-2,
        ..Default::default()
    })
    .unwrap();
    let mut x = vec![0.0; n];
    let mut g = vec![0.0; n];
    for t in 0..steps {
        if t >= 1000 && t % 1000 == 0 {
            adam.set_learning_rate(1e-2 * 1000.0 / t as f64).unwrap();
        }
        f(&x, &mut g);
        adam.step(&mut x, &g).unwrap();
    }
    let c = f(&x, &mut g);
    println!(
        "Adam (lr 1e-2, 1/t decay) quadratic: max |x − x*| = {:.2e}, f = {c:.12} after {steps} steps",
        q.err(&x)
    );
    // Adam's steps are normalised to ≈ α_t whatever the gradient's size, so it settles to a
    // fraction of the final step (α = 5e-4 here), not to machine precision.
    assert!(q.err(&x) < 1e-4);
}

/// With a near-exact line search, nonlinear CG on a quadratic is linear CG: it must reach
/// the minimiser in n iterations (finite termination, N&W Theorem 5.2) — a check of the
/// Polak–Ribière directions themselves.
#[test]
fn cg_with_exact_line_search_terminates_in_n_steps_on_quadratic() {
    let q = quadratic();
    let n = q.b.len();
    let mut cg = ConjugateGradient::new(CgConfig {
        max_iter: n,
        line_search: LineSearch {
            rho: 1e-3,
            sigma: 1e-2,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    let mut x = vec![0.0; n];
    let mut f = |x: &[f64], g: &mut [f64]| q.f(x, g);
    let r = cg.minimize(&mut f, &mut x, &mut ()).unwrap();
    println!(
        "CG (σ = 0.01) quadratic: max |x − x*| = {:.2e} after {} iterations, {} evaluations",
        q.err(&x),
        r.iterations,
        r.evaluations
    );
    assert!(q.err(&x) < 1e-8, "{}", q.err(&x));
}

/// Strong Wolfe conditions, checked by re-evaluating the function independently.
#[test]
fn line_search_satisfies_wolfe_conditions() {
    let ls = LineSearch::default();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let mut accepted = 0;
    for trial in 0..200 {
        let x0 = [rng.random_range(-2.0..2.0), rng.random_range(-1.0..3.0)];
        let mut g0 = [0.0; 2];
        let f0 = rosenbrock(&x0, &mut g0);
        // Steepest descent or a random descent direction.
        let mut d = if trial % 2 == 0 {
            [-g0[0], -g0[1]]
        } else {
            [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)]
        };
        let mut slope = g0[0] * d[0] + g0[1] * d[1];
        if slope > 0.0 {
            d = [-d[0], -d[1]];
            slope = -slope;
        }
        if slope == 0.0 {
            continue;
        }
        let alpha0 = [1e-4, 1e-2, 1.0, 10.0][trial % 4];
        let (mut x, mut g) = ([0.0; 2], [0.0; 2]);
        let out = ls
            .search(
                &mut rosenbrock as &mut dyn Objective<f64>,
                &x0,
                f0,
                slope,
                &d,
                alpha0,
                usize::MAX,
                &mut x,
                &mut g,
            )
            .unwrap();
        assert!(out.evals <= 20);
        if !out.accepted {
            continue;
        }
        accepted += 1;
        let a = out.step;
        let xa = [x0[0] + a * d[0], x0[1] + a * d[1]];
        let mut ga = [0.0; 2];
        let fa = rosenbrock(&xa, &mut ga);
        let sa = ga[0] * d[0] + ga[1] * d[1];
        assert!(a > 0.0);
        assert!(
            fa <= f0 + 0.01 * a * slope,
            "sufficient decrease: {fa} vs {f0}"
        );
        assert!(
            sa.abs() <= -0.5 * slope,
            "curvature: |{sa}| vs {}",
            -0.5 * slope
        );
        // The buffers hold that point and its gradient.
        assert!((x[0] - xa[0]).abs() < 1e-12 && (g[1] - ga[1]).abs() < 1e-9 * (1.0 + ga[1].abs()));
        assert_eq!(out.cost, fa);
    }
    println!("line search: {accepted} / 200 searches accepted a strong-Wolfe step");
    assert!(accepted >= 190, "{accepted}");
}

#[test]
fn cg_respects_the_evaluation_budget_and_iteration_limit() {
    let mut cg = ConjugateGradient::new(CgConfig {
        max_iter: 1000,
        max_evals: Some(25),
        ..Default::default()
    })
    .unwrap();
    let mut p = [-1.2, 1.0];
    let r = cg.minimize(&mut rosenbrock, &mut p, &mut ()).unwrap();
    assert_eq!(r.stop, StopReason::MaxEvaluations);
    assert!(r.evaluations <= 25, "{}", r.evaluations);

    let mut cg = ConjugateGradient::new(CgConfig {
        max_iter: 7,
        ..Default::default()
    })
    .unwrap();
    let mut p = [-1.2, 1.0];
    let r = cg.minimize(&mut rosenbrock, &mut p, &mut ()).unwrap();
    assert_eq!(r.stop, StopReason::MaxIterations);
    assert_eq!(r.iterations, 7);
    assert_eq!(r.costs.len(), 7);
}

#[test]
fn minimizers_reject_bad_input() {
    assert!(matches!(
        ConjugateGradient::new(CgConfig {
            grad_tol: -1.0,
            ..Default::default()
        }),
        Err(Error::InvalidParameter {
            name: "grad_tol",
            ..
        })
    ));
    assert!(matches!(
        Lbfgs::new(LbfgsConfig {
            history: 0,
            ..Default::default()
        }),
        Err(Error::InvalidParameter {
            name: "history",
            ..
        })
    ));
    // A non-finite starting cost is reported, θ untouched.
    let mut f = |_: &[f64], g: &mut [f64]| {
        g[0] = 0.0;
        f64::NAN
    };
    let mut x = [1.0];
    let mut cg = ConjugateGradient::new(CgConfig::default()).unwrap();
    assert!(matches!(
        cg.minimize(&mut f, &mut x, &mut ()),
        Err(Error::Diverged { .. })
    ));
    assert_eq!(x, [1.0]);
    // Step optimisers: mismatched lengths are an error, not a panic.
    let mut sgd = Sgd::<f64>::new(SgdConfig::default()).unwrap();
    assert!(matches!(
        sgd.step(&mut [0.0, 0.0], &[1.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    sgd.step(&mut [0.0, 0.0], &[1.0, 1.0]).unwrap();
    assert!(sgd.step(&mut [0.0; 3], &[1.0; 3]).is_err());
    for (bad, field) in [
        (
            AdamConfig {
                beta1: 1.0,
                ..Default::default()
            },
            "beta1",
        ),
        (
            AdamConfig {
                epsilon: 0.0,
                ..Default::default()
            },
            "epsilon",
        ),
        (
            AdamConfig {
                learning_rate: f64::NAN,
                ..Default::default()
            },
            "learning_rate",
        ),
        (
            AdamConfig {
                weight_decay: 2e3,
                ..Default::default()
            },
            "weight_decay",
        ),
    ] {
        assert!(
            matches!(
                Adam::<f32>::new(bad),
                Err(Error::InvalidParameter { name, .. }) if name == field
            ),
            "{field}"
        );
    }
    for (bad, field) in [
        (
            SgdConfig {
                learning_rate: 0.0,
                ..Default::default()
            },
            "learning_rate",
        ),
        (
            SgdConfig {
                momentum: 1.0,
                ..Default::default()
            },
            "momentum",
        ),
        (
            SgdConfig {
                nesterov: true,
                ..Default::default()
            },
            "momentum",
        ),
        (
            SgdConfig {
                schedule: Schedule::StepDecay {
                    every: 0,
                    factor: 0.5,
                },
                ..Default::default()
            },
            "every",
        ),
    ] {
        assert!(
            matches!(
                Sgd::<f64>::new(bad),
                Err(Error::InvalidParameter { name, .. }) if name == field
            ),
            "{field}"
        );
    }
    let mut adam = Adam::<f64>::new(AdamConfig::default()).unwrap();
    assert!(matches!(
        adam.set_learning_rate(-1.0),
        Err(Error::InvalidParameter {
            name: "learning_rate",
            ..
        })
    ));
}
