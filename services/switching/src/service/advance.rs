//! The worker's round: retrieval reminders, agreements ended with their
//! contracts, tenant erasure with its certificate, webhooks closed after the
//! erasure notice is delivered.

use super::*;

impl Switching {
    /// Erases every tenant whose switch or exit is due (worker step).
    /// Returns the switches erased.
    pub async fn erase_due(&self, actor: &Actor) -> Result<Vec<String>, SwitchError> {
        Ok(self.advance(actor).await?.erased)
    }

    /// The worker's round over every switch: the retrieval reminder, the
    /// agreement ended with the contract, the tenant erasure, and the
    /// webhook removed once the erasure notice is settled. Every step is
    /// marked on the switch, so a round repeated after a crash does nothing
    /// twice (the notice of a step commits with its mark).
    pub async fn advance(&self, actor: &Actor) -> Result<Advance, SwitchError> {
        let now = store::now_micros();
        let mut out = Advance::default();
        for v in self.open(None).await? {
            let status = v.status;
            let retrievable = !(v.row.election == Election::Erase.as_str()
                || v.row.election == ExitChoice::Delete.as_str());
            let d = due(
                status,
                &v.plan,
                retrievable,
                v.row.retrieval_reminded_for,
                v.row.agreement_ended_at.is_some(),
                now,
            );
            if let Some(r) = d.remind_retrieval_end {
                let mut am: switch_rows::ActiveModel = v.row.clone().into();
                am.retrieval_reminded_for = Set(Some(r));
                self.update(
                    actor,
                    am,
                    "switching.retrieval_reminder",
                    json!({ "retrieval_end": proto::wire::timestamp(r) }),
                    Some((
                        Event::RetrievalEnding,
                        json!({ "retrieval_end": proto::wire::timestamp(r), "days_left": (r - now).num_days() }),
                    )),
                )
                .await?;
                out.reminded.push(v.row.id.clone());
            }
            if let Some(end) = d.end_agreement {
                let reason = format!("the contract ended on {end} with switch {}", v.row.id);
                let ended = self
                    .data
                    .end_agreements(actor, &v.row.tenant_id, end, &reason)
                    .await?;
                let mut am: switch_rows::ActiveModel =
                    self.row(&Scope::All, &v.row.id).await?.into();
                am.agreement_ended_at = Set(Some(store::now_micros()));
                self.update(
                    actor,
                    am,
                    "switching.agreement_ended",
                    json!({ "contract_end": end.to_string(), "agreements": ended }),
                    Some((
                        Event::AgreementEnded,
                        json!({ "contract_end": end.to_string(), "agreements": ended }),
                    )),
                )
                .await?;
                out.agreements_ended.push(v.row.id.clone());
            }
            if v.erasable(now) {
                let v = view(
                    self.row(&Scope::All, &v.row.id).await?,
                    Vec::new(),
                    store::now_micros(),
                )?;
                out.erased.push(self.erase(actor, v).await?);
            }
        }
        out.webhooks_closed = self.close_webhooks(actor).await?;
        Ok(out)
    }

    /// Removes the webhook of every erased tenant whose erasure notice was
    /// delivered or dead-lettered (the notice needs the webhook to go out).
    pub(super) async fn close_webhooks(&self, actor: &Actor) -> Result<Vec<String>, SwitchError> {
        let rows = switch_rows::Entity::find()
            .filter(switch_rows::Column::Status.eq(Status::Erased.as_str()))
            .filter(switch_rows::Column::WebhookClosedAt.is_null())
            .all(&self.db)
            .await?;
        let mut done = Vec::new();
        for r in rows {
            let settled = match &r.erasure_notice_id {
                Some(id) => outbox::settled(&self.db, id).await?,
                None => true,
            };
            if !settled {
                continue;
            }
            self.data.close_webhook(actor, &r.tenant_id).await?;
            let id = r.id.clone();
            let mut am: switch_rows::ActiveModel = r.into();
            am.webhook_closed_at = Set(Some(store::now_micros()));
            am.update(&self.db).await?;
            done.push(id);
        }
        Ok(done)
    }

    /// Erases one tenant: keys and rows everywhere (through the port), its
    /// export bundles here, then the certificate. Safe to repeat.
    pub(super) async fn erase(&self, actor: &Actor, v: SwitchView) -> Result<String, SwitchError> {
        let tenant = v.row.tenant_id.clone();
        let erased = self.data.erase(actor, &tenant).await?;
        let mut rows: std::collections::BTreeMap<String, u64> = erased
            .rows_deleted
            .iter()
            .map(|(t, n)| (t.clone(), *n))
            .collect();
        let chunks = export_chunks::Entity::delete_many()
            .filter(
                export_chunks::Column::ExportId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(exports::Column::Id)
                        .from(exports::Entity)
                        .and_where(exports::Column::TenantId.eq(&tenant))
                        .to_owned(),
                ),
            )
            .exec(&self.db)
            .await?
            .rows_affected;
        rows.insert("switching_export_chunks".into(), chunks);
        let now = store::now_micros();
        let basis = match v.kind {
            Kind::DataAct => format!(
                "Data Act art. 25(2)(h): {} requested {}, retrieval period ended",
                v.row.election,
                proto::wire::timestamp(v.row.requested_at)
            ),
            Kind::Termination => format!(
                "GDPR art. 28(3)(g): the agreement ended on {} ({})",
                v.row
                    .contract_end
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                v.row.election
            ),
        };
        let cert = Certificate {
            schema: "custodian.tenant_erasure.v1".into(),
            switch_id: v.row.id.clone(),
            controller_id: tenant.clone(),
            basis,
            kek_destroyed_at: erased
                .kek_destroyed_at
                .map(proto::wire::timestamp)
                .unwrap_or_default(),
            kek_versions: erased.kek_versions.clone(),
            keys_destroyed: erased.keys_destroyed,
            rows_deleted: rows,
            retained: retained(),
            completed_at: proto::wire::timestamp(now),
            vault_certificate: erased.vault_certificate.clone(),
        };
        let (json, sha) = cert.seal();
        let txn = audit::begin(&self.db).await?;
        exports::Entity::delete_many()
            .filter(exports::Column::TenantId.eq(&tenant))
            .exec(&txn)
            .await?;
        let id = v.row.id.clone();
        let mut am: switch_rows::ActiveModel = v.row.into();
        am.status = Set(Status::Erased.as_str().into());
        am.erased_at = Set(Some(now));
        am.certificate = Set(Some(json.clone()));
        let m = am.update(&txn).await?;
        // The certificate goes to the customer's webhook, which stays until
        // this message is settled (`close_webhooks`).
        let erased_view = view(m, Vec::new(), now)?;
        let cert_value: Value = serde_json::from_str(&json)?;
        let notice = notices::enqueue(
            &txn,
            Event::Erased,
            &erased_view,
            json!({ "certificate": cert_value, "certificate_sha256": sha }),
            now,
        )
        .await?;
        let mut am: switch_rows::ActiveModel = erased_view.row.into();
        am.erasure_notice_id = Set(Some(notice));
        am.update(&txn).await?;
        txn.commit_with(
            Record::new(actor, "switching.tenant_erased", "switch", &id)
                .tenant(&tenant)
                .details(json!({ "certificate_sha256": sha })),
        )
        .await?;
        Ok(id)
    }
}
