//! The audit log: append-only, hash-chained, written inside the same
//! transaction as the change it records.
//!
//! Two chains run through the same rows: the **global** chain (every entry, in
//! `seq` order) and one **tenant** chain per controller (its entries, in
//! `tenant_seq` order). Each entry's hash covers its contents and the previous
//! hash of its chain, so changing, removing or reordering any stored entry
//! breaks a link that [`verify`] names.
//!
//! Concurrency: every audited write takes its turn in this process's write
//! queue for its database and then the write lock of the chain
//! (`BEGIN IMMEDIATE` on SQLite, a row lock on the `global` head on
//! PostgreSQL). Appends are therefore serialized and the chain can never
//! fork. [`begin`] gives the caller its own transaction; [`record`] and
//! [`write`] join a group commit (see [`writer`]). Entries hold ids and field
//! names, never personal data.

mod chain;
pub mod grpc;
pub mod writer;

pub use writer::{Entries, Txn, record, write};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use store::entities::{audit_events, audit_heads};

pub use chain::{content_digest, leaf, link_hash};

/// Who did it. Tokens give `token:<id>`; local operator commands give `cli:<command>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub role: String,
}

impl Actor {
    pub fn cli(command: &str) -> Actor {
        Actor {
            id: format!("cli:{command}"),
            role: "operator".into(),
        }
    }
    pub fn system(component: &str) -> Actor {
        Actor {
            id: format!("system:{component}"),
            role: "system".into(),
        }
    }
}

/// What to record. `details` must hold ids and field names only.
#[derive(Debug, Clone)]
pub struct Record {
    pub tenant_id: Option<String>,
    pub actor: Actor,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub reason: Option<String>,
    pub details: serde_json::Value,
}

impl Record {
    pub fn new(actor: &Actor, action: &str, object_type: &str, object_id: &str) -> Record {
        Record {
            tenant_id: None,
            actor: actor.clone(),
            action: action.into(),
            object_type: object_type.into(),
            object_id: object_id.into(),
            reason: None,
            details: serde_json::Value::Object(Default::default()),
        }
    }
    pub fn tenant(mut self, tenant_id: impl Into<String>) -> Record {
        self.tenant_id = Some(tenant_id.into());
        self
    }
    pub fn reason(mut self, reason: impl Into<String>) -> Record {
        self.reason = Some(reason.into());
        self
    }
    pub fn details(mut self, details: serde_json::Value) -> Record {
        self.details = details;
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("audit chain head is missing: the database was not migrated")]
    MissingHead,
    #[error(
        "no turn to write the audit log within {0} s: the database is overloaded or a writer is stuck"
    )]
    Busy(u64),
    #[error("the audit group commit failed: {0}")]
    Group(String),
    #[error(
        "an audit write asked the audit writer for more from inside its group (a bug: use the transaction it was given)"
    )]
    Nested,
    /// The database cannot serve now (unreachable, out of space, an I/O
    /// failure): nothing of the write was committed.
    #[error("{0}")]
    Unavailable(store::outage::Outage),
}

impl AuditError {
    /// Whether this error means the database cannot serve now, and why.
    pub fn outage(&self) -> Option<store::outage::Outage> {
        match self {
            AuditError::Db(e) => store::outage::classify(e),
            AuditError::Unavailable(o) => Some(*o),
            AuditError::Busy(_) => Some(store::outage::Outage::Busy),
            _ => None,
        }
    }
}

/// Whether a service's failure `e` (a database error, an audit error, or
/// anything else) means the database cannot serve now: the one test every
/// service's error helper applies, so an outage is `UNAVAILABLE` with words
/// that name no SQL, and everything else stays `INTERNAL`.
pub fn outage_of(e: &dyn std::any::Any) -> Option<store::outage::Outage> {
    if let Some(e) = e.downcast_ref::<sea_orm::DbErr>() {
        return store::outage::classify(e);
    }
    if let Some(e) = e.downcast_ref::<AuditError>() {
        return e.outage();
    }
    if let Some(sea_orm::TransactionError::Connection(e)) =
        e.downcast_ref::<sea_orm::TransactionError<sea_orm::DbErr>>()
    {
        return store::outage::classify(e);
    }
    None
}

