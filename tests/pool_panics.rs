//! A panic inside a user's activation on one of the pool's worker threads reaches the caller
//! with its own message, and the pool keeps working afterwards.

use deepmultinet::activation::Pointwise;
use deepmultinet::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// tanh, except on the pool's worker threads while `ARMED` is set.
#[derive(Debug)]
struct PanicsOnWorkers;

static ARMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

impl Elementwise<f64> for PanicsOnWorkers {
    fn name(&self) -> String {
        "panics_on_workers".into()
    }
    fn f(&self, z: f64) -> f64 {
        let on_worker = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("deepmultinet-"));
        if on_worker && ARMED.load(std::sync::atomic::Ordering::Relaxed) {
            panic!("user activation failed on purpose at z = {z:.1}");
        }
        z.tanh()
    }
    fn df(&self, _z: f64, a: f64) -> f64 {
        1.0 - a * a
    }
}

#[test]
fn a_panic_on_a_worker_reaches_the_caller_with_its_message() {
    deepmultinet::set_num_threads(2);
    let net = Network::builder(3)
        .hidden_shared(4, std::sync::Arc::new(Pointwise(PanicsOnWorkers)))
        .output(2, SoftmaxCrossEntropy::<f64>::new())
        .build_zeroed()
        .unwrap();
    let m = 256; // 128 samples per thread: the batch is split across both
    let x = nalgebra::DMatrix::from_element(3, m, 0.5);
    let y = vec![0usize; m];
    let mut ws = net.workspace(m);
    let mut grad = vec![0.0; net.num_params()];
    // Parts are claimed dynamically, so a call may run entirely on the caller (a worker
    // that has not woken yet claims nothing); repeat until a worker has run one.
    let mut msg = None;
    for _ in 0..1000 {
        let caught = catch_unwind(AssertUnwindSafe(|| {
            net.cost_grad(&mut ws, &x, &y, 0.0, &mut grad)
        }));
        if let Err(payload) = caught {
            msg = Some(
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default(),
            );
            break;
        }
    }
    let msg = msg.expect("in 1000 split calls no worker ran a part, or its panic was lost");
    println!("caller caught: {msg}");
    assert_eq!(msg, "user activation failed on purpose at z = 0.0");

    // The pool is free again and computes the same as one thread.
    ARMED.store(false, std::sync::atomic::Ordering::Relaxed);
    let j2 = net.cost_grad(&mut ws, &x, &y, 0.0, &mut grad).unwrap();
    deepmultinet::set_num_threads(1);
    let j1 = net.cost_grad(&mut ws, &x, &y, 0.0, &mut grad).unwrap();
    deepmultinet::set_num_threads(0);
    assert!((j1 - j2).abs() < 1e-12, "{j1} vs {j2}");
}
