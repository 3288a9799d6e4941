//! The ciphertext frame and the AES-256-GCM calls. One function seals, one
//! opens; everything in the crate goes through them.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

use crate::CryptoError;

pub const FORMAT_V1: u8 = 1;
pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;
/// format byte + key version + nonce.
pub const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;
/// Bytes a frame adds to its plaintext.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// Builds the associated data: a domain label, the frame header, then each
/// context part length-prefixed so that no two contexts encode alike.
fn aad(label: &str, header: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::with_capacity(
        label.len() + header.len() + parts.iter().map(|p| p.len() + 8).sum::<usize>() + 8,
    );
    v.extend_from_slice(&(label.len() as u64).to_be_bytes());
    v.extend_from_slice(label.as_bytes());
    v.extend_from_slice(header);
    for p in parts {
        v.extend_from_slice(&(p.len() as u64).to_be_bytes());
        v.extend_from_slice(p);
    }
    v
}

/// Seals `plaintext` under `key` into one frame.
pub(crate) fn seal(
    key: &[u8; 32],
    key_version: u32,
    label: &str,
    parts: &[&[u8]],
    plaintext: &[u8],
) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.into());
    let mut nonce = [0u8; NONCE_LEN];
    crate::keys::fill_random(&mut nonce);
    let mut out = Vec::with_capacity(plaintext.len() + OVERHEAD);
    out.push(FORMAT_V1);
    out.extend_from_slice(&key_version.to_be_bytes());
    out.extend_from_slice(&nonce);
    let ad = aad(label, &out[..HEADER_LEN], parts);
    out.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_inout_detached(&Nonce::from(nonce), &ad, (&mut out[HEADER_LEN..]).into())
        .expect("AES-GCM encryption of a buffer below 64 GiB cannot fail");
    out.extend_from_slice(&tag);
    out
}

/// The key version a frame says it was sealed with.
pub(crate) fn key_version(frame: &[u8]) -> Result<u32, CryptoError> {
    if frame.len() < OVERHEAD {
        return Err(CryptoError::Truncated);
    }
    if frame[0] != FORMAT_V1 {
        return Err(CryptoError::Format(frame[0]));
    }
    Ok(u32::from_be_bytes([frame[1], frame[2], frame[3], frame[4]]))
}

/// Opens a frame; fails on any change to header, context, ciphertext or tag.
pub(crate) fn open(
    key: &[u8; 32],
    label: &str,
    parts: &[&[u8]],
    frame: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    key_version(frame)?;
    let (head, rest) = frame.split_at(HEADER_LEN);
    let (body, tag) = rest.split_at(rest.len() - TAG_LEN);
    let nonce: [u8; NONCE_LEN] = head[5..].try_into().map_err(|_| CryptoError::Truncated)?;
    let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| CryptoError::Truncated)?;
    let ad = aad(label, head, parts);
    let mut buf = body.to_vec();
    Aes256Gcm::new(key.into())
        .decrypt_inout_detached(
            &Nonce::from(nonce),
            &ad,
            buf.as_mut_slice().into(),
            &Tag::from(tag),
        )
        .map_err(|_| CryptoError::Decrypt)?;
    Ok(buf)
}
