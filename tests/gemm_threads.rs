//! The GEMM split across threads gives the same bits as on one thread, and really runs on
//! the pool's worker threads. One test per binary, so nothing else holds the pool.

use deepmultinet::linalg::gemm;
use deepmultinet::{Scalar, num_threads, set_num_threads};
use nalgebra::{DMatrixView, DMatrixViewMut};

/// `(m, k, n, A transposed, B transposed)`: the products of a training step and shapes that
/// split across rows, columns and uneven tile counts.
const CASES: &[(usize, usize, usize, bool, bool)] = &[
    (128, 784, 64, false, false),
    (128, 64, 784, false, true),
    (784, 128, 64, true, false),
    (25, 400, 500, false, false),
    (25, 500, 400, false, true),
    (9, 300, 901, true, true),
    (901, 300, 9, false, false),
];

fn product<T: Scalar>((m, k, n, ta, tb): (usize, usize, usize, bool, bool)) -> Vec<T> {
    let val = |i: usize| T::of(((i * 7919) % 1000) as f64 / 500.0 - 1.0);
    let a: Vec<T> = (0..m * k).map(val).collect();
    let b: Vec<T> = (0..k * n).map(|i| val(i + 17)).collect();
    let mut c: Vec<T> = (0..m * n).map(|i| val(i + 5)).collect();
    // A transposed operand is a stride-swapped view of column-major storage.
    let (rsa, csa) = if ta { (k, 1) } else { (1, m) };
    let (rsb, csb) = if tb { (n, 1) } else { (1, k) };
    let a = DMatrixView::from_slice_with_strides(&a, m, k, rsa, csa);
    let b = DMatrixView::from_slice_with_strides(&b, k, n, rsb, csb);
    let mut cv = DMatrixViewMut::from_slice(&mut c, m, n);
    gemm(T::of(0.5), &a, &b, T::of(0.25), &mut cv).unwrap();
    c
}

fn bits<T: Scalar>(v: &[T]) -> Vec<u64> {
    v.iter().map(|x| x.as_f64().to_bits()).collect()
}

#[cfg(target_os = "linux")]
fn worker_threads() -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("deepmultinet-ge"))
        .count()
}

#[test]
fn threads_give_identical_bits() {
    for &case in CASES {
        set_num_threads(1);
        let (one32, one64) = (bits(&product::<f32>(case)), bits(&product::<f64>(case)));
        for threads in [2, 3, 4] {
            set_num_threads(threads);
            assert_eq!(num_threads(), threads);
            assert_eq!(
                bits(&product::<f32>(case)),
                one32,
                "f32 {case:?}, {threads} threads"
            );
            assert_eq!(
                bits(&product::<f64>(case)),
                one64,
                "f64 {case:?}, {threads} threads"
            );
        }
    }
    // Up to 4 threads were requested: the pool spawned 3 workers (names truncated by Linux
    // to 15 bytes), so the parallel path really ran.
    #[cfg(target_os = "linux")]
    assert_eq!(worker_threads(), 3);
    set_num_threads(0);
}
