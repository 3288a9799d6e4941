//! Layered configuration: defaults → optional TOML file (`--config` or
//! `CUSTODIAN_CONFIG`) → `CUSTODIAN_*` environment → command-line flags.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Config {
    /// Address the gRPC server binds.
    pub listen: String,
    /// Where the embedded SQLite databases and key files live.
    pub data_dir: PathBuf,
    /// Overrides `sqlite://<data_dir>/custodian.db`.
    pub database_url: Option<String>,
    /// Overrides `sqlite://<data_dir>/keys.db`.
    pub keystore_url: Option<String>,
    /// `all` or a comma list of services to host.
    pub target: String,
    pub log_format: LogFormat,
    /// A tracing filter directive.
    pub log_level: String,
    /// After SIGINT/SIGTERM: how long health reports NOT_SERVING while the
    /// server still accepts calls, so load balancers drain it first.
    pub shutdown_grace_ms: u64,
    /// How long a verified token is cached; revocations take effect within it.
    pub auth_cache_ttl_ms: u64,
    /// The master key file; default `<data_dir>/master.key`, created on first
    /// start. `CUSTODIAN_MASTER_KEY` (hex, environment only) takes precedence.
    pub master_key_file: Option<PathBuf>,
    /// The append-only shred ledger file; default `<data_dir>/shred-ledger.jsonl`.
    pub ledger_file: Option<PathBuf>,
    /// The processor's Ed25519 signing key (checkpoints, certificates);
    /// default `<data_dir>/signing.key`, created on first start.
    /// `CUSTODIAN_SIGNING_KEY` (the private key text, environment only)
    /// takes precedence.
    pub signing_key_file: Option<PathBuf>,
    /// The signing key's name, and the prefix of the logs' checkpoint
    /// origins (`<name>/shred-ledger`): the processor's domain, for
    /// instance `custodian.example.nl`.
    pub evidence_name: String,
    /// Where spans are exported over OTLP/gRPC (an OpenTelemetry collector,
    /// e.g. `http://otel-collector:4317`); none: spans are only logged.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` of this process's spans (one per process of the
    /// split deployment, e.g. `custodian-vault`).
    pub otlp_service_name: String,
    /// The shred ledger as an append-only PostgreSQL table in a database of
    /// its own, shared by vault and worker processes on several hosts; when
    /// set, it replaces the file.
    pub ledger_url: Option<String>,
    /// The largest CV document the vault accepts, in bytes.
    pub max_document_bytes: usize,
    /// Seconds between retention sweeps of `custodian worker`.
    pub worker_interval_secs: u64,
    /// Candidates claimed per sweep batch.
    pub worker_batch: u64,
    /// Seconds a claim stays exclusive before another worker may take it over.
    pub worker_lease_secs: u64,
    /// Milliseconds between outbox delivery rounds of `custodian worker`.
    pub outbox_poll_ms: u64,
    /// Webhook delivery: attempts before a message is dead-lettered.
    pub webhook_max_attempts: u32,
    /// The wait after the first failed attempt; it doubles after each one.
    pub webhook_backoff_base_ms: u64,
    /// The longest wait between attempts.
    pub webhook_backoff_max_ms: u64,
    /// One webhook request, connect to last byte.
    pub webhook_timeout_ms: u64,
    /// PEM certificates trusted for webhooks besides the public web roots
    /// (a customer's private CA).
    pub webhook_ca_file: Option<PathBuf>,
    /// Networks a webhook may reach although they are not public
    /// (`["10.1.0.0/16", "127.0.0.1"]`): by default loopback, private,
    /// link-local (cloud metadata), unspecified and reserved addresses are
    /// refused when a webhook is set and again at delivery.
    pub webhook_allow: Vec<String>,
    /// The processor's identity for the record of processing (art. 30(2)(a)).
    pub processor: Processor,
    /// Where the services this process does not host are (a split
    /// deployment): `[peers] vault = "http://vault:50051"`, or
    /// `CUSTODIAN_PEERS__VAULT`. A peer named here is reached over gRPC with
    /// `peer_token`; one not named is built in-process when needed.
    pub peers: Peers,
    /// Apply pending migrations at start (the embedded default). A split
    /// deployment's service roles may not create tables: set false there,
    /// run `custodian migrate` as the owner, and each process then only
    /// checks that no migration is pending.
    pub migrate_on_start: bool,
    /// The `peer` token this process presents to its peers
    /// (`CUSTODIAN_PEER_TOKEN`).
    pub peer_token: Option<String>,
    /// The longest a peer call may take before it is `DEADLINE_EXCEEDED`.
    pub peer_timeout_ms: u64,
    /// How often a process checks the health of the peers its services
    /// need; a service whose peer is unreachable reports NOT_SERVING.
    pub peer_health_interval_ms: u64,
    /// How often a process checks that its database answers (and, while
    /// writes fail, whether they commit again); a process whose database
    /// cannot be reached or written reports NOT_SERVING.
    pub db_health_interval_ms: u64,
    /// gRPC connections open at once; one more is closed at once. The
    /// process needs a descriptor for each (see docs/operations.md).
    pub grpc_max_connections: usize,
    /// A gRPC client must send the HTTP/2 preface within this of connecting.
    pub grpc_first_bytes_timeout_ms: u64,
    /// A gRPC connection on which nothing moved for this long is closed
    /// (a client holding a channel open answers the keepalive pings).
    pub grpc_idle_timeout_ms: u64,
    /// How often the server pings an HTTP/2 connection; a client that does
    /// not answer within `grpc_keepalive_timeout_ms` is disconnected.
    pub grpc_keepalive_ms: u64,
    pub grpc_keepalive_timeout_ms: u64,
    /// The request bytes this process holds at once across all calls; a
    /// call that cannot have its share within 2 s is RESOURCE_EXHAUSTED.
    /// The default lets one maximum-size batch (63 MB of CVs, about 260 MB
    /// while it is decoded, encrypted and stored) run beside ordinary calls
    /// within the overlays' 512 MiB limit (see docs/operations.md).
    pub request_budget_bytes: usize,
    /// The DPO console (`custodian serve` only).
    pub console: Console,
    /// People's sign-in through OpenID Providers (`[sign_in]`, with
    /// `[[sign_in.providers]]`; see docs/sign-in.md). Read by the process
    /// hosting the controllers.
    pub sign_in: controllers::signin::SignInConfig,
    /// Where Prometheus scrapes `GET /metrics` (`serve` and `worker`); none:
    /// no metrics listener.
    pub metrics_listen: Option<String>,
    /// TLS for the gRPC listener and this process's calls to its peers.
    pub tls: Tls,
    /// E-mail to people (`[mail]`, `CUSTODIAN_MAIL__RELAY`, ...): alerts and
    /// digests, sent by the worker hosting notifications. Off while no
    /// relay is named.
    pub mail: Mail,
}

