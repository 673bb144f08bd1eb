//! The `alf` binary: parse arguments, run, map the outcome to an exit code.

use clap::Parser;

use alf::app;
use alf::cli::Cli;
use alf::error::{exit_code, Exit};
use alf::escape::escape;

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
    let exit = match app::run(cli) {
        Ok(exit) => exit,
        Err(e) => {
            let exit = exit_code(&e);
            // A closed pipe (`alf top | head`) ends alf quietly.
            if exit != Exit::Ok {
                let text = format!("{e:#}");
                let lines: Vec<String> = text.lines().map(|l| escape(l.as_bytes())).collect();
                eprintln!("alf: {}", lines.join("\n"));
            }
            exit
        }
    };
    std::process::exit(exit.code());
}
