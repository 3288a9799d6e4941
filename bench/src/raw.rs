//! The raw limit of the vault's audited point operations: the same work as
//! `GetCandidate` and `UpdateCandidate`, written as plain code on the
//! database's own driver (rusqlite on SQLite, tokio-postgres on PostgreSQL)
//! with no gRPC, no ORM and no async runtime between the code and SQLite.
//!
//! A read is what the vault does for `GetCandidate`: the candidate's row
//! (every column, with the visibility filter), its wrapped DEK from the key
//! store, the DEK unwrapped under the tenant's KEK (unwrapped once, as the
//! vault caches it), the profile opened and parsed, the CV's document read
//! and opened, then one `candidate.read` entry chained onto the global and
//! the tenant's audit chain and committed before the read counts as done.
//! An update changes the vacancy reference and appends its entry in the same
//! transaction. Entries are group-committed as the vault's writer does: one
//! transaction takes every entry (and, for updates, every change) waiting
//! when it starts; on PostgreSQL through the database's `audit_append`, the
//! only way a role may append there.
//!
//! `in_flight` requests are outstanding at any moment (the benchmark's
//! clients); each one's latency runs from its start to its commit.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use store::entities::audit_events;
use vault_crypto::{FieldContext, Kek, MasterKey};

use crate::pct;

/// Which audited operation the raw code performs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Read,
    /// The read with the tenant's KEK read from the key store and unwrapped
    /// under the master key every time: what the vault's KEK cache saves.
    ReadUncached,
    Update,
}

/// What one raw phase did.
pub struct Measured {
    pub count: usize,
    pub per_sec: f64,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

fn measured(mut lat: Vec<u32>, elapsed: Duration) -> Measured {
    lat.sort_unstable();
    Measured {
        count: lat.len(),
        per_sec: lat.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(&lat, 0.50),
        p99: pct(&lat, 0.99),
        max: pct(&lat, 1.0),
    }
}

const PURPOSE: &str = "screening for the vacancy";
const ACTOR: &str = "raw-baseline";
const ACTOR_ROLE: &str = "service";

/// The candidate row as `GetCandidate` reads it: every column, visible only.
/// One text for both databases: SQLite numbers `$1`, `$2` in order and takes
/// a bare integer as a condition.
const SELECT_CANDIDATE: &str = "SELECT id, tenant_id, external_ref, vacancy_ref, applied_on, \
     categories, status, closed_on, consent, consent_given_on, consent_withdrawn_on, legal_hold, \
     hold_reason, restricted, delete_after, retention_basis, profile, cv_size, created_at, \
     updated_at FROM candidates WHERE id = $1 AND shred_claimed_at IS NULL \
     AND (delete_after IS NULL OR delete_after > $2 OR legal_hold)";

/// An audit entry waiting for its group.
struct Entry {
    tenant: String,
    object: String,
    action: &'static str,
    reason: Option<&'static str>,
    details: String,
}

/// A request handed to the committer: its entry (or the change that makes
/// it), when it started.
struct Pending {
    entry: Entry,
    vacancy: Option<String>,
    started: Instant,
}

/// An update of the vacancy reference (the tenant is read when it is applied).
fn update(id: &str, n: usize, started: Instant) -> Pending {
    Pending {
        entry: Entry {
            tenant: String::new(),
            object: id.to_owned(),
            action: "candidate.update",
            reason: None,
            details: r#"{"fields":["vacancy_ref"]}"#.into(),
        },
        vacancy: Some(format!("vac-{}", n % 7)),
        started,
    }
}

/// The SQLite files of a vault (main database, key store, master key).
pub struct SqliteFiles {
    pub main: PathBuf,
    pub keys: PathBuf,
    pub master: PathBuf,
}

fn open(path: &PathBuf) -> anyhow::Result<rusqlite::Connection> {
    let c = rusqlite::Connection::open(path)?;
    // The vault's own settings (crates/store): WAL, synchronous NORMAL.
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "NORMAL")?;
    c.busy_timeout(Duration::from_secs(30))?;
    c.set_prepared_statement_cache_capacity(32);
    Ok(c)
}

/// How SQLite rows hold an instant (sqlx's encoding, which the vault uses).
fn sqlite_instant(t: chrono::DateTime<Utc>) -> String {
    t.format("%F %T%.f%:z").to_string()
}

