//! Prometheus metrics on their own listener (`--metrics-listen`, off by
//! default), in the text exposition format.
//!
//! - Per RPC: a tower layer ([`GrpcMetricsLayer`]) counts every call and
//!   times it, by method and gRPC code; no handler has metrics code.
//! - Counted where the work happens, through the `metrics` facade (a no-op
//!   where no recorder is installed): sweep batches, claims and shreds
//!   (vault), outbox attempts by result and their latency (outbox), audit
//!   appends (audit).
//! - Read at each scrape ([`Collector`]): the erasure lag, outbox messages by
//!   status, the hosted services' open and overdue obligations, the database
//!   pool.
//!
//! No label carries a tenant id or personal data: methods come from the
//! permission table (anything else is `other`), codes and results from fixed
//! vocabularies, services from the obligation sources' names.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::routing::get;
use deadlines::{ObligationQuery, ObligationSource};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use store::sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use tokio::net::TcpListener;

const BUCKETS: [f64; 14] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (one per process).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let h = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
            .expect("non-empty buckets")
            .install_recorder()
            .expect("the only metrics recorder of the process");
        describe();
        h
    })
}

fn describe() {
    describe_counter!(
        "custodian_grpc_requests_total",
        "gRPC calls served, by method and gRPC code"
    );
    describe_histogram!(
        "custodian_grpc_request_duration_seconds",
        metrics::Unit::Seconds,
        "gRPC call latency to the response headers, by method and gRPC code"
    );
    describe_counter!(
        "custodian_sweep_batches_total",
        "retention sweep batches claimed"
    );
    describe_counter!(
        "custodian_sweep_claimed_total",
        "candidates claimed by retention sweeps"
    );
    describe_counter!(
        "custodian_sweep_shredded_total",
        "candidates crypto-shredded by retention sweeps"
    );
    describe_gauge!(
        "custodian_erasure_lag_seconds",
        metrics::Unit::Seconds,
        "how long the oldest due candidate (retention ended, not on legal hold) has waited to be shredded; 0 when none waits"
    );
    describe_gauge!(
        "custodian_outbox_messages",
        "outbox messages by status (pending, dead)"
    );
    describe_gauge!(
        "custodian_mail_messages",
        "e-mails to people by status (pending, dead): a dead one waits for an administrator"
    );
    describe_counter!(
        "custodian_mail_attempts_total",
        "e-mail sending attempts by result (sent, failed, dead, withdrawn)"
    );
    describe_counter!(
        "custodian_outbox_attempts_total",
        "webhook delivery attempts by result (delivered, failed, dead)"
    );
    describe_histogram!(
        "custodian_outbox_delivery_duration_seconds",
        metrics::Unit::Seconds,
        "one webhook delivery attempt, connect to last byte"
    );
    describe_gauge!(
        "custodian_obligations",
        "open obligations of the services hosted here, by service and state (open, overdue)"
    );
    describe_counter!(
        "custodian_audit_appends_total",
        "audit entries appended (in their callers' transactions)"
    );
    describe_gauge!(
        "custodian_db_pool_connections",
        "main database pool connections by state (in_use, idle)"
    );
}

/// The `method` label: a method of the permission table, the health and
/// reflection services, or `other` (so no caller can grow the label set).
fn method_label(path: &str) -> &'static str {
    if let Some(m) = auth::permissions::lookup(path) {
        return m.method;
    }
    if path.starts_with("/grpc.health.") {
        "grpc.health"
    } else if path.starts_with("/grpc.reflection.") {
        "grpc.reflection"
    } else {
        "other"
    }
}

fn code_label(c: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match c {
        Ok => "OK",
        Cancelled => "Canceled",
        Unknown => "Unknown",
        InvalidArgument => "InvalidArgument",
        DeadlineExceeded => "DeadlineExceeded",
        NotFound => "NotFound",
        AlreadyExists => "AlreadyExists",
        PermissionDenied => "PermissionDenied",
        ResourceExhausted => "ResourceExhausted",
        FailedPrecondition => "FailedPrecondition",
        Aborted => "Aborted",
        OutOfRange => "OutOfRange",
        Unimplemented => "Unimplemented",
        Internal => "Internal",
        Unavailable => "Unavailable",
        DataLoss => "DataLoss",
        Unauthenticated => "Unauthenticated",
    }
}

/// The gRPC code of response headers: `grpc-status` when the call failed
/// before its body (every unary error, every refusal before a handler), else
/// OK (a stream's final status travels in the trailers).
pub fn header_code(headers: &http::HeaderMap) -> tonic::Code {
    headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse::<i32>().ok())
        .map(tonic::Code::from)
        .unwrap_or(tonic::Code::Ok)
}

/// Counts and times every gRPC call. The code is the `grpc-status` of the
/// response headers (every unary error, and every refusal before a
/// handler), else OK; a stream that fails after its first message counts as
/// OK here (its status travels in the trailers).
#[derive(Clone, Default)]
pub struct GrpcMetricsLayer;

impl<S> tower::Layer<S> for GrpcMetricsLayer {
    type Service = GrpcMetrics<S>;
    fn layer(&self, inner: S) -> GrpcMetrics<S> {
        GrpcMetrics { inner }
    }
}

