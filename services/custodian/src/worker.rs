//! `custodian worker`: the retention sweep of the vault (followed by the
//! erasure of tenants whose switch or exit is due) and the delivery of the
//! outbox, each on its own interval, until shutdown. Several workers may
//! run side by side: both claim their work with leases (and SKIP LOCKED on
//! PostgreSQL).

use std::future::Future;
use std::time::Duration;

use crate::config::Config;

/// One delivery round of the outbox.
pub async fn deliver_once(config: &Config) -> anyhow::Result<outbox::DeliveryReport> {
    let db = store::open_main(&config.database_url()).await?;
    let d = crate::wiring::deliverer(config, db.clone())?;
    let r = d.run_once().await?;
    db.close().await.ok();
    Ok(r)
}

/// The switching service over an opened vault, for the erasure step.
fn switching(
    config: &Config,
    db: store::sea_orm::DatabaseConnection,
    v: std::sync::Arc<vault::Vault>,
) -> std::sync::Arc<switching::Switching> {
    let processing = crate::wiring::processing(config, db.clone());
    let requests = crate::wiring::requests(db.clone(), v.clone(), processing.agreements.clone());
    crate::wiring::switching(db, v, processing.agreements, requests)
}

/// One tenant-erasure round: every tenant whose switch or exit is due is
/// erased (keys first, then rows) and gets its certificate. Returns the
/// switches erased.
pub async fn erase_tenants_once(config: &Config) -> anyhow::Result<Vec<String>> {
    Ok(switching_once(config).await?.erased)
}

/// One switching round: retrieval reminders, agreements ended with their
/// contracts, tenant erasures, webhooks removed after the erasure notice.
pub async fn switching_once(config: &Config) -> anyhow::Result<switching::service::Advance> {
    let v = crate::ops::open_vault(config).await?;
    let db = store::open_main(&config.database_url()).await?;
    let s = switching(config, db.clone(), v);
    let done = s.advance(&audit::Actor::system("switching-worker")).await?;
    db.close().await.ok();
    Ok(done)
}

/// Runs until `shutdown` resolves.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let v = crate::ops::open_vault(&config).await?;
    let db = store::open_main(&config.database_url()).await?;
    let deliverer = crate::wiring::deliverer(&config, db.clone())?;
    let switching = switching(&config, db, v.clone());
    let actor = audit::Actor::system("vault-worker");
    let eraser = audit::Actor::system("switching-worker");
    tokio::pin!(shutdown);
    let mut sweep_every =
        tokio::time::interval(Duration::from_secs(config.worker_interval_secs.max(1)));
    let mut deliver_every =
        tokio::time::interval(Duration::from_millis(config.outbox_poll_ms.max(10)));
    sweep_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    deliver_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut shredded = 0u64;
    let mut delivered = 0u64;
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = sweep_every.tick() => {
                match v.sweep(&actor, config.worker_batch.max(1)).await {
                    Ok(r) => {
                        shredded += r.shredded;
                        tracing::info!(
                            shredded = r.shredded,
                            claimed = r.claimed,
                            batches = r.batches,
                            total_shredded = shredded,
                            reshredded_keys = r.reconcile.reshredded_keys,
                            "retention sweep"
                        );
                    }
                    Err(e) => tracing::error!(error = %e, "retention sweep failed; retrying next interval"),
                }
                match switching.advance(&eraser).await {
                    Ok(done) if done == switching::service::Advance::default() => {}
                    Ok(done) => tracing::info!(
                        reminded = ?done.reminded,
                        agreements_ended = ?done.agreements_ended,
                        erased = ?done.erased,
                        webhooks_closed = ?done.webhooks_closed,
                        "switching round"
                    ),
                    Err(e) => tracing::error!(error = %e, "switching round failed; retrying next interval"),
                }
            }
            _ = deliver_every.tick() => {
                // Drain what is due, a batch at a time, before sleeping again.
                loop {
                    match deliverer.run_once().await {
                        Ok(r) if r.claimed == 0 => break,
                        Ok(r) => {
                            delivered += r.delivered;
                            tracing::info!(
                                delivered = r.delivered,
                                failed = r.failed,
                                dead = r.dead,
                                total_delivered = delivered,
                                "outbox delivery"
                            );
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "outbox delivery failed; retrying next interval");
                            break;
                        }
                    }
                }
            }
        }
    }
    tracing::info!(
        total_shredded = shredded,
        total_delivered = delivered,
        "worker stopped"
    );
    Ok(())
}
