//! The open-obligation model: what every service that owns deadlines
//! answers (an [`Obligation`] per open deadline), what it is asked
//! ([`ObligationQuery`], with the one selection of an in-memory answer,
//! [`ObligationQuery::select`]) and the [`ObligationSource`] trait it
//! implements. No IO: service crates depend on this, never on the
//! deadline service that merges their answers (`services/deadlines`).

use std::borrow::Cow;

use chrono::{DateTime, Utc};

/// An open deadline owned by an object of some service. The names are
/// `'static` words when the source is in this process, and owned strings
/// when it answered from a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    /// The owning service, for instance `agreements`.
    pub service: &'static str,
    pub tenant_id: String,
    pub object_type: Cow<'static, str>,
    pub object_id: String,
    /// A short name of the object for people (a candidate's or an
    /// agreement's reference, a sub-processor's name, an incident's first
    /// words); empty where the object has none.
    pub title: String,
    /// What must happen, in words.
    pub description: String,
    /// The legal-time rule that computed it, and its citation.
    pub rule: Cow<'static, str>,
    pub citation: Cow<'static, str>,
    /// The reading Custodian schedules on.
    pub due_strict: DateTime<Utc>,
    pub due_lenient: DateTime<Utc>,
    /// Why the date is what it is, in words (a weekend or holiday rolled
    /// over, an extension, a suspension), as the rule computed it.
    pub notes: Vec<String>,
}

/// Where a page of one source ended: the rank of the last obligation of
/// that source the caller has seen. A source asked with a cursor answers
/// only obligations ranked after it ([`Obligation::rank`]), so the next page
/// costs a page, whatever its depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub due: DateTime<Utc>,
    pub object_id: String,
    pub rule: String,
    /// [`tiebreak`] of the description: two obligations of one object under
    /// one rule due at the same instant (two milestones of a switch that
    /// coincide) still have distinct ranks.
    pub tiebreak: u64,
}

/// A stable 64-bit FNV-1a hash of a description: the last part of a rank.
/// Stable across processes and releases, so a page token stays valid.
pub fn tiebreak(description: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in description.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Obligation {
    /// The order of a source's obligations: strict due, object, rule, then
    /// the description's [`tiebreak`]. Unique within a source.
    pub fn rank(&self) -> (DateTime<Utc>, &str, &str, u64) {
        (
            self.due_strict,
            &self.object_id,
            &self.rule,
            tiebreak(&self.description),
        )
    }

    /// The cursor that resumes after this obligation.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            due: self.due_strict,
            object_id: self.object_id.clone(),
            rule: self.rule.to_string(),
            tiebreak: tiebreak(&self.description),
        }
    }
}

/// What a source is asked for. Sources must apply `tenant`, the due window
/// and `after` in their own query, so the cost follows what is asked, not
/// what is stored; [`ObligationQuery::admits`] is the exact test.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObligationQuery {
    pub tenant: Option<String>,
    pub due_before: Option<DateTime<Utc>>,
    /// Only obligations due at or before this (the overdue filter).
    pub due_by: Option<DateTime<Utc>>,
    /// Only obligations due at or after this (a later window of the
    /// dashboard).
    pub due_from: Option<DateTime<Utc>>,
    /// Only obligations ranked after this (the next page).
    pub after: Option<Cursor>,
    /// A source returns at most this many, earliest strict due first: enough
    /// for the merged page, never the whole table.
    pub limit: u64,
}

impl ObligationQuery {
    /// Whether an obligation is in the window and after the cursor (the
    /// tenant is the source's own query).
    pub fn admits(&self, o: &Obligation) -> bool {
        let d = o.due_strict;
        self.due_before.is_none_or(|b| d < b)
            && self.due_by.is_none_or(|b| d <= b)
            && self.due_from.is_none_or(|f| d >= f)
            && self.after.as_ref().is_none_or(|c| {
                o.rank() > (c.due, c.object_id.as_str(), c.rule.as_str(), c.tiebreak)
            })
    }

    /// Keeps what the query admits, earliest first, at most `limit`: the
    /// answer of a source that computes its obligations in memory.
    pub fn select(&self, mut all: Vec<Obligation>) -> Vec<Obligation> {
        all.retain(|o| self.admits(o));
        all.sort_by(|a, b| a.rank().cmp(&b.rank()));
        all.truncate(usize::try_from(self.limit.max(1)).unwrap_or(usize::MAX));
        all
    }

    /// The same query without paging, for counting.
    pub fn unpaged(&self) -> Self {
        Self {
            after: None,
            limit: COUNT_LIMIT,
            ..self.clone()
        }
    }
}

/// The most obligations a source materialises to count them (its default
/// [`ObligationSource::count_open`]).
pub const COUNT_LIMIT: u64 = 10_000_000;

#[derive(Debug, thiserror::Error)]
#[error("obligation source {service} failed: {message}")]
pub struct SourceError {
    pub service: &'static str,
    pub message: String,
}

/// Implemented by every service that owns deadlines (in process, or over a
/// peer in a split deployment).
#[async_trait::async_trait]
pub trait ObligationSource: Send + Sync {
    fn service(&self) -> &'static str;
    async fn open_obligations(
        &self,
        query: &ObligationQuery,
    ) -> Result<Vec<Obligation>, SourceError>;
    /// How many obligations the query admits, ignoring `after` and `limit`.
    /// By default the source computes them all and counts; a source over a
    /// large table counts in its database instead.
    async fn count_open(&self, query: &ObligationQuery) -> Result<u64, SourceError> {
        let q = query.unpaged();
        Ok(self.open_obligations(&q).await?.len() as u64)
    }
}
