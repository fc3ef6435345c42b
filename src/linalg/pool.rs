//! A persistent pool of worker threads for splitting one GEMM across cores without
//! allocating: workers are spawned once (on the first parallel call that needs them) and
//! then wait for jobs published through a fixed slot; a job is a type-erased function
//! pointer and a pointer to the caller's task description on its stack, valid because the
//! caller waits until every worker has finished its part.
//!
//! Waiting is a short spin (a training step issues GEMMs back to back) followed by a
//! condition variable, so idle workers do not burn a shared machine's cores.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Upper bound on threads (caller + workers) one GEMM is split across.
pub(crate) const MAX_THREADS: usize = 64;

/// How long a worker spins for the next job, and the caller for its workers, before
/// blocking.
const SPIN: Duration = Duration::from_micros(100);

/// The requested thread count; 0 means "all available cores".
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads (the caller included) the crate's work is split across; `0`
/// restores the default. Values above 64 are capped.
///
/// **The default** is the environment variable `DEEPMULTINET_THREADS` when it holds a
/// positive integer (read once, when the count is first needed), else every available core.
///
/// **Determinism.** With a fixed thread count and a fixed GEMM kernel family
/// ([`gemm_kernel`](crate::linalg::gemm_kernel)), results are bit-identical run to run and
/// machine to machine. With the default, a machine with another number of cores splits
/// training batches differently and gets θ that differ in the last bits; set
/// `DEEPMULTINET_THREADS=1` (or call `set_num_threads(1)`, or pass the examples'
/// `--threads 1`) for results that do not depend on the machine.
///
/// **Across kernel families** (chosen per CPU, or forced with `DEEPMULTINET_KERNEL`): the
/// AVX-512 and AVX2 kernels compute each element of a product with the same fused
/// multiply-adds in the same order (they differ only in register-tile shape), so they give
/// the same bits — a θ trained on an AVX-512 machine is reproduced on an AVX2-only one. The
/// portable kernels (CPUs without AVX2 + FMA, or `DEEPMULTINET_KERNEL=generic`) multiply
/// and add separately, which rounds differently: results differ in the last bits. The
/// optimisers' vectorised updates give the same bits on every family (see `optim::Adam`).
///
/// The same pool serves three kinds of work:
/// - large GEMMs (`m·k·n ≥ 2¹⁶`) are split over rows or columns of the product; this never
///   changes results (every element is computed by one thread with the same blocking of the
///   inner dimension);
/// - training batches with at least 16 samples per thread are split into one contiguous part
///   per thread, whose gradients are summed in a fixed order: results are bit-identical run
///   to run for a given thread count, but differ in the last bits between thread counts
///   (floating-point addition is not associative); one thread is the reference;
/// - optimiser updates of long vectors are split over θ (no effect on results).
///
/// One caller at a time uses the pool; work issued while it is busy runs on the caller's
/// thread.
///
/// ```
/// deepmultinet::set_num_threads(1);
/// assert_eq!(deepmultinet::num_threads(), 1);
/// deepmultinet::set_num_threads(0);
/// assert!(deepmultinet::num_threads() >= 1);
/// ```
pub fn set_num_threads(n: usize) {
    THREADS.store(n.min(MAX_THREADS), Ordering::Relaxed);
}

/// The number of threads the crate's work is split across (see [`set_num_threads`]).
pub fn num_threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => {
            static DEFAULT: OnceLock<usize> = OnceLock::new();
            *DEFAULT.get_or_init(|| {
                default_threads(
                    std::env::var("DEEPMULTINET_THREADS").ok().as_deref(),
                    std::thread::available_parallelism().map_or(1, |n| n.get()),
                )
            })
        }
        n => n,
    }
}

/// The default thread count: `env` if it is a positive integer, else `cores`; capped at 64.
fn default_threads(env: Option<&str>, cores: usize) -> usize {
    let wanted = env
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(cores);
    wanted.clamp(1, MAX_THREADS)
}

/// One parallel job: `run(data, part, parts)` for `part` in `1..parts` on the workers.
#[derive(Clone, Copy)]
struct Job {
    run: unsafe fn(*const (), usize, usize),
    data: *const (),
    parts: usize,
}

// SAFETY: `data` points to a task the publishing caller keeps alive and unmodified until
// every participating worker has finished (see `run`); the task itself is `Sync` data
// (raw pointers into matrices whose disjoint parts the workers write).
unsafe impl Send for Job {}

/// State behind the pool's lock.
struct State {
    /// Incremented with each published job.
    generation: u64,
    /// The latest job.
    job: Option<Job>,
    /// Workers blocked on `wake`.
    sleeping: usize,
    /// Workers spawned so far (worker `w` runs part `w`, `1 ≤ w ≤ spawned`).
    spawned: usize,
}

