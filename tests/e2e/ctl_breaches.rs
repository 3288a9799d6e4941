//! A breach handled entirely from `custodianctl`: report, confirm from an
//! assessment file, send the initial notice, the controller acknowledges
//! and records its late authority notification (refused without reasons),
//! the timeline, the AP draft to a file and the register as CSV.

use auth::Role;
use chrono::{Duration, Utc};
use custodian_tests::*;

#[tokio::test]
async fn a_dpo_handles_a_breach_from_custodianctl() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let admin = app.admin.clone();
        let (c, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let c_tok = app.token(Role::Controller, Some(&c.id)).await;
        let discovered = proto::wire::timestamp(Utc::now() - Duration::days(4));
        let inc = ctl_json(
            &app,
            &admin,
            &[
                "breaches",
                "report",
                "--discovered-at",
                &discovered,
                "--discovered-by",
                "SOC",
                "--description",
                "laptop with an export stolen",
                "--system",
                "exports",
                "--internal-notes",
                "badge logs pulled",
            ],
        )
        .await;
        assert_eq!(inc["status"], "reported");
        let id = inc["id"].as_str().unwrap().to_owned();

        // An assessment file with an unknown field is refused before sending.
        let file = db.dir.path().join("assessment.json");
        std::fs::write(&file, r#"{"risk": "high", "severity": 3}"#).unwrap();
        let r = ctl(
            &app,
            &admin,
            &[
                "breaches",
                "assess",
                &id,
                "--assessment",
                file.to_str().unwrap(),
            ],
        )
        .await;
        assert_eq!(r.code, 1, "{}", r.err);
        assert!(r.err.contains("unknown field \"severity\""), "{}", r.err);
        std::fs::write(
            &file,
            serde_json::json!({
                "summary": "An unencrypted export of 80 candidates was on a stolen laptop",
                "nature": ["confidentiality"],
                "data_categories": ["identification", "contact"],
                "subject_categories": ["candidates"],
                "risk": "risk",
                "affected": [{"controller_id": c.id, "subjects_approx": 80}]
            })
            .to_string(),
        )
        .unwrap();
        let inc = ctl_json(
            &app,
            &admin,
            &[
                "breaches",
                "assess",
                &id,
                "--assessment",
                file.to_str().unwrap(),
            ],
        )
        .await;
        assert_eq!(inc["status"], "confirmed");
        let notice = inc["notices"][0]["id"].as_str().unwrap().to_owned();
        let sent = ctl_json(&app, &admin, &["breaches", "send", &notice]).await;
        assert_eq!(sent["sends"][0]["phase"], "initial");
        assert!(
            sent["missing"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == "consequences")
        );

        // The controller's side, with its own token.
        let acked = ctl_json(&app, &c_tok, &["breaches", "acknowledge", &notice]).await;
        assert_eq!(acked["status"], "acknowledged");
        assert_eq!(acked["authority_clock"]["state"], "overdue");
        let now = proto::wire::timestamp(Utc::now());
        let r = ctl(
            &app,
            &c_tok,
            &["breaches", "authority", &notice, "--notified-at", &now],
        )
        .await;
        assert_eq!(r.code, 1);
        assert!(r.err.contains("reasons_for_delay"), "{}", r.err);
        let done = ctl_json(
            &app,
            &c_tok,
            &[
                "breaches",
                "authority",
                &notice,
                "--notified-at",
                &now,
                "--reference",
                "AP-1",
                "--reasons",
                "informed by the processor four days after discovery",
            ],
        )
        .await;
        assert_eq!(done["authority_notifications"][0]["late"], true);

        let tl = ctl_json(&app, &c_tok, &["breaches", "timeline", &id]).await;
        let kinds: Vec<&str> = tl["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"authority.notified"), "{kinds:?}");
        assert!(!tl.to_string().contains("badge logs"));

        let draft = db.dir.path().join("draft.md");
        let w = ctl_json(
            &app,
            &c_tok,
            &[
                "breaches",
                "draft",
                &notice,
                "--format",
                "markdown",
                "--out",
                draft.to_str().unwrap(),
            ],
        )
        .await;
        assert!(
            w["unknown"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u == "consequences")
        );
        let md = std::fs::read_to_string(&draft).unwrap();
        assert!(md.contains("Acme B.V.") && md.contains("**UNKNOWN**"));

        let reg = ctl(&app, &admin, &["breaches", "register", "--format", "csv"]).await;
        assert_eq!(reg.code, 0, "{}", reg.err);
        let lines: Vec<&str> = reg.out.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 2, "{}", reg.out);
        assert!(lines[0].starts_with("incident_id,status,"));
        assert!(lines[1].contains(&id) && lines[1].contains("late"));

        let listed = ctl(&app, &admin, &["breaches", "notices"]).await;
        assert_eq!(listed.code, 0, "{}", listed.err);
        assert!(listed.out.contains(&notice) && listed.out.contains("AUTHORITY DUE"));
    }
}
