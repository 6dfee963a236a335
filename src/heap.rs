//! The allocator's side of a large fleet's run. glibc gives each thread that allocates a heap
//! arena of its own (up to eight per core), each with its own lock, and keeps what is freed in
//! it for that arena's next allocation: a phase that allocates on other threads than the last
//! one did adds its own peak to the last one's leftovers.

/// Caps the arenas at one per thread that runs at once: the main thread (or the signer beside
/// it), a worker per core, and the thread that waits for signals (its start allocates, which
/// gives it an arena: without its own, the workers shared theirs again, and a 1,000-workload
/// run on tmpfs took 0.78 s instead of 0.67 s, median of 12, and peaked at 63.7 MiB instead of
/// 59.7). With two, the three threads of a fleet's proof waited on each
/// other's lock (`__lll_lock_wait_private` under malloc and free, a fifth slower); with
/// glibc's default, each short-lived worker's arena kept its leftovers (5–10 MiB more at the
/// peak of a 1,000-workload run). Measured in BENCHMARKS.md (4d).
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas = i32::try_from(cores + 2).unwrap_or(i32::MAX);
        // SAFETY: mallopt only sets an allocator parameter; it runs before any worker thread.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Gives the pages of every arena's freed memory back to the system: between the phases of a
/// run (render and write; verify's reading of the shared files; the proof on every core),
/// each of which drops most of what it made.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only hands free pages back; no allocation is moved or touched.
    unsafe {
        libc::malloc_trim(0);
    }
}
