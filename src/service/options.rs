//! The options of the JavaScript API's `new Kms(options)`, `Kms.open(options)` and
//! `Kms.restoreBackup(backup, passphrase, options)`: their names, defaults and rules. The
//! binding only reads the JavaScript object into [`Options`].

use serde::Deserialize;

use super::{Caller, Config};
use crate::access::Network;
use crate::error::{KmsError, Result};

/// Options of `new Kms(options)` and `Kms.open(options)`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    /// The Region (default `us-east-1`).
    pub region: Option<String>,
    /// The account (default `111122223333`).
    pub account: Option<String>,
    /// The partition (default `aws`).
    pub partition: Option<String>,
    /// The caller's ARN (default: the account's root).
    pub principal: Option<String>,
    /// Whether WebCrypto may do private-key work (default: yes, where it is there).
    pub web_crypto: Option<bool>,
    /// The data directory of an on-disk store (Node).
    pub data_dir: Option<String>,
    /// The passphrase the store's key is wrapped by (wiped when dropped, taken or not).
    #[serde(default, deserialize_with = "secret_string")]
    pub passphrase: Option<zeroize::Zeroizing<String>>,
    /// The name of an IndexedDB store (browsers).
    pub indexed_db: Option<String>,
    /// How long a new grant takes to take effect without its token, in seconds of the
    /// simulated clock (kept in the store; default 0).
    pub grant_propagation_seconds: Option<f64>,
}

/// An optional string read straight into memory that is wiped when dropped.
fn secret_string<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<zeroize::Zeroizing<String>>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(zeroize::Zeroizing::new))
}

/// The option names `new Kms` takes.
pub const NEW_OPTIONS: &[&str] = &[
    "region",
    "account",
    "partition",
    "principal",
    "webCrypto",
    "grantPropagationSeconds",
];

/// The option names `Kms.open` and `Kms.restoreBackup` take.
pub const OPEN_OPTIONS: &[&str] = &[
    "dataDir",
    "passphrase",
    "indexedDb",
    "region",
    "account",
    "partition",
    "principal",
    "webCrypto",
    "grantPropagationSeconds",
];

/// Where `Kms.open` keeps a store.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// The IndexedDB store of this name (browsers).
    IndexedDb(String),
    /// The on-disk store in this directory (Node).
    Dir(String),
}

/// Refuses any option name of `who` (`Kms`, `Kms.open`, ...) that is not in `allowed`.
pub fn check_names<'a>(
    names: impl IntoIterator<Item = &'a str>,
    allowed: &[&str],
    who: &str,
) -> Result<()> {
    match names.into_iter().find(|n| !allowed.contains(n)) {
        None => Ok(()),
        Some(key) => {
            let hint = if key == "dataDir" || key == "passphrase" {
                " (a data directory is opened with `Kms.open`)"
            } else {
                ""
            };
            Err(KmsError::Validation(format!(
                "Unknown {who} option `{key}`: expected one of {}{hint}",
                allowed.join(", ")
            )))
        }
    }
}

/// The error of options that are not of the types they should be.
pub fn invalid(who: &str, why: impl std::fmt::Display) -> KmsError {
    KmsError::Validation(format!("Invalid {who} options: {why}"))
}

/// A backup's passphrase: not empty.
pub fn backup_passphrase(passphrase: &str) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    if passphrase.is_empty() {
        return Err(KmsError::Validation(
            "A backup needs a passphrase that is not empty".to_owned(),
        ));
    }
    Ok(zeroize::Zeroizing::new(passphrase.as_bytes().to_vec()))
}

impl Options {
    /// The service configuration the options name (defaults for what they leave out).
    pub fn config(&self) -> Config {
        let defaults = Config::default();
        Config {
            region: self.region.clone().unwrap_or(defaults.region),
            account: self.account.clone().unwrap_or(defaults.account),
            partition: self.partition.clone().unwrap_or(defaults.partition),
            principal: self.principal.clone(),
        }
    }

    /// The store passphrase, as bytes (taken out of the options).
    pub fn take_passphrase(&mut self) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        self.passphrase
            .take()
            .map(|p| zeroize::Zeroizing::new(p.as_bytes().to_vec()))
    }

    /// The store the options name for `method` (taken out of them), or why they name none:
    /// `indexedDb` (the store `default` if none is named, where there is no file system), or
    /// `dataDir` where `has_files` (Node).
    pub fn take_target(&mut self, method: &str, has_files: bool) -> Result<Target> {
        let invalid = |m: String| KmsError::Validation(m);
        if self.passphrase.as_deref().is_some_and(|p| p.is_empty()) {
            return Err(invalid(
                "The option `passphrase` must not be empty".to_owned(),
            ));
        }
        if self.indexed_db.is_some() || (self.data_dir.is_none() && !has_files) {
            if self.data_dir.is_some() {
                return Err(invalid(format!(
                    "{method} takes either `indexedDb` (browsers) or `dataDir` (Node)"
                )));
            }
            let name = self
                .indexed_db
                .take()
                .unwrap_or_else(|| "default".to_owned());
            if name.is_empty() || name.len() > 128 {
                return Err(invalid(
                    "The option `indexedDb` must be 1 to 128 characters".to_owned(),
                ));
            }
            return Ok(Target::IndexedDb(name));
        }
        self.data_dir
            .take()
            .filter(|d| !d.is_empty())
            .map(Target::Dir)
            .ok_or_else(|| {
                invalid(format!(
                    "{method} needs the option `dataDir`: the data directory"
                ))
            })
    }
}

