//! The command line, exactly as the user typed it. No logic here: `config`
//! turns it into settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Access-log forensics: exact, fast triage of Apache and nginx logs.
#[derive(Debug, Parser)]
#[command(name = "alf", version, about, long_about = None, after_help = EXIT_CODES, disable_help_subcommand = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str = "Exit codes:\n  0  success\n  1  partial failure: an input could not be read fully (the report covers the rest)\n  2  usage error: bad option, unknown format, bad format string\n  3  no input could be read\n  4  format not recognised: no line of any input parsed\n  5  the filters left no record: lines parsed, but --since/--until/--client/--vhost/--class left none\n  6  an offender matched --fail-on or --fail-on-score (triage)\n  7  an input changed during read (rewritten in place, twice): its counts may mix old and new lines\n  130  interrupted by Ctrl-C or SIGTERM: the report covers what was read before it (a second Ctrl-C ends alf at once)";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summary, status classes, top clients and bad lines (the default command).
    Triage(TriageArgs),
    /// Count by one field, as `sort | uniq -c | sort -rn` would, but right.
    Top(TopArgs),
    /// List the format presets and the format string each stands for.
    Formats,
    /// Firewall and ACL rules that block the offenders, on standard output
    /// (`alf rules --target nftables access_log | nft -f -`).
    Rules(RulesArgs),
    /// Every request and error-log line as a typed row with its classes and
    /// signatures, for a database that holds many servers' logs
    /// (`alf export --host web1 access_log > web1.ndjson`; see clickhouse/).
    Export(ExportArgs),
    /// Shell completions on standard output: `alf completions bash >
    /// /etc/bash_completion.d/alf` (also zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual pages: `alf man` prints alf(1); `alf man --dir DIR` writes
    /// alf.1 and one page per command into DIR (for `man alf`:
    /// `alf man --dir /usr/local/share/man/man1`).
    Man {
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Explain an anomaly class (`alf explain proxy`) or signatures by id, CVE or name (`alf explain log4shell`).
    Explain {
        /// A class id, or a signature's id, CVE, title or words of its title; without one, the list of classes.
        id: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct TriageArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output style.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// With `-o csv`: write cells a spreadsheet would run as a formula as
    /// they are, without the leading `'`; a first comment line says so.
    #[arg(long)]
    pub csv_raw: bool,
    /// Only lines of this anomaly class (repeatable; `alf explain` lists them).
    /// A class decided over many lines counts its per-line candidates:
    /// bruteforce its login POSTs and 401s, gateway-errors its 502-504s,
    /// scanner its signature lines; flood has no per-line mark and is refused.
    #[arg(long = "class", value_name = "ID")]
    pub class: Vec<String>,
    #[command(flatten)]
    pub blocks: BlockArgs,
    /// Exit with code 6 when an offender shows this class (repeatable; for
    /// cron: `--fail-on exploit --fail-on proxy`).
    #[arg(long = "fail-on", value_name = "CLASS")]
    pub fail_on: Vec<String>,
    /// Exit with code 6 when an offender scores at least this.
    #[arg(long, value_name = "SCORE")]
    pub fail_on_score: Option<f64>,
    /// A MaxMind-format country or ASN database (`.mmdb`), or a directory of
    /// them (repeatable). Default: `$ALF_GEOIP` (`none` turns geo off), else
    /// /usr/share/GeoIP, /var/lib/GeoIP or /usr/local/share/GeoIP.
    #[arg(long, value_name = "PATH")]
    pub geoip: Vec<PathBuf>,
    /// How many top clients to show (0: all).
    #[arg(short = 'n', long = "top", default_value_t = 10)]
    pub top: usize,
    /// Skip the anomaly classes (offenders, floods, bursts, timeline): counts,
    /// status and top clients only, at the speed of `alf top`.
    #[arg(long)]
    pub no_classify: bool,
    /// The classes are on by default; kept so that older scripts still run.
    #[arg(long, hide = true, conflicts_with = "no_classify")]
    pub classify: bool,
    /// Timeline bucket width: `30s`, `1m`, `5m`, `1h`, `1d`
    /// (default: chosen from the time span, at most 120 buckets).
    #[arg(long, value_name = "DURATION", value_parser = crate::format::time::parse_duration)]
    pub bucket: Option<i64>,
    /// Password-guessing windows, `COUNT/DURATION` separated by commas: a
    /// client is a guesser once it has COUNT login POSTs, 401s or error-log
    /// authentication failures within DURATION (whole minutes: `5m`, `1h`,
    /// `24h`) for any one of them.
    #[arg(long, value_name = "WINDOWS", default_value = crate::findings::behaviour::BRUTE_DEFAULT)]
    pub bruteforce: String,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output style.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// With `-o csv`: write cells a spreadsheet would run as a formula as
    /// they are, without the leading `'`; a first comment line says so.
    #[arg(long)]
    pub csv_raw: bool,
    /// Only lines of this anomaly class (repeatable; `alf explain` lists them).
    /// A class decided over many lines counts its per-line candidates:
    /// bruteforce its login POSTs and 401s, gateway-errors its 502-504s,
    /// scanner its signature lines; flood has no per-line mark and is refused.
    #[arg(long = "class", value_name = "ID")]
    pub class: Vec<String>,
    /// The field to count.
    #[arg(long, value_enum, default_value_t = By::Ip)]
    pub by: By,
    /// How many rows to show (0: all).
    #[arg(short = 'n', long = "top", default_value_t = 20)]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Row format: NDJSON (one JSON object a line) or Parquet (columnar,
    /// compressed; when alf was built with the `parquet` feature).
    #[arg(short = 'o', long, value_enum, default_value_t = ExportFormat::Ndjson)]
    pub output: ExportFormat,
    /// The server the logs come from, written in every row (default: this
    /// machine's hostname).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Only rows with at least one per-line class.
    #[arg(long)]
    pub only_classified: bool,
    /// Only lines of this anomaly class (repeatable), as for triage.
    #[arg(long = "class", value_name = "ID")]
    pub class: Vec<String>,
    /// Write to FILE instead of standard output: to a temporary file beside
    /// it, renamed over it once complete.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON object a line (ClickHouse: `FORMAT JSONEachRow`).
    Ndjson,
    /// Apache Parquet, zstd-compressed columns (ClickHouse: `FORMAT Parquet`).
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    Ip,
    Path,
    Ua,
    Status,
    Method,
    Vhost,
    Referer,
    /// Error logs: the severity (`error`, `warn`...).
    Level,
    /// Error logs: Apache's module (`proxy_fcgi`, `core`).
    Module,
    /// Error logs: Apache's `AHnnnnn` message code.
    Code,
    /// The host of a syslog prefix (`-` for lines without one).
    Host,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Tables for people.
    Table,
    /// Stable JSON (see the README).
    Json,
    /// `count key` lines, like `uniq -c` (top only; triage prints its table).
    Plain,
    /// One self-contained HTML incident report (triage).
    Html,
    /// One JSON object a line, each with its `type` (for a database).
    Ndjson,
    /// RFC 4180 CSV: the offenders (triage) or the keys and counts (top).
    Csv,
    /// The tables as Markdown, for mail and tickets.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorMode {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MmapMode {
    /// Map regular uncompressed files, read everything else.
    Auto,
    /// Never map; always read.
    Never,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Log files (plain, gzip or zstd); `-` or nothing for standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Format preset name (see `alf formats`), or `auto` to detect per file.
    #[arg(short = 'f', long, default_value = "auto", conflicts_with_all = ["log_format", "nginx_format"])]
    pub format: String,
    /// An Apache LogFormat string, or a whole pasted `LogFormat "..." name` line.
    #[arg(long, value_name = "FORMAT", conflicts_with = "nginx_format")]
    pub log_format: Option<String>,
    /// An nginx log_format string, or a whole pasted `log_format name '...';` directive.
    #[arg(long, value_name = "FORMAT")]
    pub nginx_format: Option<String>,
    /// One input's format, taken as named: `FILE=NAME` with NAME a preset or
    /// `auto` (repeatable; split at the last `=`; `-=NAME` for standard
    /// input). --format, --log-format and --nginx-format name the access
    /// logs' format, and an error log beside them is still recognised; this
    /// is for the rare input that must be read otherwise.
    #[arg(long = "format-for", value_name = "FILE=NAME")]
    pub format_for: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Whether to memory-map regular files.
    #[arg(long, value_enum, default_value_t = MmapMode::Auto)]
    pub mmap: MmapMode,
    /// Lines longer than this many bytes are counted as overlong, not parsed.
    #[arg(long, default_value_t = 4 << 20, value_name = "BYTES")]
    pub max_line: usize,
    /// Distinct clients each thread counts one by one; later ones are
    /// counted by network (/24, /64 or wider) and per-client counts become
    /// approximate; offending clients are capped alike. Bounds the memory
    /// clients take: about 200 bytes a client a thread with `--no-classify`
    /// (0.9 GB for the default on two threads), about 1 KB with the classes
    /// on, which keep offender, 404 and per-minute tables too (3.4 GB for
    /// the default on two threads, with millions of offending clients).
    #[arg(long, default_value_t = crate::aggregate::MAX_CLIENTS, value_name = "N")]
    pub max_clients: usize,
    /// Stop reading a compressed input after this many decompressed bytes
    /// (a decompression-bomb guard; 0: no limit). `auto`, the default, stops
    /// one that passes 1000 times its compressed size after its first GiB,
    /// which no real log does (they compress 10 to 50 times).
    #[arg(long, default_value = "auto", value_name = "BYTES|auto")]
    pub max_decompressed_bytes: crate::input::InflateCap,
    /// The UTC offset of error-log times, which carry no zone: `+0900`,
    /// `-07:00`, `UTC`. By default, the zone that the access logs read with
    /// them write: one offset, or two across a change to or from summer
    /// time; else UTC.
    #[arg(long = "error-tz", value_name = "OFFSET", value_parser = crate::format::time::parse_offset, allow_hyphen_values = true)]
    pub error_tz: Option<i64>,
    /// This server's own address or range (repeatable). Its lines, and those of
    /// this machine's interface addresses, are counted as self traffic, never
    /// as an offender's.
    #[arg(long = "self", value_name = "CIDR")]
    pub self_addrs: Vec<String>,
    /// The log comes from another machine: this machine's interface addresses
    /// (loopback aside) are clients like any other, not self traffic.
    #[arg(long)]
    pub no_local_self: bool,
    /// Colour in tables: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorMode::Auto, value_name = "WHEN")]
    pub color: ColorMode,
    /// Print no warnings and no progress on standard error (errors still).
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// A load balancer or CDN range (repeatable). Requests it forwarded are
    /// attributed to the rightmost untrusted address in X-Forwarded-For; without
    /// it, X-Forwarded-For is never used to attribute.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxy: Vec<String>,
    /// Only records at or after this time: 2020-12-24T16:09:00Z, 2020-12-24 16:09:00
    /// (UTC), 2020-12-24, or a duration before now (2h, 30m, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only records before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only records from this address or CIDR (repeatable).
    #[arg(long, value_name = "CIDR")]
    pub client: Vec<String>,
    /// Only records for this virtual host (repeatable; letter case ignored).
    #[arg(long, value_name = "NAME")]
    pub vhost: Vec<String>,
    /// Bytes per parallel chunk (tuning and tests).
    #[arg(long, default_value_t = 8 << 20, value_name = "BYTES", hide = true)]
    pub chunk_size: usize,
}

/// Which offenders to block, and what never to block: shared by `rules` and
/// the suggested blocks of `triage`.
#[derive(Debug, Args)]
pub struct BlockArgs {
    /// Never block this address or range (repeatable); a prefix around it is split.
    #[arg(long = "allow", value_name = "CIDR")]
    pub allow: Vec<String>,
    /// Never block the addresses and ranges in this file: one a line, `#` comments.
    #[arg(long = "allow-file", value_name = "FILE")]
    pub allow_file: Vec<PathBuf>,
    /// The widest IPv4 prefix a rule may have: offenders are grouped within it, never wider.
    #[arg(long, default_value_t = 24, value_name = "LEN", value_parser = clap::value_parser!(u8).range(8..=32))]
    pub max_prefix: u8,
    /// The widest IPv6 prefix a rule may have.
    #[arg(long, default_value_t = 48, value_name = "LEN", value_parser = clap::value_parser!(u8).range(16..=128))]
    pub max_prefix6: u8,
    /// Block offenders that score at least this (`alf explain` gives the weights).
    #[arg(long, default_value_t = 50.0, value_name = "SCORE")]
    pub min_score: f64,
    /// Block offenders with at least this many requests.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub min_requests: u64,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// What to write: nftables, iptables, ip6tables, ipset, firewalld, route,
    /// nginx, apache, aws-nacl, aws-waf, plain or json; or, to accept web
    /// traffic only from the load balancer, origin-nftables, origin-iptables
    /// or origin-aws-sg.
    #[arg(short = 't', long, value_name = "TARGET")]
    pub target: String,
    /// Block offenders that show this class (repeatable; default: proxy,
    /// exploit, scanner, bruteforce, flood).
    #[arg(long = "class", value_name = "ID")]
    pub class: Vec<String>,
    /// Block at most this many offenders, best first (0: all).
    #[arg(short = 'n', long = "top", default_value_t = 0, value_name = "N")]
    pub top: usize,
    /// Password-guessing windows, `COUNT/DURATION` separated by commas: a
    /// client is a guesser once it has COUNT login POSTs, 401s or error-log
    /// authentication failures within DURATION (whole minutes: `5m`, `1h`,
    /// `24h`) for any one of them.
    #[arg(long, value_name = "WINDOWS", default_value = crate::findings::behaviour::BRUTE_DEFAULT)]
    pub bruteforce: String,
    #[command(flatten)]
    pub blocks: BlockArgs,
    /// iptables/ip6tables chain.
    #[arg(long, default_value = "ALF-BLOCK", value_name = "NAME")]
    pub chain: String,
    /// nftables table (family inet).
    #[arg(long, default_value = "alf", value_name = "NAME")]
    pub table: String,
    /// ipset and firewalld set name (`-v4` and `-v6` are added).
    #[arg(long, default_value = "alf", value_name = "NAME")]
    pub set_name: String,
    /// Entries expire after this long unless a later run renews them
    /// (nftables, ipset): `30m`, `1h`, `1d`.
    #[arg(long, value_name = "DURATION", value_parser = crate::format::time::parse_duration)]
    pub expire: Option<i64>,
    /// AWS network ACL id (aws-nacl; without it, the script reads $NACL_ID).
    #[arg(long, value_name = "ID")]
    pub nacl_id: Option<String>,
    /// The rule number of the ACL's first allow: every deny goes below it.
    #[arg(long, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=32766))]
    pub nacl_first_allow: u32,
    /// Deny entries the ACL has room for (the quota, 20 by default, less its two allows).
    #[arg(long, default_value_t = 18, value_name = "N")]
    pub nacl_max_rules: usize,
    /// The ACL as `aws ec2 describe-network-acls` printed it: its deny
    /// entries below the first allow are replaced, nothing else touched.
    #[arg(long, value_name = "FILE")]
    pub nacl_current: Option<PathBuf>,
    /// An IP set as `aws wafv2 get-ip-set` printed it (one per family,
    /// repeatable): its addresses are kept, and its lock token used.
    #[arg(long, value_name = "FILE")]
    pub waf_current: Vec<PathBuf>,
    /// Write the rules to FILE instead of standard output: to a temporary
    /// file beside it, renamed over it once complete, so a reader never sees
    /// half a file.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// The load balancer's AWS security group, for `--target origin-aws-sg`.
    #[arg(long, value_name = "SG")]
    pub lb_sg: Option<String>,
}
