//! The processor's signing key and its public half, in the C2SP signed-note
//! formats: the private key is `PRIVATE+KEY+<name>+<id>+<base64(0x01 ||
//! 32-byte seed)>`, the public key (a "verifier key") is
//! `<name>+<id>+<base64(0x01 || 32-byte Ed25519 public key)>`, where `<id>`
//! is eight hex digits: the first four bytes of
//! `SHA-256(<name> || "\n" || 0x01 || public key)`. Go's
//! `golang.org/x/mod/sumdb/note` and every signed-note verifier read them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use signed_note::{StandardSigner, StandardVerifier};

use crate::short;

const ALG_ED25519: u8 = 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("key name {0:?} is not usable: a name is non-empty, without spaces and without '+'")]
    Name(String),
    #[error("not a signing key in the signed-note format (PRIVATE+KEY+name+id+key): {0}")]
    Private(String),
    #[error("not a public key in the signed-note format (name+id+key): {0:?}")]
    Public(String),
}

/// The processor's Ed25519 signing key. Never leaves the vault.
pub struct ProcessorKey {
    signing: SigningKey,
    signer: StandardSigner,
    private_text: String,
    public: PublicKey,
}

impl std::fmt::Debug for ProcessorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessorKey")
            .field("public", &self.public.text())
            .finish_non_exhaustive()
    }
}

impl ProcessorKey {
    /// A key named `name` from 32 random bytes (the caller draws them from
    /// the operating system).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<ProcessorKey, KeyError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(KeyError::Name(short(name)));
        }
        let signing = SigningKey::from_bytes(&seed);
        let public = PublicKey::parse(&signed_note::new_ed25519_verifier_key(
            name,
            &signing.verifying_key(),
        ))?;
        let mut private = vec![ALG_ED25519];
        private.extend_from_slice(&seed);
        let private_text = format!(
            "PRIVATE+KEY+{name}+{}+{}",
            public.id_hex(),
            B64.encode(&private)
        );
        ProcessorKey::parse(&private_text)
    }

    /// Reads the private key text (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<ProcessorKey, KeyError> {
        let text = text.trim();
        let bad = |why: &str| KeyError::Private(why.to_owned());
        let parts: Vec<&str> = text.splitn(5, '+').collect();
        let [p, k, name, _id, key] = parts[..] else {
            return Err(bad("it does not have five '+'-separated parts"));
        };
        if p != "PRIVATE" || k != "KEY" {
            return Err(bad("it does not start with PRIVATE+KEY+"));
        }
        let signer = StandardSigner::new(text)
            .map_err(|e| bad(&format!("{e} (name, id and key must agree)")))?;
        let raw = B64.decode(key).map_err(|_| bad("the key is not base64"))?;
        let seed: [u8; 32] = match raw.as_slice() {
            [ALG_ED25519, seed @ ..] => seed
                .try_into()
                .map_err(|_| bad("an Ed25519 key has 32 bytes"))?,
            _ => return Err(bad("only Ed25519 keys (algorithm 1) are used")),
        };
        let signing = SigningKey::from_bytes(&seed);
        let public = PublicKey::parse(&signed_note::new_ed25519_verifier_key(
            name,
            &signing.verifying_key(),
        ))?;
        Ok(ProcessorKey {
            signing,
            signer,
            private_text: text.to_owned(),
            public,
        })
    }

    /// The text kept in the key file.
    pub fn private_text(&self) -> &str {
        &self.private_text
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// A plain Ed25519 signature over `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.signing.sign(msg).to_bytes()
    }

    pub(crate) fn note_signer(&self) -> &StandardSigner {
        &self.signer
    }
}

/// A public key in the signed-note verifier-key format.
#[derive(Clone)]
pub struct PublicKey {
    text: String,
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}
impl Eq for PublicKey {}

impl PublicKey {
    /// Reads `name+id+base64key` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let text = text.trim();
        let bad = || KeyError::Public(short(text));
        StandardVerifier::new(text).map_err(|_| bad())?;
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let id = u32::from_str_radix(id, 16).map_err(|_| bad())?;
        let raw = B64.decode(key).map_err(|_| bad())?;
        let key = match raw.as_slice() {
            [ALG_ED25519, k @ ..] => {
                let k: [u8; 32] = k.try_into().map_err(|_| bad())?;
                VerifyingKey::from_bytes(&k).map_err(|_| bad())?
            }
            _ => return Err(bad()),
        };
        Ok(PublicKey {
            text: text.to_owned(),
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// The verifier-key text: what is published and given to verifiers.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// The key id as the eight hex digits of the formats.
    pub fn id_hex(&self) -> String {
        format!("{:08x}", self.id)
    }

    /// `name+id`: how a signature names its key.
    pub fn handle(&self) -> String {
        format!("{}+{}", self.name, self.id_hex())
    }

    /// Checks a plain Ed25519 signature (strict: no malleable encodings).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.key
            .verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&sig))
            .is_ok()
    }

    pub(crate) fn note_verifier(&self) -> StandardVerifier {
        StandardVerifier::new(&self.text).expect("checked when parsed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_round_trips_through_its_texts_and_signs() {
        let k = ProcessorKey::from_seed("custodian.example", [7; 32]).unwrap();
        let again = ProcessorKey::parse(&format!("  {}\n", k.private_text())).unwrap();
        assert_eq!(again.public(), k.public());
        assert!(k.public().text().starts_with("custodian.example+"));
        assert_eq!(k.public().id_hex().len(), 8);
        let sig = k.sign(b"hello");
        assert!(k.public().verify(b"hello", &sig));
        assert!(!k.public().verify(b"hellO", &sig));
        let other = ProcessorKey::from_seed("custodian.example", [8; 32]).unwrap();
        assert_ne!(other.public().id(), k.public().id());
        assert!(!other.public().verify(b"hello", &sig));
    }

    #[test]
    fn bad_keys_are_refused_by_name() {
        assert!(matches!(
            ProcessorKey::from_seed("has space", [1; 32]),
            Err(KeyError::Name(_))
        ));
        assert!(matches!(
            ProcessorKey::parse("PRIVATE+KEY+x+00000000+AQ=="),
            Err(KeyError::Private(_))
        ));
        let k = ProcessorKey::from_seed("n", [1; 32]).unwrap();
        // The id must match the name and key.
        let wrong = k
            .public()
            .text()
            .replacen(&k.public().id_hex(), "00000000", 1);
        assert!(matches!(PublicKey::parse(&wrong), Err(KeyError::Public(_))));
        let e = PublicKey::parse(&"x".repeat(500)).unwrap_err().to_string();
        assert!(e.len() < 200, "{e}");
    }
}
