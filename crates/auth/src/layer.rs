//! The tower layer in front of every Custodian service. It runs before any
//! handler: open paths (health, reflection) pass; every other call needs a
//! valid bearer token whose role the permission table allows. The resulting
//! [`Principal`] is put into the request extensions for the handler.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use tonic::Status;

use crate::{Principal, permissions, tokens};

/// Authenticates tokens against the database with a short-lived cache.
///
/// The cache keeps a verified token for `ttl` so the hot path does not query
/// the token table on every call. A revocation therefore takes effect within
/// `ttl` (default 5 s; 0 disables the cache). Only hashes are cached.
#[derive(Clone)]
pub struct Authenticator {
    db: DatabaseConnection,
    ttl: Duration,
    cache: Arc<RwLock<HashMap<String, (Principal, Instant)>>>,
    failures: Arc<std::sync::Mutex<HashMap<IpAddr, (u32, Instant)>>>,
}

const CACHE_MAX: usize = 10_000;

/// Failed authentications one client address may make in
/// [`FAILURE_WINDOW`]; past that, its calls are refused without a look at
/// the token until the window has passed (no guessing at database speed).
pub const MAX_FAILURES: u32 = 20;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Client addresses remembered at most; past that the oldest windows go.
const FAILURES_MAX: usize = 10_000;

impl Authenticator {
    pub fn new(db: DatabaseConnection, ttl: Duration) -> Authenticator {
        Authenticator {
            db,
            ttl,
            cache: Arc::default(),
            failures: Arc::default(),
        }
    }

    /// Whether `client` has used up its failed attempts for now.
    fn throttled(&self, client: Option<IpAddr>) -> bool {
        let (Some(ip), Ok(f)) = (client, self.failures.lock()) else {
            return false;
        };
        matches!(f.get(&ip), Some((n, since)) if *n >= MAX_FAILURES && since.elapsed() < FAILURE_WINDOW)
    }

    /// Counts, logs (never the token) and remembers a failed authentication.
    fn failed(&self, client: Option<IpAddr>, path: &str, reason: &'static str) {
        metrics::counter!("custodian_auth_failures_total", "reason" => reason).increment(1);
        let mut count = 0;
        if let (Some(ip), Ok(mut f)) = (client, self.failures.lock()) {
            if f.len() >= FAILURES_MAX {
                f.retain(|_, (_, since)| since.elapsed() < FAILURE_WINDOW);
                if f.len() >= FAILURES_MAX {
                    f.clear();
                }
            }
            let e = f.entry(ip).or_insert((0, Instant::now()));
            if e.1.elapsed() >= FAILURE_WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
            count = e.0;
        }
        let client = client
            .map(|c| c.to_string())
            .unwrap_or_else(|| "unknown".into());
        if count == MAX_FAILURES {
            tracing::warn!(%client, path, reason, "authentication failed; this client is throttled for the rest of the window");
        } else {
            tracing::info!(%client, path, reason, "authentication failed");
        }
    }

    pub async fn authenticate(&self, secret: &str) -> Result<Option<Principal>, Status> {
        let key = tokens::hash_token(secret);
        if !self.ttl.is_zero()
            && let Some((p, at)) = self.cache.read().ok().and_then(|c| c.get(&key).cloned())
            && at.elapsed() < self.ttl
        {
            return Ok(Some(p));
        }
        let found = tokens::authenticate(&self.db, secret).await.map_err(|e| {
            tracing::error!(error = %e, "token lookup failed");
            Status::unavailable("authentication is temporarily unavailable")
        })?;
        if !self.ttl.is_zero()
            && let Ok(mut c) = self.cache.write()
        {
            if c.len() >= CACHE_MAX {
                c.clear();
            }
            match &found {
                Some(p) => {
                    c.insert(key, (p.clone(), Instant::now()));
                }
                None => {
                    c.remove(&key);
                }
            }
        }
        Ok(found)
    }
}

#[derive(Clone)]
pub struct AuthLayer {
    auth: Authenticator,
}

