//! A tiny persistent thread pool that runs one borrowed closure on every thread and waits,
//! without allocating per call — what splitting a batch across cores needs.
//!
//! The number of threads is a global knob: [`set_num_threads`] (default: every core the OS
//! reports). With one thread nothing is spawned and all work runs on the caller's thread.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

/// Requested thread count; 0 means "all cores".
static REQUESTED: AtomicUsize = AtomicUsize::new(0);
/// The pool, rebuilt when the requested size changes.
static POOL: OnceLock<Mutex<Option<Arc<Pool>>>> = OnceLock::new();

/// Sets how many threads a training step may use (0 = all cores, the default).
///
/// One thread gives bit-identical results run to run. With `n > 1` threads a batch is split
/// into `n` fixed contiguous parts whose gradients are summed in a fixed order, so results
/// are also bit-identical run to run for the same `n` — but differ in the last bits from
/// the one-thread result (floating-point addition is not associative).
///
/// ```
/// deepmultinet::set_num_threads(1);
/// assert_eq!(deepmultinet::num_threads(), 1);
/// deepmultinet::set_num_threads(0); // back to all cores
/// ```
pub fn set_num_threads(n: usize) {
    REQUESTED.store(n, Ordering::SeqCst);
}

/// The number of threads a training step uses now.
pub fn num_threads() -> usize {
    match REQUESTED.load(Ordering::SeqCst) {
        0 => cores(),
        n => n,
    }
}

/// Cores the OS reports, asked once: `available_parallelism` reads cgroup files (and
/// allocates) on every call, which must not happen inside a training step.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

/// The pool for the current thread count (`None` for one thread).
pub(crate) fn pool() -> Option<Arc<Pool>> {
    let n = num_threads();
    if n <= 1 {
        return None;
    }
    let cell = POOL.get_or_init(|| Mutex::new(None));
    let mut guard = lock(cell);
    match guard.as_ref() {
        Some(p) if p.threads() == n => Some(p.clone()),
        _ => {
            let p = Arc::new(Pool::new(n));
            *guard = Some(p.clone());
            Some(p)
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A job borrowed for the duration of one [`Pool::run`] call.
#[derive(Clone, Copy)]
struct Job(*const (dyn Fn(usize) + Sync));
// SAFETY: the pointee is `Sync`, and `run` keeps it alive until every worker is done with it.
unsafe impl Send for Job {}

struct State {
    generation: u64,
    job: Option<Job>,
    pending: usize,
    panicked: bool,
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    start: Condvar,
    done: Condvar,
}

/// `threads − 1` parked workers plus the calling thread.
pub(crate) struct Pool {
    shared: Arc<Shared>,
    workers: usize,
    /// Serialises concurrent `run` calls from different user threads.
    busy: Mutex<()>,
}

impl Pool {
    fn new(threads: usize) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                generation: 0,
                job: None,
                pending: 0,
                panicked: false,
                shutdown: false,
            }),
            start: Condvar::new(),
            done: Condvar::new(),
        });
        let mut workers = 0;
        for index in 1..threads {
            let shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("deepmultinet-{index}"))
                .spawn(move || worker(shared, index));
            if spawned.is_err() {
                break; // run with the threads we got
            }
            workers += 1;
        }
        Pool {
            shared,
            workers,
            busy: Mutex::new(()),
        }
    }

    /// Total threads, the caller included.
    pub(crate) fn threads(&self) -> usize {
        self.workers + 1
    }

    /// Runs `f(0)` on the calling thread and `f(1)`, …, `f(threads − 1)` on the workers;
    /// returns when all have finished. Panics in a worker are re-raised here.
    pub(crate) fn run(&self, f: &(dyn Fn(usize) + Sync)) {
        let _busy = lock(&self.busy);
        // SAFETY: lifetime erasure only; `Wait` below blocks (even while unwinding) until
        // every worker has finished calling the job, so it never outlives `f`.
        let job: *const (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(f) };
        {
            let mut st = lock(&self.shared.state);
            st.generation = st.generation.wrapping_add(1);
            st.job = Some(Job(job));
            st.pending = self.workers;
            st.panicked = false;
        }
        self.shared.start.notify_all();
        struct Wait<'a>(&'a Shared);
        impl Drop for Wait<'_> {
            fn drop(&mut self) {
                let mut st = lock(&self.0.state);
                while st.pending > 0 {
                    st = self.0.done.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                st.job = None;
            }
        }
        let wait = Wait(&self.shared);
        f(0);
        drop(wait);
        let panicked = lock(&self.shared.state).panicked;
        if panicked {
            panic!("a deepmultinet worker thread panicked");
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        lock(&self.shared.state).shutdown = true;
        self.shared.start.notify_all();
    }
}

fn worker(shared: Arc<Shared>, index: usize) {
    let mut seen = 0u64;
    loop {
        let job = {
            let mut st = lock(&shared.state);
            while st.generation == seen && !st.shutdown {
                st = shared.start.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            if st.shutdown {
                return;
            }
            seen = st.generation;
            st.job
        };
        let ok = match job {
            // SAFETY: `run` keeps the job alive until `pending` reaches 0 below.
            Some(Job(ptr)) => catch_unwind(AssertUnwindSafe(|| unsafe { (*ptr)(index) })).is_ok(),
            None => true,
        };
        let mut st = lock(&shared.state);
        if !ok {
            st.panicked = true;
        }
        st.pending -= 1;
        if st.pending == 0 {
            shared.done.notify_all();
        }
    }
}
