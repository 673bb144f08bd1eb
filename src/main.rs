//! The `alf` binary: parse arguments, run, map the outcome to an exit code.

use std::io::ErrorKind;

use clap::Parser;

use alf::app::{self, exit};
use alf::cli::Cli;

/// `alf [FILE]...` means `alf triage [FILE]...`.
fn args() -> Vec<std::ffi::OsString> {
    let mut a: Vec<_> = std::env::args_os().collect();
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut known: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
    known.extend(["help", "-h", "--help", "-V", "--version"]);
    if a.get(1).is_none_or(|s| !known.iter().any(|k| s == *k)) {
        a.insert(1, "triage".into());
    }
    a
}

fn main() {
    let cli = Cli::parse_from(args());
    let code = match app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // `alf top | head` closes the pipe early: that is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
            }) {
                exit::OK
            } else {
                eprintln!(
                    "alf: {}",
                    alf::report::escape::escape(format!("{e:#}").as_bytes())
                );
                exit::NO_INPUT
            }
        }
    };
    std::process::exit(code);
}
