//! The tower layer in front of every Custodian service. It runs before any
//! handler: open paths (health, reflection) pass; every other call needs a
//! valid bearer token whose role the permission table allows. The resulting
//! [`Principal`] is put into the request extensions for the handler.

use std::collections::HashMap;
use std::future::Future;
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
}

const CACHE_MAX: usize = 10_000;

impl Authenticator {
    pub fn new(db: DatabaseConnection, ttl: Duration) -> Authenticator {
        Authenticator {
            db,
            ttl,
            cache: Arc::default(),
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
) -> Result<Option<Principal>, Status> {
    if permissions::is_open(path) {
        return Ok(None);
    }
    let Some(secret) = bearer(headers) else {
        return Err(Status::unauthenticated(
            "missing bearer token: send 'authorization: Bearer <token>'",
        ));
    };
    let Some(principal) = auth.authenticate(secret).await? else {
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

impl<S, B> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        // Take the service that was driven to readiness; leave a fresh clone.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let path = req.uri().path().to_owned();
            match check(&auth, &path, req.headers()).await {
                Ok(Some(p)) => {
                    req.extensions_mut().insert(p);
                    inner.call(req).await
                }
                Ok(None) => inner.call(req).await,
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}
