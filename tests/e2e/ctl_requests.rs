//! A data-subject request from `custodianctl`: filed by the controller,
//! fulfilled with the export written to a directory whose manifest checks
//! out, and an erasure with its certificate.

use auth::Role;
use custodian_tests::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn a_controller_answers_requests_from_custodianctl() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let tok = app.token(Role::Controller, Some(&a.id)).await;
        let mut cand = valid_candidate("A-1", "Jan de Vries", "jan@example.nl");
        cand.tenant_id = a.id.clone();
        app.vault()
            .put_candidate(req(&app.admin, cand))
            .await
            .unwrap();
        let received = proto::wire::timestamp(chrono::Utc::now() - chrono::Duration::hours(2));
        let r = ctl_json(
            &app,
            &tok,
            &[
                "requests",
                "create",
                "--type",
                "access",
                "--channel",
                "controller_instruction",
                "--received-at",
                &received,
                "--email",
                "jan@example.nl",
            ],
        )
        .await;
        assert_eq!(r["deadline"]["rule"], "dsr.response");
        let id = r["id"].as_str().unwrap().to_owned();
        let dir = db.dir.path().join("export");
        let ran = ctl(
            &app,
            &tok,
            &[
                "--output",
                "json",
                "requests",
                "fulfil",
                &id,
                "--out",
                dir.to_str().unwrap(),
            ],
        )
        .await;
        assert_eq!(ran.code, 0, "{}", ran.err);
        let done: Value = serde_json::from_str(&ran.out).unwrap();
        assert_eq!(done["status"], "answered");
        assert!(
            ran.err
                .lines()
                .any(|l| l.starts_with(&format!("fulfil {id}: ")) && l.contains("done in")),
            "the progress line: {}",
            ran.err
        );
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["counts"]["candidates"], 1);
        for f in manifest["files"].as_array().unwrap() {
            let bytes = std::fs::read(dir.join(f["name"].as_str().unwrap())).unwrap();
            assert_eq!(f["sha256"], hex::encode(Sha256::digest(&bytes)));
        }
        let listed = ctl(&app, &tok, &["requests", "list"]).await;
        assert!(listed.out.contains(&id) && listed.out.contains("answered"));

        let er = ctl_json(
            &app,
            &tok,
            &[
                "requests",
                "create",
                "--type",
                "erasure",
                "--channel",
                "controller_instruction",
                "--received-at",
                &received,
                "--candidate-ref",
                "A-1",
            ],
        )
        .await;
        let gone = ctl_json(
            &app,
            &tok,
            &["requests", "fulfil", er["id"].as_str().unwrap()],
        )
        .await;
        assert_eq!(gone["certificates"].as_array().unwrap().len(), 1);
        let closed = ctl_json(
            &app,
            &tok,
            &["requests", "close", er["id"].as_str().unwrap()],
        )
        .await;
        assert_eq!(closed["status"], "closed");
    }
}
