//! Signed checkpoints: a C2SP `tlog-checkpoint` body (origin line, tree
//! size in decimal, base64 root hash, each ending in a newline) signed as a
//! C2SP `signed-note` (a blank line, then `— <key name> <base64(key id ||
//! Ed25519 signature)>` and a newline).

use signed_note::{Note, Verifier, VerifierList};
use tlog_tiles::Checkpoint;

use crate::keys::{ProcessorKey, PublicKey};
use crate::tree::{Hash, b64};
use crate::{EvidenceError, short};

/// The signed note of the checkpoint (`origin`, `size`, `root`).
pub fn sign_checkpoint(
    key: &ProcessorKey,
    origin: &str,
    size: u64,
    root: Hash,
) -> Result<String, EvidenceError> {
    let body = Checkpoint::new(origin, size, root, "")
        .map_err(|_| EvidenceError::Malformed(format!("origin {:?}", short(origin))))?;
    let mut note = Note::new(&body.to_bytes(), &[])
        .map_err(|e| EvidenceError::Malformed(format!("checkpoint note: {e}")))?;
    note.add_sigs(&[key.note_signer()])
        .map_err(|e| EvidenceError::Signature(e.to_string()))?;
    String::from_utf8(note.to_bytes())
        .map_err(|_| EvidenceError::Malformed("checkpoint is not UTF-8".into()))
}

/// A checkpoint whose signature checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// `name+id` of the key whose signature checked.
    pub signed_by: String,
}

/// Checks the signed note `text` against `keys` (any one signature by one of
/// them suffices; signatures of unknown keys, a witness's for instance, are
/// ignored) and reads its checkpoint.
pub fn open_checkpoint(text: &str, keys: &[PublicKey]) -> Result<Opened, EvidenceError> {
    let note = Note::from_bytes(text.as_bytes()).map_err(|e| {
        EvidenceError::Malformed(format!("not a signed note ({e}): {:?}", short(text)))
    })?;
    let verifiers: Vec<Box<dyn Verifier>> = keys
        .iter()
        .map(|k| Box::new(k.note_verifier()) as Box<dyn Verifier>)
        .collect();
    let (ok, _unknown) = note.verify(&VerifierList::new(verifiers)).map_err(|e| {
        EvidenceError::Signature(format!(
            "the checkpoint is not signed by {} ({e})",
            keys.iter()
                .map(PublicKey::handle)
                .collect::<Vec<_>>()
                .join(" or ")
        ))
    })?;
    let body = Checkpoint::from_bytes(note.text()).map_err(|_| {
        EvidenceError::Malformed("the signed note is not a checkpoint (origin, size, root)".into())
    })?;
    Ok(Opened {
        origin: body.origin().to_owned(),
        size: body.size(),
        root: *body.hash(),
        signed_by: ok
            .first()
            .map(|s| format!("{}+{:08x}", s.name(), s.id()))
            .unwrap_or_default(),
    })
}

impl std::fmt::Display for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at size {} (root {}), signed by {}",
            self.origin,
            self.size,
            b64(&self.root),
            self.signed_by
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::record_hash;

    #[test]
    fn a_checkpoint_is_the_c2sp_text_and_any_change_is_caught() {
        let k = ProcessorKey::from_seed("custodian.example", [3; 32]).unwrap();
        let root = record_hash(b"x");
        let note = sign_checkpoint(&k, "custodian.example/shred-ledger", 42, root).unwrap();
        let (body, sig) = note.split_once("\n\n").unwrap();
        assert_eq!(
            body,
            format!("custodian.example/shred-ledger\n42\n{}", b64(&root))
        );
        assert!(sig.starts_with("— custodian.example "), "{sig}");
        assert!(sig.ends_with('\n'));
        let o = open_checkpoint(&note, std::slice::from_ref(k.public())).unwrap();
        assert_eq!((o.size, o.root), (42, root));
        assert_eq!(o.signed_by, k.public().handle());

        let other = ProcessorKey::from_seed("custodian.example", [4; 32]).unwrap();
        assert!(matches!(
            open_checkpoint(&note, std::slice::from_ref(other.public())),
            Err(EvidenceError::Signature(_))
        ));
        let forged = note.replacen("\n42\n", "\n43\n", 1);
        assert!(open_checkpoint(&forged, std::slice::from_ref(k.public())).is_err());
        // Rotation: old and new keys side by side.
        assert!(open_checkpoint(&note, &[other.public().clone(), k.public().clone()]).is_ok());
    }
}