/// The options of `sendJson` and `sendQuery`: the Region and account a request is made in, the
/// access key it was signed with, and where it came from.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JsonCaller {
    /// The Region (default: the caller's).
    pub region: Option<String>,
    /// The account (default: the caller's).
    pub account: Option<String>,
    /// The access key ID of the request's credential scope (a 12-digit one names its account's
    /// root; another is resolved to its user or session when the call runs).
    pub access_key_id: Option<String>,
    /// `X-Amz-Security-Token`, for a session's access key.
    pub security_token: Option<String>,
    /// The service the request was signed for (`kms`, `iam`, `sts`): informational.
    pub service: Option<String>,
    /// `aws:SourceIp`.
    pub source_ip: Option<String>,
    /// `aws:SourceVpce`.
    pub source_vpce: Option<String>,
    /// `aws:SourceVpc`.
    pub source_vpc: Option<String>,
    /// `aws:SecureTransport`.
    pub secure_transport: Option<bool>,
}

impl JsonCaller {
    /// The error of options that are not of this shape.
    pub fn invalid() -> KmsError {
        KmsError::Validation(
            "sendJson takes `{ region, account, accessKeyId, securityToken, service, sourceIp, sourceVpce, sourceVpc, secureTransport }`, all optional".to_owned(),
        )
    }

    /// `caller` in the Region and account the options name, with their access key and
    /// network facts.
    pub fn caller(&self, caller: &Caller) -> Result<Caller> {
        let caller = match &self.region {
            Some(region) => caller.in_region(region)?,
            None => caller.clone(),
        };
        let mut caller = match &self.account {
            Some(account) => caller.in_account(account)?,
            None => caller,
        };
        if let Some(id) = &self.access_key_id {
            caller.access_key = Some((id.clone(), self.security_token.clone()));
        }
        caller.network = Network {
            source_ip: self.source_ip.clone(),
            source_vpce: self.source_vpce.clone(),
            source_vpc: self.source_vpc.clone(),
            secure_transport: self.secure_transport.unwrap_or(false),
        };
        Ok(caller)
    }
}

/// The options of `kms.as(...)`: who the view calls as, and from where.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AsOptions {
    /// The principal's ARN: a user, a role (its calls are a session of it), a session, or an
    /// account's root.
    pub principal: Option<String>,
    /// Or an access key (with `sessionToken` for a session's).
    pub access_key_id: Option<String>,
    /// A session's token.
    pub session_token: Option<String>,
    /// `aws:SourceIp`.
    pub source_ip: Option<String>,
    /// `aws:SourceVpce`.
    pub source_vpce: Option<String>,
    /// `aws:SourceVpc`.
    pub source_vpc: Option<String>,
    /// `aws:SecureTransport`.
    pub secure_transport: Option<bool>,
}

