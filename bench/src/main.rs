//! `make bench`: runs every benchmark and writes `docs/benchmarks.md` with the
//! machine, the command and the date. A benchmark here reports numbers; it
//! never asserts on them.

mod console;
mod evidence;
mod export;
mod grpc;
mod mail;
mod notices;
mod obligations;
mod raw;
mod reads;
mod split;
mod vault;

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Where to write the report.
    #[arg(long, default_value = "docs/benchmarks.md")]
    out: PathBuf,
    /// Seconds each load phase runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients for the gRPC benchmark.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Candidates in the sweep benchmark's store (half of them due).
    #[arg(long, default_value_t = 2_000_000)]
    sweep_rows: u64,
    /// Candidates ingested at 1 KiB (64 KiB: a tenth of it).
    #[arg(long, default_value_t = 40_000)]
    ingest: usize,
    /// Controllers a change notice reaches in the notices benchmark.
    #[arg(long, default_value_t = 1_000)]
    notice_controllers: usize,
    /// Candidates in the Data Act export benchmark; it also runs at a tenth
    /// and at ten times this.
    #[arg(long, default_value_t = 100_000)]
    export_candidates: usize,
    /// Access requests fulfilled per shape in the split benchmark.
    #[arg(long, default_value_t = 200)]
    split_requests: usize,
    /// Open obligations on the console's benchmark; it also runs at ten times
    /// this (100,000: the aim's size).
    #[arg(long, default_value_t = 10_000)]
    console_obligations: usize,
    /// Of those, open access requests over ten controllers (the rest are
    /// erasures due).
    #[arg(long, default_value_t = 1_000)]
    console_requests: usize,
    /// Candidates in the obligations benchmark (requests: a hundredth of it;
    /// incidents and agreements: a thousandth); it also runs at a tenth.
    #[arg(long, default_value_t = 1_000_000)]
    obligation_candidates: u64,
    /// Ledger entries in the evidence benchmark; it also runs at ten times this.
    #[arg(long, default_value_t = 1_000_000)]
    evidence_entries: u64,
    /// Candidates (half due) in the sweep-with-and-without-the-trees case.
    #[arg(long, default_value_t = 200_000)]
    evidence_sweep_rows: u64,
    /// Alerts sent through the mail outbox in the mail benchmark.
    #[arg(long, default_value_t = 2_000)]
    mail_alerts: usize,
    /// People whose daily digest the mail benchmark plans and sends.
    #[arg(long, default_value_t = 1_000)]
    mail_people: usize,
    /// Run only these sections (grpc, reads, crypto, ingest, sweep, notices, export, obligations, split, console, mail, evidence, evidence-sweep: the sweep with and without the trees alone, evidence-audit: the audit trees alone); default all.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// A server's configuration in `dir`: the embedded SQLite default, or the
/// PostgreSQL databases of `postgres`; warnings only.
pub fn config(dir: &std::path::Path, postgres: Option<&testkit::TestDb>) -> custodian::Config {
    custodian::Config {
        data_dir: dir.to_path_buf(),
        database_url: postgres.map(|d| d.url.clone()),
        keystore_url: postgres.map(|d| d.keystore_url.clone()),
        log_level: "warn".into(),
        // The notices bench's receiver listens on loopback.
        webhook_allow: vec!["127.0.0.1/32".into()],
        ..Default::default()
    }
}

/// PostgreSQL runs too when TEST_DATABASE_URL names a server (as in CI).
async fn postgres_db() -> Option<testkit::TestDb> {
    if testkit::backends().contains(&testkit::Backend::Postgres) {
        Some(testkit::TestDb::new(testkit::Backend::Postgres).await)
    } else {
        None
    }
}

/// The `p` quantile (0..=1) of latencies in µs, sorted ascending, in ms.
pub fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

/// One row of a result table.
pub struct Row {
    pub name: String,
    pub cells: Vec<(String, String)>,
}

pub struct Section {
    pub title: String,
    pub about: String,
    pub aim: String,
    pub rows: Vec<Row>,
}

