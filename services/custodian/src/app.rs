//! Assembling and running the server: which services to host (`--target`),
//! health and reflection, the auth layer, graceful shutdown.
//!
//! `run(config, listener, shutdown)` is the whole server; `main` only parses
//! flags, binds the port and passes SIGINT/SIGTERM as `shutdown`. Tests call
//! `run` on `127.0.0.1:0` with their own shutdown future (mini-redis style).

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use auth::layer::{AuthLayer, Authenticator};
use proto::service_names;
use tokio::net::TcpListener;
use tonic_health::ServingStatus;

use crate::config::Config;

/// A service the server can host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Controllers,
    Audit,
    Deadlines,
    Vault,
    Agreements,
    Subprocessors,
    Notifications,
    Breaches,
    Requests,
    Switching,
}

impl Target {
    pub const ALL: [Target; 10] = [
        Target::Controllers,
        Target::Audit,
        Target::Deadlines,
        Target::Vault,
        Target::Agreements,
        Target::Subprocessors,
        Target::Notifications,
        Target::Breaches,
        Target::Requests,
        Target::Switching,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Controllers => "controllers",
            Target::Audit => "audit",
            Target::Deadlines => "deadlines",
            Target::Vault => "vault",
            Target::Agreements => "agreements",
            Target::Subprocessors => "subprocessors",
            Target::Notifications => "notifications",
            Target::Breaches => "breaches",
            Target::Requests => "requests",
            Target::Switching => "switching",
        }
    }

    /// The fully qualified gRPC service name health and reflection report.
    pub fn grpc_name(self) -> &'static str {
        match self {
            Target::Controllers => service_names::CONTROLLERS,
            Target::Audit => service_names::AUDIT,
            Target::Deadlines => service_names::DEADLINES,
            Target::Vault => service_names::VAULT,
            Target::Agreements => service_names::AGREEMENTS,
            Target::Subprocessors => service_names::SUBPROCESSORS,
            Target::Notifications => service_names::NOTIFICATIONS,
            Target::Breaches => service_names::BREACHES,
            Target::Requests => service_names::REQUESTS,
            Target::Switching => service_names::SWITCHING,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown target {0:?}: known targets are all, {known}", known = Target::ALL.map(Target::name).join(", "))]
pub struct UnknownTarget(pub String);

/// Parses `all` or a comma list such as `controllers,audit`.
pub fn parse_targets(s: &str) -> Result<BTreeSet<Target>, UnknownTarget> {
    let mut set = BTreeSet::new();
    for part in s.split(',').map(str::trim) {
        if part == "all" {
            set.extend(Target::ALL);
            continue;
        }
        let t = Target::ALL
            .into_iter()
            .find(|t| t.name() == part)
            .ok_or_else(|| UnknownTarget(part.to_owned()))?;
        set.insert(t);
    }
    Ok(set)
}

fn reflection(targets: &BTreeSet<Target>) -> tonic_reflection::server::Builder<'static> {
    let mut b = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .with_service_name("grpc.health.v1.Health")
        .with_service_name(service_names::IDENTITY)
        .with_service_name("grpc.reflection.v1.ServerReflection");
    for t in targets {
        b = b.with_service_name(t.grpc_name());
        if *t == Target::Controllers {
            b = b.with_service_name(service_names::TOKENS);
            b = b.with_service_name(service_names::PEOPLE);
            b = b.with_service_name(service_names::SIGN_IN);
        }
    }
    b
}

/// Runs the server until `shutdown` resolves, then flips health to
/// NOT_SERVING, keeps serving for the grace period, stops accepting and
/// lets in-flight calls finish.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve(config, listener, Extra::default(), shutdown).await
}

/// The listeners besides gRPC: the DPO console and the metrics.
#[derive(Default)]
pub struct Extra {
    pub console: Option<TcpListener>,
    pub metrics: Option<TcpListener>,
}

/// Where the console sends each service's calls: this process's own
/// listener for what it hosts (and for what no peer is named for), the
/// peer's address for what another process hosts.
pub fn console_backend(
    config: &Config,
    targets: &BTreeSet<Target>,
    grpc: std::net::SocketAddr,
) -> anyhow::Result<console::Backend> {
    use console::Service as S;
    let ip = if grpc.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        grpc.ip()
    };
    let tls = config.tls.enabled();
    let own = format!(
        "{}://{}",
        if tls { "https" } else { "http" },
        std::net::SocketAddr::new(ip, grpc.port())
    );
    let p = &config.peers;
    let mut routed = Vec::new();
    for (service, target, peer) in [
        (S::Vault, Target::Vault, &p.vault),
        (S::Controllers, Target::Controllers, &p.controllers),
        (S::Agreements, Target::Agreements, &p.agreements),
        (S::Subprocessors, Target::Subprocessors, &p.subprocessors),
        (S::Requests, Target::Requests, &p.requests),
        (S::Breaches, Target::Breaches, &p.breaches),
        (S::Switching, Target::Switching, &p.switching),
        (S::Deadlines, Target::Deadlines, &p.deadlines),
        (S::Audit, Target::Audit, &p.audit),
        (S::Notifications, Target::Notifications, &p.notifications),
    ] {
        if let Some(addr) = peer.as_ref().filter(|_| !targets.contains(&target)) {
            routed.push((service, addr.clone()));
        }
    }
    let own_tls = tls
        .then(|| config.tls.client(Some(&config.tls.server_name)))
        .transpose()?;
    let peer_tls = config.tls.client(None)?;
    Ok(console::Backend::new(
        &own,
        &routed,
        Duration::from_millis(config.peer_timeout_ms.max(1_000) * 2),
        own_tls,
        Some(peer_tls),
    )?)
}

