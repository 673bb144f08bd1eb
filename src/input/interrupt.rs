//! Ctrl-C and SIGTERM during a long run. The first asks the reading to stop:
//! the scans look at [`requested`] once a chunk or block (never a line, so
//! the hot loop pays nothing), skip what is left, and alf prints the report
//! of what it read, marked as interrupted. The second ends alf at once, by
//! the signal's default action, as if alf had no handler.
//!
//! Plain `sigaction` through `libc` (already used for the SIGBUS guard, see
//! [`super::mapped`]) rather than a crate: the handler is one atomic swap.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

extern "C" fn on_signal(sig: libc::c_int) {
    if REQUESTED.swap(true, Ordering::SeqCst) {
        // SAFETY: `signal` and `raise` are async-signal-safe. The default
        // action for SIGINT and SIGTERM ends the process.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Catches SIGINT and SIGTERM from now on (once per process).
pub fn install() {
    INSTALL.call_once(|| {
        // SAFETY: installs a process-wide handler that only swaps an atomic
        // (or restores the default action and raises the signal again).
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            // Reads and writes elsewhere go on as if no signal came.
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            for sig in [libc::SIGINT, libc::SIGTERM] {
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
}

/// A stop was asked for: stop reading.
#[inline]
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
