//! The console in a real browser: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`; `.ci/run` installs them).
//! Each journey signs in by typing the token, clicks through the forms a
//! privacy officer uses, and runs axe-core (vendored) on every page it
//! visits: no serious or critical finding is allowed.
//!
//! `CUSTODIAN_SCREENSHOTS=docs/console` writes the main pages' screenshots
//! there (how the ones in docs/console.md were made).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use custodian_tests::console::{Seed, seed, spawn_console};
use custodian_tests::*;
use fantoccini::{Client, ClientBuilder, Locator};
use proto::v1 as pb;
use serde_json::json;
use testkit::TestDb;

const AXE: &str = include_str!("vendor/axe-4.14.1.min.js");
const INSTALL: &str = "the browser tests need Debian's Chromium and its WebDriver: \
    apt-get update && apt-get install -y chromium chromium-driver (.ci/run does this)";

fn which(env: &str, default: &str) -> String {
    let p = std::env::var(env).unwrap_or_else(|_| default.to_owned());
    assert!(
        std::path::Path::new(&p).exists(),
        "{p} is missing: {INSTALL}"
    );
    p
}

/// A chromedriver process; killed when dropped.
struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser() -> (Driver, Client) {
    let driver = which("CHROMEDRIVER", "/usr/bin/chromedriver");
    let chromium = which("CHROMIUM", "/usr/bin/chromium");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {driver}: {e}: {INSTALL}"));
    let profile = tempfile::tempdir().unwrap();
    let d = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: profile,
    };
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", d._profile.path().display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let mut last = String::new();
    for _ in 0..100 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&d.url)
            .await
        {
            Ok(c) => return (d, c),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver at {} did not start a browser: {last}", d.url);
}

/// axe-core on the current page: no serious or critical violation.
async fn accessible(c: &Client, page: &str) {
    c.execute(AXE, vec![]).await.expect("inject axe");
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ['violations'] }).then(r => done(
                 r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' +
                        v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))));"#,
            vec![],
        )
        .await
        .expect("run axe");
    let found: Vec<String> = serde_json::from_value(found).unwrap();
    assert!(
        found.is_empty(),
        "{page}: accessibility findings:\n{}",
        found.join("\n")
    );
}

