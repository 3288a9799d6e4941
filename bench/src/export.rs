//! The Data Act export bundle of a large tenant: 100,000 real candidates
//! (encrypted through PutCandidates, each with a CV) exported by the real
//! server and downloaded over gRPC by a client that hashes and discards
//! what it receives. The process's peak resident memory is reset (Linux
//! `/proc/self/clear_refs`, 5) after ingest, so the peak reported is that of
//! the build and the download alone; server and client share the process,
//! so the figure is an upper bound for the server.

use std::collections::BTreeMap;
use std::time::Instant;

use auth::Role;
use custodian_tests::{TestApp, req, spawn_app};
use proto::v1 as pb;
use sha2::{Digest, Sha256};

use crate::{Row, Section};

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> String {
    format!("{:.0}", kib as f64 / 1024.0)
}

async fn ingest(app: &TestApp, token: &str, total: usize) -> anyhow::Result<()> {
    let clients = 4;
    let per = total / clients;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let mut v = app
            .vault()
            .max_encoding_message_size(256 << 20)
            .max_decoding_message_size(256 << 20);
        let token = token.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while i < per {
                let n = 500.min(per - i);
                let candidates = (0..n)
                    .map(|k| {
                        let id = c * 10_000_000 + i + k;
                        pb::PutCandidateRequest {
                            tenant_id: String::new(),
                            external_ref: format!("ref-{id}"),
                            vacancy_ref: "vac-1".into(),
                            applied_on: "2026-03-01".into(),
                            payload: Some(pb::CandidatePayload {
                                name: format!("Kandidaat {id}"),
                                email: format!("k{id}@example.nl"),
                                phone: "0612345678".into(),
                                cv: vec![b'x'; 2048],
                                cv_filename: "cv.pdf".into(),
                                cv_content_type: "application/pdf".into(),
                                notes: "Interviewed; strong Rust.".into(),
                                custom_fields: Default::default(),
                            }),
                            categories: vec!["identity".into(), "cv".into()],
                        }
                    })
                    .collect();
                v.put_candidates(req(
                    &token,
                    pb::PutCandidatesRequest {
                        tenant_id: String::new(),
                        candidates,
                    },
                ))
                .await?;
                i += n;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

pub async fn run(candidates: usize, postgres: Option<&testkit::TestDb>) -> anyhow::Result<Section> {
    let sqlite;
    let db = match postgres {
        Some(pg) => pg,
        None => {
            sqlite = testkit::TestDb::new(testkit::Backend::Sqlite).await;
            &sqlite
        }
    };
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let app = spawn_app(db).await;
    let (a, _) = app
        .controller_with_agreement("Bench B.V.", "12345678", None)
        .await;
    let tok = app.token(Role::Controller, Some(&a.id)).await;
    let svc = app.token(Role::Service, Some(&a.id)).await;
    let start = Instant::now();
    ingest(&app, &svc, candidates).await?;
    let ingest_secs = start.elapsed().as_secs_f64();
    let rss_before = status_kib("VmRSS:");
    std::fs::write("/proc/self/clear_refs", "5")?;

    let s = app
        .switching()
        .request_switch(req(
            &tok,
            pb::RequestSwitchRequest {
                election: "switch".into(),
                ..Default::default()
            },
        ))
        .await?
        .into_inner();
    let start = Instant::now();
    let e = app
        .switching()
        .start_export(req(&tok, pb::StartExportRequest { switch_id: s.id }))
        .await?
        .into_inner();
    let mut e = e;
    while e.status == "building" {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        e = app
            .switching()
            .get_export(req(
                &tok,
                pb::GetExportRequest {
                    export_id: e.id.clone(),
                },
            ))
            .await?
            .into_inner();
    }
    anyhow::ensure!(e.status == "ready", "export {}: {}", e.status, e.error);
    let build_secs = start.elapsed().as_secs_f64();
    let peak_build = status_kib("VmHWM:");
    std::fs::write("/proc/self/clear_refs", "5")?;
    let rss_download = status_kib("VmRSS:");

    let start = Instant::now();
    let mut stream = app
        .switching()
        .download_export(req(
            &tok,
            pb::DownloadExportRequest {
                export_id: e.id.clone(),
            },
        ))
        .await?
        .into_inner();
    let mut hashes: BTreeMap<String, Sha256> = BTreeMap::new();
    let (mut bytes, mut files) = (0u64, 0u64);
    while let Some(c) = stream.message().await? {
        bytes += c.data.len() as u64;
        let h = hashes.entry(c.path.clone()).or_default();
        h.update(&c.data);
        if c.last {
            files += 1;
            // Only the data files are compared here; the manifest lists the rest.
            if let Some(f) = e.files.iter().find(|f| f.path == c.path) {
                let got = hex::encode(hashes.remove(&c.path).unwrap_or_default().finalize());
                anyhow::ensure!(got == f.sha256, "{} does not verify", f.path);
            } else {
                hashes.remove(&c.path);
            }
        }
    }
    let download_secs = start.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM:");
    app.stop().await;
    Ok(Section {
        title: format!("Data Act export bundle of {candidates} candidates on {backend}"),
        about: format!(
            "Real server on loopback. {candidates} candidates (about 2.3 KiB each with a 2 KiB CV) stored through PutCandidates in {ingest_secs:.0} s; then StartExport builds the bundle (pages of 500 decrypted candidates, JSON Lines + CSV + one file per CV, sealed 256 KiB chunks) and a gRPC client downloads it, hashing and discarding each chunk and checking the data files against their SHA-256. Peak RSS is the process's high-water mark (VmHWM), reset once ingest was done and again before the download; server and client share the process. Resident memory before the build: {} MiB; before the download: {} MiB (the allocator keeps freed pages).",
            mib(rss_before),
            mib(rss_download)
        ),
        aim: "under 200 MB of resident memory for 100,000 candidates".into(),
        rows: vec![
            Row {
                name: "build (StartExport until ready)".into(),
                cells: vec![
                    ("candidates".into(), e.candidates.to_string()),
                    (
                        "files".into(),
                        (e.documents + e.files.len() as u64).to_string(),
                    ),
                    ("seconds".into(), format!("{build_secs:.1}")),
                    ("peak RSS (MiB)".into(), mib(peak_build)),
                ],
            },
            Row {
                name: "download (DownloadExport stream)".into(),
                cells: vec![
                    ("candidates".into(), e.candidates.to_string()),
                    ("files".into(), files.to_string()),
                    (
                        "seconds".into(),
                        format!("{download_secs:.1} ({:.0} MiB)", bytes as f64 / 1048576.0),
                    ),
                    ("peak RSS (MiB)".into(), mib(peak)),
                ],
            },
        ],
    })
}
