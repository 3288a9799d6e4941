//! The obligation model and the merge of every source's open obligations.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

/// What a source is asked for. Sources must apply `tenant` and `due_before`
/// in their own query, so the cost follows what is due, not what is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObligationQuery {
    pub tenant: Option<String>,
    pub due_before: Option<DateTime<Utc>>,
    /// Only obligations due at or before this (the overdue filter).
    pub due_by: Option<DateTime<Utc>>,
    /// A source returns at most this many, earliest strict due first: enough
    /// for the merged page, never the whole table.
    pub limit: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("obligation source {service} failed: {message}")]
pub struct SourceError {
    pub service: &'static str,
    pub message: String,
}

pub type SourceFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Obligation>, SourceError>> + Send + 'a>>;

/// Implemented by every service that owns deadlines.
pub trait ObligationSource: Send + Sync {
    fn service(&self) -> &'static str;
    fn open_obligations<'a>(&'a self, query: &'a ObligationQuery) -> SourceFuture<'a>;
}

/// The filter of a `ListObligations` call, after scoping.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub query: ObligationQuery,
    pub service: Option<String>,
    pub overdue_only: bool,
    pub now: DateTime<Utc>,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Clone, Default)]
pub struct Obligations {
    sources: Vec<Arc<dyn ObligationSource>>,
}

impl Obligations {
    pub fn new(sources: Vec<Arc<dyn ObligationSource>>) -> Self {
        Self { sources }
    }

    pub fn services(&self) -> Vec<&'static str> {
        self.sources.iter().map(|s| s.service()).collect()
    }

    /// Merges the sources' answers, filters, orders by strict due time (then
    /// service and object, so pages are stable) and returns one page plus
    /// whether more follow.
    pub async fn list(&self, req: &ListRequest) -> Result<(Vec<Obligation>, bool), SourceError> {
        let mut all = Vec::new();
        let mut query = req.query.clone();
        query.limit = (req.offset + req.limit + 1) as u64;
        if req.overdue_only {
            query.due_by = Some(req.now);
        }
        // Every source at once: a peer's answer does not wait for another's.
        let asked = self.sources.iter().filter(|s| {
            req.service
                .as_deref()
                .is_none_or(|want| want == s.service())
        });
        let answers =
            futures::future::try_join_all(asked.map(|s| s.open_obligations(&query))).await?;
        for mut got in answers {
            // Sources filter in their own queries; this guards the contract.
            got.retain(|o| {
                req.query.tenant.as_deref().is_none_or(|t| t == o.tenant_id)
                    && req.query.due_before.is_none_or(|b| o.due_strict < b)
                    && (!req.overdue_only || o.due_strict <= req.now)
            });
            all.extend(got);
        }
        all.sort_by(|a, b| {
            (a.due_strict, a.service, &a.object_id, &a.description).cmp(&(
                b.due_strict,
                b.service,
                &b.object_id,
                &b.description,
            ))
        });
        let more = all.len() > req.offset + req.limit;
        let page = all.into_iter().skip(req.offset).take(req.limit).collect();
        Ok((page, more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(&'static str, Vec<Obligation>);
    impl ObligationSource for Fixed {
        fn service(&self) -> &'static str {
            self.0
        }
        fn open_obligations<'a>(&'a self, _q: &'a ObligationQuery) -> SourceFuture<'a> {
            Box::pin(async move { Ok(self.1.clone()) })
        }
    }

    fn ob(service: &'static str, tenant: &str, id: &str, due: &str) -> Obligation {
        let t = DateTime::parse_from_rfc3339(due)
            .unwrap()
            .with_timezone(&Utc);
        Obligation {
            service,
            tenant_id: tenant.into(),
            object_type: "thing".into(),
            object_id: id.into(),
            description: "do it".into(),
            rule: "dsr.response".into(),
            citation: "x".into(),
            due_strict: t,
            due_lenient: t,
            notes: Vec::new(),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[tokio::test]
    async fn merges_filters_orders_and_pages() {
        let o = Obligations::new(vec![
            Arc::new(Fixed(
                "a",
                vec![
                    ob("a", "t1", "x", "2026-07-01T00:00:00Z"),
                    ob("a", "t2", "y", "2026-05-01T00:00:00Z"),
                ],
            )),
            Arc::new(Fixed("b", vec![ob("b", "t1", "z", "2026-05-15T00:00:00Z")])),
        ]);
        let base = ListRequest {
            now: now(),
            limit: 10,
            ..Default::default()
        };
        let (all, more) = o.list(&base).await.unwrap();
        assert_eq!(
            all.iter().map(|o| o.object_id.as_str()).collect::<Vec<_>>(),
            ["y", "z", "x"]
        );
        assert!(!more);

        let (t1, _) = o
            .list(&ListRequest {
                query: ObligationQuery {
                    tenant: Some("t1".into()),
                    ..Default::default()
                },
                ..base.clone()
            })
            .await
            .unwrap();
        assert!(t1.iter().all(|o| o.tenant_id == "t1"));
        let (overdue, _) = o
            .list(&ListRequest {
                overdue_only: true,
                ..base.clone()
            })
            .await
            .unwrap();
        assert_eq!(overdue.len(), 2);
        let (only_b, _) = o
            .list(&ListRequest {
                service: Some("b".into()),
                ..base.clone()
            })
            .await
            .unwrap();
        assert_eq!(only_b.len(), 1);
        let before = DateTime::parse_from_rfc3339("2026-05-10T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (early, _) = o
            .list(&ListRequest {
                query: ObligationQuery {
                    due_before: Some(before),
                    ..Default::default()
                },
                ..base.clone()
            })
            .await
            .unwrap();
        assert_eq!(early.len(), 1);
        let (p1, more) = o
            .list(&ListRequest {
                limit: 2,
                ..base.clone()
            })
            .await
            .unwrap();
        assert_eq!(p1.len(), 2);
        assert!(more);
        let (p2, more) = o
            .list(&ListRequest {
                limit: 2,
                offset: 2,
                ..base
            })
            .await
            .unwrap();
        assert_eq!(p2.len(), 1);
        assert!(!more);
    }
}
