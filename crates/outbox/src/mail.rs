//! E-mail to people (issue 32): the mail outbox and its deliverer.
//!
//! A mail is planned whole (address, language, subject, plain text and
//! HTML) as a row of `mail_messages` under a unique `dedup_key`: the alert
//! and its threshold, the audit entry of an event, or a digest's day. The
//! planner may run any number of times, in any number of workers: a key
//! already planned plans nothing ([`plan`]).
//!
//! The [`Mailer`] delivers like the webhook deliverer: it claims what is
//! due with a lease (SKIP LOCKED on PostgreSQL), counting the attempt
//! before anything is sent; sends each mail over SMTP in a transaction of
//! its own, with a `Message-ID` made from the mail's id; records the
//! outcome at once; retries with exponential backoff; gives up after the
//! last attempt (a dead letter, audited, that an administrator may put
//! back). A worker killed between the relay's acceptance and the record
//! leaves at most the mails in flight to be sent again, with the same
//! `Message-ID`, which mail programs show once. An alert about an
//! obligation is checked just before it is sent: one that is done (no
//! longer open at that due instant) is withdrawn, not sent.

use std::sync::Arc;
use std::time::Duration;

use audit::{Actor, Record};
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
pub use lettre::message::Mailbox;
use lettre::message::MultiPart;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use store::entities::outbox::{mail_cursors, mail_messages as mails};

use crate::OutboxError;

/// Where a mail is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    Pending,
    Sent,
    /// Every attempt failed; an administrator may put it back.
    Dead,
    /// Its obligation was done before it was sent.
    Withdrawn,
    /// A digest day with nothing to say: the day is planned, nothing sent.
    Empty,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Pending => "pending",
            MailStatus::Sent => "sent",
            MailStatus::Dead => "dead",
            MailStatus::Withdrawn => "withdrawn",
            MailStatus::Empty => "empty",
        }
    }
    pub fn parse(s: &str) -> Option<MailStatus> {
        [
            MailStatus::Pending,
            MailStatus::Sent,
            MailStatus::Dead,
            MailStatus::Withdrawn,
            MailStatus::Empty,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }
}

/// The obligation an alert is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationRef {
    pub service: String,
    pub tenant: Option<String>,
    /// `<object_type>.<object_id>.<rule>@custodian`, as the calendar feed.
    pub uid: String,
    pub due: DateTime<Utc>,
}

/// A mail as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub dedup_key: String,
    pub person_id: String,
    pub address: String,
    pub language: String,
    pub tenant: Option<String>,
    /// `alert`, `event` or `digest`.
    pub kind: &'static str,
    pub topic: String,
    pub obligation: Option<ObligationRef>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A digest day with nothing to say: recorded, never sent.
    pub empty: bool,
}

