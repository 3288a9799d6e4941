//! SwitchingService end to end: a Data Act switch whose milestones match
//! rule dataact.switching, an export bundle that verifies (checksums,
//! counts, every candidate decrypts to what was stored, each file parses as
//! its format), the customer's confirmation, the worker's tenant erasure
//! (keys first, then rows) with its certificate and another tenant intact;
//! a late unfeasibility declaration refused; downloads refused after the
//! retrieval period; one extension; switching charges and the 2027-01-12
//! cut-off; an agreement exit; tenant isolation and bad input for every RPC.

use std::collections::{BTreeMap, BTreeSet};

use auth::Role;
use chrono::{DateTime, Duration, Utc};
use custodian_tests::split::deployments;
use custodian_tests::*;
use proto::v1 as pb;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sha2::{Digest, Sha256};
use store::entities::switching::requests as switches;
use tonic::Code;

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Stores a candidate for `tenant` as admin; returns it with what was stored.
async fn put(
    app: &TestApp,
    tenant: &str,
    r: &str,
    name: &str,
    email: &str,
) -> (pb::Candidate, pb::CandidatePayload) {
    let mut c = valid_candidate(r, name, email);
    c.tenant_id = tenant.into();
    let payload = c.payload.clone().unwrap();
    let stored = app
        .vault()
        .put_candidate(req(&app.admin, c))
        .await
        .expect("put candidate")
        .into_inner();
    (stored, payload)
}

fn request(controller: &str, election: &str) -> pb::RequestSwitchRequest {
    pb::RequestSwitchRequest {
        controller_id: controller.into(),
        election: election.into(),
        ..Default::default()
    }
}

fn milestone<'a>(s: &'a pb::Switch, name: &str) -> &'a pb::SwitchMilestone {
    s.milestones
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no milestone {name} in {:?}", s.milestones))
}

/// Moves a switch's request time back (the clock is computed from it).
async fn backdate(app: &TestApp, id: &str, by: Duration) {
    let db = app.db().await;
    let row = switches::Entity::find_by_id(id.to_owned())
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    switches::Entity::update_many()
        .col_expr(
            switches::Column::RequestedAt,
            sea_orm::sea_query::Expr::value(row.requested_at - by),
        )
        .filter(switches::Column::Id.eq(id))
        .exec(&db)
        .await
        .unwrap();
}

