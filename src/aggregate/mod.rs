//! Accumulators that merge: the counting half of the pipeline.
//!
//! Each worker thread folds the chunks it takes into one [`Agg`]; every count
//! is a sum, a minimum or a maximum, so the order of chunks does not matter.
//! Nothing here decides anything: the verdicts drawn from these tallies
//! (floods, sweeps, password guessing, the onset, the offender ranking) are
//! the findings stage's.
//!
//! Layout: `agg.rs` the accumulator; `clients.rs` the per-client table;
//! `folded.rs` clients past `--max-clients`, counted by network; `classes.rs`
//! the tallies of the anomaly classes; `timeline.rs` per-minute counts;
//! `not_found.rs` the 404 table; `paired.rs` the error log's request lines
//! and the access log's lines they could repeat; `seen.rs` and `merge.rs` small shared parts.

pub mod agg;
pub mod classes;
pub mod clients;
pub mod folded;
pub mod merge;
pub mod not_found;
pub mod paired;
pub mod seen;
pub mod timeline;

pub use agg::{Agg, Example, ExampleKind, KeyField, MAX_CLIENTS, MAX_EXAMPLES, MAX_HOSTS};
pub use classes::ClassAgg;
pub use clients::{ClientStats, ClientTable};
pub use folded::Folded;
pub use seen::Seen;