/// [`run`], and the DPO console and the metrics on their listeners when
/// given: all stop when `shutdown` resolves.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    extra: Extra,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let Extra { console, metrics } = extra;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    let shutdown = stopped(stop_rx.clone());
    let targets = parse_targets(&config.target)?;
    // The audit entries' writer on SQLite (PostgreSQL records the login role).
    audit::set_process_name(&format!("custodian:{}", config.target));
    let db_url = config.database_url();
    let built = crate::assembly::Assembly::build(&config, targets.clone()).await?;
    let db = built.db.clone();

    let (health, health_svc) = tonic_health::server::health_reporter();
    let mut routes = tonic::service::RoutesBuilder::default();
    routes.add_service(health_svc);
    // Who the caller is: every process answers it (no database).
    routes.add_service(auth::identity::service());
    let processing = &built.processing;
    for t in &targets {
        match t {
            Target::Controllers => {
                routes.add_service(controllers::service(db.clone(), config.webhook_targets()?));
                routes.add_service(controllers::peer::service(db.clone()));
                routes.add_service(controllers::tokens::service(db.clone()));
                routes.add_service(controllers::people::service(
                    db.clone(),
                    config.mail.enabled(),
                ));
                let sign_in = controllers::signin::SignIn::new(db.clone(), &config.sign_in)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                routes.add_service(controllers::signin::service(std::sync::Arc::new(sign_in)));
            }
            Target::Audit => {
                routes.add_service(audit::grpc::service(db.clone()));
            }
            Target::Deadlines => {
                // Every hosted source and every peer's.
                let mut sources = built.hosted_sources.clone();
                sources.extend(built.peer_sources.iter().cloned());
                routes.add_service(deadlines::service(sources));
            }
            Target::Vault => {
                if let Some(v) = &built.vault {
                    routes.add_service(vault::grpc::service(v.clone()));
                    // What the other processes of a split ask of the vault.
                    routes.add_service(vault::peer::service(v.clone()));
                }
            }
            Target::Agreements => {
                routes.add_service(agreements::service(processing.agreements.clone()));
                routes.add_service(agreements::peer::service(processing.agreements.clone()));
            }
            Target::Subprocessors => {
                routes.add_service(subprocessors::service(processing.subprocessors.clone()));
                routes.add_service(subprocessors::peer::service(
                    processing.subprocessors.clone(),
                ));
            }
            Target::Notifications => {
                routes.add_service(outbox::grpc::service(db.clone()));
            }
            Target::Breaches => {
                routes.add_service(breaches::service(processing.breaches.clone()));
            }
            Target::Requests => {
                if let Some(r) = &built.requests {
                    routes.add_service(requests::service(r.clone()));
                    routes.add_service(requests::peer::service(r.clone()));
                }
            }
            Target::Switching => {
                if let Some(s) = &built.switching {
                    routes.add_service(switching::service(s.clone()));
                }
            }
        }
    }
    // What a peer's DeadlineService asks of this process (peers only).
    if !built.hosted_sources.is_empty() {
        routes.add_service(deadlines::peer::service(built.hosted_sources.clone()));
    }
    // Reflection advertises exactly what this process hosts.
    routes.add_service(reflection(&targets).build_v1()?);
    routes.add_service(reflection(&targets).build_v1alpha()?);
    let serving =
        crate::serving::Serving::start(health.clone(), targets.iter().copied().collect()).await;
    let mut watchers = vec![crate::serving::watch_storage(
        serving.clone(),
        db.clone(),
        Duration::from_millis(config.db_health_interval_ms.max(10)),
    )];
    if !built.required.is_empty() {
        watchers.push(crate::serving::watch_peers(
            serving,
            built.required.clone(),
            Duration::from_millis(config.peer_health_interval_ms.max(10)),
        ));
    }

    // A failed console sign-in is audited (never the token; the client is
    // throttled, so at most `auth::layer::MAX_FAILURES` a minute each).
    let audit_db = db.clone();
    let auth = Authenticator::new(db.clone(), Duration::from_millis(config.auth_cache_ttl_ms))
        .on_failed_sign_in(std::sync::Arc::new(move |reason| {
            let db = audit_db.clone();
            tokio::spawn(async move {
                let r = audit::Record::new(
                    &audit::Actor::system("console"),
                    "console.sign_in_failed",
                    "console",
                    "sign-in",
                )
                .details(serde_json::json!({ "reason": reason }));
                if let Err(e) = audit::record(&db, r).await {
                    tracing::warn!(error = %e, "a failed sign-in could not be audited");
                }
            });
        }));
    let addr = listener.local_addr()?;
    let metrics_on = metrics.is_some();
    let metrics_task = match metrics {
        Some(l) => {
            let maddr = l.local_addr()?;
            let collector = crate::metrics::Collector {
                db: db.clone(),
                vault: built.vault.is_some() && targets.contains(&Target::Vault),
                outbox: targets.contains(&Target::Notifications),
                sources: built.hosted_sources.clone(),
            };
            tracing::info!(addr = %maddr, "metrics on http://{maddr}/metrics");
            let stop = stopped(stop_rx.clone());
            Some(tokio::spawn(async move {
                if let Err(e) = crate::metrics::serve(l, collector, stop).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            }))
        }
        None => None,
    };
    let console_task = match console {
        Some(l) => {
            let caddr = l.local_addr()?;
            let router = console::router(
                console_backend(&config, &targets, addr)?,
                &config.console.settings(caddr)?,
            );
            let limits = config.console.limits();
            tracing::info!(addr = %caddr, "DPO console serving on http://{caddr}");
            let stop = stopped(stop_rx.clone());
            Some(tokio::spawn(async move {
                if let Err(e) = console::serve(l, router, limits, stop).await {
                    tracing::error!(error = %e, "the DPO console stopped");
                }
            }))
        }
        None => None,
    };
    tracing::info!(
        %addr,
        targets = %targets.iter().map(|t| t.name()).collect::<Vec<_>>().join(","),
        database = %store::redact_url(&db_url),
        "custodian serving"
    );

    let grace = Duration::from_millis(config.shutdown_grace_ms);
    let names: Vec<&'static str> = targets.iter().map(|t| t.grpc_name()).collect();
    let stop = async move {
        shutdown.await;
        for w in watchers {
            w.abort();
        }
        tracing::info!(
            grace_ms = grace.as_millis() as u64,
            "shutdown requested: health is NOT_SERVING, draining"
        );
        for n in names {
            health
                .set_service_status(n, ServingStatus::NotServing)
                .await;
        }
        health
            .set_service_status("", ServingStatus::NotServing)
            .await;
        tokio::time::sleep(grace).await;
        tracing::info!("no longer accepting connections; finishing in-flight calls");
    };

    // Dead peers are found by HTTP/2 pings; silent and slow sockets by the
    // listener's limits (netguard), which also cap the connections.
    let mut server = tonic::transport::Server::builder()
        .http2_keepalive_interval(Some(Duration::from_millis(config.grpc_keepalive_ms.max(1))))
        .http2_keepalive_timeout(Some(Duration::from_millis(
            config.grpc_keepalive_timeout_ms.max(1),
        )));
    if let Some(t) = config.tls.server()? {
        server = server.tls_config(t)?;
    }
    server
        // One span per call, child of the caller's (traceparent) when there
        // is one; outermost, so the auth layer's refusals are traced too.
        .layer(crate::telemetry::GrpcTraceLayer)
        // So refusals by the auth layer are counted too.
        .layer(tower::util::option_layer(
            metrics_on.then_some(crate::metrics::GrpcMetricsLayer),
        ))
        .layer(AuthLayer::new(auth, config.request_budget_bytes))
        .add_routes(routes.routes())
        // Small unary responses must not wait for delayed ACKs (Nagle): the
        // acceptor sets TCP_NODELAY on every connection it lets in.
        .serve_with_incoming_shutdown(
            netguard::Acceptor::new(listener, config.grpc_limits(), "grpc").into_stream(),
            stop,
        )
        .await?;
    for t in [console_task, metrics_task].into_iter().flatten() {
        let _ = t.await;
    }
    built.close().await;
    tracing::info!("custodian stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(parse_targets("all").unwrap().len(), Target::ALL.len());
        assert_eq!(
            parse_targets("controllers, audit")
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            vec![Target::Controllers, Target::Audit]
        );
        let e = parse_targets("controllers,vaults").unwrap_err();
        assert!(e.to_string().contains("\"vaults\""), "{e}");
        assert!(
            e.to_string()
                .contains("known targets are all, controllers, audit, deadlines, vault, agreements, subprocessors, notifications, breaches, requests, switching"),
            "{e}"
        );
    }
}
