//! `custodian worker`: the retention sweep of the vault (followed by the
//! erasure of tenants whose switch or exit is due) and the delivery of the
//! outbox, each on its own interval, until shutdown. Several workers may
//! run side by side: both claim their work with leases (and SKIP LOCKED on
//! PostgreSQL).

use std::future::Future;
use std::time::Duration;
use tracing::Instrument;

use crate::app::Target;
use crate::assembly::Assembly;
use crate::config::Config;

/// What this worker does, by the services its `target` names: the
/// retention sweep where the vault is (it needs the keys), the switching
/// round where switching is (reaching the vault, requests, controllers and
/// agreements through their links), outbox delivery where notifications
/// are (webhooks through the controllers link).
async fn assemble(config: &Config) -> anyhow::Result<Assembly> {
    Assembly::build(config, crate::app::parse_targets(&config.target)?).await
}

/// One delivery round of the outbox.
pub async fn deliver_once(config: &Config) -> anyhow::Result<outbox::DeliveryReport> {
    let a = assemble(config).await?;
    let r = a.deliverer(config)?.run_once().await?;
    a.close().await;
    Ok(r)
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
    let a = assemble(config).await?;
    let s = a
        .switching
        .clone()
        .ok_or_else(|| anyhow::anyhow!("target {} does not host switching", config.target))?;
    let done = s.advance(&audit::Actor::system("switching-worker")).await?;
    a.close().await;
    Ok(done)
}

/// What `custodian worker --once` did: each job of the worker's target
/// once (`None`: not this worker's job).
#[derive(Debug, serde::Serialize)]
pub struct Once {
    pub sweep: Option<vault::SweepReport>,
    pub switching: Option<switching::service::Advance>,
    pub tenants_erased: Option<Vec<String>>,
    pub delivery: Option<outbox::DeliveryReport>,
    /// E-mail: what the planner planned and the mailer sent.
    pub mail: Option<MailOnce>,
}

/// One round of the e-mail jobs.
#[derive(Debug, serde::Serialize)]
pub struct MailOnce {
    pub planned: crate::mail::PlanReport,
    pub sent: outbox::mail::MailReport,
}

/// One round of every job of the worker's target.
pub async fn once(config: &Config) -> anyhow::Result<Once> {
    once_with(config, &|_| {}).await
}

/// [`once`], telling `shredded` after each sweep batch how many candidates
/// it shredded (the progress of a large sweep).
pub async fn once_with(
    config: &Config,
    shredded: &(dyn Fn(u64) + Send + Sync),
) -> anyhow::Result<Once> {
    let a = assemble(config).await?;
    let sweep = match a.vault.clone().filter(|_| a.hosts(Target::Vault)) {
        Some(v) => Some(
            v.sweep_with(
                &audit::Actor::system("vault-worker"),
                config.worker_batch.max(1),
                shredded,
            )
            .instrument(tracing::info_span!("worker.sweep"))
            .await?,
        ),
        None => None,
    };
    let switching = match &a.switching {
        Some(s) => Some(
            s.advance(&audit::Actor::system("switching-worker"))
                .instrument(tracing::info_span!("worker.switching"))
                .await?,
        ),
        None => None,
    };
    let delivery = match a.hosts(Target::Notifications) {
        true => Some(
            a.deliverer(config)?
                .run_once()
                .instrument(tracing::info_span!("worker.delivery"))
                .await?,
        ),
        false => None,
    };
    let mail = match a.mail_jobs(config).await? {
        Some(crate::assembly::MailJobs {
            planner, mailer, ..
        }) => {
            let planned = planner
                .run_once(store::now_micros())
                .instrument(tracing::info_span!("worker.mail_plan"))
                .await?;
            let mut sent = outbox::mail::MailReport::default();
            // Everything due now, a batch at a time.
            loop {
                let r = mailer
                    .run_once()
                    .instrument(tracing::info_span!("worker.mail"))
                    .await?;
                if r.claimed == 0 {
                    break;
                }
                sent.claimed += r.claimed;
                sent.sent += r.sent;
                sent.failed += r.failed;
                sent.dead += r.dead;
                sent.withdrawn += r.withdrawn;
                if r.failed > 0 {
                    // A failed mail waits for its backoff; do not spin.
                    break;
                }
            }
            Some(MailOnce { planned, sent })
        }
        None => None,
    };
    a.close().await;
    Ok(Once {
        mail,
        tenants_erased: switching.as_ref().map(|s| s.erased.clone()),
        sweep,
        switching,
        delivery,
    })
}

