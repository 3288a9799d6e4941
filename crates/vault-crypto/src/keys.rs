//! The keys. Key bytes live in `Zeroizing` buffers, are wiped on drop, and
//! have no `Debug`, `Display` or serialization that could leak them.

use zeroize::Zeroizing;

use crate::CryptoError;
use crate::frame::{self, key_version};

pub(crate) fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the OS random source is available");
}

/// Random bytes from the OS, for ids and tokens that must not be guessed.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    fill_random(&mut b);
    b
}

fn random_key() -> Zeroizing<[u8; 32]> {
    let mut k = Zeroizing::new([0u8; 32]);
    fill_random(k.as_mut());
    k
}

fn key_from(bytes: &[u8]) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| CryptoError::KeyLength(bytes.len()))?;
    Ok(Zeroizing::new(arr))
}

const LABEL_KEK: &str = "custodian.vault.kek.v1";
const LABEL_INDEX: &str = "custodian.vault.index-key.v1";
const LABEL_DEK: &str = "custodian.vault.dek.v1";
const LABEL_FIELD: &str = "custodian.vault.field.v1";
const LABEL_CHECK: &str = "custodian.vault.master-check.v1";
const CHECK_PLAINTEXT: &[u8] = b"custodian master key check";

/// The root of the hierarchy. It only ever wraps tenant keys.
pub struct MasterKey {
    key: Zeroizing<[u8; 32]>,
}

impl MasterKey {
    pub fn generate() -> MasterKey {
        MasterKey { key: random_key() }
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<MasterKey, CryptoError> {
        Ok(MasterKey {
            key: key_from(bytes)?,
        })
    }

    /// Parses 64 hex characters (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<MasterKey, CryptoError> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| CryptoError::KeyEncoding)?);
        Self::from_bytes(&bytes)
    }

    /// The hex form, for writing the key file once. Never log it.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.key.as_ref()))
    }

    /// A sealed constant stored beside the wrapped keys: opening it at start
    /// proves the configured master key is the one the keys were wrapped with,
    /// so a wrong key is an error and never silent garbage.
    pub fn check_value(&self) -> Vec<u8> {
        frame::seal(&self.key, 0, LABEL_CHECK, &[], CHECK_PLAINTEXT)
    }

    pub fn verify_check_value(&self, check: &[u8]) -> bool {
        frame::open(&self.key, LABEL_CHECK, &[], check).is_ok_and(|p| p == CHECK_PLAINTEXT)
    }

    pub fn wrap_kek(&self, tenant: &str, kek: &Kek) -> Vec<u8> {
        let v = kek.version.to_be_bytes();
        frame::seal(
            &self.key,
            kek.version,
            LABEL_KEK,
            &[tenant.as_bytes(), &v],
            kek.key.as_ref(),
        )
    }

    /// Unwraps a tenant KEK; its version is read from the frame.
    pub fn unwrap_kek(&self, tenant: &str, wrapped: &[u8]) -> Result<Kek, CryptoError> {
        let version = key_version(wrapped)?;
        let v = version.to_be_bytes();
        let bytes = Zeroizing::new(frame::open(
            &self.key,
            LABEL_KEK,
            &[tenant.as_bytes(), &v],
            wrapped,
        )?);
        Ok(Kek {
            version,
            key: key_from(&bytes)?,
        })
    }

    /// Wraps a tenant's blind-index key.
    pub fn wrap_index_key(&self, tenant: &str, key: &crate::IndexKey) -> Vec<u8> {
        frame::seal(&self.key, 0, LABEL_INDEX, &[tenant.as_bytes()], key.bytes())
    }

    pub fn unwrap_index_key(
        &self,
        tenant: &str,
        wrapped: &[u8],
    ) -> Result<crate::IndexKey, CryptoError> {
        let bytes = Zeroizing::new(frame::open(
            &self.key,
            LABEL_INDEX,
            &[tenant.as_bytes()],
            wrapped,
        )?);
        crate::IndexKey::from_bytes(&bytes)
    }
}

