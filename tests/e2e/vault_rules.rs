//! Every VaultService RPC: another tenant's caller gets NOT_FOUND (or an empty
//! list), and bad input gets INVALID_ARGUMENT naming the field, writing nothing.

use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

fn assert_code<T: std::fmt::Debug>(
    r: Result<tonic::Response<T>, tonic::Status>,
    code: Code,
    field: &str,
) {
    let e = r.expect_err("must fail");
    assert_eq!(e.code(), code, "{field}: {e:?}");
    if code == Code::InvalidArgument {
        assert!(
            e.message().starts_with(field),
            "message should name {field}: {}",
            e.message()
        );
    }
}

#[tokio::test]
async fn another_tenant_sees_nothing_through_any_rpc() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        let b = app.create_controller("Beta B.V.", "22222222").await;
        let sa = app.token(Role::Service, Some(&a.id)).await;
        let sb = app.token(Role::Service, Some(&b.id)).await;
        let cb = app.token(Role::Controller, Some(&b.id)).await;
        let mut v = app.vault();
        let c = v
            .put_candidate(req(&sa, valid_candidate("a-1", "Anna", "anna@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let gone = v
            .put_candidate(req(&sa, valid_candidate("a-2", "Bert", "bert@example.nl")))
            .await
            .unwrap()
            .into_inner();
        v.erase_candidate(req(
            &sa,
            pb::EraseCandidateRequest {
                id: gone.id.clone(),
                reason: "request".into(),
                reference: String::new(),
            },
        ))
        .await
        .unwrap();
        let id = c.id.clone();
        for tok in [&sb, &cb] {
            let service = tok == &sb;
            if service {
                assert_code(
                    v.get_candidate(req(
                        tok,
                        pb::GetCandidateRequest {
                            id: id.clone(),
                            purpose: "x".into(),
                        },
                    ))
                    .await,
                    Code::NotFound,
                    "",
                );
                assert_code(
                    v.update_candidate(req(
                        tok,
                        pb::UpdateCandidateRequest {
                            id: id.clone(),
                            vacancy_ref: Some("v".into()),
                            ..Default::default()
                        },
                    ))
                    .await,
                    Code::NotFound,
                    "",
                );
                assert_code(
                    v.close_procedure(req(
                        tok,
                        pb::CloseProcedureRequest {
                            id: id.clone(),
                            outcome: "hired".into(),
                            closed_on: day(0).to_string(),
                        },
                    ))
                    .await,
                    Code::NotFound,
                    "",
                );
                assert_code(
                    v.record_consent(req(
                        tok,
                        pb::RecordConsentRequest {
                            id: id.clone(),
                            given_on: day(0).to_string(),
                        },
                    ))
                    .await,
                    Code::NotFound,
                    "",
                );
                assert_code(
                    v.withdraw_consent(req(
                        tok,
                        pb::WithdrawConsentRequest {
                            id: id.clone(),
                            withdrawn_on: day(0).to_string(),
                        },
                    ))
                    .await,
                    Code::NotFound,
                    "",
                );
            } else {
                // The controller's DPO never decrypts or edits candidate data.
                assert_code(
                    v.get_candidate(req(
                        tok,
                        pb::GetCandidateRequest {
                            id: id.clone(),
                            purpose: "x".into(),
                        },
                    ))
                    .await,
                    Code::PermissionDenied,
                    "",
                );
                assert_code(
                    v.update_candidate(req(
                        tok,
                        pb::UpdateCandidateRequest {
                            id: id.clone(),
                            vacancy_ref: Some("v".into()),
                            ..Default::default()
                        },
                    ))
                    .await,
                    Code::PermissionDenied,
                    "",
                );
            }
            assert_code(
                v.place_legal_hold(req(
                    tok,
                    pb::PlaceLegalHoldRequest {
                        id: id.clone(),
                        reason: "r".into(),
                    },
                ))
                .await,
                Code::NotFound,
                "",
            );
            assert_code(
                v.release_legal_hold(req(
                    tok,
                    pb::ReleaseLegalHoldRequest {
                        id: id.clone(),
                        reason: "r".into(),
                    },
                ))
                .await,
                Code::NotFound,
                "",
            );
            assert_code(
                v.erase_candidate(req(
                    tok,
                    pb::EraseCandidateRequest {
                        id: id.clone(),
                        reason: "request".into(),
                        reference: String::new(),
                    },
                ))
                .await,
                Code::NotFound,
                "",
            );
            assert_code(
                v.get_deletion_certificate(req(
                    tok,
                    pb::GetDeletionCertificateRequest {
                        candidate_id: gone.id.clone(),
                    },
                ))
                .await,
                Code::NotFound,
                "",
            );
            // Writes aimed at tenant A from B's token.
            let mut put = valid_candidate("b-x", "X", "x@example.nl");
            put.tenant_id = a.id.clone();
            if service {
                assert_code(
                    v.put_candidate(req(tok, put.clone())).await,
                    Code::NotFound,
                    "",
                );
                assert_code(
                    v.put_candidates(req(
                        tok,
                        pb::PutCandidatesRequest {
                            tenant_id: a.id.clone(),
                            candidates: vec![put],
                        },
                    ))
                    .await,
                    Code::NotFound,
                    "",
                );
                assert_code(
                    v.find_candidates(req(
                        tok,
                        pb::FindCandidatesRequest {
                            tenant_id: a.id.clone(),
                            email: "anna@example.nl".into(),
                            phone: String::new(),
                        },
                    ))
                    .await,
                    Code::NotFound,
                    "",
                );
            }
            let own = v
                .find_candidates(req(
                    &sb,
                    pb::FindCandidatesRequest {
                        email: "anna@example.nl".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            assert!(
                own.candidates.is_empty(),
                "the blind index of tenant B never matches tenant A's data"
            );
            let list = v
                .list_candidates(req(
                    tok,
                    pb::ListCandidatesRequest {
                        tenant_id: a.id.clone(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            assert!(list.candidates.is_empty());
            assert_code(
                v.get_retention_policy(req(
                    tok,
                    pb::GetRetentionPolicyRequest {
                        tenant_id: a.id.clone(),
                    },
                ))
                .await,
                Code::NotFound,
                "",
            );
        }
        assert_code(
            v.set_retention_policy(req(
                &cb,
                pb::SetRetentionPolicyRequest {
                    tenant_id: a.id.clone(),
                    rejected_weeks: 2,
                    talent_pool_months: 6,
                    hired_months: 3,
                    anchor: String::new(),
                },
            ))
            .await,
            Code::NotFound,
            "",
        );
        // Admins must name an existing tenant.
        let mut put = valid_candidate("adm-1", "X", "x@example.nl");
        put.tenant_id = "01900000-0000-7000-8000-000000000000".into();
        assert_code(
            v.put_candidate(req(&app.admin, put)).await,
            Code::NotFound,
            "",
        );
        assert_code(
            v.put_candidate(req(
                &app.admin,
                valid_candidate("adm-2", "X", "x@example.nl"),
            ))
            .await,
            Code::InvalidArgument,
            "tenant_id",
        );
        // Roles: an auditor lists metadata but never decrypts.
        let auditor = app.token(Role::Auditor, None).await;
        assert_code(
            v.get_candidate(req(
                &auditor,
                pb::GetCandidateRequest {
                    id: id.clone(),
                    purpose: "x".into(),
                },
            ))
            .await,
            Code::PermissionDenied,
            "",
        );
        assert_eq!(
            v.list_candidates(req(&auditor, Default::default()))
                .await
                .unwrap()
                .into_inner()
                .candidates
                .len(),
            1
        );
        // Tenant A's candidate is untouched.
        let rec = v
            .get_candidate(req(
                &sa,
                pb::GetCandidateRequest {
                    id: id.clone(),
                    purpose: "check".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let meta = rec.candidate.unwrap();
        assert_eq!(
            (
                meta.status.as_str(),
                meta.legal_hold,
                meta.vacancy_ref.as_str()
            ),
            ("open", false, "vac-2026-001")
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_input_for_every_rpc_names_the_field_and_writes_nothing() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let a = app.create_controller("Alpha B.V.", "11111111").await;
        let s = app.token(Role::Service, Some(&a.id)).await;
        let mut v = app.vault();
        let c = v
            .put_candidate(req(&s, valid_candidate("a-1", "Anna", "anna@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let conn = app.db().await;
        let audit_before = audit::list(
            &conn,
            &audit::ListFilter {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();

        type M = fn(&mut pb::PutCandidateRequest);
        let puts: Vec<(&str, M)> = vec![
            ("external_ref", |r| r.external_ref = "".into()),
            ("external_ref", |r| {
                r.external_ref = "anna@example.nl".into()
            }),
            ("vacancy_ref", |r| r.vacancy_ref = "vac 1".into()),
            ("applied_on", |r| r.applied_on = "01-03-2026".into()),
            ("applied_on", |r| r.applied_on = "2099-01-01".into()),
            ("categories", |r| r.categories = vec!["hobbies".into()]),
            ("categories", |r| r.categories = vec![]),
            ("payload", |r| r.payload = None),
            ("payload.name", |r| {
                r.payload.as_mut().unwrap().name = " ".into()
            }),
            ("payload.email", |r| {
                r.payload.as_mut().unwrap().email = "anna-at-example".into()
            }),
            ("payload.phone", |r| {
                r.payload.as_mut().unwrap().phone = "12".into()
            }),
            ("payload.cv", |r| {
                r.payload.as_mut().unwrap().cv = vec![0u8; 10 * 1024 * 1024 + 1]
            }),
            ("payload.cv_filename", |r| {
                r.payload.as_mut().unwrap().cv_filename = "".into()
            }),
            ("payload.custom_fields", |r| {
                r.payload
                    .as_mut()
                    .unwrap()
                    .custom_fields
                    .insert("Bad Key".into(), "x".into());
            }),
        ];
        for (field, m) in puts {
            let mut r = valid_candidate("a-9", "Anna", "anna@example.nl");
            m(&mut r);
            assert_code(
                v.put_candidate(req(&s, r.clone())).await,
                Code::InvalidArgument,
                field,
            );
            let batch_field = format!("candidates[1].{field}");
            let batch = pb::PutCandidatesRequest {
                tenant_id: String::new(),
                candidates: vec![valid_candidate("a-8", "B", "b@example.nl"), r],
            };
            assert_code(
                v.put_candidates(req(&s, batch)).await,
                Code::InvalidArgument,
                &batch_field,
            );
        }
        assert_code(
            v.put_candidates(req(&s, pb::PutCandidatesRequest::default()))
                .await,
            Code::InvalidArgument,
            "candidates",
        );
        let dup = pb::PutCandidatesRequest {
            tenant_id: String::new(),
            candidates: vec![
                valid_candidate("d", "A", "a@x.nl"),
                valid_candidate("d", "B", "b@x.nl"),
            ],
        };
        assert_code(
            v.put_candidates(req(&s, dup)).await,
            Code::InvalidArgument,
            "candidates[1].external_ref",
        );
        assert_code(
            v.put_candidate(req(&s, valid_candidate("a-1", "Again", "again@example.nl")))
                .await,
            Code::AlreadyExists,
            "",
        );

        let id = c.id.clone();
        assert_code(
            v.get_candidate(req(
                &s,
                pb::GetCandidateRequest {
                    id: id.clone(),
                    purpose: "  ".into(),
                },
            ))
            .await,
            Code::InvalidArgument,
            "purpose",
        );
        assert_code(
            v.get_candidate(req(
                &s,
                pb::GetCandidateRequest {
                    id: "nope".into(),
                    purpose: "x".into(),
                },
            ))
            .await,
            Code::InvalidArgument,
            "id",
        );
        assert_code(
            v.list_candidates(req(
                &s,
                pb::ListCandidatesRequest {
                    page: Some(pb::PageRequest {
                        page_size: 501,
                        page_token: String::new(),
                    }),
                    ..Default::default()
                },
            ))
            .await,
            Code::InvalidArgument,
            "page.page_size",
        );
        assert_code(
            v.list_candidates(req(
                &s,
                pb::ListCandidatesRequest {
                    page: Some(pb::PageRequest {
                        page_size: 5,
                        page_token: "x".into(),
                    }),
                    ..Default::default()
                },
            ))
            .await,
            Code::InvalidArgument,
            "page.page_token",
        );
        assert_code(
            v.update_candidate(req(
                &s,
                pb::UpdateCandidateRequest {
                    id: id.clone(),
                    ..Default::default()
                },
            ))
            .await,
            Code::InvalidArgument,
            "update",
        );
        assert_code(
            v.update_candidate(req(
                &s,
                pb::UpdateCandidateRequest {
                    id: id.clone(),
                    categories: vec!["nope".into()],
                    ..Default::default()
                },
            ))
            .await,
            Code::InvalidArgument,
            "categories",
        );
        assert_code(
            v.find_candidates(req(&s, pb::FindCandidatesRequest::default()))
                .await,
            Code::InvalidArgument,
            "email",
        );
        assert_code(
            v.find_candidates(req(
                &s,
                pb::FindCandidatesRequest {
                    phone: "abc".into(),
                    ..Default::default()
                },
            ))
            .await,
            Code::InvalidArgument,
            "phone",
        );
        assert_code(
            v.close_procedure(req(
                &s,
                pb::CloseProcedureRequest {
                    id: id.clone(),
                    outcome: "promoted".into(),
                    closed_on: day(0).to_string(),
                },
            ))
            .await,
            Code::InvalidArgument,
            "outcome",
        );
        assert_code(
            v.close_procedure(req(
                &s,
                pb::CloseProcedureRequest {
                    id: id.clone(),
                    outcome: "rejected".into(),
                    closed_on: "2026-02-28".into(),
                },
            ))
            .await,
            Code::InvalidArgument,
            "closed_on",
        );
        assert_code(
            v.close_procedure(req(
                &s,
                pb::CloseProcedureRequest {
                    id: id.clone(),
                    outcome: "rejected".into(),
                    closed_on: day(3).to_string(),
                },
            ))
            .await,
            Code::InvalidArgument,
            "closed_on",
        );
        assert_code(
            v.record_consent(req(
                &s,
                pb::RecordConsentRequest {
                    id: id.clone(),
                    given_on: "yesterday".into(),
                },
            ))
            .await,
            Code::InvalidArgument,
            "given_on",
        );
        assert_code(
            v.withdraw_consent(req(
                &s,
                pb::WithdrawConsentRequest {
                    id: id.clone(),
                    withdrawn_on: day(0).to_string(),
                },
            ))
            .await,
            Code::FailedPrecondition,
            "",
        );
        assert_code(
            v.place_legal_hold(req(
                &s,
                pb::PlaceLegalHoldRequest {
                    id: id.clone(),
                    reason: "".into(),
                },
            ))
            .await,
            Code::InvalidArgument,
            "reason",
        );
        assert_code(
            v.release_legal_hold(req(
                &s,
                pb::ReleaseLegalHoldRequest {
                    id: id.clone(),
                    reason: "done".into(),
                },
            ))
            .await,
            Code::FailedPrecondition,
            "",
        );
        assert_code(
            v.erase_candidate(req(
                &s,
                pb::EraseCandidateRequest {
                    id: id.clone(),
                    reason: "because".into(),
                    reference: String::new(),
                },
            ))
            .await,
            Code::InvalidArgument,
            "reason",
        );
        assert_code(
            v.get_deletion_certificate(req(
                &s,
                pb::GetDeletionCertificateRequest {
                    candidate_id: "x".into(),
                },
            ))
            .await,
            Code::InvalidArgument,
            "candidate_id",
        );
        assert_code(
            v.get_deletion_certificate(req(
                &s,
                pb::GetDeletionCertificateRequest {
                    candidate_id: id.clone(),
                },
            ))
            .await,
            Code::NotFound,
            "",
        );
        let ctrl = app.token(Role::Controller, Some(&a.id)).await;
        for (field, p) in [
            (
                "rejected_weeks",
                pb::SetRetentionPolicyRequest {
                    rejected_weeks: 0,
                    talent_pool_months: 12,
                    hired_months: 3,
                    ..Default::default()
                },
            ),
            (
                "talent_pool_months",
                pb::SetRetentionPolicyRequest {
                    rejected_weeks: 4,
                    talent_pool_months: 25,
                    hired_months: 3,
                    ..Default::default()
                },
            ),
            (
                "hired_months",
                pb::SetRetentionPolicyRequest {
                    rejected_weeks: 4,
                    talent_pool_months: 12,
                    hired_months: 0,
                    ..Default::default()
                },
            ),
            (
                "anchor",
                pb::SetRetentionPolicyRequest {
                    rejected_weeks: 4,
                    talent_pool_months: 12,
                    hired_months: 3,
                    anchor: "whenever".into(),
                    ..Default::default()
                },
            ),
        ] {
            assert_code(
                v.set_retention_policy(req(&ctrl, p)).await,
                Code::InvalidArgument,
                field,
            );
        }
        // Nothing was written: one candidate, no new audit entries.
        assert_eq!(
            v.list_candidates(req(&s, Default::default()))
                .await
                .unwrap()
                .into_inner()
                .candidates
                .len(),
            1
        );
        let audit_after = audit::list(
            &conn,
            &audit::ListFilter {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
        assert_eq!(
            audit_after,
            audit_before + 1,
            "only the controller token creation was audited"
        );

        // The policy, then, with its happy path and recomputation.
        let p = v
            .set_retention_policy(req(
                &ctrl,
                pb::SetRetentionPolicyRequest {
                    rejected_weeks: 2,
                    talent_pool_months: 6,
                    hired_months: 1,
                    anchor: "vacancy_closed".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (
                p.rejected_weeks,
                p.talent_pool_months,
                p.hired_months,
                p.anchor.as_str()
            ),
            (2, 6, 1, "vacancy_closed")
        );
        let closed = v
            .close_procedure(req(
                &s,
                pb::CloseProcedureRequest {
                    id: id.clone(),
                    outcome: "rejected".into(),
                    closed_on: day(-1).to_string(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            closed.delete_after,
            end_of(day(-1) + chrono::Duration::days(14))
        );
        v.set_retention_policy(req(
            &ctrl,
            pb::SetRetentionPolicyRequest {
                rejected_weeks: 3,
                talent_pool_months: 6,
                hired_months: 1,
                ..Default::default()
            },
        ))
        .await
        .unwrap();
        let rec = v
            .get_candidate(req(
                &s,
                pb::GetCandidateRequest {
                    id: id.clone(),
                    purpose: "check".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            rec.candidate.unwrap().delete_after,
            end_of(day(-1) + chrono::Duration::days(21)),
            "a policy change recomputes delete_after"
        );
        let got = v
            .get_retention_policy(req(&s, Default::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got.rejected_weeks, 3);
        app.stop().await;
    }
}
