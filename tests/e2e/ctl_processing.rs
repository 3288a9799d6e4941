//! The DPO's journey from `custodianctl`: register an agreement and a
//! sub-processor, announce a change, watch the notice and the window, take
//! the controller's objection, and hand over the record of processing.

use auth::Role;
use custodian_tests::webhook::Receiver;
use custodian_tests::*;

#[tokio::test]
async fn a_dpo_runs_agreements_and_subprocessors_from_custodianctl() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let admin = app.admin.clone();
        let rx = Receiver::start(db.dir.path(), &[]).await;
        let c = app.create_controller("Acme B.V.", "12345678").await;
        app.set_webhook(&c.id, &format!("{}/hook", rx.base), &"k".repeat(40))
            .await;

        // Terms from a file, as a DPO keeps them.
        let terms = db.dir.path().join("terms.json");
        std::fs::write(
            &terms,
            serde_json::json!({
                "reference": "DPA-2026-014",
                "purposes": ["hosting the recruitment platform"],
                "data_categories": ["identification", "contact", "cv_and_work_history"],
                "data_subject_categories": ["candidates"],
                "processing_locations": ["NL"],
                "objection_period_days": 14,
                "contract_start": day(-30).to_string(),
                "term_months": 12,
                "auto_renew": true,
                "notice_period": 2,
                "notice_period_unit": "months",
                "security_measures": ["encryption at rest", "ISO 27001 certified hosting"]
            })
            .to_string(),
        )
        .unwrap();
        let cid = c.id.as_str();
        let tpath = terms.to_str().unwrap();
        let a = ctl_json(
            &app,
            &admin,
            &[
                "agreements",
                "create",
                "--controller",
                cid,
                "--terms",
                tpath,
            ],
        )
        .await;
        assert_eq!(a["status"], "draft");
        let aid = a["id"].as_str().unwrap().to_owned();
        let a = ctl_json(
            &app,
            &admin,
            &["agreements", "activate", &aid, "--reason", "signed"],
        )
        .await;
        assert_eq!(a["status"], "active");
        assert!(!a["notice_by"].as_str().unwrap().is_empty());
        let r = ctl(&app, &admin, &["agreements", "list"]).await;
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(
            r.out.contains("DPA-2026-014") && r.out.contains("active"),
            "{}",
            r.out
        );

        // A bad terms file is a usage error naming the field; nothing is sent.
        let bad = db.dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"reference": "x", "objection_days": 3}"#).unwrap();
        let r = ctl(
            &app,
            &admin,
            &[
                "agreements",
                "create",
                "--controller",
                cid,
                "--terms",
                bad.to_str().unwrap(),
            ],
        )
        .await;
        assert_eq!(r.code, 1);
        assert!(
            r.err.contains("unknown field \"objection_days\""),
            "{}",
            r.err
        );
        // The server's validation comes back as the gRPC status.
        std::fs::write(&bad, r#"{"reference": "x", "objection_period_days": 0}"#).unwrap();
        let r = ctl(
            &app,
            &admin,
            &[
                "agreements",
                "create",
                "--controller",
                cid,
                "--terms",
                bad.to_str().unwrap(),
            ],
        )
        .await;
        assert_eq!(r.code, 1);
        assert!(
            r.err.starts_with("error: InvalidArgument: terms."),
            "{}",
            r.err
        );

        let s = ctl_json(
            &app,
            &admin,
            &[
                "subprocessors",
                "register",
                "--legal-name",
                "Search Cloud B.V.",
                "--address",
                "Damrak 1, Amsterdam",
                "--country",
                "NL",
                "--service",
                "CV search",
                "--data-category",
                "identification",
                "--data-category",
                "cv_and_work_history",
                "--contact-email",
                "dpo@searchcloud.example",
                "--flowdown-ref",
                "SC-DPA-3",
                "--flowdown-date",
                "2026-01-05",
            ],
        )
        .await;
        assert_eq!(s["transfer"]["mechanism"], "eea");
        let sid = s["id"].as_str().unwrap().to_owned();
        let ch = ctl_json(
            &app,
            &admin,
            &[
                "subprocessors",
                "propose",
                "--kind",
                "add",
                "--subprocessor",
                &sid,
                "--effective-on",
                &day(0).to_string(),
                "--description",
                "CV search",
            ],
        )
        .await;
        let notice_id = ch["notices"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(ch["notices"][0]["status"], "awaiting_delivery");

        // The worker delivers; the window opens at the delivery.
        let r = app.deliver(Some(&rx.ca_file)).await;
        assert_eq!(r.delivered, 1, "{r:?}");
        let n = ctl_json(&app, &admin, &["subprocessors", "notice", &notice_id]).await;
        assert_eq!(n["status"], "window_open");
        assert_eq!(n["window"]["opened_at"], n["delivered_at"]);
        let r = ctl(&app, &admin, &["subprocessors", "notices"]).await;
        assert!(
            r.out.contains("window_open") && r.out.contains("Search Cloud B.V."),
            "{}",
            r.out
        );

        // The controller objects with its own token; engagement is blocked.
        let ctl_tok = app.token(Role::Controller, Some(cid)).await;
        let o = ctl_json(
            &app,
            &ctl_tok,
            &[
                "subprocessors",
                "object",
                &notice_id,
                "--reason",
                "not without a DPIA",
            ],
        )
        .await;
        assert_eq!(o["controller_id"], cid);
        let d = ctl_json(
            &app,
            &admin,
            &[
                "subprocessors",
                "check",
                "--subprocessor",
                &sid,
                "--controller",
                cid,
            ],
        )
        .await;
        assert_eq!(d["allowed"], false);
        let l = ctl_json(
            &app,
            &ctl_tok,
            &["subprocessors", "authorised", "--controller", cid],
        )
        .await;
        assert_eq!(l["current"].as_array().unwrap().len(), 0);
        assert_eq!(l["notices"][0]["status"], "objected");
        let r = ctl(&app, &ctl_tok, &["notifications", "list"]).await;
        assert!(
            r.out.contains("delivered") && r.out.contains("subprocessor.change_notice"),
            "{}",
            r.out
        );

        // The record of processing, written to a file for the regulator.
        let out = db.dir.path().join("record.md");
        let w = ctl_json(
            &app,
            &admin,
            &[
                "agreements",
                "record",
                "--format",
                "markdown",
                "--out",
                out.to_str().unwrap(),
            ],
        )
        .await;
        assert_eq!(w["controllers"], 1);
        let md = std::fs::read_to_string(&out).unwrap();
        assert!(
            md.contains("## Controller: Acme B.V.") && md.contains("DPA-2026-014"),
            "{md}"
        );
        let r = ctl(&app, &admin, &["agreements", "record", "--format", "csv"]).await;
        assert!(r.out.starts_with("processor_name,"), "{}", r.out);
        let r = ctl(&app, &admin, &["health"]).await;
        assert!(
            r.out.contains("custodian.v1.SubprocessorService"),
            "{}",
            r.out
        );
        app.stop().await;
    }
}