async fn text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn shot(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("CUSTODIAN_SCREENSHOTS") {
        let png = c.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}

/// What `fetch` of `path` answers in the page's own session: status,
/// content type and disposition, and the body.
async fn fetch(c: &Client, path: &str) -> (u16, String, String, String) {
    let v = c
        .execute_async(
            r#"const [p, done] = [arguments[0], arguments[arguments.length - 1]];
               fetch(p).then(async r => done([r.status, r.headers.get('content-type') || '',
                 r.headers.get('content-disposition') || '', await r.text()]));"#,
            vec![json!(path)],
        )
        .await
        .expect("fetch");
    serde_json::from_value(v).unwrap()
}

async fn sign_in(c: &Client, base: &str, token: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    // Not signed in: the sign-in form.
    let field = c
        .wait()
        .for_element(Locator::Css("#signin-token"))
        .await
        .unwrap();
    accessible(c, "sign-in").await;
    field.send_keys(token).await.unwrap();
    click(c, "#signin button[type=submit]").await;
    until_signed_in(c).await;
}

/// Waits for a page that says who is signed in; fails with where the
/// browser is and what it shows.
async fn until_signed_in(c: &Client) {
    if c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#who"))
        .await
        .is_err()
    {
        panic!(
            "not signed in: at {} showing:\n{}",
            c.current_url().await.unwrap(),
            text(c).await
        );
    }
}

async fn visit(c: &Client, base: &str, path: &str, expect: &str) -> String {
    c.goto(&format!("{base}{path}")).await.unwrap();
    let t = text(c).await;
    assert!(t.contains(expect), "{path} shows {expect:?}:\n{t}");
    accessible(c, path).await;
    t
}

/// Ticks a form's confirmation box (what an irreversible action asks).
async fn confirm(c: &Client, form: &str) {
    c.find(Locator::Css(&format!("#{form}-confirm")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn submit(c: &Client, form: &str) {
    c.find(Locator::Css(&format!("#{form} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_privacy_officer_runs_a_day_in_the_browser() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s: Seed = seed(&app, &db).await;
    let base = app.console_url();
    let (_d, c) = browser().await;
    sign_in(&c, &base, &s.dpo).await;
    let home = text(&c).await;
    assert!(
        home.contains("Petra de Vries (privacy officer)") && home.contains("every tenant"),
        "{home}"
    );
    // The overdue request, with its rule and citation.
    let overdue = c
        .find(Locator::XPath("//section[h2='Overdue']"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        overdue.contains("GDPR art. 12(3)") && overdue.contains("overdue by"),
        "{overdue}"
    );
    // Named in words and linked; the id only in the link.
    assert!(!overdue.contains(&s.a_overdue), "{overdue}");
    assert!(
        c.find(Locator::Css(&format!(
            "section a[href='/requests/{}']",
            s.a_overdue
        )))
        .await
        .is_ok()
    );
    accessible(&c, "/").await;
    shot(&c, "obligations").await;

    // Every page of the navigation passes the accessibility check.
    let links = c.find_all(Locator::Css("nav.main a")).await.unwrap();
    let mut hrefs = Vec::new();
    for l in links {
        hrefs.push(l.attr("href").await.unwrap().unwrap());
    }
    assert!(hrefs.len() >= 11, "{hrefs:?}");
    for h in &hrefs {
        c.goto(&format!("{base}{h}")).await.unwrap();
        accessible(&c, h).await;
    }
    // The detail pages too.
    for (path, expect) in [
        (
            format!("/requests/{}", s.a_overdue),
            "No longer allowed".to_owned(),
        ),
        (format!("/breaches/{}", s.b_incident), "Timeline".to_owned()),
        (
            format!("/breaches/notices/{}", s.b_notice),
            "Content of the notice".to_owned(),
        ),
        (
            format!("/breaches/notices/{}/authority-draft", s.b_notice),
            "Draft notification to the Autoriteit Persoonsgegevens".to_owned(),
        ),
        (
            "/agreements/record/view".to_owned(),
            "The processor (art. 30(2)(a))".to_owned(),
        ),
        ("/people".to_owned(), "Invite a person".to_owned()),
        (
            "/obligations.csv".to_owned(),
            "service,tenant_id".to_owned(),
        ),
    ] {
        if path.ends_with(".csv") {
            let (status, kind, ..) = fetch(&c, &path).await;
            assert_eq!(status, 200);
            assert!(kind.starts_with("text/csv"), "{kind}");
            let _ = expect;
        } else {
            visit(&c, &base, &path, &expect).await;
        }
    }
    // An agreement, a switch and a deletion certificate, from their lists.
    c.goto(&format!("{base}/agreements")).await.unwrap();
    click(&c, "main table a[href^='/agreements/']").await;
    c.wait()
        .for_element(Locator::XPath("//h2[.='Terms']"))
        .await
        .unwrap();
    accessible(&c, "agreement").await;
    let sw = app
        .switching()
        .request_switch(req(
            &s.a_tok,
            pb::RequestSwitchRequest {
                election: "switch".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    visit(&c, &base, &format!("/switching/{}", sw.id), "Milestones").await;
    let mut cand = valid_candidate("browser-1", "Jan Jansen", "jan.browser@example.nl");
    cand.tenant_id = s.a.id.clone();
    let cand = app
        .vault()
        .put_candidate(req(&app.admin, cand))
        .await
        .unwrap()
        .into_inner();
    app.vault()
        .erase_candidate(req(
            &app.admin,
            pb::EraseCandidateRequest {
                id: cand.id.clone(),
                reason: "request".into(),
                reference: String::new(),
            },
        ))
        .await
        .unwrap();
    visit(
        &c,
        &base,
        &format!("/retention/certificates/{}", cand.id),
        "Deletion certificate",
    )
    .await;
    c.goto(&format!("{base}/webhooks")).await.unwrap();
    let first = c
        .find(Locator::Css("main table a[href^='/webhooks/']"))
        .await
        .unwrap();
    first.click().await.unwrap();
    c.wait()
        .for_element(Locator::XPath("//h2[.='Attempts']"))
        .await
        .unwrap();
    accessible(&c, "webhook delivery").await;
    visit(&c, &base, "/reports", "Requests per month by type").await;
    shot(&c, "reports").await;
    visit(
        &c,
        &base,
        &format!("/subprocessors/notices/{}", s.a_sub_notice),
        "Objection window ends",
    )
    .await;
    visit(
        &c,
        &base,
        &format!("/retention?tenant={}", s.a.id),
        "Retention policy",
    )
    .await;

    // Report a breach and assess it.
    visit(&c, &base, "/breaches", "Report an incident").await;
    type_into(&c, "#report-discovered_by", "security desk").await;
    type_into(&c, "#report-systems", "api, cv-store").await;
    type_into(
        &c,
        "#report-description",
        "an API key leaked in a public repository",
    )
    .await;
    submit(&c, "report").await;
    c.wait().for_element(Locator::Css("#assess")).await.unwrap();
    let incident_url = c.current_url().await.unwrap().to_string();
    assert!(
        text(&c).await.contains("an API key leaked"),
        "on the incident's page"
    );
    accessible(&c, "incident (reported)").await;
    type_into(&c, "#assess-summary", "read access to CVs for 20 minutes").await;
    // Pickers, not ids: the controller by its name, the kinds of data in
    // words; the numbers beside the controller.
    c.find(Locator::XPath(
        "//fieldset[legend='Affected controllers']//label[.='Acme B.V.']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::XPath(
        "//fieldset[legend='Kinds of personal data']//label[.='address, e-mail, telephone']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let people = format!("#assess-subjects_{}", s.a.id);
    c.find(Locator::Css(&people))
        .await
        .unwrap()
        .send_keys("-3")
        .await
        .unwrap();
    submit(&c, "assess").await;
    // A number that cannot be: said beside the form, what was typed kept.
    c.wait()
        .for_element(Locator::XPath("//*[contains(., 'give a whole number')]"))
        .await
        .unwrap();
    let kept = c
        .find(Locator::Css("#assess-summary"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        kept, "read access to CVs for 20 minutes",
        "the form kept it"
    );
    accessible(&c, "assessment refused").await;
    let field = c.find(Locator::Css(&people)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("120").await.unwrap();
    submit(&c, "assess").await;
    c.wait()
        .for_element(Locator::Css("#clocks table"))
        .await
        .unwrap();
    assert_eq!(c.current_url().await.unwrap().to_string(), incident_url);
    let clocks = c
        .find(Locator::Css("#clocks"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(clocks.contains("left"), "the clocks run: {clocks}");
    assert!(clocks.contains("Authority, 72 hours"), "{clocks}");
    accessible(&c, "incident (confirmed)").await;
    shot(&c, "breach").await;
    // The clocks refresh in place (htmx, under the strict CSP): mark the
    // section, ask htmx for the fragment, and see a new section.
    let refreshed = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const s = document.getElementById('clocks');
               s.setAttribute('data-old', '1');
               htmx.ajax('GET', s.getAttribute('hx-get'), { target: '#clocks', swap: 'outerHTML' })
                 .then(() => { const n = document.getElementById('clocks');
                               done([n.getAttribute('data-old'), n.innerText]); });"#,
            vec![],
        )
        .await
        .expect("htmx refresh");
    let (old, fresh): (Option<String>, String) = serde_json::from_value(refreshed).unwrap();
    assert_eq!(old, None, "the section was replaced");
    assert!(fresh.contains("left"), "{fresh}");

    // Extend B's request.
    visit(
        &c,
        &base,
        &format!("/requests/{}", s.b_request),
        "Still allowed",
    )
    .await;
    type_into(
        &c,
        "#extend-reasons",
        "the subject's data spans many applications",
    )
    .await;
    // Without the confirmation the browser does not send the form.
    submit(&c, "extend").await;
    assert!(
        c.find(Locator::Css("#extend-reasons")).await.is_ok(),
        "still on the form"
    );
    confirm(&c, "extend").await;
    submit(&c, "extend").await;
    c.wait()
        .for_element(Locator::XPath("//dt[.='Extended']"))
        .await
        .unwrap();
    let after = text(&c).await;
    assert!(
        after.contains("the subject's data spans many applications"),
        "{after}"
    );
    // The page says what was done.
    assert!(
        after.contains("The request was extended by two months."),
        "{after}"
    );
    assert!(!after.contains("Extend by two months"));
    shot(&c, "request").await;

    // Download the record of processing.
    c.goto(&format!("{base}/agreements")).await.unwrap();
    let href = c
        .find(Locator::XPath(
            "//a[contains(., 'Record of processing') and contains(., 'CSV')]",
        ))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let (status, kind, disposition, body) = fetch(&c, &href).await;
    assert_eq!(status, 200);
    assert!(
        kind.starts_with("text/csv") && disposition.contains("record-of-processing.csv"),
        "{kind} {disposition}"
    );
    assert!(
        body.contains("Acme B.V.") && body.contains("Beta B.V."),
        "{body}"
    );
    shot(&c, "agreements").await;

    // Verify the audit chain.
    visit(&c, &base, "/audit", "Verify the chain").await;
    submit(&c, "verify").await;
    c.wait()
        .for_element(Locator::Css("p.message"))
        .await
        .unwrap();
    assert!(text(&c).await.contains("The chain is intact."));
    accessible(&c, "audit verified").await;
    shot(&c, "audit").await;

    // Dutch, then sign out.
    click(&c, "a[hreflang=nl]").await;
    c.wait()
        .for_element(Locator::Css("html[lang=nl]"))
        .await
        .unwrap();
    assert!(text(&c).await.contains("Afmelden"));
    accessible(&c, "audit (Dutch)").await;
    // The paper documents on screen, in Dutch: the authority draft in the
    // order of the AP's form and the record of processing.
    visit(
        &c,
        &base,
        &format!("/breaches/notices/{}/authority-draft", s.b_notice),
        "Concept van de melding aan de Autoriteit Persoonsgegevens",
    )
    .await;
    accessible(&c, "authority draft (Dutch)").await;
    shot(&c, "authority-draft-nl").await;
    visit(
        &c,
        &base,
        "/agreements/record/view",
        "Register van verwerkingsactiviteiten (art. 30 lid 2)",
    )
    .await;
    accessible(&c, "record of processing (Dutch)").await;
    shot(&c, "record-nl").await;
    visit(&c, &base, "/people", "Een persoon uitnodigen").await;
    click(&c, "form.signout button").await;
    c.wait()
        .for_element(Locator::Css("#signin-token"))
        .await
        .unwrap();
    c.goto(&format!("{base}/requests")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#signin-token"))
        .await
        .unwrap();
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_customer_dpo_sees_its_own_tenant_and_objects_in_the_browser() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s: Seed = seed(&app, &db).await;
    let base = app.console_url();
    let (_d, c) = browser().await;
    sign_in(&c, &base, &s.a_tok).await;
    let home = text(&c).await;
    // Its company by name, not by id.
    assert!(
        home.contains("Acme DPO") && home.contains("tenant Acme B.V."),
        "{home}"
    );
    assert!(
        !home.contains(&s.a_overdue),
        "no id on the dashboard: {home}"
    );
    let own = format!("a[href='/requests/{}']", s.a_overdue);
    let other = format!("a[href='/requests/{}']", s.b_request);
    assert!(c.find(Locator::Css(&own)).await.is_ok());
    assert!(c.find(Locator::Css(&other)).await.is_err());
    let q = visit(&c, &base, "/requests", "Data-subject requests").await;
    // Its request by what it is and when it came, linked; not B's.
    assert!(q.contains("access (art. 15) · "), "{q}");
    assert!(!q.contains(&s.a_overdue), "no id on the queue: {q}");
    let own = format!("a[href='/requests/{}']", s.a_overdue);
    let other = format!("a[href='/requests/{}']", s.b_request);
    assert!(c.find(Locator::Css(&own)).await.is_ok());
    assert!(c.find(Locator::Css(&other)).await.is_err());
    // Another tenant's request: the not-found page, status 404.
    let t = visit(
        &c,
        &base,
        &format!("/requests/{}", s.b_request),
        "Not found",
    )
    .await;
    assert!(!t.contains("piet@example.nl"));
    let (status, ..) = fetch(&c, &format!("/requests/{}", s.b_request)).await;
    assert_eq!(status, 404);
    let (status, ..) = fetch(&c, &format!("/breaches/notices/{}", s.b_notice)).await;
    assert_eq!(status, 404);
    // Object to the sub-processor change.
    visit(
        &c,
        &base,
        &format!("/subprocessors/notices/{}", s.a_sub_notice),
        "Object to this change",
    )
    .await;
    type_into(&c, "#object-reason", "search runs outside the EEA for us").await;
    confirm(&c, "object").await;
    submit(&c, "object").await;
    c.wait()
        .for_element(Locator::XPath(
            "//td[contains(., 'search runs outside the EEA for us')]",
        ))
        .await
        .unwrap();
    accessible(&c, "objected").await;
    shot(&c, "subprocessor-objection").await;
    // What the role may not do is not offered.
    let b = visit(&c, &base, "/breaches", "Notices to controllers").await;
    assert!(!b.contains("Report an incident"));
    c.close().await.unwrap();
    app.stop().await;
}

/// Clicks the link whose text contains `words` and waits for `expect`.
async fn follow(c: &Client, words: &str, expect: &str) {
    c.find(Locator::XPath(&format!(
        "//main//a[contains(., \"{words}\")]"
    )))
    .await
    .unwrap_or_else(|_| panic!("a link with {words:?}"))
    .click()
    .await
    .unwrap();
    wait_text(c, expect).await;
}

/// Waits until the page says `expect`.
async fn wait_text(c: &Client, expect: &str) {
    let found = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&format!(
            "//main[contains(., \"{expect}\")]"
        )))
        .await;
    if found.is_err() {
        panic!(
            "{expect:?} not shown at {}:\n{}",
            c.current_url().await.unwrap(),
            text(c).await
        );
    }
}

/// The processor's DPO, in Dutch, previews every open notice of an incident
/// and sends them in one step, and fulfils the overdue request; then a customer's DPO, in Dutch, reads its notice,
/// acknowledges it and records its own notification to the authority,
/// files a data-subject request, requests a switch and downloads a
/// deletion certificate, every page passing the accessibility check.
#[tokio::test]
async fn the_processor_sends_to_all_and_a_customer_serves_itself_in_dutch() {
    let db = TestDb::new(testkit::Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s: Seed = seed(&app, &db).await;
    // One of B's candidates was erased: its certificate is B's to download.
    let mut cand = valid_candidate("bewerk-7", "Els de Boer", "els@example.nl");
    cand.tenant_id = s.b.id.clone();
    let cand = app
        .vault()
        .put_candidate(req(&app.admin, cand))
        .await
        .unwrap()
        .into_inner();
    app.vault()
        .erase_candidate(req(
            &app.admin,
            pb::EraseCandidateRequest {
                id: cand.id.clone(),
                reason: "request".into(),
                reference: "DSR-12".into(),
            },
        ))
        .await
        .unwrap();
    let base = app.console_url();
    let (_d, c) = browser().await;

    // The processor's DPO, in Dutch: a preview of every open notice, then
    // one send.
    sign_in(&c, &base, &s.dpo).await;
    click(&c, "a[hreflang=nl]").await;
    c.wait()
        .for_element(Locator::Css("html[lang=nl]"))
        .await
        .unwrap();
    visit(
        &c,
        &base,
        &format!("/breaches/{}", s.b_incident),
        "Alle meldingen bekijken",
    )
    .await;
    follow(&c, "Alle meldingen bekijken", "Aan Beta B.V.").await;
    accessible(&c, "preview of every notice").await;
    // Nothing is sent without the box that says it cannot be called back.
    submit(&c, "send").await;
    assert!(
        c.find(Locator::Css("#send")).await.is_ok(),
        "still on the preview"
    );
    confirm(&c, "send").await;
    submit(&c, "send").await;
    wait_text(&c, "De melding is verzonden aan:").await;
    accessible(&c, "sent to all").await;
    // The overdue request: why it is late, then fulfilled, and each file of
    // the answer downloads.
    let why = visit(
        &c,
        &base,
        &format!("/requests/{}", s.a_overdue),
        "Het verzoek uitvoeren",
    )
    .await;
    assert!(why.contains("te laat"), "{why}");
    type_into(&c, "#fulfil-note", "sent by secure mail").await;
    confirm(&c, "fulfil").await;
    submit(&c, "fulfil").await;
    wait_text(&c, "Bestanden van het antwoord").await;
    accessible(&c, "fulfilled").await;
    let href = c
        .find(Locator::XPath("//main//a[contains(@href, '/answer/')]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let (status, _, disposition, body) = fetch(&c, &href).await;
    assert_eq!(status, 200, "{href}");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(!body.is_empty());
    click(&c, "form.signout button").await;
    c.wait()
        .for_element(Locator::Css("#signin-token"))
        .await
        .unwrap();

    // Beta's DPO, in Dutch.
    sign_in(&c, &base, &s.b_tok).await;
    click(&c, "a[hreflang=nl]").await;
    c.wait()
        .for_element(Locator::Css("html[lang=nl]"))
        .await
        .unwrap();
    // Its notice, read on screen, acknowledged, and its own notification
    // to the authority recorded.
    visit(
        &c,
        &base,
        &format!("/breaches/notices/{}", s.b_notice),
        "Wat de verwerkingsverantwoordelijke ontving",
    )
    .await;
    submit(&c, "acknowledge").await;
    wait_text(&c, "De ontvangst van de melding is bevestigd.").await;
    type_into(&c, "#authority-reference", "AP-2026-4711").await;
    confirm(&c, "authority").await;
    submit(&c, "authority").await;
    wait_text(&c, "AP-2026-4711").await;
    accessible(&c, "notice, authority notified (Dutch)").await;

    // A data-subject request, filed for its own company.
    visit(&c, &base, "/requests", "Verzoek indienen").await;
    click(&c, "#file-type option[value=erasure]").await;
    type_into(&c, "#file-email", "piet@example.nl").await;
    submit(&c, "file").await;
    wait_text(&c, "wissen (art. 17)").await;
    let filed = text(&c).await;
    assert!(filed.contains("Beta B.V."), "{filed}");
    accessible(&c, "request filed (Dutch)").await;

    // A Data Act switch.
    visit(&c, &base, "/switching", "Een overstap of exit aanvragen").await;
    type_into(&c, "#request-destination", "Nieuwe Leverancier B.V.").await;
    confirm(&c, "request").await;
    submit(&c, "request").await;
    wait_text(&c, "Mijlpalen").await;
    let sw = text(&c).await;
    assert!(sw.contains("Nieuwe Leverancier B.V."), "{sw}");
    accessible(&c, "switch requested (Dutch)").await;

    // The deletion certificate of its erased candidate, as a signed file.
    visit(&c, &base, "/retention", "Verwijderingscertificaten").await;
    follow(&c, "bewerk-7", "bewerk-7").await;
    accessible(&c, "certificate (Dutch)").await;
    let href = c
        .find(Locator::XPath("//main//a[contains(@href, '/signed')]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let (status, kind, disposition, body) = fetch(&c, &href).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        kind.starts_with("application/json") && disposition.contains("attachment"),
        "{kind} {disposition}"
    );
    assert!(body.contains(&cand.id), "{body}");
    c.close().await.unwrap();
    app.stop().await;
}

/// Types `text` into the element `css` names.
async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks the element `css` names.
async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .click()
        .await
        .unwrap();
}

/// Signs in through provider button `provider` and the provider's own login
/// page as `login` (with its second factor), in the browser.
async fn sign_in_through(c: &Client, base: &str, provider: &str, login: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    c.wait()
        .for_element(Locator::Css(&format!(
            "a[href^='/signin/provider/{provider}?']"
        )))
        .await
        .unwrap();
    accessible(c, "sign-in with providers").await;
    shot(c, "signin-providers").await;
    click(c, &format!("a[href^='/signin/provider/{provider}?']")).await;
    // The provider's login page (oidc-provider's interaction).
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#login"))
        .await
        .unwrap_or_else(|_| panic!("no provider login page"));
    type_into(c, "#login", login).await;
    click(c, "input[name=mfa]").await;
    click(c, "#continue").await;
    until_signed_in(c).await;
}

/// The processor's DPO signs in through the processor's provider and
/// works; a customer's DPO, invited in Dutch, signs in through its own
/// company's provider, reads the console in Dutch and sees its own company
/// only; removed, its session ends.
#[tokio::test]
async fn people_sign_in_through_their_identity_provider_in_the_browser() {
    let db = TestDb::new(Backend::Sqlite).await;
    let w = custodian_tests::oidc::SignInWorld::start(&db).await;
    let (_d, c) = browser().await;
    sign_in_through(&c, &w.base, "staff", "dana").await;
    let home = text(&c).await;
    assert!(home.contains("Dana Prins"), "{home}");
    // She works: invites a colleague on the People page.
    visit(&c, &w.base, "/people", "People").await;
    type_into(&c, "#invite-name", "Piet Jansen").await;
    type_into(&c, "#invite-email", "piet@processor.example").await;
    submit(&c, "invite").await;
    wait_text(&c, "Piet Jansen").await;
    let log = visit(&c, &w.base, "/audit", "Audit log").await;
    assert!(
        log.contains("signed in through an identity provider"),
        "{log}"
    );
    assert!(!log.contains("person:"), "{log}");
    click(&c, "form.signout button").await;
    wait_text(&c, "Sign in with Processor account").await;

    // Klant's DPO, through Klant's own provider: Dutch, its company only.
    c.delete_all_cookies().await.unwrap();
    sign_in_through(&c, &w.base, "klant", "kim").await;
    let home = text(&c).await;
    assert!(
        home.contains("Kim de Vries") && home.contains("Klant B.V."),
        "{home}"
    );
    let agreements = visit(&c, &w.base, "/agreements", "Overeenkomsten").await;
    assert!(!agreements.contains("Ander B.V."), "{agreements}");
    shot(&c, "signed-in-through-provider-nl").await;
    // Her calendar: a new private address, shown once.
    visit(&c, &w.base, "/calendar", "Mijn agenda").await;
    submit(&c, "calendar").await;
    wait_text(&c, "Uw nieuwe agenda-adres").await;
    accessible(&c, "/calendar (new address)").await;
    let cal = text(&c).await;
    assert!(cal.contains("webcal://"), "{cal}");
    // Removed by the processor: the next page sends her to sign in again.
    w.app
        .people()
        .remove_person(req(
            &w.app.admin,
            pb::RemovePersonRequest {
                id: w.kim.id.clone(),
                reason: "left Klant B.V.".into(),
            },
        ))
        .await
        .expect("remove");
    c.goto(&format!("{}/agreements", w.base)).await.unwrap();
    wait_text(&c, "Uw sessie is beëindigd").await;
    w.app.stop().await;
}

/// An alert's link, followed in the browser: it asks for the sign-in, and
/// after it the person is on the page the mail named. Then the person's
/// own choices (English, then Dutch), who receives what and the mails, as
/// an administrator reads them.
#[tokio::test]
async fn a_mails_link_opens_its_page_after_sign_in_and_people_choose_their_alerts_in_the_browser() {
    let db = TestDb::new(Backend::Sqlite).await;
    let w = custodian_tests::oidc::SignInWorld::start(&db).await;
    let sink = custodian_tests::smtp::Sink::start(None, 0);
    let mut cfg = w.app.config.clone();
    cfg.mail = sink.config(&w.base);
    custodian::worker::once(&cfg)
        .await
        .expect("the event reader starts");
    let incident = w
        .app
        .breaches()
        .report_incident(req(
            &w.app.admin,
            pb::ReportIncidentRequest {
                discovered_at: proto::wire::timestamp(store::truncate_micros(
                    chrono::Utc::now() - chrono::Duration::hours(19),
                )),
                discovered_by: "SOC".into(),
                description: "A laptop with exported CVs was stolen".into(),
                systems: vec!["laptop".into()],
                internal_notes: String::new(),
            },
        ))
        .await
        .expect("incident")
        .into_inner();
    custodian::worker::once(&cfg).await.expect("mail round");
    let got = sink.wait_for(4, Duration::from_secs(10)).await;
    let alert = got
        .iter()
        .find(|m| {
            m.to == vec!["dana@processor.example".to_string()]
                && m.subject.starts_with("6 hours left:")
        })
        .unwrap_or_else(|| {
            panic!(
                "Dana's alert: {:?}",
                got.iter().map(|m| &m.subject).collect::<Vec<_>>()
            )
        });
    let link = alert
        .text
        .lines()
        .find_map(|l| l.strip_prefix("Open in the console: "))
        .expect("the console link")
        .to_owned();
    assert_eq!(link, format!("{}/breaches/{}", w.base, incident.id));

    let (_d, c) = browser().await;
    c.goto(&link).await.unwrap();
    c.wait()
        .for_element(Locator::Css("a[href^='/signin/provider/staff?']"))
        .await
        .expect("the sign-in page");
    click(&c, "a[href^='/signin/provider/staff?']").await;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#login"))
        .await
        .expect("the provider's login page");
    type_into(&c, "#login", "dana").await;
    click(&c, "input[name=mfa]").await;
    click(&c, "#continue").await;
    until_signed_in(&c).await;
    assert_eq!(c.current_url().await.unwrap().as_str(), link);
    let page = text(&c).await;
    assert!(
        page.contains("A laptop with exported CVs was stolen"),
        "{page}"
    );

    let mine = visit(&c, &w.base, "/me/notifications", "My notifications").await;
    assert!(
        mine.contains("Alert me about") && mine.contains("dana@processor.example"),
        "{mine}"
    );
    shot(&c, "my-notifications-en").await;
    // Agreements off, the digest at 07:30, Dutch.
    click(&c, "input[name=alerts][value=agreements]").await;
    c.find(Locator::Css("#preferences-digest_at option[value='07:30']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#preferences-language option[value='nl']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&c, "preferences").await;
    wait_text(&c, "Uw keuzes zijn opgeslagen.").await;
    accessible(&c, "/me/notifications (saved)").await;
    shot(&c, "my-notifications-nl").await;
    let who = visit(&c, &w.base, "/people/recipients", "Wie ontvangt wat").await;
    assert!(who.contains("Ander B.V."), "{who}");
    shot(&c, "who-receives-what-nl").await;
    let mails = visit(&c, &w.base, "/mail", "E-mails aan mensen").await;
    assert!(
        mails.contains("Nog 6 uur") || mails.contains("6 hours left"),
        "{mails}"
    );
    shot(&c, "mails-nl").await;
    c.goto(&format!("{}/lang/en?back=/people/recipients", w.base))
        .await
        .unwrap();
    wait_text(&c, "Who receives what").await;
    accessible(&c, "/people/recipients (en)").await;
    shot(&c, "who-receives-what-en").await;
    w.app.stop().await;
}
