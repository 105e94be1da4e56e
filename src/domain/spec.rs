//! AWS's enumerations of a key and its algorithms as Rust enums: [`KeySpec`], [`KeyUsage`],
//! [`Origin`], [`EncryptionAlgorithm`], [`MacAlgorithm`] and [`KeyAgreementAlgorithm`]. Each has
//! ONE table of AWS names, in the order AWS lists them in its enum errors: requests are parsed
//! into these where they come in (validation), and the names are printed where responses and
//! stored records go out. (Signing algorithms are [`crate::crypto::asym::SigningAlgorithm`]'s.)

use std::fmt;

/// An AWS enumeration: its values and their names.
pub trait AwsEnum: Copy + Sized + 'static {
    /// Every value with its AWS name, in the order of AWS's enum errors.
    const TABLE: &'static [(Self, &'static str)];
    /// The names alone, in the same order.
    const NAMES: &'static [&'static str];

    /// The value AWS names `name`.
    fn parse(name: &str) -> Option<Self> {
        Self::TABLE
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(v, _)| *v)
    }
}

macro_rules! aws_enum {
    ($(#[$doc:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $aws:literal, )* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $(#[$vdoc])* $variant, )* }

        impl AwsEnum for $name {
            const TABLE: &'static [(Self, &'static str)] = &[ $( ($name::$variant, $aws), )* ];
            const NAMES: &'static [&'static str] = &[ $( $aws, )* ];
        }

        impl $name {
            /// AWS's name.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $aws, )* }
            }

            /// The value AWS names `name`.
            pub fn parse(name: &str) -> Option<Self> {
                <Self as AwsEnum>::parse(name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

aws_enum! {
    /// `KeySpec`, in the order AWS lists it in its enum error (the 2023 list, then the specs
    /// added since).
    KeySpec {
        /// RSA with a 2048-bit modulus.
        Rsa2048 = "RSA_2048",
        /// NIST P-384.
        EccNistP384 = "ECC_NIST_P384",
        /// NIST P-256.
        EccNistP256 = "ECC_NIST_P256",
        /// NIST P-521.
        EccNistP521 = "ECC_NIST_P521",
        /// HMAC with SHA-384.
        Hmac384 = "HMAC_384",
        /// RSA with a 3072-bit modulus.
        Rsa3072 = "RSA_3072",
        /// SECG secp256k1.
        EccSecgP256k1 = "ECC_SECG_P256K1",
        /// RSA with a 4096-bit modulus.
        Rsa4096 = "RSA_4096",
        /// AES-256-GCM.
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        /// HMAC with SHA-256.
        Hmac256 = "HMAC_256",
        /// HMAC with SHA-224.
        Hmac224 = "HMAC_224",
        /// HMAC with SHA-512.
        Hmac512 = "HMAC_512",
        /// China's SM2 (not implemented).
        Sm2 = "SM2",
        /// Ed25519.
        EccNistEdwards25519 = "ECC_NIST_EDWARDS25519",
        /// ML-DSA-44 (not implemented).
        MlDsa44 = "ML_DSA_44",
        /// ML-DSA-65 (not implemented).
        MlDsa65 = "ML_DSA_65",
        /// ML-DSA-87 (not implemented).
        MlDsa87 = "ML_DSA_87",
    }
}

impl KeySpec {
    /// The specs the deprecated `CustomerMasterKeySpec` member takes: it predates Ed25519 and
    /// ML-DSA, which come last in the table.
    pub fn customer_master_key_spec_names() -> &'static [&'static str] {
        Self::NAMES.split_at(13).0
    }

    /// An HMAC spec.
    pub fn is_hmac(self) -> bool {
        matches!(
            self,
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512
        )
    }

    /// The key usages AWS allows for this spec.
    pub fn usages(self) -> &'static [KeyUsage] {
        use KeyUsage::*;
        match self {
            KeySpec::SymmetricDefault => &[EncryptDecrypt],
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
                &[GenerateVerifyMac]
            }
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => &[EncryptDecrypt, SignVerify],
            KeySpec::EccNistP256 | KeySpec::EccNistP384 | KeySpec::EccNistP521 => {
                &[SignVerify, KeyAgreement]
            }
            KeySpec::Sm2 => &[EncryptDecrypt, SignVerify, KeyAgreement],
            _ => &[SignVerify],
        }
    }
}