/// `[mail]`: the SMTP relay, the sender, and where mails link to.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Mail {
    /// The relay's host name; none: no e-mail is planned or sent.
    pub relay: Option<String>,
    /// Default: 587 for `starttls`, 465 for `tls`, 25 for `none`.
    pub port: Option<u16>,
    /// `starttls` (required), `tls` (from the first byte) or `none` (plain
    /// SMTP, only to a relay on this host).
    pub tls: String,
    pub username: Option<String>,
    /// The relay password (`CUSTODIAN_MAIL__PASSWORD`), or a file holding it.
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    /// The sender, `Custodian <privacy@example.nl>`.
    pub from: String,
    /// The console's address as people open it, for the links in each mail
    /// (`https://custodian.example.nl`).
    pub console_url: String,
    /// PEM certificates trusted for the relay besides the public roots.
    pub ca_file: Option<PathBuf>,
    pub timeout_ms: u64,
    /// Attempts before a mail is given up (a dead letter).
    pub max_attempts: u32,
    /// The wait after the first failed attempt; it doubles after each one.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// Seconds between the planner's rounds (alerts, events, digests).
    pub plan_interval_secs: u64,
    /// Seconds a claimed mail stays the claiming worker's; a worker that
    /// dies mid-send loses its claims after this.
    pub lease_secs: u64,
    /// Mails in flight at once (each its own SMTP connection from a pool).
    pub concurrency: usize,
}