/// Runs until `shutdown` resolves; serves its metrics on `metrics` when
/// given (the sweep's and the outbox's counters, the erasure lag, the
/// outbox's messages, the pool).
pub async fn run(
    config: Config,
    metrics: Option<tokio::net::TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let a = assemble(&config).await?;
    let sweeper = a.vault.clone().filter(|_| a.hosts(Target::Vault));
    let switching = a.switching.clone();
    let deliverer = match a.hosts(Target::Notifications) {
        true => Some(a.deliverer(&config)?),
        false => None,
    };
    let mail = a.mail_jobs(&config).await?;
    let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    let metrics_task = metrics.map(|l| {
        let collector = crate::metrics::Collector {
            db: a.db.clone(),
            vault: sweeper.is_some(),
            outbox: deliverer.is_some(),
            sources: Vec::new(),
        };
        tokio::spawn(async move {
            let stop = async {
                let _ = metrics_stopped.await;
            };
            if let Err(e) = crate::metrics::serve(l, collector, stop).await {
                tracing::error!(error = %e, "the worker's metrics listener stopped");
            }
        })
    });
    tracing::info!(
        sweep = sweeper.is_some(),
        switching = switching.is_some(),
        delivery = deliverer.is_some(),
        mail = mail.is_some(),
        "worker started"
    );
    let actor = audit::Actor::system("vault-worker");
    let eraser = audit::Actor::system("switching-worker");
    tokio::pin!(shutdown);
    let mut sweep_every =
        tokio::time::interval(Duration::from_secs(config.worker_interval_secs.max(1)));
    let mut deliver_every =
        tokio::time::interval(Duration::from_millis(config.outbox_poll_ms.max(10)));
    let mut plan_every = tokio::time::interval(
        mail.as_ref()
            .map(|m| m.plan_every)
            .unwrap_or(Duration::from_secs(60)),
    );
    plan_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    sweep_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    deliver_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut shredded = 0u64;
    let mut delivered = 0u64;
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = sweep_every.tick() => {
                if let Some(v) = &sweeper {
                match v
                    .sweep(&actor, config.worker_batch.max(1))
                    .instrument(tracing::info_span!("worker.sweep"))
                    .await
                {
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
                }
                if let Some(switching) = &switching {
                match switching
                    .advance(&eraser)
                    .instrument(tracing::info_span!("worker.switching"))
                    .await
                {
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
            }
            _ = plan_every.tick(), if mail.is_some() => {
                let Some(crate::assembly::MailJobs { planner, .. }) = &mail else { continue };
                match planner
                    .run_once(store::now_micros())
                    .instrument(tracing::info_span!("worker.mail_plan"))
                    .await
                {
                    Ok(r) if r == crate::mail::PlanReport::default() => {}
                    Ok(r) => tracing::info!(
                        alerts = r.alerts,
                        events = r.events,
                        digests = r.digests,
                        quiet_digests = r.quiet_digests,
                        "mail planned"
                    ),
                    Err(e) => tracing::error!(error = %e, "mail planning failed; retrying next interval"),
                }
            }
            _ = deliver_every.tick(), if deliverer.is_some() => {
                let Some(deliverer) = &deliverer else { continue };
                if let Some(crate::assembly::MailJobs { mailer, .. }) = &mail {
                    loop {
                        match mailer
                            .run_once()
                            .instrument(tracing::info_span!("worker.mail"))
                            .await
                        {
                            Ok(r) if r.claimed == 0 => break,
                            Ok(r) => {
                                tracing::info!(
                                    sent = r.sent,
                                    failed = r.failed,
                                    dead = r.dead,
                                    withdrawn = r.withdrawn,
                                    "mail delivery"
                                );
                                if r.failed > 0 {
                                    break;
                                }
                            }
                            Err(e) => {
                                tracing::error!(error = %e, "mail delivery failed; retrying next interval");
                                break;
                            }
                        }
                    }
                }
                // Drain what is due, a batch at a time, before sleeping again.
                loop {
                    match deliverer
                        .run_once()
                        .instrument(tracing::info_span!("worker.delivery"))
                        .await
                    {
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
    let _ = stop_metrics.send(());
    if let Some(t) = metrics_task {
        let _ = t.await;
    }
    a.close().await;
    Ok(())
}
