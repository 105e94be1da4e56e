//! The symmetric ciphertext blob: what Encrypt and GenerateDataKey return and Decrypt reads.
//!
//! Version 1, all integers big-endian:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | version, `0x01` |
//! | 1 | 1 | key ID kind: `0x00` single-Region (UUID), `0x01` multi-Region (`mrk-`) |
//! | 2 | 16 | key ID, 128 bits |
//! | 18 | 32 | key material ID, 256 bits (shown as 64 lowercase hex digits) |
//! | 50 | 12 | AES-GCM nonce, random |
//! | 62 | 4 | ciphertext length `N` |
//! | 66 | `N` | AES-256-GCM ciphertext |
//! | 66 + `N` | 16 | AES-GCM tag |
//!
//! The first 66 bytes (the header) followed by the canonical encryption context
//! ([`crate::domain::context::canonical`]) are the AES-GCM associated data, so the key, the material,
//! the context and the layout are all authenticated. [`Envelope::parse`] rejects a blob whose
//! length is not exactly `82 + N`, so truncated and extended blobs fail before any decryption.

use crate::domain::context::{self, EncryptionContext};
use crate::domain::ids::KeyId;

/// The only version this code writes and reads.
pub const VERSION: u8 = 1;
/// Bytes before the ciphertext.
pub const HEADER_LEN: usize = 66;
/// Bytes of the AES-GCM tag.
pub const TAG_LEN: usize = 16;
/// Bytes of the AES-GCM nonce.
pub const NONCE_LEN: usize = 12;
/// Total bytes added to the plaintext.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// A parsed ciphertext blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The key that made it.
    pub key_id: KeyId,
    /// Which generation of that key's material.
    pub material_id: [u8; 32],
    /// The AES-GCM nonce.
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the tag.
    pub sealed: Vec<u8>,
}

/// The header of a blob whose ciphertext is `ct_len` bytes long.
pub fn header(
    key_id: &KeyId,
    material_id: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    ct_len: usize,
) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    let ct_len = u32::try_from(ct_len).unwrap_or(u32::MAX);
    let fields: [&[u8]; 5] = [
        &[VERSION],
        &key_id.to_binary(),
        material_id,
        nonce,
        &ct_len.to_be_bytes(),
    ];
    let mut at = 0;
    for f in fields {
        if let Some(slot) = h.get_mut(at..at + f.len()) {
            slot.copy_from_slice(f);
        }
        at += f.len();
    }
    h
}

/// The AES-GCM associated data: the header, then the canonical encryption context.
pub fn aad(header: &[u8; HEADER_LEN], ctx: &EncryptionContext) -> Vec<u8> {
    [header.as_slice(), &context::canonical(ctx)].concat()
}

impl Envelope {
    /// The header bytes, which start the associated data.
    pub fn header(&self) -> [u8; HEADER_LEN] {
        header(
            &self.key_id,
            &self.material_id,
            &self.nonce,
            self.sealed.len().saturating_sub(TAG_LEN),
        )
    }

    /// The blob's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.sealed.len());
        out.extend_from_slice(&self.header());
        out.extend_from_slice(&self.sealed);
        out
    }

    /// Parses a blob; `None` for anything that is not exactly a version-1 blob.
    pub fn parse(bytes: &[u8]) -> Option<Envelope> {
        let mut r = Reader(bytes);
        let version = r.take::<1>()?;
        if version != [VERSION] {
            return None;
        }
        let key_id = KeyId::from_binary(&r.take::<17>()?)?;
        let material_id = r.take::<32>()?;
        let nonce = r.take::<NONCE_LEN>()?;
        let ct_len = usize::try_from(u32::from_be_bytes(r.take::<4>()?)).ok()?;
        let sealed = r.rest();
        if sealed.len() != ct_len.checked_add(TAG_LEN)? {
            return None;
        }
        Some(Envelope {
            key_id,
            material_id,
            nonce,
            sealed: sealed.to_vec(),
        })
    }
}

/// A cursor over untrusted bytes that never panics.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, tail) = self.0.split_at_checked(N)?;
        self.0 = tail;
        head.try_into().ok()
    }

    fn rest(self) -> &'a [u8] {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Envelope {
        Envelope {
            key_id: KeyId::new_regional([7; 16]),
            material_id: [9; 32],
            nonce: [3; NONCE_LEN],
            sealed: vec![5; 20],
        }
    }

    #[test]
    fn round_trip() {
        let e = sample();
        let bytes = e.to_bytes();
        assert_eq!(bytes.len(), OVERHEAD + 4);
        assert_eq!(Envelope::parse(&bytes), Some(e));
    }

    #[test]
    fn trailing_and_missing_bytes_are_refused() {
        let bytes = sample().to_bytes();
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Envelope::parse(&longer), None);
        for cut in 0..bytes.len() {
            assert_eq!(Envelope::parse(bytes.get(..cut).unwrap_or_default()), None);
        }
    }

    #[test]
    fn unknown_version_or_kind_is_refused() {
        let mut bytes = sample().to_bytes();
        bytes[0] = 2;
        assert_eq!(Envelope::parse(&bytes), None);
        let mut bytes = sample().to_bytes();
        bytes[1] = 9;
        assert_eq!(Envelope::parse(&bytes), None);
    }
}
