//! What the gRPC health service reports for this process: each hosted
//! service is SERVING only while its database can be reached and its writes
//! commit, and (in a split) while the peers it needs answer. Load balancers
//! and orchestrators read it; standard gRPC clients need nothing else to stop
//! sending work that would fail.
//!
//! Two watchers feed it. The storage watcher pings the database every
//! `db_health_interval_ms` and is woken at once by a write that failed for an
//! outage (`store::outage::Health`); while writes fail it tries a write that
//! changes nothing (`audit::probe_write`) once an interval, so the process
//! turns SERVING again without waiting for traffic a load balancer no longer
//! sends. The peer watcher asks each required peer's health.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use store::sea_orm::DatabaseConnection;
use tokio::sync::Mutex;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::Target;
use crate::peers::Peer;

pub struct Serving {
    reporter: HealthReporter,
    targets: Vec<Target>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    storage: bool,
    peers: BTreeMap<Target, bool>,
    /// What was last published, by gRPC service name ("" for the process).
    published: BTreeMap<&'static str, bool>,
}

impl Serving {
    /// Everything SERVING (the database was just opened and migrated).
    pub async fn start(reporter: HealthReporter, targets: Vec<Target>) -> Arc<Serving> {
        let s = Arc::new(Serving {
            reporter,
            targets,
            state: Mutex::new(State {
                storage: true,
                ..State::default()
            }),
        });
        s.publish().await;
        s
    }

    async fn set_storage(&self, ok: bool) {
        self.state.lock().await.storage = ok;
        self.publish().await;
    }

    async fn set_peers(&self, up: BTreeMap<Target, bool>) {
        self.state.lock().await.peers = up;
        self.publish().await;
    }

    async fn publish(&self) {
        let mut st = self.state.lock().await;
        let mut wanted: Vec<(&'static str, bool)> = vec![("", st.storage)];
        for t in &self.targets {
            let ok = st.storage && st.peers.get(t).copied().unwrap_or(true);
            wanted.push((t.grpc_name(), ok));
        }
        for (name, ok) in wanted {
            if st.published.get(name) != Some(&ok) {
                let status = if ok {
                    ServingStatus::Serving
                } else {
                    ServingStatus::NotServing
                };
                self.reporter.set_service_status(name, status).await;
                st.published.insert(name, ok);
            }
        }
    }
}

/// The storage watcher (see the module's text).
pub fn watch_storage(
    serving: Arc<Serving>,
    db: DatabaseConnection,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let health = store::outage::health(&db);
        let mut probe_due = false;
        loop {
            let ok = match store::outage::reachable(&db).await {
                Err(outage) => {
                    tracing::warn!(%outage, "the database cannot be reached: NOT_SERVING");
                    false
                }
                Ok(()) => {
                    if health.writes_failing() && probe_due {
                        match audit::probe_write(&db).await {
                            Ok(()) => tracing::info!("writes commit again: SERVING"),
                            Err(e) => tracing::warn!(error = %e, "writes still fail: NOT_SERVING"),
                        }
                    }
                    !health.writes_failing()
                }
            };
            serving.set_storage(ok).await;
            tokio::select! {
                _ = tokio::time::sleep(every) => probe_due = true,
                _ = health.failure() => probe_due = false,
            }
        }
    })
}

/// The peer watcher: a service whose required peer is unreachable reports
/// NOT_SERVING, so a load balancer stops sending it work it cannot do.
pub fn watch_peers(
    serving: Arc<Serving>,
    required: Vec<(Target, Peer, &'static str)>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut up: BTreeMap<Target, bool> = BTreeMap::new();
            for (t, peer, service) in &required {
                let ok = peer.serving(service).await;
                if !ok {
                    tracing::warn!(
                        hosted = t.name(),
                        peer = service,
                        "a required peer is unreachable: NOT_SERVING"
                    );
                }
                *up.entry(*t).or_insert(true) &= ok;
            }
            serving.set_peers(up).await;
            tokio::time::sleep(every).await;
        }
    })
}
