//! The test vectors of `tests/vectors/`: data files of fixed inputs and the outputs AWS gives
//! for them, one file per family, each naming its source in `"source"`. They are compiled in
//! with `include_str!` (so the tests read them in wasm as natively) and parsed once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

/// Parses a vector file, which must say where its values come from.
fn parse<'a, T: Deserialize<'a>>(name: &str, text: &'a str, source: fn(&T) -> &str) -> T {
    let file: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(!source(&file).trim().is_empty(), "{name} names no source");
    file
}

/// `key_policy.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyPolicyFile {
    source: String,
    /// The policy's lines, without their line breaks.
    default_policy: Vec<String>,
}

/// AWS's default key policy for the account 111122223333, byte for byte.
pub fn aws_default_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        let file: KeyPolicyFile = parse(
            "key_policy.json",
            include_str!("../../vectors/key_policy.json"),
            |f| &f.source,
        );
        file.default_policy.join("\n")
    })
}

/// `key_specs.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpecsFile<'a> {
    source: String,
    /// Every spec × usage AWS allows for the asymmetric specs wasm-kms implements.
    #[serde(borrow)]
    pub key_specs: Vec<KeySpecRow<'a>>,
    /// The DER length of each spec's SubjectPublicKeyInfo.
    #[serde(borrow)]
    pub spki_lengths: BTreeMap<&'a str, usize>,
}

/// One spec × usage and the algorithm lists KeyMetadata carries for it, in AWS's order.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpecRow<'a> {
    pub spec: &'a str,
    pub usage: &'a str,
    #[serde(borrow)]
    pub encryption_algorithms: Vec<&'a str>,
    #[serde(borrow)]
    pub signing_algorithms: Vec<&'a str>,
    #[serde(borrow)]
    pub key_agreement_algorithms: Vec<&'a str>,
}

/// The key specs' table and public key lengths.
pub fn key_specs() -> &'static KeySpecsFile<'static> {
    static FILE: OnceLock<KeySpecsFile<'static>> = OnceLock::new();
    FILE.get_or_init(|| {
        let file: KeySpecsFile = parse(
            "key_specs.json",
            include_str!("../../vectors/key_specs.json"),
            |f| &f.source,
        );
        // The two tables name the same specs: a spec dropped from one is an error, not a spec
        // the tests silently stop checking.
        let specs: BTreeSet<&str> = file.key_specs.iter().map(|r| r.spec).collect();
        let measured: BTreeSet<&str> = file.spki_lengths.keys().copied().collect();
        assert_eq!(specs, measured, "key_specs.json");
        file
    })
}