#[derive(Clone)]
pub struct GrpcMetrics<S> {
    inner: S,
}

impl<S, B, R> tower::Service<http::Request<B>> for GrpcMetrics<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let method = method_label(req.uri().path());
        let started = Instant::now();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let r = fut.await;
            let code = match &r {
                Ok(res) => code_label(header_code(res.headers())),
                Err(_) => "transport_error",
            };
            counter!("custodian_grpc_requests_total", "method" => method, "code" => code)
                .increment(1);
            histogram!("custodian_grpc_request_duration_seconds", "method" => method, "code" => code)
                .record(started.elapsed().as_secs_f64());
            r
        })
    }
}

/// What a scrape reads from this process's own services.
#[derive(Clone)]
pub struct Collector {
    pub db: DatabaseConnection,
    /// The vault is hosted here: report the erasure lag.
    pub vault: bool,
    /// The outbox is delivered from here: report its messages.
    pub outbox: bool,
    /// The obligation sources of the services hosted here.
    pub sources: Vec<Arc<dyn ObligationSource>>,
}

impl Collector {
    async fn collect(&self) {
        let now = store::now_micros();
        self.pool();
        if self.outbox {
            use store::entities::outbox::messages as m;
            for status in ["pending", "dead"] {
                match m::Entity::find()
                    .filter(m::Column::Status.eq(status))
                    .count(&self.db)
                    .await
                {
                    Ok(n) => gauge!("custodian_outbox_messages", "status" => status).set(n as f64),
                    Err(e) => tracing::warn!(error = %e, "metrics: outbox count failed"),
                }
            }
            use store::entities::outbox::mail_messages as mm;
            for status in ["pending", "dead"] {
                match mm::Entity::find()
                    .filter(mm::Column::Status.eq(status))
                    .count(&self.db)
                    .await
                {
                    Ok(n) => gauge!("custodian_mail_messages", "status" => status).set(n as f64),
                    Err(e) => tracing::warn!(error = %e, "metrics: mail count failed"),
                }
            }
        }
        if self.vault {
            use store::entities::vault::candidates as c;
            let oldest = c::Entity::find()
                .filter(c::Column::DeleteAfter.lte(now))
                .filter(c::Column::LegalHold.eq(false))
                .order_by_asc(c::Column::DeleteAfter)
                .one(&self.db)
                .await;
            match oldest {
                Ok(o) => {
                    let lag = o
                        .and_then(|c| c.delete_after)
                        .map(|d| (now - d).num_milliseconds().max(0) as f64 / 1000.0)
                        .unwrap_or(0.0);
                    gauge!("custodian_erasure_lag_seconds").set(lag);
                }
                Err(e) => tracing::warn!(error = %e, "metrics: erasure lag failed"),
            }
        }
        for s in &self.sources {
            // Counted by each source (the vault in its database), not listed.
            let open = ObligationQuery::default();
            let overdue = ObligationQuery {
                due_by: Some(now),
                ..Default::default()
            };
            match futures::future::try_join(s.count_open(&open), s.count_open(&overdue)).await {
                Ok((open, overdue)) => {
                    gauge!("custodian_obligations", "service" => s.service(), "state" => "open")
                        .set(open as f64);
                    gauge!("custodian_obligations", "service" => s.service(), "state" => "overdue")
                        .set(overdue as f64);
                }
                Err(e) => tracing::warn!(error = %e, "metrics: obligations failed"),
            }
        }
    }

    fn pool(&self) {
        let (size, idle) = match self.db.get_database_backend() {
            store::sea_orm::DatabaseBackend::Sqlite => {
                let p = self.db.get_sqlite_connection_pool();
                (p.size(), p.num_idle())
            }
            store::sea_orm::DatabaseBackend::Postgres => {
                let p = self.db.get_postgres_connection_pool();
                (p.size(), p.num_idle())
            }
            _ => return,
        };
        let idle = idle as f64;
        gauge!("custodian_db_pool_connections", "state" => "idle").set(idle);
        gauge!("custodian_db_pool_connections", "state" => "in_use")
            .set((f64::from(size) - idle).max(0.0));
    }

    /// The text exposition of everything, after reading the gauges.
    pub async fn render(&self) -> String {
        // A slow database never holds a scrape forever.
        if tokio::time::timeout(Duration::from_secs(10), self.collect())
            .await
            .is_err()
        {
            tracing::warn!("metrics: collecting took over 10 s; serving what is known");
        }
        let h = handle();
        h.run_upkeep();
        h.render()
    }
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    collector: Collector,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    handle();
    let app = axum::Router::new().route(
        "/metrics",
        get(move || {
            let c = collector.clone();
            async move {
                (
                    [(
                        http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    c.render().await,
                )
            }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_fixed_sets() {
        assert_eq!(
            method_label("/custodian.v1.VaultService/GetCandidate"),
            "/custodian.v1.VaultService/GetCandidate"
        );
        assert_eq!(method_label("/grpc.health.v1.Health/Check"), "grpc.health");
        assert_eq!(method_label("/evil/0b0f7e3c-tenant"), "other");
        assert_eq!(code_label(tonic::Code::NotFound), "NotFound");
        assert_eq!(code_label(tonic::Code::Ok), "OK");
    }
}
