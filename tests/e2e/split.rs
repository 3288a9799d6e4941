//! The split deployment, first slice: the request service in a process of
//! its own that reaches the vault over gRPC (`custodian.internal.v1`) with a
//! `peer` token. The requests process has no key-store URL and no master key
//! and creates neither; the vault process alone decrypts. A peer token calls
//! no public RPC and a controller token no internal one. A vault that is
//! down gives UNAVAILABLE naming the peer (and the requests process reports
//! NOT_SERVING until it is back), nothing is half-written, and the retry
//! completes the request.

use auth::Role;
use custodian::Config;
use custodian_tests::*;
use proto::internal as ipb;
use proto::v1 as pb;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

/// The health a process reports for one service.
async fn health_of(app: &TestApp, service: &str) -> i32 {
    tonic_health::pb::health_client::HealthClient::new(app.channel.clone())
        .check(tonic_health::pb::HealthCheckRequest {
            service: service.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status
}

/// Waits (bounded) until the health of `service` is `want`.
async fn wait_health(app: &TestApp, service: &str, want: ServingStatus) {
    for _ in 0..100 {
        if health_of(app, service).await == want as i32 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{service} never became {want:?}");
}

fn requests_client(
    app: &TestApp,
) -> pb::request_service_client::RequestServiceClient<tonic::transport::Channel> {
    pb::request_service_client::RequestServiceClient::new(app.channel.clone())
        .max_decoding_message_size(64 * 1024 * 1024)
}

fn create(controller: &str, kind: &str, email: &str) -> pb::CreateRequestRequest {
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

async fn fulfil(app: &TestApp, token: &str, id: &str) -> Result<pb::FulfilResponse, tonic::Status> {
    requests_client(app)
        .fulfil_request(req(
            token,
            pb::FulfilRequestRequest {
                id: id.into(),
                ..Default::default()
            },
        ))
        .await
        .map(|r| r.into_inner())
}

/// The requests process: its own data directory, the shared main database,
/// no key store, the vault as a peer.
fn requests_config(
    db: &testkit::TestDb,
    dir: &std::path::Path,
    vault: &TestApp,
    peer: &str,
) -> Config {
    let mut c = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: Some(db.url.clone()),
        keystore_url: None,
        target: "requests".into(),
        shutdown_grace_ms: 50,
        auth_cache_ttl_ms: 0,
        peer_token: Some(peer.into()),
        peer_timeout_ms: 2_000,
        peer_health_interval_ms: 50,
        // Test receivers listen on loopback: the operator allows it.
        webhook_allow: vec!["127.0.0.1/32".into(), "::1/128".into()],
        ..Config::default()
    };
    c.peers.vault = Some(vault.url());
    c
}

#[tokio::test]
async fn requests_reach_the_vault_over_grpc_and_hold_no_keys() {
    for db in all_dbs().await {
        let vault_opts = AppOptions {
            target: "vault,controllers,audit,agreements".into(),
            ..Default::default()
        };
        let vault_app = spawn_app_with(&db, vault_opts.clone()).await;
        let (a, _) = vault_app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let a_tok = vault_app.token(Role::Controller, Some(&a.id)).await;
        let peer = vault_app.token(Role::Peer, None).await;
        let mut c = valid_candidate("A-1", "Jan de Vries", "jan@example.nl");
        c.tenant_id = a.id.clone();
        let stored = vault_app
            .vault()
            .put_candidate(req(&vault_app.admin, c))
            .await
            .unwrap()
            .into_inner();

        let own = tempfile::tempdir().unwrap();
        let cfg = requests_config(&db, own.path(), &vault_app, &peer);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let req_app =
            spawn_config(cfg.clone(), listener, vault_app.admin.clone(), db.backend).await;

        // An access request through the requests process: the export is
        // decrypted by the vault process and matches what was stored.
        let r = requests_client(&req_app)
            .create_request(req(&a_tok, create(&a.id, "access", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let out = fulfil(&req_app, &a_tok, &r.id).await.unwrap();
        let json = out
            .files
            .iter()
            .find(|f| f.name == "candidates.json")
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json.content).unwrap();
        assert_eq!(v["candidates"][0]["candidate"]["id"], stored.id.as_str());
        assert_eq!(v["candidates"][0]["profile"]["name"], "Jan de Vries");
        assert_eq!(v["candidates"][0]["profile"]["email"], "jan@example.nl");

        // The requests process opened neither the key store nor a master key.
        for f in ["master.key", "keys.db", "shred-ledger.jsonl"] {
            assert!(
                !own.path().join(f).exists(),
                "the requests process created {f}"
            );
        }

        // A peer token calls no public RPC; a controller token no internal one.
        let e = vault_app
            .vault()
            .get_candidate(req(
                &peer,
                pb::GetCandidateRequest {
                    id: stored.id.clone(),
                    purpose: "peek".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
        let mut internal = ipb::vault_peer_client::VaultPeerClient::new(vault_app.channel.clone());
        let mut m = req(
            &a_tok,
            ipb::MatchSubjectRequest {
                tenant_id: a.id.clone(),
                ..Default::default()
            },
        );
        m.metadata_mut().insert(
            "x-custodian-scope",
            format!("tenant:{}", a.id).parse().unwrap(),
        );
        let e = internal.match_subject(m).await.unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
        // A peer acting for another tenant's scope sees nothing of A.
        let mut m = req(
            &peer,
            ipb::MatchSubjectRequest {
                tenant_id: a.id.clone(),
                ..Default::default()
            },
        );
        m.metadata_mut().insert(
            "x-custodian-scope",
            format!("tenant:{}", uuid::Uuid::new_v4()).parse().unwrap(),
        );
        let e = internal.match_subject(m).await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{e:?}");

        // The vault goes down in the middle of an erasure request.
        let erase = requests_client(&req_app)
            .create_request(req(&a_tok, create(&a.id, "erasure", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();
        let vault_url = vault_app.url();
        let addr = vault_app.addr;
        wait_health(
            &req_app,
            proto::service_names::REQUESTS,
            ServingStatus::Serving,
        )
        .await;
        vault_app.stop().await;
        // Health says so before any caller tries.
        wait_health(
            &req_app,
            proto::service_names::REQUESTS,
            ServingStatus::NotServing,
        )
        .await;
        let e = fulfil(&req_app, &a_tok, &erase.id).await.unwrap_err();
        assert_eq!(e.code(), Code::Unavailable, "{e:?}");
        assert!(e.message().contains("peer vault"), "{e:?}");
        assert!(
            !e.message().contains("://") && !e.message().contains("127.0.0.1"),
            "a tenant reads no internal address: {e:?}"
        );
        let still = requests_client(&req_app)
            .get_request(req(
                &a_tok,
                pb::GetRequestRequest {
                    id: erase.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(still.status, "open", "nothing half-written");

        // The vault comes back on the same address; the retry completes.
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let vault_cfg = config_for(&db, &vault_opts);
        let vault_app = spawn_config(vault_cfg, listener, req_app.admin.clone(), db.backend).await;
        assert_eq!(vault_app.url(), vault_url);
        wait_health(
            &req_app,
            proto::service_names::REQUESTS,
            ServingStatus::Serving,
        )
        .await;
        let done = fulfil(&req_app, &a_tok, &erase.id).await.unwrap();
        assert_eq!(done.request.unwrap().status, "answered");
        assert_eq!(done.certificates.len(), 1);
        assert_eq!(done.certificates[0].candidate_id, stored.id);
        let gone = vault_app
            .vault()
            .get_candidate(req(
                &vault_app.admin,
                pb::GetCandidateRequest {
                    id: stored.id.clone(),
                    purpose: "check".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(gone.code(), Code::NotFound);
        req_app.stop().await;
        vault_app.stop().await;
    }
}

#[tokio::test]
async fn a_vault_peer_without_a_peer_token_is_a_start_up_error() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: Some(db.url.clone()),
        target: "requests".into(),
        // Test receivers listen on loopback: the operator allows it.
        webhook_allow: vec!["127.0.0.1/32".into(), "::1/128".into()],
        ..Config::default()
    };
    cfg.peers.vault = Some("http://127.0.0.1:9".into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let e = custodian::run(cfg, listener, async {}).await.unwrap_err();
    assert!(format!("{e:#}").contains("peer_token"), "{e:#}");
}

/// DeadlineService in the vault process asks the requests process (its
/// peer) for the open requests' obligations and merges them, tenant-scoped;
/// a requests process that is down makes ListObligations UNAVAILABLE rather
/// than silently short.
#[tokio::test]
async fn deadlines_merge_the_obligations_of_a_requests_peer() {
    for db in all_dbs().await {
        let req_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let req_url = format!("http://{}", req_listener.local_addr().unwrap());
        let opts = AppOptions {
            target: "vault,controllers,audit,agreements,deadlines".into(),
            ..Default::default()
        };
        let mut vault_cfg = config_for(&db, &opts);
        let (_, peer) = custodian::ops::create_token(&vault_cfg, Role::Peer, None, "test-peer")
            .await
            .unwrap();
        let (_, admin) = custodian::ops::create_token(&vault_cfg, Role::Admin, None, "test-admin")
            .await
            .unwrap();
        vault_cfg.peers.requests = Some(req_url.clone());
        vault_cfg.peer_token = Some(peer.clone());
        vault_cfg.peer_timeout_ms = 2_000;
        let vault_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let vault_app = spawn_config(vault_cfg, vault_listener, admin, db.backend).await;
        let (a, _) = vault_app
            .controller_with_agreement("Acme B.V.", "12345678", None)
            .await;
        let (b, _) = vault_app
            .controller_with_agreement("Beta B.V.", "87654321", None)
            .await;
        let a_tok = vault_app.token(Role::Controller, Some(&a.id)).await;
        let b_tok = vault_app.token(Role::Controller, Some(&b.id)).await;

        let own = tempfile::tempdir().unwrap();
        let cfg = requests_config(&db, own.path(), &vault_app, &peer);
        let req_app = spawn_config(cfg, req_listener, vault_app.admin.clone(), db.backend).await;
        let r = requests_client(&req_app)
            .create_request(req(&a_tok, create(&a.id, "access", "jan@example.nl")))
            .await
            .unwrap()
            .into_inner();

        let from_vault_process = vault_app.obligations(&vault_app.admin, "requests").await;
        assert_eq!(from_vault_process.len(), 1, "{from_vault_process:?}");
        assert_eq!(from_vault_process[0].object_id, r.id);
        assert_eq!(from_vault_process[0].rule, "dsr.response");
        assert_eq!(vault_app.obligations(&a_tok, "requests").await.len(), 1);
        assert!(
            vault_app.obligations(&b_tok, "requests").await.is_empty(),
            "another tenant's obligations never reach B"
        );
        // Every source at once: the peer's obligations merge with the rest.
        let all = vault_app.obligations(&vault_app.admin, "").await;
        assert!(all.iter().any(|o| o.object_id == r.id));

        req_app.stop().await;
        let e = vault_app
            .deadlines()
            .list_obligations(req(&vault_app.admin, pb::ListObligationsRequest::default()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unavailable, "{e:?}");
        assert!(e.message().contains("requests"), "{e:?}");
        vault_app.stop().await;
    }
}
