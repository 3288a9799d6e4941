//! The vault's operations over both databases. Handlers call these; they
//! know nothing of tonic.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use audit::{Actor, Record};
use auth::{Scope, TenantRefusal};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr, Statement,
};
use serde_json::json;
use store::entities::vault::{
    audit_checkpoints, candidate_deks, candidate_documents, candidate_index, candidates,
    deletion_certificates, keystore_state, ledger_checkpoints, retention_policies, shred_ledger,
    signing_keys, tenant_keks, vault_state,
};
use tokio::sync::Mutex;
use vault_crypto::{Dek, FieldContext};

use crate::domain::*;
use crate::keys::{KeyStore, begin_write};
use crate::ledger::{Entry, Ledger, Subject};

/// A failure of the vault's storage or anything else unexpected: an outage
/// of a database is UNAVAILABLE (retry later), the rest INTERNAL. Shadows
/// `domain::internal` for the service and its submodules.
pub(crate) fn internal(e: impl std::fmt::Display + 'static) -> VaultError {
    match audit::outage_of(&e) {
        Some(o) => VaultError::Port(domain_kit::PortError::Unavailable(o.to_string())),
        None => crate::domain::internal(e),
    }
}

audit::storage_errors!(VaultError => internal, serde_json::Error, crate::keys::KeyError, crate::ledger::LedgerError, vault_crypto::CryptoError);

pub use audit_tree::MAX_PROVEN_EVENTS;
pub use candidate::CandidateFilter;
pub use erasure::CertificateFilter;
pub use notary::{LeafRef, Notary, Proven};

mod audit_tree;
mod candidate;
mod certificates;
mod erasure;
mod notary;
mod reconcile;
mod retention;
mod tenant;
mod tree_store;

/// Whether a tenant (controller) exists. The vault does not read the
/// controllers table: the server wires this to the controllers service.
#[async_trait::async_trait]
pub trait TenantDirectory: Send + Sync {
    async fn exists(&self, tenant: &str) -> Result<bool, domain_kit::PortError>;
}

pub struct Vault {
    pub main: DatabaseConnection,
    pub keys: Arc<KeyStore>,
    ledger: Ledger,
    /// Serializes ledger work inside this process; the OS file lock (or the
    /// shared table's advisory lock) serializes it across processes.
    ledger_lock: Mutex<()>,
    pub limits: Limits,
    tenants: Arc<dyn TenantDirectory>,
    /// How long a sweep's claim is exclusive before another worker may take it over.
    pub lease: Duration,
    /// The processor's signing key: checkpoints and certificates.
    notary: Arc<Notary>,
    /// Whether reconcile extends the Merkle trees (always, in service). The
    /// sweep benchmark turns it off to measure the sweep without them; the
    /// next pass with it on appends everything the trees lack, so nothing
    /// is lost by a pass without.
    pub trees: std::sync::atomic::AtomicBool,
    /// Where the orphan-DEK collector goes on at the next reconcile (a
    /// candidate id; `None`: from the start).
    orphan_cursor: Mutex<Option<String>>,
}

/// What one reconcile pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ReconcileReport {
    /// Ledger entries read from the file that the key store did not have.
    pub restored_ledger_entries: u64,
    /// DEKs found for shredded candidates and destroyed again.
    pub reshredded_keys: u64,
    /// Entries appended to the ledger file.
    pub appended_to_file: u64,
    /// Entries applied to the main database.
    pub applied_to_main: u64,
    /// Candidate rows found for shredded candidates and deleted.
    pub removed_rows: u64,
    /// Tenant erasures the key store had lost (a restore) and that were
    /// applied again: keys destroyed, fence back.
    pub reerased_tenants: u64,
    /// DEKs of candidates that were never stored (a `PutCandidates` that
    /// failed after its keys were made), older than the grace period, removed.
    pub orphan_deks: u64,
}

impl ReconcileReport {
    fn add(&mut self, o: ReconcileReport) {
        self.restored_ledger_entries += o.restored_ledger_entries;
        self.reshredded_keys += o.reshredded_keys;
        self.appended_to_file += o.appended_to_file;
        self.applied_to_main += o.applied_to_main;
        self.removed_rows += o.removed_rows;
        self.reerased_tenants += o.reerased_tenants;
        self.orphan_deks += o.orphan_deks;
    }
}

