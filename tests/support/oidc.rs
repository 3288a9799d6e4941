//! A real OpenID Provider for the sign-in tests: `oidc-provider` (npm,
//! pinned in tests/oidc/package.json, installed by `make oidc-deps`) run by
//! Node.js as a child process, one issuer per [`Idp`]. Its login page takes
//! a login name of the accounts given; two test-only endpoints change the
//! accounts and tamper with the next ID token (tests/oidc/provider.mjs).

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::console::{Page, Web};

/// The client the console is registered as at every test provider.
pub const CLIENT_ID: &str = "custodian-console";
pub const CLIENT_SECRET: &str = "test-client-secret-0123456789";

pub struct Idp {
    pub issuer: String,
    _child: Child,
    http: reqwest::Client,
}

impl Idp {
    /// Starts an issuer whose only client may return to `redirect_uri`,
    /// with `accounts` (`{"login": {"email": …, "email_verified": …,
    /// "name": …, "groups": […]}}`).
    pub async fn start(redirect_uri: &str, accounts: serde_json::Value) -> Idp {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/oidc");
        assert!(
            std::path::Path::new(dir)
                .join("node_modules/oidc-provider/package.json")
                .exists(),
            "the test OpenID Provider is not installed: run `make oidc-deps` (npm install in tests/oidc; needs Node.js and the npm registry)"
        );
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node: the sign-in tests need Node.js (make oidc-deps)");
        let config = serde_json::json!({
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [redirect_uri],
            "accounts": accounts,
        });
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(config.to_string().as_bytes())
            .await
            .expect("configure the provider");
        drop(stdin);
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let issuer = loop {
            let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
                .await
                .expect("the provider starts within 30 s")
                .expect("provider output")
                .expect("the provider stopped before it listened");
            if let Some(i) = line.strip_prefix("listening ") {
                break i.trim().to_owned();
            }
        };
        // What it prints later goes to the test's output (a closed pipe
        // would stop the provider).
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("oidc-provider: {line}");
            }
        });
        Idp {
            issuer,
            _child: child,
            http: reqwest::Client::new(),
        }
    }

    async fn post(&self, path: &str, body: serde_json::Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.issuer))
            .body(body.to_string())
            .send()
            .await
            .expect("provider control");
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }

    /// Replaces the provider's accounts.
    pub async fn accounts(&self, accounts: serde_json::Value) {
        self.post("/__accounts", accounts).await;
    }

    /// The next ID token is re-issued with `change` (`{"claims": {…}}`,
    /// `{"expired": true}`, `{"unsigned": true}`).
    pub async fn tamper(&self, change: serde_json::Value) {
        self.post("/__tamper", change).await;
    }

    /// A browser's client of this provider (its own cookies).
    pub fn browser(&self) -> Web {
        Web::at(self.issuer.clone())
    }

    /// Starts a sign-in at the console through provider `id`, signs in at
    /// the provider as `login` (with a second factor when `mfa`), and
    /// returns the console callback path the provider sends the browser
    /// back to (not yet followed).
    pub async fn to_callback(&self, console: &mut Web, id: &str, login: &str, mfa: bool) -> String {
        let form = console.get("/signin").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        let r = console
            .post(
                &format!("/signin/provider/{id}"),
                &[("csrf", &csrf), ("next", "/")],
            )
            .await;
        assert_eq!(r.status, 303, "start: {}", r.body);
        let mut at = r.header("location").to_owned();
        let mut idp = self.browser();
        for _ in 0..20 {
            if let Some(path) = at.strip_prefix(&console.base) {
                return path.to_owned();
            }
            let path = at.strip_prefix(&self.issuer).unwrap_or(&at).to_owned();
            let p = idp.get(&path).await;
            if matches!(p.status, 302 | 303) {
                at = p.header("location").to_owned();
                continue;
            }
            assert_eq!(p.status, 200, "provider {path}: {}", p.body);
            assert!(p.has("name=\"login\""), "provider {path}: {}", p.body);
            let mut f = vec![("login", login)];
            if mfa {
                f.push(("mfa", "1"));
            }
            let q = idp.post(&format!("{path}/login"), &f).await;
            assert_eq!(q.status, 303, "login as {login}: {}", q.body);
            at = q.header("location").to_owned();
        }
        panic!("the provider never sent the browser back");
    }

    /// [`Idp::to_callback`], then the console's answer to the callback.
    pub async fn sign_in(&self, console: &mut Web, id: &str, login: &str) -> Page {
        let back = self.to_callback(console, id, login, true).await;
        console.get(&back).await
    }
}

/// A provider entry of the configuration for `idp`.
pub fn provider(id: &str, name: &str, idp: &Idp) -> controllers::signin::ProviderConfig {
    controllers::signin::ProviderConfig {
        id: id.into(),
        name: name.into(),
        issuer: idp.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
        ..Default::default()
    }
}
