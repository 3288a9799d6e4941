//! The export bundle: started, built by streaming (chunks sealed by the vault),
//! resumed after a stop, downloaded piece by piece.

use super::*;

impl Switching {
    pub(super) async fn export_row(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<exports::Model, SwitchError> {
        let e = exports::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(SwitchError::NotFound("export"))?;
        if !scope.allows(&e.tenant_id) {
            return Err(SwitchError::NotFound("export"));
        }
        Ok(e)
    }

    /// The ids of a switch's exports, oldest first (ids are UUIDv7). The
    /// caller has already read the switch within its scope.
    pub async fn export_ids(&self, switch_id: &str) -> Result<Vec<String>, SwitchError> {
        Ok(exports::Entity::find()
            .filter(exports::Column::SwitchId.eq(switch_id))
            .order_by_asc(exports::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.id)
            .collect())
    }

    /// An export with the switch it belongs to (for its availability).
    pub async fn get_export(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(exports::Model, SwitchView), SwitchError> {
        let e = self.export_row(scope, id).await?;
        let v = self.get(scope, &e.switch_id).await?;
        Ok((e, v))
    }

    /// Starts building a bundle; the build runs in the background.
    pub async fn start_export(
        self: &Arc<Self>,
        actor: &Actor,
        scope: &Scope,
        switch_id: &str,
    ) -> Result<exports::Model, SwitchError> {
        let v = self.get(scope, switch_id).await?;
        if v.status == Status::Erased {
            return Err(SwitchError::Precondition("the tenant was erased".into()));
        }
        if v.kind == Kind::DataAct && v.row.election == Election::Erase.as_str() {
            return Err(SwitchError::Precondition(
                "the customer elected erasure (art. 25(3)(c)): nothing is exported".into(),
            ));
        }
        if v.kind == Kind::Termination && v.row.election == ExitChoice::Delete.as_str() {
            return Err(SwitchError::Precondition(
                "the agreement's end-of-contract choice is delete: nothing is returned (amend the agreement to return_then_delete first)".into(),
            ));
        }
        if !v.retrieval_open {
            return Err(SwitchError::Precondition(format!(
                "the retrieval period ended at {}; the data can no longer be exported",
                v.plan
                    .retrieval_until()
                    .map(proto::wire::timestamp)
                    .unwrap_or_default()
            )));
        }
        let building = exports::Entity::find()
            .filter(exports::Column::SwitchId.eq(switch_id))
            .filter(exports::Column::Status.eq(ExportStatus::Building.as_str()))
            .one(&self.db)
            .await?;
        if let Some(b) = building {
            return Err(SwitchError::Precondition(format!(
                "export {} of this switch is still being built",
                b.id
            )));
        }
        let id = new_id();
        let tenant = v.row.tenant_id.clone();
        self.data.create_export_key(&tenant, &id).await?;
        let now = store::now_micros();
        let txn = audit::begin(&self.db).await?;
        let m = exports::ActiveModel::from(exports::Model {
            id: id.clone(),
            switch_id: switch_id.to_owned(),
            tenant_id: tenant.clone(),
            status: ExportStatus::Building.as_str().into(),
            started_at: now,
            ready_at: None,
            error: None,
            wrapped_key_id: format!("export:{id}"),
            files: None,
            manifest_sha256: None,
            candidates: 0,
            documents: 0,
            downloads: 0,
            created_by: actor.id.clone(),
        })
        .insert(&txn)
        .await?;
        txn.commit_with(
            Record::new(actor, "switching.export_start", "export", &id)
                .tenant(&tenant)
                .details(json!({ "switch_id": switch_id })),
        )
        .await?;
        self.spawn_build(actor.clone(), id);
        Ok(m)
    }

    pub(super) fn spawn_build(self: &Arc<Self>, actor: Actor, id: String) {
        let me = self.clone();
        tokio::spawn(async move {
            // The build runs in a task of its own, so that a panic in it
            // fails the export instead of leaving it building forever.
            let build = {
                let (me, actor, id) = (me.clone(), actor.clone(), id.clone());
                tokio::spawn(async move { me.build(&actor, &id).await })
            };
            let error = match build.await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e.to_string(),
                Err(e) => format!("the build stopped: {e}"),
            };
            tracing::error!(export = %id, error = %error, "export build failed");
            let _ = me.fail(&actor, &id, &error).await;
        });
    }

    /// Restarts builds that a stopped process left unfinished.
    pub async fn resume_exports(self: &Arc<Self>) -> Result<usize, SwitchError> {
        let open = exports::Entity::find()
            .filter(exports::Column::Status.eq(ExportStatus::Building.as_str()))
            .all(&self.db)
            .await?;
        let actor = Actor::system("switching");
        for e in &open {
            self.spawn_build(actor.clone(), e.id.clone());
        }
        Ok(open.len())
    }

    pub(super) async fn fail(
        &self,
        actor: &Actor,
        id: &str,
        error: &str,
    ) -> Result<(), SwitchError> {
        let txn = audit::begin(&self.db).await?;
        let Some(e) = exports::Entity::find_by_id(id.to_owned()).one(&txn).await? else {
            return Ok(());
        };
        let tenant = e.tenant_id.clone();
        let mut am: exports::ActiveModel = e.into();
        am.status = Set(ExportStatus::Failed.as_str().into());
        am.error = Set(Some(error.chars().take(500).collect()));
        am.update(&txn).await?;
        txn.commit_with(
            Record::new(actor, "switching.export_failed", "export", id).tenant(&tenant),
        )
        .await?;
        Ok(())
    }

    /// Seals and stores finished chunks, numbering them from `*seq`.
    pub(super) async fn store_chunks(
        &self,
        tenant: &str,
        export: &str,
        chunks: Vec<Vec<u8>>,
        seq: &mut i32,
    ) -> Result<(), SwitchError> {
        if chunks.is_empty() {
            return Ok(());
        }
        let mut rows = Vec::with_capacity(chunks.len());
        for c in chunks {
            let data = self.data.seal_export_chunk(tenant, export, *seq, c).await?;
            rows.push(export_chunks::ActiveModel::from(export_chunks::Model {
                export_id: export.to_owned(),
                seq: *seq,
                data,
            }));
            *seq += 1;
        }
        // One row per statement: each holds about 256 KiB.
        for row in rows {
            export_chunks::Entity::insert(row)
                .exec_without_returning(&self.db)
                .await?;
        }
        Ok(())
    }

    /// Builds a bundle by streaming: pages of candidates, then the other
    /// categories, each cut into sealed chunks as it is written.
    pub async fn build(&self, actor: &Actor, id: &str) -> Result<(), SwitchError> {
        let e = exports::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(SwitchError::NotFound("export"))?;
        let tenant = e.tenant_id.clone();
        // A resumed build starts over.
        export_chunks::Entity::delete_many()
            .filter(export_chunks::Column::ExportId.eq(id))
            .exec(&self.db)
            .await?;
        let mut seq = 0i32;
        let mut b = Bundle::new();
        let cj = b.open("candidates.jsonl", "jsonl");
        let cc = b.open("candidates.csv", "csv");
        b.row(cc, CANDIDATE_COLUMNS, false);
        let (mut candidates, mut documents) = (0u64, 0u64);
        let mut after: Option<String> = None;
        loop {
            let page = self
                .data
                .candidates(&tenant, after.as_deref(), PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            for c in &page {
                let doc = if c.cv.is_empty() {
                    None
                } else {
                    let path = format!("files/{}/{}", c.id, bundle::safe_name(&c.cv_filename));
                    let f = b.whole(path, "original", &c.cv);
                    documents += 1;
                    Some(b.entry(f))
                };
                write_candidate(&mut b, cj, cc, c, doc.as_ref());
                candidates += 1;
            }
            self.store_chunks(&tenant, id, b.take_chunks(), &mut seq)
                .await?;
        }
        b.close(cj);
        b.close(cc);
        let retention = retention_json(&self.data.retention(&tenant).await?);
        b.whole("retention.json", "json", &retention);
        let ag = b.open("agreements.jsonl", "jsonl");
        for v in self.data.agreements(&tenant).await? {
            b.line(ag, &agreement_json(&v)?);
        }
        b.close(ag);
        let config = configuration_json(&self.data.configuration(&tenant).await?);
        b.whole("configuration.json", "json", &config);
        self.store_chunks(&tenant, id, b.take_chunks(), &mut seq)
            .await?;
        let aj = b.open("audit.jsonl", "jsonl");
        let ac = b.open("audit.csv", "csv");
        b.row(ac, AUDIT_COLUMNS, false);
        let mut after_seq = 0i64;
        loop {
            let page = audit::list(
                &self.db,
                &audit::ListFilter {
                    tenant_id: Some(tenant.clone()),
                    after_seq,
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await?;
            let Some(last) = page.last() else { break };
            after_seq = last.seq;
            for a in &page {
                write_audit(&mut b, aj, ac, a);
            }
            self.store_chunks(&tenant, id, b.take_chunks(), &mut seq)
                .await?;
        }
        let header = json!({
            "export_id": id,
            "switch_id": e.switch_id,
            "controller_id": tenant,
            "created_at": proto::wire::timestamp(store::now_micros()),
            "schemas": {
                "candidates": "custodian.candidate.v1",
                "audit": "custodian.audit.v1",
                "agreements": "custodian.agreement_version.v1",
            },
            "counts": { "candidates": candidates, "documents": documents },
            "formats": "JSON Lines (UTF-8, one object per line), CSV (RFC 4180, UTF-8, header row, values unaltered), JSON, and the original documents under files/<candidate id>/",
            "excluded": [
                "encryption keys and blind-index keys: security measures of the provider, not exportable data (Data Act art. 30(6))",
                "candidates already erased: their deletion certificates are in the audit trail",
            ],
        });
        // The manifest lists every file: written and drained a slice of
        // entries at a time, so its chunks never pile up in memory.
        let mut m = b.start_manifest(header);
        while b.manifest_entries(&mut m, MANIFEST_SLICE) {
            self.store_chunks(&tenant, id, b.take_chunks(), &mut seq)
                .await?;
        }
        let done = b.finish_manifest(m);
        self.store_chunks(&tenant, id, done.chunks, &mut seq)
            .await?;
        let manifest_sha = done.manifest_sha256;
        let top: Vec<FileEntry> = done.files;
        debug_assert_eq!(done.documents, documents);
        let txn = audit::begin(&self.db).await?;
        let switch_id = e.switch_id.clone();
        let mut am: exports::ActiveModel = e.into();
        am.status = Set(ExportStatus::Ready.as_str().into());
        am.ready_at = Set(Some(store::now_micros()));
        am.files = Set(Some(serde_json::to_string(&top)?));
        am.manifest_sha256 = Set(Some(manifest_sha.clone()));
        am.candidates = Set(candidates as i64);
        am.documents = Set(documents as i64);
        am.update(&txn).await?;
        let record = Record::new(actor, "switching.export_ready", "export", id)
            .tenant(&tenant)
            .details(json!({ "candidates": candidates, "documents": documents, "manifest_sha256": manifest_sha }));
        let sw = switch_rows::Entity::find_by_id(switch_id.clone())
            .one(&txn)
            .await?
            .ok_or(SwitchError::NotFound("switch"))?;
        let now = store::now_micros();
        let v = view(sw, Vec::new(), now)?;
        notices::enqueue(
            &txn,
            Event::ExportReady,
            &v,
            json!({ "export_id": id, "candidates": candidates, "documents": documents, "manifest_sha256": manifest_sha }),
            now,
        )
        .await?;
        txn.commit_with(record).await?;
        Ok(())
    }

    /// Checks a download and counts it (audited); the caller then streams
    /// [`Self::chunks`].
    pub async fn begin_download(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
    ) -> Result<exports::Model, SwitchError> {
        let (e, v) = self.get_export(scope, id).await?;
        if e.status != ExportStatus::Ready.as_str() {
            return Err(SwitchError::Precondition(format!(
                "the export is {}, not ready",
                e.status
            )));
        }
        if !v.retrieval_open {
            return Err(SwitchError::Precondition(format!(
                "the retrieval period ended at {}; downloads are refused",
                v.plan
                    .retrieval_until()
                    .map(proto::wire::timestamp)
                    .unwrap_or_default()
            )));
        }
        // The first chunk must open before the download counts: the vault
        // still holds the bundle's key and the data is intact.
        let first = export_chunks::Entity::find()
            .filter(export_chunks::Column::ExportId.eq(&e.id))
            .order_by_asc(export_chunks::Column::Seq)
            .one(&self.db)
            .await?
            .ok_or_else(|| internal("a ready export has no chunks"))?;
        self.data
            .open_export_chunk(&e.tenant_id, id, first.seq, first.data)
            .await?;
        let txn = audit::begin(&self.db).await?;
        let tenant = e.tenant_id.clone();
        let n = e.downloads + 1;
        let mut am: exports::ActiveModel = e.into();
        am.downloads = Set(n);
        let e = am.update(&txn).await?;
        txn.commit_with(
            Record::new(actor, "switching.export_download", "export", id)
                .tenant(&tenant)
                .details(json!({ "download": n })),
        )
        .await?;
        Ok(e)
    }

    /// The pieces of the next few chunks of an export after `after` (a
    /// chunk seq), opened, with the seq of the last chunk read.
    pub async fn pieces(
        &self,
        e: &exports::Model,
        after: Option<i32>,
    ) -> Result<(Vec<Piece>, Option<i32>), SwitchError> {
        let mut q = export_chunks::Entity::find().filter(export_chunks::Column::ExportId.eq(&e.id));
        if let Some(s) = after {
            q = q.filter(export_chunks::Column::Seq.gt(s));
        }
        let rows = q
            .order_by_asc(export_chunks::Column::Seq)
            .limit(STREAM_PAGE)
            .all(&self.db)
            .await?;
        let last = rows.last().map(|r| r.seq);
        let mut out = Vec::new();
        for r in rows {
            let plain = self
                .data
                .open_export_chunk(&e.tenant_id, &e.id, r.seq, r.data)
                .await?;
            out.extend(bundle::pieces(&plain).map_err(internal)?);
        }
        Ok((out, last))
    }

    // ---- erasure ----
}
