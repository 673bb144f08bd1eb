//! Anomaly classes: the registry, and the per-line, stateless part of detection.
//!
//! Detection has two stages. This module is the first: it looks at one parsed
//! record at a time ([`Classifier::classify`] for access-log lines,
//! [`error_event`] for error-log lines), keeps no state between lines and
//! allocates nothing per line, so it can run inside the scan core on every
//! line. What only many lines can show (a flood, a burst of 401s, a sweep of
//! 404s, a rise of 502s, traffic that bypassed a trusted proxy) is decided by
//! the aggregation stage from the per-line marks made here; each class's
//! [`ClassInfo::definition`] says which stage decides it and how.
//!
//! Classification never yields a client. It reads the fields an attacker
//! writes (target, User-Agent, Referer) only to name what they contain; the
//! client of a line is the one the format parser took from the client field,
//! and an address found in a CONNECT target or in an injected string stays
//! text.
//!
//! Layout: `registry.rs` is the registry (ids, titles, severities,
//! definitions, score weights); `signatures.rs` the pattern tables, as data;
//! `line.rs` the access-log classifier, which runs one detector per file
//! beside it (`proxy.rs`, `dummy.rs`, `malformed.rs`) and the signature
//! search of `matcher.rs`, which reads Log4Shell lookups with `log4j.rs`;
//! `cache.rs` a worker's memory of field values already searched;
//! `error_events.rs` the error-log gateway failures; `error_requests.rs` the
//! requests error-log lines name (probes, authentication failures, rate
//! limits), whose targets the same matcher searches. This file only declares and
//! re-exports: the files import each other directly, never through it, so
//! that their imports form no circle.

pub mod cache;
mod dummy;
pub mod error_events;
pub mod error_requests;
pub mod line;
mod log4j;
mod malformed;
mod matcher;
pub mod proxy;
pub mod registry;
pub mod signatures;

pub use cache::{FieldCache, Probes};
pub use error_events::{error_event, error_event_line, ErrorEvent, EventKind};
pub use error_requests::{error_request, ErrorRequest, Shape};
pub use line::{Classifier, LineClass};
pub use proxy::ProxyOutcome;
pub use registry::{by_id, info, ClassId, ClassInfo, ClassSet, Severity};
