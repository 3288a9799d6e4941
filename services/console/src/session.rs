//! Server-side sessions. The browser holds only a random session id in an
//! HttpOnly cookie; the session's credential (minted at a provider's
//! sign-in, or the token an administrator pasted) stays here,
//! in memory, and is sent on each gRPC call the session makes. A session
//! ends at sign-out, after `idle` without a request, or `max` after sign-in,
//! whichever comes first; a restart of the process ends every session.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const COOKIE: &str = "custodian_console";
/// The cookie that carries the sign-in form's anti-forgery value.
pub const SIGNIN_COOKIE: &str = "custodian_signin";
/// The language cookie (`en` or `nl`).
pub const LANG_COOKIE: &str = "custodian_lang";

/// Who is signed in, as `IdentityService.WhoAmI` answered for the token.
#[derive(Debug, Clone)]
pub struct Who {
    pub token_id: String,
    pub name: String,
    pub role: String,
    /// Empty for a role that spans every tenant (admin, auditor).
    pub tenant: String,
    /// The tenant's legal name, read at sign-in (empty when unknown).
    pub tenant_name: String,
    /// The RPCs the role may call, from the permission table.
    pub allowed: Vec<String>,
    /// The person of a provider's sign-in; empty for a pasted token.
    pub person: String,
}

impl Who {
    /// Whether the permission table lets this role call `method`
    /// (`Service/Method`, for instance `BreachService/ReportIncident`).
    /// Only decides which actions the console *offers*; the RPC itself is
    /// still checked by the server.
    pub fn may(&self, method: &str) -> bool {
        let full = format!("/custodian.v1.{method}");
        self.allowed.contains(&full)
    }

    pub fn tenant_bound(&self) -> bool {
        !self.tenant.is_empty()
    }
}

pub struct Session {
    token: SecretString,
    pub who: Who,
    pub csrf: String,
    created: Instant,
    last: Instant,
    /// What the last action did, said once on the next page.
    flash: Option<String>,
    /// The files of the last answer this session fulfilled (request id,
    /// files), to download while the session lasts: the services do not
    /// keep an access export, so the one who fulfilled takes it away.
    answer: Option<(String, Vec<AnswerFile>)>,
}

/// One file of a fulfilled request's answer.
#[derive(Debug, Clone)]
pub struct AnswerFile {
    pub name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

impl Session {
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token.expose_secret())
    }
}

/// A copy of what a handler needs of its session.
#[derive(Clone)]
pub struct Current {
    pub id: String,
    pub who: Who,
    pub csrf: String,
    bearer: String,
}

impl Current {
    /// A gRPC request carrying this session's token.
    pub fn req<T>(&self, msg: T) -> tonic::Request<T> {
        authorised(&self.bearer, msg)
    }

    /// Whether a submitted form's anti-forgery value is this session's.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        let token = self.csrf.as_bytes();
        // A masked value (every page's): the pad, then the token XOR the pad.
        if submitted.len() == 4 * token.len()
            && let (Ok(pad), Ok(masked)) = (
                hex::decode(&submitted[..2 * token.len()]),
                hex::decode(&submitted[2 * token.len()..]),
            )
        {
            let unmasked: Vec<u8> = pad.iter().zip(&masked).map(|(p, m)| p ^ m).collect();
            return bool::from(token.ct_eq(&unmasked));
        }
        bool::from(token.ct_eq(submitted.as_bytes()))
    }

    /// The anti-forgery value as a page carries it: the token XOR a fresh
    /// random pad, after the pad (hex). Every response carries different
    /// bytes, so compressing a page that also reflects what was typed
    /// cannot reveal the token by its length (BREACH).
    pub fn csrf_masked(&self) -> String {
        let token = self.csrf.as_bytes();
        let mut pad = vec![0u8; token.len()];
        getrandom::fill(&mut pad).expect("the operating system's random source");
        let masked: Vec<u8> = pad.iter().zip(token).map(|(p, t)| p ^ t).collect();
        format!("{}{}", hex::encode(pad), hex::encode(masked))
    }
}

/// A gRPC request carrying `token` (one not yet a session's: a pasted
/// token being checked, a new session's credential, a calendar address).
pub fn with_token<T>(token: &str, msg: T) -> tonic::Request<T> {
    authorised(&format!("Bearer {token}"), msg)
}

fn authorised<T>(bearer: &str, msg: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    if let Ok(v) = bearer.parse() {
        r.metadata_mut().insert("authorization", v);
    }
    r
}

impl std::fmt::Debug for Current {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Current")
            .field("who", &self.who)
            .finish_non_exhaustive()
    }
}

pub struct Sessions {
    inner: Mutex<HashMap<String, Session>>,
    pub idle: Duration,
    pub max: Duration,
}

/// 32 random bytes, hex.
pub fn random_id() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    hex::encode(b)
}

impl Sessions {
    pub fn new(idle: Duration, max: Duration) -> Sessions {
        Sessions {
            inner: Mutex::new(HashMap::new()),
            idle,
            max,
        }
    }

