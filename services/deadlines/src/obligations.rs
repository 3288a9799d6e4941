//! The merge of every source's open obligations (the model they are told
//! in is the pure `obligation-model` crate, re-exported here).

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use obligation_model::{
    COUNT_LIMIT, Cursor, Obligation, ObligationQuery, ObligationSource, SourceError, tiebreak,
};

/// The filter of a `ListObligations` call, after scoping.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub query: ObligationQuery,
    pub service: Option<String>,
    pub overdue_only: bool,
    pub now: DateTime<Utc>,
    /// Where the previous page ended, per source (absent: from the start).
    pub after: PageCursor,
    pub limit: usize,
    /// Also count every obligation the filter admits.
    pub count: bool,
}

/// One page's answer.
#[derive(Debug, Default)]
pub struct Page {
    pub obligations: Vec<Obligation>,
    /// Where the next page starts; `None` when this was the last.
    pub next: Option<PageCursor>,
    /// Every obligation the filter admits, on all pages (when asked).
    pub total: Option<u64>,
}

/// Where a merged page ended: the last obligation taken from each source.
/// A source absent from it has had nothing taken yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageCursor(pub std::collections::BTreeMap<String, Cursor>);

impl PageCursor {
    const PREFIX: &'static str = "c1";

    /// The page token: `c1` then `;service,due-micros,object,rule,tiebreak`
    /// per source. Services, UUIDs and rule ids hold neither `,` nor `;`.
    pub fn token(&self) -> String {
        let mut s = String::from(Self::PREFIX);
        for (service, c) in &self.0 {
            s.push_str(&format!(
                ";{service},{},{},{},{:x}",
                c.due.timestamp_micros(),
                c.object_id,
                c.rule,
                c.tiebreak
            ));
        }
        s
    }

    /// Reads a token [`PageCursor::token`] wrote; `None` for anything else.
    pub fn parse(token: &str) -> Option<Self> {
        let mut parts = token.split(';');
        if parts.next()? != Self::PREFIX {
            return None;
        }
        let mut out = std::collections::BTreeMap::new();
        for p in parts {
            let f: Vec<&str> = p.split(',').collect();
            let [service, due, object_id, rule, tiebreak] = f[..] else {
                return None;
            };
            if service.is_empty() || object_id.is_empty() || rule.is_empty() {
                return None;
            }
            let due = DateTime::from_timestamp_micros(due.parse().ok()?)?;
            let c = Cursor {
                due,
                object_id: object_id.to_owned(),
                rule: rule.to_owned(),
                tiebreak: u64::from_str_radix(tiebreak, 16).ok()?,
            };
            if out.insert(service.to_owned(), c).is_some() {
                return None;
            }
        }
        Some(Self(out))
    }
}

#[derive(Clone, Default)]
pub struct Obligations {
    sources: Vec<Arc<dyn ObligationSource>>,
}

/// The order of the merged list: a source's rank with the service after the
/// due instant, so pages are stable.
fn merged_rank(o: &Obligation) -> (DateTime<Utc>, &str, &str, &str, u64) {
    let (due, object, rule, tie) = o.rank();
    (due, o.service, object, rule, tie)
}

impl Obligations {
    pub fn new(sources: Vec<Arc<dyn ObligationSource>>) -> Self {
        Self { sources }
    }

    pub fn services(&self) -> Vec<&'static str> {
        self.sources.iter().map(|s| s.service()).collect()
    }

    /// Merges the sources' answers after each one's cursor, orders them
    /// ([`merged_rank`]) and returns one page, the cursor of the next, and
    /// the total when asked. Each source is asked for `limit + 1` after its
    /// own cursor, so a page costs a page at any depth.
    pub async fn list(&self, req: &ListRequest) -> Result<Page, SourceError> {
        let mut base = req.query.clone();
        base.limit = (req.limit + 1) as u64;
        if req.overdue_only {
            base.due_by = Some(req.due_by_for_overdue());
        }
        // Every source at once: a peer's answer does not wait for another's.
        let asked: Vec<&Arc<dyn ObligationSource>> = self
            .sources
            .iter()
            .filter(|s| {
                req.service
                    .as_deref()
                    .is_none_or(|want| want == s.service())
            })
            .collect();
        let queries: Vec<ObligationQuery> = asked
            .iter()
            .map(|s| ObligationQuery {
                after: req.after.0.get(s.service()).cloned(),
                ..base.clone()
            })
            .collect();
        let lists = futures::future::try_join_all(
            asked
                .iter()
                .zip(&queries)
                .map(|(s, q)| s.open_obligations(q)),
        );
        let counts = async {
            if req.count {
                let all = futures::future::try_join_all(asked.iter().map(|s| s.count_open(&base)))
                    .await?;
                Ok::<_, SourceError>(Some(all.into_iter().sum::<u64>()))
            } else {
                Ok(None)
            }
        };
        let (answers, total) = futures::future::try_join(lists, counts).await?;
        let mut all = Vec::new();
        for (mut got, q) in answers.into_iter().zip(&queries) {
            // Sources filter in their own queries; this guards the contract.
            got.retain(|o| {
                req.query.tenant.as_deref().is_none_or(|t| t == o.tenant_id) && q.admits(o)
            });
            all.extend(got);
        }
        all.sort_by(|a, b| merged_rank(a).cmp(&merged_rank(b)));
        let more = all.len() > req.limit;
        all.truncate(req.limit);
        let next = more.then(|| {
            let mut c = req.after.clone();
            for o in &all {
                c.0.insert(o.service.to_owned(), o.cursor());
            }
            c
        });
        Ok(Page {
            obligations: all,
            next,
            total,
        })
    }
}

