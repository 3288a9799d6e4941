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

use anyhow::Context;
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
        .with_service_name("grpc.reflection.v1.ServerReflection");
    for t in targets {
        b = b.with_service_name(t.grpc_name());
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
    let targets = parse_targets(&config.target)?;
    let db_url = config.database_url();
    let db = store::open_main(&db_url)
        .await
        .with_context(|| format!("open database {}", store::redact_url(&db_url)))?;
    let ks_url = config.keystore_url();
    // A vault named in [peers] is reached over gRPC: this process then never
    // opens the key store or the master key.
    let remote_vault = match (&config.peers.vault, targets.contains(&Target::Vault)) {
        (Some(url), false) => Some(crate::peers::Peer::connect("vault", url, &config)?),
        _ => None,
    };
    if remote_vault.is_some() && targets.contains(&Target::Switching) {
        anyhow::bail!(
            "target switching still needs the vault in its own process (its peer API is not built yet): host vault with it, or leave peers.vault unset"
        );
    }
    // The request and switching services work on the vault, so without a
    // vault peer they open it in-process.
    let vault = if targets.contains(&Target::Vault)
        || (remote_vault.is_none()
            && (targets.contains(&Target::Requests) || targets.contains(&Target::Switching)))
    {
        let v = crate::vault::open(&config, db.clone()).await?;
        crate::vault::reconcile_at_start(&v).await?;
        Some(v)
    } else if remote_vault.is_some() {
        None
    } else {
        // The key store is still created and migrated, so both databases exist.
        store::open_keystore(&ks_url)
            .await
            .with_context(|| format!("open key store {}", store::redact_url(&ks_url)))?;
        None
    };

    // Agreements, sub-processors and breaches refer to each other through
    // traits; they are cheap to build, so they exist whatever is hosted.
    let processing = crate::wiring::processing(&config, db.clone());
    let vault_watch = remote_vault.clone();
    let requests = match (&vault, remote_vault) {
        (Some(v), _) => Some(crate::wiring::requests(
            db.clone(),
            v.clone(),
            processing.agreements.clone(),
        )),
        (None, Some(peer)) => Some(crate::wiring::requests_over(
            db.clone(),
            std::sync::Arc::new(crate::peers::RemoteSubjectVault(peer)),
            processing.agreements.clone(),
        )),
        (None, None) => None,
    };
    let switching = match (&vault, &requests) {
        (Some(v), Some(r)) if targets.contains(&Target::Switching) => {
            let s = crate::wiring::switching(
                db.clone(),
                v.clone(),
                processing.agreements.clone(),
                r.clone(),
            );
            // Export builds a stopped process left unfinished start over.
            let resumed = s.resume_exports().await?;
            if resumed > 0 {
                tracing::info!(resumed, "resumed unfinished export builds");
            }
            Some(s)
        }
        _ => None,
    };

    // The obligation sources of the services this process hosts: merged by
    // its own DeadlineService, and answered to the DeadlineService of a peer.
    let mut hosted_sources: Vec<std::sync::Arc<dyn deadlines::ObligationSource>> = Vec::new();
    if let (true, Some(v)) = (targets.contains(&Target::Vault), &vault) {
        hosted_sources.push(v.clone());
    }
    if targets.contains(&Target::Agreements) {
        hosted_sources.push(std::sync::Arc::new(agreements::AgreementObligations(
            processing.agreements.clone(),
        )));
    }
    if targets.contains(&Target::Subprocessors) {
        hosted_sources.push(std::sync::Arc::new(subprocessors::SubprocessorObligations(
            processing.subprocessors.clone(),
        )));
    }
    if targets.contains(&Target::Breaches) {
        hosted_sources.push(std::sync::Arc::new(breaches::BreachObligations(
            processing.breaches.clone(),
        )));
    }
    if let (true, Some(r)) = (targets.contains(&Target::Requests), &requests) {
        hosted_sources.push(std::sync::Arc::new(requests::RequestObligations(r.clone())));
    }
    if let Some(s) = &switching {
        hosted_sources.push(std::sync::Arc::new(switching::SwitchingObligations(
            s.clone(),
        )));
    }
    // Sources hosted by peers: asked over gRPC (the same trait).
    let mut peer_sources: Vec<std::sync::Arc<dyn deadlines::ObligationSource>> = Vec::new();
    if let (Some(url), false) = (&config.peers.requests, targets.contains(&Target::Requests)) {
        peer_sources.push(std::sync::Arc::new(crate::peers::RemoteObligations {
            peer: crate::peers::Peer::connect("requests", url, &config)?,
            service: "requests",
        }));
    }

    let (health, health_svc) = tonic_health::server::health_reporter();
    let mut routes = tonic::service::RoutesBuilder::default();
    routes.add_service(health_svc);
    for t in &targets {
        match t {
            Target::Controllers => {
                routes.add_service(controllers::service(db.clone()));
            }
            Target::Audit => {
                routes.add_service(audit::grpc::service(db.clone()));
            }
            Target::Deadlines => {
                // Every hosted source, an in-process vault opened for the
                // request or switching service, and every peer's.
                let mut sources = hosted_sources.clone();
                if let (false, Some(v)) = (targets.contains(&Target::Vault), &vault) {
                    sources.push(v.clone());
                }
                sources.extend(peer_sources.iter().cloned());
                routes.add_service(deadlines::service(sources));
            }
            Target::Vault => {
                if let Some(v) = &vault {
                    routes.add_service(vault::grpc::service(v.clone()));
                    // What the other processes of a split ask of the vault.
                    routes.add_service(vault::peer::service(v.clone()));
                }
            }
            Target::Agreements => {
                routes.add_service(agreements::service(processing.agreements.clone()));
            }
            Target::Subprocessors => {
                routes.add_service(subprocessors::service(processing.subprocessors.clone()));
            }
            Target::Notifications => {
                routes.add_service(outbox::grpc::service(db.clone()));
            }
            Target::Breaches => {
                routes.add_service(breaches::service(processing.breaches.clone()));
            }
            Target::Requests => {
                if let Some(r) = &requests {
                    routes.add_service(requests::service(r.clone()));
                }
            }
            Target::Switching => {
                if let Some(s) = &switching {
                    routes.add_service(switching::service(s.clone()));
                }
            }
        }
    }
    // What a peer's DeadlineService asks of this process (peers only).
    if !hosted_sources.is_empty() {
        routes.add_service(deadlines::peer::service(hosted_sources.clone()));
    }
    // Reflection advertises exactly what this process hosts.
    routes.add_service(reflection(&targets).build_v1()?);
    routes.add_service(reflection(&targets).build_v1alpha()?);
    for t in &targets {
        health
            .set_service_status(t.grpc_name(), ServingStatus::Serving)
            .await;
    }
    health.set_service_status("", ServingStatus::Serving).await;
    // A service whose required peer is unreachable reports NOT_SERVING, so
    // a load balancer stops sending it work it cannot do.
    let watcher = match (vault_watch, targets.contains(&Target::Requests)) {
        (Some(peer), true) => {
            let h = health.clone();
            let every = Duration::from_millis(config.peer_health_interval_ms.max(10));
            Some(tokio::spawn(async move {
                let mut last = None;
                loop {
                    let up = peer.serving(proto::service_names::VAULT).await;
                    if last != Some(up) {
                        let status = if up {
                            ServingStatus::Serving
                        } else {
                            tracing::warn!("peer vault unreachable: requests is NOT_SERVING");
                            ServingStatus::NotServing
                        };
                        h.set_service_status(Target::Requests.grpc_name(), status)
                            .await;
                        last = Some(up);
                    }
                    tokio::time::sleep(every).await;
                }
            }))
        }
        _ => None,
    };

    let auth = Authenticator::new(db.clone(), Duration::from_millis(config.auth_cache_ttl_ms));
    let addr = listener.local_addr()?;
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
        if let Some(w) = watcher {
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

    tonic::transport::Server::builder()
        .layer(AuthLayer::new(auth))
        .add_routes(routes.routes())
        // Small unary responses must not wait for delayed ACKs (Nagle): set
        // TCP_NODELAY on every accepted connection.
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            stop,
        )
        .await?;
    db.close().await.ok();
    if let Some(v) = vault {
        v.keys.db.clone().close().await.ok();
    }
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
