//! What WebCrypto, the faster engine of the binding (see [`crate::crypto::offload`]), is asked
//! to do ahead of a call, decided here: which key material a planned call uses and for what
//! ([`Kms::offload_purpose`]: only for a caller who may make the call now, a key of the right
//! usage and a spec that offers the algorithm), and which WebCrypto algorithms serve that
//! purpose ([`Purpose::import`], [`Purpose::operation`]); what WebCrypto is given for a planned
//! call, and what its answer is offered as ([`Kms::offload_job`], [`Kms::offer_outcome`]). The
//! binding only calls WebCrypto.

use zeroize::Zeroizing;

use crate::access::{Action, Caller};
use crate::crypto::asym::{self, AsymKey, AsymSpec, Hash, OaepHash, SigningAlgorithm};
use crate::crypto::plan::Plan;
use crate::domain::spec::KeyUsage;
use crate::env::{Clock, Entropy};
use crate::store::Store;

use super::Kms;

/// What a `CryptoKey` is imported for: WebCrypto binds the algorithm and hash at import.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Purpose {
    /// Signing with an RSA algorithm, or ECDSA on a NIST curve (a private key).
    Sign(AsymSpec, SigningAlgorithm),
    /// Checking such a signature (a public key).
    Verify(AsymSpec, SigningAlgorithm),
    /// RSAES-OAEP decryption.
    Decrypt(OaepHash),
}

/// A WebCrypto algorithm object: `{ name, hash, namedCurve, saltLength }`, the members that
/// are `None` left out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Algorithm {
    /// `name`.
    pub name: &'static str,
    /// `hash`.
    pub hash: Option<&'static str>,
    /// `namedCurve`.
    pub named_curve: Option<&'static str>,
    /// `saltLength`.
    pub salt_length: Option<u32>,
    /// `modulusLength` (and `publicExponent` 65537), for a new RSA key pair.
    pub modulus_length: Option<u32>,
}

/// What WebCrypto is asked to do ahead of one planned call ([`Kms::offload_job`]).
pub enum Work {
    /// `generateKey` with this algorithm (extractable, to sign and verify), the private key
    /// exported as PKCS#8.
    Generate(Algorithm),
    /// The call [`Purpose::method`] with [`Purpose::operation`], the `CryptoKey` of `material`
    /// for `purpose` (imported from [`Kms::offload_key_der`] of `key_ref`), and `data`.
    Use {
        /// The `KeyId` member as given.
        key_ref: String,
        /// The key material's ID.
        material: [u8; 32],
        /// What the key is imported for.
        purpose: Purpose,
        /// The byte arguments after the key: the message; the signature (raw for ECDSA, as
        /// WebCrypto takes it) and the message; the ciphertext.
        data: Vec<Zeroizing<Vec<u8>>>,
    },
}

/// The work for one planned call, and the plan it is for.
pub struct Job {
    /// What WebCrypto is asked to do.
    pub work: Work,
    plan: Plan,
}

/// What WebCrypto answered.
pub enum Outcome {
    /// Bytes: a signature, a plaintext, or a PKCS#8 private key.
    Bytes(Zeroizing<Vec<u8>>),
    /// A signature check's verdict.
    Valid(bool),
    /// An `OperationError`: the ciphertext does not decrypt under the key.
    Refused,
}

impl Algorithm {
    fn named(name: &'static str) -> Self {
        Algorithm {
            name,
            hash: None,
            named_curve: None,
            salt_length: None,
            modulus_length: None,
        }
    }

    fn hashed(name: &'static str, hash: Hash) -> Self {
        Algorithm {
            hash: Some(hash_name(hash)),
            ..Algorithm::named(name)
        }
    }
}

fn hash_name(hash: Hash) -> &'static str {
    match hash {
        Hash::Sha256 => "SHA-256",
        Hash::Sha384 => "SHA-384",
        Hash::Sha512 => "SHA-512",
    }
}

fn is_pss(alg: SigningAlgorithm) -> bool {
    matches!(
        alg,
        SigningAlgorithm::PssSha256 | SigningAlgorithm::PssSha384 | SigningAlgorithm::PssSha512
    )
}

fn is_ecdsa(alg: SigningAlgorithm) -> bool {
    matches!(
        alg,
        SigningAlgorithm::EcdsaSha256
            | SigningAlgorithm::EcdsaSha384
            | SigningAlgorithm::EcdsaSha512
    )
}

