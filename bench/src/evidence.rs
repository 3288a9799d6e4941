//! Evidence benchmarks: the shred ledger's Merkle tree built over a large
//! ledger, a checkpoint after a sweep batch, inclusion and consistency
//! proofs, at 1,000,000 and 10,000,000 entries (proof size and time should
//! grow with log n), against the plain SQL read of the same stored hashes.

use std::time::Instant;

use rand::Rng;
use store::sea_orm::{ConnectionTrait, Statement, TransactionTrait};

use crate::{Row, Section};

fn row(name: &str, cells: Vec<(&str, String)>) -> Row {
    Row {
        name: name.to_owned(),
        cells: cells.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Appends ledger entries `from..to` (seq) to the key store's
/// `shred_ledger` with plain SQL: what shreds leave there.
async fn fill(ks: &store::sea_orm::DatabaseConnection, from: i64, to: i64) -> anyhow::Result<()> {
    let pg = store::is_postgres(ks);
    let prev_row = ks
        .query_one_raw(Statement::from_string(
            ks.get_database_backend(),
            format!("SELECT hash FROM shred_ledger WHERE seq = {}", from - 1),
        ))
        .await?;
    let mut prev: String = match prev_row {
        Some(r) => r.try_get("", "hash")?,
        None => store::GENESIS_HASH.to_owned(),
    };
    let at = store::now_micros();
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let at_sql = if pg {
        format!("'{at_text}'::timestamptz")
    } else {
        format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.6f+00:00"))
    };
    let mut seq = from;
    while seq < to {
        let txn = ks.begin().await?;
        let end = (seq + 100_000).min(to);
        while seq < end {
            let stop = (seq + 1_000).min(end);
            let mut sql = String::from(
                "INSERT INTO shred_ledger (seq, candidate_id, tenant_id, reason, basis, shredded_at, prev_hash, hash) VALUES ",
            );
            for s in seq..stop {
                let cand = format!("{:08x}-0000-4000-8000-{:012x}", s >> 16, s);
                let hash = evidence::ledger::chain_hash(
                    &prev,
                    s,
                    &cand,
                    "bench-tenant",
                    "retention",
                    "rejected: 4 weeks",
                    &at_text,
                );
                if s > seq {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "({s},'{cand}','bench-tenant','retention','rejected: 4 weeks',{at_sql},'{prev}','{hash}')"
                ));
                prev = hash;
            }
            txn.execute_unprepared(&sql).await?;
            seq = stop;
        }
        txn.commit().await?;
    }
    Ok(())
}

async fn one_size(n: u64, postgres: Option<&testkit::TestDb>) -> anyhow::Result<Vec<Row>> {
    let dir = tempfile::tempdir()?;
    let config = crate::config(dir.path(), postgres);
    // Migrates both databases and creates the signing key.
    let (v, _) = crate::vault::stopped_vault(&config).await?;
    let ks = v.keys.db.clone();
    let mut rows = Vec::new();

    let t = Instant::now();
    fill(&ks, 1, n as i64 + 1).await?;
    let fill_secs = t.elapsed().as_secs_f64();
    if store::is_postgres(&ks) {
        ks.execute_unprepared("ANALYZE").await?;
    }
    let t = Instant::now();
    let size = v.extend_tree().await?;
    let build = t.elapsed().as_secs_f64();
    assert_eq!(size, n);
    rows.push(row(
        &format!("build the tree over {n} entries (one checkpoint per 50,000; ledger filled by SQL in {fill_secs:.0} s)"),
        vec![
            ("p50 ms", "-".into()),
            ("p99 ms", "-".into()),
            ("hashes", "-".into()),
            ("rate", format!("{:.0} entries/s, {build:.1} s", n as f64 / build)),
        ],
    ));

    // A sweep batch's share: 2,000 new entries appended and a checkpoint
    // signed (what every batch of the sweep adds to its own work).
    let mut batch = Vec::new();
    let mut next = n as i64 + 1;
    for _ in 0..7 {
        fill(&ks, next, next + 2_000).await?;
        next += 2_000;
        let t = Instant::now();
        v.extend_tree().await?;
        batch.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    rows.push(row(
        "append 2,000 entries and sign their checkpoint (a sweep batch's share)",
        vec![
            ("p50 ms", format!("{:.1}", pct(batch.clone(), 0.5))),
            ("p99 ms", format!("{:.1}", pct(batch, 1.0))),
            ("hashes", "-".into()),
            ("rate", "-".into()),
        ],
    ));
    let size = (next - 1) as u64;

    // Signing alone.
    let key = evidence::ProcessorKey::from_seed("bench.invalid", [1; 32]).unwrap();
    let root = evidence::tree::record_hash(b"root");
    let t = Instant::now();
    for i in 0..1000u64 {
        std::hint::black_box(evidence::sign_checkpoint(
            &key,
            "bench.invalid/shred-ledger",
            i,
            root,
        )?);
    }
    let sign_us = t.elapsed().as_secs_f64() * 1e6 / 1000.0;
    rows.push(row(
        "sign a checkpoint (Ed25519 signed note), alone",
        vec![
            ("p50 ms", format!("{:.3} (mean)", sign_us / 1000.0)),
            ("p99 ms", "-".into()),
            ("hashes", "-".into()),
            ("rate", format!("{:.0}/s", 1e6 / sign_us)),
        ],
    ));

    let scope = auth::Scope::All;
    let mut rng = rand::rng();
    let (mut incl, mut incl_len, mut raw) = (Vec::new(), 0, Vec::new());
    for _ in 0..500 {
        let seq = rng.random_range(1..=size as i64);
        let t = Instant::now();
        let p = v.inclusion(&scope, &vault::LeafRef::Seq(seq), None).await?;
        incl.push(t.elapsed().as_secs_f64() * 1000.0);
        incl_len = incl_len.max(p.proof.len());
        // The limit: the entry and the same stored hashes read with plain SQL.
        let want = evidence::tree::needs(evidence::tree::Op::Inclusion {
            size,
            index: (seq - 1) as u64,
        });
        let list = want
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let t = Instant::now();
        let hashes = ks
            .query_all_raw(Statement::from_string(
                ks.get_database_backend(),
                format!("SELECT hash FROM ledger_tree_hashes WHERE idx IN ({list})"),
            ))
            .await?;
        let entry = ks
            .query_all_raw(Statement::from_string(
                ks.get_database_backend(),
                format!("SELECT * FROM shred_ledger WHERE seq = {seq}"),
            ))
            .await?;
        raw.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!((hashes.len(), entry.len()), (want.len(), 1));
    }
    rows.push(row(
        &format!("inclusion proof of a random entry in the tree of {size}"),
        vec![
            ("p50 ms", format!("{:.2}", pct(incl.clone(), 0.5))),
            ("p99 ms", format!("{:.2}", pct(incl.clone(), 0.99))),
            ("hashes", format!("{incl_len} ({} bytes)", incl_len * 32)),
            (
                "rate",
                format!(
                    "{:.0}% of the limit's p50",
                    pct(raw.clone(), 0.5) / pct(incl, 0.5) * 100.0
                ),
            ),
        ],
    ));
    rows.push(row(
        "limit: the same stored hashes and the entry read with plain SQL (two queries)",
        vec![
            ("p50 ms", format!("{:.2}", pct(raw.clone(), 0.5))),
            ("p99 ms", format!("{:.2}", pct(raw, 0.99))),
            ("hashes", "-".into()),
            ("rate", "-".into()),
        ],
    ));
    let (mut cons, mut cons_len) = (Vec::new(), 0);
    for _ in 0..500 {
        let old = rng.random_range(1..size);
        let t = Instant::now();
        let (p, _) = v.consistency(old, None).await?;
        cons.push(t.elapsed().as_secs_f64() * 1000.0);
        cons_len = cons_len.max(p.len());
    }
    rows.push(row(
        &format!("consistency proof from a random size to {size}"),
        vec![
            ("p50 ms", format!("{:.2}", pct(cons.clone(), 0.5))),
            ("p99 ms", format!("{:.2}", pct(cons, 0.99))),
            ("hashes", format!("{cons_len} ({} bytes)", cons_len * 32)),
            ("rate", "-".into()),
        ],
    ));
    drop(v);
    let _ = ks.close().await;
    Ok(rows)
}

pub async fn run(sizes: &[u64], postgres: bool) -> anyhow::Result<Section> {
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    let mut rows = Vec::new();
    for &n in sizes {
        // A fresh database per size.
        let pg = if postgres {
            Some(testkit::TestDb::new(testkit::Backend::Postgres).await)
        } else {
            None
        };
        rows.extend(one_size(n, pg.as_ref()).await?);
    }
    Ok(Section {
        title: format!("Evidence: the shred ledger's Merkle tree on {backend}"),
        about: format!(
            "A fresh key store per size; the ledger's entries written with plain SQL (as shreds leave them), then `Vault::extend_tree` builds the tree (stored hashes, a signed checkpoint per 50,000 entries). \
             Then seven rounds of 2,000 more entries and their checkpoint: the share of one sweep batch of 2,000 (a sweep's batch without the tree is its own row in the sweep section: compare the per-batch time there, 2,000 / its rate). \
             Proofs through `Vault::inclusion` / `Vault::consistency` (what the RPCs call), 500 each at random positions; the limit reads the same stored hashes and the entry with one plain SQL query. Sizes: {sizes:?}."
        ),
        aim: "checkpoint signing and proof generation at 1,000,000 and 10,000,000 entries, proof size and time growing with log n; the sweep's throughput with the tree against without".into(),
        rows,
    })
}

/// Appends audit events `head+1 ..= head+count` with plain SQL, round-robin
/// over `tenants` controllers (`bench-t-<i>`), each with its real chain
/// links, and moves the global head: what the services' appends leave.
/// `tenant_seqs` holds each bench tenant's last `tenant_seq`.
async fn fill_audit(
    db: &store::sea_orm::DatabaseConnection,
    count: u64,
    tenant_seqs: &mut [i64],
) -> anyhow::Result<()> {
    use store::entities::audit_events;
    let pg = store::is_postgres(db);
    let (mut seq, mut prev) = audit::global_head(db).await?;
    let at = store::now_micros();
    let at_sql = if pg {
        format!(
            "'{}'::timestamptz",
            at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )
    } else {
        format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.6f+00:00"))
    };
    let end = seq + count as i64;
    while seq < end {
        let txn = db.begin().await?;
        let stop = (seq + 50_000).min(end);
        while seq < stop {
            let chunk_end = (seq + 500).min(stop);
            let mut sql = String::from(
                "INSERT INTO audit_events (seq, at, tenant_id, tenant_seq, actor_id, actor_role, action, object_type, object_id, reason, details, prev_hash, hash, tenant_prev_hash, tenant_hash) VALUES ",
            );
            while seq < chunk_end {
                seq += 1;
                let t = (seq as usize) % tenant_seqs.len();
                tenant_seqs[t] += 1;
                let mut m = audit_events::Model {
                    seq,
                    at,
                    tenant_id: Some(format!("bench-t-{t}")),
                    tenant_seq: tenant_seqs[t],
                    actor_id: "token:bench".into(),
                    actor_role: "service".into(),
                    action: "candidate.read".into(),
                    object_type: "candidate".into(),
                    object_id: format!("{seq:032x}"),
                    reason: Some("screening".into()),
                    details: "{\"fields\":[\"profile\"]}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                    // The tenant chain's links are not what the trees read.
                    tenant_prev_hash: None,
                    tenant_hash: None,
                    // A fill of the tree, written as entries from before
                    // writers were recorded (the v1 digest).
                    writer: None,
                };
                let digest = audit::content_digest(&m);
                m.hash = audit::link_hash("global", &m.prev_hash, &digest);
                if !sql.ends_with("VALUES ") {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "({seq},{at_sql},'{}',{},'token:bench','service','candidate.read','candidate','{}','screening','{{\"fields\":[\"profile\"]}}','{}','{}',NULL,NULL)",
                    m.tenant_id.as_deref().unwrap_or(""),
                    m.tenant_seq,
                    m.object_id,
                    m.prev_hash,
                    m.hash
                ));
                prev = m.hash;
            }
            txn.execute_unprepared(&sql).await?;
        }
        txn.execute_unprepared(&format!(
            "UPDATE audit_heads SET seq = {seq}, hash = '{prev}' WHERE chain = 'global'"
        ))
        .await?;
        txn.commit().await?;
    }
    Ok(())
}

async fn audit_size(
    n: u64,
    tenants: usize,
    postgres: Option<&testkit::TestDb>,
) -> anyhow::Result<Vec<Row>> {
    use evidence::audit::AuditTree;
    let dir = tempfile::tempdir()?;
    let config = crate::config(dir.path(), postgres);
    let (v, _) = crate::vault::stopped_vault(&config).await?;
    v.extend_audit().await?;
    let mut seqs = vec![0i64; tenants];
    let mut rows = Vec::new();
    let t = Instant::now();
    fill_audit(&v.main, n, &mut seqs).await?;
    let fill_secs = t.elapsed().as_secs_f64();
    if store::is_postgres(&v.main) {
        v.main.execute_unprepared("ANALYZE").await?;
    }
    let t = Instant::now();
    let size = v.extend_audit().await?;
    let build = t.elapsed().as_secs_f64();
    rows.push(row(
        &format!("build the global tree and {tenants} controllers' trees over {n} events (a checkpoint per tree per 50,000; log filled by SQL in {fill_secs:.0} s)"),
        vec![
            ("p50 ms", "-".into()),
            ("p99 ms", "-".into()),
            ("hashes", "-".into()),
            ("rate", format!("{:.0} events/s, {build:.1} s", n as f64 / build)),
        ],
    ));
    let mut pass = Vec::new();
    for _ in 0..7 {
        fill_audit(&v.main, 2_000, &mut seqs).await?;
        let t = Instant::now();
        v.extend_audit().await?;
        pass.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    rows.push(row(
        &format!("a pass over 2,000 new events of {tenants} controllers: both trees extended, {} checkpoints signed", tenants + 1),
        vec![
            ("p50 ms", format!("{:.1}", pct(pass.clone(), 0.5))),
            ("p99 ms", format!("{:.1}", pct(pass, 1.0))),
            ("hashes", "-".into()),
            ("rate", "-".into()),
        ],
    ));
    let size = size + 14_000;
    let first = size as i64 - n as i64 - 14_000 + 1;
    let mut rng = rand::rng();
    for tree in ["global", "tenant"] {
        let (mut took, mut len, mut raw) = (Vec::new(), 0, Vec::new());
        for _ in 0..300 {
            let seq = rng.random_range(first..=size as i64);
            let t_of = AuditTree::Tenant(format!("bench-t-{}", (seq as usize) % tenants));
            let which = if tree == "global" {
                AuditTree::Global
            } else {
                t_of
            };
            let t = Instant::now();
            let (cp, p) = v.audit_proof(&which, &[seq], None).await?;
            took.push(t.elapsed().as_secs_f64() * 1000.0);
            len = len.max(p[0].hashes.len());
            // The limit: the event and the same stored hashes (with its
            // leaf) read with plain SQL.
            let mut want = evidence::tree::needs(evidence::tree::Op::Inclusion {
                size: cp.tree_size,
                index: p[0].leaf_index,
            });
            want.push(evidence::tree::stored_hash_index(0, p[0].leaf_index));
            let list = want
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",");
            let t = Instant::now();
            let hashes = v
                .keys
                .db
                .query_all_raw(Statement::from_string(
                    v.keys.db.get_database_backend(),
                    format!(
                        "SELECT hash FROM audit_tree_hashes WHERE tree = '{}' AND idx IN ({list})",
                        which.key()
                    ),
                ))
                .await?;
            let event = v
                .main
                .query_all_raw(Statement::from_string(
                    v.main.get_database_backend(),
                    format!("SELECT * FROM audit_events WHERE seq = {seq}"),
                ))
                .await?;
            raw.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(!hashes.is_empty() && event.len() == 1);
        }
        rows.push(row(
            &format!(
                "GetAuditProof of a random event in {} (the latest: the trees checked current first)",
                if tree == "global" {
                    format!("the global tree ({size} events)")
                } else {
                    format!("its controller's tree ({} events)", size / tenants as u64)
                }
            ),
            vec![
                ("p50 ms", format!("{:.2}", pct(took.clone(), 0.5))),
                ("p99 ms", format!("{:.2}", pct(took.clone(), 0.99))),
                ("hashes", format!("{len} ({} bytes)", len * 32)),
                (
                    "rate",
                    format!(
                        "{:.0}% of the limit's p50",
                        pct(raw.clone(), 0.5) / pct(took, 0.5) * 100.0
                    ),
                ),
            ],
        ));
        rows.push(row(
            "limit: the event and the same stored hashes read with plain SQL (two queries)",
            vec![
                ("p50 ms", format!("{:.2}", pct(raw.clone(), 0.5))),
                ("p99 ms", format!("{:.2}", pct(raw, 0.99))),
                ("hashes", "-".into()),
                ("rate", "-".into()),
            ],
        ));
    }
    Ok(rows)
}

/// The audit log's trees at `sizes` events over `tenants` controllers.
pub async fn audit_run(sizes: &[u64], tenants: usize, postgres: bool) -> anyhow::Result<Section> {
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    let mut rows = Vec::new();
    for &n in sizes {
        let pg = if postgres {
            Some(testkit::TestDb::new(testkit::Backend::Postgres).await)
        } else {
            None
        };
        rows.extend(audit_size(n, tenants, pg.as_ref()).await?);
    }
    Ok(Section {
        title: format!("Evidence: the audit log's Merkle trees on {backend}"),
        about: format!(
            "Fresh databases per size; audit events written with plain SQL (with their global chain links), round-robin over {tenants} controllers; then `Vault::extend_audit` builds the global tree and each controller's (stored hashes, a signed checkpoint per tree per 50,000 events). Then seven passes over 2,000 new events each (what a sweep batch's reconcile or a DPO's request does). Proofs through `Vault::audit_proof` as `GetAuditProof` calls it (the latest: the trees brought up to the log first, a no-op here), 300 at random events; the limit reads the event and the same stored hashes with plain SQL. Sizes: {sizes:?}."
        ),
        aim: "the audit trees off the audit write path, proofs growing with log n".into(),
        rows,
    })
}
