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
        let link = format!("href=\"/signin/provider/{id}?next=/\"");
        assert!(form.has(&link), "{link}: {}", form.body);
        let r = console.get(&format!("/signin/provider/{id}?next=/")).await;
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

/// A console with two real providers: the processor's (`staff`: roles from
/// the `groups` claim, a second factor required) and Klant B.V.'s own
/// (`klant`: its tenant, the domain `klant.example`), with Dana (the
/// processor's DPO, `admin`) and Kim (Klant's DPO, `controller`, Dutch)
/// invited; administrators may still paste a token (break-glass).
pub struct SignInWorld {
    pub app: crate::TestApp,
    /// The console's base address.
    pub base: String,
    pub staff: Idp,
    pub customer: Idp,
    pub klant: proto::v1::Controller,
    pub other: proto::v1::Controller,
    pub dana: proto::v1::Person,
    pub kim: proto::v1::Person,
}

/// The processor's provider's accounts, Dana's groups as given.
pub fn staff_accounts(dana_groups: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "dana": { "email": "dana@processor.example", "email_verified": true,
                  "name": "Dana Prins", "groups": dana_groups },
        "kim-at-staff": { "email": "kim@klant.example", "email_verified": true,
                  "name": "Kim", "groups": ["custodian-admins"] },
        "unverified": { "email": "aud@processor.example", "email_verified": false,
                  "name": "Ada", "groups": ["custodian-auditors"] },
    })
}

async fn invite(
    app: &crate::TestApp,
    name: &str,
    email: &str,
    role: &str,
    tenant: &str,
    language: &str,
) -> proto::v1::Person {
    app.people()
        .invite_person(crate::req(
            &app.admin,
            proto::v1::InvitePersonRequest {
                name: name.into(),
                email: email.into(),
                language: language.into(),
                role: role.into(),
                tenant_id: tenant.into(),
            },
        ))
        .await
        .expect("invite")
        .into_inner()
}

impl SignInWorld {
    pub async fn start(db: &testkit::TestDb) -> SignInWorld {
        use crate::{AppOptions, config_for};
        // The customers exist before the configuration names one of them.
        let first =
            crate::console::spawn_console_with(config_for(db, &AppOptions::default()), db.backend)
                .await;
        let klant = first.create_controller("Klant B.V.", "12345678").await;
        let other = first.create_controller("Ander B.V.", "87654321").await;
        first.stop().await;

        let console = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind console");
        let base = format!("http://{}", console.local_addr().unwrap());
        let callback = format!("{base}/signin/callback");
        let staff = Idp::start(
            &callback,
            staff_accounts(serde_json::json!(["custodian-admins"])),
        )
        .await;
        let customer = Idp::start(
            &callback,
            serde_json::json!({
                "kim": { "email": "kim@klant.example", "email_verified": true, "name": "Kim de Vries" },
                "kim-gmail": { "email": "kim.devries@gmail.example", "email_verified": true, "name": "Kim" },
            }),
        )
        .await;
        let mut config = config_for(db, &AppOptions::default());
        let mut processor = provider("staff", "Processor account", &staff);
        processor.roles_claim = Some("groups".into());
        processor.roles = [
            ("custodian-admins".to_owned(), "admin".to_owned()),
            ("custodian-auditors".to_owned(), "auditor".to_owned()),
        ]
        .into();
        processor.require_amr = vec!["mfa".into()];
        let mut own = provider("klant", "Klant B.V. account", &customer);
        own.tenant = Some(klant.id.clone());
        own.domains = vec!["klant.example".into()];
        config.sign_in.providers = vec![processor, own];
        config.console.token_sign_in = "admin".into();
        let (_, admin) =
            custodian::ops::create_token(&config, auth::Role::Admin, None, "test-admin")
                .await
                .expect("admin token");
        let app = crate::spawn_serving(
            config,
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            custodian::Extra {
                console: Some(console),
                metrics: None,
            },
            admin,
            db.backend,
        )
        .await;
        let dana = invite(
            &app,
            "Dana Prins",
            "dana@processor.example",
            "admin",
            "",
            "en",
        )
        .await;
        let kim = invite(
            &app,
            "Kim de Vries",
            "kim@klant.example",
            "controller",
            &klant.id,
            "nl",
        )
        .await;
        invite(
            &app,
            "Kim (private)",
            "kim.devries@gmail.example",
            "controller",
            &klant.id,
            "en",
        )
        .await;
        invite(&app, "Ada", "aud@processor.example", "auditor", "", "en").await;
        SignInWorld {
            app,
            base,
            staff,
            customer,
            klant,
            other,
            dana,
            kim,
        }
    }
}
