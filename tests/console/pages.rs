//! Every page of the console, in process: sign-in and the session's
//! security, what each role is shown, tenant isolation (another tenant's
//! object is a 404), forms with their anti-forgery values, bad input.

use custodian_tests::console::{Web, seed, spawn_console};
use custodian_tests::*;
use proto::v1 as pb;
use testkit::TestDb;

#[tokio::test]
async fn sign_in_session_cookie_headers_and_sign_out() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::new(&app);
    // Not signed in: every page sends to the sign-in form, and back after.
    let r = w.get("/requests?status=open").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        "/signin?next=/requests%3Fstatus%3Dopen"
    );
    let form = w.get("/signin").await;
    assert_eq!(form.status, 200);
    assert!(form.has("<label for=\"signin-token\">API token</label>"));
    // Strict headers on every answer.
    assert_eq!(form.header("content-security-policy"), ::console::web::CSP);
    assert!(
        form.header("content-security-policy")
            .starts_with("default-src 'self'")
    );
    assert_eq!(form.header("x-frame-options"), "DENY");
    assert_eq!(form.header("x-content-type-options"), "nosniff");
    assert_eq!(form.header("cache-control"), "no-store");
    // A sign-in without the form's own value is refused.
    let forged = w
        .post(
            "/signin",
            &[("token", &s.dpo), ("csrf", "forged"), ("next", "/")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(w.cookie("custodian_console").is_none());
    // A wrong token is refused, and says so.
    let bad = w.sign_in("cst_not-a-token").await;
    assert_eq!(bad.status, 401);
    assert!(bad.has("The token was not accepted."));
    // A machine's role cannot use the console.
    let worker = app.token(auth::Role::Worker, None).await;
    let r = w.sign_in(&worker).await;
    assert_eq!(r.status, 401);
    assert!(r.has("cannot use the console"), "{}", r.body);
    // The privacy officer signs in: only an opaque cookie reaches the browser.
    let ok = w.sign_in(&s.dpo).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.header("location"), "/");
    let set: Vec<&str> = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("custodian_console="))
        .expect("session cookie");
    // Lax: a console link opened from an e-mail finds the session (below).
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(
        !session.contains(&s.dpo),
        "the token never reaches the browser"
    );
    let id = w.cookie("custodian_console").unwrap().to_owned();
    assert_eq!(id.len(), 64);
    let home = w.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.has("Petra de Vries (privacy officer)"),
        "who is signed in"
    );
    assert!(home.has("<strong class=\"role\">administrator</strong>"));
    assert!(home.has("<strong class=\"tenant\">every tenant</strong>"));
    assert!(!home.body.contains(&s.dpo), "the token is never in a page");
    // A state-changing request from another site is refused outright.
    let csrf = home.csrf();
    let cross = w
        .post_with(
            "/signout",
            &[("csrf", &csrf)],
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(cross.status, 403);
    assert_eq!(w.get("/").await.status, 200, "still signed in");
    // Sign-out without the form's value is refused; with it the session ends.
    assert_eq!(w.post("/signout", &[("csrf", "x")]).await.status, 403);
    let out = w.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), "/signin");
    // The old cookie no longer opens anything.
    w.set_cookie("custodian_console", &id);
    assert_eq!(w.get("/").await.status, 303);
    app.stop().await;
}

#[tokio::test]
async fn a_revoked_token_ends_the_session() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let (info, token) = custodian::ops::create_token(
        &app.operator_config(),
        auth::Role::Auditor,
        None,
        "temp auditor",
    )
    .await
    .unwrap();
    let mut w = Web::signed_in(&app, &token).await;
    assert_eq!(w.get("/audit").await.status, 200);
    custodian::ops::revoke_token(&app.config, &info.id)
        .await
        .unwrap();
    let r = w.get("/audit?action=token.").await;
    assert_eq!(r.status, 303);
    // Back to the page the person was on, once signed in again.
    assert_eq!(
        r.header("location"),
        "/signin?ended=1&next=/audit%3Faction%3Dtoken."
    );
    let again = w.get(r.header("location")).await;
    assert!(again.has("Your session has ended. Sign in again."));
    assert!(
        again.has("name=\"next\" value=\"/audit?action=token.\""),
        "{}",
        again.body
    );
    app.stop().await;
}

