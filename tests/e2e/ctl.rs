use auth::Role;
use custodian_tests::*;

#[tokio::test]
async fn custodianctl_drives_controllers_audit_and_health() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let admin = app.admin.clone();

        let r = ctl(&app, &admin, &["health"]).await;
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(
            r.out.contains("custodian.v1.ControllerService") && r.out.contains("SERVING"),
            "{}",
            r.out
        );

        let r = ctl(
            &app,
            &admin,
            &[
                "--output",
                "json",
                "controllers",
                "create",
                "--legal-name",
                "Acme B.V.",
                "--kvk",
                "12345678",
                "--privacy-email",
                "privacy@acme.nl",
                "--dpo-name",
                "Dana",
                "--dpo-email",
                "dpo@acme.nl",
            ],
        )
        .await;
        assert_eq!(r.code, 0, "{}", r.err);
        let created: serde_json::Value = serde_json::from_str(&r.out).expect("json output");
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["kvk_number"], "12345678");

        let r = ctl(&app, &admin, &["controllers", "get", &id]).await;
        assert_eq!(r.code, 0);
        assert!(r.out.contains("Acme B.V."), "{}", r.out);

        let r = ctl(&app, &admin, &["--output", "json", "controllers", "list"]).await;
        let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        assert_eq!(v["controllers"].as_array().unwrap().len(), 1);

        let r = ctl(
            &app,
            &admin,
            &["controllers", "update", &id, "--dpo-name", "Daan"],
        )
        .await;
        assert_eq!(r.code, 0, "{}", r.err);

        let r = ctl(
            &app,
            &admin,
            &["audit", "list", "--action-prefix", "controller."],
        )
        .await;
        assert_eq!(r.code, 0);
        assert!(
            r.out.contains("controller.create") && r.out.contains("controller.update"),
            "{}",
            r.out
        );

        // Errors print the gRPC code and message and exit non-zero.
        let r = ctl(
            &app,
            &admin,
            &[
                "controllers",
                "create",
                "--legal-name",
                "X",
                "--kvk",
                "123",
                "--privacy-email",
                "a@b.nl",
                "--dpo-name",
                "D",
                "--dpo-email",
                "d@b.nl",
            ],
        )
        .await;
        assert_eq!(r.code, 1);
        assert!(
            r.err.contains("InvalidArgument") && r.err.contains("kvk_number"),
            "{}",
            r.err
        );
        let ctrl = app.token(Role::Controller, Some(&id)).await;
        let r = ctl(
            &app,
            &ctrl,
            &[
                "controllers",
                "create",
                "--legal-name",
                "X",
                "--kvk",
                "12345670",
                "--privacy-email",
                "a@b.nl",
                "--dpo-name",
                "D",
                "--dpo-email",
                "d@b.nl",
            ],
        )
        .await;
        assert_eq!(r.code, 1);
        assert!(r.err.contains("PermissionDenied"), "{}", r.err);
        let r = ctl(&app, "cst_wrong", &["controllers", "list"]).await;
        assert!(r.err.contains("Unauthenticated"), "{}", r.err);
        // Bad usage exits 2.
        let r = ctl(&app, &admin, &["controllers", "frobnicate"]).await;
        assert_eq!(r.code, 2);
        app.stop().await;
    }
}

