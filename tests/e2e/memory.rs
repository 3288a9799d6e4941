//! Memory under the largest requests: three concurrent `PutCandidates` of
//! about 60 MB each (six 10 MB CVs) against a server in a process of its
//! own. The process's resident memory stays within the Kubernetes overlays'
//! limit (512 MiB) because the request budget lets one such batch in at a
//! time and tells the others to retry (`RESOURCE_EXHAUSTED`); the memory is
//! given back afterwards; a small RPC with a large body is refused at its
//! own cap without the server holding it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use auth::Role;
use custodian_tests::*;
use proto::v1 as pb;
use tonic::Code;

const CHILD: &str = "CUSTODIAN_MEMORY_CHILD_DIR";
/// The overlays' memory limit of a server container (deploy/k8s).
const OVERLAY_LIMIT: u64 = 512 * 1024 * 1024;

fn rss(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// The server of the memory test, run by the test below in a process of
/// its own (this same test binary, asked for this test only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by memory::three_maximum_batches_stay_within_the_memory_limit in a child process"]
async fn memory_child_server() {
    let Ok(dir) = std::env::var(CHILD) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let config = custodian::Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.clone(),
        log_level: "warn".into(),
        console: custodian::config::Console {
            listen: "off".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let (_, admin) = custodian::ops::create_token(&config, Role::Admin, None, "admin")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    println!("LISTENING {addr} {admin}");
    std::io::stdout().flush().unwrap();
    // Serves until the parent closes our stdin.
    let stop = async {
        let _ = tokio::task::spawn_blocking(|| {
            let mut s = String::new();
            let _ = std::io::stdin().read_line(&mut s);
        })
        .await;
    };
    custodian::run(config, listener, stop).await.unwrap();
}

fn batch(tag: &str) -> pb::PutCandidatesRequest {
    pb::PutCandidatesRequest {
        tenant_id: String::new(),
        candidates: (0..6)
            .map(|i| {
                let mut c = valid_candidate(&format!("{tag}-{i}"), "Jan Jansen", "jan@example.nl");
                if let Some(p) = c.payload.as_mut() {
                    p.cv = vec![b'%'; 10_000_000];
                }
                c
            })
            .collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_maximum_batches_stay_within_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "memory::memory_child_server",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server process");
    let pid = child.id();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (addr, admin) = loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the server process ended"
        );
        if let Some(rest) = line.trim().strip_prefix("LISTENING ") {
            let (a, t) = rest.split_once(' ').unwrap();
            break (a.to_owned(), t.to_owned());
        }
    };
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let c = pb::controller_service_client::ControllerServiceClient::new(channel.clone())
        .create_controller(req(&admin, valid_controller("Alpha B.V.", "11111111")))
        .await
        .unwrap()
        .into_inner();
    // Tokens are an operator's: made on the server's database files.
    let operator = custodian::Config {
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let (_, service) = custodian::ops::create_token(&operator, Role::Service, Some(&c.id), "ats")
        .await
        .unwrap();
    let vault = || {
        pb::vault_service_client::VaultServiceClient::new(channel.clone())
            .max_encoding_message_size(128 * 1024 * 1024)
            .max_decoding_message_size(128 * 1024 * 1024)
    };
    let baseline = rss(pid);

    // A small RPC with a large body is refused at its cap.
    let e = vault()
        .get_candidate(req(
            &service,
            pb::GetCandidateRequest {
                id: "x".repeat(5 * 1024 * 1024),
                purpose: "p".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");

    // Three maximum batches at once, resident memory sampled meanwhile.
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampling = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let calls: Vec<_> = (0..3)
        .map(|k| {
            let mut v = vault();
            let r = req(&service, batch(&format!("b{k}")));
            tokio::spawn(async move { v.put_candidates(r).await })
        })
        .collect();
    let mut stored = 0;
    let mut told_to_retry = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => stored += 1,
            Err(s) if s.code() == Code::ResourceExhausted => {
                assert!(s.message().contains("retry"), "{s:?}");
                told_to_retry += 1;
            }
            Err(s) => panic!("{s:?}"),
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    sampling.abort();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let after = rss(pid);
    let mib = |b: u64| b / (1024 * 1024);
    eprintln!(
        "memory: baseline {} MiB, peak {} MiB, after {} MiB; {stored} stored, {told_to_retry} told to retry",
        mib(baseline),
        mib(peak),
        mib(after)
    );
    assert!(stored >= 1, "no batch was stored");
    assert_eq!(stored + told_to_retry, 3);
    assert!(
        peak < OVERLAY_LIMIT,
        "peak resident memory {} MiB is over the overlays' {} MiB",
        mib(peak),
        mib(OVERLAY_LIMIT)
    );
    assert!(
        after < baseline + 128 * 1024 * 1024,
        "the memory of the batches was kept: {} MiB after, {} MiB before",
        mib(after),
        mib(baseline)
    );
    drop(child.stdin.take());
    let _ = child.wait();
}