/// The work of one read before its audit entry: the rows, the keys, the
/// opens. `keks` caches unwrapped KEKs as the vault does.
fn read_sqlite(
    main: &rusqlite::Connection,
    keys: &rusqlite::Connection,
    master: &MasterKey,
    keks: &mut HashMap<(String, i64), Kek>,
    id: &str,
    cache: bool,
) -> anyhow::Result<Entry> {
    let now = sqlite_instant(Utc::now());
    let mut st = main.prepare_cached(SELECT_CANDIDATE)?;
    let (tenant, restricted, profile, cv_size) = st.query_row(rusqlite::params![id, now], |r| {
        // Every column decoded, as the vault's row type is.
        let _: (String, String, String, String, String) =
            (r.get(0)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        let _: (String, Option<String>, String) = (r.get(6)?, r.get(7)?, r.get(8)?);
        let _: (Option<String>, Option<String>, bool, Option<String>) =
            (r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?);
        let _: (Option<String>, Option<String>, String, String) =
            (r.get(14)?, r.get(15)?, r.get(18)?, r.get(19)?);
        Ok((
            r.get::<_, String>(1)?,
            r.get::<_, bool>(13)?,
            r.get::<_, Vec<u8>>(16)?,
            r.get::<_, i64>(17)?,
        ))
    })?;
    anyhow::ensure!(!restricted, "candidate {id} is restricted");
    let mut st = keys.prepare_cached(
        "SELECT tenant_id, kek_version, wrapped FROM candidate_deks WHERE candidate_id = ?1",
    )?;
    let (dek_tenant, version, wrapped): (String, i64, Vec<u8>) =
        st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    anyhow::ensure!(dek_tenant == tenant, "the DEK of {id} is another tenant's");
    let key = (tenant.clone(), version);
    if !cache || !keks.contains_key(&key) {
        let wrapped_kek: Vec<u8> = keys.query_row(
            "SELECT wrapped FROM tenant_keks WHERE tenant_id = ?1 AND version = ?2",
            rusqlite::params![tenant, version],
            |r| r.get(0),
        )?;
        keks.insert(key.clone(), master.unwrap_kek(&tenant, &wrapped_kek)?);
    }
    let dek = keks[&key].unwrap_dek(&tenant, id, &wrapped)?;
    let ctx = |field| FieldContext {
        tenant: &tenant,
        candidate: id,
        field,
        schema_version: vault::domain::SCHEMA_VERSION,
    };
    let plain = dek.open(&ctx(vault::service::PROFILE), &profile)?;
    let _profile: vault::domain::Profile = serde_json::from_slice(&plain)?;
    if cv_size > 0 {
        let mut st =
            main.prepare_cached("SELECT body FROM candidate_documents WHERE candidate_id = ?1")?;
        let body: Vec<u8> = st.query_row([id], |r| r.get(0))?;
        let _cv = dek.open(&ctx(vault::service::CV), &body)?;
    }
    Ok(Entry {
        tenant,
        object: id.to_owned(),
        action: "candidate.read",
        reason: Some(PURPOSE),
        details: "{}".into(),
    })
}

/// One group on SQLite: the waiting updates applied, every entry chained
/// onto the global and its tenant's chain, one commit.
fn commit_sqlite(conn: &mut rusqlite::Connection, group: &mut [Pending]) -> anyhow::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let now = Utc::now();
    let at = sqlite_instant(now);
    for p in group.iter_mut() {
        if let Some(v) = &p.vacancy {
            let mut st = tx.prepare_cached(SELECT_CANDIDATE)?;
            let tenant: String =
                st.query_row(rusqlite::params![p.entry.object, at], |r| r.get(1))?;
            let mut st = tx.prepare_cached(
                "UPDATE candidates SET vacancy_ref = ?1, updated_at = ?2 WHERE id = ?3",
            )?;
            st.execute(rusqlite::params![v, at, p.entry.object])?;
            p.entry.tenant = tenant;
        }
    }
    let head = |chain: &str| -> anyhow::Result<Option<(i64, String)>> {
        let mut st = tx.prepare_cached("SELECT seq, hash FROM audit_heads WHERE chain = ?1")?;
        let mut rows = st.query([chain])?;
        Ok(match rows.next()? {
            Some(r) => Some((r.get(0)?, r.get(1)?)),
            None => None,
        })
    };
    let (mut seq, mut hash) = head(audit::GLOBAL)?.ok_or_else(|| anyhow::anyhow!("no head"))?;
    let mut tenants: HashMap<String, (i64, String, bool)> = HashMap::new();
    for p in group.iter() {
        let chain = audit::tenant_chain(&p.entry.tenant);
        if let std::collections::hash_map::Entry::Vacant(v) = tenants.entry(chain) {
            let h = head(v.key())?;
            let existed = h.is_some();
            let (seq, hash) = h.unwrap_or((0, store::GENESIS_HASH.to_owned()));
            v.insert((seq, hash, existed));
        }
    }
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO audit_events (seq, at, tenant_id, tenant_seq, actor_id, actor_role, \
             action, object_type, object_id, reason, details, prev_hash, hash, \
             tenant_prev_hash, tenant_hash, writer) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?;
        for p in group.iter() {
            let t = tenants
                .get_mut(&audit::tenant_chain(&p.entry.tenant))
                .expect("every tenant's head was read");
            seq += 1;
            let mut m = audit_events::Model {
                seq,
                at: now,
                tenant_id: Some(p.entry.tenant.clone()),
                tenant_seq: t.0 + 1,
                actor_id: ACTOR.into(),
                actor_role: ACTOR_ROLE.into(),
                action: p.entry.action.into(),
                object_type: "candidate".into(),
                object_id: p.entry.object.clone(),
                reason: p.entry.reason.map(str::to_owned),
                details: p.entry.details.clone(),
                prev_hash: hash.clone(),
                hash: String::new(),
                tenant_prev_hash: Some(t.1.clone()),
                tenant_hash: None,
                writer: Some("raw".into()),
            };
            let digest = audit::content_digest(&m);
            m.hash = audit::link_hash("global", &m.prev_hash, &digest);
            let th = audit::link_hash("tenant", &t.1, &digest);
            insert.execute(rusqlite::params![
                m.seq,
                at,
                m.tenant_id,
                m.tenant_seq,
                m.actor_id,
                m.actor_role,
                m.action,
                m.object_type,
                m.object_id,
                m.reason,
                m.details,
                m.prev_hash,
                m.hash,
                m.tenant_prev_hash,
                th,
                m.writer,
            ])?;
            *t = (m.tenant_seq, th, t.2);
            hash = m.hash;
        }
        let mut set =
            tx.prepare_cached("UPDATE audit_heads SET seq = ?1, hash = ?2 WHERE chain = ?3")?;
        set.execute(rusqlite::params![seq, hash, audit::GLOBAL])?;
        let mut add =
            tx.prepare_cached("INSERT INTO audit_heads (chain, seq, hash) VALUES (?1, ?2, ?3)")?;
        for (chain, (s, h, existed)) in &tenants {
            if *existed {
                set.execute(rusqlite::params![s, h, chain])?;
            } else {
                add.execute(rusqlite::params![chain, s, h])?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

/// The raw phase on SQLite: `workers` threads do the reads (one per core is
/// the most the machine gives), one thread commits the groups; `in_flight`
/// requests are outstanding. Blocking: run it off the async runtime.
pub fn sqlite(
    files: &SqliteFiles,
    ids: &[String],
    op: Op,
    in_flight: usize,
    dur: Duration,
) -> anyhow::Result<Measured> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let master = std::sync::Arc::new(MasterKey::from_hex(
        std::fs::read_to_string(&files.master)?.trim(),
    )?);
    // One ticket per request that may be outstanding.
    let (tickets_tx, tickets_rx) = mpsc::channel::<()>();
    for _ in 0..in_flight {
        tickets_tx.send(())?;
    }
    let tickets_rx = std::sync::Arc::new(std::sync::Mutex::new(tickets_rx));
    let (work_tx, work_rx) = mpsc::channel::<Pending>();
    let started = Instant::now();
    let end = started + dur;
    let mut committer_conn = open(&files.main)?;
    let committer = {
        let tickets = tickets_tx.clone();
        std::thread::spawn(move || -> anyhow::Result<Vec<u32>> {
            let mut lat = Vec::with_capacity(200_000);
            while let Ok(first) = work_rx.recv() {
                let mut group = vec![first];
                while let Ok(p) = work_rx.try_recv() {
                    group.push(p);
                }
                commit_sqlite(&mut committer_conn, &mut group)?;
                for p in group {
                    lat.push(p.started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    let _ = tickets.send(());
                }
            }
            Ok(lat)
        })
    };
    let mut threads = Vec::new();
    for w in 0..workers {
        let (tickets, work) = (tickets_rx.clone(), work_tx.clone());
        let (main, keys) = (open(&files.main)?, open(&files.keys)?);
        let master = master.clone();
        let ids = ids.to_vec();
        threads.push(std::thread::spawn(move || -> anyhow::Result<()> {
            let mut keks = HashMap::new();
            let mut n = w;
            while Instant::now() < end {
                let ticket = tickets
                    .lock()
                    .map_err(|_| anyhow::anyhow!("a raw worker panicked"))?
                    .recv_timeout(Duration::from_millis(50));
                if ticket.is_err() {
                    continue;
                }
                let t = Instant::now();
                n += workers;
                let id = &ids[n % ids.len()];
                let pending = match op {
                    Op::Read | Op::ReadUncached => Pending {
                        entry: read_sqlite(&main, &keys, &master, &mut keks, id, op == Op::Read)?,
                        vacancy: None,
                        started: t,
                    },
                    Op::Update => update(id, n, t),
                };
                work.send(pending)?;
            }
            Ok(())
        }));
    }
    drop(work_tx);
    for t in threads {
        t.join()
            .map_err(|_| anyhow::anyhow!("a raw worker panicked"))??;
    }
    let lat = committer
        .join()
        .map_err(|_| anyhow::anyhow!("the raw committer panicked"))??;
    Ok(measured(lat, started.elapsed()))
}

/// Unwrapped KEKs by tenant and version, as the vault caches them.
type KekCache = tokio::sync::Mutex<HashMap<(String, i32), std::sync::Arc<Kek>>>;

/// The PostgreSQL connection strings of a vault (main database, key store)
/// and its master key file.
pub struct PgTargets {
    pub main: String,
    pub keys: String,
    pub master: PathBuf,
}

async fn connect(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// The raw phase on PostgreSQL: `in_flight` tasks share four connections to
/// each database (tokio-postgres pipelines the queries of concurrent
/// callers on one connection), one more commits the groups through
/// `audit_append`.
pub async fn postgres(
    targets: &PgTargets,
    ids: &[String],
    op: Op,
    in_flight: usize,
    dur: Duration,
) -> anyhow::Result<Measured> {
    use std::sync::Arc;
    let master = Arc::new(MasterKey::from_hex(
        std::fs::read_to_string(&targets.master)?.trim(),
    )?);
    let mut mains = Vec::new();
    let mut keys = Vec::new();
    for _ in 0..4 {
        mains.push(Arc::new(connect(&targets.main).await?));
        keys.push(Arc::new(connect(&targets.keys).await?));
    }
    let committer_conn = connect(&targets.main).await?;
    type Done = tokio::sync::oneshot::Sender<anyhow::Result<()>>;
    let (work_tx, mut work_rx) = tokio::sync::mpsc::unbounded_channel::<(Pending, Done)>();
    let committer = tokio::spawn(async move {
        let mut c = committer_conn;
        while let Some(first) = work_rx.recv().await {
            let mut group = vec![first];
            while let Ok(p) = work_rx.try_recv() {
                group.push(p);
            }
            let result = commit_pg(&mut c, &mut group).await;
            let failed = result.as_ref().err().map(|e| e.to_string());
            for (_, done) in group {
                let _ = done.send(match &failed {
                    None => Ok(()),
                    Some(e) => Err(anyhow::anyhow!("{e}")),
                });
            }
        }
    });
    let keks: Arc<KekCache> = Default::default();
    let started = Instant::now();
    let end = started + dur;
    let mut tasks = Vec::new();
    for i in 0..in_flight {
        let (main, key_db) = (mains[i % 4].clone(), keys[i % 4].clone());
        let (master, keks, work) = (master.clone(), keks.clone(), work_tx.clone());
        let ids = ids.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut n = i;
            while Instant::now() < end {
                n += in_flight;
                let id = &ids[n % ids.len()];
                let t = Instant::now();
                let pending = match op {
                    Op::Read | Op::ReadUncached => Pending {
                        entry: read_pg(&main, &key_db, &master, &keks, id, op == Op::Read).await?,
                        vacancy: None,
                        started: t,
                    },
                    Op::Update => update(id, n, t),
                };
                let (done, wait) = tokio::sync::oneshot::channel();
                work.send((pending, done))
                    .map_err(|_| anyhow::anyhow!("the raw committer stopped"))?;
                wait.await??;
                lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            }
            anyhow::Ok(lat)
        }));
    }
    drop(work_tx);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = started.elapsed();
    committer.await?;
    Ok(measured(all, elapsed))
}

async fn read_pg(
    main: &tokio_postgres::Client,
    keys: &tokio_postgres::Client,
    master: &MasterKey,
    keks: &KekCache,
    id: &str,
    cache: bool,
) -> anyhow::Result<Entry> {
    let now = Utc::now();
    // The row, its DEK and its document at once: one round trip's wait.
    let by_id: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&id];
    let visible: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&id, &now];
    let (row, dek, doc) = tokio::try_join!(
        main.query_one(SELECT_CANDIDATE, &visible),
        keys.query_one(
            "SELECT tenant_id, kek_version, wrapped FROM candidate_deks WHERE candidate_id = $1",
            &by_id,
        ),
        main.query_opt(
            "SELECT body FROM candidate_documents WHERE candidate_id = $1",
            &by_id,
        ),
    )?;
    let tenant: String = row.get(1);
    // Every column decoded, as the vault's row type is.
    for i in [0, 2, 3, 5, 6, 8, 12, 15] {
        let _: Option<String> = row.get(i);
    }
    for i in [4, 7, 9, 10] {
        let _: Option<chrono::NaiveDate> = row.get(i);
    }
    for i in [14, 18, 19] {
        let _: Option<chrono::DateTime<Utc>> = row.get(i);
    }
    let _: (bool, i64) = (row.get(11), row.get(17));
    let restricted: bool = row.get(13);
    anyhow::ensure!(!restricted, "candidate {id} is restricted");
    let profile: Vec<u8> = row.get(16);
    let (dek_tenant, version, wrapped): (String, i32, Vec<u8>) =
        (dek.get(0), dek.get(1), dek.get(2));
    anyhow::ensure!(dek_tenant == tenant, "the DEK of {id} is another tenant's");
    let hit = match cache {
        true => keks.lock().await.get(&(tenant.clone(), version)).cloned(),
        false => None,
    };
    let kek = match hit {
        Some(k) => k,
        None => {
            let w: Vec<u8> = keys
                .query_one(
                    "SELECT wrapped FROM tenant_keks WHERE tenant_id = $1 AND version = $2",
                    &[&tenant, &version],
                )
                .await?
                .get(0);
            let k = std::sync::Arc::new(master.unwrap_kek(&tenant, &w)?);
            keks.lock()
                .await
                .insert((tenant.clone(), version), k.clone());
            k
        }
    };
    let dek = kek.unwrap_dek(&tenant, id, &wrapped)?;
    let ctx = |field| FieldContext {
        tenant: &tenant,
        candidate: id,
        field,
        schema_version: vault::domain::SCHEMA_VERSION,
    };
    let plain = dek.open(&ctx(vault::service::PROFILE), &profile)?;
    let _profile: vault::domain::Profile = serde_json::from_slice(&plain)?;
    if let Some(doc) = doc {
        let body: Vec<u8> = doc.get(0);
        let _cv = dek.open(&ctx(vault::service::CV), &body)?;
    }
    Ok(Entry {
        tenant,
        object: id.to_owned(),
        action: "candidate.read",
        reason: Some(PURPOSE),
        details: "{}".into(),
    })
}