impl Default for Mail {
    fn default() -> Self {
        Mail {
            relay: None,
            port: None,
            tls: "starttls".into(),
            username: None,
            password: None,
            password_file: None,
            from: String::new(),
            console_url: String::new(),
            ca_file: None,
            timeout_ms: 10_000,
            max_attempts: 8,
            backoff_base_ms: 60_000,
            backoff_max_ms: 3_600_000,
            plan_interval_secs: 60,
            lease_secs: 120,
            concurrency: 8,
        }
    }
}

/// Every setting but the password, shown as set or not: a configuration
/// printed by mistake leaks no secret.
impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("relay", &self.relay)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("password_file", &self.password_file)
            .field("from", &self.from)
            .field("console_url", &self.console_url)
            .field("ca_file", &self.ca_file)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_base_ms", &self.backoff_base_ms)
            .field("backoff_max_ms", &self.backoff_max_ms)
            .field("plan_interval_secs", &self.plan_interval_secs)
            .field("lease_secs", &self.lease_secs)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

/// What `[mail]` sets up, checked.
pub struct MailSetup {
    pub relay: outbox::mail::Relay,
    pub policy: outbox::mail::MailPolicy,
    /// The console's address, without a trailing slash.
    pub console_url: String,
    pub plan_every: std::time::Duration,
}

impl Mail {
    pub fn enabled(&self) -> bool {
        self.relay.as_deref().is_some_and(|r| !r.trim().is_empty())
    }

    /// The relay and the policy, or `None` when no relay is named. Every
    /// mistake names its setting: a misconfigured relay stops the start.
    pub fn setup(&self) -> anyhow::Result<Option<MailSetup>> {
        use outbox::mail::RelayTls;
        use std::time::Duration;
        let Some(host) = self
            .relay
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        else {
            return Ok(None);
        };
        let bad = |setting: &str, why: String| {
            anyhow::anyhow!(
                "[mail] {setting} (CUSTODIAN_MAIL__{}): {why}",
                setting.to_uppercase()
            )
        };
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
            || host.contains("://")
        {
            return Err(bad(
                "relay",
                format!(
                    "expected a host name such as smtp.example.nl, got {}",
                    domain_kit::quote(host)
                ),
            ));
        }
        let tls = match self.tls.trim() {
            "starttls" => RelayTls::StartTls,
            "tls" => RelayTls::Tls,
            "none" => RelayTls::None,
            other => {
                return Err(bad(
                    "tls",
                    format!(
                        "expected starttls, tls or none, got {}",
                        domain_kit::quote(other)
                    ),
                ));
            }
        };
        let local = host == "localhost"
            || host
                .trim_matches(|c| c == '[' || c == ']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if tls == RelayTls::None && !local {
            return Err(bad(
                "tls",
                format!(
                    "none sends passwords and personal names in the clear: only a relay on this host may be reached without TLS, got {}",
                    domain_kit::quote(host)
                ),
            ));
        }
        let port = self.port.unwrap_or(match tls {
            RelayTls::StartTls => 587,
            RelayTls::Tls => 465,
            RelayTls::None => 25,
        });
        let from: outbox::mail::Mailbox = self.from.trim().parse().map_err(|e| {
            bad(
                "from",
                format!(
                    "expected a sender such as Custodian <privacy@example.nl>, got {} ({e})",
                    domain_kit::quote(self.from.trim())
                ),
            )
        })?;
        let url = self.console_url.trim().trim_end_matches('/');
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                return Err(bad(
                    "console_url",
                    format!(
                        "expected the console's address, such as https://custodian.example.nl, got {}",
                        domain_kit::quote(url)
                    ),
                ));
            }
        }
        let password = match (&self.password, &self.password_file) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "password_file",
                    "set password or password_file, not both".into(),
                ));
            }
            (Some(p), None) => Some(p.clone()),
            (None, Some(f)) => Some(
                std::fs::read_to_string(f)
                    .map_err(|e| bad("password_file", format!("cannot read {}: {e}", f.display())))?
                    .trim()
                    .to_owned(),
            ),
            (None, None) => None,
        };
        if password.is_some() != self.username.is_some() {
            return Err(bad(
                "username",
                "a relay login needs both username and password".into(),
            ));
        }
        if password.is_some() && tls == RelayTls::None {
            return Err(bad("tls", "a password is never sent without TLS".into()));
        }
        let extra_roots = match &self.ca_file {
            Some(p) => Some(
                std::fs::read(p)
                    .map_err(|e| bad("ca_file", format!("cannot read {}: {e}", p.display())))?,
            ),
            None => None,
        };
        if self.max_attempts == 0 {
            return Err(bad("max_attempts", "must be at least 1".into()));
        }
        Ok(Some(MailSetup {
            relay: outbox::mail::Relay {
                host: host.to_owned(),
                port,
                tls,
                username: self.username.clone(),
                password: password.map(secrecy::SecretString::from),
                from,
                extra_roots,
                timeout: Duration::from_millis(self.timeout_ms.max(100)),
            },
            policy: outbox::mail::MailPolicy {
                max_attempts: self.max_attempts,
                backoff_base: Duration::from_millis(self.backoff_base_ms.max(1)),
                backoff_max: Duration::from_millis(self.backoff_max_ms.max(1)),
                lease: Duration::from_secs(self.lease_secs.max(1)),
                concurrency: self.concurrency.clamp(1, 64),
                ..Default::default()
            },
            console_url: url.to_owned(),
            plan_every: Duration::from_secs(self.plan_interval_secs.max(1)),
        }))
    }
}