/// One section from runs of the same case at several sizes (issue: a tenth,
/// the size, ten times it): the size's own rows as they are, the others'
/// rows named with their size, so the table shows how the cost grows. The
/// title and text are the size's own; `note` says what grew and what was not
/// run (and why).
pub fn grown(main: Section, others: Vec<(String, Section)>, note: &str) -> Section {
    let mut rows = main.rows;
    for (label, sec) in others {
        rows.extend(sec.rows.into_iter().map(|r| Row {
            name: format!("{label}: {}", r.name),
            cells: r.cells,
        }));
    }
    Section {
        title: main.title,
        about: format!("{} Growth: {note}", main.about),
        aim: main.aim,
        rows,
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!(
        "{cores} cores ({cpu}), {mem} memory, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Which PostgreSQL the run used; over TCP, sqlx 0.9.0 stalls (no TCP_NODELAY).
fn postgres_line() -> String {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(u) if u.contains("host=/") => format!(
            "`{}` (Unix socket: sqlx 0.9.0 does not set TCP_NODELAY, see docs/operations.md)",
            store::redact_url(&u)
        ),
        Some(u) => format!("`{}` (TCP)", store::redact_url(&u)),
        None => "not run (set TEST_DATABASE_URL)".to_owned(),
    }
}

fn render(sections: &[Section], args: &Args) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by `make bench` (`cargo run --release -p custodian-bench -- --out docs/benchmarks.md`); do not edit by hand.\n"
    );
    let _ = writeln!(
        s,
        "- date: {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(
        s,
        "- machine: {} (the latest run's; each section names the machine it ran on)",
        machine()
    );
    let _ = writeln!(
        s,
        "- command: `make bench` (load phases of {} s, {} concurrent clients)",
        args.seconds, args.clients
    );
    let _ = writeln!(
        s,
        "- build: release profile; client and server in one process on loopback"
    );
    let _ = writeln!(s, "- PostgreSQL: {}\n", postgres_line());
    let run = format!(
        "{} on {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine()
    );
    for sec in sections {
        let _ = writeln!(s, "## {}\n", sec.title);
        let _ = writeln!(s, "Run: {run}.\n");
        let _ = writeln!(s, "{}\n", sec.about);
        let _ = writeln!(s, "Aim: {}\n", sec.aim);
        if let Some(first) = sec.rows.first() {
            let _ = write!(s, "| case |");
            for (h, _) in &first.cells {
                let _ = write!(s, " {h} |");
            }
            let _ = writeln!(s);
            let _ = write!(s, "|---|");
            for _ in &first.cells {
                let _ = write!(s, "---:|");
            }
            let _ = writeln!(s);
            for r in &sec.rows {
                let _ = write!(s, "| {} |", r.name);
                for (_, v) in &r.cells {
                    let _ = write!(s, " {v} |");
                }
                let _ = writeln!(s);
            }
            let _ = writeln!(s);
        }
    }
    s
}

/// The sections of a report by title, in order, each with its text.
fn sections_of(report: &str) -> (String, Vec<(String, String)>) {
    let mut parts = report.split("\n## ");
    let head = parts.next().unwrap_or_default().to_owned();
    let secs = parts
        .map(|p| {
            let title = p.lines().next().unwrap_or_default().to_owned();
            (title, format!("## {p}"))
        })
        .collect();
    (head, secs)
}

