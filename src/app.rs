//! The story of a command: settings → read every input → findings → report.
//! No parsing, deciding or formatting here.

use std::io::{self, Write};

use anyhow::Result;

use crate::cli::{Cli, Command, ExportFormat};
use crate::config;
use crate::error::{Exit, OutputError};
use crate::escape::escape;
use crate::escape::shell_word;
use crate::export::ndjson::Ndjson;
use crate::findings::top::Top;
use crate::findings::{self, Findings, Warning};
use crate::input::{Compression, InputSpec};
use crate::read::{read_all, read_all_to, ReadOpts, Run};
use crate::report::{self, reference, Style, Suggestions};
use crate::rules::{self, plan::Budget, Header, Rendering, Target};

/// Runs the command; returns how it ended.
pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Explain { id } => explain(id.as_deref()),
        Command::Formats => {
            reference::formats(&mut io::stdout().lock()).map_err(OutputError::from)?;
            Ok(Exit::Ok)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "alf", &mut io::stdout().lock());
            Ok(Exit::Ok)
        }
        Command::Man { dir } => {
            let pages = reference::man_pages(<Cli as clap::CommandFactory>::command());
            match dir {
                None => io::stdout()
                    .lock()
                    .write_all(&pages[0].1)
                    .map_err(OutputError::from)?,
                Some(dir) => {
                    std::fs::create_dir_all(&dir)?;
                    for (name, text) in pages {
                        std::fs::write(dir.join(name), text)?;
                    }
                }
            }
            Ok(Exit::Ok)
        }
        Command::Triage(a) => triage(&config::Triage::new(&a)?),
        Command::Top(a) => top(&config::Top::new(&a)?),
        Command::Rules(a) => rules(&config::Rules::new(&a)?),
        Command::Export(a) => export(&config::Export::new(&a)?),
    }
}

fn triage(cfg: &config::Triage) -> Result<Exit> {
    hint_stdin(&cfg.read);
    catch_stop();
    let pool = thread_pool(cfg.read.threads)?;
    let run = read_all(&cfg.read, &pool);
    // The verdicts after the scan use the same threads (`-j`).
    let f = pool.install(|| Findings::build(&run, &cfg.findings));
    let b = &cfg.blocks;
    let plan = cfg.findings.classify.then(|| {
        rules::plan::plan(
            &f.offenders,
            &run.total,
            &b.guard,
            &b.selection,
            Budget::default(),
        )
    });
    let command = rules_command(&b.command, "nftables", &cfg.read);
    let origin: Vec<String> = [
        "origin-nftables",
        "origin-iptables",
        "origin-aws-sg --lb-sg SG",
    ]
    .iter()
    .map(|t| rules_command(&b.command, t, &cfg.read))
    .collect();
    let suggestions = plan.as_ref().map(|plan| Suggestions {
        plan,
        selection: &b.selection,
        command: &command,
        origin: &origin,
    });
    // Nothing was read: the errors say why; an empty table would not.
    if !run.inputs.is_empty() || cfg.style == Style::Json {
        let mut out = io::stdout().lock();
        let geo = match &cfg.geo {
            config::GeoSetting::Dbs(d) => report::Geo::Dbs(d),
            config::GeoSetting::Missing => report::Geo::Missing,
            config::GeoSetting::Off => report::Geo::Off,
        };
        report::render_triage(
            &mut out,
            &f,
            suggestions.as_ref(),
            cfg.rows,
            &geo,
            cfg.style,
            cfg.term,
        )
        .map_err(OutputError::from)?;
        out.flush().map_err(OutputError::from)?;
    }
    if let Some(w) = cfg.geo_warning.as_ref().filter(|_| !cfg.quiet) {
        eprintln!("alf: warning: {w}");
    }
    let exit = finish(&run, &f.errors, &f.warnings, cfg.quiet, &cfg.read);
    // Cron: findings that cross the line the user drew.
    let crossed = f.offenders.iter().chain(&f.internal).any(|o| {
        o.class_counts().any(|(c, _)| cfg.fail_on.contains(c))
            || cfg.fail_on_score.is_some_and(|s| o.score >= s)
    });
    Ok(if crossed && matches!(exit, Exit::Ok | Exit::Partial) {
        Exit::Findings
    } else {
        exit
    })
}

