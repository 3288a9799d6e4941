//! The vault's operations over both databases. Handlers call these; they
//! know nothing of tonic.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use audit::{Actor, Record};
use auth::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr, Statement,
};
use serde_json::json;
use store::entities::vault::{
    candidate_deks, candidate_documents, candidate_index, candidates, deletion_certificates,
    keystore_state, retention_policies, shred_ledger, tenant_keks, vault_state,
};
use tokio::sync::Mutex;
use vault_crypto::{Dek, FieldContext};

use crate::domain::*;
use crate::keys::{KeyStore, begin_write};
use crate::ledger::{Entry, LedgerFile, Subject};

/// Whether a tenant (controller) exists. The vault does not read the
/// controllers table: the server wires this to the controllers service.
pub trait TenantDirectory: Send + Sync {
    fn exists<'a>(
        &'a self,
        tenant: &'a str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<bool, domain_kit::PortError>> + Send + 'a>,
    >;
}

pub struct Vault {
    pub main: DatabaseConnection,
    pub keys: Arc<KeyStore>,
    ledger: LedgerFile,
    /// Serializes ledger-file work inside this process; the OS file lock
    /// serializes it across processes.
    ledger_lock: Mutex<()>,
    pub limits: Limits,
    tenants: Arc<dyn TenantDirectory>,
    /// How long a sweep's claim is exclusive before another worker may take it over.
    pub lease: Duration,
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
}

impl ReconcileReport {
    fn add(&mut self, o: ReconcileReport) {
        self.restored_ledger_entries += o.restored_ledger_entries;
        self.reshredded_keys += o.reshredded_keys;
        self.appended_to_file += o.appended_to_file;
        self.applied_to_main += o.applied_to_main;
        self.removed_rows += o.removed_rows;
        self.reerased_tenants += o.reerased_tenants;
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
}

/// A claimed candidate, committed to erasure.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub tenant_id: String,
    pub reason: String,
    pub basis: String,
}

