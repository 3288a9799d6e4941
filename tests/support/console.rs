//! The DPO console under test: Custodian serving its console on
//! `127.0.0.1:0`, an HTTP client that keeps cookies like a browser does, and
//! a seeded world: two customers with agreements, an overdue request, a
//! breach notice for one of them, a delivered sub-processor change notice.

use std::collections::BTreeMap;

use auth::Role;
use chrono::{Duration, Utc};
use proto::v1 as pb;
use testkit::TestDb;

use crate::webhook::Receiver;
use crate::{AppOptions, TestApp, config_for, req, spawn_serving};

/// A monolith serving gRPC and the console.
pub async fn spawn_console(db: &TestDb) -> TestApp {
    spawn_console_with(config_for(db, &AppOptions::default()), db.backend).await
}

/// [`spawn_console`] with a configuration of the test's own.
pub async fn spawn_console_with(config: custodian::Config, backend: testkit::Backend) -> TestApp {
    let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "test-admin")
        .await
        .expect("create admin token");
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let console = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind console");
    spawn_serving(
        config,
        grpc,
        custodian::Extra {
            console: Some(console),
            metrics: None,
        },
        admin,
        backend,
    )
    .await
}

impl TestApp {
    pub fn console_url(&self) -> String {
        format!(
            "http://{}",
            self.console.expect("this app serves the console")
        )
    }

    /// Every token, as `TokenService.ListTokens` lists them for the admin.
    pub async fn token_list(&self) -> Vec<pb::Token> {
        pb::token_service_client::TokenServiceClient::new(self.channel.clone())
            .list_tokens(req(
                &self.admin,
                pb::ListTokensRequest {
                    tenant_id: String::new(),
                    include_revoked: true,
                },
            ))
            .await
            .expect("list tokens")
            .into_inner()
            .tokens
    }
}