/// Counters of one sweep.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub batches: u64,
    pub claimed: u64,
    pub shredded: u64,
    pub reconcile: ReconcileReport,
}

/// What [`Vault::erase_tenant`] did.
#[derive(Debug, Clone)]
pub struct TenantErasure {
    pub keys_destroyed_at: DateTime<Utc>,
    pub kek_versions: Vec<u32>,
    pub keys_destroyed: u64,
    pub rows_deleted: Vec<(String, u64)>,
    /// The signed tenant erasure certificate
    /// (`custodian.tenant-erasure-certificate/v1`, docs/evidence.md).
    pub signed: String,
}

/// A claimed candidate, committed to erasure.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub tenant_id: String,
    pub reason: String,
    pub basis: String,
}

/// The sealed fields' names in their associated data.
pub const PROFILE: &str = "profile";
pub const CV: &str = "cv";

fn ctx<'a>(tenant: &'a str, candidate: &'a str, field: &'a str) -> FieldContext<'a> {
    FieldContext {
        tenant,
        candidate,
        field,
        schema_version: SCHEMA_VERSION,
    }
}

/// Rows a normal read may return: not claimed for erasure, and not past
/// `delete_after` unless on legal hold ("hide first, then shred").
pub fn visible(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(candidates::Column::ShredClaimedAt.is_null())
        .add(
            Condition::any()
                .add(candidates::Column::DeleteAfter.is_null())
                .add(candidates::Column::DeleteAfter.gt(now))
                .add(candidates::Column::LegalHold.eq(true)),
        )
}

fn ids_json(ids: &[String]) -> serde_json::Value {
    json!({ "candidate_ids": ids })
}

impl Vault {
    pub fn new(
        main: DatabaseConnection,
        keys: Arc<KeyStore>,
        ledger: Ledger,
        limits: Limits,
        tenants: Arc<dyn TenantDirectory>,
        notary: Arc<Notary>,
    ) -> Vault {
        Vault {
            main,
            keys,
            ledger,
            ledger_lock: Mutex::new(()),
            limits,
            tenants,
            lease: Duration::from_secs(300),
            notary,
            trees: std::sync::atomic::AtomicBool::new(true),
            orphan_cursor: Mutex::new(None),
        }
    }

    /// Where the ledger outside both databases is (a path or a redacted URL).
    pub fn ledger_location(&self) -> String {
        self.ledger.describe()
    }

    /// The tenant a write acts for: a tenant-bound caller's own; a
    /// processor-wide caller must name an existing tenant.
    pub async fn write_tenant(&self, scope: &Scope, requested: &str) -> Result<String, VaultError> {
        let requested = requested.trim();
        if !requested.is_empty() && proto::wire::uuid(requested).is_none() {
            return Err(field_err(
                "tenant_id",
                format!("must be a UUID, got {}", proto::wire::quote(requested)),
            )
            .into());
        }
        let tenant = scope
            .acting_for(Some(requested).filter(|r| !r.is_empty()))
            .map_err(|refusal| match refusal {
                TenantRefusal::Foreign => VaultError::NotFound,
                TenantRefusal::Unnamed => {
                    field_err("tenant_id", "required for processor-wide tokens").into()
                }
            })?;
        if *scope == Scope::All && !self.tenants.exists(&tenant).await? {
            return Err(VaultError::NotFound);
        }
        Ok(tenant)
    }

    fn seal_payload(
        tenant: &str,
        id: &str,
        dek: &Dek,
        p: &Payload,
    ) -> Result<(Vec<u8>, Option<Vec<u8>>), VaultError> {
        let profile = serde_json::to_vec(&p.profile)?;
        let sealed = dek.seal(&ctx(tenant, id, PROFILE), &profile);
        let cv = (!p.cv.is_empty()).then(|| dek.seal(&ctx(tenant, id, CV), &p.cv));
        Ok((sealed, cv))
    }

