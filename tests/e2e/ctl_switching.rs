//! A Data Act switch from `custodianctl`: requested by the customer, the
//! export built (--wait), downloaded to a directory and verified against its
//! manifest, the switch confirmed; a charge past 2027-01-11 refused with the
//! field named; an agreement exit by the provider; a request withdrawn.

use auth::Role;
use custodian_tests::*;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn a_customer_leaves_with_custodianctl() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let tok = app.token(Role::Controller, Some(&a.id)).await;
        let mut cand = valid_candidate("A-1", "Jan de Vries", "jan@example.nl");
        cand.tenant_id = a.id.clone();
        app.vault()
            .put_candidate(req(&app.admin, cand))
            .await
            .unwrap();
        let s = ctl_json(
            &app,
            &tok,
            &[
                "switching",
                "request",
                "--election",
                "switch",
                "--destination",
                "Other Cloud B.V.",
            ],
        )
        .await;
        assert_eq!(s["rule"], "dataact.switching");
        assert_eq!(s["milestones"].as_array().unwrap().len(), 6);
        let id = s["id"].as_str().unwrap().to_owned();
        let e = ctl_json(&app, &tok, &["switching", "export", &id, "--wait"]).await;
        assert_eq!(e["status"], "ready");
        assert_eq!(e["candidates"], 1);
        let export_id = e["id"].as_str().unwrap().to_owned();
        let dir = db.dir.path().join("bundle");
        let ran = ctl(
            &app,
            &tok,
            &[
                "--output",
                "json",
                "switching",
                "download",
                &export_id,
                "--out",
                dir.to_str().unwrap(),
            ],
        )
        .await;
        assert_eq!(ran.code, 0, "{}", ran.err);
        let d: serde_json::Value = serde_json::from_str(&ran.out).unwrap();
        assert_eq!(d["verified"], true);
        // Not on a terminal: the progress is plain lines on stderr, the
        // last with the whole size; stdout holds the answer alone.
        let last = ran.err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!("download {export_id}: "))
                && last.contains("(100%)")
                && last.contains("done in"),
            "{}",
            ran.err
        );
        let manifest = std::fs::read(dir.join("manifest.json")).unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(&manifest)),
            e["manifest_sha256"].as_str().unwrap()
        );
        let jsonl = std::fs::read_to_string(dir.join("candidates.jsonl")).unwrap();
        assert!(jsonl.contains("jan@example.nl"));
        let status = ctl_json(&app, &tok, &["switching", "export-status", &export_id]).await;
        assert_eq!(status["downloads"], 1);

        let r = ctl(
            &app,
            &app.admin,
            &[
                "switching",
                "charge",
                &id,
                "--amount-cents",
                "100",
                "--charged-on",
                "2027-01-12",
                "--direct-cost-cents",
                "200",
                "--description",
                "egress",
            ],
        )
        .await;
        assert_ne!(r.code, 0);
        assert!(r.err.contains("charged_on:"), "{}", r.err);
        let done = ctl_json(&app, &tok, &["switching", "confirm", &id]).await;
        assert_eq!(done["status"], "completed");
        let listed = ctl_json(&app, &app.admin, &["switching", "list"]).await;
        assert_eq!(listed["switches"].as_array().unwrap().len(), 1);

        let exit = ctl_json(
            &app,
            &app.admin,
            &[
                "switching",
                "terminate",
                "--controller",
                &b.id,
                "--contract-end",
                &day(20).to_string(),
                "--reason",
                "not renewed",
            ],
        )
        .await;
        assert_eq!(exit["kind"], "termination");
        assert_eq!(exit["contract_end"], day(20).to_string());

        // A third customer requests and then withdraws.
        let (c, _) = app
            .controller_with_agreement("Gamma B.V.", "11223344", None)
            .await;
        let c_tok = app.token(Role::Controller, Some(&c.id)).await;
        let s = ctl_json(
            &app,
            &c_tok,
            &["switching", "request", "--election", "on_prem"],
        )
        .await;
        let w = ctl_json(
            &app,
            &c_tok,
            &[
                "switching",
                "withdraw",
                s["id"].as_str().unwrap(),
                "--reason",
                "we stay",
            ],
        )
        .await;
        assert_eq!(w["status"], "withdrawn");
        assert_eq!(w["withdrawal_reason"], "we stay");
        app.stop().await;
    }
}