/// `[tls]`, `CUSTODIAN_TLS__CERT_FILE`, ...: off unless `cert_file` and
/// `key_file` are set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Tls {
    /// This process's certificate chain (PEM): the listener's identity, and
    /// its client identity towards peers that ask for one.
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// The roots (PEM) this process trusts for `https://` peers and for its
    /// own listener (the console's calls).
    pub ca_file: Option<PathBuf>,
    /// Verify client certificates against this CA (PEM): for peers.
    pub client_ca_file: Option<PathBuf>,
    /// With `client_ca_file`: `required` (every caller presents a
    /// certificate) or `optional` (one presented must be valid).
    pub client_auth: ClientAuth,
    /// The name the certificate is issued for, which the console checks when
    /// it calls this process's own listener.
    pub server_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    #[default]
    Required,
    Optional,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            cert_file: None,
            key_file: None,
            ca_file: None,
            client_ca_file: None,
            client_auth: ClientAuth::Required,
            server_name: "localhost".into(),
        }
    }
}

/// The DPO console's listener and sessions (`[console]`,
/// `CUSTODIAN_CONSOLE__LISTEN`, `--console-listen`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Console {
    /// Where the console's HTTP listener binds; `off` switches it off.
    pub listen: String,
    /// A session ends after this many seconds without a request.
    pub session_idle_secs: u64,
    /// A session ends this many seconds after sign-in.
    pub session_max_secs: u64,
    /// Mark the session cookie `Secure`: set it when TLS terminates in
    /// front of the console (the console itself speaks plain HTTP).
    pub secure_cookie: bool,
    /// Connections open at once; one more is closed at once.
    pub max_connections: usize,
    /// A request's head (request line and headers) must arrive within this.
    pub header_timeout_ms: u64,
    /// A connection on which nothing moved for this long is closed.
    pub idle_timeout_ms: u64,
    /// The addresses people open the console at, comma-separated, as the
    /// browser sends them in `Host` (`name`, or `name:port` for a port other
    /// than the scheme's): a request naming any other host is refused
    /// (400). Empty: the listen address itself (and `localhost:<port>` when
    /// it is a loopback address); required when the console listens on
    /// every address (`0.0.0.0`, `[::]`).
    pub hosts: String,
    /// Who may sign in by pasting a token: `auto` (everyone while no
    /// OpenID Provider is configured, no one once one is), `off`, or a
    /// comma list of `admin`, `auditor`, `controller` (the break-glass
    /// path: `admin`).
    pub token_sign_in: String,
}