impl AuthLayer {
    pub fn new(auth: Authenticator) -> AuthLayer {
        AuthLayer { auth }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    auth: Authenticator,
}

fn bearer(headers: &http::HeaderMap) -> Option<&str> {
    let v = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Decides a call: `Ok(None)` for an open path, `Ok(Some(p))` for an allowed
/// caller, `Err(status)` otherwise.
pub async fn check(
    auth: &Authenticator,
    path: &str,
    headers: &http::HeaderMap,
    client: Option<IpAddr>,
) -> Result<Option<Principal>, Status> {
    if permissions::is_open(path) {
        return Ok(None);
    }
    if auth.throttled(client) {
        metrics::counter!("custodian_auth_failures_total", "reason" => "throttled").increment(1);
        return Err(Status::resource_exhausted(format!(
            "too many failed authentications from this client: wait up to {} s, then retry with a valid token",
            FAILURE_WINDOW.as_secs()
        )));
    }
    let Some(secret) = bearer(headers) else {
        auth.failed(client, path, "missing");
        return Err(Status::unauthenticated(
            "missing bearer token: send 'authorization: Bearer <token>'",
        ));
    };
    let Some(principal) = auth.authenticate(secret).await? else {
        auth.failed(client, path, "invalid");
        return Err(Status::unauthenticated("invalid or revoked token"));
    };
    match permissions::lookup(path) {
        Some(m) if m.roles.contains(&principal.role) => Ok(Some(principal)),
        Some(_) => Err(Status::permission_denied(format!(
            "role {} may not call {path}",
            principal.role
        ))),
        None => Err(Status::permission_denied(format!(
            "{path} is not in the permission table"
        ))),
    }
}

/// The header in which the console (a client on this machine) names the
/// browser it acts for, so failed sign-ins are throttled per browser and not
/// for every user of the console at once. Read only from loopback callers.
pub const CLIENT_HEADER: &str = "x-custodian-client";

/// The caller's address, from the connection (plain or TLS); for a caller
/// on loopback that names its own client (the console), that client's.
fn client_ip<B>(req: &http::Request<B>) -> Option<IpAddr> {
    use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
    let ext = req.extensions();
    let peer = ext
        .get::<TcpConnectInfo>()
        .and_then(|c| c.remote_addr())
        .or_else(|| {
            ext.get::<TlsConnectInfo<TcpConnectInfo>>()
                .and_then(|c| c.get_ref().remote_addr())
        })
        .map(|a| a.ip())?;
    if peer.is_loopback()
        && let Some(named) = req
            .headers()
            .get(CLIENT_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<IpAddr>().ok())
    {
        return Some(named);
    }
    Some(peer)
}

/// The most a request body may hold before it is refused (the vault's
/// batch limit is 64 MiB of messages; tonic's own limit applies after).
const MAX_BODY_BYTES: usize = 65 * 1024 * 1024;

/// The longest status message sent back; a longer one (a bug: errors quote
/// at most a short part of a value, `proto::wire::quote`) is cut here, so a
/// standard client (16 KiB metadata limit) always sees the real code.
pub const MAX_STATUS_MESSAGE: usize = 1024;

/// The request gate after authentication: reads the (unary) request body,
/// checks every string field of every message against `proto::limits`, and
/// hands the same bytes on. An oversized field is `INVALID_ARGUMENT` naming
/// it, before any handler or database sees the value.
async fn gate(
    path: &str,
    req: http::Request<tonic::body::Body>,
) -> Result<http::Request<tonic::body::Body>, Status> {
    use http_body_util::BodyExt;
    let (parts, body) = req.into_parts();
    let bytes = http_body_util::Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                Status::resource_exhausted(format!("request body: over {MAX_BODY_BYTES} bytes"))
            } else {
                Status::invalid_argument("request body: could not be read")
            }
        })?
        .to_bytes();
    // gRPC framing: 1 byte compressed flag, 4 bytes big-endian length.
    let mut rest = &bytes[..];
    while rest.len() >= 5 {
        let len = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
        let Some(frame) = rest.get(5..5 + len) else {
            break;
        };
        if rest[0] == 0 {
            proto::limits::check(path, frame)
                .map_err(|e| Status::invalid_argument(e.to_string()))?;
        }
        rest = &rest[5 + len..];
    }
    Ok(http::Request::from_parts(
        parts,
        tonic::body::Body::new(http_body_util::Full::new(bytes)),
    ))
}

/// Cuts a status message over [`MAX_STATUS_MESSAGE`] bytes (trailers-only
/// responses carry the status in the headers).
fn cap_status(mut resp: http::Response<tonic::body::Body>) -> http::Response<tonic::body::Body> {
    let long = resp
        .headers()
        .get("grpc-message")
        .is_some_and(|v| v.len() > MAX_STATUS_MESSAGE);
    if long && let Some(st) = Status::from_header_map(resp.headers()) {
        let mut cut: String = st.message().chars().take(MAX_STATUS_MESSAGE / 4).collect();
        cut.push_str("… (message cut)");
        tracing::warn!(code = ?st.code(), "a status message over {MAX_STATUS_MESSAGE} bytes was cut");
        let _ = Status::new(st.code(), cut).add_header(resp.headers_mut());
    }
    resp
}

impl<S> tower::Service<http::Request<tonic::body::Body>> for AuthService<S>
where
    S: tower::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<tonic::body::Body>) -> Self::Future {
        // Take the service that was driven to readiness; leave a fresh clone.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let path = req.uri().path().to_owned();
            let client = client_ip(&req);
            match check(&auth, &path, req.headers(), client).await {
                Ok(Some(p)) => {
                    req.extensions_mut().insert(p);
                    let req = match gate(&path, req).await {
                        Ok(r) => r,
                        Err(status) => return Ok(status.into_http()),
                    };
                    inner.call(req).await.map(cap_status)
                }
                Ok(None) => inner.call(req).await,
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}