impl ListRequest {
    /// The overdue filter's bound: due at or before now.
    fn due_by_for_overdue(&self) -> DateTime<Utc> {
        match self.query.due_by {
            Some(b) if b < self.now => b,
            _ => self.now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(&'static str, Vec<Obligation>);
    #[async_trait::async_trait]
    impl ObligationSource for Fixed {
        fn service(&self) -> &'static str {
            self.0
        }
        async fn open_obligations(
            &self,
            q: &ObligationQuery,
        ) -> Result<Vec<Obligation>, SourceError> {
            Ok(q.select(self.1.clone()))
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
            title: String::new(),
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
        let list = |r: ListRequest| {
            let o = o.clone();
            async move {
                let p = o.list(&r).await.unwrap();
                (p.obligations, p.next)
            }
        };
        let (all, more) = list(base.clone()).await;
        assert_eq!(
            all.iter().map(|o| o.object_id.as_str()).collect::<Vec<_>>(),
            ["y", "z", "x"]
        );
        assert!(more.is_none());

        let (t1, _) = list(ListRequest {
            query: ObligationQuery {
                tenant: Some("t1".into()),
                ..Default::default()
            },
            ..base.clone()
        })
        .await;
        assert!(t1.iter().all(|o| o.tenant_id == "t1"));
        let (overdue, _) = list(ListRequest {
            overdue_only: true,
            ..base.clone()
        })
        .await;
        assert_eq!(overdue.len(), 2);
        let (only_b, _) = list(ListRequest {
            service: Some("b".into()),
            ..base.clone()
        })
        .await;
        assert_eq!(only_b.len(), 1);
        let before = DateTime::parse_from_rfc3339("2026-05-10T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (early, _) = list(ListRequest {
            query: ObligationQuery {
                due_before: Some(before),
                ..Default::default()
            },
            ..base.clone()
        })
        .await;
        assert_eq!(early.len(), 1);
        let (p1, more) = list(ListRequest {
            limit: 2,
            ..base.clone()
        })
        .await;
        assert_eq!(p1.len(), 2);
        let next = more.expect("a third obligation follows");
        let token = next.token();
        assert_eq!(PageCursor::parse(&token).as_ref(), Some(&next));
        let (p2, more) = list(ListRequest {
            limit: 2,
            after: next,
            ..base
        })
        .await;
        assert_eq!(p2.len(), 1);
        assert!(more.is_none());
    }

    /// Paging by cursor at every page size gives exactly the whole ordered
    /// list, with ties on the due instant across sources, within a source,
    /// and within one object (two milestones at one instant), and the total
    /// counts what the filter admits.
    #[tokio::test]
    async fn cursor_pages_are_the_whole_list_at_every_size() {
        let same = "2026-07-01T00:00:00Z";
        let mut a = vec![
            ob("a", "t1", "x", same),
            ob("a", "t1", "y", same),
            ob("a", "t2", "w", "2026-06-15T00:00:00Z"),
        ];
        let mut twin = ob("a", "t1", "x", same);
        twin.description = "the other milestone".into();
        a.push(twin);
        let b = vec![
            ob("b", "t1", "x", same),
            ob("b", "t1", "v", "2026-08-01T00:00:00Z"),
            ob("b", "t2", "u", "2026-05-01T00:00:00Z"),
        ];
        let o = Obligations::new(vec![Arc::new(Fixed("a", a)), Arc::new(Fixed("b", b))]);
        let base = ListRequest {
            now: now(),
            limit: 100,
            count: true,
            ..Default::default()
        };
        let whole = o.list(&base).await.unwrap();
        assert_eq!(whole.obligations.len(), 7);
        assert_eq!(whole.total, Some(7));
        for size in 1..=7 {
            let mut got = Vec::new();
            let mut after = PageCursor::default();
            loop {
                let p = o
                    .list(&ListRequest {
                        limit: size,
                        after: after.clone(),
                        ..base.clone()
                    })
                    .await
                    .unwrap();
                assert_eq!(p.total, Some(7), "the total is every page's");
                got.extend(p.obligations);
                match p.next {
                    Some(n) => after = PageCursor::parse(&n.token()).unwrap(),
                    None => break,
                }
            }
            assert_eq!(got, whole.obligations, "page size {size}");
        }
        let later = o
            .list(&ListRequest {
                query: ObligationQuery {
                    due_from: Some(
                        DateTime::parse_from_rfc3339(same)
                            .unwrap()
                            .with_timezone(&Utc),
                    ),
                    ..Default::default()
                },
                ..base.clone()
            })
            .await
            .unwrap();
        assert_eq!(later.total, Some(5));
        assert!(
            later
                .obligations
                .iter()
                .all(|o| o.due_strict >= later.obligations[0].due_strict)
        );
    }

    #[test]
    fn a_token_not_issued_here_is_refused() {
        for bad in [
            "",
            "12",
            "c1;a",
            "c1;a,x,y,z,1",
            "c1;a,1,,r,1",
            "c2",
            "c1;a,1,o,r,1;a,1,o,r,1",
        ] {
            assert!(PageCursor::parse(bad).is_none(), "{bad:?}");
        }
        assert_eq!(PageCursor::parse("c1"), Some(PageCursor::default()));
    }
}