impl AsOptions {
    /// `caller` as the options say (what they leave out stays the caller's).
    pub fn caller(&self, caller: &Caller) -> Result<Caller> {
        let mut out = caller.clone();
        if let Some(arn) = &self.principal {
            let principal = crate::domain::ids::Principal::parse(arn).ok_or_else(|| {
                KmsError::Validation(format!(
                    "Principal `{arn}` is not an IAM root, user or role ARN, or an STS assumed-role ARN"
                ))
            })?;
            out.scope.account = principal.account.clone();
            out.principal = principal;
            out.access_key = None;
        }
        if let Some(id) = &self.access_key_id {
            out.access_key = Some((id.clone(), self.session_token.clone()));
        }
        let n = &mut out.network;
        n.source_ip = self.source_ip.clone().or(n.source_ip.take());
        n.source_vpce = self.source_vpce.clone().or(n.source_vpce.take());
        n.source_vpc = self.source_vpc.clone().or(n.source_vpc.take());
        n.secure_transport = self.secure_transport.unwrap_or(n.secure_transport);
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_json_caller_moves_the_caller_to_its_region_and_account() {
        let clock = crate::env::ManualClock::new(crate::codec::Timestamp(0));
        let store = crate::store::MemoryStore::default();
        let kms = crate::Kms::new(Config::default(), clock, crate::env::OsEntropy, store).unwrap();
        let base = kms.caller();
        let same = JsonCaller::default().caller(base).unwrap();
        assert_eq!(same.scope.region, base.scope.region);
        let moved: JsonCaller =
            serde_json::from_str(r#"{"region":"eu-west-1","account":"444455556666"}"#).unwrap();
        let moved = moved.caller(base).unwrap();
        assert_eq!(moved.scope.region, "eu-west-1");
        assert_eq!(moved.scope.account, "444455556666");
        let bad: JsonCaller = serde_json::from_str(r#"{"region":"nowhere"}"#).unwrap();
        assert!(bad.caller(base).is_err());
        assert!(serde_json::from_str::<JsonCaller>(r#"{"regoin":"eu-west-1"}"#).is_err());
        assert!(matches!(JsonCaller::invalid(), KmsError::Validation(_)));
    }

    fn message(e: KmsError) -> String {
        match e {
            KmsError::Validation(m) => m,
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn unknown_names_are_refused_with_the_list_and_a_hint_for_open_options() {
        check_names(["region", "webCrypto"], NEW_OPTIONS, "Kms").unwrap();
        let m = message(check_names(["regoin"], NEW_OPTIONS, "Kms").unwrap_err());
        assert_eq!(
            m,
            "Unknown Kms option `regoin`: expected one of region, account, partition, principal, webCrypto, grantPropagationSeconds"
        );
        let m = message(check_names(["dataDir"], NEW_OPTIONS, "Kms").unwrap_err());
        assert!(
            m.ends_with(" (a data directory is opened with `Kms.open`)"),
            "{m}"
        );
        check_names(OPEN_OPTIONS.iter().copied(), OPEN_OPTIONS, "Kms.open").unwrap();
    }

    #[test]
    fn the_configuration_takes_defaults_for_what_is_left_out() {
        let o = Options {
            region: Some("eu-west-1".to_owned()),
            principal: Some("arn:aws:iam::111122223333:user/a".to_owned()),
            ..Options::default()
        };
        let c = o.config();
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.account, Config::default().account);
        assert_eq!(c.partition, "aws");
        assert_eq!(
            c.principal.as_deref(),
            Some("arn:aws:iam::111122223333:user/a")
        );
    }

    #[test]
    fn the_target_is_indexed_db_in_browsers_and_the_data_directory_in_node() {
        let mut o = Options::default();
        assert_eq!(
            o.take_target("Kms.open", false).unwrap(),
            Target::IndexedDb("default".to_owned())
        );
        let mut o = Options {
            indexed_db: Some("shop".to_owned()),
            ..Options::default()
        };
        assert_eq!(
            o.take_target("Kms.open", true).unwrap(),
            Target::IndexedDb("shop".to_owned())
        );
        assert_eq!(o.indexed_db, None);
        let mut o = Options {
            data_dir: Some("/tmp/k".to_owned()),
            ..Options::default()
        };
        assert_eq!(
            o.take_target("Kms.open", true).unwrap(),
            Target::Dir("/tmp/k".to_owned())
        );
        let m = message(
            Options::default()
                .take_target("Kms.open", true)
                .unwrap_err(),
        );
        assert_eq!(m, "Kms.open needs the option `dataDir`: the data directory");
        let mut o = Options {
            data_dir: Some("/tmp/k".to_owned()),
            indexed_db: Some("x".to_owned()),
            ..Options::default()
        };
        let m = message(o.take_target("Kms.restoreBackup", true).unwrap_err());
        assert_eq!(
            m,
            "Kms.restoreBackup takes either `indexedDb` (browsers) or `dataDir` (Node)"
        );
    }

    #[test]
    fn empty_names_and_passphrases_are_refused() {
        for name in ["", &"x".repeat(129)] {
            let mut o = Options {
                indexed_db: Some(name.to_owned()),
                ..Options::default()
            };
            let m = message(o.take_target("Kms.open", false).unwrap_err());
            assert_eq!(m, "The option `indexedDb` must be 1 to 128 characters");
        }
        let mut o = Options {
            passphrase: Some(String::new().into()),
            ..Options::default()
        };
        let m = message(o.take_target("Kms.open", false).unwrap_err());
        assert_eq!(m, "The option `passphrase` must not be empty");
        let mut o = Options {
            data_dir: Some(String::new()),
            ..Options::default()
        };
        assert!(o.take_target("Kms.open", true).is_err());
        assert!(backup_passphrase("").is_err());
        assert_eq!(backup_passphrase("pw").unwrap().as_slice(), b"pw");
        let mut o = Options {
            passphrase: Some("pw".to_owned().into()),
            ..Options::default()
        };
        assert_eq!(o.take_passphrase().unwrap().as_slice(), b"pw");
        assert!(o.passphrase.is_none());
    }
}
