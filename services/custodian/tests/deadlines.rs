//! `custodian deadlines` as an operator runs it, and its identity with the
//! `DeadlineService.Compute` RPC.

use std::process::{Command, Output};

use proto::v1 as pb;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custodian"))
        .arg("deadlines")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn compute_prints_one_json_object_and_exits_0() {
    let out = run(&[
        "compute",
        "--rule",
        "dsr.response",
        "--at",
        "2026-03-05T10:00:00+01:00",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["rule"], "dsr.response");
    assert_eq!(v["kind"], "deadline");
    assert!(
        v["citation"]
            .as_str()
            .unwrap()
            .starts_with("GDPR art. 12(3)")
    );
    assert_eq!(
        v["strict"],
        serde_json::json!({"date": "2026-04-05", "instant": "2026-04-06T00:00:00+02:00"})
    );
    assert_eq!(
        v["lenient"],
        serde_json::json!({"date": "2026-04-07", "instant": "2026-04-08T00:00:00+02:00"})
    );
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("2026-04-05 is a Sunday; 2026-04-06 is Tweede Paasdag")
    );

    let out = run(&[
        "compute",
        "--rule",
        "dataact.switching",
        "--at",
        "2026-03-24",
        "--param",
        "notice_months=1",
        "--param",
        "election=erase",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("strict").is_none());
    let names: Vec<&str> = v["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "notice_end",
            "transition_end",
            "retrieval_end",
            "erasure_not_before",
            "unfeasibility_notice",
            "alternative_transition_max_end",
            "contract_end"
        ]
    );
}

#[test]
fn bad_input_exits_2_with_a_clear_error() {
    for (args, needle) in [
        (
            vec!["compute", "--rule", "dsr.answer", "--at", "2026-03-05"],
            "unknown rule \"dsr.answer\"",
        ),
        (
            vec!["compute", "--rule", "dsr.response", "--at", "March 5"],
            "RFC 3339",
        ),
        (
            vec![
                "compute",
                "--rule",
                "dataact.switching",
                "--at",
                "2026-03-24",
                "--param",
                "notice_months=3",
            ],
            "at most 2 months",
        ),
        (
            vec![
                "compute",
                "--rule",
                "breach.controller_notice",
                "--at",
                "2026-03-27T16:00:00+01:00",
                "--param",
                "sla_hours=0",
            ],
            "sla_hours",
        ),
        (
            vec![
                "compute",
                "--rule",
                "dsr.response",
                "--at",
                "2026-03-05",
                "--param",
                "suspension",
            ],
            "expected KEY=VALUE",
        ),
        (
            vec![
                "compute",
                "--rule",
                "dsr.response",
                "--at",
                "2026-03-05",
                "--param",
                "suspension=suspend",
            ],
            "needs parameter id_requested_at",
        ),
        (
            vec![
                "compute",
                "--rule",
                "breach.authority_notice",
                "--at",
                "2026-03-27",
            ],
            "needs an instant",
        ),
        (vec!["compute", "--at", "2026-03-27"], "--rule"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn rules_lists_every_rule_with_citation_and_parameters() {
    let out = run(&["rules", "--output", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "breach.controller_notice",
            "breach.authority_notice",
            "breach.office_hours_response",
            "dsr.response",
            "dsr.extension_notice",
            "dsr.extended_response",
            "subprocessor.objection_window",
            "agreement.renewal",
            "retention.applicant",
            "dataact.switching"
        ]
    );
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|r| !r["citation"].as_str().unwrap().is_empty())
    );
    let text = String::from_utf8(run(&["rules"]).stdout).unwrap();
    assert!(
        text.contains("--param sla_hours=...  (default 24)"),
        "{text}"
    );
}

#[test]
fn the_command_and_the_rpc_give_identical_results() {
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        ("dsr.response", "2026-03-05T10:00:00+01:00", vec![]),
        ("dsr.extended_response", "2026-01-31", vec![]),
        (
            "dsr.response",
            "2026-03-02",
            vec![
                "suspension=suspend",
                "id_requested_at=2026-03-04",
                "id_received_at=2026-03-10",
            ],
        ),
        (
            "breach.authority_notice",
            "2026-03-27T16:00:00+01:00",
            vec!["processor_aware_at=2026-03-26T09:00:00+01:00"],
        ),
        (
            "breach.controller_notice",
            "2026-10-23T16:00:00+02:00",
            vec!["sla_hours=48"],
        ),
        (
            "breach.office_hours_response",
            "2026-12-24T10:00:00+01:00",
            vec![],
        ),
        (
            "subprocessor.objection_window",
            "2026-03-20T10:00:00+01:00",
            vec![],
        ),
        (
            "retention.applicant",
            "2028-02-29",
            vec!["consent=talent_pool"],
        ),
        (
            "dataact.switching",
            "2026-03-24T11:00:00+01:00",
            vec!["election=erase"],
        ),
    ];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let config = custodian::Config {
            data_dir: dir.path().to_path_buf(),
            auth_cache_ttl_ms: 0,
            ..Default::default()
        };
        let (_, token) = custodian::ops::create_token(&config, auth_role(), None, "t")
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(custodian::run(config, listener, async {
            let _ = rx.await;
        }));
        let mut client = loop {
            if let Ok(c) = pb::deadline_service_client::DeadlineServiceClient::connect(format!(
                "http://{addr}"
            ))
            .await
            {
                break c;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        for (rule, at, params) in cases {
            let mut args = vec!["compute", "--rule", rule, "--at", at];
            for p in &params {
                args.push("--param");
                args.push(p);
            }
            let out = run(&args);
            assert!(
                out.status.success(),
                "{rule}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let mut r = tonic::Request::new(pb::ComputeRequest {
                rule: rule.into(),
                at: at.into(),
                params: params
                    .iter()
                    .map(|p| {
                        let (k, v) = p.split_once('=').unwrap();
                        (k.to_owned(), v.to_owned())
                    })
                    .collect(),
            });
            r.metadata_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
            let rpc = client.compute(r).await.unwrap().into_inner();
            assert_eq!(
                String::from_utf8(out.stdout).unwrap().trim_end(),
                rpc.json,
                "{rule}"
            );
        }
        let _ = tx.send(());
        server.await.unwrap().unwrap();
    });
}

fn auth_role() -> auth::Role {
    auth::Role::Auditor
}

#[test]
fn answers_do_not_depend_on_the_host_time_zone_database() {
    // The Europe/Amsterdam rules are compiled in: a host with another local
    // zone and no zoneinfo directory gets the same bytes.
    let args = [
        "deadlines",
        "compute",
        "--rule",
        "breach.authority_notice",
        "--at",
        "2026-10-23T16:00:00+02:00",
    ];
    let normal = Command::new(env!("CARGO_BIN_EXE_custodian"))
        .args(args)
        .output()
        .unwrap();
    let empty = tempfile::tempdir().unwrap();
    let bare = Command::new(env!("CARGO_BIN_EXE_custodian"))
        .args(args)
        .env("TZ", "America/New_York")
        .env("TZDIR", empty.path())
        .output()
        .unwrap();
    assert!(normal.status.success() && bare.status.success());
    assert_eq!(normal.stdout, bare.stdout);
    let v: serde_json::Value = serde_json::from_slice(&bare.stdout).unwrap();
    assert_eq!(v["strict"]["instant"], "2026-10-26T15:00:00+01:00");
}