impl Default for Console {
    fn default() -> Self {
        Console {
            listen: "127.0.0.1:8080".into(),
            session_idle_secs: 30 * 60,
            session_max_secs: 12 * 3600,
            secure_cookie: false,
            max_connections: 512,
            header_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            hosts: String::new(),
            token_sign_in: "auto".into(),
        }
    }
}

impl Console {
    /// The address to bind, or `None` when the console is switched off.
    pub fn address(&self) -> Option<&str> {
        let l = self.listen.trim();
        (!l.is_empty() && l != "off").then_some(l)
    }

    /// The console listener's connection limits.
    pub fn limits(&self) -> netguard::Limits {
        use std::time::Duration;
        netguard::Limits {
            max_connections: self.max_connections.max(1),
            first_bytes: Duration::from_millis(self.header_timeout_ms.max(1)),
            // "GET / HTTP/1.1" is 14 bytes; anything shorter is no request.
            first_len: 14,
            idle: Duration::from_millis(self.idle_timeout_ms.max(1)),
        }
    }

    /// The console's settings, for its listener bound at `bound`.
    pub fn settings(&self, bound: std::net::SocketAddr) -> anyhow::Result<console::Settings> {
        use std::time::Duration;
        Ok(console::Settings {
            session_idle: Duration::from_secs(self.session_idle_secs.max(1)),
            session_max: Duration::from_secs(self.session_max_secs.max(1)),
            secure_cookie: self.secure_cookie,
            hosts: self.allowed_hosts(bound)?,
            token_sign_in: console::TokenSignIn::parse(&self.token_sign_in).map_err(|e| {
                anyhow::anyhow!("console.token_sign_in (CUSTODIAN_CONSOLE__TOKEN_SIGN_IN): {e}")
            })?,
        })
    }

    /// The `Host` values the console answers (see [`Console::hosts`]).
    pub fn allowed_hosts(&self, bound: std::net::SocketAddr) -> anyhow::Result<Vec<String>> {
        let named: Vec<String> = self
            .hosts
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        for h in &named {
            if !h
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
            {
                anyhow::bail!(
                    "console.hosts: {} is not a host name or host:port",
                    domain_kit::quote(h)
                );
            }
        }
        if !named.is_empty() {
            return Ok(named);
        }
        if bound.ip().is_unspecified() {
            anyhow::bail!(
                "console.hosts (CUSTODIAN_CONSOLE__HOSTS): required when the console listens on every address ({bound}): name the host people open it at, for example custodian.example.nl"
            );
        }
        let mut hosts = vec![bound.to_string()];
        if bound.ip().is_loopback() {
            hosts.push(format!("localhost:{}", bound.port()));
        }
        Ok(hosts)
    }
}

/// The addresses of peer processes, by the service they host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(default)]
pub struct Peers {
    /// The process hosting the vault (the only one that holds the keys).
    pub vault: Option<String>,
    /// The process hosting the controllers service (controller records,
    /// webhooks for outbox delivery, token revocation at a tenant's erasure).
    pub controllers: Option<String>,
    /// The process hosting the agreements service (the agreement governing
    /// a tenant at an instant, its versions, ending it with the contract).
    pub agreements: Option<String>,
    /// The process hosting the sub-processors service (the record of
    /// processing lists the engaged ones).
    pub subprocessors: Option<String>,
    /// The process hosting the request service (a tenant's erasure deletes
    /// its requests; DeadlineService asks it for their obligations).
    pub requests: Option<String>,
    /// The process hosting the breach service (its obligations).
    pub breaches: Option<String>,
    /// The process hosting the switching service (its obligations).
    pub switching: Option<String>,
    /// The processes hosting the deadline, audit and notification services:
    /// only the DPO console calls them across processes (its dashboard,
    /// audit log and webhook pages), when this process does not host them.
    pub deadlines: Option<String>,
    pub audit: Option<String>,
    pub notifications: Option<String>,
}