async fn get(app: &TestApp, token: &str, id: &str) -> Result<pb::Switch, tonic::Status> {
    app.switching()
        .get_switch(req(
            token,
            pb::GetSwitchRequest {
                switch_id: id.into(),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

async fn start_export(
    app: &TestApp,
    token: &str,
    id: &str,
) -> Result<pb::SwitchExport, tonic::Status> {
    app.switching()
        .start_export(req(
            token,
            pb::StartExportRequest {
                switch_id: id.into(),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

/// Checks every file against the manifest; returns the manifest.
fn verify(files: &BTreeMap<String, Vec<u8>>) -> serde_json::Value {
    let manifest: serde_json::Value =
        serde_json::from_slice(files.get("manifest.json").expect("manifest.json")).unwrap();
    assert_eq!(manifest["schema"], "custodian.export.v1");
    let listed = manifest["files"].as_array().unwrap();
    let mut paths = BTreeSet::new();
    for f in listed {
        let path = f["path"].as_str().unwrap();
        let bytes = files
            .get(path)
            .unwrap_or_else(|| panic!("{path} not in the bundle"));
        assert_eq!(
            bytes.len() as u64,
            f["bytes"].as_u64().unwrap(),
            "{path} size"
        );
        assert_eq!(
            hex::encode(Sha256::digest(bytes)),
            f["sha256"].as_str().unwrap(),
            "{path} checksum"
        );
        match f["format"].as_str().unwrap() {
            "jsonl" => {
                let lines: Vec<&[u8]> = bytes
                    .split(|b| *b == b'\n')
                    .filter(|l| !l.is_empty())
                    .collect();
                assert_eq!(
                    lines.len() as u64,
                    f["records"].as_u64().unwrap(),
                    "{path} records"
                );
                for l in lines {
                    serde_json::from_slice::<serde_json::Value>(l).expect("a JSON line");
                }
            }
            "csv" => {
                let rows = parse_csv(std::str::from_utf8(bytes).unwrap());
                assert_eq!(
                    rows.len() as u64,
                    f["records"].as_u64().unwrap() + 1,
                    "{path} rows"
                );
                let width = rows[0].len();
                assert!(
                    rows.iter().all(|r| r.len() == width),
                    "{path} is rectangular"
                );
            }
            "json" => {
                serde_json::from_slice::<serde_json::Value>(bytes).expect("JSON");
            }
            _ => {}
        }
        paths.insert(path.to_owned());
    }
    paths.insert("manifest.json".into());
    assert_eq!(
        paths,
        files.keys().cloned().collect(),
        "the manifest lists every file"
    );
    manifest
}

/// A minimal RFC 4180 parser (quoted fields, doubled quotes, CRLF).
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn a_switch_hands_over_a_verified_bundle_then_the_tenant_is_erased() {
    // Both shapes: the monolith and the five-process split.
    for d in deployments() {
        let (_db, app) = d.start().await;
        let (a, a_agreement) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let mut stored = BTreeMap::new();
        for (r, name, email) in [
            ("A-1", "Jan de Vries", "jan@example.nl"),
            ("A-2", "Anna \"Annie\" Bakker, MSc", "anna@example.nl"),
            ("A-3", "Piet Jansen", "piet@example.nl"),
        ] {
            let (c, p) = put(&app, &a.id, r, name, email).await;
            stored.insert(c.id.clone(), p);
        }
        let (b_cand, _) = put(&app, &b.id, "B-1", "Bea Beta", "bea@example.nl").await;
        // A DPO of each company is invited to the console.
        for (t, name, email) in [
            (&a.id, "Dana Prins", "dana@acme.example"),
            (&b.id, "Bo Beta", "bo@beta.example"),
        ] {
            app.people()
                .invite_person(req(
                    &app.admin,
                    pb::InvitePersonRequest {
                        name: name.into(),
                        email: email.into(),
                        language: "nl".into(),
                        role: "controller".into(),
                        tenant_id: t.clone(),
                    },
                ))
                .await
                .unwrap();
        }

        // The request and its milestones, as rule dataact.switching computes them.
        let s = app
            .switching()
            .request_switch(req(&a_tok, request("", "switch")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (s.kind.as_str(), s.status.as_str(), s.notice_months),
            ("data_act", "active", 2)
        );
        assert_eq!(s.rule, "dataact.switching");
        let expect = legal_time::compute(
            "dataact.switching",
            &s.requested_at,
            &BTreeMap::from([("notice_months".to_owned(), "2".to_owned())]),
        )
        .unwrap();
        for name in [
            "notice_end",
            "transition_end",
            "retrieval_end",
            "erasure_not_before",
            "unfeasibility_notice",
            "alternative_transition_max_end",
        ] {
            let (strict, lenient) = expect.reading(Some(name)).unwrap();
            let m = milestone(&s, name);
            assert_eq!(ts(&m.strict), strict.instant, "{name}");
            assert_eq!(ts(&m.lenient), lenient.instant, "{name}");
        }
        assert!(s.retrieval_open);
        assert!(
            s.erasure_due_from.is_empty(),
            "no erasure before the switch is confirmed"
        );
        // A second request while one is active is refused.
        let e = app
            .switching()
            .request_switch(req(&a_tok, request("", "erase")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");

        // The milestones are obligations.
        let obligations = app.obligations(&a_tok, "switching").await;
        let names: Vec<&str> = obligations.iter().map(|o| o.description.as_str()).collect();
        assert_eq!(obligations.len(), 3, "{names:?}");
        assert!(
            obligations
                .iter()
                .all(|o| o.rule == "dataact.switching" && o.object_id == s.id)
        );
        let te = obligations
            .iter()
            .find(|o| o.description.starts_with("complete the transition"))
            .unwrap();
        assert_eq!(
            ts(&te.due_strict),
            ts(&milestone(&s, "transition_end").strict)
        );

        // The export bundle.
        let e = start_export(&app, &a_tok, &s.id).await.unwrap();
        assert_eq!(e.status, "building");
        let e = app.export_ready(&a_tok, &e.id).await;
        assert_eq!(e.status, "ready", "{}", e.error);
        assert_eq!((e.candidates, e.documents), (3, 3));
        assert_eq!(
            ts(&e.available_until),
            ts(&milestone(&s, "retrieval_end").strict)
        );
        let export_id = e.id.clone();
        let files = app.download(&a_tok, &e.id).await.unwrap();
        let manifest = verify(&files);
        assert_eq!(
            hex::encode(Sha256::digest(&files["manifest.json"])),
            e.manifest_sha256
        );
        assert_eq!(manifest["counts"]["candidates"], 3);
        assert_eq!(manifest["controller_id"], a.id);
        // Every candidate decrypts to what was stored, with its document.
        let lines: Vec<serde_json::Value> = files["candidates.jsonl"]
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        for l in &lines {
            let p = &stored[l["id"].as_str().unwrap()];
            assert_eq!(l["name"], p.name);
            assert_eq!(l["email"], p.email);
            assert_eq!(l["phone"], p.phone);
            assert_eq!(l["notes"], p.notes);
            let path = l["cv"]["path"].as_str().unwrap();
            assert_eq!(files[path], p.cv, "{path}");
            assert_eq!(l["cv"]["sha256"], hex::encode(Sha256::digest(&p.cv)));
        }
        let csv = parse_csv(std::str::from_utf8(&files["candidates.csv"]).unwrap());
        let name_col = csv[0].iter().position(|h| h == "name").unwrap();
        assert!(
            csv.iter()
                .any(|r| r[name_col] == "Anna \"Annie\" Bakker, MSc"),
            "CSV keeps the value exactly"
        );
        // The agreements, audit trail and configuration are there; nothing of B.
        assert!(
            std::str::from_utf8(&files["agreements.jsonl"])
                .unwrap()
                .contains(&a_agreement.id)
        );
        assert!(
            std::str::from_utf8(&files["audit.jsonl"])
                .unwrap()
                .contains("switching.request")
        );
        assert!(
            std::str::from_utf8(&files["configuration.json"])
                .unwrap()
                .contains("Acme B.V.")
        );
        for (path, bytes) in &files {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains("bea@example.nl") && !text.contains(&b.id),
                "{path} holds B's data"
            );
        }
        let again = app.export_ready(&a_tok, &e.id).await;
        assert_eq!(again.downloads, 1);

        // Confirmation, then (the clock moved past the retrieval period) erasure.
        let done = app
            .switching()
            .confirm_switch_complete(req(
                &a_tok,
                pb::ConfirmSwitchCompleteRequest {
                    switch_id: s.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(done.status, "completed");
        assert!(!milestone(&done, "contract_end").strict.is_empty());
        assert!(
            app.erase_tenants().await.is_empty(),
            "not before erasure_not_before"
        );
        backdate(&app, &s.id, Duration::days(200)).await;
        // A's audit tree as a DPO would have kept it before the erasure.
        let audit_before = app
            .vault()
            .get_audit_checkpoint(req(
                &app.admin,
                pb::GetAuditCheckpointRequest {
                    tenant_id: a.id.clone(),
                    tree_size: 0,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(app.erase_tenants().await, vec![s.id.clone()]);
        assert!(app.erase_tenants().await.is_empty(), "erased once");
        // The erasure added to A's audit tree and removed nothing from it.
        let audit_after = crate::evidence::extends(
            &audit_before,
            crate::evidence::audit_consistency(&app, &a.id, audit_before.tree_size).await,
            &crate::evidence::published_keys(&app, &app.admin).await,
        )
        .expect("the tenant's audit tree after its erasure extends the one before");
        assert!(audit_after.tree_size > audit_before.tree_size);

        let erased = get(&app, &app.admin, &s.id).await.unwrap();
        assert_eq!(erased.status, "erased");
        let cert = erased.certificate.unwrap();
        assert_eq!(
            cert.sha256,
            hex::encode(Sha256::digest(cert.json.as_bytes()))
        );
        assert_eq!(cert.controller_id, a.id);
        assert_eq!(cert.kek_versions, vec![1]);
        assert!(
            cert.keys_destroyed >= 5,
            "3 candidate keys, 1 export key, the index key and the KEK: {}",
            cert.keys_destroyed
        );
        assert!(
            cert.rows_deleted.contains(&"candidates=3".to_owned()),
            "{:?}",
            cert.rows_deleted
        );
        assert!(!cert.retained.is_empty());
        // The vault's part is signed by the vault (switching holds no key):
        // it verifies offline with the published key alone, by both
        // verifiers, and states A's erasure; switching's certificate
        // carries it in its JSON too.
        let key = crate::evidence::published_keys(&app, &app.admin)
            .await
            .remove(0);
        match evidence::certificate::verify_certificate(
            &cert.vault_certificate,
            std::slice::from_ref(&key),
        )
        .expect("the tenant erasure certificate verifies")
        {
            evidence::certificate::VerifiedCertificate::TenantErasure(v) => {
                assert_eq!(v.tenant_id, a.id);
                assert_eq!(v.keys_destroyed, cert.keys_destroyed);
                assert!(v.rows_deleted >= 3, "{v}");
            }
            other => panic!("not a tenant erasure certificate: {other}"),
        }
        let json: serde_json::Value = serde_json::from_str(&cert.json).unwrap();
        assert_eq!(json["vault_certificate"], cert.vault_certificate.as_str());
        let dir = tempfile::tempdir().unwrap();
        let f = crate::evidence::write(dir.path(), "tenant.json", &cert.vault_certificate);
        let r = crate::evidence::verify(&["certificate", &f, "--public-key", key.text()]).await;
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(r.out.contains(&format!("controller {}", a.id)), "{}", r.out);
        let (code, out) = crate::evidence::py(&["certificate", &f], &[key.text()]);
        assert_eq!(code, 0, "{out}");
        let tampered = cert.vault_certificate.replacen(&a.id, &b.id, 1);
        let f = crate::evidence::write(dir.path(), "tampered.json", &tampered);
        assert_eq!(
            crate::evidence::verify(&["certificate", &f, "--public-key", key.text()])
                .await
                .code,
            1
        );
        assert_eq!(
            crate::evidence::py(&["certificate", &f], &[key.text()]).0,
            1
        );

        // A's people went with it (their names and addresses); B's stay.
        let listed = |t: String| {
            let app = &app;
            async move {
                app.people()
                    .list_people(req(
                        &app.admin,
                        pb::ListPeopleRequest {
                            tenant_id: t,
                            include_removed: true,
                            page: None,
                        },
                    ))
                    .await
                    .unwrap()
                    .into_inner()
                    .people
                    .len()
            }
        };
        assert_eq!(listed(a.id.clone()).await, 0);
        assert_eq!(listed(b.id.clone()).await, 1);
        // Nothing of A is readable; B is intact.
        for id in stored.keys() {
            let e = app
                .vault()
                .get_candidate(req(
                    &app.admin,
                    pb::GetCandidateRequest {
                        id: id.clone(),
                        purpose: "check".into(),
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::NotFound);
        }
        let dbc = app.db().await;
        use store::entities::vault::{candidate_documents, candidate_index, candidates};
        assert_eq!(
            candidates::Entity::find()
                .filter(candidates::Column::TenantId.eq(&a.id))
                .count(&dbc)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            candidate_documents::Entity::find()
                .filter(candidate_documents::Column::TenantId.eq(&a.id))
                .count(&dbc)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            candidate_index::Entity::find()
                .filter(candidate_index::Column::TenantId.eq(&a.id))
                .count(&dbc)
                .await
                .unwrap(),
            0
        );
        let ks = store::connect(&app.config_of(custodian::Target::Vault).keystore_url())
            .await
            .unwrap();
        use store::entities::vault::{candidate_deks, tenant_keks};
        assert_eq!(
            tenant_keks::Entity::find()
                .filter(tenant_keks::Column::TenantId.eq(&a.id))
                .count(&ks)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            candidate_deks::Entity::find()
                .filter(candidate_deks::Column::TenantId.eq(&a.id))
                .count(&ks)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            tenant_keks::Entity::find()
                .filter(tenant_keks::Column::TenantId.eq(&b.id))
                .count(&ks)
                .await
                .unwrap(),
            1
        );
        let b_read = app
            .vault()
            .get_candidate(req(
                &app.admin,
                pb::GetCandidateRequest {
                    id: b_cand.id.clone(),
                    purpose: "check".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(b_read.payload.unwrap().email, "bea@example.nl");
        // A can never hold data again; the export is gone.
        let mut again = valid_candidate("A-9", "New", "new@example.nl");
        again.tenant_id = a.id.clone();
        let e = app
            .vault()
            .put_candidate(req(&app.admin, again))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        assert!(e.message().contains("erased"), "{e:?}");
        let gone = app
            .switching()
            .get_export(req(
                &app.admin,
                pb::GetExportRequest {
                    export_id: export_id.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(gone.code(), Code::NotFound);
        app.stop().await;
    }
}

#[tokio::test]
async fn late_unfeasibility_is_refused_and_the_windows_close() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        put(&app, &a.id, "A-1", "Jan de Vries", "jan@example.nl").await;

        // A request received 40 days ago: 14 working days have passed.
        let mut r = request(&a.id, "on_prem");
        r.notice_months = 1;
        r.requested_at =
            proto::wire::timestamp(store::truncate_micros(Utc::now() - Duration::days(40)));
        let late = app
            .switching()
            .request_switch(req(&app.admin, r))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(late.notice_months, 1);
        let te = milestone(&late, "transition_end").strict.clone();
        let unfeasible = |id: &str, end: &str| pb::DeclareUnfeasibleRequest {
            switch_id: id.into(),
            reasons: "the candidate archive needs a format conversion".into(),
            alternative_transition_end: end.into(),
        };
        let alt = (ts(&te) + Duration::days(60)).date_naive().to_string();
        let e = app
            .switching()
            .declare_unfeasible(req(&app.admin, unfeasible(&late.id, &alt)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(e.message().contains("14 working days"), "{e:?}");
        let unchanged = get(&app, &app.admin, &late.id).await.unwrap();
        assert!(
            unchanged.unfeasible_declared_at.is_empty(),
            "nothing written"
        );
        assert_eq!(milestone(&unchanged, "transition_end").strict, te);

        // In time: the alternative moves the transition, retrieval and erasure.
        let s = app
            .switching()
            .request_switch(req(&b_tok, request("", "switch")))
            .await
            .unwrap()
            .into_inner();
        let te = ts(&milestone(&s, "transition_end").strict);
        let max = ts(&milestone(&s, "alternative_transition_max_end").strict);
        let too_long = (max + Duration::days(1)).date_naive().to_string();
        let e = app
            .switching()
            .declare_unfeasible(req(&app.admin, unfeasible(&s.id, &too_long)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(
            e.message().starts_with("alternative_transition_end:"),
            "{e:?}"
        );
        let alt_end = te.date_naive() + Duration::days(60);
        let declared = app
            .switching()
            .declare_unfeasible(req(&app.admin, unfeasible(&s.id, &alt_end.to_string())))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(declared.alternative_transition_end, alt_end.to_string());
        assert_eq!(
            ts(&milestone(&declared, "transition_end").strict),
            legal_time::Reading::day(alt_end).instant
        );
        assert!(
            ts(&milestone(&declared, "retrieval_end").lenient)
                >= legal_time::Reading::day(alt_end + Duration::days(30)).instant
        );
        let e = app
            .switching()
            .declare_unfeasible(req(&app.admin, unfeasible(&s.id, &alt_end.to_string())))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "declared once");

        // One extension, by the customer.
        let ext = |end: chrono::NaiveDate| pb::ExtendTransitionRequest {
            switch_id: s.id.clone(),
            transition_end: end.to_string(),
        };
        let e = app
            .switching()
            .extend_transition(req(&app.admin, ext(alt_end + Duration::days(10))))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "the customer extends");
        let e = app
            .switching()
            .extend_transition(req(&b_tok, ext(alt_end)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("transition_end:"), "{e:?}");
        let extended = app
            .switching()
            .extend_transition(req(&b_tok, ext(alt_end + Duration::days(10))))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            extended.extended_transition_end,
            (alt_end + Duration::days(10)).to_string()
        );
        let e = app
            .switching()
            .extend_transition(req(&b_tok, ext(alt_end + Duration::days(20))))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "once only");

        // Switching charges: reduced before 12 January 2027, none from then on.
        let charge = |on: &str, amount: u64| pb::RecordChargeRequest {
            switch_id: s.id.clone(),
            amount_cents: amount,
            charged_on: on.into(),
            direct_cost_cents: 50_000,
            description: "data egress for the candidate archive".into(),
        };
        let c = app
            .switching()
            .record_charge(req(&app.admin, charge("2026-11-01", 40_000)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(c.amount_cents, 40_000);
        for (on, amount, field) in [
            ("2027-01-12", 100, "charged_on"),
            ("2027-03-01", 100, "charged_on"),
            ("2026-11-01", 60_000, "amount_cents"),
            // Over i64::MAX: refused, not wrapped to 0 by a cast.
            ("2026-11-01", 9_223_372_036_854_775_813, "amount_cents"),
        ] {
            let e = app
                .switching()
                .record_charge(req(&app.admin, charge(on, amount)))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument);
            assert!(e.message().starts_with(&format!("{field}:")), "{e:?}");
        }
        let e = app
            .switching()
            .record_charge(req(&b_tok, charge("2026-11-01", 1)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        let mut huge = charge("2026-11-01", 1);
        huge.direct_cost_cents = u64::MAX;
        let e = app
            .switching()
            .record_charge(req(&app.admin, huge))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(
            e.message()
                .starts_with("direct_cost_cents: must be at most 9223372036854775807"),
            "{e:?}"
        );
        let shown = get(&app, &b_tok, &s.id).await.unwrap();
        assert_eq!(shown.charges.len(), 1, "refused charges leave nothing");

        // An export while retrieval is open; after the retrieval period, none.
        let e = start_export(&app, &a_tok, &late.id).await.unwrap();
        let e = app.export_ready(&a_tok, &e.id).await;
        assert_eq!(e.status, "ready");
        assert!(app.download(&a_tok, &e.id).await.is_ok());
        backdate(&app, &late.id, Duration::days(150)).await;
        let closed = get(&app, &a_tok, &late.id).await.unwrap();
        assert!(!closed.retrieval_open);
        let refused = app.download(&a_tok, &e.id).await.unwrap_err();
        assert_eq!(refused.code(), Code::FailedPrecondition);
        assert!(
            refused.message().contains("retrieval period ended"),
            "{refused:?}"
        );
        let refused = start_export(&app, &a_tok, &late.id).await.unwrap_err();
        assert_eq!(refused.code(), Code::FailedPrecondition);
        assert_eq!(
            app.export_ready(&a_tok, &e.id).await.downloads,
            1,
            "a refused download is not counted"
        );
        // Not confirmed: the worker waits for the customer's confirmation.
        assert!(app.erase_tenants().await.is_empty());
        let obligations = app.obligations(&app.admin, "switching").await;
        let late_o: Vec<_> = obligations
            .iter()
            .filter(|o| o.object_id == late.id)
            .collect();
        assert!(
            !late_o.is_empty() && late_o.iter().all(|o| o.overdue),
            "{late_o:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn an_exit_follows_the_agreement_and_an_erasure_election_exports_nothing() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        put(&app, &a.id, "A-1", "Jan de Vries", "jan@example.nl").await;
        let exit = |controller: &str, end: &str| pb::ExitAgreementRequest {
            controller_id: controller.into(),
            contract_end: end.into(),
            reason: "the customer did not renew".into(),
        };
        let s = app
            .switching()
            .terminate_agreement(req(&app.admin, exit(&a.id, &day(10).to_string())))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (s.kind.as_str(), s.election.as_str(), s.rule.as_str()),
            ("termination", "return_then_delete", "agreement.exit")
        );
        assert_eq!(milestone(&s, "contract_end").strict, end_of(day(10)));
        assert_eq!(
            milestone(&s, "deletion_due").strict,
            end_of(day(40)),
            "the agreement's 30-day deletion term"
        );
        assert_eq!(milestone(&s, "retrieval_end").strict, end_of(day(10)));
        let e = start_export(&app, &a_tok, &s.id).await.unwrap();
        assert_eq!(app.export_ready(&a_tok, &e.id).await.candidates, 1);
        assert!(
            app.erase_tenants().await.is_empty(),
            "not before the agreement ends"
        );
        let o = app.obligations(&a_tok, "switching").await;
        assert_eq!(o.len(), 1);
        assert_eq!(ts(&o[0].due_strict), ts(&end_of(day(40))));

        // The customer's erasure election: nothing to export, nothing to extend.
        let er = app
            .switching()
            .request_switch(req(&b_tok, request("", "erase")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            milestone(&er, "contract_end").strict,
            milestone(&er, "notice_end").strict
        );
        assert!(
            !er.erasure_due_from.is_empty(),
            "erasure needs no confirmation"
        );
        let e = start_export(&app, &b_tok, &er.id).await.unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        let e = app
            .switching()
            .confirm_switch_complete(req(
                &b_tok,
                pb::ConfirmSwitchCompleteRequest {
                    switch_id: er.id.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        app.stop().await;
    }
}

#[tokio::test]
async fn another_tenant_sees_nothing_and_bad_input_names_the_field() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let (nobody, _) = (app.create_controller("No Deal B.V.", "11223344").await, ());
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let auditor = app.token(Role::Auditor, None).await;
        let s = app
            .switching()
            .request_switch(req(&a_tok, request("", "switch")))
            .await
            .unwrap()
            .into_inner();
        let e = start_export(&app, &a_tok, &s.id).await.unwrap();
        app.export_ready(&a_tok, &e.id).await;
        let sid = || s.id.clone();
        let mut c = app.switching();

        // Another tenant: NOT_FOUND everywhere, and an empty list.
        let codes = [
            c.get_switch(req(&b_tok, pb::GetSwitchRequest { switch_id: sid() }))
                .await
                .unwrap_err()
                .code(),
            c.extend_transition(req(
                &b_tok,
                pb::ExtendTransitionRequest {
                    switch_id: sid(),
                    transition_end: day(300).to_string(),
                },
            ))
            .await
            .unwrap_err()
            .code(),
            c.confirm_switch_complete(req(
                &b_tok,
                pb::ConfirmSwitchCompleteRequest { switch_id: sid() },
            ))
            .await
            .unwrap_err()
            .code(),
            c.start_export(req(&b_tok, pb::StartExportRequest { switch_id: sid() }))
                .await
                .unwrap_err()
                .code(),
            c.get_export(req(
                &b_tok,
                pb::GetExportRequest {
                    export_id: e.id.clone(),
                },
            ))
            .await
            .unwrap_err()
            .code(),
            app.download(&b_tok, &e.id).await.unwrap_err().code(),
            c.request_switch(req(&b_tok, request(&a.id, "switch")))
                .await
                .unwrap_err()
                .code(),
        ];
        assert!(codes.iter().all(|c| *c == Code::NotFound), "{codes:?}");
        let listed = c
            .list_switches(req(&b_tok, pb::ListSwitchesRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert!(listed.switches.is_empty());
        let listed = c
            .list_switches(req(
                &auditor,
                pb::ListSwitchesRequest {
                    controller_id: a.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(listed.switches.len(), 1);
        // Who may do what: the provider declares, the customer downloads.
        assert_eq!(
            c.declare_unfeasible(req(
                &a_tok,
                pb::DeclareUnfeasibleRequest {
                    switch_id: sid(),
                    ..Default::default()
                }
            ))
            .await
            .unwrap_err()
            .code(),
            Code::PermissionDenied
        );
        assert_eq!(
            app.download(&app.admin, &e.id).await.unwrap_err().code(),
            Code::PermissionDenied
        );
        assert_eq!(
            app.download(&auditor, &e.id).await.unwrap_err().code(),
            Code::PermissionDenied
        );

        // Bad input: INVALID_ARGUMENT naming the field; nothing written.
        let future = proto::wire::timestamp(Utc::now() + Duration::days(2));
        // RequestSwitch: one case per field, as data.
        let switch_cases = [
            ("election", request(&b.id, "teleport")),
            ("election", request(&b.id, "")),
            ("controller_id", request("", "switch")),
            ("controller_id", request("nope", "switch")),
            (
                "notice_months",
                pb::RequestSwitchRequest {
                    notice_months: 3,
                    ..request(&b.id, "switch")
                },
            ),
            (
                "requested_at",
                pb::RequestSwitchRequest {
                    requested_at: future,
                    ..request(&b.id, "switch")
                },
            ),
            (
                "requested_at",
                pb::RequestSwitchRequest {
                    requested_at: "yesterday".into(),
                    ..request(&b.id, "switch")
                },
            ),
            (
                "destination",
                pb::RequestSwitchRequest {
                    destination: "Other Cloud".into(),
                    ..request(&b.id, "erase")
                },
            ),
        ];
        let mut bad: Vec<(&str, Result<tonic::Response<pb::Switch>, tonic::Status>)> = Vec::new();
        for (field, r) in switch_cases {
            bad.push((field, c.request_switch(req(&app.admin, r)).await));
        }
        bad.extend([
            (
                "switch_id",
                c.declare_unfeasible(req(
                    &app.admin,
                    pb::DeclareUnfeasibleRequest {
                        switch_id: "x".into(),
                        ..Default::default()
                    },
                ))
                .await,
            ),
            (
                "reasons",
                c.declare_unfeasible(req(
                    &app.admin,
                    pb::DeclareUnfeasibleRequest {
                        switch_id: sid(),
                        reasons: " ".into(),
                        alternative_transition_end: day(100).to_string(),
                    },
                ))
                .await,
            ),
            (
                "alternative_transition_end",
                c.declare_unfeasible(req(
                    &app.admin,
                    pb::DeclareUnfeasibleRequest {
                        switch_id: sid(),
                        reasons: "r".into(),
                        alternative_transition_end: "soon".into(),
                    },
                ))
                .await,
            ),
            (
                "transition_end",
                c.extend_transition(req(
                    &a_tok,
                    pb::ExtendTransitionRequest {
                        switch_id: sid(),
                        transition_end: "31-12-2027".into(),
                    },
                ))
                .await,
            ),
            (
                "switch_id",
                c.confirm_switch_complete(req(
                    &a_tok,
                    pb::ConfirmSwitchCompleteRequest {
                        switch_id: "".into(),
                    },
                ))
                .await,
            ),
            (
                "switch_id",
                c.get_switch(req(
                    &a_tok,
                    pb::GetSwitchRequest {
                        switch_id: "1".into(),
                    },
                ))
                .await,
            ),
            (
                "contract_end",
                c.terminate_agreement(req(
                    &app.admin,
                    pb::ExitAgreementRequest {
                        controller_id: b.id.clone(),
                        contract_end: day(-1).to_string(),
                        reason: "r".into(),
                    },
                ))
                .await,
            ),
            (
                "contract_end",
                c.terminate_agreement(req(
                    &app.admin,
                    pb::ExitAgreementRequest {
                        controller_id: b.id.clone(),
                        contract_end: String::new(),
                        reason: "r".into(),
                    },
                ))
                .await,
            ),
            (
                "reason",
                c.terminate_agreement(req(
                    &app.admin,
                    pb::ExitAgreementRequest {
                        controller_id: b.id.clone(),
                        contract_end: day(5).to_string(),
                        reason: "".into(),
                    },
                ))
                .await,
            ),
        ]);
        for (field, r) in bad {
            let e = r.unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{field}: {e:?}");
            assert!(
                e.message().starts_with(&format!("{field}:")),
                "{field}: {e:?}"
            );
        }
        for (field, e) in [
            (
                "switch_id",
                c.start_export(req(
                    &a_tok,
                    pb::StartExportRequest {
                        switch_id: "x".into(),
                    },
                ))
                .await
                .unwrap_err(),
            ),
            (
                "export_id",
                c.get_export(req(
                    &a_tok,
                    pb::GetExportRequest {
                        export_id: "x".into(),
                    },
                ))
                .await
                .unwrap_err(),
            ),
            ("export_id", app.download(&a_tok, "x").await.unwrap_err()),
            (
                "amount_cents",
                c.record_charge(req(
                    &app.admin,
                    pb::RecordChargeRequest {
                        switch_id: sid(),
                        charged_on: "2026-11-01".into(),
                        direct_cost_cents: 5,
                        description: "d".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap_err(),
            ),
            (
                "page.page_token",
                c.list_switches(req(
                    &a_tok,
                    pb::ListSwitchesRequest {
                        page: Some(pb::PageRequest {
                            page_size: 10,
                            page_token: "zz".into(),
                        }),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap_err(),
            ),
        ] {
            assert_eq!(e.code(), Code::InvalidArgument, "{field}: {e:?}");
            assert!(
                e.message().starts_with(&format!("{field}:")),
                "{field}: {e:?}"
            );
        }
        // Without an agreement there is nothing to switch from.
        let e = c
            .request_switch(req(&app.admin, request(&nobody.id, "switch")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        let listed = c
            .list_switches(req(&app.admin, pb::ListSwitchesRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(listed.switches.len(), 1, "nothing was written by bad input");
        app.stop().await;
    }
}

/// A tenant erasure is in the append-only ledger file, so restoring both
/// databases from a backup taken before it cannot bring the tenant back: at
/// the next start the reconcile destroys the restored keys again, puts the
/// fence back and deletes the restored rows; the tenant can never store again,
/// and the other tenant is untouched.
#[tokio::test]
async fn a_restore_from_before_a_tenant_erasure_cannot_bring_the_tenant_back() {
    use store::entities::vault::{candidates, tenant_keks, tenant_shreds};
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let (a_cand, _) = put(&app, &a.id, "A-1", "Jan de Vries", "jan@example.nl").await;
        let (b_cand, b_payload) = put(&app, &b.id, "B-1", "Bea Bakker", "bea@example.nl").await;
        app.stop().await;
        let backup_dir = db.dir.path().join("backup-before-erasure");
        crate::vault_sweep::backup(&db, &backup_dir).await;

        let app = spawn_app(&db).await;
        let s = app
            .switching()
            .request_switch(req(&a_tok, request("", "erase")))
            .await
            .unwrap()
            .into_inner();
        backdate(&app, &s.id, Duration::days(200)).await;
        assert_eq!(app.erase_tenants().await, vec![s.id.clone()]);
        let ledger =
            std::fs::read_to_string(app.config_of(custodian::Target::Vault).ledger_file()).unwrap();
        assert!(
            ledger.contains(&format!("\"candidate_id\":\"tenant:{}\"", a.id)),
            "the erasure is in the ledger file: {ledger}"
        );
        // The erasure is a leaf of the ledger's Merkle tree, provable by its
        // seq against a signed checkpoint (docs/evidence.md).
        let seq = ledger
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|e| e["candidate_id"] == format!("tenant:{}", a.id))
            .unwrap()["seq"]
            .as_u64()
            .unwrap();
        let proof = crate::evidence::inclusion_of(&app, seq).await;
        assert!(proof.ledger_entry.contains(&format!("tenant:{}", a.id)));
        let before = proof.checkpoint.unwrap();
        app.stop().await;

        crate::vault_sweep::restore(&db, &backup_dir).await;
        {
            // The restored key store holds A's KEK again and no fence.
            let ks = store::connect(&db.keystore_url).await.unwrap();
            let keks = tenant_keks::Entity::find()
                .filter(tenant_keks::Column::TenantId.eq(&a.id))
                .count(&ks)
                .await
                .unwrap();
            assert_eq!(keks, 1, "the backup predates the erasure");
            assert!(
                tenant_shreds::Entity::find_by_id(a.id.clone())
                    .one(&ks)
                    .await
                    .unwrap()
                    .is_none()
            );
            ks.close().await.unwrap();
        }

        let app = spawn_app(&db).await; // start: reconcile re-applies the ledger
        // The server answers only once its start (and so the reconcile) is done.
        app.controllers()
            .get_controller(req(
                &app.admin,
                pb::GetControllerRequest { id: b.id.clone() },
            ))
            .await
            .unwrap();
        // The tree rebuilt after the restore extends the checkpoint signed
        // before it: the tenant erasure added an entry, nothing was removed.
        let keys = crate::evidence::published_keys(&app, &app.admin).await;
        let latest = crate::evidence::latest_checkpoint(&app, &app.admin).await;
        assert!(latest.tree_size >= before.tree_size);
        let hashes = if latest.tree_size > before.tree_size {
            app.vault()
                .get_consistency_proof(req(
                    &app.admin,
                    pb::GetConsistencyProofRequest {
                        old_size: before.tree_size,
                        new_size: latest.tree_size,
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .hashes
                .iter()
                .map(|h| evidence::tree::parse_b64(h).unwrap())
                .collect()
        } else {
            Vec::new()
        };
        evidence::certificate::verify_consistency(&before.note, &latest.note, &hashes, &keys)
            .expect("the checkpoint from before the restore is a prefix of the rebuilt tree");
        let ks = store::connect(&app.config_of(custodian::Target::Vault).keystore_url())
            .await
            .unwrap();
        assert_eq!(
            tenant_keks::Entity::find()
                .filter(tenant_keks::Column::TenantId.eq(&a.id))
                .count(&ks)
                .await
                .unwrap(),
            0,
            "the restored KEK is destroyed again"
        );
        assert!(
            tenant_shreds::Entity::find_by_id(a.id.clone())
                .one(&ks)
                .await
                .unwrap()
                .is_some(),
            "the fence is back"
        );
        let main = app.db().await;
        assert_eq!(
            candidates::Entity::find()
                .filter(candidates::Column::TenantId.eq(&a.id))
                .count(&main)
                .await
                .unwrap(),
            0,
            "the restored rows are deleted again"
        );
        let e = app
            .vault()
            .get_candidate(req(
                &app.admin,
                pb::GetCandidateRequest {
                    id: a_cand.id.clone(),
                    purpose: "check".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        let mut again = valid_candidate("A-2", "Jan de Vries", "jan@example.nl");
        again.tenant_id = a.id.clone();
        let e = app
            .vault()
            .put_candidate(req(&app.admin, again))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        assert!(e.message().contains("was erased"), "{e:?}");
        let b_read = app
            .vault()
            .get_candidate(req(
                &app.admin,
                pb::GetCandidateRequest {
                    id: b_cand.id.clone(),
                    purpose: "check".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(b_read.payload.unwrap().name, b_payload.name, "B is intact");
        app.stop().await;
    }
}

/// Sets stored facts of a switch directly (the clock of a test: the
/// extended transition end and the confirmation move the milestones).
async fn set_facts(
    app: &TestApp,
    id: &str,
    extended_end: Option<chrono::NaiveDate>,
    completed_at: Option<DateTime<Utc>>,
    contract_end: Option<chrono::NaiveDate>,
) {
    let db = app.db().await;
    let mut q = switches::Entity::update_many().filter(switches::Column::Id.eq(id));
    if let Some(d) = extended_end {
        q = q.col_expr(
            switches::Column::ExtendedTransitionEnd,
            sea_orm::sea_query::Expr::value(d),
        );
    }
    if let Some(t) = completed_at {
        q = q.col_expr(
            switches::Column::CompletedAt,
            sea_orm::sea_query::Expr::value(t),
        );
    }
    if let Some(d) = contract_end {
        q = q.col_expr(
            switches::Column::ContractEnd,
            sea_orm::sea_query::Expr::value(d),
        );
    }
    q.exec(&db).await.unwrap();
}

/// Withdraws a switch as `token`.
async fn withdrawn(
    app: &TestApp,
    token: &str,
    id: &str,
    reason: &str,
) -> Result<pb::Switch, tonic::Status> {
    app.switching()
        .withdraw_switch(req(
            token,
            pb::WithdrawSwitchRequest {
                switch_id: id.into(),
                reason: reason.into(),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

/// The notices the receiver got for `path`, as (topic, data), in the order
/// they were created (delivery order is not guaranteed; `created_at` and the
/// time-ordered id are).
fn notices_at(
    rx: &custodian_tests::webhook::Receiver,
    path: &str,
) -> Vec<(String, serde_json::Value)> {
    let mut got: Vec<(String, String, serde_json::Value)> = rx
        .received()
        .iter()
        .filter(|r| r.path == path && r.status == 200)
        .map(|r| {
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            (
                v["id"].as_str().unwrap().to_owned(),
                v["topic"].as_str().unwrap().to_owned(),
                v["data"].clone(),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    got.into_iter().map(|(_, t, d)| (t, d)).collect()
}

/// Every milestone of a switch reaches the customer's webhook through the
/// outbox: the request with its dates, unfeasibility, extension, export
/// ready, the retrieval reminder 7 days before the end (once), completion,
/// the agreement ended with the contract, the erasure with its certificate;
/// the webhook is removed only after that last notice was delivered.
#[tokio::test]
async fn every_milestone_reaches_the_customer_and_the_agreement_ends_with_the_contract() {
    use custodian_tests::webhook::Receiver;
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let rx = Receiver::start(db.dir.path(), &[]).await;
        let (a, agreement) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        app.set_webhook(&a.id, &format!("{}/hook/a", rx.base), &"s".repeat(40))
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        put(&app, &a.id, "A-1", "Jan de Vries", "jan@example.nl").await;
        let deliver = || app.deliver(Some(&rx.ca_file));

        let s = app
            .switching()
            .request_switch(req(&a_tok, request("", "switch")))
            .await
            .unwrap()
            .into_inner();
        deliver().await;
        let got = notices_at(&rx, "/hook/a");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "switching.requested");
        let sent = &got[0].1["switch"];
        assert_eq!(sent["id"], s.id.as_str());
        let sent_ms: Vec<(String, String, String)> = sent["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap().to_owned(),
                    m["strict"].as_str().unwrap().to_owned(),
                    m["lenient"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let shown: Vec<(String, String, String)> = s
            .milestones
            .iter()
            .map(|m| (m.name.clone(), m.strict.clone(), m.lenient.clone()))
            .collect();
        assert_eq!(sent_ms, shown, "the computed dates as GetSwitch shows them");
        assert!(!sent["notes"].as_array().unwrap().is_empty());

        // Unfeasibility and the customer's extension.
        let te = ts(&milestone(&s, "transition_end").strict).date_naive() - Duration::days(1);
        let alt = te + Duration::days(20);
        app.switching()
            .declare_unfeasible(req(
                &app.admin,
                pb::DeclareUnfeasibleRequest {
                    switch_id: s.id.clone(),
                    reasons: "the archive migration needs a second data centre".into(),
                    alternative_transition_end: alt.to_string(),
                },
            ))
            .await
            .unwrap();
        app.switching()
            .extend_transition(req(
                &a_tok,
                pb::ExtendTransitionRequest {
                    switch_id: s.id.clone(),
                    transition_end: (alt + Duration::days(5)).to_string(),
                },
            ))
            .await
            .unwrap();
        let e = start_export(&app, &a_tok, &s.id).await.unwrap();
        let ready = app.export_ready(&a_tok, &e.id).await;
        deliver().await;
        let topics: Vec<String> = notices_at(&rx, "/hook/a")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(
            topics,
            [
                "switching.requested",
                "switching.unfeasible",
                "switching.extended",
                "switching.export_ready"
            ]
        );
        let got = notices_at(&rx, "/hook/a");
        assert_eq!(
            got[1].1["details"]["alternative_transition_end"],
            alt.to_string()
        );
        assert_eq!(
            got[1].1["details"]["reasons"],
            "the archive migration needs a second data centre"
        );
        assert_eq!(got[3].1["details"]["export_id"], e.id.as_str());
        assert_eq!(
            got[3].1["details"]["manifest_sha256"],
            ready.manifest_sha256.as_str()
        );

        // Seven days before the retrieval end: one reminder, not two.
        assert!(app.advance_switching().await.reminded.is_empty(), "not yet");
        set_facts(&app, &s.id, Some(day(-27)), None, None).await;
        let now_view = get(&app, &a_tok, &s.id).await.unwrap();
        let until = ts(&milestone(&now_view, "retrieval_end").strict);
        assert!(
            until - Utc::now() <= Duration::days(7) && until > Utc::now(),
            "{until}"
        );
        assert_eq!(app.advance_switching().await.reminded, vec![s.id.clone()]);
        assert!(
            app.advance_switching().await.reminded.is_empty(),
            "reminded once"
        );
        assert_eq!(
            get(&app, &a_tok, &s.id)
                .await
                .unwrap()
                .retrieval_reminded_for,
            milestone(&now_view, "retrieval_end").strict
        );

        // Completion; the day after, the agreement ends by itself.
        app.switching()
            .confirm_switch_complete(req(
                &a_tok,
                pb::ConfirmSwitchCompleteRequest {
                    switch_id: s.id.clone(),
                },
            ))
            .await
            .unwrap();
        assert!(
            app.advance_switching().await.agreements_ended.is_empty(),
            "the contract ends at the end of the confirmation day"
        );
        set_facts(
            &app,
            &s.id,
            None,
            Some(Utc::now() - Duration::days(2)),
            None,
        )
        .await;
        assert_eq!(
            app.advance_switching().await.agreements_ended,
            vec![s.id.clone()]
        );
        assert!(
            app.advance_switching().await.agreements_ended.is_empty(),
            "once"
        );
        let ag = app
            .agreements()
            .get_agreement(req(
                &app.admin,
                pb::GetAgreementRequest {
                    id: agreement.id.clone(),
                    version: 0,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ag.status, "ended");
        assert!(
            !get(&app, &app.admin, &s.id)
                .await
                .unwrap()
                .agreement_ended_at
                .is_empty()
        );

        // Erasure: the certificate goes out before the webhook is removed.
        set_facts(&app, &s.id, Some(day(-90)), None, None).await;
        let round = app.advance_switching().await;
        assert_eq!(round.erased, vec![s.id.clone()]);
        assert!(
            round.webhooks_closed.is_empty(),
            "the erasure notice is not delivered yet"
        );
        let c = app
            .controllers()
            .get_controller(req(
                &app.admin,
                pb::GetControllerRequest { id: a.id.clone() },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(
            !c.webhook_url.is_empty(),
            "the webhook waits for the certificate"
        );
        deliver().await;
        let got = notices_at(&rx, "/hook/a");
        let topics: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            topics[4..],
            [
                "switching.retrieval_ending",
                "switching.completed",
                "switching.agreement_ended",
                "switching.erased"
            ]
        );
        assert!(got[4].1["details"]["days_left"].as_i64().unwrap() <= 7);
        let erased = get(&app, &app.admin, &s.id).await.unwrap();
        let cert = erased.certificate.clone().unwrap();
        assert_eq!(
            got[7].1["details"]["certificate_sha256"],
            cert.sha256.as_str()
        );
        assert_eq!(
            got[7].1["details"]["certificate"]["switch_id"],
            s.id.as_str()
        );
        assert_eq!(
            app.advance_switching().await.webhooks_closed,
            vec![s.id.clone()]
        );
        let c = app
            .controllers()
            .get_controller(req(
                &app.admin,
                pb::GetControllerRequest { id: a.id.clone() },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(
            c.webhook_url.is_empty(),
            "removed after the certificate was delivered"
        );
        assert!(
            !get(&app, &app.admin, &s.id)
                .await
                .unwrap()
                .webhook_closed_at
                .is_empty()
        );
        app.stop().await;
    }
}

/// A customer withdraws its request before the transition ends: audited,
/// notified, the milestones stop (no obligations, no erasure even long
/// after), and a new request is possible; after the transition, or for an
/// exit, it cannot; another tenant sees NOT_FOUND; bad input is named.
/// An exit's agreement ends by itself once the contract end has passed.
#[tokio::test]
async fn a_customer_withdraws_a_switch_and_nothing_is_erased() {
    use custodian_tests::webhook::Receiver;
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let rx = Receiver::start(db.dir.path(), &[]).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, b_agreement) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        app.set_webhook(&a.id, &format!("{}/hook/a", rx.base), &"s".repeat(40))
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        let auditor = app.token(Role::Auditor, None).await;
        let (cand, payload) = put(&app, &a.id, "A-1", "Jan de Vries", "jan@example.nl").await;
        let s = app
            .switching()
            .request_switch(req(&a_tok, request("", "erase")))
            .await
            .unwrap()
            .into_inner();
        // Another tenant: NOT_FOUND; an auditor: PERMISSION_DENIED; bad input.
        let e = withdrawn(&app, &b_tok, &s.id, "").await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        let e = withdrawn(&app, &auditor, &s.id, "").await.unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        for (id, reason, field) in [
            ("not-a-uuid", String::new(), "switch_id:"),
            (s.id.as_str(), "r".repeat(2001), "reason:"),
        ] {
            let e = withdrawn(&app, &a_tok, id, &reason).await.unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
            assert!(e.message().starts_with(field), "{e:?}");
        }
        assert_eq!(
            get(&app, &a_tok, &s.id).await.unwrap().status,
            "active",
            "nothing written"
        );

        let w = withdrawn(&app, &a_tok, &s.id, "we stay after all")
            .await
            .unwrap();
        assert_eq!(w.status, "withdrawn");
        assert_eq!(w.withdrawal_reason, "we stay after all");
        assert!(!w.withdrawn_at.is_empty());
        let e = withdrawn(&app, &a_tok, &s.id, "").await.unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "once");
        assert!(
            app.obligations(&a_tok, "switching")
                .await
                .iter()
                .all(|o| o.object_id != s.id),
            "the milestones stop"
        );
        backdate(&app, &s.id, Duration::days(400)).await;
        assert_eq!(
            app.advance_switching().await,
            switching::service::Advance::default()
        );
        let read = app
            .vault()
            .get_candidate(req(
                &app.admin,
                pb::GetCandidateRequest {
                    id: cand.id.clone(),
                    purpose: "check".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(read.payload.unwrap().name, payload.name, "nothing erased");
        app.deliver(Some(&rx.ca_file)).await;
        let topics: Vec<String> = notices_at(&rx, "/hook/a")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(topics, ["switching.requested", "switching.withdrawn"]);
        let conn = app.db().await;
        let audited = audit::list(
            &conn,
            &audit::ListFilter {
                action_prefix: Some("switching.withdraw".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(audited.len(), 1);

        // A new request after a withdrawal; after its transition: refused.
        let again = app
            .switching()
            .request_switch(req(&a_tok, request("", "switch")))
            .await
            .unwrap()
            .into_inner();
        backdate(&app, &again.id, Duration::days(200)).await;
        let e = withdrawn(&app, &a_tok, &again.id, "").await.unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(e.message().contains("transition ended"), "{e:?}");

        // An exit is not withdrawn; its agreement ends after the contract end.
        let exit = app
            .switching()
            .terminate_agreement(req(
                &app.admin,
                pb::ExitAgreementRequest {
                    controller_id: b.id.clone(),
                    contract_end: day(5).to_string(),
                    reason: "not renewed".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let e = withdrawn(&app, &b_tok, &exit.id, "").await.unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(
            app.advance_switching().await.agreements_ended.is_empty(),
            "not before the end"
        );
        set_facts(&app, &exit.id, None, None, Some(day(-1))).await;
        assert_eq!(
            app.advance_switching().await.agreements_ended,
            vec![exit.id.clone()]
        );
        let ag = app
            .agreements()
            .get_agreement(req(
                &app.admin,
                pb::GetAgreementRequest {
                    id: b_agreement.id.clone(),
                    version: 0,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ag.status, "ended");
        app.stop().await;
    }
}
