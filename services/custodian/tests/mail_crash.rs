//! Crash safety of e-mail delivery: 200 planned alerts, a real SMTP server
//! (aiosmtpd, `tests/mail/smtp_sink.py`, from `make verifier-deps`) that
//! takes 20 ms per message, and the `custodian worker` process killed with
//! SIGKILL in the middle of the batch. After a restart every alert has
//! arrived (none lost), each mail is `sent` exactly once in the outbox, and
//! a message the relay took but the killed worker could not record is sent
//! again under the same Message-ID, so a mail program shows it once: the
//! repeats are bounded by the mails in flight (the mailer's concurrency).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use store::entities::outbox::mail_messages;
use store::entities::people;
use store::sea_orm::EntityTrait;

const ALERTS: usize = 200;
/// `[mail] concurrency`'s default.
const IN_FLIGHT: usize = 8;

fn python() -> std::path::PathBuf {
    let p = std::env::var_os("CUSTODIAN_TEST_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../.ci/tools/pyverify/bin/python")
        });
    assert!(
        p.exists(),
        "the e-mail crash test starts an aiosmtpd server with {}: run `make verifier-deps`",
        p.display()
    );
    p
}

struct Sink {
    port: u16,
    out: std::path::PathBuf,
    child: Child,
}

impl Sink {
    fn start(dir: &std::path::Path, delay_ms: u64) -> Sink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let out = dir.join("received.jsonl");
        let mut child = Command::new(python())
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/mail/smtp_sink.py"
            ))
            .arg(port.to_string())
            .arg(&out)
            .args(["--delay-ms", &delay_ms.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "READY");
        Sink { port, out, child }
    }

    fn message_ids(&self) -> Vec<String> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["message_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn worker(config: &custodian::Config, sink: &Sink, once: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_custodian"));
    c.arg("worker");
    if once {
        c.arg("--once");
    }
    c.env("CUSTODIAN_DATA_DIR", &config.data_dir)
        .env("CUSTODIAN_DATABASE_URL", config.database_url())
        .env("CUSTODIAN_KEYSTORE_URL", config.keystore_url())
        .env("CUSTODIAN_OUTBOX_POLL_MS", "50")
        .env("CUSTODIAN_MAIL__RELAY", "127.0.0.1")
        .env("CUSTODIAN_MAIL__PORT", sink.port.to_string())
        .env("CUSTODIAN_MAIL__TLS", "none")
        .env("CUSTODIAN_MAIL__FROM", "Custodian <privacy@custodian.test>")
        .env(
            "CUSTODIAN_MAIL__CONSOLE_URL",
            "https://console.custodian.test",
        )
        .env("CUSTODIAN_MAIL__LEASE_SECS", "1")
        .env_remove("CUSTODIAN_MASTER_KEY")
        .env("CUSTODIAN_LOG_LEVEL", "warn");
    c
}

#[test]
fn a_worker_killed_mid_batch_loses_no_alert_and_repeats_none_a_reader_can_see() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dbs = rt.block_on(testkit::all_dbs());
    for db in &dbs {
        killed_mid_batch(&rt, db);
    }
}

fn killed_mid_batch(rt: &tokio::runtime::Runtime, db: &testkit::TestDb) {
    let config = custodian::Config {
        data_dir: db.dir.path().join("data"),
        database_url: Some(db.url.clone()),
        keystore_url: Some(db.keystore_url.clone()),
        log_level: "warn".into(),
        ..Default::default()
    };
    let ids: HashSet<String> = rt.block_on(async {
        let db = store::open_main(&config.database_url()).await.unwrap();
        // The person the alerts are for (the planner withdraws the waiting
        // mails of anyone not live).
        let now = store::now_micros();
        people::Entity::insert(people::ActiveModel::from(people::Model {
            id: "p1".into(),
            name: "Petra de Vries".into(),
            email: "petra@processor.example".into(),
            language: "en".into(),
            role: "admin".into(),
            tenant_id: None,
            issuer: None,
            subject: None,
            invited_at: now,
            invited_by: "test".into(),
            signed_in_at: None,
            removed_at: None,
            // No alerts and no digest of her own: the 200 below are the batch.
            alerts_off: "breaches,requests,subprocessors,switching,agreements,webhooks".into(),
            digest_at: None,
        }))
        .exec_without_returning(&db)
        .await
        .unwrap();
        let planned: Vec<outbox::mail::NewMail> = (0..ALERTS)
            .map(|i| outbox::mail::NewMail {
                dedup_key: format!("alert:p1:incident-{i}:24h"),
                person_id: "p1".into(),
                address: "petra@processor.example".into(),
                language: "en".into(),
                tenant: None,
                kind: "alert",
                topic: "breaches".into(),
                obligation: None,
                subject: format!("24 hours left: incident {i}"),
                text: format!("Incident {i}"),
                html: format!("<p>Incident {i}</p>"),
                empty: false,
            })
            .collect();
        let n = outbox::mail::plan(&db, planned.clone(), store::now_micros())
            .await
            .unwrap();
        assert_eq!(n as usize, ALERTS);
        // Planning again plans nothing.
        assert_eq!(
            outbox::mail::plan(&db, planned, store::now_micros())
                .await
                .unwrap(),
            0
        );
        mail_messages::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| format!("<{}@custodian>", m.id))
            .collect()
    });
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path(), 20);

    let mut child = worker(&config, &sink, false)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while sink.message_ids().len() < ALERTS / 4 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = sink.message_ids().len();
    assert!(
        at_kill > 0 && at_kill < ALERTS,
        "{}: the kill landed mid-batch ({at_kill} of {ALERTS})",
        db.backend
    );

    // The dead worker's claims run out after the lease; a restart drains.
    std::thread::sleep(Duration::from_millis(1_100));
    let out = worker(&config, &sink, true).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let received = sink.message_ids();
    let distinct: HashSet<String> = received.iter().cloned().collect();
    assert_eq!(
        distinct, ids,
        "{}: every alert arrived, no other",
        db.backend
    );
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &received {
        *seen.entry(r.as_str()).or_default() += 1;
    }
    let repeated = seen.values().filter(|n| **n > 1).count();
    assert!(
        repeated <= IN_FLIGHT && seen.values().all(|n| *n <= 2),
        "{}: {repeated} messages arrived twice; at most the {IN_FLIGHT} in flight at the kill may",
        db.backend
    );
    eprintln!(
        "{}: killed after {at_kill} of {ALERTS}; {} arrived in all, {repeated} twice (same Message-ID)",
        db.backend,
        received.len()
    );
    rt.block_on(async {
        let db = store::connect(&config.database_url()).await.unwrap();
        let rows = mail_messages::Entity::find().all(&db).await.unwrap();
        assert_eq!(rows.len(), ALERTS);
        assert!(
            rows.iter()
                .all(|r| r.status == "sent" && r.sent_at.is_some()),
            "every alert is recorded sent"
        );
    });
}
