//! A persistent pool of worker threads for splitting one GEMM across cores without
//! allocating: workers are spawned once (on the first parallel call that needs them) and
//! then wait for jobs published through a fixed slot; a job is a type-erased function
//! pointer and a pointer to the caller's task description on its stack, valid because the
//! caller waits until every claimed part has finished.
//!
//! Parts are claimed dynamically by the caller and the workers (see [`run`]), so no call
//! waits for a worker the OS has not scheduled. Waiting is a short spin (a training step
//! issues GEMMs back to back) followed by a condition variable, so idle workers do not burn
//! a shared machine's cores.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Upper bound on threads (caller + workers) one GEMM is split across.
pub(crate) const MAX_THREADS: usize = 64;

/// How long a worker spins for the next job, and the caller for its workers, before
/// blocking.
const SPIN: Duration = Duration::from_micros(100);

thread_local! {
    /// This thread's place in the pool: 0 for a caller, `w` for worker `w` (see [`home`]).
    static HOME: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// This thread's place in the pool: 0 for any thread that is not one of the pool's workers
/// (a caller), `w` for worker `w` (`1 ≤ w < MAX_THREADS`). Work that is split the same way
/// call after call ([`super::par::run_homed`]) gives each thread the part of its own index
/// when it is free, so the same data stays in the same core's cache from one call to the
/// next.
pub(crate) fn home() -> usize {
    HOME.with(|h| h.get())
}

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
/// The same pool serves these kinds of work:
/// - large GEMMs (`m·k·n ≥ 2¹⁶`) are split over rows or columns of the product; this never
///   changes results (every element is computed by one thread with the same blocking of the
///   inner dimension);
/// - training batches with at least 16 samples per thread are split into one contiguous part
///   per thread, whose gradients are summed in a fixed order: results are bit-identical run
///   to run for a given thread count, but differ in the last bits between thread counts
///   (floating-point addition is not associative); one thread is the reference;
/// - forward passes of large batches are split by columns, layer by layer (every column is
///   computed by one thread exactly as unsplit: no effect on results);
/// - optimiser updates of long vectors (≥ 2¹⁶ values) are split over θ (no effect on
///   results);
/// - training batches too small for the split by samples, of such a θ with a first layer of
///   at least 2¹⁵ weights, split that layer's two products by the optimiser's ranges of θ:
///   the forward product's partial sums are added in a fixed order, so as for split
///   batches the results are bit-identical run to run for a given thread count and differ
///   in the last bits from one thread's.
///
/// **A busy machine.** The parts of every split are claimed dynamically: the calling
/// thread and the workers each take the next unclaimed part until none is left, so when
/// another process holds a core, a descheduled worker's share is done by the caller instead
/// of stalling the call. A split's *parts* (and so its results) depend only on the thread
/// count, never on which thread ran them.
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

/// One parallel job: `run(data, part, parts)` for every `part < parts`, claimed by whichever
/// thread (caller or worker) gets to it first.
#[derive(Clone, Copy)]
struct Job {
    run: unsafe fn(*const (), usize, usize),
    data: *const (),
    parts: usize,
}

// SAFETY: `data` points to a task the publishing caller keeps alive and unmodified until
// every claimed part has finished (see `run`); the task itself is `Sync` data (raw
// pointers into matrices whose disjoint parts the workers write).
unsafe impl Send for Job {}

/// State behind the pool's lock.
struct State {
    /// Incremented with each published job.
    generation: u64,
    /// The latest job.
    job: Option<Job>,
    /// Workers blocked on `wake`.
    sleeping: usize,
    /// Workers spawned so far.
    spawned: usize,
}

/// Bits of [`Pool::claim`] that count claimed parts; the bits above hold the generation.
const CLAIM_BITS: u32 = 16;
const CLAIM_MASK: u64 = (1 << CLAIM_BITS) - 1;
/// A claim counter no part index reaches: the job is closed.
const CLOSED: u64 = CLAIM_MASK;

struct Pool {
    state: Mutex<State>,
    wake: Condvar,
    /// Copy of `state.generation` that spinning workers poll.
    generation: AtomicU64,
    /// `generation << CLAIM_BITS | parts claimed so far` of the current job: a thread takes
    /// the next part by incrementing it, only while the generation is the job it read, so a
    /// worker that wakes late (descheduled on a busy machine) can never claim a part of a
    /// job that has finished or of a newer one.
    claim: AtomicU64,
    /// Claimed parts of the current job that have finished.
    finished: AtomicUsize,
    done_lock: Mutex<()>,
    done: Condvar,
    /// Held by the one caller currently using the pool.
    busy: AtomicBool,
    /// The payload of the first panic in a worker's part (a user's activation, say), which
    /// the caller re-raises once every claimed part has finished.
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
    claim: AtomicU64::new(0),
    finished: AtomicUsize::new(0),
    done_lock: Mutex::new(()),
    done: Condvar::new(),
    busy: AtomicBool::new(false),
    panicked: Mutex::new(None),
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The protected data stays consistent even if a holder panicked (plain counters).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Claims the next unclaimed part of the job of generation `generation` (which has `parts`
/// parts), or `None` when every part is claimed, the job was closed, or a newer job replaced
/// it.
fn claim(generation: u64, parts: usize) -> Option<usize> {
    let tag = generation << CLAIM_BITS;
    let mut v = POOL.claim.load(Ordering::Acquire);
    loop {
        let part = (v & CLAIM_MASK) as usize;
        if v & !CLAIM_MASK != tag || part >= parts {
            return None;
        }
        match POOL
            .claim
            .compare_exchange_weak(v, v + 1, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => return Some(part),
            Err(now) => v = now,
        }
    }
}

/// Marks one claimed part as finished, waking the caller when it was the last it waits for.
fn finish_part() {
    POOL.finished.fetch_add(1, Ordering::AcqRel);
    let _g = lock(&POOL.done_lock);
    POOL.done.notify_one();
}

/// Runs `run(data, part, parts)` for every `part < parts` and returns once all have
/// finished. The parts are **claimed dynamically**: the calling thread and the pool's
/// workers each take the next unclaimed part until none is left, so a worker the OS has
/// descheduled (another process on its core) leaves its share to the caller instead of
/// stalling the call; the caller waits only for parts a worker has actually started.
/// Which thread runs which part therefore varies; callers must not depend on it. Returns
/// `false` without running anything when the pool is in use by another caller (the caller
/// then computes serially).
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
    let generation = {
        let mut st = lock(&POOL.state);
        while st.spawned < parts - 1 {
            let generation = st.generation;
            let index = st.spawned + 1;
            let spawned = std::thread::Builder::new()
                .name(format!("deepmultinet-gemm-{index}"))
                .spawn(move || {
                    HOME.with(|h| h.set(index));
                    worker(generation)
                });
            if spawned.is_err() {
                break; // fewer helpers: the caller claims what they would have done
            }
            st.spawned += 1;
        }
        st.generation += 1;
        st.job = Some(Job { run, data, parts });
        POOL.finished.store(0, Ordering::Relaxed);
        POOL.claim
            .store(st.generation << CLAIM_BITS, Ordering::Release);
        POOL.generation.store(st.generation, Ordering::Release);
        if st.sleeping > 0 {
            POOL.wake.notify_all();
        }
        st.generation
    };
    // Claim parts here too until none is left (or one panics).
    let mut mine = Ok(());
    while let Some(part) = claim(generation, parts) {
        // SAFETY: caller's contract; `part` was claimed by this thread only.
        mine = catch_unwind(AssertUnwindSafe(|| unsafe { run(data, part, parts) }));
        POOL.finished.fetch_add(1, Ordering::AcqRel);
        if mine.is_err() {
            break;
        }
    }
    // Close the job (no part can be claimed after this) and wait for the claimed ones.
    let claimed = ((POOL
        .claim
        .swap(generation << CLAIM_BITS | CLOSED, Ordering::AcqRel)
        & CLAIM_MASK) as usize)
        .min(parts);
    let start = Instant::now();
    let mut spins = 0u32;
    while POOL.finished.load(Ordering::Acquire) < claimed {
        spins = spins.wrapping_add(1);
        // (No `yield_now` here: measured, it slowed a batch-64 step by a third on an idle
        // machine; the waiting worker's yield is what a busy one needs.)
        if spins.is_multiple_of(64) && start.elapsed() > SPIN {
            let mut g = lock(&POOL.done_lock);
            while POOL.finished.load(Ordering::Acquire) < claimed {
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

/// A worker: for every job published after `seen`, claims and runs parts until none is
/// left, forever.
fn worker(mut seen: u64) {
    loop {
        // Spin for a new job, then sleep.
        let start = Instant::now();
        let mut spins = 0u32;
        while POOL.generation.load(Ordering::Acquire) == seen {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) {
                if start.elapsed() > SPIN {
                    break;
                }
                // A waiting worker must not take the core from the thread that has work (on
                // a busy machine three threads share two cores); returns at once when no
                // other thread wants this core.
                std::thread::yield_now();
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
        while let Some(part) = claim(seen, job.parts) {
            // SAFETY: the publishing caller guarantees `run` may be called for any part
            // while it waits, and it waits for every claimed part (this one included) to
            // finish; the claim succeeded, so the job is still the one at `job.data`.
            let r = catch_unwind(AssertUnwindSafe(|| unsafe {
                (job.run)(job.data, part, job.parts)
            }));
            if let Err(payload) = r {
                lock(&POOL.panicked).get_or_insert(payload);
            }
            finish_part();
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
