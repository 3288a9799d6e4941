//! The worker's e-mail jobs (issue 32), where notifications and the
//! controllers are hosted: the [`Planner`] decides who is told what (the
//! console's `mail` module writes the words) and writes it into the mail
//! outbox; `outbox::mail::Mailer` sends it. This file only gathers the
//! inputs: the people and their preferences (the controllers' table), every
//! open obligation (the services' obligation sources, in process or over
//! `ObligationsPeer`), the audit entries of events since the last round.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use console::mail as words;
use deadlines::obligations::{ListRequest, PageCursor};
use deadlines::{ObligationQuery, ObligationSource, Obligations};
use outbox::mail::{NewMail, ObligationRef, StillDue};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use store::entities::audit_events;
use store::sea_orm;

/// The audit reader's name in `mail_cursors`.
const EVENTS_CURSOR: &str = "events";
/// Audit entries read per round at most.
const EVENTS_PER_ROUND: u64 = 1_000;

/// What one planning round wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PlanReport {
    pub alerts: u64,
    pub events: u64,
    pub digests: u64,
    /// Digest days with nothing to say (recorded, not sent).
    pub quiet_digests: u64,
}

/// Plans alerts, event mails and digests.
pub struct Planner {
    db: sea_orm::DatabaseConnection,
    people: controllers::people::PeopleRepo,
    obligations: Obligations,
    base: String,
}

/// The obligation sources that alert: all but the vault's erasures, which
/// are the sweep's own work.
fn alerting(sources: &[Arc<dyn ObligationSource>]) -> Vec<Arc<dyn ObligationSource>> {
    sources
        .iter()
        .filter(|s| proto::alerts::Topic::of_service(s.service()).is_some())
        .cloned()
        .collect()
}

impl Planner {
    pub fn new(
        db: sea_orm::DatabaseConnection,
        sources: &[Arc<dyn ObligationSource>],
        console_url: &str,
    ) -> Self {
        Planner {
            people: controllers::people::PeopleRepo::new(db.clone()),
            db,
            obligations: Obligations::new(alerting(sources)),
            base: console_url.trim_end_matches('/').to_owned(),
        }
    }

    async fn people(&self) -> anyhow::Result<(Vec<words::Person>, HashMap<String, String>)> {
        let people = self
            .people
            .recipients()
            .await?
            .into_iter()
            .map(|r| words::Person {
                lang: console::i18n::Lang::parse(r.preferences.language).unwrap_or_default(),
                alerts: r.preferences.alerts.clone(),
                digest_at: r.preferences.digest_at,
                id: r.id,
                name: r.name,
                email: r.email,
                tenant: r.tenant,
            })
            .collect();
        let names = self.people.tenant_names().await?.into_iter().collect();
        Ok((people, names))
    }