    /// A new session for `token`; returns its id.
    pub fn create(&self, token: String, who: Who) -> String {
        let id = random_id();
        let now = Instant::now();
        let mut m = self.inner.lock().expect("sessions");
        // Expired sessions go whenever one is created.
        m.retain(|_, s| !expired(s, now, self.idle, self.max));
        m.insert(
            id.clone(),
            Session {
                token: SecretString::from(token),
                who,
                csrf: random_id(),
                created: now,
                last: now,
                flash: None,
                answer: None,
            },
        );
        id
    }

    /// The live session of `id`, touched; an expired one is removed.
    pub fn get(&self, id: &str) -> Option<Current> {
        let now = Instant::now();
        let mut m = self.inner.lock().expect("sessions");
        let s = m.get_mut(id)?;
        if expired(s, now, self.idle, self.max) {
            m.remove(id);
            return None;
        }
        s.last = now;
        Some(Current {
            id: id.to_owned(),
            who: s.who.clone(),
            csrf: s.csrf.clone(),
            bearer: s.bearer(),
        })
    }

    /// Keeps `message` to say once on the session's next page.
    pub fn flash(&self, id: &str, message: String) {
        if let Some(s) = self.inner.lock().expect("sessions").get_mut(id) {
            s.flash = Some(message);
        }
    }

    /// The message kept by [`Sessions::flash`], once.
    pub fn take_flash(&self, id: &str) -> Option<String> {
        self.inner
            .lock()
            .expect("sessions")
            .get_mut(id)
            .and_then(|s| s.flash.take())
    }

    /// Keeps the answer of `request` for this session (replacing any
    /// earlier one: one answer at a time is held in memory).
    pub fn keep_answer(&self, id: &str, request: &str, files: Vec<AnswerFile>) {
        if let Some(s) = self.inner.lock().expect("sessions").get_mut(id) {
            s.answer = Some((request.to_owned(), files));
        }
    }

    /// One file of the answer kept for `request`, if this session has it.
    pub fn answer_file(&self, id: &str, request: &str, name: &str) -> Option<AnswerFile> {
        let m = self.inner.lock().expect("sessions");
        let (r, files) = m.get(id)?.answer.as_ref()?;
        (r == request)
            .then(|| files.iter().find(|f| f.name == name).cloned())
            .flatten()
    }

    pub fn remove(&self, id: &str) {
        self.inner.lock().expect("sessions").remove(id);
    }

    pub fn len(&self) -> usize {
        self.inner.lock().expect("sessions").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn expired(s: &Session, now: Instant, idle: Duration, max: Duration) -> bool {
    now.duration_since(s.last) > idle || now.duration_since(s.created) > max
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> Who {
        Who {
            token_id: "t".into(),
            name: "n".into(),
            role: "admin".into(),
            tenant: String::new(),
            tenant_name: String::new(),
            allowed: vec!["/custodian.v1.BreachService/ReportIncident".into()],
            person: String::new(),
        }
    }

    #[test]
    fn sessions_expire_when_idle_and_at_their_maximum() {
        let s = Sessions::new(Duration::from_millis(30), Duration::from_secs(60));
        let id = s.create("secret".into(), who());
        assert!(s.get(&id).is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(s.get(&id).is_none(), "idle session must end");
        assert!(s.is_empty(), "an expired session is removed");

        let s = Sessions::new(Duration::from_secs(60), Duration::from_millis(30));
        let id = s.create("secret".into(), who());
        std::thread::sleep(Duration::from_millis(20));
        assert!(s.get(&id).is_some());
        std::thread::sleep(Duration::from_millis(20));
        assert!(s.get(&id).is_none(), "a session ends at its maximum age");
    }

    #[test]
    fn csrf_and_permissions() {
        let s = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        let id = s.create("secret".into(), who());
        let c = s.get(&id).unwrap();
        assert!(c.csrf_ok(&c.csrf.clone()));
        assert!(!c.csrf_ok(""));
        assert!(!c.csrf_ok("x"));
        // Masked per page: never the same bytes twice, always accepted;
        // a masked value of another token is refused.
        let (m1, m2) = (c.csrf_masked(), c.csrf_masked());
        assert_ne!(m1, m2);
        assert!(!m1.contains(&c.csrf));
        assert!(c.csrf_ok(&m1) && c.csrf_ok(&m2));
        let mut forged = m1.clone().into_bytes();
        let last = forged.len() - 1;
        forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
        assert!(!c.csrf_ok(std::str::from_utf8(&forged).unwrap()));
        assert!(c.who.may("BreachService/ReportIncident"));
        assert!(!c.who.may("BreachService/AssessIncident"));
        assert_eq!(c.id.len(), 64);
        // The token never shows in debug output.
        assert!(!format!("{c:?}").contains("secret"));
        s.remove(&id);
        assert!(s.get(&id).is_none());
    }

    #[test]
    fn cookies_parse() {
        let h = "a=1; custodian_console=abc; b=2";
        assert_eq!(cookie(h, COOKIE), Some("abc"));
        assert_eq!(cookie(h, "c"), None);
    }
}
