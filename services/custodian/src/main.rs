//! `custodian`: the server and its operator commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use custodian::config::{Config, LogFormat, Overrides};

#[derive(Parser)]
#[command(
    name = "custodian",
    version,
    about = "GDPR processor-agreement and data-lifecycle service"
)]
struct Cli {
    /// A TOML config file (layered over the defaults, under CUSTODIAN_* and flags).
    #[arg(long, global = true, env = "CUSTODIAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    storage: StorageArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct StorageArgs {
    /// Directory of the embedded SQLite databases and key files [default: ./data].
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Main database URL; overrides the SQLite default (env CUSTODIAN_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Key store database URL [default: sqlite under the data dir] (env CUSTODIAN_KEYSTORE_URL).
    #[arg(long, global = true)]
    keystore_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve gRPC until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Create or upgrade both databases, then exit.
    Migrate {
        /// PostgreSQL: then put each service's tables in a schema of its
        /// own and create a role per service with rights on its schema only
        /// (plus the shared audit, outbox and token tables); only the vault
        /// role may connect to the key store. Idempotent.
        #[arg(long)]
        per_service_schemas: bool,
    },
    /// Manage API tokens (works on the database directly).
    #[command(subcommand)]
    Tokens(TokensCmd),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// The deadline rule catalogue (no database needed).
    #[command(subcommand)]
    Deadlines(DeadlinesCmd),
    /// Retention sweeps: claim due candidates, crypto-shred them, certify.
    Worker(WorkerArgs),
    /// Vault keys: rotation and the erasure fence.
    #[command(subcommand)]
    Keys(KeysCmd),
}

#[derive(Args)]
struct WorkerArgs {
    /// The services whose jobs this worker does: the sweep with `vault`,
    /// the switching round with `switching`, outbox delivery with
    /// `notifications` [default: all] (env CUSTODIAN_TARGET).
    #[arg(long)]
    target: Option<String>,
    /// One retention sweep and one outbox delivery round, print their
    /// counters as JSON, exit.
    #[arg(long)]
    once: bool,
    /// Candidates per batch (env CUSTODIAN_WORKER_BATCH).
    #[arg(long)]
    batch: Option<u64>,
    /// Seconds a claim stays exclusive (env CUSTODIAN_WORKER_LEASE_SECS).
    #[arg(long)]
    lease_secs: Option<u64>,
    /// Seconds between sweeps (env CUSTODIAN_WORKER_INTERVAL_SECS).
    #[arg(long)]
    interval_secs: Option<u64>,
    #[arg(long, value_parser = ["pretty", "json"])]
    log_format: Option<String>,
    /// Where Prometheus scrapes the worker's GET /metrics [default: off]
    /// (env CUSTODIAN_METRICS_LISTEN).
    #[arg(long)]
    metrics_listen: Option<String>,
}

#[derive(Subcommand)]
enum KeysCmd {
    /// New KEK versions; rewrap every DEK; destroy the old versions.
    Rotate {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Shred again whatever the ledger says is gone (also runs at every start).
    Reconcile,
}

#[derive(Subcommand)]
enum DeadlinesCmd {
    /// Compute one rule and print its result as JSON.
    Compute {
        /// A rule id of the catalogue, for instance dsr.response.
        #[arg(long)]
        rule: String,
        /// An RFC 3339 instant, or a date for rules that start from a day.
        #[arg(long)]
        at: String,
        /// A rule parameter, KEY=VALUE; repeatable.
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
    },
    /// List the catalogue with each rule's citation and parameters.
    Rules {
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        output: String,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:50051] (env CUSTODIAN_LISTEN).
    #[arg(long)]
    listen: Option<String>,
    /// `all` or a comma list of services to host (env CUSTODIAN_TARGET).
    #[arg(long)]
    target: Option<String>,
    /// Log output (env CUSTODIAN_LOG_FORMAT).
    #[arg(long, value_parser = ["pretty", "json"])]
    log_format: Option<String>,
    /// Log filter, for instance `info,sqlx=warn` (env CUSTODIAN_LOG_LEVEL).
    #[arg(long)]
    log_level: Option<String>,
    /// Where the DPO console listens, or `off` [default: 127.0.0.1:8080]
    /// (env CUSTODIAN_CONSOLE__LISTEN).
    #[arg(long)]
    console_listen: Option<String>,
    /// Where Prometheus scrapes GET /metrics [default: off] (env CUSTODIAN_METRICS_LISTEN).
    #[arg(long)]
    metrics_listen: Option<String>,
}

#[derive(Subcommand)]
enum TokensCmd {
    /// Create a token and print it, alone, on stdout. It is shown only once.
    Create {
        /// admin, service, worker, controller or auditor.
        #[arg(long)]
        role: String,
        /// The controller id a service or controller token acts for.
        #[arg(long)]
        tenant: Option<String>,
        /// A label to recognise the token by.
        #[arg(long, default_value = "unnamed")]
        name: String,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        output: String,
    },
    /// Revoke a token by id.
    Revoke { id: String },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk every chain; exit 1 and name the first broken link if any.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        match real_main(cli).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        }
    })
}

