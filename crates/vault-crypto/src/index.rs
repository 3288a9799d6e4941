//! Blind indexes: HMAC-SHA256 under a per-tenant key over a normalised
//! e-mail address or phone number, so a candidate can be found by them
//! without storing them in clear. Equal inputs give equal indexes only within
//! one tenant.

use hmac::{KeyInit, Mac};
use zeroize::Zeroizing;

use crate::CryptoError;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

pub struct IndexKey {
    key: Zeroizing<[u8; 32]>,
}

impl IndexKey {
    pub fn generate() -> IndexKey {
        let mut k = Zeroizing::new([0u8; 32]);
        crate::keys::fill_random(k.as_mut());
        IndexKey { key: k }
    }

    pub(crate) fn from_bytes(b: &[u8]) -> Result<IndexKey, CryptoError> {
        let arr: [u8; 32] = b.try_into().map_err(|_| CryptoError::KeyLength(b.len()))?;
        Ok(IndexKey {
            key: Zeroizing::new(arr),
        })
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.key.as_ref()
    }

    fn mac(&self, kind: &str, value: &str) -> String {
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(self.key.as_ref())
            .expect("HMAC takes any key length");
        m.update(kind.as_bytes());
        m.update(&[0]);
        m.update(value.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    /// The index of an e-mail address, or `None` when it has no `@`.
    pub fn email(&self, raw: &str) -> Option<String> {
        normalize_email(raw).map(|e| self.mac("email", &e))
    }

    /// The index of a phone number, or `None` when it has too few digits.
    pub fn phone(&self, raw: &str) -> Option<String> {
        normalize_phone(raw).map(|p| self.mac("phone", &p))
    }
}

/// Trimmed and lower-cased; `None` without a local part and a domain.
pub fn normalize_email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some(e)
}

/// E.164-style: digits with a leading `+`. `00` becomes `+`; a national
/// number starting with a single `0` is taken as Dutch (`+31`), the country of
/// the provider and its customers. Spaces, dashes, dots and brackets are
/// ignored; fewer than 8 digits is not a phone number.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let t = raw.trim();
    let plus = t.starts_with('+');
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if t.chars()
        .any(|c| !(c.is_ascii_digit() || " -.()+/".contains(c)))
    {
        return None;
    }
    let e164 = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("31{rest}")
    } else {
        digits
    };
    (e164.len() >= 8 && e164.len() <= 15).then(|| format!("+{e164}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_email("  Jan.Jansen@Example.NL "),
            Some("jan.jansen@example.nl".into())
        );
        assert_eq!(normalize_email("nope"), None);
        for same in [
            "06 1234 5678",
            "+31 6 12345678",
            "0031-6-1234-5678",
            "(06) 12.34.56.78",
            "+31612345678",
        ] {
            assert_eq!(normalize_phone(same), Some("+31612345678".into()), "{same}");
        }
        assert_eq!(
            normalize_phone("+49 30 1234567"),
            Some("+49301234567".into())
        );
        assert_eq!(normalize_phone("12"), None);
        assert_eq!(normalize_phone("call me"), None);
    }

    #[test]
    fn indexes_match_within_a_tenant_only() {
        let a = IndexKey::generate();
        let b = IndexKey::generate();
        assert_eq!(a.email("Jan@Example.nl"), a.email("jan@example.nl "));
        assert_ne!(a.email("jan@example.nl"), b.email("jan@example.nl"));
        assert_ne!(a.email("jan@example.nl"), a.email("piet@example.nl"));
        assert_eq!(a.phone("06 1234 5678"), a.phone("+31612345678"));
        // Kinds are separated: an e-mail never collides with a phone index.
        let idx = a.email("x@y.nl").unwrap();
        assert_eq!(idx.len(), 64);
        assert!(!idx.contains("x@y"));
    }

    #[test]
    fn wrapped_index_keys() {
        let m = crate::MasterKey::generate();
        let k = IndexKey::generate();
        let w = m.wrap_index_key("t1", &k);
        let back = m.unwrap_index_key("t1", &w).unwrap();
        assert_eq!(back.email("a@b.nl"), k.email("a@b.nl"));
        assert!(m.unwrap_index_key("t2", &w).is_err());
    }
}
