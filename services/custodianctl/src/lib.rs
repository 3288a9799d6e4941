//! `custodianctl`: the operator and DPO client. It speaks only gRPC.
//!
//! [`run`] takes the arguments and two writers and returns the exit code, so
//! the end-to-end tests drive exactly the code the binary runs.

mod agreements_cmd;
mod audit_cmd;
mod breaches_cmd;
mod controllers_cmd;
mod deadlines_cmd;
mod evidence_cmd;
mod notifications_cmd;
mod output;
mod requests_cmd;
mod subprocessors_cmd;
mod switching_cmd;
mod vault_cmd;

use std::io::Write;

use clap::{Parser, Subcommand};
use proto::v1 as pb;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;

use output::{Out, Table};

#[derive(Parser, Debug)]
#[command(
    name = "custodianctl",
    version,
    about = "Command-line client for Custodian"
)]
pub struct Cli {
    /// Server address.
    #[arg(
        long,
        global = true,
        env = "CUSTODIAN_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    server: String,
    /// Bearer token.
    #[arg(long, global = true, env = "CUSTODIAN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The CA certificate (PEM) that signed an `https://` server's certificate.
    #[arg(long, global = true, env = "CUSTODIAN_CA_FILE")]
    ca_file: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, global = true, default_value = "table", value_parser = ["table", "json"])]
    output: String,
    #[command(subcommand)]
    command: Command,
}

/// A command: one that checks evidence offline, or one that asks the server.
#[derive(Subcommand, Debug)]
enum Command {
    /// Checks evidence offline with the processor's public key alone (no
    /// server): exit 0 with what it proves, 1 naming what failed.
    #[command(subcommand)]
    Verify(evidence_cmd::VerifyCmd),
    #[command(flatten)]
    Online(Online),
}

/// The commands that ask the server.
#[derive(Subcommand, Debug)]
enum Online {
    /// Health of the server and of each hosted service.
    Health,
    /// Who this token is: its role, its tenant, and what the role may call.
    Whoami,
    /// Controllers (the provider's customers, Custodian's tenants).
    #[command(subcommand)]
    Controllers(controllers_cmd::ControllersCmd),
    /// The audit log.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCmd),
    /// Deadlines: compute a rule, list the catalogue, list open obligations.
    #[command(subcommand)]
    Deadlines(deadlines_cmd::DeadlinesCmd),
    /// The candidate vault.
    #[command(subcommand)]
    Vault(vault_cmd::VaultCmd),
    /// Processing agreements and the record of processing.
    #[command(subcommand)]
    Agreements(agreements_cmd::AgreementsCmd),
    /// Sub-processors: register, authorisations, change notices, objections.
    #[command(subcommand)]
    Subprocessors(subprocessors_cmd::SubprocessorsCmd),
    /// The outbox: messages to controllers and their delivery attempts.
    #[command(subcommand)]
    Notifications(notifications_cmd::NotificationsCmd),
    /// Personal-data breaches: incidents, notices and their clocks, the
    /// authority notification, the art. 34 decision, the register.
    #[command(subcommand)]
    Breaches(breaches_cmd::BreachesCmd),
    /// Data-subject requests: intake, deadlines, identity, extension,
    /// fulfilment (exports to a directory), refusal.
    #[command(subcommand)]
    Requests(requests_cmd::RequestsCmd),
    /// Data Act switching and exit: requests, milestones, unfeasibility,
    /// extension, the export bundle (downloaded and verified), confirmation,
    /// agreement exits, switching charges.
    #[command(subcommand)]
    Switching(switching_cmd::SwitchingCmd),
    /// Evidence from the server: public keys, signed checkpoints of the
    /// shred ledger, consistency proofs, signed deletion certificates.
    #[command(subcommand)]
    Evidence(evidence_cmd::EvidenceCmd),
}

/// Runs one command. Exit codes: 0 success, 1 a gRPC or connection error
/// (printed as `error: CODE: message`), 2 bad command-line usage.
pub async fn run<I, S>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = S>,
    S: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            // --help and --version go to stdout with exit 0; usage errors exit 2.
            if e.use_stderr() {
                let _ = write!(err, "{e}");
                return 2;
            }
            let _ = write!(out, "{e}");
            return 0;
        }
    };
    use std::io::IsTerminal;
    let mut ui = Ui {
        err: &mut *err,
        terminal: std::io::stderr().is_terminal(),
    };
    match execute(cli, out, &mut ui).await {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            1
        }
    }
}

#[derive(Debug)]
pub(crate) enum CtlError {
    Connect(String),
    Rpc(tonic::Status),
    Usage(String),
    Io(std::io::Error),
    /// The call succeeded and its answer is a failure (a broken chain).
    Failed(String),
}

impl std::fmt::Display for CtlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CtlError::Connect(m) => write!(f, "cannot connect: {m}"),
            CtlError::Rpc(s) => write!(f, "{:?}: {}", s.code(), s.message()),
            CtlError::Usage(m) => f.write_str(m),
            CtlError::Io(e) => write!(f, "output: {e}"),
            CtlError::Failed(m) => f.write_str(m),
        }
    }
}

impl From<tonic::Status> for CtlError {
    fn from(s: tonic::Status) -> Self {
        CtlError::Rpc(s)
    }
}
impl From<std::io::Error> for CtlError {
    fn from(e: std::io::Error) -> Self {
        CtlError::Io(e)
    }
}

pub(crate) struct Conn {
    pub(crate) channel: Channel,
    token: Option<MetadataValue<tonic::metadata::Ascii>>,
}

