//! Delivery: claim what is due, POST it, record the attempt.

use std::sync::Arc;
use std::time::{Duration, Instant};

use audit::{Actor, Record};
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement, TransactionTrait};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use store::entities::outbox::attempts;

use crate::{DeliveryStatus, OutboxError, internal, signature};

/// Where a tenant's messages go.
pub struct Endpoint {
    pub url: String,
    pub secret: SecretString,
}

/// Resolves a tenant's webhook. Implemented over the controllers service by
/// the binary, so the outbox never reads the `controllers` table.
#[async_trait::async_trait]
pub trait Endpoints: Send + Sync {
    async fn endpoint(&self, tenant: &str) -> Result<Option<Endpoint>, domain_kit::PortError>;
}

/// Retries, timeouts and batch sizes.
#[derive(Debug, Clone)]
pub struct DeliveryPolicy {
    /// Attempts before a message is dead-lettered.
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles after each further one.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// One HTTP request, connect to last byte.
    pub timeout: Duration,
    /// How long a claim is exclusive; a worker that dies loses it after this.
    pub lease: Duration,
    /// Messages claimed per round.
    pub batch: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Which addresses a webhook may reach (the operator's allow-list);
    /// checked on every address a name resolves to, the ones connected to.
    pub targets: domain_kit::net::TargetPolicy,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            max_attempts: 10,
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            batch: 100,
            concurrency: 8,
            targets: domain_kit::net::TargetPolicy::default(),
        }
    }
}

