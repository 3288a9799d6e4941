//! Open requests for DeadlineService: every request not yet answered or
//! refused, due by rule dsr.response (dsr.extended_response once extended).
//!
//! The source is asked for the `limit` earliest. It reads the open
//! requests in receipt order, a page at a time, and keeps the best `limit`
//! it has computed; it stops once a request's floor (the earliest deadline
//! any request received then can have, [`earliest_due`]) is later than the
//! last one it keeps: every request after it in receipt order has a floor
//! at least as late. So the cost follows the page asked for, not the size of
//! the queue. Requests received at one instant share their floor; among
//! them the source reads in id order and leaves the instant at the first
//! one that ranks after the last it keeps, so a batch filed at one instant
//! costs a page too. The answer is exactly what computing every request's
//! deadline and sorting would give (tests/e2e/deadlines.rs checks it against
//! the deadlines ListRequests computes).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use obligation_model::{Obligation, ObligationQuery, ObligationSource, SourceError};

use crate::domain::{State, earliest_due};
use crate::service::{ReceiptPosition, RequestView, Requests, view};

const CITATION: &str = "GDPR art. 12(3); Reg. (EEC, Euratom) 1182/71 art. 3";

/// Rows read per query while looking for the earliest deadlines.
const PAGE: u64 = 256;

pub struct RequestObligations(pub Arc<Requests>);

fn obligation(v: &RequestView) -> Obligation {
    let d = v.deadline();
    Obligation {
        service: "requests",
        tenant_id: v.row.tenant_id.clone(),
        object_type: "dsr_request".into(),
        object_id: v.row.id.clone(),
        title: String::new(),
        description: format!(
            "answer the {} request received {}{}",
            v.kind.as_str(),
            proto::wire::timestamp(v.row.received_at),
            if v.row.extended_at.is_some() {
                " (extended)"
            } else {
                ""
            }
        ),
        rule: d.rule.into(),
        citation: CITATION.into(),
        due_strict: d.strict,
        due_lenient: d.lenient,
        notes: d.notes.clone(),
    }
}

/// An obligation ranked as the source returns them: strict due, then id.
struct Ranked(Obligation);

impl Ranked {
    fn key(&self) -> (DateTime<Utc>, &str) {
        (self.0.due_strict, &self.0.object_id)
    }
}
impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl RequestObligations {
    async fn earliest(&self, q: &ObligationQuery) -> Result<Vec<Obligation>, String> {
        let limit = usize::try_from(q.limit.max(1)).unwrap_or(usize::MAX);
        let now = store::now_micros();
        // A floor past the window's end: nothing from here on is in it.
        let due = |d: DateTime<Utc>| {
            q.due_before.is_none_or(|b| d < b) && q.due_by.is_none_or(|b| d <= b)
        };
        // The `limit` best so far; its top is the latest of them.
        let mut kept: BinaryHeap<Ranked> = BinaryHeap::with_capacity(limit.min(PAGE as usize) + 1);
        for state in [State::Open, State::AwaitingIdentity] {
            let mut after: Option<ReceiptPosition> = None;
            'pages: loop {
                let rows = self
                    .0
                    .in_receipt_order(q.tenant.as_deref(), state, after.as_ref(), PAGE)
                    .await
                    .map_err(|e| e.to_string())?;
                let full = rows.len() as u64 == PAGE;
                after = rows
                    .last()
                    .map(|r| ReceiptPosition::After(r.received_at, r.id.clone()));
                // An instant whose remaining requests cannot enter.
                let mut skip: Option<DateTime<Utc>> = None;
                for r in rows {
                    if skip == Some(r.received_at) {
                        continue;
                    }
                    let floor = earliest_due(r.received_at)?;
                    if !due(floor) {
                        break 'pages;
                    }
                    if kept.len() == limit
                        && let Some(worst) = kept.peek()
                    {
                        // Nothing from here on can be due earlier than the
                        // latest kept.
                        if floor > worst.0.due_strict {
                            break 'pages;
                        }
                        // A tie on the floor: this request ranks after the
                        // latest kept (due no earlier, greater id), and so
                        // does every later one received at this instant,
                        // which come in id order. Requests received later
                        // may still tie with a smaller id: go on with them.
                        if floor == worst.0.due_strict && r.id.as_str() > worst.0.object_id.as_str()
                        {
                            skip = Some(r.received_at);
                            continue;
                        }
                    }
                    let v = view(r, now).map_err(|e| e.to_string())?;
                    let o = obligation(&v);
                    // The window's start and the page's cursor.
                    if !q.admits(&o) {
                        continue;
                    }
                    kept.push(Ranked(o));
                    if kept.len() > limit {
                        kept.pop();
                    }
                }
                if !full {
                    break;
                }
                // The page ended inside a skipped instant: resume after it.
                if let (Some(s), Some(ReceiptPosition::After(last, _))) = (skip, &after)
                    && s == *last
                {
                    after = Some(ReceiptPosition::PastInstant(s));
                }
            }
        }
        Ok(kept.into_sorted_vec().into_iter().map(|r| r.0).collect())
    }
}

#[async_trait::async_trait]

impl ObligationSource for RequestObligations {
    fn service(&self) -> &'static str {
        "requests"
    }

    async fn open_obligations(&self, q: &ObligationQuery) -> Result<Vec<Obligation>, SourceError> {
        self.earliest(q).await.map_err(|message| SourceError {
            service: "requests",
            message,
        })
    }
}
