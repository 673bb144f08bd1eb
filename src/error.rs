//! Library errors. Bad *lines* are not errors: they are counted and reported.
//! These are the failures that stop one input or the whole run. Paths are held
//! already escaped for display, since a file name can carry control bytes.

/// A format string that cannot be compiled.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FormatError {
    #[error("unknown directive `{directive}` at column {column}")]
    UnknownDirective { directive: String, column: usize },
    #[error("format syntax error at column {column}: {message}")]
    Syntax { column: usize, message: String },
    #[error("unknown format `{0}` (see `alf formats`)")]
    UnknownPreset(String),
    #[error("{0}")]
    BadOption(String),
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