/// A group larger than the overview shows says how many it holds and links
/// to all of them; opened, it pages by cursor with its position and total;
/// the erasures due on the retention page page the same way. Nothing is
/// capped silently.
#[tokio::test]
async fn long_lists_page_with_their_totals() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let batch = (0..130)
        .map(|i| {
            let mut c = valid_candidate(&format!("bulk-{i:03}"), "Piet", "piet@example.nl");
            c.tenant_id = s.a.id.clone();
            c
        })
        .collect();
    app.vault()
        .put_candidates(req(
            &app.admin,
            pb::PutCandidatesRequest {
                tenant_id: s.a.id.clone(),
                candidates: batch,
            },
        ))
        .await
        .unwrap();
    // Their retention ends in 30 days: 130 erasures due "later", all at one
    // instant (the rank's tie on the id is what pages them).
    use store::entities::vault::candidates;
    use store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let due = store::now_micros() + chrono::Duration::days(30);
    candidates::Entity::update_many()
        .col_expr(candidates::Column::Status, Expr::value("rejected"))
        .col_expr(candidates::Column::DeleteAfter, Expr::value(due))
        .filter(candidates::Column::ExternalRef.starts_with("bulk-"))
        .exec(&app.db().await)
        .await
        .unwrap();
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let overview = w.get("/?service=vault").await;
    assert_eq!(overview.status, 200);
    assert!(
        overview.has("Later: 1 to 20 of 130") && overview.has("Show all 130 in this group"),
        "{}",
        overview.body
    );
    assert!(overview.has("candidate bulk-000"), "named by reference");
    let mut page = w.get("/?service=vault&group=later").await;
    let mut seen = Vec::new();
    for (first, last) in [(1, 100), (101, 130)] {
        assert!(
            page.has(&format!("Later: {first} to {last} of 130")),
            "{}",
            page.body
        );
        for i in 0..130 {
            if page.has(&format!(">candidate bulk-{i:03}<")) {
                seen.push(i);
            }
        }
        if last == 130 {
            assert!(!page.has("Next page") && page.has("First page"));
            break;
        }
        let at = page.body.find("Next page").expect("a next page");
        let href_at = page.body[..at].rfind("href=\"").unwrap() + 6;
        let href = page.body[href_at..at]
            .split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&");
        page = w.get(&href).await;
        assert_eq!(page.status, 200, "{href}");
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 130, "every row once, none lost between pages");
    // A group the link does not know shows the overview, not an error.
    assert_eq!(w.get("/?group=nonsense").await.status, 200);
    // Retention: the erasures due page too.
    let ret = w.get(&format!("/retention?tenant={}", s.a.id)).await;
    assert!(
        ret.has("Erasures due: 1 to 100 of 130") && ret.has("Candidates: 1 to 100 of 130"),
        "{}",
        ret.body
    );
    // The request queue: 100 a page with the total, the filter kept on
    // the next page, every request once.
    for k in 0..105 {
        app.requests()
            .create_request(req(
                &app.admin,
                pb::CreateRequestRequest {
                    controller_id: s.a.id.clone(),
                    r#type: "access".into(),
                    channel: "controller_instruction".into(),
                    received_at: proto::wire::timestamp(
                        chrono::Utc::now() - chrono::Duration::hours(k + 2),
                    ),
                    subject: Some(pb::SubjectIdentifiers {
                        email: format!("s{k}@example.nl"),
                        ..Default::default()
                    }),
                    description: "a copy of everything held".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap();
    }
    let first = w.get(&format!("/requests?controller={}", s.a.id)).await;
    assert!(
        first.has("Data-subject requests: 1 to 100 of 106"),
        "{}",
        first.body
    );
    let mut ids: Vec<String> = first
        .body
        .split("href=\"/requests/")
        .skip(1)
        .map(|r| r[..36].to_owned())
        .collect();
    let next = format!("/requests?controller={}&shown=100", s.a.id);
    assert!(
        first.has(&next.replace('&', "&#38;")),
        "the next page keeps the filter: {}",
        first.body
    );
    let second = w.get(&next).await;
    assert!(
        second.has("Data-subject requests: 101 to 106 of 106") && second.has("First page"),
        "{}",
        second.body
    );
    ids.extend(
        second
            .body
            .split("href=\"/requests/")
            .skip(1)
            .map(|r| r[..36].to_owned()),
    );
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 106, "every request once");
    app.stop().await;
}

#[tokio::test]
async fn every_page_renders_for_the_privacy_officer() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let pages = [
        ("/", "Obligations"),
        ("/?service=requests&overdue=true", "Overdue"),
        ("/breaches", "Report an incident"),
        (&format!("/breaches/{}", s.b_incident), "Timeline"),
        (
            &format!("/breaches/notices/{}", s.b_notice),
            "Content of the notice (art. 33(3))",
        ),
        ("/requests", "Data-subject requests"),
        (
            "/requests?status=open&type=access&overdue=true",
            "Data-subject requests",
        ),
        ("/requests?status=answered", "Data-subject requests"),
        (
            &format!("/requests/{}", s.a_overdue),
            "No longer allowed: the first month has passed.",
        ),
        (&format!("/requests/{}", s.b_request), "Still allowed"),
        ("/audit", "Verify the chain"),
        ("/subprocessors", "Search Cloud B.V."),
        (
            &format!("/subprocessors/notices/{}", s.a_sub_notice),
            "Objection window ends",
        ),
        ("/agreements", "Record of processing (art. 30(2))"),
        (&format!("/retention?tenant={}", s.a.id), "Retention policy"),
        ("/switching", "Switches"),
        ("/reports", "Requests per month by type"),
        ("/webhooks", "Deliveries"),
        ("/tenants", "Acme B.V."),
    ];
    // Filters pick a tenant by name, never by a typed id.
    for path in ["/", "/audit", "/retention"] {
        let p = w.get(path).await;
        assert!(
            p.has("<select id=\"filter-tenant\" name=\"tenant\"") && p.has(">Acme B.V.</option>"),
            "{path}: {}",
            p.body
        );
    }
    for (path, expect) in pages {
        let p = w.get(path).await;
        assert_eq!(p.status, 200, "{path}: {}", p.body);
        assert!(p.has(expect), "{path} shows {expect:?}");
        assert!(p.has("<html lang=\"en\">"), "{path}");
        // Time is read in Amsterdam, in words: no UTC, no ISO instant.
        assert_eq!(p.machine_times(), Vec::<String>::new(), "{path}");
        // Every table has a caption and header cells; every input a label.
        assert_eq!(
            p.body.matches("<table>").count(),
            p.body.matches("<caption>").count(),
            "{path}"
        );
        for id in p
            .body
            .split("<input id=\"")
            .skip(1)
            .map(|r| &r[..r.find('"').unwrap()])
        {
            assert!(
                p.has(&format!("<label for=\"{id}\">")),
                "{path}: input {id} has a label"
            );
        }
        assert!(
            !p.has("style="),
            "{path}: no inline style (the CSP forbids it)"
        );
        assert!(!p.has("<script>"), "{path}: no inline script");
    }
    // The queue's filters: state, type, overdue.
    let q = w
        .get("/requests?status=open&type=access&overdue=true")
        .await;
    assert!(
        q.has(&s.a_overdue) && !q.has(&s.b_request),
        "only the overdue one"
    );
    let q = w.get("/requests?type=erasure").await;
    assert!(!q.has(&s.a_overdue));
    let q = w.get("/requests?status=answered").await;
    assert!(!q.has(&s.a_overdue) && !q.has(&s.b_request));
    // The dashboard puts A's 40-day-old request under Overdue, with its
    // rule, citation and both readings.
    let home = w.get("/?service=requests").await;
    let overdue = &home.body[home.body.find("<h2>Overdue</h2>").unwrap()
        ..home.body.find("<h2>Due within 72 hours</h2>").unwrap()];
    assert!(
        overdue.contains(&format!("/requests/{}", s.a_overdue)),
        "{overdue}"
    );
    assert!(overdue.contains("GDPR art. 12(3)"));
    assert!(overdue.contains("Answer to a data-subject request"));
    assert!(overdue.contains("overdue by"));
    assert!(home.has("How the date is computed"));
    // Each row carries the notes that explain its date, as the rule wrote them.
    let ob = app.obligations(&s.dpo, "requests").await;
    let mine = ob
        .iter()
        .find(|o| o.object_id == s.a_overdue)
        .expect("A's obligation");
    assert!(!mine.notes.is_empty(), "{mine:?}");
    for n in &mine.notes {
        // As a person reads it: the service's dates read out.
        let n = &::console::when::humanize(::console::i18n::Tr::default(), n);
        let escaped = n
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        assert!(
            overdue.contains(&escaped) || overdue.contains(n.as_str()),
            "note {n:?} on the row"
        );
    }
    // CSV of the same.
    let csv = w.get("/obligations.csv?service=requests").await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .contains("obligations.csv")
    );
    assert!(
        csv.body
            .starts_with("service,tenant_id,object_type,object_id")
    );
    assert!(csv.body.contains(&s.a_overdue));
    // The Excel variant: a byte order mark and semicolons (Dutch Excel's
    // list separator), the same rows.
    let xl = w
        .get("/obligations.csv?format=excel&service=requests")
        .await;
    assert_eq!(xl.status, 200);
    assert!(
        xl.body
            .starts_with("\u{feff}service;tenant_id;object_type;object_id"),
        "{:?}",
        &xl.body[..60.min(xl.body.len())]
    );
    assert!(xl.body.contains(&s.a_overdue));
    assert_eq!(
        xl.body.lines().count(),
        csv.body.lines().count(),
        "the same rows"
    );
    // The register and the record download.
    for (path, kind) in [
        ("/breaches/register?format=csv", "text/csv"),
        ("/agreements/record?format=markdown", "text/markdown"),
        ("/agreements/record?format=json", "application/json"),
        (
            &format!("/breaches/notices/{}/draft?format=markdown", s.b_notice),
            "text/markdown",
        ),
    ] {
        let d = w.get(path).await;
        assert_eq!(d.status, 200, "{path}: {}", d.body);
        assert!(d.header("content-type").starts_with(kind), "{path}");
        assert!(
            d.header("content-disposition").starts_with("attachment"),
            "{path}"
        );
    }
    // Reports: inline SVG with a title, and the numbers in a table.
    let rep = w.get("/reports").await;
    assert!(rep.body.matches("<svg").count() >= 4, "four charts");
    assert!(rep.has("<title id=\"chart-"));
    assert!(rep.has("<figure class=\"chart\">"));
    // The live clocks section renders alone for htmx.
    let frag = w
        .get(&format!("/breaches/notices/{}/clocks", s.b_notice))
        .await;
    assert_eq!(frag.status, 200);
    assert!(
        frag.body.trim_start().starts_with("<section id=\"clocks\""),
        "{}",
        frag.body
    );
    assert!(!frag.has("<html"));
    // The audit chain verifies from the page.
    let v = w.get("/audit/verify").await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert!(v.has("The chain is intact."), "{}", v.body);
    // Unknown paths and malformed ids are the not-found page.
    for path in ["/nope", "/requests/..%2f..%2fetc", "/breaches/%3Cscript%3E"] {
        let p = w.get(path).await;
        assert_eq!(p.status, 404, "{path}");
        assert!(p.has("Not found"), "{path}");
        assert!(!p.has("<script>"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn dutch() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let r = w.get("/lang/nl?back=/requests").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), "/requests");
    let p = w.get("/requests").await;
    assert!(p.has("<html lang=\"nl\">"));
    assert!(p.has("Verzoeken van betrokkenen"), "{}", p.body);
    assert!(p.has("Afmelden"));
    let home = w.get("/").await;
    assert!(home.has("Te laat"));
    assert!(home.has("Uiterlijk (strikte lezing)"));
    // What each obligation asks, in Dutch: none of the services' English
    // descriptions, and no id, on the dashboard.
    for dutch in [
        "Het verzoek van de betrokkene beantwoorden",
        "De verwerkingsverantwoordelijke over het datalek informeren",
        "Laatste dag om op te zeggen, zodat de overeenkomst niet wordt verlengd",
        "De bezwaartermijn voor de wijziging van subverwerker sluit",
    ] {
        assert!(home.has(dutch), "{dutch}: {}", home.visible());
    }
    for english in [
        "answer the access request",
        "notify the controller of breach",
        "objection window for",
        "last day for notice",
    ] {
        assert!(
            !home.visible().contains(english),
            "{english} on a Dutch page"
        );
    }
    assert!(
        home.visible_uuids().is_empty(),
        "{:?}",
        home.visible_uuids()
    );
    // Time in Amsterdam, in Dutch: a day deadline is the day it ends, the
    // exact instant only on hover.
    assert!(home.has("einde van "), "{}", home.visible());
    assert!(home.has(" UTC\">"), "the UTC instant is the title");
    // The art. 12(4) texts offered for a refusal, and how the subject was
    // identified, in Dutch.
    let rq = w.get(&format!("/requests/{}", s.a_overdue)).await;
    assert!(
        rq.has("U kunt een klacht indienen bij de Autoriteit Persoonsgegevens"),
        "{}",
        rq.body
    );
    assert!(rq.has("via e-mailadres"), "{}", rq.body);
    for path in [
        "/".to_owned(),
        "/requests".to_owned(),
        format!("/requests/{}", s.a_overdue),
        format!("/breaches/notices/{}", s.b_notice),
        format!("/breaches/{}", s.b_incident),
        "/audit".to_owned(),
    ] {
        let p = w.get(&path).await;
        assert_eq!(p.status, 200, "{path}");
        assert_eq!(p.machine_times(), Vec::<String>::new(), "{path}");
    }
    // No page of the day, the processor's or the customer's, says in
    // Dutch what exists only in English (the services' notes, citations,
    // timelines, rules and refusals included), nor in English what exists
    // only in Dutch. The seeded free texts (an incident's description, a
    // sub-processor's service) are the people's own words and are left out.
    let pages = [
        "/".to_owned(),
        "/breaches".to_owned(),
        format!("/breaches/{}", s.b_incident),
        format!("/breaches/notices/{}", s.b_notice),
        format!("/breaches/notices/{}/authority-draft", s.b_notice),
        "/agreements/record/view".to_owned(),
        "/people".to_owned(),
        "/requests".to_owned(),
        format!("/requests/{}", s.a_overdue),
        format!("/requests/{}", s.b_request),
        "/audit".to_owned(),
        "/subprocessors".to_owned(),
        format!("/subprocessors/notices/{}", s.a_sub_notice),
        "/agreements".to_owned(),
        format!("/retention?tenant={}", s.a.id),
        "/switching".to_owned(),
        "/reports".to_owned(),
    ];
    let mut customer = Web::signed_in(&app, &s.a_tok).await;
    for (lang, only_other) in [
        (
            "nl",
            &[
                "the", "must", "and", "should", "which", "was", "were", "month", "months",
                "reading", "rule", "GDPR", "Reg",
            ][..],
        ),
        (
            "en",
            &[
                "het",
                "een",
                "wordt",
                "niet",
                "moet",
                "verwerkingsverantwoordelijke",
                "termijn",
                "AVG",
            ][..],
        ),
    ] {
        for web in [&mut w, &mut customer] {
            web.get(&format!("/lang/{lang}?back=/")).await;
            for path in &pages {
                let p = web.get(path).await;
                if p.status != 200 {
                    continue;
                }
                // The agreement's purposes are the parties' own words.
                let text = p
                    .visible()
                    .replace("hosting the recruitment platform and its vacancy pages", "");
                let found: Vec<&str> = text
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| only_other.contains(w))
                    .collect();
                assert!(found.is_empty(), "{lang} {path}: {found:?} in {text}");
            }
        }
    }
    // The authority draft on screen, in the AP form's Dutch wording, with
    // what is not yet on record marked.
    w.get("/lang/nl?back=/").await;
    let d = w
        .get(&format!("/breaches/notices/{}/authority-draft", s.b_notice))
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    for words in [
        "Concept van de melding aan de Autoriteit Persoonsgegevens",
        "Wanneer heeft de verwerker het datalek ontdekt?",
        "Beta B.V.",
        "nog niet bekend",
    ] {
        assert!(d.has(words), "{words}: {}", d.visible());
    }
    assert!(d.machine_times().is_empty(), "{:?}", d.machine_times());
    // The record of processing on screen, in Dutch, both controllers.
    let rec = w.get("/agreements/record/view").await;
    assert_eq!(rec.status, 200, "{}", rec.body);
    for words in [
        "Register van verwerkingsactiviteiten (art. 30 lid 2)",
        "De verwerker (art. 30 lid 2 onder a)",
        "Acme B.V.",
        "Beta B.V.",
        "Persoonsgegevens",
    ] {
        assert!(rec.has(words), "{words}: {}", rec.visible());
    }
    // An open redirect is not possible through the language switch.
    let r = w.get("/lang/en?back=//evil.example/x").await;
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_empty());
    app.stop().await;
}

