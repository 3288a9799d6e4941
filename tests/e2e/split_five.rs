//! The five-process split (`custodian_tests::split`): what each process may
//! open, ListObligations merged across every peer exactly as the monolith
//! merges in-process sources, and the vault process stopped in the middle
//! of a journey.

use auth::Role;
use custodian::Target;
use custodian_tests::split::{Shape, deployments, login, start_again, stop_process, with_user};
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

async fn put(app: &TestApp, tenant: &str, r: &str, email: &str) -> pb::Candidate {
    let mut c = valid_candidate(r, "Jan de Vries", email);
    c.tenant_id = tenant.into();
    app.vault()
        .put_candidate(req(&app.admin, c))
        .await
        .expect("put candidate")
        .into_inner()
}

fn dsr(controller: &str, kind: &str, email: &str) -> pb::CreateRequestRequest {
    pb::CreateRequestRequest {
        controller_id: controller.into(),
        r#type: kind.into(),
        channel: "controller_instruction".into(),
        received_at: proto::wire::timestamp(store::truncate_micros(
            chrono::Utc::now() - chrono::Duration::minutes(5),
        )),
        subject: Some(pb::SubjectIdentifiers {
            email: email.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn health_of(app: &TestApp, service: &str) -> i32 {
    tonic_health::pb::health_client::HealthClient::new(app.channel.clone())
        .check(tonic_health::pb::HealthCheckRequest {
            service: service.into(),
        })
        .await
        .map(|r| r.into_inner().status)
        .unwrap_or(-1)
}

async fn wait_health(app: &TestApp, service: &str, want: ServingStatus) {
    for _ in 0..200 {
        if health_of(app, service).await == want as i32 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{service} never became {want:?}");
}

/// No process but the vault holds or can open key material; on PostgreSQL
/// each process's role reaches its own schema and the shared tables only,
/// the audit entries are append-only for every role, and only the vault's
/// role may connect to the key store.
#[tokio::test]
async fn each_process_opens_only_what_it_owns() {
    for d in deployments()
        .into_iter()
        .filter(|d| d.shape == Shape::Split)
    {
        let (db, app) = d.start().await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let c = put(&app, &a.id, "A-1", "jan@example.nl").await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        // The request process works (over the vault peer) ...
        let r = app
            .requests()
            .create_request(req(&a_tok, dsr(&a.id, "access", "jan@example.nl")))
            .await
            .expect("create request")
            .into_inner();
        assert_eq!(r.identified_by, ["email"]);
        // ... yet no process but the vault has a key file, a key store or
        // a ledger; the vault process has all three.
        for (name, _) in custodian_tests::split::PROCESSES {
            let dir = db.dir.path().join(name);
            for f in ["master.key", "keys.db", "shred-ledger.jsonl"] {
                let exists = dir.join(f).exists();
                if name == "vault" && f != "keys.db" {
                    assert!(exists, "the vault process keeps {f}");
                } else if name != "vault" {
                    assert!(!exists, "process {name} must not have {f}");
                }
            }
            let cfg = app
                .others
                .iter()
                .chain([&app])
                .find(|p| p.config.data_dir == dir);
            let cfg = &cfg.expect("a process per name").config;
            assert_eq!(
                cfg.keystore_url.is_some(),
                name == "vault",
                "only the vault process is given a key store URL ({name})"
            );
        }
        if db.backend == Backend::Postgres {
            use store::sea_orm::ConnectionTrait;
            let as_role = |p: &str| with_user(&db.url, &login(p));
            let sql = |s: &str| {
                store::sea_orm::Statement::from_string(
                    store::sea_orm::DbBackend::Postgres,
                    s.to_owned(),
                )
            };
            // Its own table and the shared ones: yes.
            let requests = store::connect(&as_role("requests")).await.unwrap();
            requests
                .query_one_raw(sql("SELECT count(*) FROM dsr_requests"))
                .await
                .expect("the requests role reads its own table");
            requests
                .query_one_raw(sql("SELECT count(*) FROM api_tokens"))
                .await
                .expect("every role authenticates its callers");
            // Another service's tables: no.
            for t in ["candidates", "candidate_index", "controllers", "agreements"] {
                let e = requests
                    .query_one_raw(sql(&format!("SELECT count(*) FROM {t}")))
                    .await
                    .expect_err(t);
                let m = e.to_string();
                assert!(
                    m.contains("does not exist") || m.contains("permission denied"),
                    "requests reading {t}: {m}"
                );
            }
            // The audit trail: appended by everyone, rewritten by no one.
            for stmt in [
                "UPDATE audit_events SET action = 'x'",
                "DELETE FROM audit_events",
                "TRUNCATE audit_events",
            ] {
                let core = store::connect(&as_role("core")).await.unwrap();
                let e = core.execute_raw(sql(stmt)).await.expect_err(stmt);
                assert!(e.to_string().contains("permission denied"), "{stmt}: {e}");
                core.close().await.ok();
            }
            let vault = store::connect(&as_role("vault")).await.unwrap();
            assert!(
                vault
                    .query_one_raw(sql("SELECT count(*) FROM dsr_requests"))
                    .await
                    .is_err(),
                "the vault role does not read the request service's table"
            );
            vault
                .query_one_raw(sql(&format!(
                    "SELECT count(*) FROM candidates WHERE id = '{}'",
                    c.id
                )))
                .await
                .expect("the vault role reads its own table");
            // Only the vault's role may connect to the key store.
            for p in ["core", "requests", "switching", "processing"] {
                let e = store::connect(&with_user(&db.keystore_url, &login(p)))
                    .await
                    .err()
                    .unwrap_or_else(|| panic!("{p} connected to the key store"));
                assert!(e.to_string().contains("permission denied"), "{p}: {e}");
            }
            store::connect(&with_user(&db.keystore_url, &login("vault")))
                .await
                .expect("the vault role connects to the key store");
            requests.close().await.ok();
            vault.close().await.ok();
        }
        app.stop().await;
    }
}

/// The obligations of every service, from the process hosting
/// DeadlineService: in the split it asks each peer and merges, and the
/// answer has the same shape as the monolith's: earliest first, the same
/// sources and rules, the same under paging, tenant-scoped.
#[tokio::test]
async fn list_obligations_merges_every_peer_as_the_monolith_does() {
    // (shape, backend, the sorted (service, rule) of every obligation)
    type Seen = (Shape, Backend, Vec<(String, String)>);
    let mut seen: Vec<Seen> = Vec::new();
    for d in deployments() {
        let (_db, app) = d.start().await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        put(&app, &a.id, "A-1", "jan@example.nl").await;
        app.requests()
            .create_request(req(&a_tok, dsr(&a.id, "access", "jan@example.nl")))
            .await
            .expect("request");
        app.switching()
            .request_switch(req(
                &a_tok,
                pb::RequestSwitchRequest {
                    election: "switch".into(),
                    ..Default::default()
                },
            ))
            .await
            .expect("switch");
        app.breaches()
            .report_incident(req(
                &app.admin,
                pb::ReportIncidentRequest {
                    discovered_at: proto::wire::timestamp(store::truncate_micros(
                        chrono::Utc::now() - chrono::Duration::hours(1),
                    )),
                    discovered_by: "SOC on-call".into(),
                    description: "A bucket was publicly listable".into(),
                    systems: vec!["object-storage".into()],
                    internal_notes: String::new(),
                },
            ))
            .await
            .expect("incident");

        let all = app.obligations(&app.admin, "").await;
        // A window carried to the peers: only what is due from its start.
        let from = all[all.len() / 2].due_strict.clone();
        let later = app
            .deadlines()
            .list_obligations(req(
                &app.admin,
                pb::ListObligationsRequest {
                    due_from: from.clone(),
                    count_total: true,
                    ..Default::default()
                },
            ))
            .await
            .expect("window")
            .into_inner();
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("an instant");
        let expected = all
            .iter()
            .filter(|o| at(&o.due_strict) >= at(&from))
            .count();
        assert_eq!(later.obligations.len(), expected, "{:?}", d.shape);
        assert_eq!(later.total, Some(expected as u64), "{:?}", d.shape);
        let due: Vec<&str> = all.iter().map(|o| o.due_strict.as_str()).collect();
        let mut sorted = due.clone();
        sorted.sort();
        assert_eq!(due, sorted, "earliest first ({:?})", d.shape);
        let mut shape: Vec<(String, String)> = all
            .iter()
            .map(|o| (o.service.clone(), o.rule.clone()))
            .collect();
        shape.sort();
        for s in ["agreements", "requests", "switching", "breaches"] {
            assert!(
                shape.iter().any(|(x, _)| x == s),
                "{s} obligations reach DeadlineService in the {:?}: {shape:?}",
                d.shape
            );
        }
        // Paged: the same obligations in the same order.
        let mut paged = Vec::new();
        let mut token = String::new();
        loop {
            let page = app
                .deadlines()
                .list_obligations(req(
                    &app.admin,
                    pb::ListObligationsRequest {
                        page: Some(pb::PageRequest {
                            page_size: 2,
                            page_token: token.clone(),
                        }),
                        count_total: true,
                        ..Default::default()
                    },
                ))
                .await
                .expect("page")
                .into_inner();
            // Every peer counts its part: the total is every page's.
            assert_eq!(page.total, Some(all.len() as u64), "{:?}", d.shape);
            paged.extend(page.obligations);
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        assert_eq!(
            paged.iter().map(|o| &o.object_id).collect::<Vec<_>>(),
            all.iter().map(|o| &o.object_id).collect::<Vec<_>>(),
            "paging walks the merged list ({:?})",
            d.shape
        );
        // Tenant-scoped: A sees its own, B none of A's.
        let of_a = app.obligations(&a_tok, "").await;
        assert!(!of_a.is_empty());
        assert!(
            of_a.iter()
                .all(|o| o.tenant_id == a.id || o.tenant_id.is_empty())
        );
        let of_b = app.obligations(&b_tok, "").await;
        assert!(
            of_b.iter().all(|o| o.tenant_id != a.id),
            "B never sees A's obligations ({:?})",
            d.shape
        );
        seen.push((d.shape, d.backend, shape));
        app.stop().await;
    }
    // The same sources and rules in both shapes, on every backend.
    for (shape, backend, s) in &seen[1..] {
        assert_eq!(
            s, &seen[0].2,
            "{shape:?} on {backend} lists what {:?} on {} lists",
            seen[0].0, seen[0].1
        );
    }
}

/// The vault process stops in the middle of a data-subject erasure: the
/// request process answers UNAVAILABLE naming the vault peer and reports
/// NOT_SERVING, the request stays open and the candidate stays (nothing
/// half-written); once the vault is back the retry completes the erasure.
#[tokio::test]
async fn the_vault_process_stops_mid_erasure_and_the_retry_completes() {
    for d in deployments()
        .into_iter()
        .filter(|d| d.shape == Shape::Split)
    {
        let (_db, mut app) = d.start().await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let c = put(&app, &a.id, "A-1", "jan@example.nl").await;
        let r = app
            .requests()
            .create_request(req(&a_tok, dsr(&a.id, "erasure", "jan@example.nl")))
            .await
            .expect("create")
            .into_inner();

        let stopped = stop_process(&mut app, Target::Vault).await;
        let e = app
            .requests()
            .fulfil_request(req(
                &a_tok,
                pb::FulfilRequestRequest {
                    id: r.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .expect_err("no vault, no erasure");
        assert_eq!(e.code(), Code::Unavailable, "{e:?}");
        assert!(e.message().contains("vault"), "names the peer: {e:?}");
        let requests_process = app.process(Target::Requests);
        wait_health(
            requests_process,
            proto::service_names::REQUESTS,
            ServingStatus::NotServing,
        )
        .await;
        // The switching process needs the vault too.
        wait_health(
            app.process(Target::Switching),
            proto::service_names::SWITCHING,
            ServingStatus::NotServing,
        )
        .await;
        let still = app
            .requests()
            .get_request(req(&a_tok, pb::GetRequestRequest { id: r.id.clone() }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(still.status, "open", "not marked fulfilled");

        start_again(&mut app, stopped).await;
        wait_health(
            app.process(Target::Requests),
            proto::service_names::REQUESTS,
            ServingStatus::Serving,
        )
        .await;
        // The candidate survived the failed attempt ...
        app.vault()
            .get_candidate(req(
                &app.admin,
                pb::GetCandidateRequest {
                    id: c.id.clone(),
                    purpose: "check".into(),
                },
            ))
            .await
            .expect("still there");
        // ... and the retry erases it.
        let done = app
            .requests()
            .fulfil_request(req(
                &a_tok,
                pb::FulfilRequestRequest {
                    id: r.id.clone(),
                    ..Default::default()
                },
            ))
            .await
            .expect("the retry completes")
            .into_inner();
        assert_eq!(done.request.unwrap().status, "answered");
        assert_eq!(
            done.certificates.len(),
            1,
            "one candidate erased, certified"
        );
        let e = app
            .vault()
            .get_candidate(req(
                &app.admin,
                pb::GetCandidateRequest {
                    id: c.id.clone(),
                    purpose: "check".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        // The vault audited the erasure as the controller's DPO who asked
        // for it, relayed by the requests process's peer token.
        let events = app
            .audit()
            .list_events(req(
                &app.admin,
                pb::ListEventsRequest {
                    object_id: c.id.clone(),
                    action_prefix: "candidate.erase".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .events;
        let erased = events
            .iter()
            .find(|e| e.action == "candidate.erase_requested")
            .expect("the erasure is audited");
        assert_eq!(erased.actor_role, "controller", "{erased:?}");
        assert!(erased.actor_id.contains(" via "), "{erased:?}");
        app.stop().await;
    }
}

fn scoped<T>(token: &str, scope: &str, msg: T) -> tonic::Request<T> {
    let mut r = req(token, msg);
    if !scope.is_empty() {
        r.metadata_mut()
            .insert(auth::SCOPE_HEADER, scope.parse().expect("scope"));
    }
    r
}

/// Every internal RPC between the processes keeps to the tenant scope the
/// peer acts in (another tenant is NOT_FOUND), names a malformed tenant,
/// requires the scope header, and answers its own tenant.
#[tokio::test]
async fn internal_rpcs_keep_to_the_scope_they_act_in() {
    use proto::internal as ipb;
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let (a, _) = app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let peer = app.token(Role::Peer, None).await;
        let as_a = format!("tenant:{}", a.id);
        let t = |id: &str| ipb::TenantRef {
            tenant_id: id.into(),
        };
        let at = |id: &str| ipb::AgreementAt {
            tenant_id: id.into(),
            at: proto::wire::timestamp(chrono::Utc::now()),
        };
        let ch = app.channel.clone();
        let mut controllers = ipb::controllers_peer_client::ControllersPeerClient::new(ch.clone());
        let mut agreements = ipb::agreements_peer_client::AgreementsPeerClient::new(ch.clone());
        let mut subprocessors =
            ipb::subprocessors_peer_client::SubprocessorsPeerClient::new(ch.clone());
        let mut vault = ipb::vault_peer_client::VaultPeerClient::new(ch.clone());

        // Its own tenant: answered.
        let own = controllers
            .get_controller(scoped(&peer, &as_a, t(&a.id)))
            .await
            .expect("own controller")
            .into_inner();
        assert_eq!(own.legal_name, "Acme B.V.");
        let governing = agreements
            .governing_at(scoped(&peer, &as_a, at(&a.id)))
            .await
            .expect("governing agreement")
            .into_inner();
        assert_eq!(governing.agreement.expect("one").tenant_id, a.id);
        assert!(
            agreements
                .all_in_force(scoped(&peer, &as_a, ipb::Empty {}))
                .await
                .unwrap()
                .into_inner()
                .agreements
                .iter()
                .all(|x| x.tenant_id == a.id),
            "AllInForce answers the scope's tenants only"
        );
        subprocessors
            .engaged(scoped(
                &peer,
                &as_a,
                ipb::EngagedRequest {
                    tenant_id: a.id.clone(),
                    at: proto::wire::timestamp(chrono::Utc::now()),
                },
            ))
            .await
            .expect("engaged");
        let policy = vault
            .retention_settings(scoped(&peer, &as_a, t(&a.id)))
            .await
            .expect("retention settings")
            .into_inner();
        assert!(policy.rejected_weeks > 0);

        // Another tenant: NOT_FOUND, whatever the RPC.
        let others: Vec<(&str, Result<(), tonic::Status>)> = vec![
            (
                "GetController",
                controllers
                    .get_controller(scoped(&peer, &as_a, t(&b.id)))
                    .await
                    .map(|_| ()),
            ),
            (
                "GetWebhook",
                controllers
                    .get_webhook(scoped(&peer, &as_a, t(&b.id)))
                    .await
                    .map(|_| ()),
            ),
            (
                "RevokeTokens",
                controllers
                    .revoke_tokens(scoped(&peer, &as_a, t(&b.id)))
                    .await
                    .map(|_| ()),
            ),
            (
                "RemoveWebhook",
                controllers
                    .remove_webhook(scoped(&peer, &as_a, t(&b.id)))
                    .await
                    .map(|_| ()),
            ),
            (
                "InForceAt",
                agreements
                    .in_force_at(scoped(&peer, &as_a, at(&b.id)))
                    .await
                    .map(|_| ()),
            ),
            (
                "GoverningAt",
                agreements
                    .governing_at(scoped(&peer, &as_a, at(&b.id)))
                    .await
                    .map(|_| ()),
            ),
            (
                "TenantVersions",
                agreements
                    .tenant_versions(scoped(&peer, &as_a, t(&b.id)))
                    .await
                    .map(|_| ()),
            ),
            (
                "EndWithContract",
                agreements
                    .end_with_contract(scoped(
                        &peer,
                        &as_a,
                        ipb::EndWithContractRequest {
                            tenant_id: b.id.clone(),
                            contract_end: "2026-12-31".into(),
                            reason: "x".into(),
                        },
                    ))
                    .await
                    .map(|_| ()),
            ),
            (
                "Engaged",
                subprocessors
                    .engaged(scoped(
                        &peer,
                        &as_a,
                        ipb::EngagedRequest {
                            tenant_id: b.id.clone(),
                            at: proto::wire::timestamp(chrono::Utc::now()),
                        },
                    ))
                    .await
                    .map(|_| ()),
            ),
            (
                "ExportPage",
                vault
                    .export_page(scoped(
                        &peer,
                        &as_a,
                        ipb::ExportPageRequest {
                            tenant_id: b.id.clone(),
                            after: String::new(),
                            limit: 10,
                        },
                    ))
                    .await
                    .map(|_| ()),
            ),
            (
                "RetentionSettings",
                vault
                    .retention_settings(scoped(&peer, &as_a, t(&b.id)))
                    .await
                    .map(|_| ()),
            ),
            (
                "EraseTenant",
                vault
                    .erase_tenant(scoped(&peer, &as_a, t(&b.id)))
                    .await
                    .map(|_| ()),
            ),
            (
                "RequestsPeer.EraseTenant",
                ipb::requests_peer_client::RequestsPeerClient::new(ch.clone())
                    .erase_tenant(scoped(&peer, &as_a, t(&b.id)))
                    .await
                    .map(|_| ()),
            ),
        ];
        for (rpc, r) in others {
            let e = r.expect_err(rpc);
            assert_eq!(e.code(), Code::NotFound, "{rpc}: {e:?}");
        }
        // B is untouched: its controller, agreement and tokens are there.
        let b_tok = app.token(Role::Controller, Some(&b.id)).await;
        app.controllers()
            .get_controller(req(&b_tok, pb::GetControllerRequest { id: b.id.clone() }))
            .await
            .expect("B's token still works and B is still there");

        // A malformed tenant is named; a call without a scope is refused.
        let e = controllers
            .get_controller(scoped(&peer, &as_a, t(&"x".repeat(500))))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("tenant_id:"), "{e:?}");
        assert!(e.message().len() < 120, "quotes a short part: {e:?}");
        let e = agreements
            .governing_at(scoped(&peer, "", at(&a.id)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains(auth::SCOPE_HEADER), "{e:?}");
        let e = agreements
            .governing_at(scoped(
                &peer,
                &as_a,
                ipb::AgreementAt {
                    tenant_id: a.id.clone(),
                    at: "yesterday".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("at:"), "{e:?}");
        // A controller token calls none of them.
        let a_tok = app.token(Role::Controller, Some(&a.id)).await;
        let e = controllers
            .get_controller(scoped(&a_tok, &as_a, t(&a.id)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
        app.stop().await;
    }
}

/// A peer that accepts connections and never answers: the call is bounded by
/// `peer_timeout_ms` and fails as UNAVAILABLE naming the peer, and nothing is
/// written (the request is not filed).
#[tokio::test]
async fn a_peer_that_never_answers_is_unavailable_within_its_timeout() {
    for db in all_dbs().await {
        // A black hole: accepts, holds the connection, never speaks HTTP/2.
        let hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hole_url = format!("http://{}", hole.local_addr().unwrap());
        let held = tokio::spawn(async move {
            let mut conns = Vec::new();
            while let Ok((c, _)) = hole.accept().await {
                conns.push(c);
            }
        });
        let core = spawn_app_with(
            &db,
            AppOptions {
                target: "controllers,audit,agreements".into(),
                ..Default::default()
            },
        )
        .await;
        let (a, _) = core
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let a_tok = core.token(Role::Controller, Some(&a.id)).await;
        let peer = core.token(Role::Peer, None).await;
        let own = tempfile::tempdir().unwrap();
        let mut cfg = custodian::Config {
            listen: "127.0.0.1:0".into(),
            data_dir: own.path().to_path_buf(),
            database_url: Some(db.url.clone()),
            target: "requests".into(),
            auth_cache_ttl_ms: 0,
            shutdown_grace_ms: 50,
            peer_token: Some(peer),
            peer_timeout_ms: 300,
            peer_health_interval_ms: 50,
            // Test receivers listen on loopback: the operator allows it.
            webhook_allow: vec!["127.0.0.1/32".into(), "::1/128".into()],
            ..custodian::Config::default()
        };
        cfg.peers.vault = Some(hole_url);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let requests = spawn_config(cfg, listener, core.admin.clone(), db.backend).await;

        let t = std::time::Instant::now();
        let e = requests
            .requests()
            .create_request(req(&a_tok, dsr(&a.id, "access", "jan@example.nl")))
            .await
            .expect_err("the vault never answers");
        let took = t.elapsed();
        assert_eq!(e.code(), Code::Unavailable, "{e:?}");
        assert!(e.message().contains("peer vault"), "names the peer: {e:?}");
        // Bounded: a few timeouts at most (connect, call), never a hang.
        assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
        let listed = requests
            .requests()
            .list_requests(req(&a_tok, pb::ListRequestsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert!(listed.requests.is_empty(), "nothing was filed");
        requests.stop().await;
        core.stop().await;
        held.abort();
    }
}
