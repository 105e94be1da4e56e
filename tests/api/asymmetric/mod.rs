//! Asymmetric keys: CreateKey for the RSA, ECC and Ed25519 specs, GetPublicKey, Sign and
//! Verify, RSA Encrypt/Decrypt/ReEncrypt, GenerateDataKeyPair(WithoutPlaintext),
//! DeriveSharedSecret, rotation and multi-Region replicas, the offload hooks and the audit
//! trail. Every public key, signature, key pair and shared secret is also checked outside KMS
//! with the RustCrypto crates (`support::asym`), so KMS is never only checked against itself.

mod audit;
mod data_key_pairs;
mod encryption;
mod keys;
mod offload;
mod rotation_and_replicas;
mod shared_secrets;
mod sign_verify;
