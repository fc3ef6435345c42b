//! The dashboard keeps the training step allocation-free: between two batch points (at most
//! one per `batch_interval`) its observer allocates nothing. A counting global allocator
//! (this test binary only) counts the allocations made inside the calls.
#![cfg(feature = "live")]

use deepmultinet::live::{Dashboard, DashboardConfig};
use deepmultinet::train::{Event, Observer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn batch_events_between_points_allocate_nothing() {
    let mut dash = Dashboard::<f32>::new(DashboardConfig {
        batch_interval: Duration::from_secs(3600),
        ..DashboardConfig::default()
    })
    .expect("dashboard");
    let start = Event::TrainingStarted {
        epochs: 1,
        batches_per_epoch: 10_000,
        samples: 640_000,
    };
    let _ = dash.on_event(&start);
    let batch = |b: usize| -> Event<'static, f32> {
        Event::BatchFinished {
            epoch: 1,
            batch: b,
            batches: 10_000,
            cost: 1.0 / b as f64,
        }
    };
    // The first batch makes the first point (that one allocates its message).
    let _ = dash.on_event(&batch(1));
    // Other threads of the process (the server's) may allocate meanwhile; repeat so that
    // a quiet window shows the observer's own count.
    let mut best = usize::MAX;
    for round in 0..5 {
        let before = ALLOCS.load(Ordering::SeqCst);
        for b in 2..2000 {
            let _ = dash.on_event(&batch(round * 2000 + b));
        }
        best = best.min(ALLOCS.load(Ordering::SeqCst) - before);
    }
    assert_eq!(best, 0, "allocations in 1998 batch events between points");
}