/// A tenant's key-encryption key, one of its versions.
pub struct Kek {
    version: u32,
    key: Zeroizing<[u8; 32]>,
}

impl Kek {
    pub fn generate(version: u32) -> Kek {
        Kek {
            version,
            key: random_key(),
        }
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    pub fn wrap_dek(&self, tenant: &str, candidate: &str, dek: &Dek) -> Vec<u8> {
        frame::seal(
            &self.key,
            self.version,
            LABEL_DEK,
            &[tenant.as_bytes(), candidate.as_bytes()],
            dek.key.as_ref(),
        )
    }

    pub fn unwrap_dek(
        &self,
        tenant: &str,
        candidate: &str,
        wrapped: &[u8],
    ) -> Result<Dek, CryptoError> {
        let bytes = Zeroizing::new(frame::open(
            &self.key,
            LABEL_DEK,
            &[tenant.as_bytes(), candidate.as_bytes()],
            wrapped,
        )?);
        Ok(Dek {
            key: key_from(&bytes)?,
        })
    }

    /// The KEK version a wrapped DEK names.
    pub fn wrapped_version(wrapped: &[u8]) -> Result<u32, CryptoError> {
        key_version(wrapped)
    }

    /// Rotation: unwraps with this key and wraps with `next`. The payload rows,
    /// sealed under the DEK, are not touched.
    pub fn rewrap(
        &self,
        next: &Kek,
        tenant: &str,
        candidate: &str,
        wrapped: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let dek = self.unwrap_dek(tenant, candidate, wrapped)?;
        Ok(next.wrap_dek(tenant, candidate, &dek))
    }
}

/// Where a field's ciphertext belongs. All parts are ids or names.
#[derive(Debug, Clone, Copy)]
pub struct FieldContext<'a> {
    pub tenant: &'a str,
    pub candidate: &'a str,
    pub field: &'a str,
    pub schema_version: u32,
}

/// A candidate's data-encryption key. Destroying its wrapped copy is the
/// crypto-shred: every copy of the payload becomes noise.
pub struct Dek {
    key: Zeroizing<[u8; 32]>,
}

/// The frame's key version for field ciphertexts: one DEK per candidate.
const DEK_VERSION: u32 = 1;

impl Dek {
    pub fn generate() -> Dek {
        Dek { key: random_key() }
    }

    pub fn seal(&self, ctx: &FieldContext<'_>, plaintext: &[u8]) -> Vec<u8> {
        let sv = ctx.schema_version.to_be_bytes();
        frame::seal(
            &self.key,
            DEK_VERSION,
            LABEL_FIELD,
            &[
                ctx.tenant.as_bytes(),
                ctx.candidate.as_bytes(),
                ctx.field.as_bytes(),
                &sv,
            ],
            plaintext,
        )
    }