/// `new`'s header and sections, with every section of `old` it did not
/// re-run kept in its place (dated from `old`'s header when it had no date).
fn merge(old: &str, new: &str) -> String {
    let (old_head, old_secs) = sections_of(old);
    let (new_head, new_secs) = sections_of(new);
    let old_date = old_head
        .lines()
        .find_map(|l| l.strip_prefix("- date: "))
        .unwrap_or("unknown")
        .to_owned();
    let old_pg = old_head
        .lines()
        .find_map(|l| l.strip_prefix("- PostgreSQL: "))
        .map(|p| format!(", PostgreSQL {p}"))
        .unwrap_or_default();
    let old_machine = old_head
        .lines()
        .find_map(|l| l.strip_prefix("- machine: "))
        .map(|m| m.split(" (the latest run's").next().unwrap_or(m).to_owned())
        .unwrap_or_else(|| "unknown".into());
    let mut out = new_head.trim_end().to_owned();
    out.push('\n');
    let mut used = vec![false; new_secs.len()];
    for (title, text) in &old_secs {
        match new_secs.iter().position(|(t, _)| t == title) {
            Some(i) => {
                used[i] = true;
                out.push('\n');
                out.push_str(new_secs[i].1.trim_end());
            }
            None => {
                out.push('\n');
                if let Some(at) = text.find("\nRun: ") {
                    // A section run before the machine was named: the
                    // machine of the report it was kept from.
                    let line_end = text[at + 1..].find('\n').map_or(text.len(), |e| at + 1 + e);
                    let line = &text[at + 1..line_end];
                    if line.contains(" on ") {
                        out.push_str(text.trim_end());
                    } else {
                        let dated = format!(
                            "{} on {old_machine}.",
                            line.trim_end().trim_end_matches('.')
                        );
                        out.push_str(&format!(
                            "{}{dated}{}",
                            &text[..at + 1],
                            text[line_end..].trim_end()
                        ));
                    }
                } else {
                    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
                    out.push_str(&format!(
                        "{first}\n\nRun: {old_date} on {old_machine}{old_pg}.\n{}",
                        rest.trim_end()
                    ));
                }
            }
        }
        out.push('\n');
    }
    for (i, (_, text)) in new_secs.iter().enumerate() {
        if !used[i] {
            out.push('\n');
            out.push_str(text.trim_end());
            out.push('\n');
        }
    }
    out
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let want = |s: &str| args.only.is_empty() || args.only.iter().any(|o| o == s);
    let sections = rt.block_on(async {
        let mut v = Vec::new();
        if want("grpc") {
            v.push(grpc::get_controller(args.seconds, args.clients, None).await?);
            if let Some(pg) = postgres_db().await {
                v.push(grpc::get_controller(args.seconds, args.clients, Some(&pg)).await?);
            }
        }
        if want("reads") {
            v.push(reads::run(args.seconds, args.clients, None).await?);
            if let Some(pg) = postgres_db().await {
                v.push(reads::run(args.seconds, args.clients, Some(&pg)).await?);
            }
        }
        if want("crypto") {
            v.push(vault::crypto());
        }
        if want("ingest") {
            // 1 KiB at a tenth, the size and ten times it; 64 KiB at a tenth
            // of each (at most 4,000: ten times would write 26 GB).
            let n = args.ingest;
            for pg in [false, true] {
                let db = if pg {
                    match postgres_db().await {
                        Some(d) => Some(d),
                        None => continue,
                    }
                } else {
                    None
                };
                let main = vault::ingest(n, n / 10, db.as_ref()).await?;
                let mut others = Vec::new();
                for (label, m) in [("×0.1", n / 10), ("×10", n * 10)] {
                    let db = if pg { postgres_db().await } else { None };
                    others.push((
                        format!("{label} ({m} at 1 KiB)"),
                        vault::ingest(m, (m / 10).min(4_000), db.as_ref()).await?,
                    ));
                }
                v.push(grown(
                    main,
                    others,
                    &format!(
                        "the same at a tenth ({}) and ten times ({}) the 1 KiB count, each on fresh databases with its own raw limit: bulk work should grow linearly, so the rate should stay flat.",
                        n / 10,
                        n * 10
                    ),
                ));
            }
        }
        if want("sweep") {
            let n = args.sweep_rows;
            let note = format!(
                "the same on a store of a tenth ({}); ten times ({}) is not run: its fill alone takes about 15 minutes per database here and the sweep of half of it about half an hour (SQLite) to 40 minutes (PostgreSQL) at the rates above. An idle sweep and one erasure should stay flat; the sweep's rate should too.",
                n / 10,
                n * 10
            );
            let main = vault::sweep(n, None).await?;
            let tenth = vault::sweep(n / 10, None).await?;
            v.push(grown(main, vec![(format!("×0.1 ({})", n / 10), tenth)], &note));
            if let Some(pg) = postgres_db().await {
                let main = vault::sweep(n, Some(&pg)).await?;
                drop(pg);
                let pg = postgres_db().await.expect("postgres");
                let tenth = vault::sweep(n / 10, Some(&pg)).await?;
                v.push(grown(main, vec![(format!("×0.1 ({})", n / 10), tenth)], &note));
            }
        }
        if want("notices") {
            let n = args.notice_controllers;
            for pg in [false, true] {
                if pg && !testkit::backends().contains(&testkit::Backend::Postgres) {
                    continue;
                }
                let main = notices::run(n, pg).await?;
                let mut others = Vec::new();
                for (label, m) in [("×0.1", n / 10), ("×10", n * 10)] {
                    others.push((format!("{label} ({m} controllers)"), notices::run(m, pg).await?));
                }
                v.push(grown(
                    main,
                    others,
                    &format!(
                        "the same with {} and {} controllers: the one-transaction change and the delivery should grow linearly (flat per notice), CheckEngagement stay flat.",
                        n / 10,
                        n * 10
                    ),
                ));
            }
        }
        if want("mail") {
            v.push(mail::run(args.mail_alerts, args.mail_people, None).await?);
            if let Some(pg) = postgres_db().await {
                v.push(mail::run(args.mail_alerts, args.mail_people, Some(&pg)).await?);
            }
        }
        if want("export") {
            let n = args.export_candidates;
            let sizes = [n / 10, n, n * 10];
            v.push(export::run(&sizes, false).await?);
            if testkit::backends().contains(&testkit::Backend::Postgres) {
                v.push(export::run(&sizes, true).await?);
            }
        }
        if want("evidence") || want("evidence-sweep") {
            v.push(vault::sweep_trees(args.evidence_sweep_rows, None).await?);
            if let (Some(a), Some(b)) = (postgres_db().await, postgres_db().await) {
                v.push(vault::sweep_trees(args.evidence_sweep_rows, Some((&a, &b))).await?);
            }
        }
        if want("evidence") || want("evidence-audit") {
            let n = args.evidence_entries;
            // A tenth and the size (10,000,000 events is not run: the
            // ledger section shows the same tree code at that size).
            v.push(evidence::audit_run(&[n / 10, n], 100, false).await?);
            if testkit::backends().contains(&testkit::Backend::Postgres) {
                v.push(evidence::audit_run(&[n / 10, n], 100, true).await?);
            }
        }
        if want("evidence") {
            let n = args.evidence_entries;
            v.push(evidence::run(&[n, n * 10], false).await?);
            if testkit::backends().contains(&testkit::Backend::Postgres) {
                v.push(evidence::run(&[n, n * 10], true).await?);
            }
        }
        if want("obligations") {
            let n = args.obligation_candidates;
            let full = obligations::Size {
                candidates: n,
                requests: (n / 100) as usize,
                incidents: (n / 1000) as usize,
                agreements: (n / 1000) as usize,
            };
            let sizes = [full.scaled(0.1), full];
            v.push(obligations::run(&sizes, args.seconds, false).await?);
            if testkit::backends().contains(&testkit::Backend::Postgres) {
                v.push(obligations::run(&sizes, args.seconds, true).await?);
            }
        }
        if want("console") {
            let (n, r) = (args.console_obligations, args.console_requests);
            let main = console::run(n, r, 20).await?;
            let bigger = console::run(n * 10, r, 20).await?;
            v.push(grown(
                main,
                vec![(format!("×10 ({} obligations)", n * 10), bigger)],
                &format!(
                    "the same at {} open obligations (the same {r} requests, ten times the erasures due).",
                    n * 10
                ),
            ));
        }
        if want("split") {
            let n = args.split_requests;
            for pg in [false, true] {
                if pg && !testkit::backends().contains(&testkit::Backend::Postgres) {
                    continue;
                }
                let main = split::run(n, args.seconds, pg).await?;
                let mut others = Vec::new();
                for (label, m) in [("×0.1", n / 10), ("×10", n * 10)] {
                    others.push((
                        format!("{label} ({m} requests)"),
                        split::run(m, args.seconds, pg).await?,
                    ));
                }
                v.push(grown(
                    main,
                    others,
                    &format!(
                        "the same with {} and {} requests on file: a request's latency should stay flat in both shapes.",
                        n / 10,
                        n * 10
                    ),
                ));
            }
        }
        anyhow::Ok(v)
    })?;
    let mut report = render(&sections, &args);
    // A partial run (`--only`) replaces its own sections and keeps the
    // others of the report, each with the date it was run.
    if !args.only.is_empty()
        && let Ok(old) = std::fs::read_to_string(&args.out)
    {
        report = merge(&old, &report);
    }
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, &report)?;
    print!("{report}");
    Ok(())
}