fn rules(cfg: &config::Rules) -> Result<Exit> {
    hint_stdin(&cfg.read);
    catch_stop();
    let pool = thread_pool(cfg.read.threads)?;
    let run = read_all(&cfg.read, &pool);
    let f = pool.install(|| Findings::build(&run, &cfg.findings));
    let exit = run.exit();
    // Rules only from logs that were read: an empty file is a no-op for
    // every tool a pipe could end in. Nor from a read that was stopped, or
    // that mixed a file's old and new lines.
    match exit {
        Exit::Interrupted => eprintln!("alf: interrupted: no rules written"),
        Exit::Changed => eprintln!("alf: an input changed during read: no rules written"),
        _ => {}
    }
    if matches!(exit, Exit::Ok | Exit::Partial) {
        let b = &cfg.blocks;
        let plan = rules::plan::plan(
            &f.offenders,
            &run.total,
            &b.guard,
            &b.selection,
            cfg.target.budget(&cfg.opts),
        );
        let header = header(cfg.target, &run, &f, cfg);
        let r = Rendering {
            plan: &plan,
            header: &header,
            opts: &cfg.opts,
        };
        match &cfg.write {
            Some(path) => write_atomically(path, |w| rules::render(cfg.target, &r, w))
                .map_err(OutputError::from)?,
            None => {
                let mut out = io::stdout().lock();
                rules::render(cfg.target, &r, &mut out).map_err(OutputError::from)?;
                out.flush().map_err(OutputError::from)?;
            }
        }
    }
    Ok(finish(&run, &f.errors, &f.warnings, cfg.quiet, &cfg.read))
}

fn export(cfg: &config::Export) -> Result<Exit> {
    hint_stdin(&cfg.read);
    let pool = thread_pool(cfg.read.threads)?;
    let fill = |w: &mut (dyn Write + Send)| -> io::Result<Run> {
        match cfg.format {
            ExportFormat::Ndjson => {
                let ex = Ndjson::new(cfg.settings.clone(), w);
                let run = read_all_to(&cfg.read, &pool, Some(&ex));
                ex.finish().map(|()| run)
            }
            #[cfg(feature = "parquet")]
            ExportFormat::Parquet => {
                let ex = crate::export::parquet::Parquet::new(cfg.settings.clone(), w)?;
                let run = read_all_to(&cfg.read, &pool, Some(&ex));
                ex.finish().map(|()| run)
            }
            #[cfg(not(feature = "parquet"))]
            ExportFormat::Parquet => unreachable!("refused by config::Export"),
        }
    };
    let run = match &cfg.write {
        Some(path) => write_atomically(path, |w| fill(w)),
        None => {
            let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout());
            fill(&mut out).and_then(|run| out.flush().map(|()| run))
        }
    }
    .map_err(OutputError::from)?;
    let a = &run.total;
    let skipped = a.lines - a.parsed - a.empty - a.filtered;
    if skipped > 0 {
        eprintln!(
            "alf: {skipped} of {} lines not exported (malformed, overlong or ambiguous); `alf triage` shows them",
            a.lines
        );
    }
    let warnings = findings::warnings::warnings(&run, None);
    Ok(finish(
        &run,
        &findings::errors(&run),
        &warnings,
        cfg.quiet,
        &cfg.read,
    ))
}

