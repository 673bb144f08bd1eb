//! alf, access-log forensics. The pipeline, one module per stage:
//! input → format → record → scan (classify, aggregate) → read → findings →
//! report. `cli` is what the user typed, `config` the settings resolved
//! from it, `app` the story of a command.

pub mod aggregate;
pub mod app;
pub mod attribute;
pub mod classify;
pub mod cli;
pub mod config;
pub mod error;
pub mod escape;
pub mod export;
pub mod filter;
pub mod findings;
pub mod format;
pub mod geo;
pub mod input;
pub mod net;
pub mod progress;
pub mod read;
pub mod record;
pub mod report;
pub mod rules;
pub mod scan;
pub mod zone;