impl DeliveryPolicy {
    /// The wait after failed attempt `n` (1-based): base * 2^(n-1), capped.
    pub fn backoff(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX);
        self.backoff_base
            .checked_mul(factor)
            .unwrap_or(self.backoff_max)
            .min(self.backoff_max)
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryReport {
    pub claimed: u64,
    pub delivered: u64,
    pub failed: u64,
    pub dead: u64,
}

struct Claimed {
    id: String,
    tenant_id: String,
    topic: String,
    body: String,
    attempts: u32,
}

struct Outcome {
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    duration_ms: u64,
    http_status: u16,
    error: Option<String>,
}

pub struct Deliverer {
    db: DatabaseConnection,
    endpoints: Arc<dyn Endpoints>,
    client: reqwest::Client,
    policy: DeliveryPolicy,
    actor: Actor,
}

impl Deliverer {
    /// `extra_roots` are PEM certificates trusted besides the public web
    /// roots (a private CA in front of a customer's receiver, or a test CA).
    pub fn new(
        db: DatabaseConnection,
        endpoints: Arc<dyn Endpoints>,
        policy: DeliveryPolicy,
        extra_roots: Option<&[u8]>,
    ) -> Result<Self, OutboxError> {
        let mut b = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            // A redirect is a failed delivery, never a hop to another host.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(true)
            // Every name is resolved here and only its allowed addresses
            // are connected to (an IP literal is checked in `post`).
            .dns_resolver(Arc::new(GuardedResolver {
                targets: policy.targets.clone(),
            }))
            .user_agent(concat!("custodian-webhooks/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = extra_roots {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| internal(format!("webhook CA file: {e}")))?;
            if certs.is_empty() {
                return Err(internal("webhook CA file holds no certificate"));
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let client = b.build().map_err(internal)?;
        Ok(Self {
            db,
            endpoints,
            client,
            policy,
            actor: Actor::system("outbox-worker"),
        })
    }

    /// One round: claims up to `batch` due messages, delivers them
    /// concurrently and records each attempt.
    pub async fn run_once(&self) -> Result<DeliveryReport, OutboxError> {
        let claimed = self.claim(store::now_micros()).await?;
        let mut report = DeliveryReport {
            claimed: claimed.len() as u64,
            ..Default::default()
        };
        let results: Vec<Result<DeliveryStatus, OutboxError>> = stream::iter(claimed)
            .map(|c| async move {
                let outcome = self.attempt(&c).await;
                self.record(&c, outcome).await
            })
            .buffer_unordered(self.policy.concurrency.max(1))
            .collect()
            .await;
        for r in results {
            let result = match r? {
                DeliveryStatus::Delivered => {
                    report.delivered += 1;
                    "delivered"
                }
                DeliveryStatus::Dead => {
                    report.dead += 1;
                    "dead"
                }
                DeliveryStatus::Pending => {
                    report.failed += 1;
                    "failed"
                }
            };
            metrics::counter!("custodian_outbox_attempts_total", "result" => result).increment(1);
        }
        Ok(report)
    }

    async fn claim(&self, now: DateTime<Utc>) -> Result<Vec<Claimed>, OutboxError> {
        let until = now + chrono::Duration::from_std(self.policy.lease).unwrap_or_default();
        // The attempt the claim counts is logged as started in the same
        // transaction, before anything is sent: a worker killed mid-delivery
        // leaves it in the log (shown as interrupted). (The claim is the
        // worker's bookkeeping, like its lease; the audited record comes
        // with the outcome, naming the attempt.)
        let stmt = crate::claim_statement(
            &self.db,
            "outbox_messages",
            "id, tenant_id, topic, body, attempts",
            now,
            until,
            self.policy.batch,
        );
        let txn = self.db.begin().await?;
        let rows = txn.query_all_raw(stmt).await?;
        let claimed: Vec<Claimed> = rows
            .into_iter()
            .map(|r| {
                Ok(Claimed {
                    id: r.try_get("", "id")?,
                    tenant_id: r.try_get("", "tenant_id")?,
                    topic: r.try_get("", "topic")?,
                    body: r.try_get("", "body")?,
                    attempts: r.try_get::<i32>("", "attempts")?.max(0) as u32,
                })
            })
            .collect::<Result<_, OutboxError>>()?;
        let started: Vec<attempts::ActiveModel> = claimed
            .iter()
            .map(|c| {
                attempts::ActiveModel::from(attempts::Model {
                    id: uuid::Uuid::now_v7().hyphenated().to_string(),
                    message_id: c.id.clone(),
                    number: c.attempts as i32,
                    started_at: now,
                    duration_ms: 0,
                    http_status: 0,
                    outcome: STARTED.to_owned(),
                    error: None,
                })
            })
            .collect();
        for chunk in started.chunks(500) {
            attempts::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(claimed)
    }

    async fn attempt(&self, c: &Claimed) -> Outcome {
        let started_at = store::now_micros();
        let clock = Instant::now();
        let (http_status, error) = match self.endpoints.endpoint(&c.tenant_id).await {
            Err(e) => (0, Some(format!("webhook lookup failed: {e}"))),
            Ok(None) => (
                0,
                Some("the controller has no webhook configured".to_owned()),
            ),
            Ok(Some(ep)) => self.post(&ep, c).await,
        };
        let finished_at = store::now_micros();
        metrics::histogram!("custodian_outbox_delivery_duration_seconds")
            .record(clock.elapsed().as_secs_f64());
        Outcome {
            started_at,
            finished_at,
            duration_ms: clock.elapsed().as_millis() as u64,
            http_status,
            error,
        }
    }

    async fn post(&self, ep: &Endpoint, c: &Claimed) -> (u16, Option<String>) {
        // A URL stored before its address was refused, or an IP literal
        // (which no resolver sees): checked before any connection.
        if let Err(why) = self.policy.targets.check_url(&ep.url) {
            tracing::warn!(message = %c.id, tenant = %c.tenant_id, reason = %why, "webhook target refused");
            return (0, Some(COULD_NOT_CONNECT.to_owned()));
        }
        let t = Utc::now().timestamp();
        let sig = signature::sign(ep.secret.expose_secret().as_bytes(), t, c.body.as_bytes());
        let res = self
            .client
            .post(&ep.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signature::HEADER, sig)
            .header(signature::MESSAGE_ID_HEADER, &c.id)
            .header(signature::TOPIC_HEADER, &c.topic)
            .body(c.body.clone())
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => (r.status().as_u16(), None),
            Ok(r) => (
                r.status().as_u16(),
                Some(format!("the webhook answered HTTP {}", r.status().as_u16())),
            ),
            // The tenant reads a coarse cause: which ports answer, and how,
            // is not for it to learn. The operator's log has the chain
            // (timeout, refused, TLS, a refused address), without the URL's
            // query, which may hold a customer's token.
            Err(e) => {
                tracing::warn!(message = %c.id, tenant = %c.tenant_id, error = %describe(&e), "webhook delivery failed");
                (0, Some(coarse(&e).to_owned()))
            }
        }
    }

    /// Records the attempt and moves the message on, in one audited
    /// transaction. Only a pending message changes state, and the first
    /// delivery's time stays: a duplicate delivery never moves it.
    async fn record(&self, c: &Claimed, o: Outcome) -> Result<DeliveryStatus, OutboxError> {
        // The claim counted this attempt already.
        let number = c.attempts.max(1);
        let delivered = o.error.is_none();
        let status = if delivered {
            DeliveryStatus::Delivered
        } else if number >= self.policy.max_attempts {
            DeliveryStatus::Dead
        } else {
            DeliveryStatus::Pending
        };
        let next = o.finished_at
            + chrono::Duration::from_std(self.policy.backoff(number)).unwrap_or_default();
        let txn = audit::begin(&self.db).await?;
        // The attempt the claim started, now with its outcome.
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE outbox_attempts SET started_at = $1, duration_ms = $2, http_status = $3, \
             outcome = $4, error = $5 WHERE message_id = $6 AND number = $7",
            [
                o.started_at.into(),
                (o.duration_ms as i64).into(),
                i32::from(o.http_status).into(),
                if delivered { "delivered" } else { "failed" }.into(),
                o.error.clone().into(),
                c.id.clone().into(),
                (number as i32).into(),
            ],
        ))
        .await?;
        let sql = "UPDATE outbox_messages SET status = $1, attempts = $2, next_attempt_at = $3, \
                   delivered_at = COALESCE(delivered_at, $4), last_error = $5, claimed_until = NULL \
                   WHERE id = $6 AND status = 'pending'";
        let values: Vec<sea_orm::Value> = vec![
            status.as_str().into(),
            (number as i32).into(),
            next.into(),
            (if delivered { Some(o.finished_at) } else { None }).into(),
            o.error.clone().into(),
            c.id.clone().into(),
        ];
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            sql,
            values,
        ))
        .await?;
        let action = match status {
            DeliveryStatus::Delivered => "notification.delivered",
            DeliveryStatus::Dead => "notification.dead",
            DeliveryStatus::Pending => "notification.attempt_failed",
        };
        txn.commit_with(
            Record::new(&self.actor, action, "notification", &c.id)
                .tenant(&c.tenant_id)
                .details(json!({
                    "topic": c.topic,
                    "attempt": number,
                    "http_status": o.http_status,
                })),
        )
        .await?;
        match status {
            DeliveryStatus::Delivered => {
                tracing::info!(message = %c.id, attempt = number, "notification delivered")
            }
            DeliveryStatus::Dead => {
                tracing::warn!(message = %c.id, attempt = number, error = ?o.error, "notification dead-lettered")
            }
            DeliveryStatus::Pending => {
                tracing::info!(message = %c.id, attempt = number, error = ?o.error, "notification delivery failed; will retry")
            }
        }
        Ok(status)
    }
}