    async fn index_rows(
        &self,
        tenant: &str,
        id: &str,
        p: &Profile,
    ) -> Result<Vec<candidate_index::ActiveModel>, VaultError> {
        let key = self.keys.index_key(tenant).await?;
        let mut hashes: Vec<String> = Vec::new();
        if let Some(h) = key.email(&p.email) {
            hashes.push(h);
        }
        if let Some(h) = key.phone(&p.phone) {
            hashes.push(h);
        }
        Ok(hashes
            .into_iter()
            .map(|h| candidate_index::ActiveModel {
                tenant_id: Set(tenant.to_owned()),
                hash: Set(h),
                candidate_id: Set(id.to_owned()),
            })
            .collect())
    }

    /// A visible candidate in the caller's scope.
    async fn find_visible<C: ConnectionTrait>(
        &self,
        db: &C,
        scope: &Scope,
        id: &str,
    ) -> Result<candidates::Model, VaultError> {
        self.lookup(db, scope, id, false).await
    }

    /// Like [`Self::find_visible`], but locks the row (`FOR UPDATE` on
    /// PostgreSQL) so that a concurrent claim cannot be overwritten.
    async fn find_visible_locked<C: ConnectionTrait>(
        &self,
        db: &C,
        scope: &Scope,
        id: &str,
    ) -> Result<candidates::Model, VaultError> {
        self.lookup(db, scope, id, true).await
    }

    async fn lookup<C: ConnectionTrait>(
        &self,
        db: &C,
        scope: &Scope,
        id: &str,
        lock: bool,
    ) -> Result<candidates::Model, VaultError> {
        lookup(db, scope, id, lock).await
    }

    /// Applies a change to one visible candidate in a savepoint of the audit
    /// writer's next group commit, recomputing `delete_after` from the result.
    async fn change<F>(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        action: &str,
        reason: Option<String>,
        f: F,
    ) -> Result<Candidate, VaultError>
    where
        F: FnOnce(&mut candidates::Model) -> Result<serde_json::Value, VaultError> + Send + 'static,
    {
        let (actor, scope, id, action) = (
            actor.clone(),
            scope.clone(),
            id.to_owned(),
            action.to_owned(),
        );
        audit::write(&self.main, move |txn, log| {
            Box::pin(async move {
                let row = lookup(txn, &scope, &id, true).await?;
                let mut next = row.clone();
                let details = f(&mut next)?;
                let policy = retention::policy_of(txn, &next.tenant_id).await?;
                Self::apply_retention(&mut next, &policy)?;
                next.updated_at = store::now_micros();
                let saved = candidates::ActiveModel::from(next)
                    .reset_all()
                    .update(txn)
                    .await?;
                let mut rec = Record::new(&actor, &action, "candidate", &id)
                    .tenant(&saved.tenant_id)
                    .details(details);
                if let Some(r) = reason {
                    rec = rec.reason(r);
                }
                log.push(rec);
                Ok::<_, VaultError>(saved)
            })
        })
        .await?
        .try_into()
    }
}

/// One visible candidate of `scope`, locked for update (`FOR UPDATE` on
/// PostgreSQL) when `lock`; another tenant's is `NotFound`, as a missing one.
async fn lookup<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: &str,
    lock: bool,
) -> Result<candidates::Model, VaultError> {
    let mut q = candidates::Entity::find_by_id(id.to_owned()).filter(visible(Utc::now()));
    if lock {
        q = q.lock_exclusive();
    }
    let row = q.one(db).await?.ok_or(VaultError::NotFound)?;
    if !scope.allows(&row.tenant_id) {
        return Err(VaultError::NotFound);
    }
    Ok(row)
}

