//! Failures, one enum per area, and the exit code of each kind: [`exit_code`]
//! is the one place where a failure becomes a number.
//!
//! Bad *lines* are not errors: they are counted and reported. These are the
//! failures that stop one input or the whole run. Paths are held already
//! escaped for display, since a file name can carry control bytes.

/// How a run ends (documented in `alf --help` and the README).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok,
    /// An input could not be read fully; the report covers the rest.
    Partial,
    /// A bad option, format name or format string: nothing was read.
    Usage,
    /// No input could be read.
    NoInput,
    /// No line of any input parsed.
    Unrecognised,
    /// Lines parsed, but `--since`/`--until`/`--client`/`--vhost`/`--class`
    /// left none.
    FilteredOut,
    /// An offender matched `--fail-on` or `--fail-on-score`.
    Findings,
    /// An input changed while it was read (rewritten in place, and again
    /// when read a second time): its counts may mix old and new lines.
    Changed,
    /// Ctrl-C or SIGTERM: the report covers what was read before it.
    Interrupted,
}

impl Exit {
    pub const fn code(self) -> i32 {
        match self {
            Exit::Ok => 0,
            Exit::Partial => 1,
            Exit::Usage => 2,
            Exit::NoInput => 3,
            Exit::Unrecognised => 4,
            Exit::FilteredOut => 5,
            Exit::Findings => 6,
            Exit::Changed => 7,
            // 128 + SIGINT, as a shell reports a command Ctrl-C ended.
            Exit::Interrupted => 130,
        }
    }
}

/// An option value that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OptionError {
    /// `--client`, `--self`, `--since`...: the option and why.
    #[error("{option}: {message}")]
    Value {
        option: &'static str,
        message: String,
    },
    /// A word that is close to what the user likely meant.
    #[error("{0}")]
    Hint(String),
    #[error("--class {id}: no such class (one of: {known})")]
    UnknownClass { id: String, known: String },
    #[error(
        "--class flood: a flood is decided over many lines, not per line; \
         see the floods table of `alf triage`"
    )]
    PerLineFlood,
}

/// A format string that cannot be compiled, or a preset that does not exist.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FormatError {
    #[error("unknown directive `{directive}` at column {column}")]
    UnknownDirective { directive: String, column: usize },
    #[error("format syntax error at column {column}: {message}")]
    Syntax { column: usize, message: String },
    #[error("unknown format `{0}` (see `alf formats`)")]
    UnknownPreset(String),
}

/// An input that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: is a directory")]
    Directory { path: String },
    #[error("{path}: {codec} compression is not supported")]
    Unsupported { path: String, codec: &'static str },
    #[error("{path}: read error: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: no known log format matches its first lines{sample}\nhint: pass --format NAME, --log-format '...' or --nginx-format '...'")]
    Unrecognised { path: String, sample: String },
}

/// Why an input's stream ended before its end: the lines read up to there
/// are counted, and the run is a partial failure.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum CutShort {
    #[error("truncated {codec} data; lines before the cut are counted")]
    Truncated { codec: &'static str },
    #[error("stopped after {bytes} decompressed bytes (--max-decompressed-bytes)")]
    Capped { bytes: u64 },
    /// The default cap: over 1000:1 past the first GiB.
    #[error(
        "stopped after {bytes} decompressed bytes from {compressed} compressed: over \
         1000:1 past the first GiB, a decompression bomb? (--max-decompressed-bytes 0 \
         reads on, or N sets a byte limit)"
    )]
    Bomb { bytes: u64, compressed: u64 },
    /// `message` is escaped.
    #[error("read error after {bytes} bytes: {message}")]
    Read { bytes: u64, message: String },
}

/// Writing the report failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("writing the report: {0}")]
    Write(#[from] std::io::Error),
}

impl OutputError {
    /// `alf top | head` closes the pipe early: that is not a failure.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, OutputError::Write(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The exit code for a failure that stopped the run.
pub fn exit_code(e: &anyhow::Error) -> Exit {
    if e.chain().any(|c| {
        c.downcast_ref::<OutputError>()
            .is_some_and(OutputError::is_closed_pipe)
            || c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        Exit::Ok
    } else if e.downcast_ref::<OptionError>().is_some() || e.downcast_ref::<FormatError>().is_some()
    {
        Exit::Usage
    } else {
        Exit::NoInput
    }
}