/// Writes the mails not planned before (by `dedup_key`) in the caller's
/// transaction; returns how many were new.
pub async fn plan<C: ConnectionTrait>(
    db: &C,
    planned: Vec<NewMail>,
    now: DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    let mut new = 0;
    let rows: Vec<mails::ActiveModel> = planned
        .into_iter()
        .map(|m| {
            let (service, uid, due) = match m.obligation {
                Some(o) => (Some(o.service), Some(o.uid), Some(o.due)),
                None => (None, None, None),
            };
            mails::ActiveModel::from(mails::Model {
                id: uuid::Uuid::now_v7().hyphenated().to_string(),
                dedup_key: m.dedup_key,
                person_id: m.person_id,
                address: m.address,
                language: m.language,
                tenant_id: m.tenant,
                kind: m.kind.to_owned(),
                topic: m.topic,
                obligation_service: service,
                obligation_uid: uid,
                due,
                subject: m.subject,
                text_body: m.text,
                html_body: m.html,
                status: if m.empty {
                    MailStatus::Empty
                } else {
                    MailStatus::Pending
                }
                .as_str()
                .to_owned(),
                attempts: 0,
                next_attempt_at: now,
                claimed_until: None,
                created_at: now,
                sent_at: None,
                last_error: None,
            })
        })
        .collect();
    for chunk in rows.chunks(200) {
        new += mails::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(mails::Column::DedupKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(new)
}

/// Which of `keys` are planned already (so a planner skips rendering them).
pub async fn planned<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, sea_orm::DbErr> {
    let mut out = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        let found: Vec<String> = mails::Entity::find()
            .select_only()
            .column(mails::Column::DedupKey)
            .filter(mails::Column::DedupKey.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(found);
    }
    Ok(out)
}

/// Withdraws the waiting mails of anyone not in `live` (a person removed
/// after its mail was planned is not written to); returns how many.
pub async fn withdraw_all_but<C: ConnectionTrait>(
    db: &C,
    live: &[String],
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::sea_query::Expr;
    let mut q = mails::Entity::update_many()
        .col_expr(
            mails::Column::Status,
            Expr::value(MailStatus::Withdrawn.as_str()),
        )
        .filter(mails::Column::Status.eq(MailStatus::Pending.as_str()));
    if !live.is_empty() {
        q = q.filter(mails::Column::PersonId.is_not_in(live.iter().cloned()));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// The position of a named reader of the audit log (`None`: it never ran).
pub async fn cursor<C: ConnectionTrait>(db: &C, name: &str) -> Result<Option<i64>, sea_orm::DbErr> {
    Ok(mail_cursors::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|c| c.position))
}

/// Moves a reader's position (in the transaction that planned its mails).
pub async fn set_cursor<C: ConnectionTrait>(
    db: &C,
    name: &str,
    position: i64,
) -> Result<(), sea_orm::DbErr> {
    mail_cursors::Entity::insert(mail_cursors::ActiveModel {
        name: Set(name.to_owned()),
        position: Set(position),
    })
    .on_conflict(
        OnConflict::column(mail_cursors::Column::Name)
            .update_column(mail_cursors::Column::Position)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Whether an obligation is still open at its due instant. Implemented by
/// the binary over the services' obligation sources.
#[async_trait::async_trait]
pub trait StillDue: Send + Sync {
    async fn still_due(&self, o: &ObligationRef) -> Result<bool, domain_kit::PortError>;
}

/// How the relay is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayTls {
    /// STARTTLS, required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain SMTP: only to a relay on this host (a local MTA, a test sink).
    None,
}

/// The relay and the sender.
pub struct Relay {
    pub host: String,
    pub port: u16,
    pub tls: RelayTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub from: Mailbox,
    /// PEM certificates trusted besides the public web roots.
    pub extra_roots: Option<Vec<u8>>,
    pub timeout: Duration,
}

/// Retries, leases and batch sizes.
#[derive(Debug, Clone)]
pub struct MailPolicy {
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub lease: Duration,
    pub batch: u64,
    pub concurrency: usize,
}

impl Default for MailPolicy {
    fn default() -> Self {
        MailPolicy {
            max_attempts: 8,
            backoff_base: Duration::from_secs(60),
            backoff_max: Duration::from_secs(3600),
            lease: Duration::from_secs(120),
            batch: 100,
            concurrency: 8,
        }
    }
}

impl MailPolicy {
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
pub struct MailReport {
    pub claimed: u64,
    pub sent: u64,
    pub failed: u64,
    pub dead: u64,
    pub withdrawn: u64,
}

struct Claimed {
    id: String,
    address: String,
    tenant: Option<String>,
    topic: String,
    obligation: Option<ObligationRef>,
    subject: String,
    text: String,
    html: String,
    attempts: u32,
}

/// Delivers the mail outbox over SMTP.
pub struct Mailer {
    db: DatabaseConnection,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    still_due: Arc<dyn StillDue>,
    policy: MailPolicy,
    actor: Actor,
}

/// A relay setting that cannot work, naming the setting.
#[derive(Debug, thiserror::Error)]
#[error("[mail] {setting}: {reason}")]
pub struct RelayError {
    pub setting: &'static str,
    pub reason: String,
}

impl Mailer {
    pub fn new(
        db: DatabaseConnection,
        relay: &Relay,
        still_due: Arc<dyn StillDue>,
        policy: MailPolicy,
    ) -> Result<Self, RelayError> {
        let mut params = TlsParameters::builder(relay.host.clone());
        if let Some(pem) = &relay.extra_roots {
            let cert = Certificate::from_pem(pem).map_err(|e| RelayError {
                setting: "ca_file",
                reason: format!("not a PEM certificate: {e}"),
            })?;
            params = params.add_root_certificate(cert);
        }
        let tls = match relay.tls {
            RelayTls::None => Tls::None,
            mode => {
                let p = params.build_rustls().map_err(|e| RelayError {
                    setting: "relay",
                    reason: format!("TLS for {}: {e}", relay.host),
                })?;
                if mode == RelayTls::Tls {
                    Tls::Wrapper(p)
                } else {
                    Tls::Required(p)
                }
            }
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(relay.host.clone())
            .port(relay.port)
            .tls(tls)
            .timeout(Some(relay.timeout));
        if let (Some(u), Some(p)) = (&relay.username, &relay.password) {
            b = b.credentials(Credentials::new(u.clone(), p.expose_secret().to_owned()));
        }
        Ok(Self {
            db,
            transport: b.build(),
            from: relay.from.clone(),
            still_due,
            policy,
            actor: Actor::system("mail-worker"),
        })
    }

    /// Connects to the relay and says NOOP (and logs in, where credentials
    /// are set): at start, so a misconfigured relay stops the worker.
    pub async fn check_relay(&self) -> Result<(), RelayError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(RelayError {
                setting: "relay",
                reason: "the relay did not answer NOOP".into(),
            }),
            Err(e) => Err(RelayError {
                // 535: the relay refused the login.
                setting: if e.is_permanent() && e.to_string().contains("535") {
                    "username"
                } else {
                    "relay"
                },
                reason: format!("cannot reach or use the relay: {e}"),
            }),
        }
    }

    /// One round: claims up to `batch` due mails, sends them and records
    /// each outcome.
    pub async fn run_once(&self) -> Result<MailReport, OutboxError> {
        let claimed = self.claim(store::now_micros()).await?;
        let mut report = MailReport {
            claimed: claimed.len() as u64,
            ..Default::default()
        };
        let results: Vec<Result<MailStatus, OutboxError>> = stream::iter(claimed)
            .map(|c| async move { self.deliver(c).await })
            .buffer_unordered(self.policy.concurrency.max(1))
            .collect()
            .await;
        for r in results {
            let result = match r? {
                MailStatus::Sent => {
                    report.sent += 1;
                    "sent"
                }
                MailStatus::Dead => {
                    report.dead += 1;
                    "dead"
                }
                MailStatus::Withdrawn => {
                    report.withdrawn += 1;
                    "withdrawn"
                }
                _ => {
                    report.failed += 1;
                    "failed"
                }
            };
            metrics::counter!("custodian_mail_attempts_total", "result" => result).increment(1);
        }
        Ok(report)
    }

    async fn claim(&self, now: DateTime<Utc>) -> Result<Vec<Claimed>, OutboxError> {
        let until = now + chrono::Duration::from_std(self.policy.lease).unwrap_or_default();
        let stmt = crate::claim_statement(
            &self.db,
            "mail_messages",
            "id, address, tenant_id, topic, obligation_service, obligation_uid, due, \
             subject, text_body, html_body, attempts",
            now,
            until,
            self.policy.batch,
        );
        let txn = self.db.begin().await?;
        let rows = txn.query_all_raw(stmt).await?;
        txn.commit().await?;
        rows.into_iter()
            .map(|r| {
                let tenant: Option<String> = r.try_get("", "tenant_id")?;
                let service: Option<String> = r.try_get("", "obligation_service")?;
                let uid: Option<String> = r.try_get("", "obligation_uid")?;
                let due: Option<DateTime<Utc>> = r.try_get("", "due")?;
                let obligation = match (service, uid, due) {
                    (Some(service), Some(uid), Some(due)) => Some(ObligationRef {
                        service,
                        tenant: tenant.clone(),
                        uid,
                        due,
                    }),
                    _ => None,
                };
                Ok(Claimed {
                    id: r.try_get("", "id")?,
                    address: r.try_get("", "address")?,
                    tenant,
                    topic: r.try_get("", "topic")?,
                    obligation,
                    subject: r.try_get("", "subject")?,
                    text: r.try_get("", "text_body")?,
                    html: r.try_get("", "html_body")?,
                    attempts: r.try_get::<i32>("", "attempts")?.max(0) as u32,
                })
            })
            .collect()
    }

    async fn deliver(&self, c: Claimed) -> Result<MailStatus, OutboxError> {
        if let Some(o) = &c.obligation {
            match self.still_due.still_due(o).await {
                Ok(true) => {}
                Ok(false) => return self.settle(&c, MailStatus::Withdrawn, None).await,
                // Cannot tell now: try again later (an attempt used).
                Err(e) => {
                    return self
                        .settle(&c, MailStatus::Pending, Some(format!("{e}")))
                        .await;
                }
            }
        }
        let outcome = match self.message(&c) {
            Ok(m) => self
                .transport
                .send(m)
                .await
                .map(|_| ())
                .map_err(|e| short(&e.to_string())),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => self.settle(&c, MailStatus::Sent, None).await,
            Err(e) => {
                tracing::warn!(mail = %c.id, attempt = c.attempts, error = %e, "mail not sent");
                self.settle(&c, MailStatus::Pending, Some(e)).await
            }
        }
    }

    fn message(&self, c: &Claimed) -> Result<lettre::Message, String> {
        let to: Mailbox = c
            .address
            .parse()
            .map_err(|e| format!("the address cannot be used: {e}"))?;
        lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(c.subject.clone())
            // The same id on every attempt: a mail sent twice (a worker
            // killed after the relay took it) is one mail to its reader.
            .message_id(Some(format!("<{}@custodian>", c.id)))
            .multipart(MultiPart::alternative_plain_html(
                c.text.clone(),
                c.html.clone(),
            ))
            .map_err(|e| format!("the mail cannot be built: {e}"))
    }

    /// Records the outcome; `Pending` with an error is a failed attempt
    /// (dead after the last). Only a pending mail changes.
    async fn settle(
        &self,
        c: &Claimed,
        wanted: MailStatus,
        error: Option<String>,
    ) -> Result<MailStatus, OutboxError> {
        let now = store::now_micros();
        let number = c.attempts.max(1);
        let status = match wanted {
            MailStatus::Pending if number >= self.policy.max_attempts => MailStatus::Dead,
            s => s,
        };
        let next =
            now + chrono::Duration::from_std(self.policy.backoff(number)).unwrap_or_default();
        let txn = audit::begin(&self.db).await?;
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE mail_messages SET status = $1, next_attempt_at = $2, \
             sent_at = $3, last_error = $4, claimed_until = NULL \
             WHERE id = $5 AND status = 'pending'",
            [
                status.as_str().into(),
                next.into(),
                (if status == MailStatus::Sent {
                    Some(now)
                } else {
                    None
                })
                .into(),
                error.clone().into(),
                c.id.clone().into(),
            ],
        ))
        .await?;
        // A dead letter is a fact an administrator must be able to find.
        if status == MailStatus::Dead {
            let mut r = Record::new(&self.actor, "mail.dead", "mail", &c.id).details(json!({
                "topic": c.topic,
                "attempt": number,
                "error": error,
            }));
            if let Some(t) = &c.tenant {
                r = r.tenant(t);
            }
            audit::append(&txn, r).await?;
        }
        txn.commit().await?;
        Ok(status)
    }
}

/// What an administrator reads of a relay's refusal: its words, short.
fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= 300 {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(300).collect();
        t.push('…');
        t
    }
}

/// A mail as an administrator sees it (never its body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailView {
    pub id: String,
    pub person_id: String,
    pub address: String,
    pub language: String,
    pub kind: String,
    pub topic: String,
    pub tenant: Option<String>,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

fn view(m: mails::Model) -> MailView {
    MailView {
        status: MailStatus::parse(&m.status).unwrap_or(MailStatus::Pending),
        id: m.id,
        person_id: m.person_id,
        address: m.address,
        language: m.language,
        kind: m.kind,
        topic: m.topic,
        tenant: m.tenant_id,
        subject: m.subject,
        attempts: m.attempts.max(0) as u32,
        created_at: m.created_at,
        sent_at: m.sent_at,
        next_attempt_at: m.next_attempt_at,
        last_error: m.last_error,
    }
}

/// Reads and administers the mail outbox (administrators).
#[derive(Clone)]
pub struct Mails {
    db: DatabaseConnection,
}

impl Mails {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Newest first, before `before` (an id), at most `limit`; without a
    /// status, the empty digest days are left out.
    pub async fn list(
        &self,
        status: Option<MailStatus>,
        before: Option<&str>,
        limit: u64,
    ) -> Result<Vec<MailView>, OutboxError> {
        let mut q = mails::Entity::find();
        q = match status {
            Some(s) => q.filter(mails::Column::Status.eq(s.as_str())),
            None => q.filter(mails::Column::Status.ne(MailStatus::Empty.as_str())),
        };
        if let Some(b) = before {
            q = q.filter(mails::Column::Id.lt(b.to_owned()));
        }
        let rows = q
            .order_by_desc(mails::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(view).collect())
    }

    /// Puts a dead mail back, due now, with a fresh round of attempts
    /// (audited `mail.retry`).
    pub async fn retry(
        &self,
        actor: &Actor,
        id: &str,
        reason: &str,
    ) -> Result<MailView, OutboxError> {
        let txn = audit::begin(&self.db).await?;
        let row = mails::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
            .ok_or(OutboxError::NotFound)?;
        if row.status != MailStatus::Dead.as_str() {
            return Err(OutboxError::Precondition(format!(
                "the e-mail is {}; only an e-mail that was given up can be sent again",
                row.status
            )));
        }
        let tenant = row.tenant_id.clone();
        let topic = row.topic.clone();
        let mut am: mails::ActiveModel = row.into();
        am.status = Set(MailStatus::Pending.as_str().to_owned());
        am.attempts = Set(0);
        am.next_attempt_at = Set(store::now_micros());
        am.claimed_until = Set(None);
        let updated = am.update(&txn).await?;
        let mut r = Record::new(actor, "mail.retry", "mail", id)
            .reason(reason)
            .details(json!({ "topic": topic }));
        if let Some(t) = &tenant {
            r = r.tenant(t);
        }
        txn.commit_with(r).await?;
        Ok(view(updated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_backoff_caps() {
        for s in ["pending", "sent", "dead", "withdrawn", "empty"] {
            assert_eq!(MailStatus::parse(s).map(MailStatus::as_str), Some(s));
        }
        let p = MailPolicy::default();
        assert_eq!(p.backoff(1), Duration::from_secs(60));
        assert_eq!(p.backoff(3), Duration::from_secs(240));
        assert_eq!(p.backoff(30), Duration::from_secs(3600));
        assert_eq!(short(&"x".repeat(400)).chars().count(), 301);
    }
}