#[doc(hidden)]
pub use sea_orm as __sea_orm;

/// Lets `?` turn the storage's failures into a service's error: `From`
/// conversions from the database's (`DbErr`, a failed transaction), the audit
/// log's ([`AuditError`]) and any further types listed after the error, each
/// through the service's one helper, which makes an outage `UNAVAILABLE` and
/// anything else `INTERNAL` ([`outage_of`]). Written once in each service's
/// service module, beside that helper, so its domain stays free of sea-orm:
///
/// ```ignore
/// audit::storage_errors!(VaultError => internal, outbox::OutboxError);
/// ```
#[macro_export]
macro_rules! storage_errors {
    ($error:ty => $internal:path $(, $extra:ty)* $(,)?) => {
        impl ::core::convert::From<$crate::__sea_orm::DbErr> for $error {
            fn from(e: $crate::__sea_orm::DbErr) -> Self {
                $internal(e)
            }
        }
        impl ::core::convert::From<$crate::__sea_orm::TransactionError<$crate::__sea_orm::DbErr>>
            for $error
        {
            fn from(e: $crate::__sea_orm::TransactionError<$crate::__sea_orm::DbErr>) -> Self {
                $internal(e)
            }
        }
        impl ::core::convert::From<$crate::AuditError> for $error {
            fn from(e: $crate::AuditError) -> Self {
                $internal(e)
            }
        }
        $(
            impl ::core::convert::From<$extra> for $error {
                fn from(e: $extra) -> Self {
                    $internal(e)
                }
            }
        )*
    };
}

/// The global chain's name in `audit_heads`.
pub const GLOBAL: &str = "global";

/// A controller's chain's name in `audit_heads`.
pub fn tenant_chain(tenant: &str) -> String {
    format!("tenant:{tenant}")
}

/// Begins a write transaction that holds this process's turn on the database
/// and the audit chain's lock. Mutations that need their own transaction go
/// through this, so the change and its audit entry commit or roll back
/// together; [`write`] does the same inside a group commit.
pub async fn begin(db: &DatabaseConnection) -> Result<Txn, AuditError> {
    let health = store::outage::health(db);
    let turn = writer::gate(db).turn().await?;
    let txn = writer::open(db).await.inspect_err(|e| {
        if let Some(o) = e.outage() {
            health.failed_write(o);
        }
    })?;
    Ok(Txn::new(txn, turn, health))
}

/// A write that changes nothing and must commit: the health reporter's
/// test, while writes are failing, of whether they commit again (a
/// transaction holding the chain's lock that rewrites the global head with
/// its own values, so it needs the room a real write needs). Notes the
/// outcome in the database's health.
pub async fn probe_write(db: &DatabaseConnection) -> Result<(), AuditError> {
    let txn = begin(db).await?;
    let backend = txn.get_database_backend();
    // The Txn notes an outage of the statement or the commit itself. On
    // PostgreSQL no service role may update the heads: the owner's
    // `audit_probe()` does.
    let probe = match backend {
        sea_orm::DbBackend::Postgres => "SELECT audit_probe()",
        _ => "UPDATE audit_heads SET seq = seq WHERE chain = 'global'",
    };
    txn.execute_raw(sea_orm::Statement::from_string(backend, probe))
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Appends one entry to the global chain and, for a tenant's event, to that
/// tenant's chain. Must run inside a transaction holding the chain's lock
/// ([`begin`], or the transaction a [`write`] was given).
pub async fn append<C: ConnectionTrait>(
    txn: &C,
    record: Record,
) -> Result<audit_events::Model, AuditError> {
    let mut appended = append_many(txn, vec![record]).await?;
    // Appended in the caller's transaction (which may still roll back).
    metrics::counter!("custodian_audit_appends_total").increment(1);
    appended.pop().ok_or(AuditError::MissingHead)
}

static PROCESS_NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names this process as the writer of the audit entries it appends on
/// SQLite (`custodian serve` names the services it hosts); the first call
/// wins. On PostgreSQL the database records the login role instead, and
/// nothing the process says counts.
pub fn set_process_name(name: &str) {
    let _ = PROCESS_NAME.set(name.to_owned());
}

/// The writer recorded on SQLite: [`set_process_name`]'s, or `custodian`.
pub fn process_name() -> &'static str {
    PROCESS_NAME
        .get()
        .map(String::as_str)
        .unwrap_or("custodian")
}