impl Conn {
    async fn open(
        server: &str,
        token: Option<&str>,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Conn, CtlError> {
        let mut endpoint = Channel::from_shared(server.to_owned())
            .map_err(|e| CtlError::Usage(format!("--server: {e}")))?;
        if server.starts_with("https://") {
            let ca = ca_file.ok_or_else(|| {
                CtlError::Usage(
                    "--server is https://: give --ca-file (the CA that signed its certificate)"
                        .into(),
                )
            })?;
            let pem = std::fs::read(ca)
                .map_err(|e| CtlError::Usage(format!("--ca-file {}: {e}", ca.display())))?;
            endpoint = endpoint
                .tls_config(
                    tonic::transport::ClientTlsConfig::new()
                        .ca_certificate(tonic::transport::Certificate::from_pem(pem)),
                )
                .map_err(|e| CtlError::Usage(format!("--ca-file: {e}")))?;
        }
        let channel = endpoint
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect()
            .await
            .map_err(|e| CtlError::Connect(format!("{server}: {e}")))?;
        let token = token
            .map(|t| {
                MetadataValue::try_from(format!("Bearer {t}"))
                    .map_err(|_| CtlError::Usage("--token: not a valid header value".into()))
            })
            .transpose()?;
        Ok(Conn { channel, token })
    }

    pub(crate) fn req<T>(&self, msg: T) -> tonic::Request<T> {
        let mut r = tonic::Request::new(msg);
        if let Some(t) = &self.token {
            r.metadata_mut().insert("authorization", t.clone());
        }
        r
    }
}

pub(crate) fn page(page_size: u32, page_token: String) -> Option<pb::PageRequest> {
    Some(pb::PageRequest {
        page_size,
        page_token,
    })
}

/// Where long commands report progress: a bar on a terminal, else plain
/// lines on `err` (never on stdout, which carries the answer).
pub(crate) struct Ui<'a> {
    pub(crate) err: &'a mut dyn Write,
    pub(crate) terminal: bool,
}

impl Ui<'_> {
    pub(crate) fn progress(
        &mut self,
        what: &str,
        unit: progress::Unit,
        total: Option<u64>,
    ) -> progress::Progress<&mut dyn Write> {
        progress::Progress::new(
            what,
            unit,
            total,
            self.terminal,
            &mut *self.err,
            std::time::Duration::from_secs(2),
        )
    }
}

async fn execute(cli: Cli, out: &mut dyn Write, ui: &mut Ui<'_>) -> Result<(), CtlError> {
    let o = Out::new(out, cli.output == "json");
    let command = match cli.command {
        // Offline: no server is asked.
        Command::Verify(c) => return evidence_cmd::verify(c, o),
        Command::Online(c) => c,
    };
    let conn = Conn::open(&cli.server, cli.token.as_deref(), cli.ca_file.as_deref()).await?;
    match command {
        Online::Evidence(c) => evidence_cmd::evidence(&conn, c, o).await,
        Online::Health => health(&conn, o).await,
        Online::Whoami => {
            let r = pb::identity_service_client::IdentityServiceClient::new(conn.channel.clone())
                .who_am_i(conn.req(pb::WhoAmIRequest {}))
                .await?
                .into_inner();
            o.object(serde_json::json!({
                "token_id": r.token_id,
                "name": r.name,
                "role": r.role,
                "tenant_id": r.tenant_id,
                "allowed_methods": r.allowed_methods,
            }))
        }
        Online::Controllers(c) => controllers_cmd::run(&conn, c, o).await,
        Online::Deadlines(c) => deadlines_cmd::run(&conn, c, o).await,
        Online::Vault(c) => vault_cmd::run(&conn, c, o).await,
        Online::Agreements(c) => agreements_cmd::agreements(&conn, c, o).await,
        Online::Subprocessors(c) => subprocessors_cmd::subprocessors(&conn, c, o).await,
        Online::Notifications(c) => notifications_cmd::notifications(&conn, c, o).await,
        Online::Breaches(c) => breaches_cmd::breaches(&conn, c, o).await,
        Online::Requests(c) => requests_cmd::requests(&conn, c, o, ui).await,
        Online::Switching(c) => switching_cmd::switching(&conn, c, o, ui).await,
        Online::Audit(c) => audit_cmd::run(&conn, c, o).await,
    }
}

async fn health(conn: &Conn, o: Out<'_>) -> Result<(), CtlError> {
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let mut client = HealthClient::new(conn.channel.clone());
    let mut rows = Vec::new();
    for service in [
        "",
        proto::service_names::CONTROLLERS,
        proto::service_names::AUDIT,
        proto::service_names::DEADLINES,
        proto::service_names::VAULT,
        proto::service_names::AGREEMENTS,
        proto::service_names::SUBPROCESSORS,
        proto::service_names::NOTIFICATIONS,
        proto::service_names::BREACHES,
        proto::service_names::REQUESTS,
        proto::service_names::SWITCHING,
    ] {
        let status = match client
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
        {
            Ok(r) => format!("{:?}", r.into_inner().status()).to_uppercase(),
            Err(s) if s.code() == tonic::Code::NotFound => "NOT_HOSTED".into(),
            Err(s) => return Err(s.into()),
        };
        let name = if service.is_empty() {
            "(server)"
        } else {
            service
        };
        rows.push((name.to_owned(), status));
    }
    o.list(
        "services",
        &rows,
        |(service, status)| serde_json::json!({ "service": service, "status": status }),
        "",
        Table::new(&["SERVICE", "STATUS"], |(service, status)| {
            vec![service.clone(), status.clone()]
        }),
    )
}
