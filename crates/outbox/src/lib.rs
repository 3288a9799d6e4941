//! The transactional outbox (DESIGN.md, Notifications). Everything that must
//! reach a controller is a row in `outbox_messages`, written by the service
//! in the same transaction as the change it reports ([`enqueue`]), so a
//! notice exists exactly when its cause committed. `custodian worker` runs a
//! [`Deliverer`]: it claims due messages, POSTs each to the controller's
//! webhook with an HMAC-SHA256 signature ([`signature`]), records every
//! attempt in `outbox_attempts`, retries with exponential backoff and
//! dead-letters after the last attempt.
//!
//! The time a message was delivered is a legal fact (an objection window
//! starts then): `delivered_at` is the moment the 2xx response arrived,
//! never the time of enqueueing, and the first successful delivery wins.
//! Delivery is at least once; receivers deduplicate by message id.
//!
//! Owns the tables `outbox_messages` and `outbox_attempts`.

mod deliver;
pub mod grpc;
pub mod mail;
pub mod signature;

use std::collections::HashMap;

use audit::{Actor, Record};
use auth::Scope;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use store::entities::outbox::{attempts, messages};

pub use deliver::{Deliverer, DeliveryPolicy, DeliveryReport, Endpoint, Endpoints};

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("notification not found")]
    NotFound,
    #[error("{0}")]
    Precondition(String),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("internal: {0}")]
    Internal(String),
    /// The database cannot serve now; the words name no SQL.
    #[error("{0}")]
    Unavailable(String),
}

impl domain_kit::Classified for OutboxError {
    fn kind(&self) -> domain_kit::ErrorKind {
        use domain_kit::ErrorKind;
        match self {
            OutboxError::NotFound => ErrorKind::NotFound,
            OutboxError::Precondition(_) => ErrorKind::Precondition,
            OutboxError::Invalid { .. } => ErrorKind::Invalid,
            OutboxError::Internal(_) => ErrorKind::Internal,
            OutboxError::Unavailable(_) => ErrorKind::Unavailable,
        }
    }
}

/// An outage of the database is UNAVAILABLE (retry later), the rest INTERNAL.
fn internal(e: impl std::fmt::Display + 'static) -> OutboxError {
    match audit::outage_of(&e) {
        Some(o) => OutboxError::Unavailable(o.to_string()),
        None => OutboxError::Internal(e.to_string()),
    }
}

audit::storage_errors!(OutboxError => internal);

/// The claim both deliverers (webhooks, mail) make: up to `batch` due rows
/// of `table` (status `pending`, due by `now`, no live lease) get a lease
/// until `until` and one more attempt, counted before anything is sent, so
/// a worker killed mid-send used that attempt and a redelivery is the next
/// one. The inner select walks the table's (status, next_attempt_at) index,
/// so the cost follows what is due; a claim whose lease ran out is due
/// again. `FOR UPDATE SKIP LOCKED` on PostgreSQL keeps workers disjoint.
pub(crate) fn claim_statement(
    db: &DatabaseConnection,
    table: &str,
    returning: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    batch: u64,
) -> sea_orm::Statement {
    let lock = if store::is_postgres(db) {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE {table} SET claimed_until = $2, attempts = attempts + 1 \
         WHERE id IN ( \
           SELECT id FROM {table} \
           WHERE status = 'pending' AND next_attempt_at <= $1 \
             AND (claimed_until IS NULL OR claimed_until < $1) \
           ORDER BY next_attempt_at LIMIT $3{lock}) \
         RETURNING {returning}"
    );
    sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [now.into(), until.into(), (batch.max(1) as i64).into()],
    )
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Every attempt failed; an admin may put it back ([`Outbox::retry`]).
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "dead" => Some(DeliveryStatus::Dead),
            _ => None,
        }
    }
}

/// A message to enqueue.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub tenant: &'a str,
    /// What the message is, for instance `subprocessor.change_notice`.
    pub topic: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    /// The message-specific part of the body.
    pub data: serde_json::Value,
}