/// The metrics listener, when `metrics_listen` names one.
async fn bind_metrics(config: &Config) -> anyhow::Result<Option<tokio::net::TcpListener>> {
    let addr = config
        .metrics_listen
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "off");
    match addr {
        Some(a) => Ok(Some(tokio::net::TcpListener::bind(a).await.map_err(
            |e| anyhow::anyhow!("cannot listen on {a} for the metrics: {e}"),
        )?)),
        None => Ok(None),
    }
}

fn overrides(storage: &StorageArgs) -> Overrides {
    Overrides {
        data_dir: storage.data_dir.clone(),
        database_url: storage.database_url.clone(),
        keystore_url: storage.keystore_url.clone(),
        ..Default::default()
    }
}

async fn real_main(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut ov = overrides(&cli.storage);
    match cli.command {
        Command::Serve(a) => {
            ov.listen = a.listen;
            ov.target = a.target;
            ov.log_format = match a.log_format.as_deref() {
                Some("json") => Some(LogFormat::Json),
                Some(_) => Some(LogFormat::Pretty),
                None => None,
            };
            ov.log_level = a.log_level;
            ov.console = a
                .console_listen
                .map(|listen| custodian::ConsoleOverrides { listen });
            ov.metrics_listen = a.metrics_listen;
            let config = Config::load(cli.config.as_deref(), &ov)?;
            let telemetry = custodian::telemetry::init(&config)?;
            // Unknown targets fail before anything binds or opens.
            custodian::parse_targets(&config.target)?;
            let listener = tokio::net::TcpListener::bind(&config.listen)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
            let console = match config.console.address() {
                Some(a) => Some(tokio::net::TcpListener::bind(a).await.map_err(|e| {
                    anyhow::anyhow!(
                        "cannot listen on {a} for the console: {e} (--console-listen off switches it off)"
                    )
                })?),
                None => None,
            };
            let metrics = bind_metrics(&config).await?;
            let r = custodian::serve(
                config,
                listener,
                custodian::Extra { console, metrics },
                custodian::app::shutdown_signal(),
            )
            .await;
            telemetry.shutdown();
            r?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate {
            per_service_schemas,
        } => {
            let config = Config::load(cli.config.as_deref(), &ov)?;
            let r = custodian::ops::migrate(&config).await?;
            eprintln!(
                "migrated: {} migration(s) on the database, {} on the key store",
                r.main_applied, r.keystore_applied
            );
            if per_service_schemas {
                let p = custodian::ops::provision_schemas(&config).await?;
                eprintln!(
                    "per-service schemas: {} table(s) moved; roles {}",
                    p.moved.len(),
                    store::schemas::ROLES.map(store::schemas::role).join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tokens(cmd) => {
            let config = Config::load(cli.config.as_deref(), &ov)?;
            match cmd {
                TokensCmd::Create { role, tenant, name } => {
                    let role: auth::Role = role.parse()?;
                    let (info, secret) =
                        custodian::ops::create_token(&config, role, tenant.as_deref(), &name)
                            .await?;
                    eprintln!(
                        "created token {} (role {}); it is shown only now",
                        info.id, info.role
                    );
                    println!("{secret}");
                }
                TokensCmd::List { output } => {
                    let list = custodian::ops::list_tokens(&config).await?;
                    if output == "json" {
                        let v: Vec<_> = list
                            .iter()
                            .map(|t| {
                                serde_json::json!({
                                    "id": t.id, "name": t.name, "role": t.role.as_str(),
                                    "tenant": t.tenant, "created_at": t.created_at.to_rfc3339(),
                                    "revoked_at": t.revoked_at.map(|r| r.to_rfc3339()),
                                })
                            })
                            .collect();
                        println!("{}", serde_json::to_string_pretty(&v)?);
                    } else {
                        println!(
                            "{:<36}  {:<10}  {:<36}  {:<8}  NAME",
                            "ID", "ROLE", "TENANT", "STATE"
                        );
                        for t in list {
                            println!(
                                "{:<36}  {:<10}  {:<36}  {:<8}  {}",
                                t.id,
                                t.role.as_str(),
                                t.tenant.as_deref().unwrap_or("-"),
                                if t.revoked_at.is_some() {
                                    "revoked"
                                } else {
                                    "active"
                                },
                                t.name
                            );
                        }
                    }
                }
                TokensCmd::Revoke { id } => {
                    let t = custodian::ops::revoke_token(&config, &id).await?;
                    eprintln!("revoked token {}", t.id);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Deadlines(cmd) => Ok(deadlines(cmd)),
        Command::Worker(a) => {
            ov.target = a.target;
            ov.log_format = match a.log_format.as_deref() {
                Some("json") => Some(LogFormat::Json),
                Some(_) => Some(LogFormat::Pretty),
                None => None,
            };
            ov.metrics_listen = a.metrics_listen;
            let mut config = Config::load(cli.config.as_deref(), &ov)?;
            if let Some(b) = a.batch {
                config.worker_batch = b;
            }
            if let Some(l) = a.lease_secs {
                config.worker_lease_secs = l;
            }
            if let Some(i) = a.interval_secs {
                config.worker_interval_secs = i;
            }
            let telemetry = custodian::telemetry::init(&config)?;
            if a.once {
                let p = progress::Progress::new(
                    "sweep",
                    progress::Unit::Items("shredded"),
                    None,
                    std::io::IsTerminal::is_terminal(&std::io::stderr()),
                    std::io::stderr(),
                    std::time::Duration::from_secs(2),
                );
                let done = custodian::worker::once_with(&config, &|n| p.add(n)).await;
                p.finish();
                telemetry.shutdown();
                println!("{}", serde_json::to_string(&done?)?);
                return Ok(ExitCode::SUCCESS);
            }
            let metrics = bind_metrics(&config).await?;
            let r =
                custodian::worker::run(config, metrics, custodian::app::shutdown_signal()).await;
            telemetry.shutdown();
            r?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(cmd) => {
            let config = Config::load(cli.config.as_deref(), &ov)?;
            match cmd {
                KeysCmd::Rotate { tenant } => {
                    let p = progress::Progress::new(
                        "rotate",
                        progress::Unit::Items("keys rewrapped"),
                        None,
                        std::io::IsTerminal::is_terminal(&std::io::stderr()),
                        std::io::stderr(),
                        std::time::Duration::from_secs(2),
                    );
                    let done = custodian::ops::rotate_keys_with(
                        &config,
                        tenant.as_deref(),
                        &|t| p.set_total(t),
                        &|n| p.add(n),
                    )
                    .await?;
                    p.finish();
                    for (t, v, n) in done {
                        println!("tenant {t}: KEK version {v}, {n} keys rewrapped");
                    }
                }
                KeysCmd::Reconcile => {
                    let r = custodian::ops::reconcile(&config).await?;
                    println!("{}", serde_json::to_string(&r)?);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCmd::Verify) => {
            let config = Config::load(cli.config.as_deref(), &ov)?;
            let r = custodian::ops::verify_audit(&config).await?;
            match r.broken {
                None => {
                    println!(
                        "audit log intact: {} entries, {} tenant chains",
                        r.entries, r.tenants
                    );
                    // Who wrote what: a writer that should not audit (a role
                    // without the audit functions, a process that hosts
                    // no such service) stands out here.
                    for (writer, n) in &r.writers {
                        println!("  written by {writer}: {n} entries");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    eprintln!("audit log BROKEN at {b}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// `custodian deadlines`: exit 0 with the JSON on stdout, or exit 2 with the
/// reason on stderr (legal-rules.md, "custodian deadlines compute").
fn deadlines(cmd: DeadlinesCmd) -> ExitCode {
    match cmd {
        DeadlinesCmd::Compute { rule, at, params } => {
            let mut map = std::collections::BTreeMap::new();
            for p in params {
                let Some((k, v)) = p.split_once('=') else {
                    eprintln!("error: --param {p:?}: expected KEY=VALUE");
                    return ExitCode::from(2);
                };
                if map
                    .insert(k.trim().to_owned(), v.trim().to_owned())
                    .is_some()
                {
                    eprintln!("error: --param {k}: given twice");
                    return ExitCode::from(2);
                }
            }
            match legal_time::compute(&rule, &at, &map) {
                Ok(o) => {
                    println!("{}", legal_time::json::to_string(&o));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        DeadlinesCmd::Rules { output } => {
            if output == "json" {
                let v = legal_time::json::catalogue_value(legal_time::CATALOGUE);
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                for r in legal_time::CATALOGUE {
                    println!("{}  ({})", r.id, r.kind.as_str());
                    println!("  {}", r.summary);
                    println!("  starts at: {}", r.start_description);
                    println!("  citation:  {}", r.citation);
                    for p in r.params {
                        let d = if p.default.is_empty() {
                            "optional".to_owned()
                        } else {
                            format!("default {}", p.default)
                        };
                        println!("  --param {}=...  ({d}) {}", p.name, p.description);
                    }
                    println!();
                }
            }
            ExitCode::SUCCESS
        }
    }
}
