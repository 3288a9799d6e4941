//! TLS on the gRPC listener (rustls; certificate and key from files made in
//! the test), with client certificates optional or required; custodianctl
//! over `https://` with `--ca-file`; the DPO console reaching its own TLS
//! listener; plaintext and untrusted clients refused.

use std::path::PathBuf;
use std::time::Duration;

use auth::Role;
use custodian::config::{ClientAuth, Tls};
use custodian_tests::console::Web;
use custodian_tests::*;
use proto::v1 as pb;
use testkit::TestDb;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

struct Pki {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    /// A certificate of another CA, for a client nobody trusts.
    stranger_cert: PathBuf,
    stranger_key: PathBuf,
    stranger_ca: PathBuf,
}

fn issue(dir: &std::path::Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{name} CA"));
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let leaf = params.signed_by(&key, &ca).unwrap();
    let (c, k, a) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}-ca.pem")),
    );
    std::fs::write(&c, leaf.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    std::fs::write(&a, ca.pem()).unwrap();
    (c, k, a)
}

fn pki(dir: &std::path::Path) -> Pki {
    let (cert, key, ca) = issue(dir, "custodian");
    let (stranger_cert, stranger_key, stranger_ca) = issue(dir, "stranger");
    Pki {
        ca,
        cert,
        key,
        stranger_cert,
        stranger_key,
        stranger_ca,
    }
}

async fn start(
    db: &TestDb,
    tls: Tls,
) -> (
    std::net::SocketAddr,
    std::net::SocketAddr,
    String,
    tokio::sync::oneshot::Sender<()>,
) {
    let mut config = config_for(db, &AppOptions::default());
    config.tls = tls;
    let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "tls admin")
        .await
        .unwrap();
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let console = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (addr, caddr) = (grpc.local_addr().unwrap(), console.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        custodian::serve(
            config,
            grpc,
            custodian::Extra {
                console: Some(console),
                metrics: None,
            },
            async {
                let _ = rx.await;
            },
        )
        .await
        .expect("server");
    });
    (addr, caddr, admin, tx)
}