/// What a page request answered.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The anti-forgery value of the page's forms.
    pub fn csrf(&self) -> String {
        let key = "name=\"csrf\" value=\"";
        let i = self
            .body
            .find(key)
            .unwrap_or_else(|| panic!("no form on the page: {}", self.body));
        let rest = &self.body[i + key.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    pub fn has(&self, s: &str) -> bool {
        self.body.contains(s)
    }

    /// What a person reads: the text between the tags (no attributes, no
    /// `<script>` or `<style>`, no hidden input values), entities decoded.
    pub fn visible(&self) -> String {
        let mut out = String::new();
        let mut rest = self.body.as_str();
        while let Some(i) = rest.find('<') {
            out.push_str(&rest[..i]);
            out.push(' ');
            rest = &rest[i..];
            let skip_to = if rest.starts_with("<script") {
                "</script>"
            } else if rest.starts_with("<style") {
                "</style>"
            } else {
                ">"
            };
            rest = rest
                .find(skip_to)
                .map(|j| &rest[j + skip_to.len()..])
                .unwrap_or("");
        }
        out.push_str(rest);
        out.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
    }

    /// UUIDs in the visible text: ids a person should never have to read
    /// (they stay in links and in hidden form fields).
    pub fn visible_uuids(&self) -> Vec<String> {
        let v = self.visible();
        let b = v.as_bytes();
        let hex = |c: u8| c.is_ascii_hexdigit();
        let mut found = Vec::new();
        let mut i = 0;
        while i + 36 <= b.len() {
            let w = &b[i..i + 36];
            let ok = w.iter().enumerate().all(|(k, c)| match k {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => hex(*c),
            });
            if ok {
                found.push(String::from_utf8_lossy(w).into_owned());
                i += 36;
            } else {
                i += 1;
            }
        }
        found
    }

    /// Machine times a person should never have to read: "UTC", an RFC
    /// 3339 instant (`2026-11-28T23:00`), in the visible text.
    pub fn machine_times(&self) -> Vec<String> {
        let v = self.visible();
        let b = v.as_bytes();
        let mut found = Vec::new();
        if v.contains("UTC") {
            found.push("UTC".to_owned());
        }
        for i in 0..b.len().saturating_sub(15) {
            let d = |k: usize| b[i + k].is_ascii_digit();
            if d(0)
                && d(1)
                && d(2)
                && d(3)
                && b[i + 4] == b'-'
                && d(5)
                && d(6)
                && b[i + 7] == b'-'
                && d(8)
                && d(9)
                && b[i + 10] == b'T'
                && d(11)
                && d(12)
                && b[i + 13] == b':'
            {
                let from = v.floor_char_boundary(i.saturating_sub(40));
                found.push(v[from..i + 16].to_owned());
            }
        }
        found
    }
}

/// A client with a cookie jar, no redirects followed.
pub struct Web {
    http: reqwest::Client,
    pub base: String,
    jar: BTreeMap<String, String>,
}

impl Web {
    pub fn new(app: &TestApp) -> Web {
        Web::at(app.console_url())
    }

    /// A client of the console at `base` (`http://127.0.0.1:port`).
    pub fn at(base: String) -> Web {
        Web {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            base,
            jar: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, h: &reqwest::header::HeaderMap) {
        for v in h.get_all(reqwest::header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.to_owned(), val.to_owned());
            }
        }
    }

    async fn finish(&mut self, r: reqwest::Response) -> Page {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        self.keep(&headers);
        let body = r.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.finish(r).await
    }

    /// A GET of a deployment that may still be settling: while the console
    /// answers 503 (a service said "retry later": a split deployment just
    /// started on a loaded 2-core machine, its databases' pools busy with
    /// start-up work), it asks again, as a person reloads, for up to 30 s.
    pub async fn get_settled(&mut self, path: &str) -> Page {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let page = self.get(path).await;
            if page.status != 503 || std::time::Instant::now() > until {
                return page;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// A GET with extra request headers (`Host`, `Sec-Fetch-Site`, …).
    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut b = self
            .http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header());
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let r = b.send().await.expect("GET");
        self.finish(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_with(path, form, &[]).await
    }

    pub async fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut b = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .form(form);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let r = b.send().await.expect("POST");
        self.finish(r).await
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.jar.get(name).map(String::as_str)
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.jar.insert(name.into(), value.into());
    }

    /// Signs in with `token`; the answer to the form.
    pub async fn sign_in(&mut self, token: &str) -> Page {
        let form = self.get("/signin").await;
        assert_eq!(form.status, 200);
        let csrf = form.csrf();
        self.post(
            "/signin",
            &[("token", token), ("csrf", &csrf), ("next", "/")],
        )
        .await
    }

    /// Signs in and expects to land on the dashboard.
    pub async fn signed_in(app: &TestApp, token: &str) -> Web {
        let mut w = Web::new(app);
        let r = w.sign_in(token).await;
        assert_eq!(r.status, 303, "sign-in: {}", r.body);
        w
    }

    /// A form post with the session's anti-forgery value, taken from `from`.
    /// Sends a form as a person does from page `from`: with the page's
    /// anti-forgery value, and with the confirmation box ticked when the
    /// page's form has one (the person read what will happen).
    pub async fn act(&mut self, from: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let page = self.get(from).await;
        let csrf = page.csrf();
        let mut f = form.to_vec();
        f.push(("csrf", &csrf));
        if page.has(&format!("action=\"{path}\"")) && page.has("name=\"confirm\"") {
            f.push(("confirm", "true"));
        }
        self.post(path, &f).await
    }

    /// [`Web::act`] without ticking the confirmation box.
    pub async fn act_unconfirmed(&mut self, from: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.get(from).await.csrf();
        let mut f = form.to_vec();
        f.push(("csrf", &csrf));
        self.post(path, &f).await
    }
}

/// The seeded world.
pub struct Seed {
    pub a: pb::Controller,
    pub b: pb::Controller,
    /// The processor's privacy officer (admin role), named.
    pub dpo: String,
    pub a_tok: String,
    pub b_tok: String,
    pub auditor: String,
    /// A's request received 40 days ago: overdue.
    pub a_overdue: String,
    /// B's request received an hour ago.
    pub b_request: String,
    /// A breach confirmed for B only, and B's notice.
    pub b_incident: String,
    pub b_notice: String,
    /// The delivered sub-processor change notices, by controller.
    pub a_sub_notice: String,
    pub b_sub_notice: String,
    pub receiver: Receiver,
}

fn secret(c: char) -> String {
    std::iter::repeat_n(c, 40).collect()
}