/// The processor (the provider running Custodian), as the record names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(default)]
pub struct Processor {
    pub name: String,
    pub address: String,
    pub contact_email: String,
    pub dpo_name: String,
    pub dpo_email: String,
    /// The representative in the Union (art. 27), where applicable.
    pub representative: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:50051".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            keystore_url: None,
            target: "all".into(),
            log_format: LogFormat::Pretty,
            log_level: "info,sqlx=warn,sea_orm_migration=warn".into(),
            shutdown_grace_ms: 1_000,
            auth_cache_ttl_ms: 5_000,
            master_key_file: None,
            ledger_file: None,
            signing_key_file: None,
            evidence_name: "custodian.local".into(),
            ledger_url: None,
            otlp_endpoint: None,
            otlp_service_name: "custodian".into(),
            max_document_bytes: 10 * 1024 * 1024,
            worker_interval_secs: 60,
            worker_batch: 1_000,
            worker_lease_secs: 300,
            outbox_poll_ms: 2_000,
            webhook_max_attempts: 10,
            webhook_backoff_base_ms: 30_000,
            webhook_backoff_max_ms: 3_600_000,
            webhook_timeout_ms: 10_000,
            webhook_ca_file: None,
            webhook_allow: Vec::new(),
            processor: Processor::default(),
            peers: Peers::default(),
            migrate_on_start: true,
            peer_token: None,
            peer_timeout_ms: 5_000,
            peer_health_interval_ms: 5_000,
            db_health_interval_ms: 1_000,
            grpc_max_connections: 2_048,
            grpc_first_bytes_timeout_ms: 10_000,
            grpc_idle_timeout_ms: 300_000,
            grpc_keepalive_ms: 60_000,
            grpc_keepalive_timeout_ms: 20_000,
            request_budget_bytes: 96 * 1024 * 1024,
            console: Console::default(),
            sign_in: controllers::signin::SignInConfig::default(),
            metrics_listen: None,
            tls: Tls::default(),
            mail: Mail::default(),
        }
    }
}

/// Values given on the command line; `None` leaves the lower layers in force.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keystore_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console: Option<ConsoleOverrides>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<String>,
}

/// `--console-listen`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConsoleOverrides {
    pub listen: String,
}