async fn who(
    addr: std::net::SocketAddr,
    scheme: &str,
    tls: Option<ClientTlsConfig>,
    token: &str,
) -> Result<pb::WhoAmIResponse, String> {
    let mut e = Channel::from_shared(format!("{scheme}://{addr}"))
        .unwrap()
        .connect_timeout(Duration::from_secs(2));
    if let Some(t) = tls {
        e = e.tls_config(t).map_err(|e| e.to_string())?;
    }
    let mut last = String::new();
    for _ in 0..40 {
        match e.connect().await {
            Ok(ch) => {
                return pb::identity_service_client::IdentityServiceClient::new(ch)
                    .who_am_i(req(token, pb::WhoAmIRequest {}))
                    .await
                    .map(|r| r.into_inner())
                    .map_err(|s| format!("{s:?}"));
            }
            Err(err) => last = format!("{err:?}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(last)
}

fn trust(p: &PathBuf) -> ClientTlsConfig {
    ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(std::fs::read(p).unwrap()))
        .domain_name("localhost")
}

#[tokio::test]
async fn the_listener_speaks_tls_and_checks_client_certificates() {
    let db = TestDb::new(Backend::Sqlite).await;
    let p = pki(db.dir.path());
    let tls = Tls {
        cert_file: Some(p.cert.clone()),
        key_file: Some(p.key.clone()),
        ca_file: Some(p.ca.clone()),
        client_ca_file: Some(p.ca.clone()),
        client_auth: ClientAuth::Optional,
        server_name: "localhost".into(),
    };
    let (addr, caddr, admin, stop) = start(&db, tls.clone()).await;
    // A client trusting the CA is served.
    let w = who(addr, "https", Some(trust(&p.ca)), &admin)
        .await
        .expect("TLS call");
    assert_eq!(w.role, "admin");
    // Plaintext, and a client trusting another CA, are not.
    assert!(
        who(addr, "http", None, &admin).await.is_err(),
        "plaintext refused"
    );
    assert!(
        who(addr, "https", Some(trust(&p.stranger_ca)), &admin)
            .await
            .is_err(),
        "untrusted server certificate"
    );
    // Optional client certificates: one from an unknown CA is refused.
    let stranger = trust(&p.ca).identity(Identity::from_pem(
        std::fs::read(&p.stranger_cert).unwrap(),
        std::fs::read(&p.stranger_key).unwrap(),
    ));
    assert!(
        who(addr, "https", Some(stranger), &admin).await.is_err(),
        "a client certificate of another CA"
    );
    // custodianctl over https with --ca-file; without it, a clear error.
    let url = format!("https://127.0.0.1:{}", addr.port());
    let ca = p.ca.display().to_string();
    let run = |args: Vec<String>| async move {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = custodianctl::run(args.into_iter(), &mut out, &mut err).await;
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    };
    let args = |extra: &[&str]| {
        let mut v: Vec<String> = ["custodianctl", "--server", &url, "--token", &admin]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let (code, out, err) = run(args(&["--ca-file", &ca, "--output", "json", "whoami"])).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("admin"), "{out}");
    let (code, _, err) = run(args(&["whoami"])).await;
    assert_ne!(code, 0);
    assert!(err.contains("--ca-file"), "{err}");
    // The console reaches its own TLS listener: sign-in and a page.
    let mut web = Web::at(format!("http://{caddr}"));
    let r = web.sign_in(&admin).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(web.get("/tenants").await.status, 200);
    let _ = stop.send(());

    // Required client certificates: none is refused, ours is served.
    let db2 = TestDb::new(Backend::Sqlite).await;
    let (addr, _, admin, stop) = start(
        &db2,
        Tls {
            client_auth: ClientAuth::Required,
            ..tls
        },
    )
    .await;
    assert!(
        who(addr, "https", Some(trust(&p.ca)), &admin)
            .await
            .is_err(),
        "no client certificate"
    );
    let ours = trust(&p.ca).identity(Identity::from_pem(
        std::fs::read(&p.cert).unwrap(),
        std::fs::read(&p.key).unwrap(),
    ));
    assert_eq!(
        who(addr, "https", Some(ours), &admin)
            .await
            .expect("with a client certificate")
            .role,
        "admin"
    );
    let _ = stop.send(());
}

/// A channel with our client certificate to an mTLS listener.
async fn mtls(addr: std::net::SocketAddr, p: &Pki) -> Channel {
    let t = trust(&p.ca).identity(Identity::from_pem(
        std::fs::read(&p.cert).unwrap(),
        std::fs::read(&p.key).unwrap(),
    ));
    let e = Channel::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(t)
        .unwrap();
    for _ in 0..100 {
        if let Ok(c) = e.connect().await {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{addr} did not come up");
}

#[tokio::test]
async fn peers_call_each_other_over_mutual_tls() {
    let db = TestDb::new(Backend::Sqlite).await;
    let p = pki(db.dir.path());
    let tls = Tls {
        cert_file: Some(p.cert.clone()),
        key_file: Some(p.key.clone()),
        ca_file: Some(p.ca.clone()),
        client_ca_file: Some(p.ca.clone()),
        client_auth: ClientAuth::Required,
        server_name: "localhost".into(),
    };
    let owner = config_for(&db, &AppOptions::default());
    custodian::ops::migrate(&owner).await.unwrap();
    let (_, admin) = custodian::ops::create_token(&owner, Role::Admin, None, "admin")
        .await
        .unwrap();
    let (_, peer) = custodian::ops::create_token(&owner, Role::Peer, None, "peer")
        .await
        .unwrap();
    let core_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let vault_l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (core_addr, vault_addr) = (core_l.local_addr().unwrap(), vault_l.local_addr().unwrap());
    let core_url = format!("https://127.0.0.1:{}", core_addr.port());
    let vault_url = format!("https://127.0.0.1:{}", vault_addr.port());
    let mut stops = Vec::new();
    for (name, listener) in [("core", core_l), ("vault", vault_l)] {
        let mut c = config_for(&db, &AppOptions::default());
        c.tls = tls.clone();
        c.peer_token = Some(peer.clone());
        c.migrate_on_start = false;
        c.data_dir = db.dir.path().join(name);
        if name == "core" {
            c.target = "controllers,audit,deadlines,agreements,subprocessors,notifications,breaches,requests,switching".into();
            c.keystore_url = None;
            c.peers.vault = Some(vault_url.clone());
        } else {
            c.target = "vault".into();
            for p in [
                &mut c.peers.controllers,
                &mut c.peers.agreements,
                &mut c.peers.subprocessors,
                &mut c.peers.requests,
                &mut c.peers.breaches,
                &mut c.peers.switching,
            ] {
                *p = Some(core_url.clone());
            }
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            custodian::serve(c, listener, custodian::Extra::default(), async {
                let _ = rx.await;
            })
            .await
            .expect("server");
        });
        stops.push(tx);
    }
    let core = mtls(core_addr, &p).await;
    let vault = mtls(vault_addr, &p).await;
    let ctl = pb::controller_service_client::ControllerServiceClient::new(core.clone())
        .create_controller(req(
            &admin,
            pb::CreateControllerRequest {
                legal_name: "Acme B.V.".into(),
                kvk_number: "12345678".into(),
                country: "NL".into(),
                privacy_email: "privacy@acme.nl".into(),
                dpo_name: "Dana".into(),
                dpo_email: "dpo@acme.nl".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("controller over TLS")
        .into_inner();
    // The vault (its own process) asks core whether the tenant exists: a
    // peer call over mutual TLS.
    let mut c = valid_candidate("ext-1", "Jan Jansen", "jan@example.nl");
    c.tenant_id = ctl.id.clone();
    pb::vault_service_client::VaultServiceClient::new(vault.clone())
        .put_candidate(req(&admin, c))
        .await
        .expect("candidate over TLS");
    // Core's request service finds the subject through the vault peer.
    let r = pb::request_service_client::RequestServiceClient::new(core.clone())
        .create_request(req(
            &admin,
            pb::CreateRequestRequest {
                controller_id: ctl.id.clone(),
                r#type: "access".into(),
                channel: "controller_instruction".into(),
                received_at: proto::wire::timestamp(store::truncate_micros(
                    chrono::Utc::now() - chrono::Duration::hours(1),
                )),
                subject: Some(pb::SubjectIdentifiers {
                    email: "jan@example.nl".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .await
        .expect("request")
        .into_inner();
    let out = pb::request_service_client::RequestServiceClient::new(core.clone())
        .fulfil_request(req(
            &admin,
            pb::FulfilRequestRequest {
                id: r.id,
                ..Default::default()
            },
        ))
        .await
        .expect("fulfil through the vault peer over TLS")
        .into_inner();
    let all: String = out
        .files
        .iter()
        .map(|f| String::from_utf8_lossy(&f.content).into_owned())
        .collect();
    assert!(
        all.contains("ext-1"),
        "the vault's candidate is in the export: {all}"
    );
    for s in stops {
        let _ = s.send(());
    }
}
