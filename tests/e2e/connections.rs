//! Idle and slow connections hold nothing for long, and no more of them
//! than the cap: on the gRPC listener (no HTTP/2 preface in time, silence,
//! one over the cap) and on the console (a request head dribbled byte by
//! byte, silence). Real gRPC calls go on throughout.

use std::time::{Duration, Instant};

use custodian_tests::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// Waits until the server closes `s` (EOF or an error), at most `within`;
/// returns how long that took, or `None` if it stayed open.
async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<Duration> {
    let t = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within.saturating_sub(t.elapsed()), s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(t.elapsed()),
            Ok(Ok(_)) => continue,
        }
    }
}

async fn health_ok(addr: std::net::SocketAddr) -> bool {
    let Ok(ch) = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
    else {
        return false;
    };
    HealthClient::new(ch)
        .check(HealthCheckRequest::default())
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_and_capped() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let mut config = config_for(&db, &AppOptions::default());
    config.grpc_max_connections = 6;
    config.grpc_first_bytes_timeout_ms = 600;
    config.grpc_idle_timeout_ms = 1_500;
    config.console.max_connections = 6;
    config.console.header_timeout_ms = 600;
    config.console.idle_timeout_ms = 1_500;
    let app = custodian_tests::console::spawn_console_with(config, db.backend).await;
    let grpc_addr = app.addr;
    let console_addr = app.console.unwrap();
    // Let the test's own channel (opened by spawn) go idle and be closed.
    tokio::time::sleep(Duration::from_millis(2_000)).await;

    // Silent sockets, up to the cap and one over it.
    let mut silent = Vec::new();
    for _ in 0..6 {
        silent.push(TcpStream::connect(grpc_addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut over = TcpStream::connect(grpc_addr).await.unwrap();
    assert!(
        closed_within(&mut over, Duration::from_millis(300))
            .await
            .is_some(),
        "a connection over the cap was kept"
    );
    // Without a preface in time, each is closed.
    for s in &mut silent {
        let took = closed_within(s, Duration::from_secs(3))
            .await
            .expect("a silent gRPC connection stayed open");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }
    // A preface dribbled a byte every 200 ms never completes in time.
    let mut slow = TcpStream::connect(grpc_addr).await.unwrap();
    let t = Instant::now();
    for b in b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" {
        if slow.write_all(&[*b]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if t.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    assert!(
        closed_within(&mut slow, Duration::from_secs(1))
            .await
            .is_some(),
        "a slow preface kept its connection"
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // Real calls go on.
    assert!(health_ok(grpc_addr).await, "a real client was locked out");

    // The console: a request head dribbled a byte at a time.
    let mut slow = TcpStream::connect(console_addr).await.unwrap();
    slow.write_all(b"GET /signin HTTP/1.1\r\n").await.unwrap();
    let t = Instant::now();
    let mut closed = false;
    for b in b"Host: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n" {
        if slow.write_all(&[*b]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !closed {
        closed = closed_within(&mut slow, Duration::from_secs(1))
            .await
            .is_some();
    }
    assert!(
        closed,
        "a dribbled request head kept its console connection"
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // A silent console connection, and an idle keep-alive one.
    let mut quiet = TcpStream::connect(console_addr).await.unwrap();
    assert!(
        closed_within(&mut quiet, Duration::from_secs(3))
            .await
            .is_some(),
        "a silent console connection stayed open"
    );
    let mut kept = TcpStream::connect(console_addr).await.unwrap();
    // (The console answers its own host name only.)
    kept.write_all(format!("GET /signin HTTP/1.1\r\nHost: {console_addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut head = [0u8; 12];
    kept.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    assert!(
        closed_within(&mut kept, Duration::from_secs(4))
            .await
            .is_some(),
        "an idle keep-alive console connection stayed open"
    );
    let r = reqwest::get(format!("http://{console_addr}/signin"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}
