//! `spawn_app()`: the one way end-to-end tests start Custodian. It runs the
//! real server (`custodian::run`) on `127.0.0.1:0` over a fresh database of the
//! requested backend and hands back a connected channel and an admin token.

use std::net::SocketAddr;

use auth::Role;
use custodian::Config;
use proto::v1 as pb;
use testkit::TestDb;
use tokio::sync::oneshot;
use tonic::transport::Channel;

pub use testkit::{Backend, all_dbs};

pub mod console;
pub mod oidc;
pub mod smtp;
pub mod split;
pub mod switch;
pub mod webhook;

/// The Python of the independent tools (`make verifier-deps`: the evidence
/// verifier, the iCalendar reader, the SMTP server), or `CUSTODIAN_TEST_PYTHON`.
pub fn python() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let p = std::env::var_os("CUSTODIAN_TEST_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join(".ci/tools/pyverify/bin/python"));
    assert!(
        p.exists(),
        "the tests run Python tools (icalendar, aiosmtpd, cryptography) with {}: run `make verifier-deps`",
        p.display()
    );
    p
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub channel: Channel,
    pub admin: String,
    pub config: Config,
    pub backend: Backend,
    /// A split deployment: the other processes (this app is the first);
    /// empty for a monolith. The client helpers route each call to the
    /// process hosting its service.
    pub others: Vec<TestApp>,
    /// The database owner's URL, for an operator's direct look at the
    /// tables (a split process's own URL may see only its service's).
    pub owner_url: Option<String>,
    /// The DPO console's address, when this process serves it.
    pub console: Option<SocketAddr>,
    /// The metrics listener's address, when this process serves one.
    pub metrics: Option<SocketAddr>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<ServerResult>>,
}

/// What the server task ends with (its error rendered, so tests can print it).
type ServerResult = Result<(), String>;

/// Options for [`spawn_app_with`].
#[derive(Clone)]
pub struct AppOptions {
    pub target: String,
    pub shutdown_grace_ms: u64,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            target: "all".into(),
            shutdown_grace_ms: 100,
        }
    }
}

pub async fn spawn_app(db: &TestDb) -> TestApp {
    spawn_app_with(db, AppOptions::default()).await
}

pub fn config_for(db: &TestDb, opts: &AppOptions) -> Config {
    Config {
        listen: "127.0.0.1:0".into(),
        data_dir: db.dir.path().to_path_buf(),
        database_url: Some(db.url.clone()),
        keystore_url: Some(db.keystore_url.clone()),
        target: opts.target.clone(),
        shutdown_grace_ms: opts.shutdown_grace_ms,
        // Tests revoke tokens and expect the next call to fail.
        auth_cache_ttl_ms: 0,
        // Test receivers listen on loopback: the operator allows it.
        webhook_allow: vec!["127.0.0.1/32".into(), "::1/128".into()],
        ..Config::default()
    }
}

/// Starts `custodian::run` with a configuration of the test's own (one
/// process of a split deployment) on `listener`; `admin` is a token the
/// test made for it. The backend only labels the app.
pub async fn spawn_config(
    config: Config,
    listener: tokio::net::TcpListener,
    admin: String,
    backend: Backend,
) -> TestApp {
    spawn_serving(
        config,
        listener,
        custodian::Extra::default(),
        admin,
        backend,
    )
    .await
}

/// A monolith serving gRPC and its metrics.
pub async fn spawn_metrics(db: &TestDb) -> TestApp {
    let config = config_for(db, &AppOptions::default());
    let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "test-admin")
        .await
        .expect("create admin token");
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let metrics = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind metrics");
    spawn_serving(
        config,
        grpc,
        custodian::Extra {
            console: None,
            metrics: Some(metrics),
        },
        admin,
        db.backend,
    )
    .await
}