    /// Every open obligation due before `before` (overdue ones included).
    async fn open_before(
        &self,
        now: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> anyhow::Result<Vec<proto::v1::Obligation>> {
        let mut out = Vec::new();
        let mut after = PageCursor::default();
        loop {
            let page = self
                .obligations
                .list(&ListRequest {
                    query: ObligationQuery {
                        due_before: Some(before),
                        ..Default::default()
                    },
                    now,
                    after,
                    limit: 1_000,
                    ..Default::default()
                })
                .await?;
            out.extend(
                page.obligations
                    .into_iter()
                    .map(|o| deadlines::grpc::obligation_pb(o, now)),
            );
            match page.next {
                Some(n) => after = n,
                None => return Ok(out),
            }
        }
    }

    /// The audited events after the cursor, and where the cursor goes. The
    /// first round starts at the end of the log: no mail about the past.
    async fn events(&self) -> anyhow::Result<(Vec<words::Event>, Option<i64>)> {
        let last: Option<i64> = audit_events::Entity::find()
            .select_only()
            .column_as(audit_events::Column::Seq.max(), "m")
            .into_tuple::<Option<i64>>()
            .one(&self.db)
            .await?
            .flatten();
        let last = last.unwrap_or(0);
        let Some(from) = outbox::mail::cursor(&self.db, EVENTS_CURSOR).await? else {
            return Ok((Vec::new(), Some(last)));
        };
        let rows = audit_events::Entity::find()
            .filter(audit_events::Column::Seq.gt(from))
            .filter(audit_events::Column::Seq.lte(last))
            .filter(audit_events::Column::Action.is_in(words::EVENT_ACTIONS))
            .order_by_asc(audit_events::Column::Seq)
            .limit(EVENTS_PER_ROUND)
            .all(&self.db)
            .await?;
        let next = if rows.len() as u64 == EVENTS_PER_ROUND {
            rows.last().map(|r| r.seq)
        } else {
            Some(last)
        };
        let events = rows
            .into_iter()
            .map(|r| words::Event {
                seq: r.seq,
                action: r.action,
                tenant: r.tenant_id,
                object_type: r.object_type,
                object_id: r.object_id,
                at: r.at,
            })
            .collect();
        Ok((events, next.filter(|n| *n != from)))
    }

    /// One round at `now`: plans what is due and not planned before, in one
    /// transaction with the audit cursor.
    pub async fn run_once(&self, now: DateTime<Utc>) -> anyhow::Result<PlanReport> {
        let (people, names) = self.people().await?;
        let ctx = words::Context {
            base: &self.base,
            names: &names,
        };
        let horizon = (now + words::HORIZON).max(words::end_of_week(now)) + Duration::seconds(1);
        let obligations = self.open_before(now, horizon).await?;

        // Which keys are planned already, so only new mails are written.
        let mut keys = words::alert_keys(now, &obligations, &people);
        let digest_people: Vec<&words::Person> = people
            .iter()
            .filter(|p| words::digest_due(p, now))
            .collect();
        keys.extend(digest_people.iter().map(|p| words::digest_key(&p.id, now)));
        let planned = outbox::mail::planned(&self.db, &keys).await?;

        let alerts = words::alerts(now, &obligations, &people, &ctx, &|k| planned.contains(k));
        let (events, cursor) = self.events().await?;
        let event_mails = words::events(&events, &people, &ctx);
        let due_digests: Vec<&words::Person> = digest_people
            .into_iter()
            .filter(|p| !planned.contains(&words::digest_key(&p.id, now)))
            .collect();
        let digests = words::digests(now, &due_digests, &obligations, &ctx);
        let report = PlanReport {
            alerts: alerts.len() as u64,
            events: event_mails.len() as u64,
            digests: digests.iter().filter(|d| !d.empty).count() as u64,
            quiet_digests: digests.iter().filter(|d| d.empty).count() as u64,
        };
        let all: Vec<NewMail> = alerts
            .into_iter()
            .chain(event_mails)
            .chain(digests)
            .map(new_mail)
            .collect();
        let live: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
        let txn = self.db.begin().await?;
        // A person removed since its mail was planned is not written to.
        outbox::mail::withdraw_all_but(&txn, &live).await?;
        outbox::mail::plan(&txn, all, store::now_micros()).await?;
        if let Some(c) = cursor {
            outbox::mail::set_cursor(&txn, EVENTS_CURSOR, c).await?;
        }
        txn.commit().await?;
        Ok(report)
    }
}

fn new_mail(m: words::Mail) -> NewMail {
    NewMail {
        obligation: m.obligation.map(|(service, uid, due)| ObligationRef {
            service,
            tenant: m.tenant.clone(),
            uid,
            due,
        }),
        dedup_key: m.key,
        person_id: m.person_id,
        address: m.address,
        language: m.lang.code().to_owned(),
        tenant: m.tenant,
        kind: m.kind,
        topic: m.topic.to_owned(),
        subject: m.subject,
        text: m.text,
        html: m.html,
        empty: m.empty,
    }
}

/// Whether an alert's obligation is still open at its due instant, asked
/// of the service that owns it.
pub struct OpenObligations(pub Vec<Arc<dyn ObligationSource>>);

#[async_trait::async_trait]
impl StillDue for OpenObligations {
    async fn still_due(&self, o: &ObligationRef) -> Result<bool, domain_kit::PortError> {
        let Some(source) = self.0.iter().find(|s| s.service() == o.service) else {
            // No source answers for it here any more: nothing is due.
            return Ok(false);
        };
        let q = ObligationQuery {
            tenant: o.tenant.clone(),
            due_from: Some(o.due),
            due_by: Some(o.due),
            limit: 1_000,
            ..Default::default()
        };
        let open = source
            .open_obligations(&q)
            .await
            .map_err(|e| domain_kit::PortError::Unavailable(e.to_string()))?;
        Ok(open.iter().any(|x| {
            x.due_strict == o.due
                && format!("{}.{}.{}@custodian", x.object_type, x.object_id, x.rule) == o.uid
        }))
    }
}