/// One group on PostgreSQL: the waiting updates (pipelined), then every
/// entry through the database's `audit_append` in one call, one commit.
async fn commit_pg<D>(
    c: &mut tokio_postgres::Client,
    group: &mut [(Pending, D)],
) -> anyhow::Result<()> {
    let tx = c.transaction().await?;
    let now = Utc::now();
    let updates = group
        .iter()
        .filter(|(p, _)| p.vacancy.is_some())
        .map(|(p, _)| {
            let tx = &tx;
            async move {
                tx.query_one(
                    "UPDATE candidates SET vacancy_ref = $1, updated_at = $2 \
                 WHERE id = $3 AND shred_claimed_at IS NULL RETURNING tenant_id",
                    &[p.vacancy.as_ref().expect("filtered"), &now, &p.entry.object],
                )
                .await
            }
        });
    let tenants: Vec<String> = futures::future::try_join_all(updates)
        .await?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    let mut tenants = tenants.into_iter();
    for (p, _) in group.iter_mut() {
        if p.vacancy.is_some() {
            p.entry.tenant = tenants.next().expect("one tenant per update");
        }
    }
    let batch: Vec<serde_json::Value> = group
        .iter()
        .map(|(p, _)| {
            serde_json::json!({
                "tenant_id": p.entry.tenant,
                "actor_id": ACTOR,
                "actor_role": ACTOR_ROLE,
                "action": p.entry.action,
                "object_type": "candidate",
                "object_id": p.entry.object,
                "reason": p.entry.reason,
                "details": p.entry.details,
            })
        })
        .collect();
    tx.query(
        "SELECT seq FROM audit_append($1::jsonb)",
        &[&serde_json::Value::Array(batch)],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
