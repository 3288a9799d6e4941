//! A real SMTP server for the e-mail tests: `tests/mail/smtp_sink.py`
//! (Python's `aiosmtpd`, pinned in the Makefile's `verifier-deps`) on a
//! free loopback port, recording every accepted message as Python's own
//! e-mail parser reads it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One message as the server accepted it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Received {
    pub message_id: String,
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The top content type (`multipart/alternative`).
    pub multipart: String,
}

pub struct Sink {
    pub port: u16,
    out: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
    _keys: Option<tempfile::TempDir>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A relay that requires STARTTLS (a certificate for `localhost` from a
/// throw-away CA) and a login.
pub struct Secured {
    pub sink: Sink,
    /// The CA certificate (PEM) the mailer must trust: `[mail] ca_file`.
    pub ca_file: PathBuf,
}

impl Sink {
    /// Starts the server; `refuse` answers 550 for recipients matching the
    /// regular expression, `delay_ms` slows each acceptance.
    pub fn start(refuse: Option<&str>, delay_ms: u64) -> Sink {
        Sink::start_with(refuse, delay_ms, &[])
    }

    /// A relay on `localhost` that requires STARTTLS and the login
    /// `user`/`password`.
    pub fn start_secured(user: &str, password: &str) -> Secured {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca_key = rcgen::KeyPair::generate().expect("ca key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "custodian test mail CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("ca");
        let key = rcgen::KeyPair::generate().expect("leaf key");
        let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .expect("leaf params")
            .signed_by(&key, &ca)
            .expect("leaf");
        let (cert_file, key_file, ca_file) = (
            dir.path().join("relay.pem"),
            dir.path().join("relay.key"),
            dir.path().join("ca.pem"),
        );
        std::fs::write(&cert_file, format!("{}{}", leaf.pem(), ca.pem())).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        std::fs::write(&ca_file, ca.pem()).unwrap();
        let auth = format!("{user}:{password}");
        let mut sink = Sink::start_with(
            None,
            0,
            &[
                "--starttls",
                cert_file.to_str().unwrap(),
                key_file.to_str().unwrap(),
                "--auth",
                &auth,
            ],
        );
        sink._keys = Some(dir);
        Secured { sink, ca_file }
    }

    fn start_with(refuse: Option<&str>, delay_ms: u64, extra: &[&str]) -> Sink {
        use std::io::{BufRead, BufReader};
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("received.jsonl");
        let port = free_port();
        let mut cmd = Command::new(crate::python());
        cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/mail/smtp_sink.py"))
            .arg(port.to_string())
            .arg(&out)
            .arg("--delay-ms")
            .arg(delay_ms.to_string());
        if let Some(r) = refuse {
            cmd.arg("--refuse").arg(r);
        }
        cmd.args(extra);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the SMTP server's first line");
        assert_eq!(line.trim(), "READY", "the SMTP server did not start");
        Sink {
            port,
            out,
            child,
            _dir: dir,
            _keys: None,
        }
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let Ok(s) = std::fs::read_to_string(&self.out) else {
            return Vec::new();
        };
        s.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// Waits until at least `n` messages arrived (at most `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let start = std::time::Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n || start.elapsed() > within {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `[mail]` for this server: plain SMTP on loopback, quick retries.
    pub fn config(&self, console_url: &str) -> custodian::config::Mail {
        custodian::config::Mail {
            relay: Some("127.0.0.1".into()),
            port: Some(self.port),
            tls: "none".into(),
            from: "Custodian <privacy@custodian.test>".into(),
            console_url: console_url.into(),
            max_attempts: 3,
            backoff_base_ms: 1,
            backoff_max_ms: 5,
            timeout_ms: 5_000,
            plan_interval_secs: 1,
            ..Default::default()
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
