//! The encryption context: a string-to-string map bound to a ciphertext as associated data.
//!
//! The canonical encoding is unambiguous: the pairs sorted by the UTF-8 bytes of their keys, a
//! 32-bit big-endian pair count, then for each pair the key and the value, each as a 32-bit
//! big-endian byte length followed by its UTF-8 bytes. So `{"ab":"c"}` and `{"a":"bc"}` encode
//! differently, and the order in which a caller lists the pairs never matters.

use std::collections::BTreeMap;

/// An encryption context. A `BTreeMap` keeps the pairs in canonical (byte-wise) key order.
pub type EncryptionContext = BTreeMap<String, String>;

/// The canonical, length-prefixed encoding of a context (empty context: four zero bytes).
pub fn canonical(context: &EncryptionContext) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + context.len() * 16);
    push_len(&mut out, context.len());
    // BTreeMap<String, _> iterates in byte-wise order of the keys, which is the canonical order.
    for (k, v) in context {
        push_len(&mut out, k.len());
        out.extend_from_slice(k.as_bytes());
        push_len(&mut out, v.len());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    // Lengths are bounded far below 4 GiB by the request size; saturate rather than wrap.
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn split_points_do_not_collide() {
        assert_ne!(
            canonical(&ctx(&[("ab", "c")])),
            canonical(&ctx(&[("a", "bc")]))
        );
        assert_ne!(
            canonical(&ctx(&[("a", "b"), ("c", "d")])),
            canonical(&ctx(&[("a", "b\0\0\0\x01c")]))
        );
    }

    #[test]
    fn empty_context_has_a_fixed_encoding() {
        assert_eq!(canonical(&EncryptionContext::new()), vec![0, 0, 0, 0]);
    }
}