aws_enum! {
    /// `DataKeyPairSpec`: the key specs of data key pairs.
    DataKeyPairSpec {
        /// RSA with a 2048-bit modulus.
        Rsa2048 = "RSA_2048",
        /// RSA with a 3072-bit modulus.
        Rsa3072 = "RSA_3072",
        /// RSA with a 4096-bit modulus.
        Rsa4096 = "RSA_4096",
        /// NIST P-256.
        EccNistP256 = "ECC_NIST_P256",
        /// NIST P-384.
        EccNistP384 = "ECC_NIST_P384",
        /// NIST P-521.
        EccNistP521 = "ECC_NIST_P521",
        /// SECG secp256k1.
        EccSecgP256k1 = "ECC_SECG_P256K1",
        /// China's SM2 (not implemented).
        Sm2 = "SM2",
        /// Ed25519.
        EccNistEdwards25519 = "ECC_NIST_EDWARDS25519",
    }
}

impl DataKeyPairSpec {
    /// The key spec of this name.
    pub fn key_spec(self) -> KeySpec {
        match self {
            DataKeyPairSpec::Rsa2048 => KeySpec::Rsa2048,
            DataKeyPairSpec::Rsa3072 => KeySpec::Rsa3072,
            DataKeyPairSpec::Rsa4096 => KeySpec::Rsa4096,
            DataKeyPairSpec::EccNistP256 => KeySpec::EccNistP256,
            DataKeyPairSpec::EccNistP384 => KeySpec::EccNistP384,
            DataKeyPairSpec::EccNistP521 => KeySpec::EccNistP521,
            DataKeyPairSpec::EccSecgP256k1 => KeySpec::EccSecgP256k1,
            DataKeyPairSpec::Sm2 => KeySpec::Sm2,
            DataKeyPairSpec::EccNistEdwards25519 => KeySpec::EccNistEdwards25519,
        }
    }
}

aws_enum! {
    /// `WrappingKeySpec`: the specs of the RSA key that wraps imported material.
    WrappingKeySpec {
        /// RSA with a 2048-bit modulus.
        Rsa2048 = "RSA_2048",
        /// RSA with a 3072-bit modulus.
        Rsa3072 = "RSA_3072",
        /// RSA with a 4096-bit modulus.
        Rsa4096 = "RSA_4096",
        /// China's SM2 (China Regions only).
        Sm2 = "SM2",
    }
}

impl WrappingKeySpec {
    /// The modulus size in bits of an RSA spec.
    pub fn rsa_bits(self) -> Option<usize> {
        match self {
            WrappingKeySpec::Rsa2048 => Some(2048),
            WrappingKeySpec::Rsa3072 => Some(3072),
            WrappingKeySpec::Rsa4096 => Some(4096),
            WrappingKeySpec::Sm2 => None,
        }
    }
}

aws_enum! {
    /// `DataKeySpec`: the length of a symmetric data key.
    DataKeySpec {
        /// 256 bits.
        Aes256 = "AES_256",
        /// 128 bits.
        Aes128 = "AES_128",
    }
}

impl DataKeySpec {
    /// The key's length in bytes.
    pub fn bytes(self) -> usize {
        match self {
            DataKeySpec::Aes256 => 32,
            DataKeySpec::Aes128 => 16,
        }
    }
}

aws_enum! {
    /// `AlgorithmSpec` of GetParametersForImport: how the caller wraps imported material (the
    /// ones wasm-kms implements are [`crate::crypto::wrap::WrappingAlgorithm`]).
    WrappingAlgorithmSpec {
        /// RSAES-PKCS1-v1_5 (no longer accepted).
        RsaesPkcs1V15 = "RSAES_PKCS1_V1_5",
        /// RSAES-OAEP with SHA-1.
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        /// RSAES-OAEP with SHA-256.
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        /// RSA-OAEP (SHA-1) of an AES key, then AES key wrap.
        RsaAesKeyWrapSha1 = "RSA_AES_KEY_WRAP_SHA_1",
        /// RSA-OAEP (SHA-256) of an AES key, then AES key wrap.
        RsaAesKeyWrapSha256 = "RSA_AES_KEY_WRAP_SHA_256",
        /// SM2 public-key encryption (China Regions only).
        Sm2Pke = "SM2PKE",
    }
}

aws_enum! {
    /// `KeyUsage`.
    KeyUsage {
        /// Encryption and decryption.
        EncryptDecrypt = "ENCRYPT_DECRYPT",
        /// Signing and verification.
        SignVerify = "SIGN_VERIFY",
        /// HMAC generation and verification.
        GenerateVerifyMac = "GENERATE_VERIFY_MAC",
        /// ECDH key agreement.
        KeyAgreement = "KEY_AGREEMENT",
    }
}

aws_enum! {
    /// `Origin`: where a key's material comes from.
    Origin {
        /// KMS made it.
        AwsKms = "AWS_KMS",
        /// The caller imports it.
        External = "EXTERNAL",
        /// A CloudHSM key store (not implemented).
        AwsCloudhsm = "AWS_CLOUDHSM",
        /// An external key store (not implemented).
        ExternalKeyStore = "EXTERNAL_KEY_STORE",
    }
}