/// Appends `records` in order, all at one instant: [`append`]'s path and
/// the group commit's. Must run inside a transaction holding the chain's
/// lock. On PostgreSQL the database computes everything in the owner's
/// `audit_append` (migration 000020), the only way a service role can add
/// an entry; on SQLite, [`append_local`] does the same here.
pub(crate) async fn append_many<C: ConnectionTrait>(
    txn: &C,
    records: Vec<Record>,
) -> Result<Vec<audit_events::Model>, AuditError> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    if txn.get_database_backend() != sea_orm::DbBackend::Postgres {
        return append_local(txn, records).await;
    }
    let batch: Vec<serde_json::Value> = records
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "tenant_id": r.tenant_id,
                "actor_id": r.actor.id,
                "actor_role": r.actor.role,
                "action": r.action,
                "object_type": r.object_type,
                "object_id": r.object_id,
                "reason": r.reason,
                "details": serde_json::to_string(&r.details).unwrap_or_else(|_| "{}".into()),
            })
        })
        .collect();
    let mut models = Vec::with_capacity(batch.len());
    // One call per thousand entries keeps each parameter small.
    for chunk in batch.chunks(1_000) {
        let appended = audit_events::Entity::find()
            .from_raw_sql(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT * FROM audit_append($1::jsonb)",
                [serde_json::Value::Array(chunk.to_vec()).into()],
            ))
            .all(txn)
            .await?;
        if appended.len() != chunk.len() {
            return Err(AuditError::Group(format!(
                "audit_append returned {} entries for {}",
                appended.len(),
                chunk.len()
            )));
        }
        models.extend(appended);
    }
    Ok(models)
}

