//! Thread-local packing buffers: grown on demand, reused by every later call on the same
//! thread, so a GEMM no larger than one before performs no heap allocation.

use std::cell::Cell;

/// Alignment of each packed region (one cache line; also the widest SIMD load).
const ALIGN: usize = 64;

thread_local! {
    /// The calling thread's packing storage, lent out for the duration of one GEMM.
    static PACK: Cell<Vec<u64>> = const { Cell::new(Vec::new()) };
}

/// One thread's packing storage, borrowed from the thread-local slot and returned on drop.
pub(super) struct Packing {
    buf: Vec<u64>,
}

impl Packing {
    /// Borrows the calling thread's storage (an empty buffer if the slot is unavailable,
    /// e.g. during thread teardown; it is then allocated and freed locally).
    pub(super) fn take() -> Self {
        Packing {
            buf: PACK.try_with(Cell::take).unwrap_or_default(),
        }
    }

    /// Two disjoint, 64-byte-aligned regions of `a_len` and `b_len` elements of `T`,
    /// growing the storage if needed. The pointers stay valid until the next call on
    /// `self` or until `self` is dropped.
    pub(super) fn regions<T: Copy>(&mut self, a_len: usize, b_len: usize) -> (*mut T, *mut T) {
        let size = std::mem::size_of::<T>();
        let a_bytes = (a_len * size).next_multiple_of(ALIGN);
        let b_bytes = (b_len * size).next_multiple_of(ALIGN);
        let words = (a_bytes + b_bytes + ALIGN).div_ceil(8);
        if self.buf.len() < words {
            self.buf.resize(words, 0);
        }
        let base = self.buf.as_mut_ptr().cast::<u8>();
        let offset = base.align_offset(ALIGN);
        // SAFETY: `offset < ALIGN` and the buffer holds `a_bytes + b_bytes + ALIGN` bytes, so
        // both regions lie inside it; they are 64-byte aligned (≥ align_of::<T>() for f32/f64)
        // and disjoint. Any bit pattern in the `u64` storage is a valid f32/f64.
        unsafe {
            let a = base.add(offset);
            (a.cast::<T>(), a.add(a_bytes).cast::<T>())
        }
    }
}

impl Drop for Packing {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        // If the slot is gone (thread teardown) the buffer is simply freed.
        let _ = PACK.try_with(move |slot| slot.set(buf));
    }
}
