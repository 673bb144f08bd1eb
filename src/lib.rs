//! alf, access-log forensics. The pipeline, one module per stage:
//! input → format → record → scan → aggregate → report.

pub mod aggregate;
pub mod app;
pub mod attribute;
pub mod classify;
pub mod cli;
pub mod config;
pub mod error;
pub mod filter;
pub mod format;
pub mod input;
pub mod record;
pub mod report;
pub mod scan;
pub mod zone;
