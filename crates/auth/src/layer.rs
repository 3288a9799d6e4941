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
    failed_sign_in: Option<FailedSignInHook>,
}

/// Told of every failed console sign-in this process refuses (the
/// console's `WhoAmI` with [`CLIENT_HEADER`], not throttled), with why:
/// `missing` or `invalid`. The binary records it in the audit log (this
/// crate has no audit log); never the token.
pub type FailedSignInHook = Arc<dyn Fn(&'static str) + Send + Sync>;

/// The console's sign-in call.
pub const WHO_AM_I: &str = "/custodian.v1.IdentityService/WhoAmI";

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
            failed_sign_in: None,
        }
    }

    /// Tells `hook` of each failed console sign-in (see [`FailedSignInHook`]).
    pub fn on_failed_sign_in(mut self, hook: FailedSignInHook) -> Authenticator {
        self.failed_sign_in = Some(hook);
        self
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
    budget: Budget,
}

impl AuthLayer {
    /// `budget_bytes`: the request bodies this process holds at once (see
    /// [`Budget`]).
    pub fn new(auth: Authenticator, budget_bytes: usize) -> AuthLayer {
        AuthLayer {
            auth,
            budget: Budget::new(budget_bytes),
        }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            auth: self.auth.clone(),
            budget: self.budget.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    auth: Authenticator,
    budget: Budget,
}

/// The request bytes this process holds at once, across every call: a
/// call reserves its message's size (read from the gRPC length prefix before
/// the body is read) and keeps it until it is answered, so a few large
/// batches cannot together take more memory than the process has (a 63 MB
/// `PutCandidates` peaks at about 260 MB while it is decoded, encrypted and
/// stored). A call that cannot have its share within [`BUDGET_WAIT`] is
/// `RESOURCE_EXHAUSTED`, to be retried.
#[derive(Clone)]
pub struct Budget {
    bytes: Arc<tokio::sync::Semaphore>,
    total: usize,
}

/// How long a call waits for its share of the budget.
pub const BUDGET_WAIT: Duration = Duration::from_secs(2);

/// A body at least this large gives its memory back to the system when its
/// call ends (glibc keeps freed memory of a large batch otherwise).
const TRIM_AFTER_BYTES: usize = 8 * 1024 * 1024;

impl Budget {
    pub fn new(bytes: usize) -> Budget {
        let total = bytes.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        Budget {
            bytes: Arc::new(tokio::sync::Semaphore::new(total)),
            total,
        }
    }

    async fn reserve(&self, n: usize) -> Result<tokio::sync::OwnedSemaphorePermit, Status> {
        let busy = || {
            metrics::counter!("custodian_request_budget_refusals_total").increment(1);
            Status::resource_exhausted(format!(
                "the server is holding as many request bytes as it may ({} MiB); retry shortly",
                self.total / (1024 * 1024)
            ))
        };
        let n = u32::try_from(n.max(1)).map_err(|_| busy())?;
        if n as usize > self.total {
            return Err(busy());
        }
        match tokio::time::timeout(BUDGET_WAIT, self.bytes.clone().acquire_many_owned(n)).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(busy()),
        }
    }
}

/// Gives freed memory back to the system after a large call.
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of glibc's heap.
    unsafe {
        libc::malloc_trim(0);
    }
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
    let sign_in = path == WHO_AM_I && headers.contains_key(CLIENT_HEADER);
    let refused = |reason: &'static str| {
        auth.failed(client, path, reason);
        if sign_in && let Some(hook) = &auth.failed_sign_in {
            hook(reason);
        }
    };
    let Some(secret) = bearer(headers) else {
        refused("missing");
        return Err(Status::unauthenticated(
            "missing bearer token: send 'authorization: Bearer <token>'",
        ));
    };
    let Some(principal) = auth.authenticate(secret).await? else {
        refused("invalid");
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

/// The caller's address as the layer reads it ([`CLIENT_HEADER`] for the
/// console on loopback, the connection's otherwise), in every request's
/// extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

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

/// The longest status message sent back; a longer one (a bug: errors quote
/// at most a short part of a value, `proto::wire::quote`) is cut here, so a
/// standard client (16 KiB metadata limit) always sees the real code.
pub const MAX_STATUS_MESSAGE: usize = 1024;

/// The request gate after authentication: reads the (unary) request body
/// within its RPC's cap (`proto::limits::body_cap`) and the process's
/// [`Budget`], checks every string field of every message against
/// `proto::limits`, and hands the same bytes on with the reservation to hold
/// until the call is answered. An oversized field is `INVALID_ARGUMENT`
/// naming it, before any handler or database sees the value; a body over its
/// cap, or over what the budget has left, is `RESOURCE_EXHAUSTED`.
async fn gate(
    path: &str,
    req: http::Request<tonic::body::Body>,
    budget: &Budget,
) -> Result<(http::Request<tonic::body::Body>, Reserved), Status> {
    use http_body_util::BodyExt;
    let cap = proto::limits::body_cap(path);
    let over = || {
        Status::resource_exhausted(format!(
            "request body: over {cap} bytes, the most {path} takes"
        ))
    };
    let (parts, mut body) = req.into_parts();
    let mut bytes: Vec<u8> = Vec::new();
    let mut held: Option<tokio::sync::OwnedSemaphorePermit> = None;
    let mut reserved = 0usize;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|_| Status::invalid_argument("request body: could not be read"))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > cap {
            return Err(over());
        }
        bytes.extend_from_slice(&data);
        // Reserve up to what the message says it holds (its gRPC length
        // prefix), or what has arrived: a large body waits for its share
        // at once instead of taking it piece by piece beside another.
        let want = match bytes.get(1..5) {
            Some(p) => (u32::from_be_bytes([p[0], p[1], p[2], p[3]]) as usize + 5).min(cap),
            None => bytes.len(),
        }
        .max(bytes.len());
        if want > reserved {
            let more = budget.reserve(want - reserved).await?;
            match held.as_mut() {
                Some(h) => h.merge(more),
                None => held = Some(more),
            }
            reserved = want;
        }
    }
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
    let size = bytes.len();
    Ok((
        http::Request::from_parts(
            parts,
            tonic::body::Body::new(http_body_util::Full::new(bytes::Bytes::from(bytes))),
        ),
        Reserved {
            _permit: held,
            size,
        },
    ))
}

/// A call's share of the [`Budget`], held until it is answered.
struct Reserved {
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
    size: usize,
}

impl Drop for Reserved {
    fn drop(&mut self) {
        if self.size >= TRIM_AFTER_BYTES {
            trim();
        }
    }
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
        let budget = self.budget.clone();
        Box::pin(async move {
            let path = req.uri().path().to_owned();
            let client = client_ip(&req);
            // Handlers that count attempts per browser (the open sign-in
            // calls) read the same address the layer throttles on.
            if let Some(ip) = client {
                req.extensions_mut().insert(ClientAddr(ip));
            }
            match check(&auth, &path, req.headers(), client).await {
                // Health and reflection pass as they are; every Custodian
                // RPC, the open sign-in calls too, goes through the gate.
                Ok(None) if !path.starts_with("/custodian.") => inner.call(req).await,
                Ok(p) => {
                    if let Some(p) = p {
                        req.extensions_mut().insert(p);
                    }
                    let (req, reserved) = match gate(&path, req, &budget).await {
                        Ok(r) => r,
                        Err(status) => return Ok(status.into_http()),
                    };
                    let answer = inner.call(req).await.map(cap_status);
                    drop(reserved);
                    answer
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}
