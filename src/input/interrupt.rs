//! Ctrl-C and SIGTERM during a long run. The first asks the reading to stop:
//! the scans look at [`requested`] once a chunk or block (never a line, so
//! the hot loop pays nothing), skip what is left, and alf prints the report
//! of what it read, marked as interrupted. The second ends alf at once, by
//! the signal's default action, as if alf had no handler.
//!
//! Plain `sigaction` through `libc` (already used for the SIGBUS guard, see
//! [`super::mapped`]) rather than a crate: the handler is one atomic swap.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();
/// Readers waiting for a stream's first bytes (see [`AtOnce`]).
static AT_ONCE: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    if REQUESTED.swap(true, Ordering::SeqCst) || AT_ONCE.load(Ordering::SeqCst) > 0 {
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

/// While one lives, a signal ends alf at once, as if it had no handler: a
/// reader blocked on a stream that has sent nothing yet (a terminal, an idle
/// pipe, `timeout 2 alf`) would otherwise never see the stop, and there is
/// no line of that stream to report.
pub struct AtOnce(());

impl AtOnce {
    pub fn new() -> AtOnce {
        AT_ONCE.fetch_add(1, Ordering::SeqCst);
        AtOnce(())
    }
}

impl Default for AtOnce {
    fn default() -> Self {
        AtOnce::new()
    }
}

impl Drop for AtOnce {
    fn drop(&mut self) {
        AT_ONCE.fetch_sub(1, Ordering::SeqCst);
    }
}
