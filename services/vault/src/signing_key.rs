//! The processor's signing key (Ed25519, C2SP signed-note format): it signs
//! the shred ledger's checkpoints and the deletion certificates. Like the
//! master key it lives only where the vault runs: from
//! `CUSTODIAN_SIGNING_KEY` (the private key text, environment only), a
//! configured file, or `signing.key` in the data directory, created (mode
//! 0600) on first start. Every public key ever used is kept in the key
//! store (`signing_keys`) and published, so a rotation never makes earlier
//! evidence unverifiable.

use std::path::{Path, PathBuf};

use evidence::ProcessorKey;

#[derive(Debug, Clone)]
pub enum SigningKeySource {
    /// The private key text.
    Text(String),
    File(PathBuf),
    /// The embedded default: created when missing.
    DefaultFile(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error("signing key {0}: {1}")]
    Invalid(String, evidence::KeyError),
    #[error(
        "the signing key {0} is named {1:?} but evidence_name is {2:?}: set evidence_name to the key's name, or rotate to a new key (docs/evidence.md)"
    )]
    Name(String, String, String),
    #[error("signing key file {0}: {1}")]
    Io(String, std::io::Error),
}

/// The key, and the file it was created in on this start (the caller logs
/// it).
pub struct LoadedSigningKey {
    pub key: ProcessorKey,
    pub created: Option<PathBuf>,
}

fn read(path: &Path) -> Result<ProcessorKey, SigningKeyError> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| SigningKeyError::Io(path.display().to_string(), e))?,
    );
    ProcessorKey::parse(&text).map_err(|e| SigningKeyError::Invalid(path.display().to_string(), e))
}

/// Reads a key file another process may still be writing.
fn read_settled(path: &Path) -> Result<ProcessorKey, SigningKeyError> {
    let mut tries = 0;
    loop {
        match read(path) {
            Err(SigningKeyError::Invalid(..)) if tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            r => return r,
        }
    }
}

/// A new key named `name` written to `path` (mode 0600, never over an
/// existing file).
pub fn create(path: &Path, name: &str) -> Result<ProcessorKey, SigningKeyError> {
    let io = |e| SigningKeyError::Io(path.display().to_string(), e);
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut_slice()).map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let key = ProcessorKey::from_seed(name, *seed)
        .map_err(|e| SigningKeyError::Invalid(path.display().to_string(), e))?;
    crate::keys::write_secret_file(path, key.private_text()).map_err(io)?;
    Ok(key)
}

/// Loads the signing key; its name must be `name` (the configured
/// `evidence_name`).
pub fn load(source: &SigningKeySource, name: &str) -> Result<LoadedSigningKey, SigningKeyError> {
    let (key, created, from) = match source {
        SigningKeySource::Text(t) => (
            ProcessorKey::parse(t)
                .map_err(|e| SigningKeyError::Invalid("CUSTODIAN_SIGNING_KEY".into(), e))?,
            None,
            "CUSTODIAN_SIGNING_KEY".to_owned(),
        ),
        SigningKeySource::File(p) => (read(p)?, None, p.display().to_string()),
        SigningKeySource::DefaultFile(p) if p.exists() => (read(p)?, None, p.display().to_string()),
        SigningKeySource::DefaultFile(p) => match create(p, name) {
            Ok(k) => (k, Some(p.clone()), p.display().to_string()),
            // Another process of this vault (its worker) created it first.
            Err(SigningKeyError::Io(_, e)) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                (read_settled(p)?, None, p.display().to_string())
            }
            Err(e) => return Err(e),
        },
    };
    if key.public().name() != name {
        return Err(SigningKeyError::Name(
            from,
            key.public().name().to_owned(),
            name.to_owned(),
        ));
    }
    Ok(LoadedSigningKey { key, created })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_key_is_created_once_private_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("signing.key");
        let first = load(&SigningKeySource::DefaultFile(p.clone()), "custodian.test").unwrap();
        assert_eq!(first.created.as_deref(), Some(p.as_path()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let again = load(&SigningKeySource::DefaultFile(p.clone()), "custodian.test").unwrap();
        assert!(again.created.is_none());
        assert_eq!(again.key.public(), first.key.public());
        let e = load(&SigningKeySource::File(p), "other.name")
            .err()
            .unwrap();
        assert!(e.to_string().contains("evidence_name"), "{e}");
        let e = load(&SigningKeySource::Text("PRIVATE+KEY+bad".into()), "x")
            .err()
            .unwrap();
        assert!(e.to_string().contains("CUSTODIAN_SIGNING_KEY"), "{e}");
    }
}