/// Writes a message in the caller's transaction and returns its id. The
/// body is fixed here: every attempt sends the same bytes.
pub async fn enqueue<C: ConnectionTrait>(
    txn: &C,
    m: NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<String, sea_orm::DbErr> {
    let id = uuid::Uuid::now_v7().hyphenated().to_string();
    let body = json!({
        "id": id,
        "topic": m.topic,
        "controller_id": m.tenant,
        "subject": { "type": m.subject_type, "id": m.subject_id },
        "created_at": proto::wire::timestamp(now),
        "data": m.data,
    });
    // Without RETURNING: an enqueuing role may not read bodies back.
    messages::Entity::insert(messages::ActiveModel::from(messages::Model {
        id: id.clone(),
        tenant_id: m.tenant.to_owned(),
        topic: m.topic.to_owned(),
        subject_type: m.subject_type.to_owned(),
        subject_id: m.subject_id.to_owned(),
        body: body.to_string(),
        status: DeliveryStatus::Pending.as_str().to_owned(),
        attempts: 0,
        next_attempt_at: now,
        claimed_until: None,
        created_at: now,
        delivered_at: None,
        last_error: None,
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(id)
}

/// Whether a message is settled: delivered, or dead-lettered after its
/// last attempt (a missing message counts as settled: nothing will send it).
pub async fn settled<C: ConnectionTrait>(db: &C, id: &str) -> Result<bool, sea_orm::DbErr> {
    let status: Option<String> = messages::Entity::find_by_id(id.to_owned())
        .select_only()
        .column(messages::Column::Status)
        .into_tuple()
        .one(db)
        .await?;
    Ok(status.is_none_or(|s| s != DeliveryStatus::Pending.as_str()))
}

/// Every column of a message but its body, which only the deliverer's
/// role may read (`store::schemas`): what a service reads of the delivery
/// of its notices. The body comes back empty.
fn without_body(q: sea_orm::Select<messages::Entity>) -> sea_orm::Select<messages::Entity> {
    use messages::Column as C;
    q.select_only()
        .columns([
            C::Id,
            C::TenantId,
            C::Topic,
            C::SubjectType,
            C::SubjectId,
            C::Status,
            C::Attempts,
            C::NextAttemptAt,
            C::ClaimedUntil,
            C::CreatedAt,
            C::DeliveredAt,
            C::LastError,
        ])
        .column_as(sea_orm::sea_query::Expr::val(""), "body")
}

/// One delivery attempt as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub number: u32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    /// 0 when no response came.
    pub http_status: u16,
    pub delivered: bool,
    /// Started and never finished: its worker stopped mid-delivery. It
    /// counts as an attempt (also towards the dead letter).
    pub interrupted: bool,
    pub error: Option<String>,
}

/// A message with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub tenant_id: String,
    pub topic: String,
    pub subject_type: String,
    pub subject_id: String,
    pub status: DeliveryStatus,
    pub body: String,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Filled when asked for.
    pub attempt_log: Vec<Attempt>,
}

fn to_message(m: messages::Model) -> Message {
    Message {
        status: DeliveryStatus::parse(&m.status).unwrap_or(DeliveryStatus::Pending),
        id: m.id,
        tenant_id: m.tenant_id,
        topic: m.topic,
        subject_type: m.subject_type,
        subject_id: m.subject_id,
        body: m.body,
        attempts: m.attempts.max(0) as u32,
        next_attempt_at: m.next_attempt_at,
        created_at: m.created_at,
        delivered_at: m.delivered_at,
        last_error: m.last_error,
        attempt_log: Vec::new(),
    }
}

fn to_attempt(a: attempts::Model) -> Attempt {
    Attempt {
        number: a.number.max(0) as u32,
        started_at: a.started_at,
        duration_ms: a.duration_ms.max(0) as u64,
        http_status: a.http_status.clamp(0, u16::MAX as i32) as u16,
        delivered: a.outcome == "delivered",
        interrupted: a.outcome == deliver::STARTED,
        error: a.error,
    }
}

/// Whether a worker holds the message's claim now (its last attempt,
/// started, is under way rather than interrupted).
fn under_way(m: &messages::Model) -> bool {
    m.status == DeliveryStatus::Pending.as_str() && m.claimed_until.is_some_and(|t| t > Utc::now())
}

/// An attempt under way is not yet in the log.
fn drop_last_started(log: &mut Vec<Attempt>) {
    if log.last().is_some_and(|a| a.interrupted) {
        log.pop();
    }
}

/// What a list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub tenant: Option<String>,
    pub status: Option<DeliveryStatus>,
    pub topic: Option<String>,
}

/// Reads and administers the outbox.
#[derive(Clone)]
pub struct Outbox {
    db: DatabaseConnection,
}

impl Outbox {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn attempts_of(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<Attempt>>, OutboxError> {
        let mut out: HashMap<String, Vec<Attempt>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = attempts::Entity::find()
            .filter(attempts::Column::MessageId.is_in(ids.iter().cloned()))
            .order_by_asc(attempts::Column::MessageId)
            .order_by_asc(attempts::Column::Number)
            .all(&self.db)
            .await?;
        for r in rows {
            out.entry(r.message_id.clone())
                .or_default()
                .push(to_attempt(r));
        }
        Ok(out)
    }

    /// A message in the caller's scope with its attempts; another tenant's
    /// is `NotFound`.
    pub async fn get(&self, scope: &Scope, id: &str) -> Result<Message, OutboxError> {
        let row = messages::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .filter(|m| scope.allows(&m.tenant_id))
            .ok_or(OutboxError::NotFound)?;
        let under_way = under_way(&row);
        let mut m = to_message(row);
        m.attempt_log = self
            .attempts_of(std::slice::from_ref(&m.id))
            .await?
            .remove(&m.id)
            .unwrap_or_default();
        if under_way {
            drop_last_started(&mut m.attempt_log);
        }
        Ok(m)
    }

    /// Messages by id, with their attempts, without their bodies (for
    /// services that show the delivery of their notices: their roles may
    /// not read bodies). Unknown ids are absent from the map.
    pub async fn by_ids(&self, ids: &[String]) -> Result<HashMap<String, Message>, OutboxError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = without_body(messages::Entity::find())
            .filter(messages::Column::Id.is_in(ids.iter().cloned()))
            .all(&self.db)
            .await?;
        let mut log = self.attempts_of(ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let under_way = under_way(&r);
                let mut m = to_message(r);
                m.attempt_log = log.remove(&m.id).unwrap_or_default();
                if under_way {
                    drop_last_started(&mut m.attempt_log);
                }
                (m.id.clone(), m)
            })
            .collect())
    }

    /// Messages in id (creation) order after `after`, at most `limit`.
    pub async fn list(
        &self,
        f: &ListFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Message>, OutboxError> {
        let mut q = messages::Entity::find();
        if let Some(t) = &f.tenant {
            q = q.filter(messages::Column::TenantId.eq(t.clone()));
        }
        if let Some(s) = f.status {
            q = q.filter(messages::Column::Status.eq(s.as_str()));
        }
        if let Some(t) = &f.topic {
            q = q.filter(messages::Column::Topic.eq(t.clone()));
        }
        if let Some(a) = after {
            q = q.filter(messages::Column::Id.gt(a.to_owned()));
        }
        let rows = q
            .order_by_asc(messages::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(to_message).collect())
    }

    /// Puts a dead message back in the queue, due now, with a fresh round
    /// of attempts; the earlier attempts stay in the log.
    pub async fn retry(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: &str,
    ) -> Result<Message, OutboxError> {
        let txn = audit::begin(&self.db).await?;
        let row = messages::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
            .filter(|m| scope.allows(&m.tenant_id))
            .ok_or(OutboxError::NotFound)?;
        if row.status != DeliveryStatus::Dead.as_str() {
            return Err(OutboxError::Precondition(format!(
                "notification is {}; only a dead notification can be retried",
                row.status
            )));
        }
        let tenant = row.tenant_id.clone();
        let mut am: messages::ActiveModel = row.into();
        am.status = Set(DeliveryStatus::Pending.as_str().to_owned());
        am.next_attempt_at = Set(store::now_micros());
        am.claimed_until = Set(None);
        am.update(&txn).await?;
        txn.commit_with(
            Record::new(actor, "notification.retry", "notification", id)
                .tenant(&tenant)
                .reason(reason),
        )
        .await?;
        self.get(&Scope::All, id).await
    }
}