/// [`spawn_config`], with the DPO console and the metrics on their
/// listeners when given.
pub async fn spawn_serving(
    config: Config,
    listener: tokio::net::TcpListener,
    extra: custodian::Extra,
    admin: String,
    backend: Backend,
) -> TestApp {
    let addr = listener.local_addr().expect("addr");
    let console_addr = extra
        .console
        .as_ref()
        .map(|l| l.local_addr().expect("console addr"));
    let metrics_addr = extra
        .metrics
        .as_ref()
        .map(|l| l.local_addr().expect("metrics addr"));
    let (tx, rx) = oneshot::channel::<()>();
    let cfg = config.clone();
    let handle = tokio::spawn(async move {
        custodian::serve(cfg, listener, extra, async {
            let _ = rx.await;
        })
        .await
        .map_err(|e| {
            // Shown in a failing test's output, before any call fails.
            eprintln!("server on {addr} failed: {e:#}");
            format!("{e:#}")
        })
    });
    let channel = connect(addr).await;
    TestApp {
        addr,
        channel,
        admin,
        config,
        backend,
        others: Vec::new(),
        owner_url: None,
        console: console_addr,
        metrics: metrics_addr,
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

pub async fn spawn_app_with(db: &TestDb, opts: AppOptions) -> TestApp {
    // Server errors show in a failing test's output (RUST_LOG to see more).
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .try_init();
    let config = config_for(db, &opts);
    let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "test-admin")
        .await
        .expect("create admin token");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    spawn_config(config, listener, admin, db.backend).await
}

async fn connect(addr: SocketAddr) -> Channel {
    let url = format!("http://{addr}");
    for _ in 0..200 {
        if let Ok(c) = Channel::from_shared(url.clone())
            .expect("url")
            .connect()
            .await
        {
            return c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("server at {addr} did not come up");
}

/// What a `custodianctl` run printed, and its exit code.
pub struct Ran {
    pub code: i32,
    pub out: String,
    pub err: String,
}

/// Runs the shipped `custodianctl` code against `app` with `token`.
/// Runs custodianctl with `--output json`, asserts success, parses the output.
pub async fn ctl_json(app: &TestApp, token: &str, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["--output", "json"];
    a.extend_from_slice(args);
    let r = ctl(app, token, &a).await;
    assert_eq!(r.code, 0, "{args:?}: {}", r.err);
    serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", r.out))
}

pub async fn ctl(app: &TestApp, token: &str, args: &[&str]) -> Ran {
    let url = app.url();
    let mut full = vec!["custodianctl", "--server", &url, "--token", token];
    full.extend_from_slice(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = custodianctl::run(full.iter().map(|s| s.to_string()), &mut out, &mut err).await;
    Ran {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

/// A request carrying `authorization: Bearer <token>`.
pub fn req<T>(token: &str, msg: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    r
}

impl TestApp {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Whether this process hosts `t`.
    pub fn hosts(&self, t: custodian::Target) -> bool {
        custodian::parse_targets(&self.config.target)
            .map(|s| s.contains(&t))
            .unwrap_or(false)
    }

    /// The process hosting `t` (this one in a monolith).
    pub fn process(&self, t: custodian::Target) -> &TestApp {
        self.others.iter().find(|o| o.hosts(t)).unwrap_or(self)
    }

    /// The configuration of the process hosting `t`.
    pub fn config_of(&self, t: custodian::Target) -> &Config {
        &self.process(t).config
    }

    fn channel_of(&self, t: custodian::Target) -> Channel {
        self.process(t).channel.clone()
    }

    pub fn controllers(&self) -> pb::controller_service_client::ControllerServiceClient<Channel> {
        pb::controller_service_client::ControllerServiceClient::new(
            self.channel_of(custodian::Target::Controllers),
        )
    }

    /// The people who use the console (hosted with the controllers).
    pub fn people(&self) -> pb::person_service_client::PersonServiceClient<Channel> {
        pb::person_service_client::PersonServiceClient::new(
            self.channel_of(custodian::Target::Controllers),
        )
    }

    pub fn vault(&self) -> pb::vault_service_client::VaultServiceClient<Channel> {
        pb::vault_service_client::VaultServiceClient::new(self.channel_of(custodian::Target::Vault))
            .max_decoding_message_size(64 * 1024 * 1024)
            .max_encoding_message_size(64 * 1024 * 1024)
    }

    /// The vault's internal API (what the other processes of a split ask of
    /// it; callable with a `peer` token and a scope header).
    pub fn vault_peer(&self) -> proto::internal::v1::vault_peer_client::VaultPeerClient<Channel> {
        proto::internal::v1::vault_peer_client::VaultPeerClient::new(
            self.channel_of(custodian::Target::Vault),
        )
    }

    pub fn agreements(&self) -> pb::agreement_service_client::AgreementServiceClient<Channel> {
        pb::agreement_service_client::AgreementServiceClient::new(
            self.channel_of(custodian::Target::Agreements),
        )
    }

    pub fn subprocessors(
        &self,
    ) -> pb::subprocessor_service_client::SubprocessorServiceClient<Channel> {
        pb::subprocessor_service_client::SubprocessorServiceClient::new(
            self.channel_of(custodian::Target::Subprocessors),
        )
    }

    pub fn breaches(&self) -> pb::breach_service_client::BreachServiceClient<Channel> {
        pb::breach_service_client::BreachServiceClient::new(
            self.channel_of(custodian::Target::Breaches),
        )
    }

    pub fn switching(&self) -> pb::switching_service_client::SwitchingServiceClient<Channel> {
        pb::switching_service_client::SwitchingServiceClient::new(
            self.channel_of(custodian::Target::Switching),
        )
    }

    /// `DeadlineService.ListObligations` of one service, as `token` sees it.
    pub async fn obligations(&self, token: &str, service: &str) -> Vec<pb::Obligation> {
        self.deadlines()
            .list_obligations(req(
                token,
                pb::ListObligationsRequest {
                    service: service.into(),
                    ..Default::default()
                },
            ))
            .await
            .expect("list obligations")
            .into_inner()
            .obligations
    }

    /// One tenant-erasure round of the worker; the switches erased.
    /// One switching worker round (reminders, agreements ended, erasures,
    /// webhooks removed), as `custodian worker --once` runs it.
    pub async fn advance_switching(&self) -> switching::service::Advance {
        custodian::worker::switching_once(self.config_of(custodian::Target::Switching))
            .await
            .expect("switching round")
    }

    pub async fn erase_tenants(&self) -> Vec<String> {
        custodian::worker::erase_tenants_once(self.config_of(custodian::Target::Switching))
            .await
            .expect("erase tenants")
    }

    /// Waits until an export is no longer building; returns it.
    pub async fn export_ready(&self, token: &str, id: &str) -> pb::SwitchExport {
        for _ in 0..600 {
            let e = self
                .switching()
                .get_export(req(
                    token,
                    pb::GetExportRequest {
                        export_id: id.into(),
                    },
                ))
                .await
                .expect("get export")
                .into_inner();
            if e.status != "building" {
                return e;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("export {id} still building after 30 s");
    }

    /// Downloads an export: every file, reassembled by path, in order.
    pub async fn download(
        &self,
        token: &str,
        id: &str,
    ) -> Result<std::collections::BTreeMap<String, Vec<u8>>, tonic::Status> {
        let mut s = self
            .switching()
            .download_export(req(
                token,
                pb::DownloadExportRequest {
                    export_id: id.into(),
                },
            ))
            .await?
            .into_inner();
        let mut files: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
        while let Some(c) = s.message().await? {
            let f = files.entry(c.path.clone()).or_default();
            assert_eq!(
                f.len() as u64,
                c.offset,
                "chunks of {} arrive in order",
                c.path
            );
            f.extend_from_slice(&c.data);
        }
        Ok(files)
    }

    pub fn requests(&self) -> pb::request_service_client::RequestServiceClient<Channel> {
        pb::request_service_client::RequestServiceClient::new(
            self.channel_of(custodian::Target::Requests),
        )
        .max_decoding_message_size(64 * 1024 * 1024)
    }

    pub fn deadlines(&self) -> pb::deadline_service_client::DeadlineServiceClient<Channel> {
        pb::deadline_service_client::DeadlineServiceClient::new(
            self.channel_of(custodian::Target::Deadlines),
        )
    }

    pub fn notifications(
        &self,
    ) -> pb::notification_service_client::NotificationServiceClient<Channel> {
        pb::notification_service_client::NotificationServiceClient::new(
            self.channel_of(custodian::Target::Notifications),
        )
    }

    /// One outbox delivery round, as `custodian worker` runs it, with this
    /// app's configuration (plus `ca_file` trusted for webhooks).
    pub async fn deliver(&self, ca_file: Option<&std::path::Path>) -> outbox::DeliveryReport {
        let mut c = self.config_of(custodian::Target::Notifications).clone();
        c.webhook_ca_file = ca_file.map(|p| p.to_path_buf());
        c.webhook_backoff_base_ms = 0;
        c.webhook_timeout_ms = 5_000;
        custodian::worker::deliver_once(&c).await.expect("deliver")
    }

    /// Points a controller's webhook at `url` with `secret`.
    pub async fn set_webhook(&self, controller_id: &str, url: &str, secret: &str) {
        self.controllers()
            .update_controller(req(
                &self.admin,
                pb::UpdateControllerRequest {
                    id: controller_id.into(),
                    webhook_url: Some(url.into()),
                    webhook_secret: Some(secret.into()),
                    ..Default::default()
                },
            ))
            .await
            .expect("set webhook");
    }

    /// A controller with an active agreement (terms as given, or valid
    /// defaults), returning (controller, agreement).
    pub async fn controller_with_agreement(
        &self,
        name: &str,
        kvk: &str,
        terms: Option<pb::AgreementTerms>,
    ) -> (pb::Controller, pb::Agreement) {
        let c = self.create_controller(name, kvk).await;
        let mut a = self.agreements();
        let created = a
            .create_agreement(req(
                &self.admin,
                pb::CreateAgreementRequest {
                    controller_id: c.id.clone(),
                    terms: Some(terms.unwrap_or_else(valid_terms)),
                },
            ))
            .await
            .expect("create agreement")
            .into_inner();
        let active = a
            .activate_agreement(req(
                &self.admin,
                pb::AgreementTransitionRequest {
                    id: created.id,
                    reason: "signed".into(),
                },
            ))
            .await
            .expect("activate")
            .into_inner();
        (c, active)
    }

    pub fn audit(&self) -> pb::audit_service_client::AuditServiceClient<Channel> {
        pb::audit_service_client::AuditServiceClient::new(self.channel_of(custodian::Target::Audit))
    }

    /// A token of `role`, created the way an operator would.
    /// This app's configuration as the operator uses it: on a split, with
    /// the database owner's URL (no service role may write the token table).
    pub fn operator_config(&self) -> Config {
        let mut config = self.config.clone();
        if let Some(owner) = &self.owner_url {
            config.database_url = Some(owner.clone());
        }
        config
    }

    /// Creates a token as the operator does.
    pub async fn token(&self, role: Role, tenant: Option<&str>) -> String {
        custodian::ops::create_token(
            &self.operator_config(),
            role,
            tenant,
            &format!("test-{role}"),
        )
        .await
        .expect("create token")
        .1
    }

    /// Creates a valid controller through the API as admin.
    pub async fn create_controller(&self, legal_name: &str, kvk: &str) -> pb::Controller {
        self.controllers()
            .create_controller(req(&self.admin, valid_controller(legal_name, kvk)))
            .await
            .expect("create controller")
            .into_inner()
    }

    /// Opens the main database directly, as an operator with file access would.
    pub async fn db(&self) -> store::sea_orm::DatabaseConnection {
        let url = self
            .owner_url
            .clone()
            .unwrap_or_else(|| self.config.database_url());
        store::connect(&url).await.expect("connect")
    }

    /// The action of every audit entry, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        self.audit_events()
            .await
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    /// Every audit entry, oldest first.
    pub async fn audit_events(&self) -> Vec<store::entities::audit_events::Model> {
        let db = self.db().await;
        audit::list(
            &db,
            &audit::ListFilter {
                limit: 100_000,
                ..Default::default()
            },
        )
        .await
        .expect("the audit log")
    }

    /// Requests shutdown and returns once the server task has ended (every
    /// process of a split).
    pub async fn stop(mut self) {
        for o in std::mem::take(&mut self.others) {
            Box::pin(o.stop()).await;
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("server task").expect("server result");
        }
    }

    pub fn trigger_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub async fn wait_stopped(mut self) {
        if let Some(h) = self.handle.take() {
            h.await.expect("server task").expect("server result");
        }
    }
}

pub fn valid_controller(legal_name: &str, kvk: &str) -> pb::CreateControllerRequest {
    pb::CreateControllerRequest {
        legal_name: legal_name.into(),
        kvk_number: kvk.into(),
        country: "NL".into(),
        privacy_email: "privacy@example.nl".into(),
        dpo_name: "Dana Prins".into(),
        dpo_email: "dpo@example.nl".into(),
        webhook_url: "https://hooks.example.nl/custodian".into(),
        webhook_secret: "s".repeat(40),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Valid agreement terms: seed 000's term (one year, renewing, two months'
/// notice) starting a year before today, general authorisation, 14 days.
pub fn valid_terms() -> pb::AgreementTerms {
    pb::AgreementTerms {
        reference: "DPA-2026-001".into(),
        purposes: vec!["hosting the recruitment platform and its vacancy pages".into()],
        data_categories: vec![
            "identification".into(),
            "contact".into(),
            "cv_and_work_history".into(),
        ],
        data_subject_categories: vec!["candidates".into()],
        special_categories: false,
        processing_locations: vec!["NL".into()],
        subprocessor_authorisation: "general".into(),
        objection_period_days: Some(14),
        breach_notice_sla_hours: Some(24),
        end_of_contract: "return_then_delete".into(),
        deletion_term_days: Some(30),
        contract_start: day(-300).to_string(),
        term_months: Some(12),
        auto_renew: true,
        renewal_months: None,
        notice_period: Some(2),
        notice_period_unit: "months".into(),
        audits_per_year: Some(1),
        security_measures: vec![
            "AES-256-GCM encryption at rest".into(),
            "TLS 1.2+ in transit".into(),
        ],
        controller_representative: String::new(),
        processor_may_notify_authority: false,
        dsr_identity_suspension: String::new(),
    }
}

/// A valid sub-processor registration in `country`.
pub fn valid_subprocessor(name: &str, country: &str) -> pb::RegisterSubprocessorRequest {
    pb::RegisterSubprocessorRequest {
        legal_name: name.into(),
        address: "Keizersgracht 1, 1015 CC Amsterdam".into(),
        country: country.into(),
        service: "managed hosting".into(),
        data_categories: vec!["identification".into(), "contact".into()],
        contact_email: "privacy@sub.example".into(),
        flowdown_contract_ref: "SUB-DPA-7".into(),
        flowdown_date: "2026-01-10".into(),
        adequacy_scope_met: false,
        tia_reference: String::new(),
    }
}

/// A valid candidate for `PutCandidate`.
pub fn valid_candidate(external_ref: &str, name: &str, email: &str) -> pb::PutCandidateRequest {
    pb::PutCandidateRequest {
        tenant_id: String::new(),
        external_ref: external_ref.into(),
        vacancy_ref: "vac-2026-001".into(),
        applied_on: "2026-03-01".into(),
        payload: Some(pb::CandidatePayload {
            name: name.into(),
            email: email.into(),
            phone: "06 1234 5678".into(),
            cv: format!("CV of {name}: ten years of Rust").into_bytes(),
            cv_filename: "cv.pdf".into(),
            cv_content_type: "application/pdf".into(),
            notes: "strong candidate".into(),
            custom_fields: [("source".to_string(), "linkedin".to_string())]
                .into_iter()
                .collect(),
        }),
        categories: vec!["identity".into(), "contact".into(), "cv".into()],
    }
}

/// Today in Europe/Amsterdam, shifted by `days` (negative: the past). Tests
/// never hard-code "now": they must pass on any day.
pub fn day(days: i64) -> chrono::NaiveDate {
    legal_time::period::local_date(chrono::Utc::now()) + chrono::Duration::days(days)
}

/// How the API prints the `delete_after` of a last permitted day.
pub fn end_of(d: chrono::NaiveDate) -> String {
    legal_time::period::end_of_day_exclusive(d).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
