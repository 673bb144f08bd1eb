//! A progress line on stderr while the inputs are read: bytes, rate and,
//! when the total is known (uncompressed regular files), the ETA.
//!
//! It appears only when asked (stderr is a terminal and not `--quiet`, see
//! the config) and only once the run has passed a second, so a quick run
//! prints nothing. The scanners add the bytes they consume to one atomic
//! counter, a chunk at a time; a thread of its own draws.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts the bytes read through it.
pub struct Counting<R> {
    pub inner: R,
    pub counter: Counter,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.add(n);
        Ok(n)
    }
}

/// Bytes consumed so far; shared with the scanners.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    #[inline]
    pub fn add(&self, n: usize) {
        self.0.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The drawing thread; stops (and clears its line) when dropped.
pub struct Progress {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How long a run goes unannounced (`ALF_PROGRESS_DELAY_MS` shortens it,
/// for the tests).
fn delay() -> Duration {
    let ms = std::env::var("ALF_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    Duration::from_millis(ms)
}

impl Progress {
    /// Starts drawing `counter` against `total` bytes (`None`: unknown).
    pub fn start(counter: Counter, total: Option<u64>) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let halt = stop.clone();
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let wait = delay();
            let bar = match total {
                Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::hidden())
                    .with_style(
                        ProgressStyle::with_template(
                            "alf: {bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
                        )
                        .expect("the template parses"),
                    ),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
                    .with_style(
                        ProgressStyle::with_template(
                            "alf: {spinner} {binary_bytes} read, {binary_bytes_per_sec}",
                        )
                        .expect("the template parses"),
                    ),
            };
            let mut shown = false;
            while !halt.load(Ordering::Relaxed) {
                if !shown && start.elapsed() >= wait {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    shown = true;
                }
                bar.set_position(counter.get());
                // Woken early when the run ends.
                std::thread::park_timeout(Duration::from_millis(50));
            }
            bar.finish_and_clear();
        });
        Progress {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