/// A confirmed incident is assessed again as facts arrive (art. 33(4)):
/// the form holds the assessment in force (nothing retyped), and the new
/// version is recorded.
#[tokio::test]
async fn a_confirmed_incident_is_assessed_again_from_the_assessment_in_force() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let path = format!("/breaches/{}", s.b_incident);
    let p = w.get(&path).await;
    assert!(p.has("Assess again (new facts: art. 33(4))"), "{}", p.body);
    // Prefilled: the summary, B ticked by name, its 12 people.
    assert!(p.has(">CV listing readable without authentication</textarea>"));
    assert!(
        p.has(&format!("value=\"{}\" checked> <label", s.b.id)),
        "{}",
        p.body
    );
    assert!(p.has("Beta B.V."));
    assert!(p.has(&format!("name=\"subjects_{}\" value=\"12\"", s.b.id)));
    assert!(!p.has("comma separated ids"));
    let b_people = format!("subjects_{}", s.b.id);
    let r = w
        .act(
            &path,
            &format!("{path}/assess"),
            &[
                ("decision", "confirm"),
                (
                    "summary",
                    "CV listing readable without authentication for 3 days",
                ),
                ("affected", &s.b.id),
                (&b_people, "40"),
                ("nature", "confidentiality"),
                ("data_categories", "contact"),
                ("data_categories", "cv_and_work_history"),
                ("occurred_from", "2026-11-20T09:00"),
                ("risk", "risk"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let i = app
        .breaches()
        .get_incident(req(
            &app.admin,
            pb::GetIncidentRequest {
                id: s.b_incident.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let a = i.assessment.unwrap();
    assert_eq!(a.version, 2);
    assert_eq!(a.affected[0].subjects_approx, Some(40));
    assert_eq!(a.data_categories, ["contact", "cv_and_work_history"]);
    // Typed as Amsterdam time.
    assert_eq!(a.occurred_from, "2026-11-20T08:00:00.000000Z");
    let after = w.get(&path).await;
    assert!(after.has("The assessment was recorded."));
    app.stop().await;
}

/// The return parameter, the Host header, and a console link opened from
/// an e-mail or another site.
#[tokio::test]
async fn return_addresses_hosts_and_links_from_elsewhere() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    // Only a plain local path is followed; anything a browser could read as
    // another origin (a tab or line break it drops, a backslash, `//`), or
    // a header splitter, is 400, never 500, and sets no cookie.
    for back in [
        "/%09/other-host/",
        "/%0A/other-host/",
        "/%0D%0ASet-Cookie:%20x=1",
        "//other-host/",
        "/%5C%5Cother-host",
        "https://other-host/",
        "%2F%2Fother-host",
    ] {
        for lang in ["nl", "en"] {
            let r = w.get(&format!("/lang/{lang}?back={back}")).await;
            assert_eq!(r.status, 400, "{back}: {}", r.body);
            assert!(r.header("location").is_empty(), "{back}");
            assert!(r.header("set-cookie").is_empty(), "{back}");
        }
        let r = w.get(&format!("/signin?next={back}")).await;
        assert_eq!(r.status, 400, "sign-in next {back}");
    }
    // Said in the reader's language (the one it reads in now).
    assert_eq!(w.get("/lang/nl?back=/").await.status, 303);
    let nl = w.get("/lang/en?back=/%09/x").await;
    assert!(nl.has("geen pagina van deze console"), "{}", nl.body);
    let ok = w.get("/lang/en?back=/requests%3Fstatus%3Dopen").await;
    assert_eq!(ok.status, 303);
    // Another Host is refused before anything else (DNS rebinding, a link
    // under a name the processor does not own).
    for host in ["evil.example", "evil.example:80", "127.0.0.2:1"] {
        let r = w.get_with("/", &[("host", host)]).await;
        assert_eq!(r.status, 400, "{host}");
        assert!(!r.body.contains("every tenant"), "{host}");
    }
    let port = w.base.rsplit(':').next().unwrap().to_owned();
    let r = w
        .get_with("/", &[("host", &format!("localhost:{port}"))])
        .await;
    assert_eq!(r.status, 200, "localhost names a loopback listener too");
    // A link opened from an e-mail or another site (a top-level GET that
    // carries the Lax cookie) lands on the page, not on the sign-in ...
    let r = w
        .get_with(
            "/requests",
            &[
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-mode", "navigate"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // ... while a change sent from there is still refused.
    let csrf = r.csrf();
    let cross = w
        .post_with(
            "/signout",
            &[("csrf", &csrf)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(cross.status, 403);
    assert_eq!(w.get("/").await.status, 200, "still signed in");
    app.stop().await;
}

#[tokio::test]
async fn a_customer_dpo_sees_only_its_tenant_and_its_actions() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut a = Web::signed_in(&app, &s.a_tok).await;
    let home = a.get("/").await;
    // Its company by name, its role in words.
    assert!(home.has("<strong class=\"tenant\">Acme B.V.</strong>"));
    assert!(
        home.has("<strong class=\"role\">customer&#x27;s privacy officer</strong>")
            || home.has("<strong class=\"role\">customer&#39;s privacy officer</strong>"),
        "{}",
        home.body
    );
    assert!(home.has(&s.a_overdue));
    assert!(
        !home.has(&s.b_request),
        "B's request is not on A's dashboard"
    );
    let q = a.get("/requests").await;
    assert!(q.has(&s.a_overdue) && !q.has(&s.b_request));
    // Another tenant's objects are a 404, exactly as a missing one.
    let missing = uuid::Uuid::now_v7().to_string();
    for path in [
        format!("/requests/{}", s.b_request),
        format!("/breaches/notices/{}", s.b_notice),
        format!("/subprocessors/notices/{}", s.b_sub_notice),
        format!("/requests/{missing}"),
        format!("/breaches/notices/{missing}"),
    ] {
        let p = a.get(&path).await;
        assert_eq!(p.status, 404, "{path}: {}", p.body);
        assert!(p.has("There is no such page, or it is not yours to see."));
    }
    // A cannot act on B's objects either; nothing is written.
    let r = a
        .act(
            "/",
            &format!("/subprocessors/notices/{}/object", s.b_sub_notice),
            &[("reason", "no")],
        )
        .await;
    assert_eq!(r.status, 404);
    let n = app
        .subprocessors()
        .get_notice(req(
            &app.admin,
            pb::GetNoticeRequest {
                id: s.b_sub_notice.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(n.objections.is_empty());
    // The processor-only forms are not offered to a customer.
    let breaches = a.get("/breaches").await;
    assert!(!breaches.has("Report an incident"));
    assert!(
        !breaches.has("Incidents</h2>"),
        "the processor's incident list is not shown"
    );
    assert!(!a.get("/audit").await.has("Verify the chain"));
    // A objects to its own change notice from the page.
    let page = a
        .get(&format!("/subprocessors/notices/{}", s.a_sub_notice))
        .await;
    assert!(page.has("Object to this change"), "{}", page.body);
    let r = a
        .act(
            &format!("/subprocessors/notices/{}", s.a_sub_notice),
            &format!("/subprocessors/notices/{}/object", s.a_sub_notice),
            &[("reason", "search runs outside our approved locations")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = a
        .get(&format!("/subprocessors/notices/{}", s.a_sub_notice))
        .await;
    assert!(after.has("search runs outside our approved locations"));
    // The auditor reads everything and is offered no action.
    let mut au = Web::signed_in(&app, &s.auditor).await;
    let b = au.get("/breaches").await;
    assert!(b.has("Incidents") && !b.has("Report an incident"));
    let r = au.get(&format!("/requests/{}", s.b_request)).await;
    assert!(!r.has("Extend by two months"));
    app.stop().await;
}

#[tokio::test]
async fn forms_need_their_anti_forgery_value_and_bad_input_writes_nothing() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let incidents = || async {
        app.breaches()
            .list_incidents(req(&app.admin, pb::ListIncidentsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .incidents
            .len()
    };
    let before = incidents().await;
    let fields = [
        ("discovered_at", "2026-11-30T09:00:00Z"),
        ("discovered_by", "soc"),
        ("systems", "api"),
        ("description", "tokens in a log file"),
    ];
    // No anti-forgery value: refused, nothing written.
    let r = w.post("/breaches", &fields).await;
    assert_eq!(r.status, 403);
    assert!(r.has("The form has expired."));
    assert_eq!(incidents().await, before);
    // Bad input: the service's message names the field; nothing written.
    let r = w
        .act(
            "/breaches",
            "/breaches",
            &[
                ("discovered_at", "yesterday"),
                ("discovered_by", "soc"),
                ("systems", "api"),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    // The field by its label, the reason in words.
    assert!(
        r.has("Nothing was changed:") && r.has("Discovered: Give a date and a time"),
        "{}",
        r.body
    );
    let r = w
        .act(
            "/breaches",
            "/breaches",
            &[
                ("discovered_at", "2026-11-30T09:00:00Z"),
                ("discovered_by", "soc"),
                ("systems", " , "),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    // The service's field by its label, not its wire name.
    assert!(
        r.has("Systems: must name at least one system"),
        "{}",
        r.body
    );
    assert_eq!(incidents().await, before);
    // Good input lands on the new incident.
    let r = w.act("/breaches", "/breaches", &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.header("location").starts_with("/breaches/"));
    assert_eq!(incidents().await, before + 1);
    // Extending B's request from the console, then the extension is gone.
    let path = format!("/requests/{}", s.b_request);
    // Not confirmed: refused in words, nothing written.
    let r = w
        .act_unconfirmed(
            &path,
            &format!("{path}/extend"),
            &[("reasons", "the subject's data spans many systems")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.has("Not confirmed"), "{}", r.body);
    assert!(
        w.get(&path).await.has("Extend by two months"),
        "not extended"
    );
    let r = w
        .act(
            &path,
            &format!("{path}/extend"),
            &[("reasons", "the subject's data spans many systems")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = w.get(&path).await;
    // The page says what was done, once.
    assert!(
        p.has("role=\"status\">The request was extended by two months."),
        "{}",
        p.body
    );
    assert!(!w.get(&path).await.has("role=\"status\""), "said once");
    assert!(
        p.has("the subject&#x27;s data spans many systems")
            || p.has("the subject&#39;s data spans many systems"),
        "{}",
        p.body
    );
    assert!(!p.has("Extend by two months"));
    let r = w
        .act(&path, &format!("{path}/extend"), &[("reasons", "again")])
        .await;
    assert_eq!(r.status, 400, "a second extension is refused: {}", r.body);
    app.stop().await;
}

#[tokio::test]
async fn the_administrator_revokes_a_token_and_its_session_ends() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut a = Web::signed_in(&app, &s.a_tok).await;
    assert_eq!(a.get("/requests").await.status, 200);
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let page = w.get("/tenants").await;
    assert!(
        page.has("Acme DPO") && page.has("Revoke a token"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&s.a_tok), "no secret on the page");
    let listed = app
        .token_list()
        .await
        .into_iter()
        .find(|t| t.name == "Acme DPO")
        .expect("A's token");
    // Without a reason: refused, nothing revoked.
    let r = w
        .act(
            "/tenants",
            "/tenants/tokens/revoke",
            &[("id", &listed.id), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(a.get("/requests").await.status, 200);
    let r = w
        .act(
            "/tenants",
            "/tenants/tokens/revoke",
            &[("id", &listed.id), ("reason", "the DPO left Acme")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = w.get("/tenants").await;
    assert!(after.has("revoked"));
    // The tenants are searched by part of a name or a KvK number; no id is
    // shown.
    let found = w.get("/tenants?q=acme").await;
    assert!(found.has("<td>Acme B.V.</td>"), "{}", found.body);
    assert!(found.has("Tenants (1 / 2)"), "{}", found.body);
    let by_kvk = w.get("/tenants?q=87654321").await;
    assert!(
        by_kvk.has("Tenants (1 / 2)") && by_kvk.has("<td>87654321</td>"),
        "{}",
        by_kvk.body
    );
    assert!(
        w.get("/tenants?q=nobody")
            .await
            .has("No controller matches the search.")
    );
    assert!(
        found.visible_uuids().is_empty(),
        "{:?}",
        found.visible_uuids()
    );
    // A's console session ends with its token.
    let r = a.get("/requests").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), "/signin?ended=1&next=/requests");
    // The auditor sees the tokens and is offered no revocation.
    let mut au = Web::signed_in(&app, &s.auditor).await;
    let p = au.get("/tenants").await;
    assert!(p.has("Acme DPO") && !p.has("Revoke a token"));
    app.stop().await;
}

#[tokio::test]
async fn the_console_of_a_split_deployment_reaches_every_process() {
    for db in all_dbs().await {
        // Five processes; the console runs in core and reaches the services
        // core does not host at their peers, with the person's own token.
        let app = custodian_tests::split::spawn_split_with_console(&db).await;
        let s = seed(&app, &db).await;
        let mut w = Web::signed_in(&app, &s.dpo).await;
        for (path, expect) in [
            ("/".to_owned(), s.a_overdue.clone()),
            ("/requests".to_owned(), s.b_request.clone()),
            (
                format!("/breaches/notices/{}", s.b_notice),
                "Content of the notice (art. 33(3))".to_owned(),
            ),
            (
                format!("/subprocessors/notices/{}", s.a_sub_notice),
                "Objection window ends".to_owned(),
            ),
            (
                format!("/retention?tenant={}", s.a.id),
                "Retention policy".to_owned(),
            ),
            (
                "/reports".to_owned(),
                "Erasures per day against erasures due".to_owned(),
            ),
            ("/audit".to_owned(), "Events".to_owned()),
            ("/tenants".to_owned(), "Acme DPO".to_owned()),
        ] {
            let p = w.get_settled(&path).await;
            assert_eq!(p.status, 200, "{:?} {path}: {}", db.backend, p.body);
            assert!(p.has(&expect), "{:?} {path} shows {expect:?}", db.backend);
        }
        // A customer's DPO through the split: own tenant only.
        let mut a = Web::signed_in(&app, &s.a_tok).await;
        assert_eq!(
            a.get(&format!("/requests/{}", s.b_request)).await.status,
            404
        );
        let r = a
            .act(
                &format!("/subprocessors/notices/{}", s.a_sub_notice),
                &format!("/subprocessors/notices/{}/object", s.a_sub_notice),
                &[("reason", "not in our annex")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        app.stop().await;
    }
}

#[tokio::test]
async fn fulfilment_retention_webhooks_and_switching_pages() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    // Fulfil A's access request from the console: the files of the answer
    // with their checksums, and the manifest.
    let path = format!("/requests/{}", s.a_overdue);
    let r = w
        .act(
            &path,
            &format!("{path}/fulfil"),
            &[("note", "sent by secure mail")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.has("Files of the answer") && r.has("manifest.json"),
        "{}",
        r.body
    );
    assert!(r.has("<code>"), "checksums shown");
    // Each file of the answer downloads, for this session only.
    let key = format!("href=\"/requests/{}/answer/", s.a_overdue);
    let at = r.body.find(&key).expect("a download link");
    let href = &r.body[at + 6..];
    let href = href[..href.find('"').unwrap()].to_owned();
    let file = w.get(&href).await;
    assert_eq!(file.status, 200, "{href}");
    assert!(
        file.header("content-disposition")
            .starts_with("attachment; filename="),
        "{}",
        file.header("content-disposition")
    );
    assert!(!file.body.is_empty());
    let mut other = Web::signed_in(&app, &s.dpo).await;
    assert_eq!(other.get(&href).await.status, 404, "another session");
    // When no candidate matched, the page says so before the answer goes out.
    let answered = app
        .requests()
        .get_request(req(
            &app.admin,
            pb::GetRequestRequest {
                id: s.a_overdue.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let outcome: serde_json::Value = serde_json::from_str(&answered.outcome).unwrap();
    assert_eq!(
        r.has("No candidate matched"),
        outcome["counts"]["candidates"] == 0,
        "{}",
        answered.outcome
    );
    let after = w.get(&path).await;
    assert!(
        !after.has("Fulfil the request"),
        "an answered request offers no fulfilment"
    );
    // A legal hold placed and released, then an erasure with its certificate.
    let mut c = valid_candidate("cand-1", "Jan Jansen", "jan.jansen@example.nl");
    c.tenant_id = s.a.id.clone();
    let cand = app
        .vault()
        .put_candidate(req(&app.admin, c))
        .await
        .unwrap()
        .into_inner();
    let ret = format!("/retention?tenant={}", s.a.id);
    let r = w
        .act(
            &ret,
            "/retention/hold",
            &[
                ("tenant", &s.a.id),
                ("reference_of", "cand-1"),
                ("reason", "litigation 2026-17"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = w.get(&ret).await;
    assert!(p.has("litigation 2026-17"), "{}", p.body);
    // Found by its reference's start, and by the subject's e-mail address
    // (the blind index); a reference no candidate has is said in words.
    for q in ["cand", "jan.jansen@example.nl"] {
        let found = w
            .get(&format!("{ret}&q={}", ::console::web::encode(q)))
            .await;
        assert!(
            found.has("cand-1") && found.has("Candidates (1)"),
            "{q}: {}",
            found.body
        );
    }
    let none = w.get(&format!("{ret}&q=nobody")).await;
    assert!(
        none.has("No candidate matches the search."),
        "{}",
        none.body
    );
    let bad = w.get(&format!("{ret}&q=%40nobody")).await;
    assert_eq!(
        bad.status, 200,
        "a search never gives an error page: {}",
        bad.body
    );
    assert!(bad.has("The search was not understood"), "{}", bad.body);
    let r = w
        .act(
            &ret,
            "/retention/hold",
            &[
                ("tenant", &s.a.id),
                ("reference_of", "nobody"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.has("no candidate of this controller has the reference"),
        "{}",
        r.body
    );
    // The retention page again, the form as typed, the reason beside the
    // reference.
    assert!(
        r.has("id=\"hold-reference_of-error\"") && r.has("value=\"nobody\""),
        "{}",
        r.body
    );
    let r = w
        .act(
            &ret,
            "/retention/erase",
            &[
                ("tenant", &s.a.id),
                ("reference_of", "cand-1"),
                ("reason", "request"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "a held candidate is not erased: {}", r.body);
    let r = w
        .act(
            &ret,
            "/retention/release",
            &[
                ("tenant", &s.a.id),
                ("reference_of", "cand-1"),
                ("reason", "settled"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = w
        .act(
            &ret,
            "/retention/erase",
            &[
                ("tenant", &s.a.id),
                ("reference_of", "cand-1"),
                ("reason", "request"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        format!("/retention/certificates/{}", cand.id)
    );
    let cert = w.get(r.header("location")).await;
    assert_eq!(cert.status, 200);
    // The certificate is listed on the retention page, by reference and
    // erasure day (today in Amsterdam), and not outside that day.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let listed = w
        .get(&format!("{ret}&erased_from={today}&erased_to={today}"))
        .await;
    assert!(
        listed.has("Deletion certificates (1)")
            && listed.has(&format!("href=\"/retention/certificates/{}\"", cand.id)),
        "{}",
        listed.body
    );
    let yesterday = today - chrono::Duration::days(1);
    let earlier = w
        .get(&format!(
            "{ret}&erased_from={yesterday}&erased_to={yesterday}"
        ))
        .await;
    assert!(
        earlier.has("No deletion certificate matches."),
        "{}",
        earlier.body
    );
    let reversed = w
        .get(&format!("{ret}&erased_from={today}&erased_to={yesterday}"))
        .await;
    assert_eq!(reversed.status, 200);
    assert!(
        reversed.has("The dates were not understood"),
        "{}",
        reversed.body
    );
    assert!(
        cert.has("Deletion certificate") && cert.has("cand-1"),
        "{}",
        cert.body
    );
    // The signed certificate, and the key that verifies it, offline.
    assert!(
        cert.has("Signed certificate") && cert.has("custodian.local+"),
        "{}",
        cert.body
    );
    let signed = w
        .get(&format!("/retention/certificates/{}/signed", cand.id))
        .await;
    assert_eq!(signed.status, 200);
    assert!(
        signed
            .header("content-disposition")
            .contains("certificate-")
    );
    let key_at = cert.body.find("custodian.local+").unwrap();
    let key: String = cert.body[key_at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "+/=.".contains(*c))
        .collect();
    let key = evidence::PublicKey::parse(&key).expect("the page shows the public key");
    let processor_key = key.clone();
    let v = evidence::certificate::verify_deletion_certificate(
        &signed.body,
        std::slice::from_ref(&key),
    )
    .expect("the downloaded certificate verifies with the shown key");
    assert_eq!(v.candidate_id, cand.id);
    // The audit page offers the proof of the events it lists: the
    // processor's DPO gets the global tree, a customer's DPO its own; both
    // verify offline with the same key.
    let proof_of = |body: &str| -> String {
        let i = body.find("/audit/proof?seqs=").expect("a proof link");
        body[i..]
            .chars()
            .take_while(|c| *c != '"')
            .collect::<String>()
            .replace("&amp;", "&")
    };
    let href = proof_of(&w.get("/audit").await.body);
    let proof = w.get(&href).await;
    assert_eq!(proof.status, 200, "{}", proof.body);
    assert!(proof.header("content-disposition").contains("audit-proof-"));
    let v = evidence::audit::verify_audit_proof(&proof.body, std::slice::from_ref(&key))
        .expect("the audit proof verifies with the shown key");
    assert_eq!(v.tree, evidence::audit::AuditTree::Global);
    let mut b = Web::signed_in(&app, &s.b_tok).await;
    let b_href = proof_of(&b.get("/audit").await.body);
    let b_proof = b.get(&b_href).await;
    assert_eq!(b_proof.status, 200, "{}", b_proof.body);
    let v = evidence::audit::verify_audit_proof(&b_proof.body, std::slice::from_ref(&key))
        .expect("B's audit proof verifies");
    assert_eq!(v.tree, evidence::audit::AuditTree::Tenant(s.b.id.clone()));
    // B cannot have the global events proven, and bad input is refused.
    assert_eq!(b.get(&href).await.status, 404);
    let bad = w.get("/audit/proof?seqs=x").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.has("seqs"), "{}", bad.body);
    // Another tenant's DPO cannot read the certificate.
    assert_eq!(
        b.get(&format!("/retention/certificates/{}/signed", cand.id))
            .await
            .status,
        404
    );
    assert_eq!(
        b.get(&format!("/retention/certificates/{}", cand.id))
            .await
            .status,
        404
    );
    // Webhook deliveries and one delivery's attempts.
    let list = w.get("/webhooks").await;
    let key = "<a href=\"/webhooks/";
    let i = list.body.find(key).expect("a delivery");
    let id = &list.body[i + key.len()..][..list.body[i + key.len()..].find('"').unwrap()];
    let d = w.get(&format!("/webhooks/{id}")).await;
    assert_eq!(d.status, 200);
    assert!(d.has("Attempts") && d.has("delivered"), "{}", d.body);
    // A switch and its milestones.
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
    let list = w.get("/switching").await;
    assert!(list.has(&sw.id));
    let p = w.get(&format!("/switching/{}", sw.id)).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.has("Milestones") && p.has("Data Act switch or exit"),
        "{}",
        p.body
    );
    // Nothing erased yet: no tenant erasure certificate to download.
    assert!(!p.has("vault-certificate"), "{}", p.body);
    assert_eq!(
        w.get(&format!("/switching/{}/vault-certificate", sw.id))
            .await
            .status,
        404
    );
    // An erasure request fulfilled from the console: its page offers the
    // vault's signed certificate of the request, which verifies offline.
    let mut c2 = valid_candidate("cand-2", "Piet Pieters", "piet.pieters@example.nl");
    c2.tenant_id = s.a.id.clone();
    let cand2 = app
        .vault()
        .put_candidate(req(&app.admin, c2))
        .await
        .unwrap()
        .into_inner();
    let dsr = app
        .requests()
        .create_request(req(
            &app.admin,
            pb::CreateRequestRequest {
                controller_id: s.a.id.clone(),
                r#type: "erasure".into(),
                channel: "controller_instruction".into(),
                received_at: proto::wire::timestamp(store::truncate_micros(
                    chrono::Utc::now() - chrono::Duration::hours(1),
                )),
                subject: Some(pb::SubjectIdentifiers {
                    email: "piet.pieters@example.nl".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let path = format!("/requests/{}", dsr.id);
    let done = w
        .act(&path, &format!("{path}/fulfil"), &[("note", "erased")])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let href = format!("/requests/{}/certificate", dsr.id);
    assert!(done.has(&href), "{}", done.body);
    assert!(
        w.get(&path).await.has(&href),
        "the request's page offers it too"
    );
    let rc = w.get(&href).await;
    assert_eq!(rc.status, 200, "{}", rc.body);
    match evidence::certificate::verify_certificate(&rc.body, std::slice::from_ref(&processor_key))
        .expect("the request certificate verifies with the shown key")
    {
        evidence::certificate::VerifiedCertificate::RequestErasure(v) => {
            assert_eq!(v.candidates, vec![cand2.id.clone()]);
        }
        other => panic!("not a request certificate: {other}"),
    }
    assert_eq!(b.get(&href).await.status, 404, "not B's request");
    assert_eq!(
        b.get(&format!("/switching/{}", sw.id)).await.status,
        404,
        "B does not see A's switch"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_dead_letter_is_retried_from_the_console() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    // Gamma's webhook answers nothing: its change notice dies after the
    // configured attempts.
    let (g, _) = app
        .controller_with_agreement("Gamma B.V.", "11223344", None)
        .await;
    app.set_webhook(&g.id, "https://127.0.0.1:9/hook", &"g".repeat(40))
        .await;
    app.subprocessors()
        .propose_change(req(
            &app.admin,
            pb::ProposeChangeRequest {
                kind: "add".into(),
                subprocessor_id: app
                    .subprocessors()
                    .register_subprocessor(req(
                        &app.admin,
                        valid_subprocessor("Mail Relay B.V.", "NL"),
                    ))
                    .await
                    .unwrap()
                    .into_inner()
                    .id,
                effective_on: (chrono::Utc::now().date_naive() + chrono::Duration::days(60))
                    .to_string(),
                description: "outgoing mail".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    for _ in 0..app.config.webhook_max_attempts {
        app.deliver(Some(&s.receiver.ca_file)).await;
    }
    let dead = app
        .notifications()
        .list_notifications(req(
            &app.admin,
            pb::ListNotificationsRequest {
                status: "dead".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .notifications;
    let d = dead
        .iter()
        .find(|n| n.controller_id == g.id)
        .expect("Gamma's dead letter");
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let list = w.get("/webhooks?status=dead").await;
    assert!(list.has(&d.id), "{}", list.body);
    let path = format!("/webhooks/{}", d.id);
    let page = w.get(&path).await;
    assert!(page.has("Retry this delivery"), "{}", page.body);
    // A customer's DPO is not offered the retry, and cannot do it.
    let mut a = Web::signed_in(&app, &s.a_tok).await;
    assert_eq!(a.get(&path).await.status, 404, "not A's delivery");
    let r = a
        .act("/webhooks", &format!("{path}/retry"), &[("reason", "x")])
        .await;
    assert!(r.status == 403 || r.status == 404, "{}", r.status);
    let r = w
        .act(
            &path,
            &format!("{path}/retry"),
            &[("reason", "Gamma fixed its endpoint")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = w.get(&path).await;
    assert!(
        after.has("waiting") && !after.has("Retry this delivery"),
        "{}",
        after.body
    );
    app.stop().await;
}

/// Sign-ins, sign-outs and failed sign-ins are in the audit log (never the
/// token), and failed ones are throttled per browser.
#[tokio::test]
async fn sign_ins_sign_outs_and_failures_are_audited() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::new(&app);
    assert_eq!(w.sign_in("cst_not-a-token").await.status, 401);
    assert_eq!(w.sign_in(&s.a_tok).await.status, 303);
    let home = w.get("/").await;
    assert_eq!(
        w.post("/signout", &[("csrf", &home.csrf())]).await.status,
        303
    );
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = app
            .audit()
            .list_events(req(
                &app.admin,
                pb::ListEventsRequest {
                    action_prefix: "console.".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .events;
        if seen.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let actions: Vec<&str> = seen.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"console.sign_in_failed"), "{actions:?}");
    let failed = seen
        .iter()
        .find(|e| e.action == "console.sign_in_failed")
        .unwrap();
    assert_eq!(failed.details_json, "{\"reason\":\"invalid\"}");
    assert!(!failed.details_json.contains("not-a-token"));
    // The customer's DPO signed in and out as itself, in its tenant's chain.
    for action in ["console.sign_in", "console.sign_out"] {
        let e = seen
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("{action} in {actions:?}"));
        assert_eq!(e.actor_role, "controller");
        assert_eq!(e.tenant_id, s.a.id);
        assert!(e.actor_id.starts_with("token:"), "{}", e.actor_id);
    }
    // Throttled per browser: past the window's failures, even the right
    // token waits, and the page says so.
    let mut t = Web::new(&app);
    for _ in 0..auth::layer::MAX_FAILURES {
        t.sign_in("cst_not-a-token").await;
    }
    let r = t.sign_in(&s.a_tok).await;
    assert_eq!(r.status, 429, "{}", r.body);
    app.stop().await;
}

/// A customer's DPO files a data-subject request itself (the controller
/// instructing the processor): types in words, Amsterdam time, its own
/// tenant; a refused form comes back with what was typed.
#[tokio::test]
async fn a_customer_dpo_files_a_request_from_the_console() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut a = Web::signed_in(&app, &s.a_tok).await;
    let q = a.get("/requests").await;
    assert!(q.has("File a request"), "{}", q.body);
    assert!(q.has("erasure (art. 17)"));
    assert!(!q.has("name=\"controller_id\""), "its own tenant only");
    // No identifier: refused, the description kept.
    let r = a
        .act(
            "/requests",
            "/requests",
            &[
                ("type", "erasure"),
                ("received_at", "2026-12-01T10:00"),
                ("description", "wants everything gone"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.has("Nothing was changed:"), "{}", r.body);
    assert!(r.has(">wants everything gone</textarea>"), "{}", r.body);
    let r = a
        .act(
            "/requests",
            "/requests",
            &[
                ("type", "erasure"),
                ("received_at", "2026-12-01T10:00"),
                ("email", "piet@example.nl"),
                ("description", "wants everything gone"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("location").to_owned();
    let id = to.trim_start_matches("/requests/").to_owned();
    let p = a.get(&to).await;
    assert!(p.has("The request was filed."), "{}", p.body);
    assert!(
        p.has("Request: erasure (art. 17) · Tue 1 Dec 2026 10:00"),
        "{}",
        p.body
    );
    let got = app
        .requests()
        .get_request(req(&app.admin, pb::GetRequestRequest { id }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.controller_id, s.a.id);
    assert_eq!(got.channel, "controller_instruction");
    assert_eq!(got.received_at, "2026-12-01T09:00:00.000000Z");
    app.stop().await;
}

/// A customer's DPO records, on the notice it received, its own
/// notification to the authority (with the authority's reference) and its
/// art. 34 decision, in words.
#[tokio::test]
async fn a_customer_dpo_records_its_authority_notification_and_art_34_decision() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    // The processor sends B its notice (a controller sees a notice once sent).
    app.breaches()
        .send_notice(req(
            &app.admin,
            pb::SendNoticeRequest {
                notice_id: s.b_notice.clone(),
                phase: "initial".into(),
                message: "what we know so far".into(),
            },
        ))
        .await
        .expect("sent");
    let mut b = Web::signed_in(&app, &s.b_tok).await;
    let path = format!("/breaches/notices/{}", s.b_notice);
    let p = b.get(&path).await;
    assert!(
        p.has("Notification to the authority (art. 33)"),
        "{}",
        p.body
    );
    assert!(p.has("Record the notification") && p.has("Record the decision"));
    assert!(p.has("not required: the risk to people is not high"));
    let an_hour_ago = ::console::when::input_value(chrono::Utc::now() - chrono::Duration::hours(1));
    // A time in the future is refused: the form comes back as typed, the
    // reason beside the time, nothing recorded.
    let tomorrow = ::console::when::input_value(chrono::Utc::now() + chrono::Duration::days(1));
    let r = b
        .act(
            &path,
            &format!("{path}/authority"),
            &[
                ("phase", "initial"),
                ("notified_at", &tomorrow),
                ("reference", "AP-2026-12345"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.has("value=\"AP-2026-12345\""),
        "kept as typed: {}",
        r.body
    );
    assert!(
        r.has("id=\"authority-notified_at-error\""),
        "the reason beside the time: {}",
        r.body
    );
    let r = b
        .act(
            &path,
            &format!("{path}/authority"),
            &[
                ("phase", "initial"),
                ("notified_at", &an_hour_ago),
                ("reference", "AP-2026-12345"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = b
        .act(
            &path,
            &format!("{path}/subjects"),
            &[
                ("decision", "not_required"),
                ("details", "names and e-mail addresses only; no high risk"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = b.get(&path).await;
    assert!(after.has("The decision about telling the people was recorded."));
    assert!(after.has("AP-2026-12345") && after.has("the first notification"));
    let n = app
        .breaches()
        .get_breach_notice(req(
            &app.admin,
            pb::GetBreachNoticeRequest {
                id: s.b_notice.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(n.authority_notifications.len(), 1);
    assert_eq!(n.authority_notifications[0].by_party, "controller");
    assert_eq!(n.subject_decisions[0].decision, "not_required");
    // The other customer cannot record on B's notice.
    let mut a = Web::signed_in(&app, &s.a_tok).await;
    let r = a
        .act(
            "/",
            &format!("{path}/authority"),
            &[
                ("phase", "supplement"),
                ("notified_at", &an_hour_ago),
                ("confirm", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    app.stop().await;
}

/// The letters to the subject, filled from the request, in the subject's
/// language whatever the console's.
#[tokio::test]
async fn letters_to_the_subject_are_filled_from_the_request() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut a = Web::signed_in(&app, &s.a_tok).await;
    let path = format!("/requests/{}", s.a_overdue);
    let p = a.get(&path).await;
    assert!(p.has("Letters to the subject"), "{}", p.body);
    let href = format!("{path}/letters/receipt?lang=nl");
    assert!(
        p.has(&href.replace('&', "&amp;")) || p.has(&href),
        "{}",
        p.body
    );
    assert!(
        !p.has("/letters/refusal"),
        "no refusal letter for an open request"
    );
    let nl = a.get(&href).await;
    assert_eq!(nl.status, 200);
    assert!(nl.header("content-type").starts_with("text/plain"));
    assert!(
        nl.body
            .contains("inzage in uw persoonsgegevens (artikel 15 AVG)"),
        "{}",
        nl.body
    );
    assert!(
        nl.body.contains("Acme B.V."),
        "signed by the controller: {}",
        nl.body
    );
    assert!(!nl.body.contains("UTC") && !nl.body.contains(&s.a.id));
    let en = a.get(&format!("{path}/letters/receipt?lang=en")).await;
    assert!(en.body.contains("Article 15 GDPR"), "{}", en.body);
    assert_eq!(
        a.get(&format!("{path}/letters/nonsense?lang=nl"))
            .await
            .status,
        404
    );
    // Another tenant's request: not found.
    let mut b = Web::signed_in(&app, &s.b_tok).await;
    assert_eq!(b.get(&href).await.status, 404);
    app.stop().await;
}

/// The processor's DPO previews a notice exactly as the controller will
/// receive it (nothing is sent), sends it from the preview, re-assesses and
/// sends a supplement to every affected controller in one step after
/// previewing them all; each send says what changed; the customer's DPO
/// reads what it received, item by item in words, without an id.
#[tokio::test]
async fn notices_are_previewed_sent_to_all_and_read_in_words() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let notice = format!("/breaches/notices/{}", s.b_notice);
    let page = w.get(&notice).await;
    assert!(
        page.has("Preview before sending") && !page.has(&format!("action=\"{notice}/send\"")),
        "the notice page previews first: {}",
        page.body
    );
    let preview = w
        .get(&format!(
            "{notice}/preview?phase=initial&message=what+we+know"
        ))
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    for words in [
        "As the controller will receive it",
        "CV listing readable without authentication",
        "confidentiality: the data was seen or taken",
        "Approximately how many people",
        "what we know",
        "not known yet",
        "Nothing has been sent yet.",
        "Preview of the notice to Beta B.V.",
    ] {
        assert!(preview.has(words), "{words}: {}", preview.body);
    }
    assert!(
        preview.visible_uuids().is_empty(),
        "{:?}",
        preview.visible_uuids()
    );
    let before = app
        .breaches()
        .get_breach_notice(req(
            &app.admin,
            pb::GetBreachNoticeRequest {
                id: s.b_notice.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(before.sends.is_empty(), "a preview sends nothing");
    // Sent from the preview: the body is what the preview showed.
    let r = w
        .act(
            &format!("{notice}/preview?phase=initial&message=what+we+know"),
            &format!("{notice}/send"),
            &[("phase", "initial"), ("message", "what we know")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = w.get(&notice).await;
    assert!(
        after.has("The notice was sent to the controller."),
        "{}",
        after.body
    );
    assert!(after.has("What the controller received"), "{}", after.body);
    // New facts: A is affected too, measures are known. Then every open
    // notice is previewed and sent in one step.
    let mut br = app.breaches();
    br.assess_incident(req(
        &app.admin,
        pb::AssessIncidentRequest {
            incident_id: s.b_incident.clone(),
            decision: "confirm".into(),
            assessment: Some(pb::Assessment {
                summary: "CV listing readable without authentication".into(),
                nature: vec!["confidentiality".into()],
                risk: "risk".into(),
                measures_taken: "the bucket was made private".into(),
                affected: vec![
                    pb::AffectedController {
                        controller_id: s.b.id.clone(),
                        subjects_approx: Some(12),
                        records_approx: None,
                    },
                    pb::AffectedController {
                        controller_id: s.a.id.clone(),
                        subjects_approx: Some(3),
                        records_approx: None,
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        },
    ))
    .await
    .expect("assessed again");
    let incident = format!("/breaches/{}", s.b_incident);
    let ip = w.get(&incident).await;
    assert!(ip.has("Preview every notice (2)"), "{}", ip.body);
    assert!(
        ip.has("Incident: a misconfigured bucket listed CVs"),
        "titled in words"
    );
    let all = w.get(&format!("{incident}/preview")).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(
        all.has("To Acme B.V.") && all.has("To Beta B.V."),
        "{}",
        all.body
    );
    assert!(all.has("the bucket was made private"));
    let r = w
        .act(
            &format!("{incident}/preview"),
            &format!("{incident}/send"),
            &[("phase", ""), ("message", "")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let done = w.get(&incident).await;
    assert!(
        done.has("The notice was sent to:") && done.has("Acme B.V.") && done.has("Beta B.V."),
        "{}",
        done.body
    );
    // B's second send is a supplement that names what changed.
    let b_page = w.get(&notice).await;
    assert!(
        b_page.has("a supplement (new information) #2")
            && b_page.has("The measures taken and proposed"),
        "{}",
        b_page.body
    );
    // Without the confirmation nothing goes out.
    let r = w
        .act_unconfirmed(
            &format!("{incident}/preview"),
            &format!("{incident}/send"),
            &[("message", "")],
        )
        .await;
    assert_eq!(r.status, 400);
    // The customer's DPO reads what it received, in Dutch, in words.
    let mut b = Web::signed_in(&app, &s.b_tok).await;
    b.get("/lang/nl?back=/").await;
    let theirs = b.get(&notice).await;
    assert_eq!(theirs.status, 200);
    assert!(
        theirs.has("Wat de verwerkingsverantwoordelijke ontving")
            && theirs.has("the bucket was made private")
            && theirs.has("Ongeveer hoeveel personen"),
        "{}",
        theirs.body
    );
    assert!(
        theirs.visible_uuids().is_empty(),
        "{:?} in {}",
        theirs.visible_uuids(),
        theirs.visible()
    );
    assert!(
        !theirs.has("Preview before sending"),
        "a controller does not send"
    );
    app.stop().await;
}

/// A customer's DPO serves itself on switching: requests a switch from the
/// console, reads its milestones in words, has the export made and
/// downloads a file of it, then withdraws the request; none of it shows an
/// id, and another customer cannot act on it.
#[tokio::test]
async fn a_customer_dpo_requests_a_switch_downloads_its_export_and_withdraws() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut b = Web::signed_in(&app, &s.b_tok).await;
    let index = b.get("/switching").await;
    assert!(
        index.has("Request a switch or exit") && !index.has("name=\"controller\""),
        "a customer requests for itself: {}",
        index.body
    );
    // A notice period the form does not offer is refused: the page comes
    // back with the request as typed and the reason beside the period.
    let r = b
        .act(
            "/switching",
            "/switching",
            &[
                ("election", "switch"),
                ("notice_months", "7"),
                ("destination", "Nieuwe Leverancier B.V."),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.has("id=\"request-notice_months-error\"") && r.has("value=\"Nieuwe Leverancier B.V.\""),
        "{}",
        r.body
    );
    let r = b
        .act(
            "/switching",
            "/switching",
            &[
                ("election", "switch"),
                ("notice_months", "1"),
                ("destination", "Nieuwe Leverancier B.V."),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let path = r.header("location").to_owned();
    let page = b.get(&path).await;
    for words in [
        "The request was recorded",
        "switch to another provider",
        "the notice period ends",
        "the transition ends: the data handed over",
        "Nieuwe Leverancier B.V.",
        "Withdraw the request",
        "Make the export",
    ] {
        assert!(page.has(words), "{words}: {}", page.body);
    }
    assert!(
        page.visible_uuids().is_empty(),
        "{:?}",
        page.visible_uuids()
    );
    assert!(
        page.machine_times().is_empty(),
        "{:?}",
        page.machine_times()
    );
    // Another customer can neither read nor withdraw it.
    let mut a = Web::signed_in(&app, &s.a_tok).await;
    assert_eq!(a.get(&path).await.status, 404);
    let r = a
        .act(
            "/switching",
            &format!("{path}/withdraw"),
            &[("reason", "x"), ("confirm", "true")],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // The export: made, then each file downloads as a file.
    let r = b.act(&path, &format!("{path}/export"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = path.rsplit('/').next().unwrap().to_owned();
    let sw = app
        .switching()
        .get_switch(req(
            &s.b_tok,
            pb::GetSwitchRequest {
                switch_id: id.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let export = app.export_ready(&s.b_tok, &sw.export_ids[0]).await;
    assert_eq!(export.status, "ready", "{}", export.error);
    let page = b.get(&path).await;
    let href = format!("/switching/exports/{}/file?path=manifest.json", export.id);
    assert!(
        page.has(&href.replace('&', "&#38;")) || page.has(&href),
        "{}",
        page.body
    );
    let file = b.get(&href).await;
    assert_eq!(file.status, 200);
    assert!(file.header("content-disposition").contains("manifest.json"));
    let manifest: serde_json::Value = serde_json::from_str(&file.body).expect("the manifest");
    assert_eq!(manifest["schema"], "custodian.export.v1");
    assert_eq!(a.get(&href).await.status, 404, "not A's export");
    // Withdrawn, after the confirmation.
    let r = b
        .act_unconfirmed(&path, &format!("{path}/withdraw"), &[("reason", "we stay")])
        .await;
    assert_eq!(r.status, 400);
    let r = b
        .act(&path, &format!("{path}/withdraw"), &[("reason", "we stay")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = b.get(&path).await;
    assert!(
        page.has("The request was withdrawn")
            && page.has("withdrawn")
            && !page.has("Withdraw the request"),
        "{}",
        page.body
    );
    app.stop().await;
}

/// A customer's DPO keeps its company's contacts and webhook up to date: a
/// refused value comes back beside its field with everything typed kept
/// (never the secret), nothing written; a good update is saved and said.
/// The processor's tenant and webhook pages are not its pages.
#[tokio::test]
async fn a_customer_dpo_updates_its_contacts_and_a_refusal_keeps_the_form() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut b = Web::signed_in(&app, &s.b_tok).await;
    let home = b.get("/").await;
    assert!(
        home.has("href=\"/company\"")
            && !home.has("href=\"/tenants\"")
            && !home.has("href=\"/webhooks\"")
    );
    assert_eq!(b.get("/tenants").await.status, 404);
    assert_eq!(b.get("/webhooks").await.status, 404);
    let page = b.get("/company").await;
    assert!(
        page.has("Beta B.V.") && page.has("set (never shown)"),
        "{}",
        page.body
    );
    let r = b
        .act(
            "/company",
            "/company",
            &[
                ("privacy_email", "privacy@beta.example"),
                ("dpo_name", "Bea de Vries"),
                ("dpo_email", "not-an-address"),
                ("webhook_url", ""),
                ("webhook_secret", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.has("id=\"contacts-dpo_email-error\"") && r.has("aria-invalid=\"true\""),
        "the reason beside the field: {}",
        r.body
    );
    assert!(
        r.has("value=\"Bea de Vries\"") && r.has("value=\"not-an-address\""),
        "kept as typed"
    );
    let stored = app
        .controllers()
        .get_controller(req(
            &app.admin,
            pb::GetControllerRequest { id: s.b.id.clone() },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(stored.dpo_name, "Bea de Vries", "nothing written");
    let url = stored.webhook_url.clone();
    let r = b
        .act(
            "/company",
            "/company",
            &[
                ("privacy_email", "privacy@beta.example"),
                ("dpo_name", "Bea de Vries"),
                ("dpo_email", "bea@beta.example"),
                ("webhook_url", &url),
                ("webhook_secret", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = b.get("/company").await;
    assert!(
        after.has("Your company&#39;s contacts were saved.")
            || after.has("Your company's contacts were saved."),
        "{}",
        after.body
    );
    assert!(after.has("value=\"Bea de Vries\""));
    let stored = app
        .controllers()
        .get_controller(req(
            &app.admin,
            pb::GetControllerRequest { id: s.b.id.clone() },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (stored.dpo_name.as_str(), stored.dpo_email.as_str()),
        ("Bea de Vries", "bea@beta.example")
    );
    assert!(
        stored.webhook_secret_set,
        "the secret stays when left empty"
    );
    // The processor's DPO has no company page of its own.
    let mut w = Web::signed_in(&app, &s.dpo).await;
    assert_eq!(w.get("/company").await.status, 404);
    app.stop().await;
}

/// The request queue is searched by the subject's e-mail address (after
/// picking the controller, whose key hashes it) or by the start of the
/// candidate reference; a search that cannot run says why beside the box,
/// never on an error page.
#[tokio::test]
async fn the_request_queue_is_searched_by_address_or_reference() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let a_request = app
        .requests()
        .get_request(req(
            &app.admin,
            pb::GetRequestRequest {
                id: s.a_overdue.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let unpicked = w.get("/requests?q=nobody%40example.nl").await;
    assert_eq!(unpicked.status, 200, "{}", unpicked.body);
    assert!(
        unpicked.has("pick the controller first"),
        "{}",
        unpicked.body
    );
    let none = w
        .get(&format!(
            "/requests?controller={}&q=nobody%40example.nl",
            s.a.id
        ))
        .await;
    assert!(none.has("No request matches the search."), "{}", none.body);
    assert!(!none.has(&format!("/requests/{}\"", a_request.id)));
    let found = w
        .get(&format!(
            "/requests?controller={}&q=Jan%40Example.nl",
            s.a.id
        ))
        .await;
    assert!(
        found.has(&format!("/requests/{}\"", a_request.id))
            && found.has("Data-subject requests (1)"),
        "{}",
        found.body
    );
    app.stop().await;
}

/// The audit log reads newest first with its total, pages towards older
/// entries, filters by Amsterdam day, names objects in words with a link,
/// and says a reversed day range beside the field.
#[tokio::test]
async fn the_audit_log_is_newest_first_with_a_day_filter() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let p = w.get("/audit").await;
    assert!(
        p.has("Events, newest first: 1 to 200 of") || p.has("Events, newest first ("),
        "{}",
        p.body
    );
    let seqs: Vec<u64> = p
        .body
        .match_indices("<tr><td>")
        .filter_map(|(i, _)| {
            p.body[i + 8..]
                .split('<')
                .next()
                .and_then(|n| n.parse().ok())
        })
        .collect();
    assert!(
        seqs.len() > 5 && seqs.windows(2).all(|w| w[0] > w[1]),
        "{seqs:?}"
    );
    assert!(
        p.has(&format!("href=\"/requests/{}\"", s.a_overdue)),
        "objects link to their page"
    );
    // What was done is picked in words, never typed as a code; no id field.
    assert!(
        p.has("<select id=\"filter-action\" name=\"action\"")
            && p.has(">sign-ins to the console</option>")
            && !p.has("name=\"object\""),
        "{}",
        p.body
    );
    let signins = w.get("/audit?action=console.").await;
    assert!(
        signins.has("signed in to the console") && !signins.has("data-subject request filed"),
        "{}",
        signins.body
    );
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let none = w
        .get(&format!("/audit?from={yesterday}&to={yesterday}"))
        .await;
    assert!(none.has("Events, newest first (0)"), "{}", none.body);
    let bad = w.get(&format!("/audit?from={today}&to={yesterday}")).await;
    assert_eq!(bad.status, 200);
    assert!(bad.has("id=\"filter-from-error\""), "{}", bad.body);
    app.stop().await;
}

/// No page a privacy officer works on shows an id: ids stay in links and
/// hidden fields.
#[tokio::test]
async fn no_page_of_the_day_shows_an_id() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    // B reads its notice once it was sent.
    app.breaches()
        .send_notice(req(
            &app.admin,
            pb::SendNoticeRequest {
                notice_id: s.b_notice.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let mut b = Web::signed_in(&app, &s.b_tok).await;
    for (who, path) in [
        (0, "/".to_owned()),
        (0, "/breaches".to_owned()),
        (0, format!("/breaches/{}", s.b_incident)),
        (0, format!("/breaches/notices/{}", s.b_notice)),
        (
            0,
            format!("/breaches/notices/{}/authority-draft", s.b_notice),
        ),
        (0, "/agreements/record/view".to_owned()),
        (0, "/people".to_owned()),
        (1, "/people".to_owned()),
        (0, "/requests".to_owned()),
        (0, format!("/requests/{}", s.a_overdue)),
        (0, "/subprocessors".to_owned()),
        (0, format!("/subprocessors/notices/{}", s.a_sub_notice)),
        (0, format!("/retention?tenant={}", s.a.id)),
        (0, "/switching".to_owned()),
        (0, "/audit".to_owned()),
        (0, "/tenants".to_owned()),
        (0, "/agreements".to_owned()),
        (0, "/reports".to_owned()),
        (0, "/webhooks".to_owned()),
        (1, "/".to_owned()),
        (1, "/subprocessors".to_owned()),
        (1, "/switching".to_owned()),
        (1, "/audit".to_owned()),
        (1, "/agreements".to_owned()),
        (1, "/breaches".to_owned()),
        (1, format!("/breaches/notices/{}", s.b_notice)),
        (1, "/requests".to_owned()),
        (1, "/company".to_owned()),
    ] {
        let p = if who == 0 {
            w.get(&path).await
        } else {
            b.get(&path).await
        };
        assert_eq!(p.status, 200, "{path}");
        let v = p.visible();
        let found: Vec<String> = p
            .visible_uuids()
            .iter()
            .map(|u| {
                let i = v.find(u.as_str()).unwrap();
                v[v.floor_char_boundary(i.saturating_sub(80))..i + 36].to_owned()
            })
            .collect();
        assert!(found.is_empty(), "{path} shows {found:#?}");
        // Nor a code word: a rule id, an audited action, a webhook topic.
        let codes: Vec<&str> = v
            .split_whitespace()
            .filter(|w| {
                let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
                // (a web address is no code word)
                let tld = w.rsplit('.').next().unwrap_or("");
                w.contains('.')
                    && !["nl", "com", "eu", "org", "json", "csv", "md"].contains(&tld)
                    && w.split('.').all(|p| {
                        !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    })
            })
            .collect();
        assert!(codes.is_empty(), "{path} shows code words {codes:?}");
        // Nor an internal file: the law and the agreement are cited, not
        // the project's notes.
        for internal in ["legal-rules", "seed 0", "seeds/", "docs/", ".rs ", ".md "] {
            assert!(!v.contains(internal), "{path} cites {internal:?}: {v}");
        }
    }
    app.stop().await;
}

/// A refused extension, refusal, objection or transition extension comes
/// back as typed, with the reason beside its field or above the form, and
/// nothing was written.
#[tokio::test]
async fn refused_extensions_refusals_and_objections_come_back_as_typed() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let page = format!("/requests/{}", s.b_request);
    // Not confirmed: the reasons stay.
    let r = w
        .act_unconfirmed(
            &page,
            &format!("{page}/extend"),
            &[("reasons", "Veel gegevens in drie systemen")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.has("Veel gegevens in drie systemen</textarea>") && r.has("Not confirmed"),
        "{}",
        r.body
    );
    let r = w
        .act_unconfirmed(
            &page,
            &format!("{page}/refuse"),
            &[
                (
                    "reasons",
                    "Kennelijk ongegrond: het vijfde verzoek deze maand",
                ),
                ("complaint_info", "Klacht bij de AP"),
                ("judicial_remedy_info", "Rechtbank Amsterdam"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    for typed in [
        "Kennelijk ongegrond: het vijfde verzoek deze maand</textarea>",
        "Klacht bij de AP</textarea>",
        "Rechtbank Amsterdam</textarea>",
    ] {
        assert!(r.has(typed), "{typed}: {}", r.body);
    }
    // Nothing was written: the request is still open, neither extended nor refused.
    let after = w.get(&page).await;
    assert!(
        after.has("Extend by two months") && after.has(">Refuse<"),
        "{}",
        after.body
    );
    // A customer's objection without the box ticked keeps its grounds.
    let mut a = Web::signed_in(&app, &s.a_tok).await;
    let notice = format!("/subprocessors/notices/{}", s.a_sub_notice);
    let r = a
        .act_unconfirmed(
            &notice,
            &format!("{notice}/object"),
            &[("reason", "Geen verwerkersovereenkomst met Search Cloud")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.has("Geen verwerkersovereenkomst met Search Cloud</textarea>"),
        "{}",
        r.body
    );
    assert!(a.get(&notice).await.has("Lodge the objection"));
    // A transition extended to a day before its current end: the service's
    // reason beside the date, the date as typed, in Dutch for a Dutch reader.
    let mut b = Web::signed_in(&app, &s.b_tok).await;
    let r = b
        .act(
            "/switching",
            "/switching",
            &[("election", "switch"), ("notice_months", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let path = r.header("location").to_owned();
    b.get("/lang/nl?back=/").await;
    let r = b
        .act(
            &path,
            &format!("{path}/extend"),
            &[("transition_end", "2027-01-05")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.has("id=\"extend-transition_end-error\"") && r.has("value=\"2027-01-05\""),
        "{}",
        r.body
    );
    let error = &r.body[r.body.find("id=\"extend-transition_end-error\"").unwrap()..];
    let error = &error[..error.find("</").unwrap()];
    assert!(
        error.contains("mag niet") || error.contains("moet"),
        "{error}"
    );
    // An acknowledgement with a time that has not come: the time as typed,
    // the reason beside it, nothing recorded.
    app.breaches()
        .send_notice(req(
            &app.admin,
            pb::SendNoticeRequest {
                notice_id: s.b_notice.clone(),
                phase: "initial".into(),
                message: String::new(),
            },
        ))
        .await
        .expect("sent");
    let notice = format!("/breaches/notices/{}", s.b_notice);
    let tomorrow = ::console::when::input_value(chrono::Utc::now() + chrono::Duration::days(1));
    let r = b
        .act(
            &notice,
            &format!("{notice}/acknowledge"),
            &[("aware_at", &tomorrow)],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.has("id=\"acknowledge-aware_at-error\"") && r.has(&format!("value=\"{tomorrow}\"")),
        "{}",
        r.body
    );
    assert!(
        b.get(&notice)
            .await
            .has(&format!("action=\"{notice}/acknowledge\"")),
        "not acknowledged: the form is still offered"
    );
    app.stop().await;
}

/// The person of that name, as the administrator lists them.
async fn person_named(app: &TestApp, name: &str) -> pb::Person {
    app.people()
        .list_people(req(&app.admin, pb::ListPeopleRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .people
        .into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} is not listed"))
}

/// The people who use the console: the administrator invites a customer's
/// DPO (its company picked by name), a refused invitation comes back as
/// typed, the customer's DPO invites and removes colleagues of its own
/// company only, and another customer sees none of them.
#[tokio::test]
async fn people_are_invited_and_removed_from_the_console() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = spawn_console(&db).await;
    let s = seed(&app, &db).await;
    let mut w = Web::signed_in(&app, &s.dpo).await;
    let p = w.get("/people").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.has("Invite a person") && p.has(">Acme B.V.</option>"),
        "{}",
        p.body
    );
    // A bad address: the page again, the name as typed, the reason beside
    // the address, nobody invited.
    let r = w
        .act(
            "/people",
            "/people",
            &[
                ("name", "Dana Prins"),
                ("email", "dana at acme"),
                ("language", "nl"),
                ("role", "controller"),
                ("tenant_id", &s.a.id),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.has("value=\"Dana Prins\"") && r.has("id=\"invite-email-error\""),
        "{}",
        r.body
    );
    let r = w
        .act(
            "/people",
            "/people",
            &[
                ("name", "Dana Prins"),
                ("email", "dana@acme.example"),
                ("language", "nl"),
                ("role", "controller"),
                ("tenant_id", &s.a.id),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = w.get("/people").await;
    assert!(
        p.has("The person was invited")
            && p.has("dana@acme.example")
            && p.has("invited, not signed in yet"),
        "{}",
        p.body
    );
    assert!(p.visible_uuids().is_empty(), "{:?}", p.visible_uuids());
    // Acme's DPO: its own company's people, a form without role or company.
    let mut a = Web::signed_in(&app, &s.a_tok).await;
    let mine = a.get("/people").await;
    assert!(mine.has("dana@acme.example"), "{}", mine.body);
    assert!(
        !mine.has("name=\"tenant_id\"") && !mine.has("<select id=\"invite-role\""),
        "{}",
        mine.body
    );
    let r = a
        .act(
            "/people",
            "/people",
            &[
                ("name", "Joost Bakker"),
                ("email", "joost@acme.example"),
                ("language", "en"),
                ("role", "controller"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // Beta's DPO sees none of them.
    let mut b = Web::signed_in(&app, &s.b_tok).await;
    let theirs = b.get("/people").await;
    assert!(
        !theirs.has("acme.example") && theirs.has("Nobody has been invited yet."),
        "{}",
        theirs.body
    );
    // Removing asks for the confirmation, then the person is removed.
    let joost = person_named(&app, "Joost Bakker").await;
    let r = a
        .act_unconfirmed(
            "/people",
            "/people/remove",
            &[("id", &joost.id), ("reason", "left the company")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.has("value=\"left the company\""), "{}", r.body);
    let r = a
        .act(
            "/people",
            "/people/remove",
            &[("id", &joost.id), ("reason", "left the company")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = a.get("/people").await;
    assert!(
        after.has("The person was removed") && after.has("removed"),
        "{}",
        after.body
    );
    // Beta's DPO cannot remove Acme's.
    let dana = person_named(&app, "Dana Prins").await;
    let r = b
        .act(
            "/people",
            "/people/remove",
            &[("id", &dana.id), ("reason", "x"), ("confirm", "true")],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    app.stop().await;
}