/// [`append_many`] on SQLite: one read and one update of each head the
/// records touch and one multi-row insert.
async fn append_local<C: ConnectionTrait>(
    txn: &C,
    records: Vec<Record>,
) -> Result<Vec<audit_events::Model>, AuditError> {
    use std::collections::HashMap;
    let at = store::now_micros();
    let writer = process_name().to_owned();
    let head = audit_heads::Entity::find_by_id(GLOBAL.to_owned())
        .one(txn)
        .await?
        .ok_or(AuditError::MissingHead)?;
    let (mut seq, mut hash) = (head.seq, head.hash);
    let mut tenant_ids: Vec<String> = records
        .iter()
        .filter_map(|r| r.tenant_id.as_ref().map(|t| tenant_chain(t)))
        .collect();
    tenant_ids.sort();
    tenant_ids.dedup();
    // chain -> (seq, hash, existed before this group)
    let mut heads: HashMap<String, (i64, String, bool)> = HashMap::new();
    for chunk in tenant_ids.chunks(500) {
        for h in audit_heads::Entity::find()
            .filter(audit_heads::Column::Chain.is_in(chunk.iter().cloned()))
            .all(txn)
            .await?
        {
            heads.insert(h.chain, (h.seq, h.hash, true));
        }
    }
    let mut models = Vec::with_capacity(records.len());
    for record in records {
        seq += 1;
        let tenant = record.tenant_id.as_ref().map(|t| {
            heads
                .entry(tenant_chain(t))
                .or_insert_with(|| (0, store::GENESIS_HASH.to_owned(), false))
        });
        let (tenant_seq, tenant_prev) = match &tenant {
            Some((s, h, _)) => (*s + 1, Some(h.clone())),
            None => (0, None),
        };
        let details = serde_json::to_string(&record.details).unwrap_or_else(|_| "{}".into());
        let mut model = audit_events::Model {
            seq,
            at,
            tenant_id: record.tenant_id,
            tenant_seq,
            actor_id: record.actor.id,
            actor_role: record.actor.role,
            action: record.action,
            object_type: record.object_type,
            object_id: record.object_id,
            reason: record.reason,
            details,
            prev_hash: hash.clone(),
            hash: String::new(),
            tenant_prev_hash: tenant_prev.clone(),
            tenant_hash: None,
            writer: Some(writer.clone()),
        };
        let digest = content_digest(&model);
        model.hash = link_hash("global", &model.prev_hash, &digest);
        model.tenant_hash = tenant_prev
            .as_deref()
            .map(|p| link_hash("tenant", p, &digest));
        if let (Some(t), Some(th)) = (tenant, &model.tenant_hash) {
            t.0 = tenant_seq;
            t.1 = th.clone();
        }
        hash = model.hash.clone();
        models.push(model);
    }
    // SQLite takes at most 32,766 bound values a statement; 16 a row.
    for chunk in models.chunks(1_000) {
        audit_events::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(audit_events::ActiveModel::from)
                .collect::<Vec<_>>(),
        )
        .exec_without_returning(txn)
        .await?;
    }
    audit_heads::Entity::update_many()
        .col_expr(audit_heads::Column::Seq, Expr::value(seq))
        .col_expr(audit_heads::Column::Hash, Expr::value(hash))
        .filter(audit_heads::Column::Chain.eq(GLOBAL))
        .exec(txn)
        .await?;
    for (chain, (s, h, existed)) in heads {
        if existed {
            audit_heads::Entity::update_many()
                .col_expr(audit_heads::Column::Seq, Expr::value(s))
                .col_expr(audit_heads::Column::Hash, Expr::value(h))
                .filter(audit_heads::Column::Chain.eq(chain))
                .exec(txn)
                .await?;
        } else {
            audit_heads::ActiveModel {
                chain: Set(chain),
                seq: Set(s),
                hash: Set(h),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(models)
}

/// The outcome of walking every chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries: u64,
    pub tenants: u64,
    /// How many entries each writer wrote (entries from before writers were
    /// recorded are not counted here).
    pub writers: std::collections::BTreeMap<String, u64>,
    /// The first broken link found, in global order; `None` when intact.
    pub broken: Option<BrokenLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    /// `global` or `tenant:<id>`.
    pub chain: String,
    pub reason: String,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "entry {} ({} chain): {}",
            self.seq, self.chain, self.reason
        )
    }
}

/// The global chain's head: its last sequence number and hash.
pub async fn global_head<C: ConnectionTrait>(db: &C) -> Result<(i64, String), AuditError> {
    let h = audit_heads::Entity::find_by_id(GLOBAL.to_owned())
        .one(db)
        .await?;
    Ok(h.map(|h| (h.seq, h.hash))
        .unwrap_or((0, store::GENESIS_HASH.to_owned())))
}