pub async fn seed(app: &TestApp, db: &TestDb) -> Seed {
    let (a, _) = app
        .controller_with_agreement("Acme B.V.", "12345678", None)
        .await;
    let (b, _) = app
        .controller_with_agreement("Beta B.V.", "87654321", None)
        .await;
    let receiver = Receiver::start(db.dir.path(), &[]).await;
    for (ctl, path, k) in [(&a, "/hook/a", 'a'), (&b, "/hook/b", 'b')] {
        app.set_webhook(&ctl.id, &format!("{}{path}", receiver.base), &secret(k))
            .await;
    }
    let (_, dpo) = custodian::ops::create_token(
        &app.operator_config(),
        Role::Admin,
        None,
        "Petra de Vries (privacy officer)",
    )
    .await
    .expect("dpo token");
    let (_, a_tok) = custodian::ops::create_token(
        &app.operator_config(),
        Role::Controller,
        Some(&a.id),
        "Acme DPO",
    )
    .await
    .expect("a token");
    let (_, b_tok) = custodian::ops::create_token(
        &app.operator_config(),
        Role::Controller,
        Some(&b.id),
        "Beta DPO",
    )
    .await
    .expect("b token");
    let auditor = app.token(Role::Auditor, None).await;
    let request =
        |ctl: &str, email: &str, received: chrono::DateTime<Utc>| pb::CreateRequestRequest {
            controller_id: ctl.into(),
            r#type: "access".into(),
            channel: "controller_instruction".into(),
            received_at: proto::wire::timestamp(store::truncate_micros(received)),
            subject: Some(pb::SubjectIdentifiers {
                email: email.into(),
                ..Default::default()
            }),
            description: "a copy of everything held".into(),
            ..Default::default()
        };
    let a_overdue = app
        .requests()
        .create_request(req(
            &app.admin,
            // A fixed receipt whose month ends on a Saturday (31 January →
            // 28 February 2026, clamped, then rolled to Monday), so its
            // deadline always carries notes; `now - 40 days` had none on
            // days whose month ended on a weekday.
            request(
                &a.id,
                "jan@example.nl",
                chrono::DateTime::parse_from_rfc3339("2026-01-31T10:00:00Z")
                    .expect("instant")
                    .with_timezone(&Utc),
            ),
        ))
        .await
        .expect("a request")
        .into_inner()
        .id;
    let b_request = app
        .requests()
        .create_request(req(
            &app.admin,
            request(&b.id, "piet@example.nl", Utc::now() - Duration::hours(1)),
        ))
        .await
        .expect("b request")
        .into_inner()
        .id;
    let mut br = app.breaches();
    let i = br
        .report_incident(req(
            &app.admin,
            pb::ReportIncidentRequest {
                discovered_at: proto::wire::timestamp(store::truncate_micros(
                    Utc::now() - Duration::hours(2),
                )),
                discovered_by: "monitoring".into(),
                description: "a misconfigured bucket listed CVs of Beta's candidates".into(),
                systems: vec!["cv-store".into()],
                internal_notes: String::new(),
            },
        ))
        .await
        .expect("report")
        .into_inner();
    let assessed = br
        .assess_incident(req(
            &app.admin,
            pb::AssessIncidentRequest {
                incident_id: i.id.clone(),
                decision: "confirm".into(),
                assessment: Some(pb::Assessment {
                    summary: "CV listing readable without authentication".into(),
                    nature: vec!["confidentiality".into()],
                    risk: "risk".into(),
                    affected: vec![pb::AffectedController {
                        controller_id: b.id.clone(),
                        subjects_approx: Some(12),
                        records_approx: None,
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .await
        .expect("assess")
        .into_inner();
    let b_notice = assessed.notices[0].id.clone();
    let mut s = app.subprocessors();
    let sub = s
        .register_subprocessor(req(
            &app.admin,
            crate::valid_subprocessor("Search Cloud B.V.", "NL"),
        ))
        .await
        .expect("register")
        .into_inner();
    let change = s
        .propose_change(req(
            &app.admin,
            pb::ProposeChangeRequest {
                kind: "add".into(),
                subprocessor_id: sub.id,
                effective_on: (legal_time::period::local_date(Utc::now()) + Duration::days(45))
                    .to_string(),
                description: "full-text search of CVs".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("propose")
        .into_inner();
    let notice_of = |c: &str| {
        change
            .notices
            .iter()
            .find(|n| n.controller_id == c)
            .expect("notice")
            .id
            .clone()
    };
    let (a_sub_notice, b_sub_notice) = (notice_of(&a.id), notice_of(&b.id));
    // Deliver the notices, so the objection windows run.
    app.deliver(Some(&receiver.ca_file)).await;
    Seed {
        a,
        b,
        dpo,
        a_tok,
        b_tok,
        auditor,
        a_overdue,
        b_request,
        b_incident: i.id,
        b_notice,
        a_sub_notice,
        b_sub_notice,
        receiver,
    }
}