/// The vault's answers from its rows: a row that does not read as the
/// domain's (an unknown status, categories that are not a list) is an
/// internal error, never a guess.
impl TryFrom<candidates::Model> for Candidate {
    type Error = VaultError;
    fn try_from(r: candidates::Model) -> Result<Candidate, VaultError> {
        let status = CandidateStatus::parse(&r.status)
            .ok_or_else(|| internal(format!("candidate {} has status {:?}", r.id, r.status)))?;
        let consent = Consent::parse(&r.consent)
            .ok_or_else(|| internal(format!("candidate {} has consent {:?}", r.id, r.consent)))?;
        Ok(Candidate {
            categories: serde_json::from_str(&r.categories)?,
            status,
            consent,
            hold: r.legal_hold.then(|| r.hold_reason.unwrap_or_default()),
            cv_size: r.cv_size.max(0) as u64,
            id: r.id,
            tenant_id: r.tenant_id,
            external_ref: r.external_ref,
            vacancy_ref: r.vacancy_ref,
            applied_on: r.applied_on,
            closed_on: r.closed_on,
            consent_given_on: r.consent_given_on,
            consent_withdrawn_on: r.consent_withdrawn_on,
            restricted: r.restricted,
            delete_after: r.delete_after,
            retention_basis: r.retention_basis,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Rows in order, each as [`Candidate`].
fn candidates_of(rows: Vec<candidates::Model>) -> Result<Vec<Candidate>, VaultError> {
    rows.into_iter().map(Candidate::try_from).collect()
}

impl From<deletion_certificates::Model> for DeletionCertificate {
    fn from(c: deletion_certificates::Model) -> DeletionCertificate {
        DeletionCertificate {
            candidate_id: c.candidate_id,
            tenant_id: c.tenant_id,
            external_ref: c.external_ref,
            reason: c.reason,
            basis: c.basis,
            shredded_at: c.shredded_at,
            ledger_seq: c.ledger_seq.max(0) as u64,
            ledger_hash: c.ledger_hash,
        }
    }
}

/// Both trees' checkpoint rows hold the same facts (the audit trees' also
/// name their tree).
macro_rules! checkpoint_from {
    ($($row:ty),*) => {$(
        impl From<$row> for Checkpoint {
            fn from(c: $row) -> Checkpoint {
                Checkpoint {
                    tree_size: c.tree_size.max(0) as u64,
                    root_hash: c.root_hash,
                    note: c.note,
                    signed_by: c.signed_by,
                    signed_at: c.signed_at,
                }
            }
        }
    )*};
}
checkpoint_from!(ledger_checkpoints::Model, audit_checkpoints::Model);

impl From<signing_keys::Model> for SigningKey {
    fn from(k: signing_keys::Model) -> SigningKey {
        SigningKey {
            handle: k.key_handle,
            public_key: k.public_key,
            first_used_at: k.first_used_at,
            retired_at: k.retired_at,
        }
    }
}

/// The associated data of an export chunk: tenant, `export:<id>`, the
/// chunk's number (the same binding the chunks were always sealed with).
fn export_ctx<'a>(tenant: &'a str, key_id: &'a str, field: &'a str) -> FieldContext<'a> {
    FieldContext {
        tenant,
        candidate: key_id,
        field,
        schema_version: 1,
    }
}

/// Deletes every vault row of an erased tenant (its keys are already gone);
/// returns the rows deleted per table. Idempotent.
async fn purge_tenant_rows<C: ConnectionTrait>(
    txn: &C,
    tenant: &str,
) -> Result<Vec<(&'static str, u64)>, VaultError> {
    let mut rows = Vec::new();
    macro_rules! purge {
        ($m:ident, $name:literal) => {
            rows.push((
                $name,
                $m::Entity::delete_many()
                    .filter($m::Column::TenantId.eq(tenant))
                    .exec(txn)
                    .await?
                    .rows_affected,
            ));
        };
    }
    purge!(candidate_index, "candidate_index");
    purge!(candidate_documents, "candidate_documents");
    purge!(candidates, "candidates");
    purge!(retention_policies, "retention_policies");
    Ok(rows)
}

pub(crate) fn entry_model(e: &Entry) -> shred_ledger::ActiveModel {
    shred_ledger::ActiveModel::from(shred_ledger::Model {
        seq: e.seq,
        candidate_id: e.candidate_id.clone(),
        tenant_id: e.tenant_id.clone(),
        reason: e.reason.clone(),
        basis: e.basis.clone(),
        shredded_at: e.shredded_at,
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
    })
}

fn model_entry(m: shred_ledger::Model) -> Entry {
    Entry {
        seq: m.seq,
        candidate_id: m.candidate_id,
        tenant_id: m.tenant_id,
        reason: m.reason,
        basis: m.basis,
        shredded_at: m.shredded_at,
        prev_hash: m.prev_hash,
        hash: m.hash,
    }
}

/// The candidates a payload-bearing op may use: `NaiveDate` today in Amsterdam.
pub fn today() -> NaiveDate {
    legal_time::period::local_date(Utc::now())
}
