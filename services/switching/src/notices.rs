//! Milestone notices to the customer (Data Act art. 25: the customer must
//! know its dates): every step of a switch is sent to the controller's
//! webhook through the outbox, enqueued in the transaction of the step, as
//! breach and sub-processor notices are. Each body carries the switch as it
//! stands after the step (status, every milestone with both readings, the
//! notes that explain them), plus what the step adds.

use chrono::{DateTime, Utc};
use proto::wire;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::service::SwitchView;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The request was received; its computed dates.
    Requested,
    /// The provider declared 30 days unfeasible (art. 25(4)).
    Unfeasible,
    /// The customer extended the transition (art. 25(5)).
    Extended,
    /// An export bundle is ready to download.
    ExportReady,
    /// The retrieval period ends in 7 days or less.
    RetrievalEnding,
    /// The customer confirmed the switch complete.
    Completed,
    /// The customer withdrew the request: nothing is erased.
    Withdrawn,
    /// The contract ended: the agreement record is now ended.
    AgreementEnded,
    /// The tenant was erased; the certificate is in the body.
    Erased,
}

impl Event {
    pub const ALL: [Event; 9] = [
        Event::Requested,
        Event::Unfeasible,
        Event::Extended,
        Event::ExportReady,
        Event::RetrievalEnding,
        Event::Completed,
        Event::Withdrawn,
        Event::AgreementEnded,
        Event::Erased,
    ];

    /// The outbox topic (`ListNotifications` filters on it).
    pub fn topic(self) -> &'static str {
        match self {
            Event::Requested => "switching.requested",
            Event::Unfeasible => "switching.unfeasible",
            Event::Extended => "switching.extended",
            Event::ExportReady => "switching.export_ready",
            Event::RetrievalEnding => "switching.retrieval_ending",
            Event::Completed => "switching.completed",
            Event::Withdrawn => "switching.withdrawn",
            Event::AgreementEnded => "switching.agreement_ended",
            Event::Erased => "switching.erased",
        }
    }
}

fn ts(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(wire::timestamp(t)))
        .unwrap_or(Value::Null)
}

/// The message body's `data`: the switch after the step, and `extra`.
pub fn body(event: Event, v: &SwitchView, extra: Value) -> Value {
    let r = &v.row;
    let milestones: Vec<Value> = v
        .plan
        .milestones
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "kind": m.kind,
                "strict": wire::timestamp(m.strict.instant),
                "lenient": wire::timestamp(m.lenient.instant),
                "strict_date": m.strict.date.map(|d| d.to_string()),
            })
        })
        .collect();
    json!({
        "event": event.topic(),
        "switch": {
            "id": r.id,
            "kind": r.kind,
            "election": r.election,
            "status": r.status,
            "notice_months": r.notice_months,
            "requested_at": wire::timestamp(r.requested_at),
            "rule": v.plan.rule,
            "milestones": milestones,
            "notes": v.plan.notes,
            "retrieval_open": v.retrieval_open,
            "retrieval_until": ts(v.plan.retrieval_until()),
            "erasure_due_from": ts(v.erasure_due_from),
            "withdrawn_at": ts(r.withdrawn_at),
        },
        "details": extra,
    })
}

/// Enqueues the notice of `event` in the caller's transaction; returns the
/// outbox message id.
pub async fn enqueue<C: ConnectionTrait>(
    txn: &C,
    event: Event,
    v: &SwitchView,
    extra: Value,
    now: DateTime<Utc>,
) -> Result<String, sea_orm::DbErr> {
    outbox::enqueue(
        txn,
        outbox::NewMessage {
            tenant: &v.row.tenant_id,
            topic: event.topic(),
            subject_type: "switch",
            subject_id: &v.row.id,
            data: body(event, v, extra),
        },
        now,
    )
    .await
}