#[tokio::test]
async fn custodianctl_drives_every_vault_command() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let app = spawn_app(&db).await;
    let t = app.create_controller("Alpha B.V.", "11111111").await;
    let svc = app.token(Role::Service, Some(&t.id)).await;
    let ctrl = app.token(Role::Controller, Some(&t.id)).await;
    let cv = db.dir.path().join("cv.pdf");
    std::fs::write(&cv, b"%PDF-1.4 curriculum").unwrap();
    let json = |r: &Ran| -> serde_json::Value {
        serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{e}: {} / {}", r.out, r.err))
    };

    let r = ctl(
        &app,
        &svc,
        &[
            "--output",
            "json",
            "vault",
            "put",
            "--external-ref",
            "ats-1",
            "--vacancy",
            "vac-1",
            "--applied-on",
            "2026-03-01",
            "--category",
            "identity",
            "--category",
            "cv",
            "--name",
            "Jan Jansen",
            "--email",
            "jan@example.nl",
            "--phone",
            "0612345678",
            "--cv",
            cv.to_str().unwrap(),
            "--field",
            "source=site",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let id = json(&r)["id"].as_str().unwrap().to_owned();

    let out = db.dir.path().join("out.pdf");
    let r = ctl(
        &app,
        &svc,
        &[
            "--output",
            "json",
            "vault",
            "get",
            &id,
            "--purpose",
            "interview planning",
            "--cv-out",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(json(&r)["payload"]["name"], "Jan Jansen");
    assert_eq!(std::fs::read(&out).unwrap(), b"%PDF-1.4 curriculum");

    let batch = db.dir.path().join("batch.jsonl");
    std::fs::write(&batch, r#"{"external_ref":"ats-2","vacancy_ref":"vac-1","applied_on":"2026-03-02","categories":["identity"],"payload":{"name":"Piet"}}
{"external_ref":"ats-3","vacancy_ref":"vac-2","applied_on":"2026-03-03","categories":["identity"],"payload":{"name":"Klaas"}}
"#).unwrap();
    let r = ctl(
        &app,
        &svc,
        &[
            "--output",
            "json",
            "vault",
            "put-batch",
            "--file",
            batch.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(
        json(&r)["candidates"].as_array().unwrap().len(),
        2,
        "{}",
        r.err
    );

    let r = ctl(&app, &svc, &["vault", "list", "--vacancy", "vac-1"]).await;
    assert!(
        r.out.contains("ats-1") && r.out.contains("ats-2") && !r.out.contains("ats-3"),
        "{}",
        r.out
    );
    let r = ctl(
        &app,
        &svc,
        &[
            "--output",
            "json",
            "vault",
            "find",
            "--phone",
            "+31 6 12345678",
        ],
    )
    .await;
    assert_eq!(json(&r)["candidates"][0]["id"], id.as_str());
    let r = ctl(
        &app,
        &svc,
        &[
            "--output",
            "json",
            "vault",
            "update",
            &id,
            "--vacancy",
            "vac-9",
        ],
    )
    .await;
    assert_eq!(json(&r)["vacancy_ref"], "vac-9");
    let r = ctl(
        &app,
        &svc,
        &[
            "--output",
            "json",
            "vault",
            "close",
            &id,
            "--outcome",
            "rejected",
            "--date",
            &day(-1).to_string(),
        ],
    )
    .await;
    assert_eq!(json(&r)["status"], "rejected");
    let r = ctl(
        &app,
        &svc,
        &[
            "--output",
            "json",
            "vault",
            "consent",
            &id,
            "--date",
            &day(-1).to_string(),
        ],
    )
    .await;
    assert_eq!(json(&r)["consent"], "talent_pool");
    let r = ctl(
        &app,
        &svc,
        &[
            "--output",
            "json",
            "vault",
            "withdraw-consent",
            &id,
            "--date",
            &day(0).to_string(),
        ],
    )
    .await;
    assert_eq!(json(&r)["consent_withdrawn_on"], day(0).to_string());
    let r = ctl(
        &app,
        &ctrl,
        &[
            "--output",
            "json",
            "vault",
            "hold",
            &id,
            "--reason",
            "complaint",
        ],
    )
    .await;
    assert_eq!(json(&r)["legal_hold"], true);
    let r = ctl(&app, &ctrl, &["vault", "erase", &id, "--reason", "request"]).await;
    assert_eq!(r.code, 1);
    assert!(r.err.contains("FailedPrecondition"), "{}", r.err);
    let r = ctl(
        &app,
        &ctrl,
        &[
            "--output",
            "json",
            "vault",
            "release-hold",
            &id,
            "--reason",
            "settled",
        ],
    )
    .await;
    assert_eq!(json(&r)["legal_hold"], false);
    let r = ctl(
        &app,
        &ctrl,
        &[
            "--output",
            "json",
            "vault",
            "erase",
            &id,
            "--reason",
            "request",
            "--reference",
            "DSR-4",
        ],
    )
    .await;
    let cert = json(&r);
    assert_eq!(cert["candidate_id"], id.as_str());
    let r = ctl(
        &app,
        &ctrl,
        &["--output", "json", "vault", "certificate", &id],
    )
    .await;
    assert_eq!(json(&r)["ledger_hash"], cert["ledger_hash"]);
    let r = ctl(
        &app,
        &ctrl,
        &[
            "--output",
            "json",
            "vault",
            "set-policy",
            "--rejected-weeks",
            "2",
            "--talent-pool-months",
            "6",
            "--hired-months",
            "1",
        ],
    )
    .await;
    assert_eq!(json(&r)["rejected_weeks"], 2);
    let r = ctl(&app, &svc, &["--output", "json", "vault", "policy"]).await;
    assert_eq!(json(&r)["talent_pool_months"], 6);
    let r = ctl(&app, &svc, &["vault", "get", &id, "--purpose", "x"]).await;
    assert!(r.err.contains("NotFound"), "{}", r.err);
    app.stop().await;
}