/// Walks the global chain and every tenant chain in pages, recomputing each
/// hash, and checks the stored heads against the last entries.
pub async fn verify<C: ConnectionTrait>(db: &C) -> Result<VerifyReport, AuditError> {
    use std::collections::HashMap;
    const PAGE: u64 = 2_000;
    let mut prev_global = store::GENESIS_HASH.to_owned();
    let mut expected_seq = 1i64;
    let mut tenants: HashMap<String, (i64, String)> = HashMap::new();
    let mut entries = 0u64;
    let mut after = 0i64;
    let mut writers = std::collections::BTreeMap::<String, u64>::new();
    let broken = |seq: i64, chain: &str, reason: String| VerifyReport {
        entries: 0,
        tenants: 0,
        writers: Default::default(),
        broken: Some(BrokenLink {
            seq,
            chain: chain.into(),
            reason,
        }),
    };
    loop {
        let page = audit_events::Entity::find()
            .filter(audit_events::Column::Seq.gt(after))
            .order_by_asc(audit_events::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            after = e.seq;
            entries += 1;
            if e.seq != expected_seq {
                return Ok(broken(
                    expected_seq,
                    GLOBAL,
                    format!("entry missing: next stored entry is {}", e.seq),
                ));
            }
            expected_seq += 1;
            if e.prev_hash != prev_global {
                return Ok(broken(
                    e.seq,
                    GLOBAL,
                    "previous hash does not match the entry before it".into(),
                ));
            }
            let digest = content_digest(e);
            if link_hash("global", &e.prev_hash, &digest) != e.hash {
                return Ok(broken(
                    e.seq,
                    GLOBAL,
                    "hash does not match the stored contents".into(),
                ));
            }
            prev_global = e.hash.clone();
            // Since writers are recorded every entry names one: an entry
            // without, after one with, was not written by the audit path.
            match &e.writer {
                Some(w) if w.is_empty() => {
                    return Ok(broken(e.seq, GLOBAL, "the writer is empty".into()));
                }
                Some(w) => *writers.entry(w.clone()).or_default() += 1,
                None if !writers.is_empty() => {
                    return Ok(broken(
                        e.seq,
                        GLOBAL,
                        "entry has no writer, after entries that have one".into(),
                    ));
                }
                None => {}
            }
            if let Some(t) = &e.tenant_id {
                let chain = tenant_chain(t);
                let (last_seq, last_hash) = tenants
                    .entry(t.clone())
                    .or_insert((0, store::GENESIS_HASH.to_owned()))
                    .clone();
                if e.tenant_seq != last_seq + 1 {
                    return Ok(broken(
                        e.seq,
                        &chain,
                        format!("tenant sequence jumps from {last_seq} to {}", e.tenant_seq),
                    ));
                }
                if e.tenant_prev_hash.as_deref() != Some(last_hash.as_str()) {
                    return Ok(broken(
                        e.seq,
                        &chain,
                        "previous tenant hash does not match".into(),
                    ));
                }
                let th = link_hash("tenant", &last_hash, &digest);
                if e.tenant_hash.as_deref() != Some(th.as_str()) {
                    return Ok(broken(
                        e.seq,
                        &chain,
                        "tenant hash does not match the stored contents".into(),
                    ));
                }
                tenants.insert(t.clone(), (e.tenant_seq, th));
            } else if e.tenant_seq != 0 || e.tenant_hash.is_some() || e.tenant_prev_hash.is_some() {
                return Ok(broken(
                    e.seq,
                    GLOBAL,
                    "tenant chain fields on an entry without a tenant".into(),
                ));
            }
        }
    }
    // The heads must point at the last entries: this catches truncation of the
    // newest entries, which no link inside the remaining chain can reveal.
    let heads = audit_heads::Entity::find().all(db).await?;
    for h in heads {
        if h.chain == GLOBAL {
            if h.seq != expected_seq - 1 || h.hash != prev_global {
                return Ok(broken(
                    h.seq,
                    GLOBAL,
                    format!(
                        "chain head says {} entries but {} are stored",
                        h.seq,
                        expected_seq - 1
                    ),
                ));
            }
        } else if let Some(t) = h.chain.strip_prefix("tenant:") {
            let ok = tenants
                .get(t)
                .is_some_and(|(s, hash)| *s == h.seq && *hash == h.hash);
            if !ok {
                return Ok(broken(
                    h.seq,
                    &h.chain,
                    "tenant chain head does not match its last entry".into(),
                ));
            }
        }
    }
    Ok(VerifyReport {
        entries,
        tenants: tenants.len() as u64,
        writers,
        broken: None,
    })
}

/// Filter for [`list`]. `tenant_id` is applied as given: callers scope it.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub tenant_id: Option<String>,
    pub action_prefix: Option<String>,
    pub object_id: Option<String>,
    /// Only entries with a seq greater than this (oldest first).
    pub after_seq: i64,
    /// Newest first: only entries with a seq smaller than this (none: from
    /// the newest).
    pub before_seq: Option<i64>,
    pub newest_first: bool,
    /// Only entries written at or after `from` and before `until`.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    pub limit: u64,
}

