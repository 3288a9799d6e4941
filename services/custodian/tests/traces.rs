//! Traces across the processes of the split deployment: two `custodian serve`
//! processes (the requests side and the vault, peers over gRPC) and a
//! `custodian worker --once`, each exporting its spans over OTLP/gRPC to a
//! receiver in this test (the collector's TraceService). One data-subject
//! request fulfilled through both processes is one trace: the vault's span
//! of the peer call is a child of the requests process's span, linked by the
//! W3C `traceparent` the peer call carried.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use proto::v1 as pb;
use tonic::transport::Channel;

/// One span as received, with the service that exported it.
#[derive(Debug, Clone)]
struct Got {
    service: String,
    name: String,
    trace_id: Vec<u8>,
    span_id: Vec<u8>,
    parent_span_id: Vec<u8>,
    attributes: HashMap<String, String>,
}

#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<Got>>>);

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut got = self.0.lock().unwrap();
        for rs in request.into_inner().resource_spans {
            let service = rs
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| text(kv.value.as_ref()?.value.as_ref()?))
                .unwrap_or_default();
            for ss in rs.scope_spans {
                for s in ss.spans {
                    got.push(Got {
                        service: service.clone(),
                        name: s.name,
                        trace_id: s.trace_id,
                        span_id: s.span_id,
                        parent_span_id: s.parent_span_id,
                        attributes: s
                            .attributes
                            .iter()
                            .filter_map(|kv| {
                                Some((kv.key.clone(), text(kv.value.as_ref()?.value.as_ref()?)?))
                            })
                            .collect(),
                    });
                }
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::StringValue(s) => Some(s.clone()),
        Value::IntValue(i) => Some(i.to_string()),
        Value::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

async fn connect(addr: &str) -> Channel {
    let start = Instant::now();
    loop {
        if let Ok(c) = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
        {
            return c;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "nothing answered on {addr}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

/// `custodian ARGS` with the shared databases, its own data directory and
/// service name, exporting to `otlp`.
fn custodian(
    args: &[&str],
    db: &testkit::TestDb,
    data_dir: &std::path::Path,
    service: &str,
    otlp: &str,
    env: &[(&str, &str)],
) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_custodian"));
    c.args(args)
        .env("CUSTODIAN_DATA_DIR", data_dir)
        .env("CUSTODIAN_DATABASE_URL", &db.url)
        .env_remove("CUSTODIAN_MASTER_KEY")
        .env("CUSTODIAN_LOG_LEVEL", "info,sqlx=warn")
        .env("CUSTODIAN_SHUTDOWN_GRACE_MS", "50")
        .env("CUSTODIAN_OTLP_ENDPOINT", otlp)
        .env("CUSTODIAN_OTLP_SERVICE_NAME", service)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// A server process, killed if the test fails before it is stopped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// SIGTERM, then wait: the process flushes its batched spans on the way out.
fn stop(mut p: Proc) {
    let child = &mut p.0;
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the process did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn one_request_is_one_trace_across_the_processes_of_the_split() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dbs = rt.block_on(testkit::all_dbs());
    for db in &dbs {
        rt.block_on(one_trace(db));
    }
}

async fn one_trace(db: &testkit::TestDb) {
    // The receiver: an OTLP/gRPC TraceService on loopback.
    let spans = Receiver::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let otlp = format!("http://{}", listener.local_addr().unwrap());
    let (stop_rx_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let receiver = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(spans.clone()))
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = stop_rx.await;
                },
            ),
    );

    let owner = custodian::Config {
        data_dir: db.dir.path().to_path_buf(),
        database_url: Some(db.url.clone()),
        keystore_url: Some(db.keystore_url.clone()),
        log_level: "warn".into(),
        ..Default::default()
    };
    let (_, admin) = custodian::ops::create_token(&owner, auth::Role::Admin, None, "admin")
        .await
        .unwrap();
    let (_, peer) = custodian::ops::create_token(&owner, auth::Role::Peer, None, "peer")
        .await
        .unwrap();

    // The vault process, and the process of every other service, which
    // reaches the vault as its peer (no key store, no master key).
    let (vault_addr, core_addr) = (free_addr(), free_addr());
    let vault_dir = db.dir.path().join("vault");
    let core_dir = db.dir.path().join("core");
    let vault = custodian(
        &["serve", "--listen", &vault_addr, "--console-listen", "off"],
        db,
        &vault_dir,
        "custodian-vault",
        &otlp,
        &[
            ("CUSTODIAN_TARGET", "vault"),
            ("CUSTODIAN_KEYSTORE_URL", &db.keystore_url),
        ],
    )
    .spawn()
    .map(Proc)
    .expect("start the vault process");
    let vault_ch = connect(&vault_addr).await;
    let vault_url = format!("http://{vault_addr}");
    let core = custodian(
        &["serve", "--listen", &core_addr, "--console-listen", "off"],
        db,
        &core_dir,
        "custodian-core",
        &otlp,
        &[
            (
                "CUSTODIAN_TARGET",
                "controllers,audit,deadlines,agreements,subprocessors,notifications,breaches,requests,switching",
            ),
            ("CUSTODIAN_PEERS__VAULT", &vault_url),
            ("CUSTODIAN_PEER_TOKEN", &peer),
        ],
    )
    .spawn()
    .map(Proc)
    .expect("start the core process");
    let core_ch = connect(&core_addr).await;

    let tenant = pb::controller_service_client::ControllerServiceClient::new(core_ch.clone())
        .create_controller(authed(
            pb::CreateControllerRequest {
                legal_name: "Alpha B.V.".into(),
                kvk_number: "11111111".into(),
                country: "NL".into(),
                privacy_email: "privacy@alpha.nl".into(),
                dpo_name: "Dana".into(),
                dpo_email: "dpo@alpha.nl".into(),
                ..Default::default()
            },
            &admin,
        ))
        .await
        .unwrap()
        .into_inner()
        .id;
    let (_, dpo) =
        custodian::ops::create_token(&owner, auth::Role::Controller, Some(&tenant), "dpo")
            .await
            .unwrap();
    pb::vault_service_client::VaultServiceClient::new(vault_ch.clone())
        .put_candidate(authed(
            pb::PutCandidateRequest {
                tenant_id: tenant.clone(),
                external_ref: "A-1".into(),
                vacancy_ref: "vac-1".into(),
                applied_on: "2026-03-01".into(),
                payload: Some(pb::CandidatePayload {
                    name: "Jan de Vries".into(),
                    email: "jan@example.nl".into(),
                    ..Default::default()
                }),
                categories: vec!["identity".into(), "contact".into()],
            },
            &admin,
        ))
        .await
        .unwrap();

    // One access request, filed and fulfilled on the core process; the
    // export is decrypted by the vault process.
    let mut requests = pb::request_service_client::RequestServiceClient::new(core_ch.clone())
        .max_decoding_message_size(64 * 1024 * 1024);
    let r = requests
        .create_request(authed(
            pb::CreateRequestRequest {
                controller_id: tenant.clone(),
                r#type: "access".into(),
                channel: "controller_instruction".into(),
                received_at: proto::wire::timestamp(store::truncate_micros(
                    chrono::Utc::now() - chrono::Duration::minutes(5),
                )),
                subject: Some(pb::SubjectIdentifiers {
                    email: "jan@example.nl".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &dpo,
        ))
        .await
        .unwrap()
        .into_inner();
    let out = requests
        .fulfil_request(authed(
            pb::FulfilRequestRequest {
                id: r.id.clone(),
                ..Default::default()
            },
            &dpo,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        out.files.iter().any(|f| f.name == "candidates.json"),
        "the export came back from the vault"
    );

    // A worker step is a span of its own.
    let worker = custodian(
        &["worker", "--once"],
        db,
        &vault_dir,
        "custodian-worker",
        &otlp,
        &[
            ("CUSTODIAN_TARGET", "vault"),
            ("CUSTODIAN_KEYSTORE_URL", &db.keystore_url),
        ],
    )
    .status()
    .expect("run the worker");
    assert!(worker.success());

    stop(core);
    stop(vault);
    let want = |g: &[Got]| {
        ["custodian-core", "custodian-vault", "custodian-worker"]
            .iter()
            .all(|s| g.iter().any(|x| x.service == *s))
    };
    let start = Instant::now();
    while !want(&spans.0.lock().unwrap()) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "spans of every process within 20 s; got {:?}",
            spans
                .0
                .lock()
                .unwrap()
                .iter()
                .map(|g| (&g.service, &g.name))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop_rx_tx.send(());
    let _ = receiver.await;
    let got = spans.0.lock().unwrap().clone();

    // The core's span of FulfilRequest is a root: the client sent no traceparent.
    let fulfil = got
        .iter()
        .find(|g| {
            g.service == "custodian-core" && g.name == "/custodian.v1.RequestService/FulfilRequest"
        })
        .unwrap_or_else(|| panic!("a span for FulfilRequest: {got:#?}"));
    assert!(fulfil.parent_span_id.is_empty(), "{fulfil:?}");
    assert_eq!(fulfil.attributes.get("rpc.system").unwrap(), "grpc");
    assert_eq!(
        fulfil.attributes.get("rpc.method").unwrap(),
        "FulfilRequest"
    );
    assert_eq!(fulfil.attributes.get("rpc.grpc.status_code").unwrap(), "0");

    // The vault's spans of the peer calls it made are in the same trace,
    // each a child of a span the core exported.
    let core_ids: Vec<&Vec<u8>> = got
        .iter()
        .filter(|g| g.service == "custodian-core" && g.trace_id == fulfil.trace_id)
        .map(|g| &g.span_id)
        .collect();
    let in_vault: Vec<&Got> = got
        .iter()
        .filter(|g| g.service == "custodian-vault" && g.trace_id == fulfil.trace_id)
        .collect();
    assert!(
        !in_vault.is_empty(),
        "the vault's part of the request is in the request's trace: {got:#?}"
    );
    for v in &in_vault {
        assert!(
            v.name.starts_with("/custodian.internal.v1."),
            "only peer calls: {v:?}"
        );
        assert!(
            core_ids.contains(&&v.parent_span_id),
            "the vault's span {} has the core's span as parent: {v:?}",
            v.name
        );
    }
    // Unrelated calls are traces of their own.
    let put = got
        .iter()
        .find(|g| g.name == "/custodian.v1.VaultService/PutCandidate")
        .expect("a span for PutCandidate");
    assert_ne!(put.trace_id, fulfil.trace_id);
    // The worker's sweep.
    assert!(
        got.iter()
            .any(|g| g.service == "custodian-worker" && g.name == "worker.sweep"),
        "{got:#?}"
    );
    // No tenant id and no personal data in any span attribute.
    for g in &got {
        for v in g.attributes.values() {
            assert!(
                !v.contains(&tenant) && !v.contains("jan@example.nl") && !v.contains("Jan de"),
                "{g:?}"
            );
        }
    }
}

#[test]
fn an_otlp_endpoint_that_is_not_a_url_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_custodian"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--console-listen",
            "off",
        ])
        .env("CUSTODIAN_DATA_DIR", dir.path())
        .env("CUSTODIAN_OTLP_ENDPOINT", "collector:4317")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("otlp_endpoint must be an http:// or https:// URL")
            && err.contains("collector:4317"),
        "{err}"
    );
}