impl Purpose {
    /// The format of the key `importKey` takes: the public key to verify, else the private key.
    pub fn format(self) -> &'static str {
        match self {
            Purpose::Verify(..) => "spki",
            _ => "pkcs8",
        }
    }

    /// The WebCrypto method that does the work: `sign`, `verify` or `decrypt` (also the key
    /// usage it is imported with).
    pub fn method(self) -> &'static str {
        match self {
            Purpose::Sign(..) => "sign",
            Purpose::Verify(..) => "verify",
            Purpose::Decrypt(_) => "decrypt",
        }
    }

    /// The curve of ECDSA work, whose signatures WebCrypto writes as `r || s`, not DER.
    fn ecdsa_curve(self) -> Option<AsymSpec> {
        match self {
            Purpose::Sign(spec @ (AsymSpec::P256 | AsymSpec::P384 | AsymSpec::P521), _)
            | Purpose::Verify(spec @ (AsymSpec::P256 | AsymSpec::P384 | AsymSpec::P521), _) => {
                Some(spec)
            }
            _ => None,
        }
    }

    /// The action of the call this serves.
    pub fn action(self) -> Action {
        match self {
            Purpose::Sign(..) => Action::Sign,
            Purpose::Verify(..) => Action::Verify,
            Purpose::Decrypt(_) => Action::Decrypt,
        }
    }

    /// The algorithm of `importKey`, and the key usage; `None` where WebCrypto cannot do this
    /// (it has no secp256k1 and no Ed25519ph; a platform without Ed25519 refuses the import,
    /// and the core then signs itself).
    pub fn import(self) -> Option<(Algorithm, &'static str)> {
        let (spec, alg, usage) = match self {
            Purpose::Decrypt(hash) => {
                let hash = match hash {
                    OaepHash::Sha1 => "SHA-1",
                    OaepHash::Sha256 => "SHA-256",
                };
                let params = Algorithm {
                    hash: Some(hash),
                    ..Algorithm::named("RSA-OAEP")
                };
                return Some((params, self.method()));
            }
            Purpose::Sign(spec, alg) | Purpose::Verify(spec, alg) => (spec, alg, self.method()),
        };
        if !spec.signing_algorithms().contains(&alg) {
            return None;
        }
        let params = match (spec, alg) {
            (_, a) if is_pss(a) => Algorithm::hashed("RSA-PSS", a.hash()),
            (
                _,
                SigningAlgorithm::Pkcs1Sha256
                | SigningAlgorithm::Pkcs1Sha384
                | SigningAlgorithm::Pkcs1Sha512,
            ) => Algorithm::hashed("RSASSA-PKCS1-v1_5", alg.hash()),
            (AsymSpec::P256 | AsymSpec::P384 | AsymSpec::P521, _) => Algorithm {
                named_curve: Some(match spec {
                    AsymSpec::P256 => "P-256",
                    AsymSpec::P384 => "P-384",
                    _ => "P-521",
                }),
                ..Algorithm::named("ECDSA")
            },
            // Pure Ed25519 (WebCrypto has no Ed25519ph).
            (AsymSpec::Ed25519, SigningAlgorithm::Ed25519Sha512) => Algorithm::named("Ed25519"),
            _ => return None,
        };
        Some((params, usage))
    }

    /// The algorithm of `sign`, `verify` or `decrypt`.
    pub fn operation(self) -> Algorithm {
        match self {
            Purpose::Sign(_, alg) | Purpose::Verify(_, alg) if is_pss(alg) => Algorithm {
                // AWS's PSS salt is as long as the hash.
                salt_length: Some(alg.hash().len() as u32),
                ..Algorithm::named("RSA-PSS")
            },
            Purpose::Sign(_, alg) | Purpose::Verify(_, alg) if is_ecdsa(alg) => {
                Algorithm::hashed("ECDSA", alg.hash())
            }
            Purpose::Sign(_, SigningAlgorithm::Ed25519Sha512)
            | Purpose::Verify(_, SigningAlgorithm::Ed25519Sha512) => Algorithm::named("Ed25519"),
            Purpose::Sign(..) | Purpose::Verify(..) => Algorithm::named("RSASSA-PKCS1-v1_5"),
            Purpose::Decrypt(_) => Algorithm::named("RSA-OAEP"),
        }
    }
}

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// For a planned Sign, Verify or Decrypt: the current material of the key the plan names
    /// and what WebCrypto would do with it, if `caller` may make the call now, the key's usage
    /// is the call's and its spec offers the plan's algorithm. `None` for anything else.
    pub fn offload_purpose(&self, caller: &Caller, plan: &Plan) -> Option<([u8; 32], Purpose)> {
        let (key_ref, usage, action) = match plan {
            Plan::KeyPair(_) => return None,
            Plan::Sign { key_ref, .. } => (key_ref, KeyUsage::SignVerify, Action::Sign),
            Plan::Verify { key_ref, .. } => (key_ref, KeyUsage::SignVerify, Action::Verify),
            Plan::Decrypt { key_ref, .. } => (key_ref, KeyUsage::EncryptDecrypt, Action::Decrypt),
        };
        // Only for a caller who may make the call now: a key is never handed to WebCrypto for
        // a call that the core will refuse.
        let (material, spec, key_usage) = self.offload_target(caller, key_ref, action)?;
        let (purpose, fits) = match *plan {
            Plan::Sign { algorithm, .. } => (
                Purpose::Sign(spec, algorithm),
                spec.signing_algorithms().contains(&algorithm),
            ),
            Plan::Verify { algorithm, .. } => (
                Purpose::Verify(spec, algorithm),
                spec.signing_algorithms().contains(&algorithm),
            ),
            Plan::Decrypt { hash, .. } => (
                Purpose::Decrypt(hash),
                spec.encryption_algorithms().contains(&hash),
            ),
            Plan::KeyPair(_) => return None,
        };
        (key_usage == usage && fits).then_some((material, purpose))
    }

    /// The key WebCrypto imports for `purpose` (in [`Purpose::format`]: the public key to
    /// verify, the private key for anything else) of material `material` of the key `key_ref`
    /// names, if `caller` may make the call now. Zeroized on drop.
    pub fn offload_key_der(
        &self,
        caller: &Caller,
        key_ref: &str,
        material: &[u8; 32],
        purpose: Purpose,
    ) -> Option<Zeroizing<Vec<u8>>> {
        let action = purpose.action();
        match purpose {
            Purpose::Verify(..) => self
                .offload_public_key(caller, key_ref, material, action)
                .map(Zeroizing::new),
            _ => self.offload_private_key(caller, key_ref, material, action),
        }
    }

    /// What WebCrypto is asked to do for `plan`, if anything: a key pair of an RSA spec when
    /// none is waiting, or the private-key work of [`Kms::offload_purpose`] where WebCrypto
    /// has the algorithm.
    pub fn offload_job(&self, caller: &Caller, plan: Plan) -> Option<Job> {
        if let Plan::KeyPair(spec) = plan {
            let bits = u32::try_from(spec.rsa_bits()?).ok()?;
            let params = Algorithm {
                modulus_length: Some(bits),
                ..Algorithm::hashed("RSA-PSS", Hash::Sha256)
            };
            let waiting = self.offload().key_pairs(spec) > 0;
            return (!waiting).then_some(Job {
                work: Work::Generate(params),
                plan,
            });
        }
        let (material, purpose) = self.offload_purpose(caller, &plan)?;
        purpose.import()?;
        let (key_ref, data) = match &plan {
            Plan::Sign {
                key_ref, message, ..
            } => (key_ref, vec![message.clone()]),
            Plan::Verify {
                key_ref,
                message,
                signature,
                ..
            } => {
                let signature = match purpose.ecdsa_curve() {
                    Some(spec) => asym::ecdsa_raw_from_der(spec, signature)?,
                    None => signature.clone(),
                };
                (key_ref, vec![Zeroizing::new(signature), message.clone()])
            }
            Plan::Decrypt {
                key_ref,
                ciphertext,
                ..
            } => (key_ref, vec![Zeroizing::new(ciphertext.clone())]),
            Plan::KeyPair(_) => return None,
        };
        let key_ref = key_ref.clone();
        Some(Job {
            work: Work::Use {
                key_ref,
                material,
                purpose,
                data,
            },
            plan,
        })
    }

    /// Offers what WebCrypto answered for `job` to the next call (see
    /// [`crate::crypto::offload`]; ECDSA's `r || s` becomes DER); an answer that does not fit
    /// the job is dropped.
    pub fn offer_outcome(&self, job: Job, outcome: Outcome) {
        let (material, curve) = match job.work {
            Work::Use {
                material, purpose, ..
            } => (material, purpose.ecdsa_curve()),
            Work::Generate(_) => ([0; 32], None),
        };
        let mut offload = self.offload();
        match (job.plan, outcome) {
            (Plan::KeyPair(spec), Outcome::Bytes(der)) => {
                if let Some(key) = AsymKey::from_pkcs8(spec, &der) {
                    offload.offer_key_pair(key);
                }
            }
            (
                Plan::Sign {
                    algorithm, message, ..
                },
                Outcome::Bytes(raw),
            ) => {
                let signature = match curve {
                    Some(spec) => asym::ecdsa_der_from_raw(spec, &raw),
                    None => Some(raw.to_vec()),
                };
                if let Some(signature) = signature {
                    offload.offer_signature(material, algorithm, &message, signature);
                }
            }
            (
                Plan::Verify {
                    algorithm,
                    message,
                    signature,
                    ..
                },
                Outcome::Valid(valid),
            ) => {
                offload.offer_verification(material, algorithm, &message, &signature, valid);
            }
            (
                Plan::Decrypt {
                    hash, ciphertext, ..
                },
                Outcome::Bytes(plaintext),
            ) => {
                offload.offer_decryption(material, hash, &ciphertext, Some(plaintext));
            }
            (
                Plan::Decrypt {
                    hash, ciphertext, ..
                },
                Outcome::Refused,
            ) => {
                offload.offer_decryption(material, hash, &ciphertext, None);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use SigningAlgorithm as S;

    #[test]
    fn rsa_signatures_use_pss_with_the_hash_long_salt_or_pkcs1() {
        let (import, usage) = Purpose::Sign(AsymSpec::Rsa2048, S::PssSha384)
            .import()
            .unwrap();
        assert_eq!(import, Algorithm::hashed("RSA-PSS", Hash::Sha384));
        assert_eq!(usage, "sign");
        let op = Purpose::Verify(AsymSpec::Rsa3072, S::PssSha512).operation();
        assert_eq!((op.name, op.salt_length), ("RSA-PSS", Some(64)));
        let p = Purpose::Verify(AsymSpec::Rsa4096, S::Pkcs1Sha256);
        assert_eq!(p.import().unwrap().0.name, "RSASSA-PKCS1-v1_5");
        assert_eq!(p.import().unwrap().1, "verify");
        assert_eq!(p.operation(), Algorithm::named("RSASSA-PKCS1-v1_5"));
        assert_eq!(p.format(), "spki");
        assert_eq!(
            Purpose::Sign(AsymSpec::Rsa2048, S::Pkcs1Sha256).format(),
            "pkcs8"
        );
    }

    #[test]
    fn ecdsa_names_the_curve_at_import_and_the_hash_when_signing() {
        let p = Purpose::Sign(AsymSpec::P384, S::EcdsaSha384);
        let (import, _) = p.import().unwrap();
        assert_eq!((import.name, import.named_curve), ("ECDSA", Some("P-384")));
        assert_eq!(p.operation(), Algorithm::hashed("ECDSA", Hash::Sha384));
        let p521 = Purpose::Sign(AsymSpec::P521, S::EcdsaSha512)
            .import()
            .unwrap();
        assert_eq!(p521.0.named_curve, Some("P-521"));
    }

    #[test]
    fn what_webcrypto_lacks_or_the_spec_does_not_offer_is_not_offloaded() {
        assert!(Purpose::Sign(AsymSpec::Secp256k1, S::EcdsaSha256)
            .import()
            .is_none());
        assert!(Purpose::Sign(AsymSpec::Ed25519, S::Ed25519PhSha512)
            .import()
            .is_none());
        assert!(Purpose::Sign(AsymSpec::P256, S::PssSha256)
            .import()
            .is_none());
        assert!(Purpose::Sign(AsymSpec::Rsa2048, S::EcdsaSha256)
            .import()
            .is_none());
        let ed = Purpose::Sign(AsymSpec::Ed25519, S::Ed25519Sha512);
        assert_eq!(ed.import().unwrap().0, Algorithm::named("Ed25519"));
        assert_eq!(ed.operation(), Algorithm::named("Ed25519"));
    }

    #[test]
    fn oaep_binds_its_hash_at_import() {
        let (import, usage) = Purpose::Decrypt(OaepHash::Sha1).import().unwrap();
        assert_eq!(
            (import.name, import.hash, usage),
            ("RSA-OAEP", Some("SHA-1"), "decrypt")
        );
        let sha256 = Purpose::Decrypt(OaepHash::Sha256).import().unwrap().0;
        assert_eq!(sha256.hash, Some("SHA-256"));
        assert_eq!(
            Purpose::Decrypt(OaepHash::Sha256).operation(),
            Algorithm::named("RSA-OAEP")
        );
        assert_eq!(Purpose::Decrypt(OaepHash::Sha1).action(), Action::Decrypt);
    }
}