/// The entries a filter admits, whatever the page: tenant, action, object
/// and time window.
fn filtered(filter: &ListFilter) -> sea_orm::Select<audit_events::Entity> {
    let mut q = audit_events::Entity::find();
    if let Some(t) = &filter.tenant_id {
        q = q.filter(audit_events::Column::TenantId.eq(t.clone()));
    }
    if let Some(p) = &filter.action_prefix {
        q = q.filter(audit_events::Column::Action.like(store::like_prefix(p)));
    }
    if let Some(o) = &filter.object_id {
        q = q.filter(audit_events::Column::ObjectId.eq(o.clone()));
    }
    if let Some(f) = filter.from {
        q = q.filter(audit_events::Column::At.gte(f));
    }
    if let Some(u) = filter.until {
        q = q.filter(audit_events::Column::At.lt(u));
    }
    q
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &ListFilter,
) -> Result<Vec<audit_events::Model>, AuditError> {
    let q = filtered(filter);
    let q = if filter.newest_first {
        let q = match filter.before_seq {
            Some(b) => q.filter(audit_events::Column::Seq.lt(b)),
            None => q,
        };
        q.order_by_desc(audit_events::Column::Seq)
    } else {
        q.filter(audit_events::Column::Seq.gt(filter.after_seq))
            .order_by_asc(audit_events::Column::Seq)
    };
    Ok(q.limit(filter.limit).all(db).await?)
}

/// How many entries the filter admits on all pages.
pub async fn count<C: ConnectionTrait>(db: &C, filter: &ListFilter) -> Result<u64, AuditError> {
    use sea_orm::PaginatorTrait;
    Ok(filtered(filter).count(db).await?)
}

impl Actor {
    /// The value of [`auth::ACTOR_HEADER`] that carries this actor to a peer.
    pub fn header_value(&self) -> String {
        format!("{} {}", self.role, self.id)
    }

    /// The actor of a peer call: the one the peer acts for, as its
    /// [`auth::ACTOR_HEADER`] names it, recorded with the peer that relayed
    /// it (`<id> via <peer>`); the peer itself when the header is absent or
    /// malformed.
    pub fn relayed<T>(peer: &auth::Principal, req: &tonic::Request<T>) -> Actor {
        let me = Actor::from(peer);
        let given = req
            .metadata()
            .get(auth::ACTOR_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(role, id)| {
                !role.is_empty()
                    && !id.trim().is_empty()
                    && role.len() <= 32
                    && id.len() <= 200
                    && role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        match given {
            Some((role, id)) => Actor {
                id: format!("{} via {}", id.trim(), me.id),
                role: role.to_owned(),
            },
            None => me,
        }
    }
}

impl From<&auth::Principal> for Actor {
    fn from(p: &auth::Principal) -> Actor {
        Actor {
            id: p.actor_id(),
            role: p.role.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
mod relayed_tests {
    use super::*;

    fn peer() -> auth::Principal {
        auth::Principal {
            token_id: "p1".into(),
            name: "peer-requests".into(),
            role: auth::Role::Peer,
            tenant: None,
            person: None,
        }
    }

    fn with(header: Option<&str>) -> tonic::Request<()> {
        let mut r = tonic::Request::new(());
        if let Some(h) = header {
            r.metadata_mut()
                .insert(auth::ACTOR_HEADER, h.parse().unwrap());
        }
        r
    }

    #[test]
    fn a_relayed_actor_is_recorded_with_its_peer() {
        let a = Actor::relayed(&peer(), &with(Some("controller token:abc")));
        assert_eq!(a.role, "controller");
        assert_eq!(a.id, "token:abc via token:p1");
        let system = Actor::system("switching-worker");
        let a = Actor::relayed(&peer(), &with(Some(&system.header_value())));
        assert_eq!(
            (a.role.as_str(), a.id.as_str()),
            ("system", "system:switching-worker via token:p1")
        );
    }

    #[test]
    fn without_a_usable_header_the_peer_itself_is_the_actor() {
        for h in [
            None,
            Some("nospace"),
            Some("bad-role! x"),
            Some("controller  "),
        ] {
            let a = Actor::relayed(&peer(), &with(h));
            assert_eq!(
                (a.role.as_str(), a.id.as_str()),
                ("peer", "token:p1"),
                "{h:?}"
            );
        }
    }
}
