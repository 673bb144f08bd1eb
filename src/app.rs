//! The story of a command: settings → read every input → findings → report.
//! No parsing, deciding or formatting here.

use std::io::{self, Write};

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::config;
use crate::error::{Exit, OutputError};
use crate::escape::escape;
use crate::findings::top::Top;
use crate::findings::{Findings, Warning};
use crate::read::{read_all, Run};
use crate::report::{self, reference, Style};

/// Runs the command; returns how it ended.
pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Explain { id } => explain(id.as_deref()),
        Command::Formats => {
            reference::formats(&mut io::stdout().lock()).map_err(OutputError::from)?;
            Ok(Exit::Ok)
        }
        Command::Triage(a) => triage(&config::Triage::new(&a)?),
        Command::Top(a) => top(&config::Top::new(&a)?),
    }
}

fn triage(cfg: &config::Triage) -> Result<Exit> {
    let pool = thread_pool(cfg.read.threads)?;
    let run = read_all(&cfg.read, &pool);
    // The verdicts after the scan use the same threads (`-j`).
    let f = pool.install(|| Findings::build(&run, &cfg.findings));
    // Nothing was read: the errors say why; an empty table would not.
    if !run.inputs.is_empty() || cfg.style == Style::Json {
        let mut out = io::stdout().lock();
        report::render_triage(&mut out, &f, cfg.style).map_err(OutputError::from)?;
        out.flush().map_err(OutputError::from)?;
    }
    Ok(finish(&run, &f.errors, &f.warnings))
}

fn top(cfg: &config::Top) -> Result<Exit> {
    let run = read_all(&cfg.read, &thread_pool(cfg.read.threads)?);
    let t = Top::build(&run, cfg.by, cfg.top);
    if !run.inputs.is_empty() || cfg.style == Style::Json {
        let mut out = io::stdout().lock();
        report::render_top(&mut out, &t, cfg.style).map_err(OutputError::from)?;
        out.flush().map_err(OutputError::from)?;
        if t.skipped > 0 {
            eprintln!(
                "alf: {} of {} lines not counted (malformed, overlong or ambiguous); `alf triage` shows them",
                t.skipped, t.lines
            );
        }
    }
    Ok(finish(&run, &t.errors, &t.warnings))
}

/// `alf explain [ID]`.
fn explain(id: Option<&str>) -> Result<Exit> {
    let mut out = io::stdout().lock();
    let found = match id {
        None => {
            reference::classes(&mut out).map_err(OutputError::from)?;
            true
        }
        Some(id) => reference::explain(&mut out, id).map_err(OutputError::from)?,
    };
    if found {
        return Ok(Exit::Ok);
    }
    eprintln!(
        "alf: no class or signature `{}` (see `alf explain`)",
        escape(id.unwrap_or_default().as_bytes())
    );
    Ok(Exit::Usage)
}

/// Says what went wrong and what to be wary of, on stderr.
fn finish(run: &Run, errors: &[String], warnings: &[Warning]) -> Exit {
    for e in errors {
        eprintln!("alf: {e}");
    }
    for w in warnings {
        eprintln!("alf: warning: {}", report::warning_text(w));
    }
    run.exit()
}

/// The threads every parallel step runs on.
fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?)
}