impl Config {
    /// Loads the layers. `file` is the explicit config file, if any; a named
    /// file that does not exist is an error.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            if !f.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    f.display()
                ))));
            }
            fig = fig.merge(Toml::file(f));
        }
        fig.merge(Env::prefixed("CUSTODIAN_").only(&[
            "listen",
            "data_dir",
            "database_url",
            "keystore_url",
            "target",
            "log_format",
            "log_level",
            "shutdown_grace_ms",
            "auth_cache_ttl_ms",
            "master_key_file",
            "ledger_file",
            "signing_key_file",
            "evidence_name",
            "ledger_url",
            "otlp_endpoint",
            "otlp_service_name",
            "max_document_bytes",
            "worker_interval_secs",
            "worker_batch",
            "worker_lease_secs",
            "outbox_poll_ms",
            "webhook_max_attempts",
            "webhook_backoff_base_ms",
            "webhook_backoff_max_ms",
            "webhook_timeout_ms",
            "webhook_ca_file",
            "webhook_allow",
            "peer_token",
            "peer_timeout_ms",
            "peer_health_interval_ms",
            "db_health_interval_ms",
            "grpc_max_connections",
            "grpc_first_bytes_timeout_ms",
            "grpc_idle_timeout_ms",
            "grpc_keepalive_ms",
            "grpc_keepalive_timeout_ms",
            "request_budget_bytes",
            "metrics_listen",
        ]))
        // Nested tables by a double underscore: CUSTODIAN_PROCESSOR__NAME.
        .merge(
            Env::prefixed("CUSTODIAN_PROCESSOR__")
                .map(|k| format!("processor.{}", k.as_str().to_lowercase()).into()),
        )
        .merge(
            Env::prefixed("CUSTODIAN_PEERS__")
                .map(|k| format!("peers.{}", k.as_str().to_lowercase()).into()),
        )
        .merge(
            Env::prefixed("CUSTODIAN_TLS__")
                .map(|k| format!("tls.{}", k.as_str().to_lowercase()).into()),
        )
        .merge(
            Env::prefixed("CUSTODIAN_CONSOLE__")
                .map(|k| format!("console.{}", k.as_str().to_lowercase()).into()),
        )
        .merge(
            Env::prefixed("CUSTODIAN_MAIL__")
                .map(|k| format!("mail.{}", k.as_str().to_lowercase()).into()),
        )
        .merge(Serialized::defaults(overrides))
        .extract::<Config>()
        .map_err(Box::new)
        .and_then(|c| {
            // A bad allow-list entry stops the start, naming it.
            c.webhook_targets()
                .map_err(|e| Box::new(figment::Error::from(e.to_string())))?;
            // So does a mail relay that cannot work, naming the setting.
            c.mail
                .setup()
                .map_err(|e| Box::new(figment::Error::from(e.to_string())))?;
            // So does a console that could not tell its own host name.
            if let Some(bound) = c
                .console
                .address()
                .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
            {
                c.console
                    .allowed_hosts(bound)
                    .map_err(|e| Box::new(figment::Error::from(e.to_string())))?;
            }
            Ok(c)
        })
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| store::default_database_url(&self.data_dir))
    }

    /// Opens the shred ledger outside both databases: the shared table when
    /// `ledger_url` is set (created if missing, which needs the owner's
    /// rights), else the file.
    pub async fn ledger(&self) -> anyhow::Result<vault::ledger::Ledger> {
        use vault::ledger::{Ledger, LedgerFile, SharedLedger};
        match self.ledger_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => Ok(Ledger::Shared(SharedLedger::open(url).await?)),
            _ => Ok(Ledger::File(LedgerFile::new(self.ledger_file()))),
        }
    }

    pub fn ledger_file(&self) -> PathBuf {
        self.ledger_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("shred-ledger.jsonl"))
    }

    /// The webhook delivery policy.
    pub fn delivery_policy(&self) -> outbox::DeliveryPolicy {
        use std::time::Duration;
        outbox::DeliveryPolicy {
            max_attempts: self.webhook_max_attempts.max(1),
            backoff_base: Duration::from_millis(self.webhook_backoff_base_ms),
            backoff_max: Duration::from_millis(
                self.webhook_backoff_max_ms
                    .max(self.webhook_backoff_base_ms),
            ),
            timeout: Duration::from_millis(self.webhook_timeout_ms.max(1)),
            targets: self.webhook_targets().unwrap_or_default(),
            ..outbox::DeliveryPolicy::default()
        }
    }

    /// The gRPC listener's connection limits.
    pub fn grpc_limits(&self) -> netguard::Limits {
        use std::time::Duration;
        netguard::Limits {
            max_connections: self.grpc_max_connections.max(1),
            first_bytes: Duration::from_millis(self.grpc_first_bytes_timeout_ms.max(1)),
            // The HTTP/2 connection preface (RFC 9113 section 3.4).
            first_len: 24,
            idle: Duration::from_millis(self.grpc_idle_timeout_ms.max(1)),
        }
    }

    /// The operator's allow-list of webhook networks, naming a bad entry.
    pub fn webhook_targets(&self) -> anyhow::Result<domain_kit::net::TargetPolicy> {
        domain_kit::net::TargetPolicy::parse(&self.webhook_allow).map_err(anyhow::Error::msg)
    }

    pub fn keystore_url(&self) -> String {
        self.keystore_url
            .clone()
            .unwrap_or_else(|| store::default_keystore_url(&self.data_dir))
    }
}