struct Pool {
    state: Mutex<State>,
    wake: Condvar,
    /// Copy of `state.generation` that spinning workers poll.
    generation: AtomicU64,
    /// Participating workers that have not finished the current job.
    pending: AtomicUsize,
    done_lock: Mutex<()>,
    done: Condvar,
    /// Held by the one caller currently using the pool.
    busy: AtomicBool,
    /// The payload of the first panic in a worker's part (a user's activation, say), which
    /// the caller re-raises once every part has finished.
    panicked: Mutex<Option<Box<dyn std::any::Any + Send>>>,
}

static POOL: Pool = Pool {
    state: Mutex::new(State {
        generation: 0,
        job: None,
        sleeping: 0,
        spawned: 0,
    }),
    wake: Condvar::new(),
    generation: AtomicU64::new(0),
    pending: AtomicUsize::new(0),
    done_lock: Mutex::new(()),
    done: Condvar::new(),
    busy: AtomicBool::new(false),
    panicked: Mutex::new(None),
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The protected data stays consistent even if a holder panicked (plain counters).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `run(data, part, parts)` for every `part < parts`, part 0 on the calling thread and
/// the others on pool workers, and returns once all have finished. Returns `false` without
/// running anything when the pool is in use by another caller or cannot provide the workers
/// (the caller then computes serially).
///
/// # Safety
/// `run(data, part, parts)` must be safe to call concurrently for distinct parts from any
/// thread, for as long as this function runs.
pub(crate) unsafe fn run(
    parts: usize,
    run: unsafe fn(*const (), usize, usize),
    data: *const (),
) -> bool {
    if !(2..=MAX_THREADS).contains(&parts) {
        return false; // nothing to share out (or more parts than workers): caller runs serially
    }
    if POOL
        .busy
        .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return false;
    }
    {
        let mut st = lock(&POOL.state);
        while st.spawned < parts - 1 {
            let w = st.spawned + 1;
            let generation = st.generation;
            let spawned = std::thread::Builder::new()
                .name(format!("deepmultinet-gemm-{w}"))
                .spawn(move || worker(w, generation));
            if spawned.is_err() {
                drop(st);
                POOL.busy.store(false, Ordering::Release);
                return false;
            }
            st.spawned = w;
        }
        POOL.pending.store(parts - 1, Ordering::Relaxed);
        st.generation += 1;
        st.job = Some(Job { run, data, parts });
        POOL.generation.store(st.generation, Ordering::Release);
        if st.sleeping > 0 {
            POOL.wake.notify_all();
        }
    }
    // SAFETY: caller's contract, part 0.
    let mine = catch_unwind(AssertUnwindSafe(|| unsafe { run(data, 0, parts) }));
    // Wait for the workers: spin briefly, then block.
    let start = Instant::now();
    let mut spins = 0u32;
    while POOL.pending.load(Ordering::Acquire) != 0 {
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(64) && start.elapsed() > SPIN {
            let mut g = lock(&POOL.done_lock);
            while POOL.pending.load(Ordering::Acquire) != 0 {
                g = POOL.done.wait(g).unwrap_or_else(|e| e.into_inner());
            }
            break;
        }
        std::hint::spin_loop();
    }
    let worker_panic = lock(&POOL.panicked).take();
    POOL.busy.store(false, Ordering::Release);
    // A panic in any part reaches the caller with its own message (this thread's first).
    if let Err(payload) = mine {
        std::panic::resume_unwind(payload);
    }
    if let Some(payload) = worker_panic {
        std::panic::resume_unwind(payload);
    }
    true
}

/// Worker `w`: runs part `w` of every job with more than `w` parts, forever.
fn worker(w: usize, mut seen: u64) {
    loop {
        // Spin for a new job, then sleep.
        let start = Instant::now();
        let mut spins = 0u32;
        while POOL.generation.load(Ordering::Acquire) == seen {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) && start.elapsed() > SPIN {
                break;
            }
            std::hint::spin_loop();
        }
        let job = {
            let mut st = lock(&POOL.state);
            while st.generation == seen {
                st.sleeping += 1;
                st = POOL.wake.wait(st).unwrap_or_else(|e| e.into_inner());
                st.sleeping -= 1;
            }
            seen = st.generation;
            st.job
        };
        let Some(job) = job else { continue };
        if w >= job.parts {
            continue;
        }
        // SAFETY: the publishing caller guarantees `run` may be called for part `w` while it
        // waits; it waits until `pending` (counting this part) reaches zero.
        let r = catch_unwind(AssertUnwindSafe(|| unsafe {
            (job.run)(job.data, w, job.parts)
        }));
        if let Err(payload) = r {
            lock(&POOL.panicked).get_or_insert(payload);
        }
        if POOL.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _g = lock(&POOL.done_lock);
            POOL.done.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::default_threads;

    #[test]
    fn the_environment_sets_the_default_thread_count() {
        assert_eq!(default_threads(Some("1"), 8), 1);
        assert_eq!(default_threads(Some(" 3 "), 8), 3);
        assert_eq!(default_threads(Some("1000"), 8), 64);
        for ignored in [None, Some(""), Some("0"), Some("two"), Some("-1")] {
            assert_eq!(default_threads(ignored, 8), 8, "{ignored:?}");
        }
        assert_eq!(default_threads(None, 0), 1);
    }
}
