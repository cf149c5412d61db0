//! Thread CPU time for the measuring examples (`#[path]`-included by each): time the thread
//! spends descheduled on a loaded machine does not count.

/// CPU time this thread has used (`CLOCK_THREAD_CPUTIME_ID`).
pub fn cpu_now() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    #[allow(unsafe_code)]
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