aws_enum! {
    /// `EncryptionAlgorithmSpec`.
    EncryptionAlgorithm {
        /// AES-256-GCM under a symmetric key.
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        /// RSAES-OAEP with SHA-1.
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        /// RSAES-OAEP with SHA-256.
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        /// SM2 public-key encryption (not implemented).
        Sm2Pke = "SM2PKE",
    }
}

aws_enum! {
    /// `SigningAlgorithmSpec`, in the order of AWS's enum (the algorithms wasm-kms implements are
    /// [`crate::crypto::asym::SigningAlgorithm`]).
    SigningAlgorithmSpec {
        /// RSASSA-PSS with SHA-256.
        RsassaPssSha256 = "RSASSA_PSS_SHA_256",
        /// RSASSA-PSS with SHA-384.
        RsassaPssSha384 = "RSASSA_PSS_SHA_384",
        /// RSASSA-PSS with SHA-512.
        RsassaPssSha512 = "RSASSA_PSS_SHA_512",
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        RsassaPkcs1V15Sha256 = "RSASSA_PKCS1_V1_5_SHA_256",
        /// RSASSA-PKCS1-v1_5 with SHA-384.
        RsassaPkcs1V15Sha384 = "RSASSA_PKCS1_V1_5_SHA_384",
        /// RSASSA-PKCS1-v1_5 with SHA-512.
        RsassaPkcs1V15Sha512 = "RSASSA_PKCS1_V1_5_SHA_512",
        /// ECDSA with SHA-256.
        EcdsaSha256 = "ECDSA_SHA_256",
        /// ECDSA with SHA-384.
        EcdsaSha384 = "ECDSA_SHA_384",
        /// ECDSA with SHA-512.
        EcdsaSha512 = "ECDSA_SHA_512",
        /// SM2 signatures (not implemented).
        Sm2Dsa = "SM2DSA",
        /// ML-DSA (not implemented).
        MlDsaShake256 = "ML_DSA_SHAKE_256",
        /// Ed25519 over the message.
        Ed25519Sha512 = "ED25519_SHA_512",
        /// Ed25519ph over a SHA-512 digest.
        Ed25519PhSha512 = "ED25519_PH_SHA_512",
    }
}

aws_enum! {
    /// `MessageType`: what a signature covers.
    MessageType {
        /// The message itself.
        Raw = "RAW",
        /// A digest of the message.
        Digest = "DIGEST",
        /// ML-DSA's external mu (not implemented).
        ExternalMu = "EXTERNAL_MU",
    }
}

aws_enum! {
    /// `MacAlgorithmSpec`, in the order AWS lists it in its enum error (recorded).
    MacAlgorithm {
        /// HMAC with SHA-384.
        HmacSha384 = "HMAC_SHA_384",
        /// HMAC with SHA-256.
        HmacSha256 = "HMAC_SHA_256",
        /// HMAC with SHA-224.
        HmacSha224 = "HMAC_SHA_224",
        /// HMAC with SHA-512.
        HmacSha512 = "HMAC_SHA_512",
    }
}

aws_enum! {
    /// `KeyAgreementAlgorithmSpec`.
    KeyAgreementAlgorithm {
        /// Elliptic-curve Diffie-Hellman.
        Ecdh = "ECDH",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: AwsEnum + PartialEq + fmt::Debug>() {
        assert_eq!(T::TABLE.len(), T::NAMES.len());
        for (value, name) in T::TABLE {
            assert_eq!(T::parse(name), Some(*value));
        }
        assert_eq!(T::parse("NOT_A_NAME"), None);
    }

    #[test]
    fn every_name_parses_to_its_value_and_back() {
        round_trips::<KeySpec>();
        round_trips::<KeyUsage>();
        round_trips::<DataKeyPairSpec>();
        round_trips::<WrappingKeySpec>();
        for (v, name) in DataKeyPairSpec::TABLE {
            assert_eq!(v.key_spec().as_str(), *name);
        }
        round_trips::<Origin>();
        round_trips::<EncryptionAlgorithm>();
        round_trips::<MacAlgorithm>();
        round_trips::<DataKeySpec>();
        round_trips::<WrappingAlgorithmSpec>();
        round_trips::<SigningAlgorithmSpec>();
        round_trips::<MessageType>();
        round_trips::<KeyAgreementAlgorithm>();
        for (v, name) in KeySpec::TABLE {
            assert_eq!(v.as_str(), *name);
        }
        assert_eq!(
            KeySpec::customer_master_key_spec_names().last(),
            Some(&"SM2")
        );
    }
}
