//! Candidates: intake (sealed, indexed, retention computed), reads (audited,
//! with their purpose), the subject lookups of a data-subject request, changes,
//! closing, consent.

use super::*;

/// What `ListCandidates` filters on (the scope's tenant aside).
#[derive(Debug, Default, Clone, Copy)]
pub struct CandidateFilter<'a> {
    pub tenant: Option<&'a str>,
    pub vacancy: Option<&'a str>,
    /// A reference prefix, as typed in a search box.
    pub ref_prefix: Option<&'a str>,
}

impl Vault {
    /// Stores new candidates: keys first (key store), then the encrypted rows,
    /// their indexes and one audit entry (main), in one transaction.
    pub async fn put(
        &self,
        actor: &Actor,
        tenant: &str,
        items: Vec<NewCandidate>,
    ) -> Result<Vec<Candidate>, VaultError> {
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
                categories: serde_json::to_string(&item.categories)?,
                status: CandidateStatus::Open.as_str().into(),
                closed_on: None,
                consent: Consent::None.as_str().into(),
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
            let txn = audit::begin(&self.main).await?;
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
                candidate_documents::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
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
                    ?;
            }
            let object = if ids.len() == 1 { ids[0].clone() } else { format!("batch of {}", ids.len()) };
            txn.commit_with(Record::new(actor, "candidate.create", "candidate", &object).tenant(tenant).details(ids_json(&ids)))
                .await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            let _ = self.keys.discard_deks(&ids).await;
            return Err(e);
        }
        candidates_of(rows)
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
    ) -> Result<(Candidate, Payload), VaultError> {
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
    ) -> Result<(Candidate, Payload), VaultError> {
        let row = self
            .find_visible(&self.main, &Scope::Tenant(tenant.to_owned()), id)
            .await?;
        self.open_audited(
            actor,
            row,
            &evidence::certificate::request_reference(request_id),
        )
        .await
    }

    pub(super) async fn open_audited(
        &self,
        actor: &Actor,
        row: candidates::Model,
        purpose: &str,
    ) -> Result<(Candidate, Payload), VaultError> {
        let dek = self
            .keys
            .dek(&row.tenant_id, &row.id)
            .await?
            .ok_or(VaultError::NotFound)?;
        let profile_bytes = zeroize::Zeroizing::new(
            dek.open(&ctx(&row.tenant_id, &row.id, PROFILE), &row.profile)?,
        );
        let profile: Profile = serde_json::from_slice(&profile_bytes)?;
        let cv = if row.cv_size > 0 {
            let doc = candidate_documents::Entity::find_by_id(row.id.clone())
                .one(&self.main)
                .await?
                .ok_or_else(|| internal("cv document missing"))?;
            dek.open(&ctx(&row.tenant_id, &row.id, CV), &doc.body)?
        } else {
            Vec::new()
        };
        // Grouped with the other reads of this moment; returns once committed.
        audit::record(
            &self.main,
            Record::new(actor, "candidate.read", "candidate", &row.id)
                .tenant(&row.tenant_id)
                .reason(purpose),
        )
        .await?;
        Ok((row.try_into()?, Payload { profile, cv }))
    }

    /// Marks a candidate's processing as restricted (GDPR art. 18): ordinary
    /// reads refuse it from now on; retention and erasure still apply.
    pub async fn restrict(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reference: &str,
    ) -> Result<Candidate, VaultError> {
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
        filter: &CandidateFilter<'_>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Candidate>, VaultError> {
        let Some(mut q) = self.filtered(scope, filter) else {
            return Ok(Vec::new());
        };
        if let Some(a) = after {
            q = q.filter(candidates::Column::Id.gt(a));
        }
        // Metadata only: the sealed profile is never decrypted here.
        candidates_of(
            q.order_by_asc(candidates::Column::Id)
                .limit(limit)
                .all(&self.main)
                .await?,
        )
    }

    /// How many candidates [`Vault::list`] would give over all its pages.
    pub async fn count(
        &self,
        scope: &Scope,
        filter: &CandidateFilter<'_>,
    ) -> Result<u64, VaultError> {
        use sea_orm::PaginatorTrait;
        match self.filtered(scope, filter) {
            Some(q) => Ok(q.count(&self.main).await?),
            None => Ok(0),
        }
    }

    fn filtered(
        &self,
        scope: &Scope,
        f: &CandidateFilter<'_>,
    ) -> Option<sea_orm::Select<candidates::Entity>> {
        // Another tenant's candidates do not exist for a tenant-bound caller.
        let tenant = scope.listing(f.tenant).ok()?;
        let mut q = candidates::Entity::find().filter(visible(Utc::now()));
        if let Some(t) = tenant {
            q = q.filter(candidates::Column::TenantId.eq(t));
        }
        if let Some(v) = f.vacancy {
            q = q.filter(candidates::Column::VacancyRef.eq(v));
        }
        if let Some(p) = f.ref_prefix {
            q = q.filter(candidates::Column::ExternalRef.like(store::like_prefix(p)));
        }
        Some(q)
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
    ) -> Result<Vec<Candidate>, VaultError> {
        let mut ids: HashSet<String> = if hashes.is_empty() {
            HashSet::new()
        } else {
            candidate_index::Entity::find()
                .filter(candidate_index::Column::TenantId.eq(tenant))
                .filter(candidate_index::Column::Hash.is_in(hashes.iter().cloned()))
                .all(&self.main)
                .await?
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
                    .await?
                    .into_iter()
                    .map(|c| c.id),
            );
        }
        candidates_of(
            candidates::Entity::find()
                .filter(candidates::Column::TenantId.eq(tenant))
                .filter(candidates::Column::Id.is_in(ids))
                .filter(visible(Utc::now()))
                .order_by_asc(candidates::Column::Id)
                .all(&self.main)
                .await?,
        )
    }

    pub async fn find_by_index(
        &self,
        scope: &Scope,
        tenant: &str,
        email: &str,
        phone: &str,
    ) -> Result<Vec<Candidate>, VaultError> {
        let hashes = self.subject_hashes(tenant, email, phone).await?;
        let mut rows = self.match_subject(tenant, &hashes, None).await?;
        rows.retain(|r| scope.allows(&r.tenant_id));
        Ok(rows)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        payload: Option<Payload>,
        vacancy: Option<String>,
        categories: Option<Vec<String>>,
    ) -> Result<Candidate, VaultError> {
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
        let (actor, scope, id) = (actor.clone(), scope.clone(), id.to_owned());
        audit::write(&self.main, move |txn, log| {
            Box::pin(async move {
                let mut next = lookup(txn, &scope, &id, true).await?;
                if let Some(((profile, cv), index)) = sealed {
                    next.profile = profile;
                    next.cv_size = cv_len.unwrap_or(0);
                    candidate_documents::Entity::delete_by_id(id.clone())
                        .exec(txn)
                        .await?;
                    if let Some(body) = cv {
                        candidate_documents::ActiveModel {
                            candidate_id: Set(id.clone()),
                            tenant_id: Set(tenant.clone()),
                            body: Set(body),
                        }
                        .insert(txn)
                        .await?;
                    }
                    candidate_index::Entity::delete_many()
                        .filter(candidate_index::Column::CandidateId.eq(&id))
                        .exec(txn)
                        .await?;
                    if !index.is_empty() {
                        candidate_index::Entity::insert_many(index)
                            .exec_without_returning(txn)
                            .await?;
                    }
                }
                if let Some(v) = vacancy {
                    next.vacancy_ref = v;
                }
                if let Some(c) = categories {
                    next.categories = serde_json::to_string(&c)?;
                }
                next.updated_at = store::now_micros();
                let saved = candidates::ActiveModel::from(next)
                    .reset_all()
                    .update(txn)
                    .await?;
                log.push(
                    Record::new(&actor, "candidate.update", "candidate", &id)
                        .tenant(&tenant)
                        .details(json!({ "fields": fields })),
                );
                Ok::<_, VaultError>(saved)
            })
        })
        .await?
        .try_into()
    }

    pub async fn close(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        outcome: CandidateStatus,
        closed_on: &str,
    ) -> Result<Candidate, VaultError> {
        let today = legal_time::period::local_date(Utc::now());
        let closed_on = closed_on.to_owned();
        self.change(actor, scope, id, "candidate.close", None, move |row| {
            if row.status != CandidateStatus::Open.as_str() {
                return Err(VaultError::Precondition(format!(
                    "the procedure is already closed ({})",
                    row.status
                )));
            }
            let d = validate_close(&closed_on, row.applied_on, today)?;
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
    ) -> Result<Candidate, VaultError> {
        let today = legal_time::period::local_date(Utc::now());
        let given = parse_date("given_on", given_on)?;
        if given > today {
            return Err(field_err("given_on", format!("{given} is in the future")).into());
        }
        self.change(actor, scope, id, "candidate.consent", None, move |row| {
            if given < row.applied_on {
                return Err(field_err(
                    "given_on",
                    format!("{given} is before the applied date {}", row.applied_on),
                )
                .into());
            }
            if row.consent == Consent::TalentPool.as_str() && row.consent_withdrawn_on.is_none() {
                return Err(VaultError::Precondition(
                    "talent-pool consent is already recorded".into(),
                ));
            }
            row.consent = Consent::TalentPool.as_str().into();
            row.consent_given_on = Some(given);
            row.consent_withdrawn_on = None;
            Ok(json!({ "consent": Consent::TalentPool.as_str(), "given_on": given.to_string() }))
        })
        .await
    }

    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        withdrawn_on: &str,
    ) -> Result<Candidate, VaultError> {
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
            move |row| {
                if row.consent != Consent::TalentPool.as_str() || row.consent_withdrawn_on.is_some()
                {
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
}