    pub fn open(&self, ctx: &FieldContext<'_>, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let sv = ctx.schema_version.to_be_bytes();
        frame::open(
            &self.key,
            LABEL_FIELD,
            &[
                ctx.tenant.as_bytes(),
                ctx.candidate.as_bytes(),
                ctx.field.as_bytes(),
                &sv,
            ],
            sealed,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(tenant: &'a str, candidate: &'a str, field: &'a str) -> FieldContext<'a> {
        FieldContext {
            tenant,
            candidate,
            field,
            schema_version: 1,
        }
    }

    #[test]
    fn field_round_trip_and_frame() {
        let dek = Dek::generate();
        let c = ctx("t1", "c1", "profile");
        let sealed = dek.seal(&c, b"Jan Jansen");
        assert_eq!(sealed.len(), b"Jan Jansen".len() + crate::OVERHEAD);
        assert_eq!(sealed[0], crate::FORMAT_V1);
        assert!(!sealed.windows(10).any(|w| w == b"Jan Jansen"));
        assert_eq!(dek.open(&c, &sealed).unwrap(), b"Jan Jansen");
        // Random nonces: the same plaintext never gives the same ciphertext.
        assert_ne!(dek.seal(&c, b"Jan Jansen"), sealed);
    }

    #[test]
    fn ciphertext_moved_to_another_record_does_not_open() {
        let dek = Dek::generate();
        let sealed = dek.seal(&ctx("t1", "c1", "profile"), b"secret");
        for other in [
            ctx("t2", "c1", "profile"),
            ctx("t1", "c2", "profile"),
            ctx("t1", "c1", "cv"),
        ] {
            assert_eq!(dek.open(&other, &sealed), Err(CryptoError::Decrypt));
        }
        let mut newer = ctx("t1", "c1", "profile");
        newer.schema_version = 2;
        assert_eq!(dek.open(&newer, &sealed), Err(CryptoError::Decrypt));
        assert_eq!(
            Dek::generate().open(&ctx("t1", "c1", "profile"), &sealed),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn every_tampered_byte_is_detected() {
        let dek = Dek::generate();
        let c = ctx("t", "c", "f");
        let sealed = dek.seal(&c, b"some payload bytes");
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x01;
            assert!(dek.open(&c, &t).is_err(), "byte {i}");
        }
        assert_eq!(dek.open(&c, &sealed[..10]), Err(CryptoError::Truncated));
        let mut v2 = sealed.clone();
        v2[0] = 2;
        assert_eq!(dek.open(&c, &v2), Err(CryptoError::Format(2)));
    }

    #[test]
    fn wrapping_binds_tenant_candidate_and_version() {
        let master = MasterKey::generate();
        let kek = Kek::generate(3);
        let w = master.wrap_kek("t1", &kek);
        assert_eq!(master.unwrap_kek("t1", &w).unwrap().version(), 3);
        assert!(master.unwrap_kek("t2", &w).is_err());
        assert!(MasterKey::generate().unwrap_kek("t1", &w).is_err());

        let dek = Dek::generate();
        let wd = kek.wrap_dek("t1", "c1", &dek);
        assert_eq!(Kek::wrapped_version(&wd).unwrap(), 3);
        assert!(kek.unwrap_dek("t1", "c2", &wd).is_err());
        assert!(kek.unwrap_dek("t2", "c1", &wd).is_err());
        let sealed = dek.seal(&ctx("t1", "c1", "f"), b"x");
        let back = kek.unwrap_dek("t1", "c1", &wd).unwrap();
        assert_eq!(back.open(&ctx("t1", "c1", "f"), &sealed).unwrap(), b"x");
    }

    #[test]
    fn rotation_rewraps_without_touching_payloads() {
        let old = Kek::generate(1);
        let new = Kek::generate(2);
        let dek = Dek::generate();
        let sealed = dek.seal(&ctx("t", "c", "f"), b"payload");
        let w1 = old.wrap_dek("t", "c", &dek);
        let w2 = old.rewrap(&new, "t", "c", &w1).unwrap();
        assert_eq!(Kek::wrapped_version(&w2).unwrap(), 2);
        assert!(old.unwrap_dek("t", "c", &w2).is_err());
        let d2 = new.unwrap_dek("t", "c", &w2).unwrap();
        assert_eq!(d2.open(&ctx("t", "c", "f"), &sealed).unwrap(), b"payload");
    }

    #[test]
    fn master_key_check_and_encoding() {
        let m = MasterKey::generate();
        let check = m.check_value();
        assert!(m.verify_check_value(&check));
        assert!(!MasterKey::generate().verify_check_value(&check));
        let again = MasterKey::from_hex(&format!("  {}\n", m.to_hex().as_str())).unwrap();
        assert!(again.verify_check_value(&check));
        assert_eq!(
            MasterKey::from_hex("abcd").err(),
            Some(CryptoError::KeyLength(2))
        );
        assert_eq!(
            MasterKey::from_hex("zz").err(),
            Some(CryptoError::KeyEncoding)
        );
    }
}
