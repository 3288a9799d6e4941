use auth::Role;
use custodian_tests::*;

struct Ran {
    code: i32,
    out: String,
    err: String,
}

async fn ctl(app: &TestApp, token: &str, args: &[&str]) -> Ran {
    let url = app.url();
    let mut full = vec!["custodianctl", "--server", &url, "--token", token];
    full.extend_from_slice(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = custodianctl::run(full.iter().map(|s| s.to_string()), &mut out, &mut err).await;
    Ran {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

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
