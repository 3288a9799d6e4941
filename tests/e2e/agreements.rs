//! AgreementService end to end: lifecycle, versions, validation, tenant
//! isolation, deadlines, and the record of processing in three formats.

use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

async fn audit_count(app: &TestApp) -> usize {
    app.audit_actions().await.len()
}

#[tokio::test]
async fn lifecycle_draft_active_terminating_ended() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let c = app
            .create_controller("Acme Recruitment B.V.", "12345678")
            .await;
        let mut a = app.agreements();
        let draft = a
            .create_agreement(req(
                &app.admin,
                pb::CreateAgreementRequest {
                    controller_id: c.id.clone(),
                    terms: Some(valid_terms()),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(draft.status, "draft");
        assert_eq!((draft.version, draft.latest_version), (1, 1));
        let t = draft.terms.clone().unwrap();
        assert_eq!(t.objection_period_days, Some(14));
        // Defaults are filled in and shown.
        assert_eq!(t.renewal_months, Some(12));

        // Illegal transitions from draft.
        for (name, code) in [
            ("terminate", Code::FailedPrecondition),
            ("end", Code::FailedPrecondition),
        ] {
            let e = match name {
                "terminate" => a
                    .terminate_agreement(req(
                        &app.admin,
                        pb::TerminateAgreementRequest {
                            id: draft.id.clone(),
                            ..Default::default()
                        },
                    ))
                    .await
                    .unwrap_err(),
                _ => a
                    .end_agreement(req(
                        &app.admin,
                        pb::AgreementTransitionRequest {
                            id: draft.id.clone(),
                            reason: String::new(),
                        },
                    ))
                    .await
                    .unwrap_err(),
            };
            assert_eq!(e.code(), code, "{name}: {e:?}");
            assert!(
                e.message().contains("the agreement is draft"),
                "{}",
                e.message()
            );
        }

        // An amendment makes version 2; version 1 stays readable.
        let mut t2 = valid_terms();
        t2.objection_period_days = Some(30);
        let v2 = a
            .amend_agreement(req(
                &app.admin,
                pb::AmendAgreementRequest {
                    id: draft.id.clone(),
                    terms: Some(t2),
                    note: "30 days to object, as negotiated".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((v2.version, v2.latest_version), (2, 2));
        let v1 = a
            .get_agreement(req(
                &app.admin,
                pb::GetAgreementRequest {
                    id: draft.id.clone(),
                    version: 1,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(v1.terms.unwrap().objection_period_days, Some(14));
        let versions = a
            .list_agreement_versions(req(
                &app.admin,
                pb::ListAgreementVersionsRequest {
                    id: draft.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .versions;
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[1].version_note, "30 days to object, as negotiated");

        let active = a
            .activate_agreement(req(
                &app.admin,
                pb::AgreementTransitionRequest {
                    id: draft.id.clone(),
                    reason: "signed by both parties".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(active.status, "active");
        assert!(!active.activated_at.is_empty());
        let sched = active.schedule.clone().unwrap();
        assert!(
            !sched.period_end.is_empty() && !sched.notice_by.is_empty(),
            "{sched:?}"
        );

        // Activating twice, or a second agreement for the same controller.
        let e = a
            .activate_agreement(req(
                &app.admin,
                pb::AgreementTransitionRequest {
                    id: draft.id.clone(),
                    reason: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        let second = a
            .create_agreement(req(
                &app.admin,
                pb::CreateAgreementRequest {
                    controller_id: c.id.clone(),
                    terms: Some(valid_terms()),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let e = a
            .activate_agreement(req(
                &app.admin,
                pb::AgreementTransitionRequest {
                    id: second.id.clone(),
                    reason: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(
            e.message().contains("at most one agreement is in force"),
            "{}",
            e.message()
        );

        // Notice in the future is refused; today, with an explicit end today.
        let e = a
            .terminate_agreement(req(
                &app.admin,
                pb::TerminateAgreementRequest {
                    id: draft.id.clone(),
                    notice_given_on: day(1).to_string(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(
            e.message().starts_with("notice_given_on:"),
            "{}",
            e.message()
        );
        // Without an end date, the end follows the notice period: notice
        // today is in time for the period that ends on notice_by or later.
        let term = a
            .terminate_agreement(req(
                &app.admin,
                pb::TerminateAgreementRequest {
                    id: draft.id.clone(),
                    notice_given_on: day(0).to_string(),
                    ends_on: String::new(),
                    reason: "customer gave notice by e-mail".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(term.status, "terminating");
        assert_eq!(term.notice_given_on, day(0).to_string());
        // The contract started 300 days ago: the first year ends in 64 days,
        // and two months' notice before that was already due, so it runs a
        // second year.
        let start = day(-300);
        let first_end = legal_time::period::add_months(start, 12).date - chrono::Days::new(1);
        let second_end = legal_time::period::add_months(start, 24).date - chrono::Days::new(1);
        let expect = if legal_time::NoticePeriod::Months(2).last_notice_day(first_end) >= day(0) {
            first_end
        } else {
            second_end
        };
        assert_eq!(term.ends_on, expect.to_string());
        // Ending before the end date is refused.
        let e = a
            .end_agreement(req(
                &app.admin,
                pb::AgreementTransitionRequest {
                    id: draft.id.clone(),
                    reason: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);
        assert!(
            e.message().contains("it can be ended from that day"),
            "{}",
            e.message()
        );
        // Amending a terminating agreement is refused.
        let e = a
            .amend_agreement(req(
                &app.admin,
                pb::AmendAgreementRequest {
                    id: draft.id.clone(),
                    terms: Some(valid_terms()),
                    note: "late change".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition);

        // The second draft shows a mutual early end: terminate ending today, then end.
        let c2 = app.create_controller("Beta Werving B.V.", "87654321").await;
        let (_, other) = app
            .controller_with_agreement("Gamma B.V.", "11223344", None)
            .await;
        let _ = c2;
        let t = a
            .terminate_agreement(req(
                &app.admin,
                pb::TerminateAgreementRequest {
                    id: other.id.clone(),
                    notice_given_on: day(0).to_string(),
                    ends_on: day(0).to_string(),
                    reason: "ended by mutual agreement".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(t.ends_on, day(0).to_string());
        let ended = a
            .end_agreement(req(
                &app.admin,
                pb::AgreementTransitionRequest {
                    id: other.id.clone(),
                    reason: "contract over".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(ended.status, "ended");
        assert!(!ended.ended_at.is_empty());
        for call in ["activate", "terminate", "end"] {
            let e = match call {
                "activate" => a
                    .activate_agreement(req(
                        &app.admin,
                        pb::AgreementTransitionRequest {
                            id: other.id.clone(),
                            reason: String::new(),
                        },
                    ))
                    .await
                    .unwrap_err(),
                "terminate" => a
                    .terminate_agreement(req(
                        &app.admin,
                        pb::TerminateAgreementRequest {
                            id: other.id.clone(),
                            ..Default::default()
                        },
                    ))
                    .await
                    .unwrap_err(),
                _ => a
                    .end_agreement(req(
                        &app.admin,
                        pb::AgreementTransitionRequest {
                            id: other.id.clone(),
                            reason: String::new(),
                        },
                    ))
                    .await
                    .unwrap_err(),
            };
            assert_eq!(e.code(), Code::FailedPrecondition, "{call}");
            assert!(
                e.message().contains("the agreement is ended"),
                "{call}: {}",
                e.message()
            );
        }

        // Every step is audited under the tenant.
        let events = audit::list(
            &app.db().await,
            &audit::ListFilter {
                tenant_id: Some(c.id.clone()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        for want in [
            "agreement.create",
            "agreement.amend",
            "agreement.activate",
            "agreement.terminate",
        ] {
            assert!(actions.contains(&want), "{want} in {actions:?}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn every_validation_rule_names_the_field_and_writes_nothing() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let c = app
            .create_controller("Acme Recruitment B.V.", "12345678")
            .await;
        let mut a = app.agreements();
        let before = audit_count(&app).await;
        type Edit = fn(&mut pb::AgreementTerms);
        let cases: Vec<(Edit, &str)> = vec![
            (
                |t| t.objection_period_days = Some(0),
                "terms.objection_period_days: must be 1 to 90, got 0",
            ),
            (
                |t| t.objection_period_days = Some(91),
                "terms.objection_period_days: must be 1 to 90, got 91",
            ),
            (
                |t| t.notice_period = Some(-1),
                "terms.notice_period: must not be negative",
            ),
            (
                |t| t.data_categories = vec!["blood_type".into()],
                "terms.data_categories: unknown category \"blood_type\"",
            ),
            (
                |t| t.data_subject_categories = vec!["martians".into()],
                "terms.data_subject_categories: unknown category",
            ),
            (
                |t| t.processing_locations = vec!["XX".into()],
                "terms.processing_locations: must be ISO 3166-1 alpha-2",
            ),
            (
                |t| t.processing_locations = vec!["nl".into()],
                "terms.processing_locations: must be ISO 3166-1 alpha-2",
            ),
            (
                |t| t.subprocessor_authorisation = "whatever".into(),
                "terms.subprocessor_authorisation:",
            ),
            (
                |t| t.breach_notice_sla_hours = Some(0),
                "terms.breach_notice_sla_hours:",
            ),
            (
                |t| t.end_of_contract = "keep_forever".into(),
                "terms.end_of_contract:",
            ),
            (
                |t| t.contract_start = "2026-02-30".into(),
                "terms.contract_start:",
            ),
            (|t| t.term_months = Some(0), "terms.term_months:"),
            (
                |t| t.notice_period_unit = "fortnights".into(),
                "terms.notice_period_unit:",
            ),
            (|t| t.security_measures.clear(), "terms.security_measures:"),
            (|t| t.purposes.clear(), "terms.purposes:"),
        ];
        for (edit, want) in cases {
            let mut t = valid_terms();
            edit(&mut t);
            let e = a
                .create_agreement(req(
                    &app.admin,
                    pb::CreateAgreementRequest {
                        controller_id: c.id.clone(),
                        terms: Some(t),
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{want}");
            assert!(
                e.message().starts_with(want),
                "want {want:?}, got {:?}",
                e.message()
            );
        }
        for (id, field) in [("nope", "controller_id:"), ("", "controller_id:")] {
            let e = a
                .create_agreement(req(
                    &app.admin,
                    pb::CreateAgreementRequest {
                        controller_id: id.into(),
                        terms: Some(valid_terms()),
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument);
            assert!(e.message().starts_with(field), "{}", e.message());
        }
        let e = a
            .create_agreement(req(
                &app.admin,
                pb::CreateAgreementRequest {
                    controller_id: c.id.clone(),
                    terms: None,
                },
            ))
            .await
            .unwrap_err();
        assert!(
            e.message().starts_with("terms: required"),
            "{}",
            e.message()
        );
        let e = a
            .create_agreement(req(
                &app.admin,
                pb::CreateAgreementRequest {
                    controller_id: uuid::Uuid::now_v7().to_string(),
                    terms: Some(valid_terms()),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        // Nothing was written: no agreement, no audit entry.
        let list = a
            .list_agreements(req(&app.admin, pb::ListAgreementsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert!(list.agreements.is_empty());
        assert_eq!(audit_count(&app).await, before);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_controller_never_sees_another_controllers_agreements() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a_ctl, a_agr) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b_ctl, b_agr) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a_ctl.id)).await;
        let mut a = app.agreements();
        // Own: visible.
        a.get_agreement(req(
            &a_tok,
            pb::GetAgreementRequest {
                id: a_agr.id.clone(),
                version: 0,
            },
        ))
        .await
        .unwrap();
        // A version beyond the stored 32-bit range: INVALID_ARGUMENT, not a
        // wrapped lookup.
        let e = a
            .get_agreement(req(
                &a_tok,
                pb::GetAgreementRequest {
                    id: a_agr.id.clone(),
                    version: u32::MAX,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
        assert!(
            e.message()
                .starts_with("version: must be at most 2147483647"),
            "{e:?}"
        );
        // Other's: NOT_FOUND, exactly like a missing id.
        let e = a
            .get_agreement(req(
                &a_tok,
                pb::GetAgreementRequest {
                    id: b_agr.id.clone(),
                    version: 0,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        let e = a
            .list_agreement_versions(req(
                &a_tok,
                pb::ListAgreementVersionsRequest {
                    id: b_agr.id.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        // Lists are scoped whatever is asked for.
        let all = a
            .list_agreements(req(&a_tok, pb::ListAgreementsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .agreements;
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].controller_id, a_ctl.id);
        let other = a
            .list_agreements(req(
                &a_tok,
                pb::ListAgreementsRequest {
                    controller_id: b_ctl.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .agreements;
        assert!(other.is_empty());
        // The record of processing: own only.
        let rec = a
            .export_processing_record(req(&a_tok, pb::ExportProcessingRecordRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(rec.controllers, 1);
        assert!(!rec.content.contains(&b_ctl.id));
        let e = a
            .export_processing_record(req(
                &a_tok,
                pb::ExportProcessingRecordRequest {
                    controller_id: b_ctl.id.clone(),
                    format: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        // Writes are the processor's: a controller may not create or amend.
        let e = a
            .amend_agreement(req(
                &a_tok,
                pb::AmendAgreementRequest {
                    id: a_agr.id.clone(),
                    terms: Some(valid_terms()),
                    note: "x".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        // Deadlines: the controller sees its own renewal dates only.
        let obligations =
            pb::deadline_service_client::DeadlineServiceClient::new(app.channel.clone())
                .list_obligations(req(
                    &a_tok,
                    pb::ListObligationsRequest {
                        service: "agreements".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .obligations;
        assert_eq!(obligations.len(), 2, "{obligations:?}");
        assert!(obligations.iter().all(|o| o.tenant_id == a_ctl.id));
        assert!(
            obligations
                .iter()
                .any(|o| o.description.starts_with("last day for notice"))
        );
        assert!(obligations.iter().all(|o| o.rule == "agreement.renewal"));
        app.stop().await;
    }
}

#[tokio::test]
async fn processing_record_has_every_art_30_field_in_three_formats() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let mut terms = valid_terms();
        terms.processing_locations = vec!["NL".into(), "IN".into()];
        terms.controller_representative = "Rep Europe GmbH".into();
        let (c, _) = app
            .controller_with_agreement("Acme, \"Recruitment\" B.V.", "12345678", Some(terms))
            .await;
        let mut s = app.subprocessors();
        let mut us = valid_subprocessor("Cloud Mail Inc.", "US");
        us.adequacy_scope_met = true;
        let us = s
            .register_subprocessor(req(&app.admin, us))
            .await
            .unwrap()
            .into_inner();
        let nl = s
            .register_subprocessor(req(&app.admin, valid_subprocessor("Hosting NL B.V.", "NL")))
            .await
            .unwrap()
            .into_inner();
        for sub in [&us, &nl] {
            s.authorise_subprocessor(req(
                &app.admin,
                pb::AuthoriseSubprocessorRequest {
                    controller_id: c.id.clone(),
                    subprocessor_id: sub.id.clone(),
                    reference: "DPA-2026-001 annex 2".into(),
                    effective_from: String::new(),
                },
            ))
            .await
            .unwrap();
        }
        let mut a = app.agreements();
        let export = |format: &str| pb::ExportProcessingRecordRequest {
            controller_id: String::new(),
            format: format.into(),
        };
        let json = a
            .export_processing_record(req(&app.admin, export("json")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(json.content_type, "application/json");
        let v: serde_json::Value = serde_json::from_str(&json.content).unwrap();
        // (a) processor and controller identities, representative, DPO.
        for k in ["name", "contact", "representative", "dpo"] {
            assert!(v["processor"].get(k).is_some(), "processor.{k}");
        }
        let ctl = &v["controllers"][0];
        for k in [
            "name",
            "contact",
            "representative",
            "dpo",
            "processing_categories",
            "transfers",
            "security_measures_summary",
            "subprocessors",
            "data_categories",
            "data_subject_categories",
        ] {
            assert!(ctl.get(k).is_some(), "controllers[].{k} in {ctl}");
        }
        assert_eq!(ctl["representative"], "Rep Europe GmbH");
        assert_eq!(ctl["dpo"], "Dana Prins <dpo@example.nl>");
        assert_eq!(
            ctl["processing_categories"][0],
            "hosting the recruitment platform and its vacancy pages"
        );
        assert_eq!(ctl["subprocessors"].as_array().unwrap().len(), 2);
        // (c) transfers: India (own location, no mechanism: a warning) and
        // the US sub-processor under the DPF adequacy decision; the Dutch
        // sub-processor is no transfer.
        let transfers = ctl["transfers"].as_array().unwrap();
        assert_eq!(transfers.len(), 2, "{transfers:?}");
        let us_t = transfers
            .iter()
            .find(|t| t["country_or_io"] == "US")
            .unwrap();
        assert_eq!(us_t["mechanism"], "adequacy");
        assert!(us_t.get("art49_safeguards_doc").is_some());
        let in_t = transfers
            .iter()
            .find(|t| t["country_or_io"] == "IN")
            .unwrap();
        assert_eq!(in_t["mechanism"], "scc");
        assert!(
            json.warnings
                .iter()
                .any(|w| w.contains("processing location IN")),
            "{:?}",
            json.warnings
        );
        // The processor's name is not configured in tests: said, not hidden.
        assert!(
            json.warnings.iter().any(|w| w.contains("processor.name")),
            "{:?}",
            json.warnings
        );
        assert!(
            ctl["security_measures_summary"]
                .as_str()
                .unwrap()
                .contains("AES-256-GCM")
        );

        let csv = a
            .export_processing_record(req(&app.admin, export("csv")))
            .await
            .unwrap()
            .into_inner();
        assert!(csv.content_type.starts_with("text/csv"));
        let mut lines = csv.content.split("\r\n");
        let header = lines.next().unwrap();
        for col in [
            "processor_name",
            "processor_representative",
            "processor_dpo",
            "controller_name",
            "controller_representative",
            "controller_dpo",
            "processing_categories",
            "transfers",
            "security_measures_summary",
        ] {
            assert!(header.split(',').any(|h| h == col), "{col} in {header}");
        }
        let row = lines.next().unwrap();
        // The name holds a comma and quotes: quoted per RFC 4180.
        assert!(row.contains("\"Acme, \"\"Recruitment\"\" B.V.\""), "{row}");
        assert!(row.contains("Cloud Mail Inc. to US (adequacy)"), "{row}");

        let md = a
            .export_processing_record(req(&app.admin, export("markdown")))
            .await
            .unwrap()
            .into_inner();
        assert!(md.content_type.starts_with("text/markdown"));
        for needle in [
            "# Record of processing activities as processor (GDPR art. 30(2))",
            "## Processor (art. 30(2)(a))",
            "| representative | Rep Europe GmbH |",
            "| categories of processing (b) |",
            "### Transfers to third countries (c)",
            "| security measures (d) |",
            "Cloud Mail Inc.",
        ] {
            assert!(md.content.contains(needle), "{needle} in\n{}", md.content);
        }
        let e = a
            .export_processing_record(req(&app.admin, export("pdf")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("format:"), "{}", e.message());
        // An auditor may take the record; a service token may not.
        let auditor = app.token(Role::Auditor, None).await;
        a.export_processing_record(req(&auditor, export("json")))
            .await
            .unwrap();
        let svc = app.token(Role::Service, Some(&c.id)).await;
        let e = a
            .export_processing_record(req(&svc, export("json")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied);
        app.stop().await;
    }
}