/// Writes a file whole or not at all: into a temporary file beside it, then
/// renamed over it, so a reader (nginx, a cron job) never sees half of it.
fn write_atomically<T>(
    path: &std::path::Path,
    fill: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<T>,
) -> io::Result<T> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.alf-{}", std::process::id()));
    let result = (|| {
        let mut f = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        let t = fill(&mut f)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(t)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The header of a rule file.
fn header(target: &dyn Target, run: &Run, f: &Findings, cfg: &config::Rules) -> Header {
    let b = &cfg.blocks;
    let filter = &cfg.read.scan.filter;
    Header {
        version: env!("CARGO_PKG_VERSION"),
        target: target.id(),
        inputs: run
            .inputs
            .iter()
            .map(|i| rules::Input {
                name: i.path.clone(),
                bytes: i.bytes_read,
                compression: (i.compression != Compression::None).then(|| i.compression.label()),
                digest: i.digest,
            })
            .collect(),
        first_seen: f.summary.first_seen,
        last_seen: f.summary.last_seen,
        since: filter.since,
        until: filter.until,
        selection: b.selection.clone(),
        floor_v4: b.guard.floor_v4,
        floor_v6: b.guard.floor_v6,
        budget: target.budget(&cfg.opts),
        local: b.protect.local.len(),
        trusted: b.protect.trusted.len(),
        allow: b.protect.allow.len(),
        ssh: b.protect.ssh,
        internal: f.internal.len(),
    }
}

/// `alf rules --target TARGET` with the options and inputs that give the
/// same blocks, as one shell line.
fn rules_command(options: &[String], target: &str, read: &ReadOpts) -> String {
    let mut words: Vec<String> = options.iter().map(|w| shell_word(w)).collect();
    words.insert(2, format!("--target {target}"));
    for i in &read.inputs {
        words.push(match i {
            InputSpec::Stdin => "-".into(),
            InputSpec::Path(p) => shell_word(&p.to_string_lossy()),
        });
    }
    words.join(" ")
}

fn top(cfg: &config::Top) -> Result<Exit> {
    hint_stdin(&cfg.read);
    catch_stop();
    let run = read_all(&cfg.read, &thread_pool(cfg.read.threads)?);
    let t = Top::build(&run, cfg.by, cfg.top);
    if !run.inputs.is_empty() || cfg.style == Style::Json {
        let mut out = io::stdout().lock();
        report::render_top(&mut out, &t, cfg.style, cfg.term).map_err(OutputError::from)?;
        out.flush().map_err(OutputError::from)?;
        if t.filtered > 0 {
            eprintln!("alf: {} of {} lines filtered out", t.filtered, t.lines);
        }
        if t.skipped > 0 {
            eprintln!(
                "alf: {} of {} lines not counted (malformed, overlong, ambiguous or incomplete); `alf triage` shows them",
                t.skipped, t.lines
            );
        }
    }
    Ok(finish(&run, &t.errors, &t.warnings, cfg.quiet, &cfg.read))
}

/// `alf explain [ID]`.
fn explain(id: Option<&str>) -> Result<Exit> {
    let mut out = io::stdout().lock();
    let near = match id {
        None => {
            reference::classes(&mut out).map_err(OutputError::from)?;
            return Ok(Exit::Ok);
        }
        Some(id) => match reference::explain(&mut out, id).map_err(OutputError::from)? {
            reference::Explained::Found => return Ok(Exit::Ok),
            reference::Explained::Nothing(near) => near,
        },
    };
    eprintln!(
        "alf: no class or signature `{}`; closest: {} (see `alf explain`)",
        escape(id.unwrap_or_default().as_bytes()),
        near.join(", ")
    );
    Ok(Exit::Usage)
}

/// Says what went wrong and (unless `quiet`) what to be wary of, on stderr.
fn finish(
    run: &Run,
    errors: &[String],
    warnings: &[Warning],
    quiet: bool,
    read: &ReadOpts,
) -> Exit {
    for e in errors {
        eprintln!("alf: {e}");
    }
    for w in warnings.iter().filter(|_| !quiet) {
        eprintln!("alf: warning: {}", report::warning_text(w));
    }
    let exit = run.exit();
    if exit == Exit::FilteredOut {
        eprintln!("alf: {}", report::no_record_text(run, &read.scan.filter));
    }
    exit
}

/// With no file named and a person at the terminal, says where alf reads
/// from, rather than seeming to hang.
fn hint_stdin(read: &ReadOpts) {
    use std::io::IsTerminal;
    if matches!(read.inputs.as_slice(), [InputSpec::Stdin]) && io::stdin().is_terminal() {
        eprintln!(
            "alf: reading a log from standard input (Ctrl-D ends it); name files to read them: alf access_log"
        );
    }
}

/// Ctrl-C and SIGTERM from here on stop the reading, and the report of what
/// was read is written (a second one ends alf at once).
fn catch_stop() {
    crate::input::interrupt::install();
}

/// The threads every parallel step runs on.
fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?)
}
