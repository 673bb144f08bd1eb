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
    known.extend(["-h", "--help", "-V", "--version"]);
    if a.get(1).is_none_or(|s| !known.iter().any(|k| s == *k)) {
        a.insert(1, "triage".into());
    }
    a
}

/// The option a user most likely meant by one alf does not have, where
/// clap's guess by spelling is wrong.
fn meant(arg: &str) -> Option<&'static str> {
    let name = arg.trim_start_matches('-').split('=').next().unwrap_or("");
    Some(match name {
        "ip" | "addr" | "address" | "src" | "source" | "host" | "remote" => "--client",
        "json" => "--output json",
        "html" => "--output html",
        "from" | "start" | "after" => "--since",
        "to" | "end" | "before" => "--until",
        "domain" | "site" | "server" => "--vhost",
        "log-format-file" | "logformat" => "--log-format",
        "nginx-log-format" | "log_format" => "--nginx-format",
        "whitelist" | "allowlist" | "exclude" => "--allow",
        "proxy" | "lb" | "load-balancer" => "--trusted-proxy",
        _ => return None,
    })
}

fn main() {
    let cli = match Cli::try_parse_from(args()) {
        Ok(cli) => cli,
        Err(mut e) => {
            use clap::error::{ContextKind, ContextValue};
            let wanted = e
                .get(ContextKind::InvalidArg)
                .map(|v| v.to_string())
                .and_then(|a| meant(&a));
            if let Some(w) = wanted {
                e.remove(ContextKind::Suggested);
                e.insert(
                    ContextKind::SuggestedArg,
                    ContextValue::String(w.to_string()),
                );
            }
            if e.use_stderr() {
                // clap echoes what was typed: escaped here, so that an
                // argument with a control byte cannot reach the terminal
                // (plain text, without clap's colours).
                let text = e.render().to_string();
                let lines: Vec<String> = text.lines().map(|l| escape(l.as_bytes())).collect();
                eprintln!("{}", lines.join("\n"));
                std::process::exit(e.exit_code());
            }
            e.exit()
        }
    };
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