/// The outcome of an attempt a claim started and no outcome has replaced
/// yet: under way, or interrupted (its worker stopped).
pub(crate) const STARTED: &str = "started";

/// What a tenant reads of a delivery that reached no answer.
const COULD_NOT_CONNECT: &str = "could not connect to the webhook";

fn coarse(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "the webhook did not answer in time"
    } else if e.is_redirect() {
        "the webhook answered with a redirect, which is not followed"
    } else {
        COULD_NOT_CONNECT
    }
}

/// Resolves a webhook's host and keeps only the addresses the policy
/// allows: the connection goes to one of these or nowhere, so a name that
/// resolves (or later rebinds) to an internal address reaches nothing.
struct GuardedResolver {
    targets: domain_kit::net::TargetPolicy,
}

#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let targets = self.targets.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut why = "no";
            let allowed: Vec<std::net::SocketAddr> = found
                .into_iter()
                .filter(|a| match targets.refuses(a.ip()) {
                    None => true,
                    Some(w) => {
                        why = w;
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(Refused(format!(
                    "{host} resolves only to {why} addresses, which webhooks may not reach"
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirected"
    } else if e.is_builder() {
        "invalid webhook URL"
    } else {
        "request failed"
    };
    let mut causes = Vec::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        causes.push(s.to_string());
        src = s.source();
    }
    if causes.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {}", causes.join(": "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = DeliveryPolicy {
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            ..Default::default()
        };
        assert_eq!(p.backoff(1), Duration::from_secs(30));
        assert_eq!(p.backoff(2), Duration::from_secs(60));
        assert_eq!(p.backoff(5), Duration::from_secs(480));
        assert_eq!(p.backoff(8), Duration::from_secs(3600));
        assert_eq!(p.backoff(40), Duration::from_secs(3600));
    }
}
