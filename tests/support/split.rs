//! The split deployment of the tests: five processes, each started through
//! `custodian::run(config, listener, shutdown)` with its own configuration,
//! talking over loopback gRPC with a `peer` token of its own. On
//! PostgreSQL the tables are in one schema per service and every process
//! logs in as a role that is a member of the roles of the services it
//! hosts (`custodian migrate --per-service-schemas`); the key store admits
//! the vault's role alone. On SQLite they share the one file (the embedded
//! default has no roles), so the same journeys run, without the isolation.

use auth::Role;
use custodian::{Config, Target};
use testkit::{Backend, TestDb};

use crate::{AppOptions, TestApp, config_for, spawn_config};

/// The processes: a name, what it hosts, and which peers it names.
pub const PROCESSES: [(&str, &str); 5] = [
    ("core", "controllers,audit,agreements,notifications"),
    ("vault", "vault"),
    ("requests", "requests"),
    ("switching", "switching"),
    ("processing", "breaches,subprocessors,deadlines"),
];

/// The PostgreSQL login role of one process.
pub fn login(process: &str) -> String {
    format!("custodian_proc_{process}")
}

/// `url` with its user replaced (PostgreSQL); SQLite URLs as they are.
pub fn with_user(url: &str, user: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if url.starts_with("postgres") && at > s => {
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The configuration of one process of the split: its own data directory,
/// its own login, no key store unless it is the vault, its peers.
pub fn process_config(
    db: &TestDb,
    name: &str,
    target: &str,
    addrs: &std::collections::BTreeMap<&str, String>,
    peer_token: &str,
) -> Config {
    let pg = db.backend == Backend::Postgres;
    let user = login(name);
    let mut c = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: db.dir.path().join(name),
        database_url: Some(if pg {
            with_user(&db.url, &user)
        } else {
            db.url.clone()
        }),
        keystore_url: (name == "vault").then(|| {
            if pg {
                with_user(&db.keystore_url, &user)
            } else {
                db.keystore_url.clone()
            }
        }),
        target: target.into(),
        shutdown_grace_ms: 50,
        auth_cache_ttl_ms: 0,
        migrate_on_start: false,
        peer_token: Some(peer_token.into()),
        // Generous: on a 2-core machine running the browser tests beside
        // two five-process deployments, a fan-out of obligations took over
        // 3 s. The tests of the timeout itself set their own.
        peer_timeout_ms: 15_000,
        peer_health_interval_ms: 50,
        // Test receivers listen on loopback: the operator allows it.
        webhook_allow: vec!["127.0.0.1/32".into(), "::1/128".into()],
        ..Config::default()
    };
    let at = |p: &str| (p != name).then(|| addrs[p].clone());
    c.peers.controllers = at("core");
    c.peers.agreements = at("core");
    c.peers.vault = at("vault");
    c.peers.requests = at("requests");
    c.peers.switching = at("switching");
    c.peers.subprocessors = at("processing");
    c.peers.breaches = at("processing");
    // Only a console calls DeadlineService across processes.
    c.peers.deadlines = at("processing");
    c
}

/// Starts the five processes over `db`; the app returned is `core`, with
/// the other four in `others` (its helpers route each call).
pub async fn spawn_split(db: &TestDb) -> TestApp {
    spawn_split_serving(db, None, |_| {}).await
}

/// [`spawn_split`], with the DPO console served by `core`.
pub async fn spawn_split_with_console(db: &TestDb) -> TestApp {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind console");
    spawn_split_serving(db, Some(l), |_| {}).await
}

/// [`spawn_split`] with the console served by `core` on `console`, and
/// `core`'s configuration changed by `tune` (the sign-in providers).
pub async fn spawn_split_tuned(
    db: &TestDb,
    console: tokio::net::TcpListener,
    tune: impl Fn(&mut Config),
) -> TestApp {
    spawn_split_serving(db, Some(console), tune).await
}

async fn spawn_split_serving(
    db: &TestDb,
    mut console: Option<tokio::net::TcpListener>,
    tune: impl Fn(&mut Config),
) -> TestApp {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .try_init();
    // The owner migrates and, on PostgreSQL, provisions the schemas and
    // the roles; the processes then only check that nothing is pending.
    let owner = config_for(db, &AppOptions::default());
    custodian::ops::migrate(&owner).await.expect("migrate");
    if db.backend == Backend::Postgres {
        custodian::ops::provision_schemas(&owner)
            .await
            .expect("per-service schemas");
        let conn = store::connect(&db.url).await.expect("owner connection");
        for (name, target) in PROCESSES {
            let services: Vec<&str> = target.split(',').collect();
            store::schemas::login_role(&conn, &login(name), &services)
                .await
                .expect("login role");
        }
        conn.close().await.ok();
    }
    let (_, admin) = custodian::ops::create_token(&owner, Role::Admin, None, "test-admin")
        .await
        .expect("admin token");
    let mut listeners = Vec::new();
    let mut addrs = std::collections::BTreeMap::new();
    for (name, _) in PROCESSES {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        addrs.insert(name, format!("http://{}", l.local_addr().expect("addr")));
        listeners.push(l);
    }
    let mut apps = Vec::new();
    for ((name, target), listener) in PROCESSES.into_iter().zip(listeners) {
        let (_, peer) =
            custodian::ops::create_token(&owner, Role::Peer, None, &format!("peer-{name}"))
                .await
                .expect("peer token");
        let mut cfg = process_config(db, name, target, &addrs, &peer);
        let console = if name == "core" {
            tune(&mut cfg);
            console.take()
        } else {
            None
        };
        let extra = custodian::Extra {
            console,
            metrics: None,
        };
        apps.push(crate::spawn_serving(cfg, listener, extra, admin.clone(), db.backend).await);
    }
    let mut core = apps.remove(0);
    core.others = apps;
    core.owner_url = Some(db.url.clone());
    core
}

/// Stops the process hosting `t`; [`start_again`] brings it back.
pub async fn stop_process(app: &mut TestApp, t: Target) -> (std::net::SocketAddr, Config) {
    let i = app
        .others
        .iter()
        .position(|o| o.hosts(t))
        .expect("a process of its own");
    let old = app.others.remove(i);
    let kept = (old.addr, old.config.clone());
    old.stop().await;
    kept
}

/// Starts a stopped process again on its address.
pub async fn start_again(app: &mut TestApp, stopped: (std::net::SocketAddr, Config)) {
    let listener = tokio::net::TcpListener::bind(stopped.0)
        .await
        .expect("rebind");
    let backend = app.backend;
    app.others
        .push(spawn_config(stopped.1, listener, app.admin.clone(), backend).await);
}

/// A deployment shape of the shared journeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Monolith,
    Split,
}

/// One backend in one shape.
#[derive(Debug, Clone, Copy)]
pub struct Deployment {
    pub backend: Backend,
    pub shape: Shape,
}

/// Every backend of this run (PostgreSQL with TEST_DATABASE_URL), each in
/// both shapes: the journeys that take these run unchanged on all four.
pub fn deployments() -> Vec<Deployment> {
    testkit::backends()
        .into_iter()
        .flat_map(|backend| {
            [Shape::Monolith, Shape::Split]
                .into_iter()
                .map(move |shape| Deployment { backend, shape })
        })
        .collect()
}

impl Deployment {
    /// A fresh database and the deployment over it.
    pub async fn start(&self) -> (TestDb, TestApp) {
        let db = TestDb::new(self.backend).await;
        let app = match self.shape {
            Shape::Monolith => crate::spawn_app(&db).await,
            Shape::Split => spawn_split(&db).await,
        };
        eprintln!("deployment: {:?} on {}", self.shape, self.backend);
        (db, app)
    }
}