#[cfg(test)]
// figment's Jail API fixes the closure's error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "listen = \"127.0.0.1:6000\"\ntarget = \"audit\"\nlog_level = \"debug\"",
            )?;
            jail.set_env("CUSTODIAN_TARGET", "controllers");
            let c =
                Config::load(Some(Path::new("c.toml")), &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(c.listen, "127.0.0.1:6000"); // file over default
            assert_eq!(c.target, "controllers"); // env over file
            assert_eq!(c.log_level, "debug");
            let o = Overrides {
                target: Some("deadlines".into()),
                ..Default::default()
            };
            let c = Config::load(Some(Path::new("c.toml")), &o).map_err(|e| *e)?;
            assert_eq!(c.target, "deadlines"); // flag over env
            Ok(())
        });
    }

    #[test]
    fn defaults() {
        figment::Jail::expect_with(|_| {
            let c = Config::load(None, &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(c.listen, "127.0.0.1:50051");
            assert_eq!(c.database_url(), "sqlite://./data/custodian.db?mode=rwc");
            assert_eq!(c.keystore_url(), "sqlite://./data/keys.db?mode=rwc");
            assert_eq!(c.console.address(), Some("127.0.0.1:8080"));
            assert_eq!(c.metrics_listen, None, "metrics are off by default");
            Ok(())
        });
    }

    #[test]
    fn the_console_answers_its_own_host_names_only() {
        let c = Console::default();
        let lo: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(
            c.allowed_hosts(lo).unwrap(),
            ["127.0.0.1:8080", "localhost:8080"]
        );
        let any: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let e = c.allowed_hosts(any).unwrap_err().to_string();
        assert!(e.contains("console.hosts"), "{e}");
        let named = Console {
            hosts: " Custodian.Example.NL , console.example.nl:8443 ".into(),
            ..Console::default()
        };
        assert_eq!(
            named.allowed_hosts(any).unwrap(),
            ["custodian.example.nl", "console.example.nl:8443"]
        );
        let bad = Console {
            hosts: "evil/x".into(),
            ..Console::default()
        };
        assert!(bad.allowed_hosts(lo).is_err());
        // A start on every address without names stops, naming the setting.
        figment::Jail::expect_with(|jail| {
            jail.set_env("CUSTODIAN_CONSOLE__LISTEN", "0.0.0.0:8080");
            let e = Config::load(None, &Overrides::default()).unwrap_err();
            assert!(e.to_string().contains("console.hosts"), "{e}");
            jail.set_env("CUSTODIAN_CONSOLE__HOSTS", "custodian.example.nl");
            assert!(Config::load(None, &Overrides::default()).is_ok());
            Ok(())
        });
    }

    #[test]
    fn the_console_can_be_moved_and_switched_off() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CUSTODIAN_CONSOLE__LISTEN", "127.0.0.1:9090");
            jail.set_env("CUSTODIAN_CONSOLE__SESSION_IDLE_SECS", "60");
            jail.set_env("CUSTODIAN_METRICS_LISTEN", "127.0.0.1:9091");
            let c = Config::load(None, &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(c.console.address(), Some("127.0.0.1:9090"));
            assert_eq!(c.console.session_idle_secs, 60);
            assert_eq!(c.metrics_listen.as_deref(), Some("127.0.0.1:9091"));
            let o = Overrides {
                console: Some(ConsoleOverrides {
                    listen: "off".into(),
                }),
                ..Default::default()
            };
            let c = Config::load(None, &o).map_err(|e| *e)?;
            assert_eq!(c.console.address(), None);
            // the flag replaces the listener only
            assert_eq!(c.console.session_idle_secs, 60);
            Ok(())
        });
    }

    #[test]
    fn processor_identity_and_webhooks_from_file_and_env() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "webhook_max_attempts = 4\n[processor]\nname = \"Klik B.V.\"\ndpo_email = \"dpo@klik.nl\"\n",
            )?;
            jail.set_env("CUSTODIAN_PROCESSOR__CONTACT_EMAIL", "privacy@klik.nl");
            jail.set_env("CUSTODIAN_WEBHOOK_TIMEOUT_MS", "2500");
            let c =
                Config::load(Some(Path::new("c.toml")), &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(c.processor.name, "Klik B.V.");
            assert_eq!(c.processor.dpo_email, "dpo@klik.nl");
            assert_eq!(c.processor.contact_email, "privacy@klik.nl");
            assert_eq!(c.webhook_max_attempts, 4);
            let p = c.delivery_policy();
            assert_eq!(p.max_attempts, 4);
            assert_eq!(p.timeout, std::time::Duration::from_millis(2500));
            Ok(())
        });
    }

    #[test]
    fn missing_file_is_an_error() {
        assert!(
            Config::load(
                Some(Path::new("/nonexistent/custodian.toml")),
                &Overrides::default()
            )
            .is_err()
        );
    }
}
