//! Vault benchmarks: the encryption path against raw AES-GCM, ingest through
//! `PutCandidates`, and on a store of `rows` candidates: an idle sweep, one
//! erasure, and the sweep of half of them.

use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, KeyInit};
use auth::Role;
use proto::v1 as pb;
use sea_orm::{ConnectionTrait, Statement};
use tonic::transport::Channel;

use crate::{Row, Section};

fn rate_row(name: &str, cells: Vec<(&str, String)>) -> Row {
    Row {
        name: name.into(),
        cells: cells.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

/// Seals payloads of `size` bytes for about a second; returns MiB/s.
fn seal_throughput(size: usize, raw: bool) -> f64 {
    let data = vec![7u8; size];
    let dek = vault_crypto::Dek::generate();
    let ctx = vault_crypto::FieldContext {
        tenant: "0190a8e2-0000-7000-8000-000000000001",
        candidate: "0190a8e2-0000-7000-8000-000000000002",
        field: "cv",
        schema_version: 1,
    };
    let key = [9u8; 32];
    let cipher = aes_gcm::Aes256Gcm::new((&key).into());
    let start = Instant::now();
    let mut bytes = 0usize;
    while start.elapsed() < Duration::from_secs(1) {
        if raw {
            let nonce: [u8; 12] = vault_crypto::random_bytes();
            let out = cipher
                .encrypt(&aes_gcm::Nonce::from(nonce), data.as_slice())
                .expect("encrypt");
            std::hint::black_box(out);
        } else {
            std::hint::black_box(dek.seal(&ctx, &data));
        }
        bytes += size;
    }
    bytes as f64 / 1024.0 / 1024.0 / start.elapsed().as_secs_f64()
}

pub fn crypto() -> Section {
    let mut rows = Vec::new();
    // 64 KiB is the size; a tenth and ten times it show how the framing's
    // fixed cost fades as payloads grow.
    for (label, size) in [
        ("1 KiB", 1024usize),
        ("6.4 KiB (×0.1)", 6_554),
        ("64 KiB", 64 * 1024),
        ("640 KiB (×10)", 640 * 1024),
    ] {
        let raw = seal_throughput(size, true);
        let ours = seal_throughput(size, false);
        rows.push(rate_row(
            label,
            vec![
                ("raw aes-gcm MiB/s", format!("{raw:.0}")),
                ("vault seal MiB/s", format!("{ours:.0}")),
                ("vault / raw", format!("{:.0}%", ours / raw * 100.0)),
            ],
        ));
    }
    Section {
        title: "Vault encryption path vs raw AES-256-GCM".into(),
        about: "One thread. Raw: `Aes256Gcm::encrypt` with a fresh random nonce. Vault: `Dek::seal`, which adds the frame header and the context-binding associated data.".into(),
        aim: "the encryption path within 70% of raw AES-GCM throughput at 64 KiB".into(),
        rows,
    }
}

/// A store migrated and with one controller (made through the real
/// service, so the tenant exists), the server stopped again, and the
/// vault opened on it directly: what the vault benchmarks drive. Returns
/// the vault and the controller's id.
pub(crate) async fn stopped_vault(
    config: &custodian::Config,
) -> anyhow::Result<(std::sync::Arc<vault::Vault>, String)> {
    let (_, _, tenant, stop, server) = start_server(config.clone()).await?;
    let _ = stop.send(());
    let _ = server.await;
    Ok((custodian::ops::open_vault(config).await?, tenant))
}

pub(crate) async fn start_server(
    config: custodian::Config,
) -> anyhow::Result<(
    (Channel, String),
    String,
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
)> {
    let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "bench").await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(custodian::run(config.clone(), listener, async {
        let _ = rx.await;
    }));
    let url = format!("http://{addr}");
    let mut channel = None;
    for _ in 0..400 {
        if let Ok(c) = Channel::from_shared(url.clone())?.connect().await {
            channel = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let channel = channel.ok_or_else(|| anyhow::anyhow!("server did not start"))?;
    let mut cc = pb::controller_service_client::ControllerServiceClient::new(channel.clone());
    let mut r = tonic::Request::new(pb::CreateControllerRequest {
        legal_name: "Bench B.V.".into(),
        kvk_number: "12345678".into(),
        country: "NL".into(),
        privacy_email: "privacy@bench.nl".into(),
        dpo_name: "Bench".into(),
        dpo_email: "dpo@bench.nl".into(),
        ..Default::default()
    });
    r.metadata_mut()
        .insert("authorization", format!("Bearer {admin}").parse()?);
    let tenant = cc.create_controller(r).await?.into_inner().id;
    let (_, svc) =
        custodian::ops::create_token(&config, Role::Service, Some(&tenant), "bench-svc").await?;
    Ok(((channel, url), svc, tenant, tx, server))
}

pub(crate) fn candidate(i: usize, cv: usize) -> pb::PutCandidateRequest {
    pb::PutCandidateRequest {
        tenant_id: String::new(),
        external_ref: format!("ref-{i}"),
        vacancy_ref: "vac-1".into(),
        applied_on: "2026-03-01".into(),
        payload: Some(pb::CandidatePayload {
            name: format!("Kandidaat {i}"),
            email: format!("k{i}@example.nl"),
            phone: "0612345678".into(),
            cv: vec![b'x'; cv],
            cv_filename: "cv.pdf".into(),
            cv_content_type: "application/pdf".into(),
            notes: String::new(),
            custom_fields: Default::default(),
        }),
        categories: vec!["identity".into(), "cv".into()],
    }
}

/// Ingest through the real server: `clients` concurrent callers sending
/// `PutCandidates` batches.
pub async fn ingest(
    total_1k: usize,
    total_64k: usize,
    postgres: Option<&testkit::TestDb>,
) -> anyhow::Result<Section> {
    let dir = tempfile::tempdir()?;
    let config = crate::config(dir.path(), postgres);
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let ((channel, _), svc, tenant, stop, server) = start_server(config.clone()).await?;
    let bearer: tonic::metadata::MetadataValue<_> = format!("Bearer {svc}").parse()?;
    let mut rows = Vec::new();
    // The CV size that makes the whole candidate about 1 KiB / 64 KiB.
    for (label, total, cv, batch) in [
        ("1 KiB", total_1k, 800usize, 500usize),
        ("64 KiB", total_64k, 64 * 1024 - 200, 50usize),
    ] {
        let clients = 4;
        let per = total / clients;
        let start = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let ch = channel.clone();
            let bearer = bearer.clone();
            let label = label.to_owned();
            tasks.push(tokio::spawn(async move {
                let mut v = pb::vault_service_client::VaultServiceClient::new(ch)
                    .max_encoding_message_size(256 << 20)
                    .max_decoding_message_size(256 << 20);
                let mut i = 0;
                while i < per {
                    let n = batch.min(per - i);
                    let candidates =
                        (0..n)
                            .map(|k| candidate(c * 10_000_000 + i + k, cv))
                            .map(|mut r| {
                                r.external_ref =
                                    format!("{label}-{}", r.external_ref).replace(' ', "");
                                r
                            });
                    let mut r = tonic::Request::new(pb::PutCandidatesRequest {
                        tenant_id: String::new(),
                        candidates: candidates.collect(),
                    });
                    r.metadata_mut().insert("authorization", bearer.clone());
                    v.put_candidates(r).await?;
                    i += n;
                }
                anyhow::Ok(per)
            }));
        }
        let mut done = 0;
        for t in tasks {
            done += t.await??;
        }
        let secs = start.elapsed().as_secs_f64();
        let rate = done as f64 / secs;
        // The limit, in the same run on fresh databases of the same kind
        // (so neither pays for the other's rows or WAL checkpoints).
        let fresh = testkit::TestDb::new(if postgres.is_some() {
            testkit::Backend::Postgres
        } else {
            testkit::Backend::Sqlite
        })
        .await;
        let main = store::open_main(&fresh.url).await?;
        let keys = store::open_keystore(&fresh.keystore_url).await?;
        let raw = raw_ingest(&main, &keys, &tenant, total, cv, batch, clients).await?;
        main.close().await?;
        keys.close().await?;
        rows.push(rate_row(
            &format!("{label} candidates, batches of {batch}, 4 clients"),
            vec![
                ("candidates", done.to_string()),
                ("seconds", format!("{secs:.1}")),
                ("candidates/s", format!("{rate:.0}")),
                ("raw limit/s", format!("{raw:.0}")),
                ("of the limit", format!("{:.0}%", rate / raw * 100.0)),
            ],
        ));
    }
    let _ = stop.send(());
    let _ = server.await;
    Ok(Section {
        title: format!("Vault ingest through PutCandidates on {backend}"),
        about: "Real server on loopback; every candidate gets its own DEK (key store), an encrypted profile and CV, two blind-index rows and the batch one audit entry. The raw limit, measured after each case on fresh databases of the same kind: the same rows sealed with raw AES-256-GCM and written with plain SQL (multi-row inserts, one transaction per database for each batch, as many writers as clients, no gRPC, no audit).".into(),
        aim: "at least 50,000 candidates/s at 1 KiB and at least 50% of the raw limit".into(),
        rows,
    })
}

/// A multi-row `INSERT` of `rows` rows of `cols` columns with the backend's
/// placeholders.
/// Raw AES-256-GCM under a fixed key with a fresh random nonce (nonce ‖
/// ciphertext): the limits' encryption, without the vault's framing.
pub(crate) fn raw_sealer(key: [u8; 32]) -> impl Fn(&[u8]) -> Vec<u8> {
    let key = aes_gcm::Aes256Gcm::new((&key).into());
    move |data: &[u8]| {
        let nonce: [u8; 12] = vault_crypto::random_bytes();
        let mut out = nonce.to_vec();
        out.extend(
            key.encrypt(&aes_gcm::Nonce::from(nonce), data)
                .expect("encrypt"),
        );
        out
    }
}

fn insert_sql(pg: bool, table: &str, cols: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..cols.len() {
            if c > 0 {
                sql.push(',');
            }
            n += 1;
            if pg {
                sql.push_str(&format!("${n}"));
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

/// The raw limit of ingest on this machine and database: the rows
/// `PutCandidates` writes for `total` candidates (a candidate row with its
/// sealed profile, the CV's document row, two blind-index rows, the wrapped
/// DEK in the key store), sealed with raw AES-256-GCM and written with plain
/// SQL: multi-row inserts of 200 rows, one transaction per database for each
/// batch of `batch`, `clients` writers at once as the gRPC case has. Returns
/// candidates/s.
async fn raw_ingest(
    main: &sea_orm::DatabaseConnection,
    keys: &sea_orm::DatabaseConnection,
    tenant: &str,
    total: usize,
    cv: usize,
    batch: usize,
    clients: usize,
) -> anyhow::Result<f64> {
    // SQLite has one writer a file: the writers queue in memory (as the
    // audit gate makes the server's do) rather than in the busy handler.
    let turns = std::sync::Arc::new((tokio::sync::Mutex::new(()), tokio::sync::Mutex::new(())));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (main, keys, tenant, turns) =
            (main.clone(), keys.clone(), tenant.to_owned(), turns.clone());
        tasks.push(tokio::spawn(async move {
            raw_ingest_one(
                &main,
                &keys,
                &tenant,
                c,
                total / clients,
                (cv, batch),
                &turns,
            )
            .await
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((total / clients * clients) as f64 / start.elapsed().as_secs_f64())
}

async fn raw_ingest_one(
    main: &sea_orm::DatabaseConnection,
    keys: &sea_orm::DatabaseConnection,
    tenant: &str,
    client: usize,
    total: usize,
    (cv, batch): (usize, usize),
    turns: &(tokio::sync::Mutex<()>, tokio::sync::Mutex<()>),
) -> anyhow::Result<()> {
    use sea_orm::TransactionTrait;
    let pg = store::is_postgres(main);
    let backend = main.get_database_backend();
    let seal = raw_sealer([3u8; 32]);
    let now = store::now_micros();
    let applied = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let profile = br#"{"name":"Kandidaat 000000","email":"k000000@example.nl","phone":"0612345678","cv_filename":"cv.pdf","cv_content_type":"application/pdf","notes":"","custom_fields":{}}"#;
    let cv_body = vec![b'x'; cv];
    let mut done = 0;
    while done < total {
        let n = batch.min(total - done);
        let ids: Vec<String> = (0..n).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        let (mut cand, mut docs, mut index, mut deks) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (k, id) in ids.iter().enumerate() {
            let i = done + k;
            let v: Vec<sea_orm::Value> = vec![
                id.clone().into(),
                tenant.into(),
                format!("raw-{cv}-{client}-{i}").into(),
                "vac-1".into(),
                applied.into(),
                "[\"identity\",\"cv\"]".into(),
                "open".into(),
                "none".into(),
                false.into(),
                false.into(),
                seal(profile).into(),
                (cv as i64).into(),
                now.into(),
                now.into(),
            ];
            cand.push(v);
            docs.push(vec![
                id.clone().into(),
                tenant.into(),
                seal(&cv_body).into(),
            ]);
            for h in 0..2 {
                index.push(vec![
                    tenant.into(),
                    hex::encode(vault_crypto::random_bytes::<32>()).into(),
                    id.clone().into(),
                ]);
                let _ = h;
            }
            deks.push(vec![
                id.clone().into(),
                tenant.into(),
                1i32.into(),
                seal(&vault_crypto::random_bytes::<32>()).into(),
            ]);
        }
        let sqlite = !pg;
        // The keys first, in their own transaction, as the vault does.
        let keys_turn = if sqlite {
            Some(turns.1.lock().await)
        } else {
            None
        };
        let ktxn = keys.begin().await?;
        for chunk in deks.chunks(200) {
            let values: Vec<sea_orm::Value> = chunk.iter().flatten().cloned().collect();
            ktxn.execute_raw(Statement::from_sql_and_values(
                backend,
                insert_sql(
                    pg,
                    "candidate_deks",
                    &["candidate_id", "tenant_id", "kek_version", "wrapped"],
                    chunk.len(),
                ),
                values,
            ))
            .await?;
        }
        ktxn.commit().await?;
        drop(keys_turn);
        let main_turn = if sqlite {
            Some(turns.0.lock().await)
        } else {
            None
        };
        let txn = main.begin().await?;
        for (table, cols, rows) in [
            (
                "candidates",
                &[
                    "id",
                    "tenant_id",
                    "external_ref",
                    "vacancy_ref",
                    "applied_on",
                    "categories",
                    "status",
                    "consent",
                    "legal_hold",
                    "restricted",
                    "profile",
                    "cv_size",
                    "created_at",
                    "updated_at",
                ][..],
                &cand,
            ),
            (
                "candidate_documents",
                &["candidate_id", "tenant_id", "body"][..],
                &docs,
            ),
            (
                "candidate_index",
                &["tenant_id", "hash", "candidate_id"][..],
                &index,
            ),
        ] {
            for chunk in rows.chunks(200) {
                let values: Vec<sea_orm::Value> = chunk.iter().flatten().cloned().collect();
                txn.execute_raw(Statement::from_sql_and_values(
                    backend,
                    insert_sql(pg, table, cols, chunk.len()),
                    values,
                ))
                .await?;
            }
        }
        txn.commit().await?;
        drop(main_turn);
        done += n;
    }
    Ok(())
}

/// Fills `rows` candidates (half due) straight into both databases with SQL:
/// the sweep never decrypts, so random blobs of realistic size stand in for
/// the ciphertexts. Real candidates for the erasure timing come through `put`.
/// Fills `rows` candidates of `tenant` with SQL (half of them past their
/// `delete_after`), each with one blind-index row in `main` and, when `keys`
/// is given, a wrapped DEK there.
pub(crate) async fn fill(
    main: &sea_orm::DatabaseConnection,
    keys: Option<&sea_orm::DatabaseConnection>,
    tenant: &str,
    rows: u64,
) -> anyhow::Result<()> {
    let pg = store::is_postgres(main);
    let now = store::now_micros();
    let past = now - chrono::Duration::days(30);
    let future = now + chrono::Duration::days(365);
    let applied = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let chunk = 200_000u64;
    let mut from = 0u64;
    while from < rows {
        let to = (from + chunk).min(rows);
        let (series, id, blob, hash, f) = if pg {
            (
                format!("SELECT generate_series({}, {}) AS i", from + 1, to),
                "'00000000-0000-7000-8000-' || lpad(i::text, 12, '0')",
                "decode(repeat(md5(i::text), 10), 'hex')",
                "md5(i::text) || md5((i+1)::text)",
                "false",
            )
        } else {
            (
                format!(
                    "WITH RECURSIVE n(i) AS (SELECT {} UNION ALL SELECT i+1 FROM n WHERE i < {}) SELECT i FROM n",
                    from + 1,
                    to
                ),
                "printf('00000000-0000-7000-8000-%012d', i)",
                "randomblob(160)",
                "hex(randomblob(32))",
                "0",
            )
        };
        let p = |n: usize| if pg { format!("${n}") } else { "?".to_owned() };
        let sql = format!(
            "INSERT INTO candidates (id, tenant_id, external_ref, vacancy_ref, applied_on, categories, status, closed_on, consent, \
             legal_hold, restricted, delete_after, retention_basis, profile, cv_size, created_at, updated_at) \
             SELECT {id}, {t}, 'fill-' || i, 'vac-1', {a}, '[\"cv\"]', 'rejected', {a2}, 'none', {f}, {f}, \
             CASE WHEN i % 2 = 0 THEN {past} ELSE {fut} END, 'retention.applicant (bench)', {blob}, 0, {n1}, {n2} FROM ({series}) s",
            t = p(1),
            a = p(2),
            a2 = p(3),
            past = p(4),
            fut = p(5),
            n1 = p(6),
            n2 = p(7),
        );
        let values: Vec<sea_orm::Value> = vec![
            tenant.into(),
            applied.into(),
            applied.into(),
            past.into(),
            future.into(),
            now.into(),
            now.into(),
        ];
        main.execute_raw(Statement::from_sql_and_values(
            main.get_database_backend(),
            sql,
            values,
        ))
        .await?;
        let sql = format!(
            "INSERT INTO candidate_index (tenant_id, hash, candidate_id) SELECT {}, {hash}, {id} FROM ({series}) s",
            p(1)
        );
        main.execute_raw(Statement::from_sql_and_values(
            main.get_database_backend(),
            sql,
            vec![tenant.into()],
        ))
        .await?;
        let Some(keys) = keys else {
            from = to;
            continue;
        };
        let kblob = if pg {
            "decode(repeat(md5(i::text), 4), 'hex')"
        } else {
            "randomblob(64)"
        };
        let sql = format!(
            "INSERT INTO candidate_deks (candidate_id, tenant_id, kek_version, wrapped) SELECT {id}, {}, 1, {kblob} FROM ({series}) s",
            p(1)
        );
        keys.execute_raw(Statement::from_sql_and_values(
            keys.get_database_backend(),
            sql,
            vec![tenant.into()],
        ))
        .await?;
        from = to;
    }
    if pg {
        main.execute_unprepared("ANALYZE").await?;
        if let Some(k) = keys {
            k.execute_unprepared("ANALYZE").await?;
        }
    }
    Ok(())
}

/// Deletes up to `limit` candidates' rows (candidate, documents, index rows;
/// the DEK in the key store) with plain SQL in batches of 2,000 ids, one
/// transaction per database a batch; returns (candidates, seconds).
async fn raw_delete(v: &vault::Vault, limit: u64) -> anyhow::Result<(u64, f64)> {
    use sea_orm::TransactionTrait;
    let pg = store::is_postgres(&v.main);
    let backend = v.main.get_database_backend();
    let ids: Vec<String> = v
        .main
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT id FROM candidates ORDER BY id LIMIT {limit}"),
        ))
        .await?
        .into_iter()
        .map(|r| r.try_get::<String>("", "id"))
        .collect::<Result<_, _>>()?;
    let list = |n: usize| -> String {
        (1..=n)
            .map(|i| if pg { format!("${i}") } else { "?".to_owned() })
            .collect::<Vec<_>>()
            .join(",")
    };
    let start = Instant::now();
    for chunk in ids.chunks(2000) {
        let values: Vec<sea_orm::Value> = chunk.iter().map(|i| i.clone().into()).collect();
        let p = list(chunk.len());
        let ktxn = v.keys.db.begin().await?;
        ktxn.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM candidate_deks WHERE candidate_id IN ({p})"),
            values.clone(),
        ))
        .await?;
        ktxn.commit().await?;
        let txn = v.main.begin().await?;
        for sql in [
            format!("DELETE FROM candidate_index WHERE candidate_id IN ({p})"),
            format!("DELETE FROM candidate_documents WHERE candidate_id IN ({p})"),
            format!("DELETE FROM candidates WHERE id IN ({p})"),
        ] {
            txn.execute_raw(Statement::from_sql_and_values(backend, sql, values.clone()))
                .await?;
        }
        txn.commit().await?;
    }
    Ok((ids.len() as u64, start.elapsed().as_secs_f64()))
}

/// 21 idle sweeps, in ms: a claim that finds nothing (asked as of a moment
/// before anything became due, though half the fill is due) and a
/// reconcile.
async fn idle_sweeps(v: &vault::Vault, actor: &audit::Actor) -> anyhow::Result<Vec<f64>> {
    let mut idle = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let claimed = v
            .claim_due(store::now_micros() - chrono::Duration::days(400), 1000)
            .await?;
        assert!(claimed.is_empty());
        std::hint::black_box(v.reconcile(actor).await?);
        idle.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(idle)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

pub async fn sweep(rows: u64, postgres: Option<&testkit::TestDb>) -> anyhow::Result<Section> {
    let dir = tempfile::tempdir()?;
    let config = crate::config(dir.path(), postgres);
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    // A controller, through the real service, so the tenant exists.
    let (v, tenant) = stopped_vault(&config).await?;
    let actor = audit::Actor::system("bench");
    // Real candidates for the erasure timing.
    let today = vault::service::today();
    let items = (0..25)
        .map(|i| {
            let input = vault::domain::PayloadInput {
                name: format!("Echt {i}"),
                email: format!("e{i}@example.nl"),
                cv: vec![b'c'; 800],
                cv_filename: "cv.pdf".into(),
                ..Default::default()
            };
            let p = vault::domain::Payload::parse(input, "", Default::default())?;
            vault::domain::NewCandidate::validate(
                "",
                &format!("real-{i}"),
                "vac-1",
                "2026-01-05",
                &["cv".to_string()],
                p,
                today,
            )
        })
        .collect::<Result<Vec<_>, vault::domain::FieldError>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let real = v.put(&actor, &tenant, items).await?;
    let fill_start = Instant::now();
    fill(&v.main, Some(&v.keys.db), &tenant, rows).await?;
    let fill_secs = fill_start.elapsed().as_secs_f64();

    let mut out = Vec::new();
    let idle = idle_sweeps(&v, &actor).await?;
    let timing = |v: &[f64]| {
        vec![
            ("median ms", format!("{:.2}", median(v.to_vec()))),
            (
                "max ms",
                format!("{:.2}", v.iter().cloned().fold(0.0, f64::max)),
            ),
            ("shredded/s", "-".to_owned()),
        ]
    };
    out.push(rate_row(
        &format!("idle sweep (reconcile + claim), nothing due among {rows}"),
        timing(&idle),
    ));
    let scope = auth::Scope::Tenant(tenant.clone());
    let mut erase = Vec::new();
    for c in &real[..21] {
        let t = Instant::now();
        v.erase(
            &actor,
            &scope,
            &c.id,
            vault::domain::EraseReason::Request,
            "bench",
        )
        .await?;
        erase.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    out.push(rate_row(
        &format!("one candidate's erasure among {rows}"),
        timing(&erase),
    ));
    let t = Instant::now();
    let r = v.sweep(&actor, 2000).await?;
    let secs = t.elapsed().as_secs_f64();
    let swept = r.shredded as f64 / secs;
    // The limit: plain SQL deleting the same rows (a candidate, its index
    // rows, its DEK) in batches of 2,000 by id, one transaction per database
    // a batch, on the candidates the sweep left (not due), in the same store.
    let limit = (rows / 5).max(2000);
    let (raw_n, raw_secs) = raw_delete(&v, limit).await?;
    let raw = raw_n as f64 / raw_secs;
    out.push(rate_row(
        &format!("sweep: {} due among {rows}, {secs:.1} s", r.shredded),
        vec![
            ("median ms", "-".to_owned()),
            ("max ms", "-".to_owned()),
            (
                "shredded/s",
                format!("{swept:.0} ({:.0}% of the limit)", swept / raw * 100.0),
            ),
        ],
    ));
    out.push(rate_row(
        &format!("limit: plain SQL batched delete of {raw_n} candidates' rows, {raw_secs:.1} s"),
        vec![
            ("median ms", "-".to_owned()),
            ("max ms", "-".to_owned()),
            ("shredded/s", format!("{raw:.0}")),
        ],
    ));
    Ok(Section {
        title: format!("Vault retention sweep on {backend}"),
        about: format!(
            "{rows} candidates (half due) filled with SQL in {fill_secs:.0} s (random blobs of realistic size: the sweep never decrypts), plus 25 real ones. \
             Idle: one reconcile plus one claim that finds nothing. Erasure: EraseCandidate's path (claim, DEK and ledger, ledger file with fsync, rows, certificate, audit). \
             Sweep: batches of 2,000."
        ),
        aim: "sweep at least 50,000 shredded/s on SQLite, 25,000/s on PostgreSQL, and at least 50% of the plain SQL delete limit; an idle sweep under 5 ms; one erasure under 20 ms"
            .into(),
        rows: out,
    })
}

/// One sweep of `rows` filled candidates (half due) on a fresh store, with
/// the Merkle trees maintained or not; returns (shredded, seconds, ledger
/// checkpoints and audit checkpoints signed during it, audit events written).
async fn sweep_once(
    rows: u64,
    postgres: Option<&testkit::TestDb>,
    trees: bool,
) -> anyhow::Result<(u64, f64, u64, u64, i64, f64, f64)> {
    use store::sea_orm::{EntityTrait, PaginatorTrait};
    let dir = tempfile::tempdir()?;
    let config = crate::config(dir.path(), postgres);
    let (v, tenant) = stopped_vault(&config).await?;
    let actor = audit::Actor::system("bench");
    fill(&v.main, Some(&v.keys.db), &tenant, rows).await?;
    // Both runs start from trees that cover everything written so far.
    v.reconcile(&actor).await?;
    v.trees.store(trees, std::sync::atomic::Ordering::Relaxed);
    let count = |db: &store::sea_orm::DatabaseConnection| {
        let db = db.clone();
        async move {
            let l = store::entities::vault::ledger_checkpoints::Entity::find()
                .count(&db)
                .await?;
            let a = store::entities::vault::audit_checkpoints::Entity::find()
                .count(&db)
                .await?;
            Ok::<_, anyhow::Error>((l, a))
        }
    };
    // Idle passes first.
    let idle = median(idle_sweeps(&v, &actor).await?);
    let (l0, a0) = count(&v.keys.db).await?;
    let t = Instant::now();
    let r = v.sweep(&actor, 2000).await?;
    let secs = t.elapsed().as_secs_f64();
    let (l1, a1) = count(&v.keys.db).await?;
    let (head, _) = audit::global_head(&v.main).await?;
    // After a sweep without the trees: the catch-up of the next pass
    // (both trees over everything the sweep wrote).
    let catch_up = if trees {
        0.0
    } else {
        v.trees.store(true, std::sync::atomic::Ordering::Relaxed);
        let t = Instant::now();
        v.extend_tree().await?;
        v.extend_audit().await?;
        t.elapsed().as_secs_f64()
    };
    Ok((r.shredded, secs, l1 - l0, a1 - a0, head, catch_up, idle))
}

/// The sweep with the Merkle trees (ledger and audit) maintained after
/// every batch, against the same sweep without them, each on a fresh store.
pub async fn sweep_trees(
    rows: u64,
    postgres: Option<(&testkit::TestDb, &testkit::TestDb)>,
) -> anyhow::Result<Section> {
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let (without, with) = match postgres {
        Some((a, b)) => (
            sweep_once(rows, Some(a), false).await?,
            sweep_once(rows, Some(b), true).await?,
        ),
        None => (
            sweep_once(rows, None, false).await?,
            sweep_once(rows, None, true).await?,
        ),
    };
    let rate = |r: &(u64, f64, u64, u64, i64, f64, f64)| r.0 as f64 / r.1;
    let none = || ("ms", "-".to_owned());
    let rows_out = vec![
        rate_row(
            &format!(
                "sweep without the trees: {} shredded, {:.1} s",
                without.0, without.1
            ),
            vec![
                ("shredded/s", format!("{:.0}", rate(&without))),
                (
                    "checkpoints signed (ledger / audit)",
                    format!("{} / {}", without.2, without.3),
                ),
                none(),
            ],
        ),
        rate_row(
            &format!(
                "sweep with the trees (ledger and audit extended after each batch): {} shredded, {:.1} s",
                with.0, with.1
            ),
            vec![
                (
                    "shredded/s",
                    format!(
                        "{:.0} ({:.0}% of without)",
                        rate(&with),
                        rate(&with) / rate(&without) * 100.0
                    ),
                ),
                (
                    "checkpoints signed (ledger / audit)",
                    format!("{} / {}", with.2, with.3),
                ),
                none(),
            ],
        ),
        rate_row(
            &format!(
                "idle sweep (reconcile + claim, median of 21), nothing due among {rows}: without the trees"
            ),
            vec![
                ("shredded/s", "-".to_owned()),
                ("checkpoints signed (ledger / audit)", "-".to_owned()),
                ("ms", format!("{:.2}", without.6)),
            ],
        ),
        rate_row(
            "idle sweep, with the trees (each reads its head and its last checkpoint, and stops)",
            vec![
                ("shredded/s", "-".to_owned()),
                ("checkpoints signed (ledger / audit)", "-".to_owned()),
                ("ms", format!("{:.2}", with.6)),
            ],
        ),
        rate_row(
            &format!(
                "after the sweep without: the next pass brings both trees up to it ({} ledger entries, {} audit events)",
                without.0, without.4
            ),
            vec![
                ("shredded/s", "-".to_owned()),
                ("checkpoints signed (ledger / audit)", "-".to_owned()),
                ("ms", format!("{:.0}", without.5 * 1000.0)),
            ],
        ),
    ];
    Ok(Section {
        title: format!("Evidence: the sweep with and without the Merkle trees on {backend}"),
        about: format!(
            "{rows} candidates (half due) filled with SQL on a fresh store per run, the trees first brought up to the fill; then `Vault::sweep` in batches of 2,000, once with `Vault::trees` off (the baseline: the sweep as it was before the trees) and once on (the shred ledger's tree and the audit log's global and per-controller trees appended and a checkpoint signed for each after every batch, in the key store). The last row is the catch-up a sweep without the trees leaves to the next pass."
        ),
        aim: "the sweep's throughput with the trees maintained against without".into(),
        rows: rows_out,
    })
}
