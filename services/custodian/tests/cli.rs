//! The `custodian` binary as an operator runs it.

use std::process::Command;

fn custodian(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_custodian"));
    c.current_dir(dir)
        .env_remove("CUSTODIAN_DATABASE_URL")
        .env_remove("CUSTODIAN_KEYSTORE_URL")
        .env_remove("CUSTODIAN_DATA_DIR")
        .env_remove("CUSTODIAN_CONFIG");
    c
}

#[test]
fn tokens_create_prints_the_token_alone_and_audit_verify_catches_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let out = custodian(dir.path())
        .args(["tokens", "create", "--role", "admin", "--name", "ops"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "stdout must hold the token alone: {stdout:?}"
    );
    assert!(lines[0].starts_with("cst_") && lines[0].len() == 47);
    assert!(
        dir.path().join("data/custodian.db").exists(),
        "data dir created on first use"
    );
    let out = custodian(dir.path()).args(["migrate"]).output().unwrap();
    assert!(out.status.success());
    assert!(
        dir.path().join("data/keys.db").exists(),
        "migrate creates the key store"
    );

    let out = custodian(dir.path())
        .args(["tokens", "list", "--output", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["role"], "admin");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(lines[0]),
        "list never shows secrets"
    );
    let id = v[0]["id"].as_str().unwrap().to_owned();

    let out = custodian(dir.path())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact: 1 entries"));

    let out = custodian(dir.path())
        .args(["tokens", "revoke", &id])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = custodian(dir.path())
        .args(["tokens", "revoke", "no-such-id"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token with id no-such-id"));

    // Tamper with the stored log through the database file itself.
    let rt = tokio_rt();
    rt.block_on(async {
        use store::sea_orm::{ConnectionTrait, Statement};
        let db = store::connect(&format!(
            "sqlite://{}",
            dir.path().join("data/custodian.db").display()
        ))
        .await
        .unwrap();
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            "UPDATE audit_events SET action = 'token.nothing' WHERE seq = 1",
        ))
        .await
        .unwrap();
    });
    let out = custodian(dir.path())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("BROKEN at entry 1"), "{err}");
}

#[test]
fn bad_token_arguments_fail_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (args, msg) in [
        (
            vec!["tokens", "create", "--role", "root"],
            "unknown role \"root\"",
        ),
        (
            vec!["tokens", "create", "--role", "controller"],
            "needs --tenant",
        ),
        (
            vec!["tokens", "create", "--role", "admin", "--tenant", "x"],
            "takes no --tenant",
        ),
        (
            vec![
                "tokens",
                "create",
                "--role",
                "controller",
                "--tenant",
                "01900000-0000-7000-8000-000000000000",
            ],
            "no controller with id",
        ),
    ] {
        let out = custodian(dir.path()).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed a token");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{args:?}: {err}");
    }
    let out = custodian(dir.path())
        .args(["tokens", "list", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn serve_refuses_an_unknown_target_before_binding() {
    let dir = tempfile::tempdir().unwrap();
    let out = custodian(dir.path())
        .args([
            "serve",
            "--target",
            "controllers,nope",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown target \"nope\"") && err.contains("known targets are all"),
        "{err}"
    );
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn long_commands_report_progress_on_stderr_when_not_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = custodian(dir.path()).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    run(&["migrate"]);
    let (out, err) = run(&["worker", "--once"]);
    assert!(
        out.trim_start().starts_with('{'),
        "stdout holds the JSON answer alone: {out}"
    );
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("sweep: 0 shredded, ") && last.contains("done in"),
        "{err}"
    );
    let (_, err) = run(&["keys", "rotate"]);
    assert!(err.lines().any(|l| l.starts_with("rotate: 0 of 0 keys rewrapped (100%)") && l.contains("done in")), "{err}");
}