const PROFILE: &str = "profile";
const CV: &str = "cv";

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
        ledger_path: std::path::PathBuf,
        limits: Limits,
        tenants: Arc<dyn TenantDirectory>,
    ) -> Vault {
        Vault {
            main,
            keys,
            ledger: LedgerFile::new(ledger_path),
            ledger_lock: Mutex::new(()),
            limits,
            tenants,
            lease: Duration::from_secs(300),
        }
    }

    pub fn ledger_path(&self) -> &std::path::Path {
        self.ledger.path()
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
        match scope {
            Scope::Tenant(t) => {
                if !requested.is_empty() && requested != t {
                    return Err(VaultError::NotFound);
                }
                Ok(t.clone())
            }
            Scope::All => {
                if requested.is_empty() {
                    return Err(field_err("tenant_id", "required for processor-wide tokens").into());
                }
                if !self.tenants.exists(requested).await? {
                    return Err(VaultError::NotFound);
                }
                Ok(requested.to_owned())
            }
        }
    }

    pub async fn policy(&self, tenant: &str) -> Result<Policy, VaultError> {
        let row = retention_policies::Entity::find_by_id(tenant.to_owned())
            .one(&self.main)
            .await
            .map_err(internal)?;
        Ok(match row {
            Some(r) => Policy {
                rejected_weeks: r.rejected_weeks as u32,
                talent_pool_months: r.talent_pool_months as u32,
                hired_months: r.hired_months as u32,
                anchor: Anchor::parse(&r.anchor).unwrap_or(Anchor::RejectionCommunicated),
            },
            None => Policy::default(),
        })
    }

    fn seal_payload(
        tenant: &str,
        id: &str,
        dek: &Dek,
        p: &Payload,
    ) -> Result<(Vec<u8>, Option<Vec<u8>>), VaultError> {
        let profile = serde_json::to_vec(&p.profile).map_err(internal)?;
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

    /// Stores new candidates: keys first (key store), then the encrypted rows,
    /// their indexes and one audit entry (main), in one transaction.
    pub async fn put(
        &self,
        actor: &Actor,
        tenant: &str,
        items: Vec<NewCandidate>,
    ) -> Result<Vec<candidates::Model>, VaultError> {
        let ids: Vec<String> = items
            .iter()
            .map(|_| uuid::Uuid::now_v7().to_string())
            .collect();
        let deks = self.keys.create_deks(tenant, &ids).await?;
        let now = store::now_micros();
        let mut rows = Vec::with_capacity(items.len());
        let mut docs = Vec::new();
        let mut index = Vec::new();
        for ((item, id), dek) in items.into_iter().zip(&ids).zip(&deks) {
            let (profile, cv) = Self::seal_payload(tenant, id, dek, &item.payload)?;
            index.extend(self.index_rows(tenant, id, &item.payload.profile).await?);
            if let Some(body) = cv {
                docs.push(candidate_documents::ActiveModel {
                    candidate_id: Set(id.clone()),
                    tenant_id: Set(tenant.to_owned()),
                    body: Set(body),
                });
            }
            rows.push(candidates::Model {
                id: id.clone(),
                tenant_id: tenant.to_owned(),
                external_ref: item.external_ref,
                vacancy_ref: item.vacancy_ref,
                applied_on: item.applied_on,
                categories: serde_json::to_string(&item.categories).map_err(internal)?,
                status: Status::Open.as_str().into(),
                closed_on: None,
                consent: "none".into(),
                consent_given_on: None,
                consent_withdrawn_on: None,
                legal_hold: false,
                hold_reason: None,
                restricted: false,
                delete_after: None,
                retention_basis: None,
                profile,
                cv_size: item.payload.cv.len() as i64,
                shred_claimed_at: None,
                claimed_until: None,
                shred_reason: None,
                shred_basis: None,
                created_at: now,
                updated_at: now,
            });
        }
        let result = async {
            let txn = audit::begin(&self.main).await.map_err(internal)?;
            for chunk in rows.chunks(200) {
                candidates::Entity::insert_many(chunk.iter().cloned().map(candidates::ActiveModel::from))
                    .exec_without_returning(&txn)
                    .await
                    .map_err(|e| match e.sql_err() {
                        Some(SqlErr::UniqueConstraintViolation(_)) => {
                            VaultError::AlreadyExists("external_ref: a candidate with this external_ref already exists for the tenant".into())
                        }
                        _ => internal(e),
                    })?;
            }
            for chunk in docs.chunks(500) {
                candidate_documents::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await.map_err(internal)?;
            }
            for chunk in index.chunks(500) {
                candidate_index::Entity::insert_many(chunk.to_vec())
                    .on_conflict(
                        OnConflict::columns([candidate_index::Column::TenantId, candidate_index::Column::Hash, candidate_index::Column::CandidateId])
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await
                    .map_err(internal)?;
            }
            let object = if ids.len() == 1 { ids[0].clone() } else { format!("batch of {}", ids.len()) };
            audit::append(&txn, Record::new(actor, "candidate.create", "candidate", &object).tenant(tenant).details(ids_json(&ids)))
                .await
                .map_err(internal)?;
            txn.commit().await.map_err(internal)
        }
        .await;
        if let Err(e) = result {
            let _ = self.keys.discard_deks(&ids).await;
            return Err(e);
        }
        Ok(rows)
    }

    /// A visible candidate in the caller's scope.
    pub async fn find_visible<C: ConnectionTrait>(
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
        let mut q = candidates::Entity::find_by_id(id.to_owned()).filter(visible(Utc::now()));
        if lock {
            q = q.lock_exclusive();
        }
        let row = q
            .one(db)
            .await
            .map_err(internal)?
            .ok_or(VaultError::NotFound)?;
        if !scope.allows(&row.tenant_id) {
            return Err(VaultError::NotFound);
        }
        Ok(row)
    }

    /// Decrypts a candidate for a stated purpose; the read is audited. A
    /// candidate whose processing is restricted (GDPR art. 18) is refused:
    /// only a data-subject request reads it ([`Self::read_for_request`]).
    pub async fn get(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        purpose: &str,
    ) -> Result<(candidates::Model, Payload), VaultError> {
        let row = self.find_visible(&self.main, scope, id).await?;
        if row.restricted {
            return Err(VaultError::Precondition(
                "processing of this candidate is restricted (GDPR art. 18): ordinary reads are refused".into(),
            ));
        }
        self.open_audited(actor, row, purpose).await
    }

    /// Decrypts a candidate for a data-subject request, restricted or not;
    /// audited with the request as the purpose.
    pub async fn read_for_request(
        &self,
        actor: &Actor,
        tenant: &str,
        id: &str,
        request_id: &str,
    ) -> Result<(candidates::Model, Payload), VaultError> {
        let row = self
            .find_visible(&self.main, &Scope::Tenant(tenant.to_owned()), id)
            .await?;
        self.open_audited(actor, row, &format!("data-subject request {request_id}"))
            .await
    }

    async fn open_audited(
        &self,
        actor: &Actor,
        row: candidates::Model,
        purpose: &str,
    ) -> Result<(candidates::Model, Payload), VaultError> {
        let dek = self
            .keys
            .dek(&row.tenant_id, &row.id)
            .await?
            .ok_or(VaultError::NotFound)?;
        let profile_bytes = zeroize::Zeroizing::new(
            dek.open(&ctx(&row.tenant_id, &row.id, PROFILE), &row.profile)
                .map_err(internal)?,
        );
        let profile: Profile = serde_json::from_slice(&profile_bytes).map_err(internal)?;
        let cv = if row.cv_size > 0 {
            let doc = candidate_documents::Entity::find_by_id(row.id.clone())
                .one(&self.main)
                .await
                .map_err(internal)?
                .ok_or_else(|| internal("cv document missing"))?;
            dek.open(&ctx(&row.tenant_id, &row.id, CV), &doc.body)
                .map_err(internal)?
        } else {
            Vec::new()
        };
        let txn = audit::begin(&self.main).await.map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "candidate.read", "candidate", &row.id)
                .tenant(&row.tenant_id)
                .reason(purpose),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok((row, Payload { profile, cv }))
    }

    /// Marks a candidate's processing as restricted (GDPR art. 18): ordinary
    /// reads refuse it from now on; retention and erasure still apply.
    pub async fn restrict(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reference: &str,
    ) -> Result<candidates::Model, VaultError> {
        let reference = reference.to_owned();
        self.change(
            actor,
            scope,
            id,
            "candidate.restrict",
            Some(reference),
            |row| {
                row.restricted = true;
                Ok(json!({}))
            },
        )
        .await
    }

    pub async fn list(
        &self,
        scope: &Scope,
        tenant: Option<&str>,
        vacancy: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<candidates::Model>, VaultError> {
        let mut q = candidates::Entity::find().filter(visible(Utc::now()));
        if let Some(t) = scope.filter(tenant) {
            q = q.filter(candidates::Column::TenantId.eq(t));
        }
        if let Some(v) = vacancy {
            q = q.filter(candidates::Column::VacancyRef.eq(v));
        }
        if let Some(a) = after {
            q = q.filter(candidates::Column::Id.gt(a));
        }
        // Metadata only: the sealed profile is never decrypted here.
        q.order_by_asc(candidates::Column::Id)
            .limit(limit)
            .all(&self.main)
            .await
            .map_err(internal)
    }

    /// The tenant's keyed blind-index hashes of a subject's e-mail address
    /// and phone number (either may be empty, not both).
    pub async fn subject_hashes(
        &self,
        tenant: &str,
        email: &str,
        phone: &str,
    ) -> Result<Vec<String>, VaultError> {
        let key = self.keys.index_key(tenant).await?;
        let mut hashes = Vec::new();
        if !email.trim().is_empty() {
            hashes.push(key.email(email).ok_or_else(|| {
                VaultError::from(field_err("email", "must be an e-mail address"))
            })?);
        }
        if !phone.trim().is_empty() {
            hashes.push(
                key.phone(phone).ok_or_else(|| {
                    VaultError::from(field_err("phone", "must be a phone number"))
                })?,
            );
        }
        if hashes.is_empty() {
            return Err(field_err("email", "give an e-mail address or a phone number").into());
        }
        Ok(hashes)
    }

    /// A tenant's live candidates (restricted ones included) whose keyed
    /// index holds one of `hashes`, or whose external reference is `external_ref`.
    pub async fn match_subject(
        &self,
        tenant: &str,
        hashes: &[String],
        external_ref: Option<&str>,
    ) -> Result<Vec<candidates::Model>, VaultError> {
        let mut ids: HashSet<String> = if hashes.is_empty() {
            HashSet::new()
        } else {
            candidate_index::Entity::find()
                .filter(candidate_index::Column::TenantId.eq(tenant))
                .filter(candidate_index::Column::Hash.is_in(hashes.iter().cloned()))
                .all(&self.main)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|r| r.candidate_id)
                .collect()
        };
        if let Some(r) = external_ref {
            ids.extend(
                candidates::Entity::find()
                    .filter(candidates::Column::TenantId.eq(tenant))
                    .filter(candidates::Column::ExternalRef.eq(r))
                    .all(&self.main)
                    .await
                    .map_err(internal)?
                    .into_iter()
                    .map(|c| c.id),
            );
        }
        candidates::Entity::find()
            .filter(candidates::Column::TenantId.eq(tenant))
            .filter(candidates::Column::Id.is_in(ids))
            .filter(visible(Utc::now()))
            .order_by_asc(candidates::Column::Id)
            .all(&self.main)
            .await
            .map_err(internal)
    }

    pub async fn find_by_index(
        &self,
        scope: &Scope,
        tenant: &str,
        email: &str,
        phone: &str,
    ) -> Result<Vec<candidates::Model>, VaultError> {
        let hashes = self.subject_hashes(tenant, email, phone).await?;
        let mut rows = self.match_subject(tenant, &hashes, None).await?;
        rows.retain(|r| scope.allows(&r.tenant_id));
        Ok(rows)
    }

    /// Applies a change to one visible candidate inside an audited
    /// transaction, recomputing `delete_after` from the result.
    async fn change<F>(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        action: &str,
        reason: Option<String>,
        f: F,
    ) -> Result<candidates::Model, VaultError>
    where
        F: FnOnce(&mut candidates::Model) -> Result<serde_json::Value, VaultError>,
    {
        let txn = audit::begin(&self.main).await.map_err(internal)?;
        let row = self.find_visible_locked(&txn, scope, id).await?;
        let mut next = row.clone();
        let details = f(&mut next)?;
        let policy = self.policy(&next.tenant_id).await?;
        self.apply_retention(&mut next, &policy)?;
        next.updated_at = store::now_micros();
        let saved = candidates::ActiveModel::from(next)
            .reset_all()
            .update(&txn)
            .await
            .map_err(internal)?;
        let mut rec = Record::new(actor, action, "candidate", id)
            .tenant(&saved.tenant_id)
            .details(details);
        if let Some(r) = reason {
            rec = rec.reason(r);
        }
        audit::append(&txn, rec).await.map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(saved)
    }

    fn apply_retention(
        &self,
        row: &mut candidates::Model,
        policy: &Policy,
    ) -> Result<(), VaultError> {
        let inputs = RetentionInputs {
            status: Status::parse(&row.status).unwrap_or(Status::Open),
            closed_on: row.closed_on,
            talent_pool: row.consent == "talent_pool",
            consent_withdrawn_on: row.consent_withdrawn_on,
        };
        match delete_after(&inputs, policy)? {
            Some((t, basis)) => {
                row.delete_after = Some(t);
                row.retention_basis = Some(basis);
            }
            None => {
                row.delete_after = None;
                row.retention_basis = None;
            }
        }
        Ok(())
    }

    pub async fn update(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        payload: Option<Payload>,
        vacancy: Option<String>,
        categories: Option<Vec<String>>,
    ) -> Result<candidates::Model, VaultError> {
        // Seal outside the transaction; the DEK does not change.
        let row = self.find_visible(&self.main, scope, id).await?;
        let sealed = match &payload {
            Some(p) => {
                let dek = self
                    .keys
                    .dek(&row.tenant_id, &row.id)
                    .await?
                    .ok_or(VaultError::NotFound)?;
                Some((
                    Self::seal_payload(&row.tenant_id, &row.id, &dek, p)?,
                    self.index_rows(&row.tenant_id, &row.id, &p.profile).await?,
                ))
            }
            None => None,
        };
        let mut fields: Vec<&str> = Vec::new();
        if sealed.is_some() {
            fields.push("payload");
        }
        if vacancy.is_some() {
            fields.push("vacancy_ref");
        }
        if categories.is_some() {
            fields.push("categories");
        }
        let cv_len = payload.as_ref().map(|p| p.cv.len() as i64);
        let tenant = row.tenant_id.clone();
        let main = &self.main;
        let txn = audit::begin(main).await.map_err(internal)?;
        let mut next = self.find_visible_locked(&txn, scope, id).await?;
        if let Some(((profile, cv), index)) = sealed {
            next.profile = profile;
            next.cv_size = cv_len.unwrap_or(0);
            candidate_documents::Entity::delete_by_id(id.to_owned())
                .exec(&txn)
                .await
                .map_err(internal)?;
            if let Some(body) = cv {
                candidate_documents::ActiveModel {
                    candidate_id: Set(id.to_owned()),
                    tenant_id: Set(tenant.clone()),
                    body: Set(body),
                }
                .insert(&txn)
                .await
                .map_err(internal)?;
            }
            candidate_index::Entity::delete_many()
                .filter(candidate_index::Column::CandidateId.eq(id))
                .exec(&txn)
                .await
                .map_err(internal)?;
            if !index.is_empty() {
                candidate_index::Entity::insert_many(index)
                    .exec_without_returning(&txn)
                    .await
                    .map_err(internal)?;
            }
        }
        if let Some(v) = vacancy {
            next.vacancy_ref = v;
        }
        if let Some(c) = categories {
            next.categories = serde_json::to_string(&c).map_err(internal)?;
        }
        next.updated_at = store::now_micros();
        let saved = candidates::ActiveModel::from(next)
            .reset_all()
            .update(&txn)
            .await
            .map_err(internal)?;
        audit::append(
            &txn,
            Record::new(actor, "candidate.update", "candidate", id)
                .tenant(&tenant)
                .details(json!({ "fields": fields })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(saved)
    }

    pub async fn close(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        outcome: Status,
        closed_on: &str,
    ) -> Result<candidates::Model, VaultError> {
        let today = legal_time::period::local_date(Utc::now());
        self.change(actor, scope, id, "candidate.close", None, |row| {
            if row.status != Status::Open.as_str() {
                return Err(VaultError::Precondition(format!(
                    "the procedure is already closed ({})",
                    row.status
                )));
            }
            let d = validate_close(closed_on, row.applied_on, today)?;
            row.status = outcome.as_str().into();
            row.closed_on = Some(d);
            Ok(json!({ "outcome": outcome.as_str(), "closed_on": d.to_string() }))
        })
        .await
    }

    pub async fn record_consent(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        given_on: &str,
    ) -> Result<candidates::Model, VaultError> {
        let today = legal_time::period::local_date(Utc::now());
        let given = parse_date("given_on", given_on)?;
        if given > today {
            return Err(field_err("given_on", format!("{given} is in the future")).into());
        }
        self.change(actor, scope, id, "candidate.consent", None, |row| {
            if given < row.applied_on {
                return Err(field_err(
                    "given_on",
                    format!("{given} is before the applied date {}", row.applied_on),
                )
                .into());
            }
            if row.consent == "talent_pool" && row.consent_withdrawn_on.is_none() {
                return Err(VaultError::Precondition(
                    "talent-pool consent is already recorded".into(),
                ));
            }
            row.consent = "talent_pool".into();
            row.consent_given_on = Some(given);
            row.consent_withdrawn_on = None;
            Ok(json!({ "consent": "talent_pool", "given_on": given.to_string() }))
        })
        .await
    }

    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        withdrawn_on: &str,
    ) -> Result<candidates::Model, VaultError> {
        let today = legal_time::period::local_date(Utc::now());
        let w = parse_date("withdrawn_on", withdrawn_on)?;
        if w > today {
            return Err(field_err("withdrawn_on", format!("{w} is in the future")).into());
        }
        self.change(
            actor,
            scope,
            id,
            "candidate.consent_withdrawn",
            None,
            |row| {
                if row.consent != "talent_pool" || row.consent_withdrawn_on.is_some() {
                    return Err(VaultError::Precondition(
                        "no talent-pool consent to withdraw".into(),
                    ));
                }
                if row.consent_given_on.is_some_and(|g| w < g) {
                    return Err(field_err("withdrawn_on", "is before the consent was given").into());
                }
                row.consent_withdrawn_on = Some(w);
                Ok(json!({ "withdrawn_on": w.to_string() }))
            },
        )
        .await
    }

    /// A hold can still rescue a candidate that is past `delete_after` but not
    /// yet claimed for erasure; once claimed, erasure is under way.
    pub async fn place_hold(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: &str,
    ) -> Result<candidates::Model, VaultError> {
        let txn = audit::begin(&self.main).await.map_err(internal)?;
        let row = candidates::Entity::find_by_id(id.to_owned())
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(internal)?
            .ok_or(VaultError::NotFound)?;
        if !scope.allows(&row.tenant_id) {
            return Err(VaultError::NotFound);
        }
        if row.legal_hold {
            return Err(VaultError::Precondition(
                "a legal hold is already in place".into(),
            ));
        }
        // Conditional on "not claimed": a claim and a hold can never both win.
        let set = candidates::Entity::update_many()
            .col_expr(candidates::Column::LegalHold, Expr::value(true))
            .col_expr(candidates::Column::HoldReason, Expr::value(reason))
            .col_expr(
                candidates::Column::UpdatedAt,
                Expr::value(store::now_micros()),
            )
            .filter(candidates::Column::Id.eq(id))
            .filter(candidates::Column::ShredClaimedAt.is_null())
            .exec(&txn)
            .await
            .map_err(internal)?;
        if set.rows_affected != 1 {
            return Err(VaultError::Precondition(
                "erasure of this candidate is already under way; it cannot be held".into(),
            ));
        }
        audit::append(
            &txn,
            Record::new(actor, "candidate.hold", "candidate", id)
                .tenant(&row.tenant_id)
                .reason(reason),
        )
        .await
        .map_err(internal)?;
        let saved = candidates::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await
            .map_err(internal)?
            .ok_or(VaultError::NotFound)?;
        txn.commit().await.map_err(internal)?;
        Ok(saved)
    }

    pub async fn release_hold(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: &str,
    ) -> Result<candidates::Model, VaultError> {
        self.change(
            actor,
            scope,
            id,
            "candidate.hold_released",
            Some(reason.to_owned()),
            |row| {
                if !row.legal_hold {
                    return Err(VaultError::Precondition("no legal hold is in place".into()));
                }
                row.legal_hold = false;
                row.hold_reason = None;
                Ok(json!({}))
            },
        )
        .await
    }

    pub async fn set_policy(
        &self,
        actor: &Actor,
        tenant: &str,
        p: Policy,
    ) -> Result<retention_policies::Model, VaultError> {
        let txn = audit::begin(&self.main).await.map_err(internal)?;
        let model = retention_policies::Model {
            tenant_id: tenant.to_owned(),
            rejected_weeks: p.rejected_weeks as i32,
            talent_pool_months: p.talent_pool_months as i32,
            hired_months: p.hired_months as i32,
            anchor: p.anchor.as_str().into(),
            updated_at: store::now_micros(),
        };
        retention_policies::Entity::insert(retention_policies::ActiveModel::from(model.clone()))
            .on_conflict(
                OnConflict::column(retention_policies::Column::TenantId)
                    .update_columns([
                        retention_policies::Column::RejectedWeeks,
                        retention_policies::Column::TalentPoolMonths,
                        retention_policies::Column::HiredMonths,
                        retention_policies::Column::Anchor,
                        retention_policies::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(internal)?;
        // delete_after follows every input change, the policy included.
        let mut after = String::new();
        let mut recomputed = 0u64;
        loop {
            let batch = candidates::Entity::find()
                .filter(candidates::Column::TenantId.eq(tenant))
                .filter(candidates::Column::ClosedOn.is_not_null())
                .filter(candidates::Column::ShredClaimedAt.is_null())
                .filter(candidates::Column::Id.gt(after.clone()))
                .order_by_asc(candidates::Column::Id)
                .limit(1000)
                .all(&txn)
                .await
                .map_err(internal)?;
            if batch.is_empty() {
                break;
            }
            for mut row in batch {
                after = row.id.clone();
                let before = (row.delete_after, row.retention_basis.clone());
                self.apply_retention(&mut row, &p)?;
                if (row.delete_after, row.retention_basis.clone()) != before {
                    candidates::ActiveModel::from(row)
                        .reset_all()
                        .update(&txn)
                        .await
                        .map_err(internal)?;
                    recomputed += 1;
                }
            }
        }
        audit::append(
            &txn,
            Record::new(actor, "retention_policy.set", "retention_policy", tenant)
                .tenant(tenant)
                .details(json!({ "rejected_weeks": p.rejected_weeks, "talent_pool_months": p.talent_pool_months, "hired_months": p.hired_months, "anchor": p.anchor.as_str(), "recomputed": recomputed })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(model)
    }

    /// Erases one candidate now. Refused while a legal hold is in place.
    pub async fn erase(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: EraseReason,
        reference: &str,
    ) -> Result<deletion_certificates::Model, VaultError> {
        let now = store::now_micros();
        let txn = audit::begin(&self.main).await.map_err(internal)?;
        let row = self.find_visible_locked(&txn, scope, id).await?;
        if row.legal_hold {
            return Err(VaultError::Precondition(format!(
                "a legal hold is in place ({}); release it first",
                row.hold_reason.clone().unwrap_or_default()
            )));
        }
        let basis = format!(
            "{} by {}{}",
            reason.as_str(),
            actor.id,
            if reference.is_empty() {
                String::new()
            } else {
                format!(": {reference}")
            }
        );
        let claimed = candidates::Entity::update_many()
            .col_expr(candidates::Column::ShredClaimedAt, Expr::value(now))
            .col_expr(
                candidates::Column::ClaimedUntil,
                Expr::value(now + chrono::Duration::from_std(self.lease).unwrap_or_default()),
            )
            .col_expr(
                candidates::Column::ShredReason,
                Expr::value(reason.as_str()),
            )
            .col_expr(candidates::Column::ShredBasis, Expr::value(basis.clone()))
            .filter(candidates::Column::Id.eq(id))
            .filter(candidates::Column::ShredClaimedAt.is_null())
            .filter(candidates::Column::LegalHold.eq(false))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if claimed.rows_affected != 1 {
            return Err(VaultError::NotFound);
        }
        audit::append(
            &txn,
            Record::new(actor, "candidate.erase_requested", "candidate", id)
                .tenant(&row.tenant_id)
                .reason(reason.as_str())
                .details(json!({ "reference_given": !reference.is_empty() })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.shred(
            actor,
            vec![Claimed {
                id: id.to_owned(),
                tenant_id: row.tenant_id.clone(),
                reason: reason.as_str().into(),
                basis,
            }],
        )
        .await?;
        self.certificate(scope, id).await
    }

    pub async fn certificate(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<deletion_certificates::Model, VaultError> {
        let c = deletion_certificates::Entity::find_by_id(id.to_owned())
            .one(&self.main)
            .await
            .map_err(internal)?
            .ok_or(VaultError::NotFound)?;
        if !scope.allows(&c.tenant_id) {
            return Err(VaultError::NotFound);
        }
        Ok(c)
    }

    /// Claims due candidates for erasure: the point of no return. A claim
    /// whose lease ran out (its worker died) is taken over. On PostgreSQL,
    /// `FOR UPDATE SKIP LOCKED` lets several workers claim side by side.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Claimed>, VaultError> {
        let until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
        let pg = store::is_postgres(&self.main);
        let (f, lock) = if pg {
            ("false", " FOR UPDATE SKIP LOCKED")
        } else {
            ("0", "")
        };
        // The inner UNION is two index range scans (expired claims, due
        // rows), so the cost follows what is due, not what is stored. The
        // outer predicate is re-checked on the locked row version, so a hold
        // or claim that committed meanwhile is respected.
        let sql = format!(
            "UPDATE candidates SET \
               shred_claimed_at = COALESCE(shred_claimed_at, $1), \
               claimed_until = $2, \
               shred_reason = COALESCE(shred_reason, 'retention'), \
               shred_basis = COALESCE(shred_basis, retention_basis) \
             WHERE id IN ( \
               SELECT id FROM candidates \
               WHERE id IN ( \
                 SELECT id FROM (SELECT id FROM candidates WHERE shred_claimed_at IS NOT NULL AND claimed_until < $1 LIMIT $3) AS expired \
                 UNION ALL \
                 SELECT id FROM (SELECT id FROM candidates WHERE delete_after <= $1 AND legal_hold = {f} AND shred_claimed_at IS NULL LIMIT $3) AS due \
               ) \
               AND ((shred_claimed_at IS NOT NULL AND claimed_until < $1) \
                    OR (shred_claimed_at IS NULL AND delete_after <= $1 AND legal_hold = {f})) \
               LIMIT $3{lock}) \
             RETURNING id, tenant_id, shred_reason, shred_basis"
        );
        let values: Vec<sea_orm::Value> = vec![now.into(), until.into(), (limit as i64).into()];
        let stmt = Statement::from_sql_and_values(self.main.get_database_backend(), sql, values);
        let rows = self.main.query_all_raw(stmt).await.map_err(internal)?;
        rows.into_iter()
            .map(|r| {
                Ok(Claimed {
                    id: r.try_get("", "id").map_err(internal)?,
                    tenant_id: r.try_get("", "tenant_id").map_err(internal)?,
                    reason: r
                        .try_get::<Option<String>>("", "shred_reason")
                        .map_err(internal)?
                        .unwrap_or_else(|| "retention".into()),
                    basis: r
                        .try_get::<Option<String>>("", "shred_basis")
                        .map_err(internal)?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Crypto-shreds claimed candidates: ledger entries and DEK destruction in
    /// one key-store transaction (after which the data is noise), then the
    /// ledger file, then the rows, certificates and audit entries.
    pub async fn shred(
        &self,
        actor: &Actor,
        claimed: Vec<Claimed>,
    ) -> Result<ReconcileReport, VaultError> {
        if claimed.is_empty() {
            return Ok(ReconcileReport::default());
        }
        let ids: Vec<String> = claimed.iter().map(|c| c.id.clone()).collect();
        let txn = begin_write(&self.keys.db).await.map_err(internal)?;
        let done: HashSet<String> = shred_ledger::Entity::find()
            .filter(shred_ledger::Column::CandidateId.is_in(ids.clone()))
            .all(&txn)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|r| r.candidate_id)
            .collect();
        let head = shred_ledger::Entity::find()
            .order_by_desc(shred_ledger::Column::Seq)
            .one(&txn)
            .await
            .map_err(internal)?;
        let (mut seq, mut prev) = head
            .map(|h| (h.seq, h.hash))
            .unwrap_or((0, store::GENESIS_HASH.to_owned()));
        let now = store::now_micros();
        let mut rows = Vec::new();
        for c in claimed.iter().filter(|c| !done.contains(&c.id)) {
            seq += 1;
            let mut e = Entry {
                seq,
                candidate_id: c.id.clone(),
                tenant_id: c.tenant_id.clone(),
                reason: c.reason.clone(),
                basis: c.basis.clone(),
                shredded_at: now,
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            prev = e.hash.clone();
            rows.push(entry_model(&e));
        }
        for chunk in rows.chunks(500) {
            shred_ledger::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await
                .map_err(internal)?;
        }
        candidate_deks::Entity::delete_many()
            .filter(candidate_deks::Column::CandidateId.is_in(ids))
            .exec(&txn)
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        self.reconcile(actor).await
    }

    /// Moves ledger entries file → key store → file → main (see `ledger`).
    pub async fn reconcile(&self, actor: &Actor) -> Result<ReconcileReport, VaultError> {
        let mut report = self.reconcile_file().await?;
        report.add(self.reconcile_main(actor).await?);
        Ok(report)
    }

    async fn reconcile_file(&self) -> Result<ReconcileReport, VaultError> {
        let _guard = self.ledger_lock.lock().await;
        let mut report = ReconcileReport::default();
        let mut file = self.ledger.lock().await.map_err(internal)?;
        let state = keystore_state::Entity::find_by_id(1)
            .one(&self.keys.db)
            .await
            .map_err(internal)?
            .ok_or_else(|| internal("keystore_state missing"))?;
        let tail =
            LedgerFile::read_from(&mut file, state.ledger_file_offset as u64).map_err(internal)?;
        let mut file_seq = state.ledger_file_seq;
        let mut offset = tail.end;
        let mut erased = Vec::new();
        if !tail.entries.is_empty() {
            // The file knows shreds this key store does not: it was restored.
            let txn = begin_write(&self.keys.db).await.map_err(internal)?;
            for e in &tail.entries {
                match shred_ledger::Entity::find_by_id(e.seq)
                    .one(&txn)
                    .await
                    .map_err(internal)?
                {
                    Some(r) if r.candidate_id == e.candidate_id => {}
                    Some(r) => {
                        return Err(internal(format!(
                            "ledger conflict at seq {}: file says {}, key store says {}",
                            e.seq, e.candidate_id, r.candidate_id
                        )));
                    }
                    None => {
                        entry_model(e).insert(&txn).await.map_err(internal)?;
                        report.restored_ledger_entries += 1;
                    }
                }
                match e.subject() {
                    Subject::Candidate(id) => {
                        let gone = candidate_deks::Entity::delete_by_id(id.to_owned())
                            .exec(&txn)
                            .await
                            .map_err(internal)?;
                        report.reshredded_keys += gone.rows_affected;
                    }
                    Subject::Tenant(t) => {
                        // A tenant erasure the restored key store lost: its
                        // keys came back with the backup; destroy them again
                        // and put the fence back.
                        let had_keys = tenant_keks::Entity::find()
                            .filter(tenant_keks::Column::TenantId.eq(t))
                            .count(&txn)
                            .await
                            .map_err(internal)?;
                        let fence =
                            crate::keys::destroy_tenant_keys(&txn, t, e.shredded_at).await?;
                        if had_keys > 0 {
                            report.reshredded_keys += fence.keys_destroyed.max(0) as u64;
                            report.reerased_tenants += 1;
                        }
                        erased.push(t.to_owned());
                    }
                }
                file_seq = file_seq.max(e.seq);
            }
            txn.commit().await.map_err(internal)?;
            for t in &erased {
                self.keys.forget(t);
            }
        }
        // Entries the key store has that the file lacks (a crash between the
        // two, or the first run): append them.
        loop {
            let missing = shred_ledger::Entity::find()
                .filter(shred_ledger::Column::Seq.gt(file_seq))
                .order_by_asc(shred_ledger::Column::Seq)
                .limit(5000)
                .all(&self.keys.db)
                .await
                .map_err(internal)?;
            if missing.is_empty() {
                break;
            }
            let entries: Vec<Entry> = missing.into_iter().map(model_entry).collect();
            offset = LedgerFile::append(&mut file, &entries).map_err(internal)?;
            file_seq = entries.last().map(|e| e.seq).unwrap_or(file_seq);
            report.appended_to_file += entries.len() as u64;
        }
        if offset as i64 != state.ledger_file_offset || file_seq != state.ledger_file_seq {
            keystore_state::ActiveModel {
                id: Set(1),
                ledger_file_offset: Set(offset as i64),
                ledger_file_seq: Set(file_seq),
            }
            .update(&self.keys.db)
            .await
            .map_err(internal)?;
        }
        Ok(report)
    }

    async fn reconcile_main(&self, actor: &Actor) -> Result<ReconcileReport, VaultError> {
        let mut report = ReconcileReport::default();
        loop {
            let txn = audit::begin(&self.main).await.map_err(internal)?;
            let applied = vault_state::Entity::find_by_id(1)
                .one(&txn)
                .await
                .map_err(internal)?
                .map(|s| s.applied_seq)
                .unwrap_or(0);
            let entries = shred_ledger::Entity::find()
                .filter(shred_ledger::Column::Seq.gt(applied))
                .order_by_asc(shred_ledger::Column::Seq)
                .limit(1000)
                .all(&self.keys.db)
                .await
                .map_err(internal)?;
            if entries.is_empty() {
                txn.rollback().await.map_err(internal)?;
                break;
            }
            // Tenant erasures: every row of the tenant goes (again, after a
            // restore of the main database); they have no candidate
            // certificate (the switching certificate is theirs).
            let (tenant_entries, entries): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| {
                matches!(crate::ledger::subject(&e.candidate_id), Subject::Tenant(_))
            });
            for e in &tenant_entries {
                let rows = purge_tenant_rows(&txn, &e.tenant_id).await?;
                let n: u64 = rows.iter().map(|(_, n)| n).sum();
                if n > 0 {
                    report.removed_rows += n;
                    audit::append(
                        &txn,
                        Record::new(actor, "vault.tenant_erased", "tenant", &e.tenant_id)
                            .tenant(&e.tenant_id)
                            .details(json!({
                                "ledger_seq": e.seq,
                                "reapplied": true,
                                "rows_deleted": rows.iter().map(|(t, n)| json!({ "table": t, "rows": n })).collect::<Vec<_>>(),
                            })),
                    )
                    .await
                    .map_err(internal)?;
                }
            }
            let last_seq = tenant_entries
                .iter()
                .chain(entries.iter())
                .map(|e| e.seq)
                .max()
                .unwrap_or(applied);
            let applied_now = (tenant_entries.len() + entries.len()) as u64;
            let ids: Vec<String> = entries.iter().map(|e| e.candidate_id.clone()).collect();
            let present: BTreeMap<String, candidates::Model> = candidates::Entity::find()
                .filter(candidates::Column::Id.is_in(ids.clone()))
                .all(&txn)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|r| (r.id.clone(), r))
                .collect();
            let existing_certs: HashSet<String> = deletion_certificates::Entity::find()
                .filter(deletion_certificates::Column::CandidateId.is_in(ids.clone()))
                .all(&txn)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|c| c.candidate_id)
                .collect();
            candidate_index::Entity::delete_many()
                .filter(candidate_index::Column::CandidateId.is_in(ids.clone()))
                .exec(&txn)
                .await
                .map_err(internal)?;
            candidate_documents::Entity::delete_many()
                .filter(candidate_documents::Column::CandidateId.is_in(ids.clone()))
                .exec(&txn)
                .await
                .map_err(internal)?;
            let removed = candidates::Entity::delete_many()
                .filter(candidates::Column::Id.is_in(ids.clone()))
                .exec(&txn)
                .await
                .map_err(internal)?;
            report.removed_rows += removed.rows_affected;
            let certs: Vec<deletion_certificates::ActiveModel> = entries
                .iter()
                .filter(|e| !existing_certs.contains(&e.candidate_id))
                .map(|e| {
                    deletion_certificates::ActiveModel::from(deletion_certificates::Model {
                        candidate_id: e.candidate_id.clone(),
                        tenant_id: e.tenant_id.clone(),
                        external_ref: present
                            .get(&e.candidate_id)
                            .map(|r| r.external_ref.clone())
                            .unwrap_or_default(),
                        reason: e.reason.clone(),
                        basis: e.basis.clone(),
                        shredded_at: e.shredded_at,
                        ledger_seq: e.seq,
                        ledger_hash: e.hash.clone(),
                    })
                })
                .collect();
            for chunk in certs.chunks(500) {
                deletion_certificates::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&txn)
                    .await
                    .map_err(internal)?;
            }
            // One audit entry per tenant per batch, listing the ids.
            let mut by_tenant: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for e in &entries {
                if present.contains_key(&e.candidate_id) {
                    by_tenant
                        .entry(e.tenant_id.as_str())
                        .or_default()
                        .push(e.candidate_id.clone());
                }
            }
            for (tenant, ids) in by_tenant {
                let object = if ids.len() == 1 {
                    ids[0].clone()
                } else {
                    format!("batch of {}", ids.len())
                };
                audit::append(
                    &txn,
                    Record::new(actor, "candidate.shred", "candidate", &object)
                        .tenant(tenant)
                        .details(ids_json(&ids)),
                )
                .await
                .map_err(internal)?;
            }
            vault_state::Entity::update_many()
                .col_expr(vault_state::Column::AppliedSeq, Expr::value(last_seq))
                .filter(vault_state::Column::Id.eq(1))
                .exec(&txn)
                .await
                .map_err(internal)?;
            txn.commit().await.map_err(internal)?;
            report.applied_to_main += applied_now;
        }
        Ok(report)
    }

    /// One page of a tenant's candidates, decrypted, for the Data Act export
    /// bundle: every stored candidate not claimed for erasure (restricted and
    /// held ones too: the data goes back to its controller), in id order
    /// after `after`. Reads are not audited one by one: the export is
    /// audited once by its caller, with the count and the manifest's hash.
    pub async fn export_page(
        &self,
        tenant: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<(candidates::Model, Payload)>, VaultError> {
        let mut q = candidates::Entity::find()
            .filter(candidates::Column::TenantId.eq(tenant))
            .filter(candidates::Column::ShredClaimedAt.is_null());
        if let Some(a) = after {
            q = q.filter(candidates::Column::Id.gt(a));
        }
        let rows = q
            .order_by_asc(candidates::Column::Id)
            .limit(limit)
            .all(&self.main)
            .await
            .map_err(internal)?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let deks = self.keys.deks(tenant, &ids).await?;
        let with_cv: Vec<String> = rows
            .iter()
            .filter(|r| r.cv_size > 0)
            .map(|r| r.id.clone())
            .collect();
        let mut docs: std::collections::HashMap<String, Vec<u8>> = if with_cv.is_empty() {
            Default::default()
        } else {
            candidate_documents::Entity::find()
                .filter(candidate_documents::Column::CandidateId.is_in(with_cv))
                .all(&self.main)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|d| (d.candidate_id, d.body))
                .collect()
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            // A DEK destroyed meanwhile (an erasure that won the race): skip.
            let Some(dek) = deks.get(&row.id) else {
                continue;
            };
            let profile_bytes = zeroize::Zeroizing::new(
                dek.open(&ctx(&row.tenant_id, &row.id, PROFILE), &row.profile)
                    .map_err(internal)?,
            );
            let profile: Profile = serde_json::from_slice(&profile_bytes).map_err(internal)?;
            let cv = match docs.remove(&row.id) {
                Some(body) => dek
                    .open(&ctx(&row.tenant_id, &row.id, CV), &body)
                    .map_err(internal)?,
                None => Vec::new(),
            };
            out.push((row, Payload { profile, cv }));
        }
        Ok(out)
    }

    /// A fresh key for one export bundle of `tenant`, wrapped under the
    /// tenant's KEK in the key store (as `export:<id>` beside the candidates'
    /// DEKs, so KEK rotation rewraps it and tenant erasure destroys it).
    /// The key never leaves the vault: [`Self::seal_export_chunk`] and
    /// [`Self::open_export_chunk`] use it. Idempotent.
    pub async fn create_export_key(&self, tenant: &str, export_id: &str) -> Result<(), VaultError> {
        let id = format!("export:{export_id}");
        if self.keys.dek(tenant, &id).await?.is_some() {
            return Ok(());
        }
        self.keys
            .create_deks(tenant, std::slice::from_ref(&id))
            .await?
            .pop()
            .map(|_| ())
            .ok_or_else(|| internal("no export key created"))
    }

    async fn export_dek(&self, tenant: &str, export_id: &str) -> Result<Dek, VaultError> {
        self.keys
            .dek(tenant, &format!("export:{export_id}"))
            .await?
            .ok_or_else(|| {
                VaultError::Precondition(format!(
                    "the key of export {export_id} was destroyed: the bundle is noise"
                ))
            })
    }

    /// Seals one chunk of an export bundle (AES-256-GCM under the bundle's
    /// key, bound to the tenant, the bundle and the chunk's number).
    pub async fn seal_export_chunk(
        &self,
        tenant: &str,
        export_id: &str,
        seq: i32,
        plain: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let key = self.export_dek(tenant, export_id).await?;
        let key_id = format!("export:{export_id}");
        let field = seq.to_string();
        Ok(key.seal(&export_ctx(tenant, &key_id, &field), plain))
    }

    /// Opens one sealed chunk of an export bundle; a chunk moved to another
    /// place or altered does not open.
    pub async fn open_export_chunk(
        &self,
        tenant: &str,
        export_id: &str,
        seq: i32,
        sealed: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let key = self.export_dek(tenant, export_id).await?;
        let key_id = format!("export:{export_id}");
        let field = seq.to_string();
        key.open(&export_ctx(tenant, &key_id, &field), sealed)
            .map_err(|_| internal(format!("chunk {seq} of export {export_id} does not open")))
    }

    /// Erases a tenant from the vault (Data Act art. 25(2)(h), GDPR art.
    /// 28(3)(g)): first every key of the tenant in one key-store transaction
    /// (the crypto-shred: from then on its data is noise everywhere), then its
    /// rows, in an audited transaction. Deletion certificates stay: they are
    /// the proof, and hold ids only. Safe to repeat after a crash at any point.
    pub async fn erase_tenant(
        &self,
        actor: &Actor,
        tenant: &str,
    ) -> Result<TenantErasure, VaultError> {
        let shred = self
            .keys
            .destroy_tenant(
                tenant,
                "tenant erasure after switching or exit (Data Act art. 25(2)(h), GDPR art. 28(3)(g))",
            )
            .await?;
        // The erasure's ledger entry reaches the append-only file before
        // anything else happens, so no restore of the key store can undo it.
        self.reconcile_file().await?;
        let txn = audit::begin(&self.main).await.map_err(internal)?;
        let rows = purge_tenant_rows(&txn, tenant).await?;
        audit::append(
            &txn,
            Record::new(actor, "vault.tenant_erased", "tenant", tenant)
                .tenant(tenant)
                .details(json!({
                    "keys_destroyed": shred.keys_destroyed,
                    "kek_versions": shred.kek_versions,
                    "rows_deleted": rows.iter().map(|(t, n)| json!({ "table": t, "rows": n })).collect::<Vec<_>>(),
                })),
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        let kek_versions: Vec<u32> = serde_json::from_str(&shred.kek_versions).map_err(internal)?;
        Ok(TenantErasure {
            keys_destroyed_at: shred.destroyed_at,
            kek_versions,
            keys_destroyed: shred.keys_destroyed as u64,
            rows_deleted: rows.into_iter().map(|(t, n)| (t.to_owned(), n)).collect(),
        })
    }

    /// One full retention sweep: reconcile, then claim and shred batches
    /// until nothing is due.
    pub async fn sweep(&self, actor: &Actor, batch: u64) -> Result<SweepReport, VaultError> {
        let mut report = SweepReport {
            reconcile: self.reconcile(actor).await?,
            ..Default::default()
        };
        loop {
            let claimed = self.claim_due(store::now_micros(), batch).await?;
            if claimed.is_empty() {
                break;
            }
            report.batches += 1;
            report.claimed += claimed.len() as u64;
            let r = self.shred(actor, claimed).await?;
            report.shredded += r.applied_to_main;
        }
        Ok(report)
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
                    .await
                    .map_err(internal)?
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
