//! Conditions: IAM's operators, set qualifiers and `…IfExists`, over the condition keys a call
//! supplies ([`super::context::Context`]), with policy variables.
//!
//! The rules (IAM's, which KMS follows): operators AND, keys within an operator AND, a key's
//! values OR; a negated operator needs every value not to match; an absent key makes a
//! condition false, except for negated operators (true), `…IfExists` (true) and `Null`;
//! `ForAllValues` holds on an absent or empty set, `ForAnyValue` does not; a multi-valued key
//! used without a set qualifier matches nothing.

use std::borrow::Cow;
use std::net::IpAddr;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::pattern::{arn_like, glob};
use crate::error::{KmsError, Result};

macro_rules! known_keys {
    ($( $variant:ident = $name:literal $(, $multi:ident)? ; )*) => {
        /// A condition key a local call can supply (anything else is always absent).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Known { $( #[doc = concat!("`", $name, "`")] $variant, )* }

        impl Known {
            /// Every known key.
            pub const ALL: &'static [Known] = &[ $( Known::$variant, )* ];

            /// The key's name as AWS spells it.
            pub fn name(self) -> &'static str {
                match self { $( Known::$variant => $name, )* }
            }

            /// Whether the key holds a set of values (`ArrayOf…` keys).
            pub fn multi_valued(self) -> bool {
                match self { $( Known::$variant => known_keys!(@multi $($multi)?), )* }
            }
        }
    };
    (@multi multi) => { true };
    (@multi) => { false };
}

known_keys! {
    BypassPolicyLockoutSafetyCheck = "kms:BypassPolicyLockoutSafetyCheck";
    CallerAccount = "kms:CallerAccount";
    CustomerMasterKeySpec = "kms:CustomerMasterKeySpec";
    CustomerMasterKeyUsage = "kms:CustomerMasterKeyUsage";
    DataKeyPairSpec = "kms:DataKeyPairSpec";
    EncryptionAlgorithm = "kms:EncryptionAlgorithm";
    EncryptionContextKeys = "kms:EncryptionContextKeys", multi;
    ExpirationModel = "kms:ExpirationModel";
    GrantConstraintType = "kms:GrantConstraintType";
    GrantIsForAwsResource = "kms:GrantIsForAWSResource";
    GrantOperations = "kms:GrantOperations", multi;
    GranteePrincipal = "kms:GranteePrincipal";
    KeyAgreementAlgorithm = "kms:KeyAgreementAlgorithm";
    KeyOrigin = "kms:KeyOrigin";
    KeySpec = "kms:KeySpec";
    KeyUsage = "kms:KeyUsage";
    MacAlgorithm = "kms:MacAlgorithm";
    MessageType = "kms:MessageType";
    MultiRegion = "kms:MultiRegion";
    MultiRegionKeyType = "kms:MultiRegionKeyType";
    PrimaryRegion = "kms:PrimaryRegion";
    ReEncryptOnSameKey = "kms:ReEncryptOnSameKey";
    ReplicaRegion = "kms:ReplicaRegion";
    RequestAlias = "kms:RequestAlias";
    ResourceAliases = "kms:ResourceAliases", multi;
    RetiringPrincipal = "kms:RetiringPrincipal";
    RotationPeriodInDays = "kms:RotationPeriodInDays";
    ScheduleKeyDeletionPendingWindowInDays = "kms:ScheduleKeyDeletionPendingWindowInDays";
    SigningAlgorithm = "kms:SigningAlgorithm";
    ValidTo = "kms:ValidTo";
    ViaService = "kms:ViaService";
    WrappingAlgorithm = "kms:WrappingAlgorithm";
    WrappingKeySpec = "kms:WrappingKeySpec";
    CalledVia = "aws:CalledVia", multi;
    CalledViaFirst = "aws:CalledViaFirst";
    CalledViaLast = "aws:CalledViaLast";
    CurrentTime = "aws:CurrentTime";
    EpochTime = "aws:EpochTime";
    PrincipalAccount = "aws:PrincipalAccount";
    PrincipalArn = "aws:PrincipalArn";
    PrincipalIsAwsService = "aws:PrincipalIsAWSService";
    PrincipalServiceName = "aws:PrincipalServiceName";
    PrincipalType = "aws:PrincipalType";
    RequestedRegion = "aws:RequestedRegion";
    SecureTransport = "aws:SecureTransport";
    SourceAccount = "aws:SourceAccount";
    SourceArn = "aws:SourceArn";
    SourceIp = "aws:SourceIp";
    SourceVpc = "aws:SourceVpc";
    SourceVpce = "aws:SourceVpce";
    TagKeys = "aws:TagKeys", multi;
    UserId = "aws:userid";
    Username = "aws:username";
    ViaAwsService = "aws:ViaAWSService";
}

/// A condition key, resolved once when the policy is parsed. Names are case-insensitive, the
/// part after `/` or `:` in a tag or context key included.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CondKey {
    /// A key of the table above.
    Known(Known),
    /// `kms:EncryptionContext:<key>` (the context key, lower-cased).
    EncryptionContext(String),
    /// `aws:PrincipalTag/<key>`.
    PrincipalTag(String),
    /// `aws:ResourceTag/<key>`.
    ResourceTag(String),
    /// `aws:RequestTag/<key>`.
    RequestTag(String),
    /// Any other key (Nitro attestation, organizations…): never present in a local call.
    Other(String),
}

impl CondKey {
    /// Resolves a key name as a policy writes it.
    pub fn parse(name: &str) -> CondKey {
        let lower = name.to_ascii_lowercase();
        let suffix = |prefix: &str| lower.strip_prefix(prefix).map(str::to_owned);
        if let Some(k) = suffix("kms:encryptioncontext:") {
            return CondKey::EncryptionContext(k);
        }
        if let Some(k) = suffix("aws:principaltag/") {
            return CondKey::PrincipalTag(k);
        }
        if let Some(k) = suffix("aws:resourcetag/") {
            return CondKey::ResourceTag(k);
        }
        if let Some(k) = suffix("aws:requesttag/") {
            return CondKey::RequestTag(k);
        }
        Known::ALL
            .iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
            .map_or(CondKey::Other(lower), |k| CondKey::Known(*k))
    }

    /// Whether the key holds a set of values.
    pub fn multi_valued(&self) -> bool {
        matches!(self, CondKey::Known(k) if k.multi_valued())
    }
}

/// A condition operator, without its qualifier and `IfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `StringEquals`.
    StringEquals,
    /// `StringNotEquals`.
    StringNotEquals,
    /// `StringEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringNotEqualsIgnoreCase`.
    StringNotEqualsIgnoreCase,
    /// `StringLike`.
    StringLike,
    /// `StringNotLike`.
    StringNotLike,
    /// `NumericEquals`.
    NumericEquals,
    /// `NumericNotEquals`.
    NumericNotEquals,
    /// `NumericLessThan`.
    NumericLessThan,
    /// `NumericLessThanEquals`.
    NumericLessThanEquals,
    /// `NumericGreaterThan`.
    NumericGreaterThan,
    /// `NumericGreaterThanEquals`.
    NumericGreaterThanEquals,
    /// `DateEquals`.
    DateEquals,
    /// `DateNotEquals`.
    DateNotEquals,
    /// `DateLessThan`.
    DateLessThan,
    /// `DateLessThanEquals`.
    DateLessThanEquals,
    /// `DateGreaterThan`.
    DateGreaterThan,
    /// `DateGreaterThanEquals`.
    DateGreaterThanEquals,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    BinaryEquals,
    /// `IpAddress`.
    IpAddress,
    /// `NotIpAddress`.
    NotIpAddress,
    /// `ArnEquals`.
    ArnEquals,
    /// `ArnLike`.
    ArnLike,
    /// `ArnNotEquals`.
    ArnNotEquals,
    /// `ArnNotLike`.
    ArnNotLike,
    /// `Null`.
    Null,
}

const OPERATORS: [(&str, Operator); 27] = [
    ("StringEquals", Operator::StringEquals),
    ("StringNotEquals", Operator::StringNotEquals),
    ("StringEqualsIgnoreCase", Operator::StringEqualsIgnoreCase),
    (
        "StringNotEqualsIgnoreCase",
        Operator::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", Operator::StringLike),
    ("StringNotLike", Operator::StringNotLike),
    ("NumericEquals", Operator::NumericEquals),
    ("NumericNotEquals", Operator::NumericNotEquals),
    ("NumericLessThan", Operator::NumericLessThan),
    ("NumericLessThanEquals", Operator::NumericLessThanEquals),
    ("NumericGreaterThan", Operator::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        Operator::NumericGreaterThanEquals,
    ),
    ("DateEquals", Operator::DateEquals),
    ("DateNotEquals", Operator::DateNotEquals),
    ("DateLessThan", Operator::DateLessThan),
    ("DateLessThanEquals", Operator::DateLessThanEquals),
    ("DateGreaterThan", Operator::DateGreaterThan),
    ("DateGreaterThanEquals", Operator::DateGreaterThanEquals),
    ("Bool", Operator::Bool),
    ("BinaryEquals", Operator::BinaryEquals),
    ("IpAddress", Operator::IpAddress),
    ("NotIpAddress", Operator::NotIpAddress),
    ("ArnEquals", Operator::ArnEquals),
    ("ArnLike", Operator::ArnLike),
    ("ArnNotEquals", Operator::ArnNotEquals),
    ("ArnNotLike", Operator::ArnNotLike),
    ("Null", Operator::Null),
];

impl Operator {
    /// The operator's name.
    pub fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("", |(n, _)| n)
    }

    /// Negated operators hold when no value matches, and on an absent key.
    pub fn negated(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Whether policy variables are read in the operator's values.
    fn reads_variables(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringEquals
                | StringNotEquals
                | StringEqualsIgnoreCase
                | StringNotEqualsIgnoreCase
                | StringLike
                | StringNotLike
                | ArnEquals
                | ArnLike
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Whether one request value matches one policy value, for the operator's positive form.
    fn matches(self, policy: &str, actual: &str) -> bool {
        use Operator::*;
        match self {
            StringEquals | StringNotEquals => policy == actual,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                policy.to_lowercase() == actual.to_lowercase()
            }
            StringLike | StringNotLike => glob(policy, actual, false),
            NumericEquals | NumericNotEquals => num(policy, actual, |a, b| a == b),
            NumericLessThan => num(policy, actual, |p, a| a < p),
            NumericLessThanEquals => num(policy, actual, |p, a| a <= p),
            NumericGreaterThan => num(policy, actual, |p, a| a > p),
            NumericGreaterThanEquals => num(policy, actual, |p, a| a >= p),
            DateEquals | DateNotEquals => date(policy, actual, |p, a| a == p),
            DateLessThan => date(policy, actual, |p, a| a < p),
            DateLessThanEquals => date(policy, actual, |p, a| a <= p),
            DateGreaterThan => date(policy, actual, |p, a| a > p),
            DateGreaterThanEquals => date(policy, actual, |p, a| a >= p),
            Bool => policy.eq_ignore_ascii_case(actual),
            BinaryEquals => {
                let engine = base64::engine::general_purpose::STANDARD;
                matches!((engine.decode(policy), engine.decode(actual)), (Ok(p), Ok(a)) if p == a)
            }
            IpAddress | NotIpAddress => in_cidr(policy, actual),
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => arn_like(policy, actual),
            Null => false,
        }
    }
}

fn num(policy: &str, actual: &str, f: impl Fn(f64, f64) -> bool) -> bool {
    match (policy.trim().parse::<f64>(), actual.trim().parse::<f64>()) {
        (Ok(p), Ok(a)) if p.is_finite() && a.is_finite() => f(p, a),
        _ => false,
    }
}

/// A date as IAM reads one: ISO 8601 (`2026-12-03T17:00:00Z`, a date alone, fractions) or
/// seconds since the epoch.
pub fn epoch_seconds(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return n.is_finite().then_some(n);
    }
    let full = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_owned()
    };
    crate::codec::parse_iso8601(&full).map(|t| t.millis() as f64 / 1000.0)
}

fn date(policy: &str, actual: &str, f: impl Fn(f64, f64) -> bool) -> bool {
    match (epoch_seconds(policy), epoch_seconds(actual)) {
        (Some(p), Some(a)) => f(p, a),
        _ => false,
    }
}

/// Whether `ip` is in `cidr` (a bare address is a /32 or /128).
fn in_cidr(cidr: &str, ip: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => match b.parse::<u32>() {
            Ok(b) => (n, Some(b)),
            Err(_) => return false,
        },
        None => (cidr, None),
    };
    match (net.parse::<IpAddr>(), ip.parse::<IpAddr>()) {
        (Ok(IpAddr::V4(n)), Ok(IpAddr::V4(a))) => {
            let bits = bits.unwrap_or(32);
            bits <= 32 && masked(u32::from(n).into(), u32::from(a).into(), bits, 32)
        }
        (Ok(IpAddr::V6(n)), Ok(IpAddr::V6(a))) => {
            let bits = bits.unwrap_or(128);
            bits <= 128 && masked(u128::from(n), u128::from(a), bits, 128)
        }
        _ => false,
    }
}

fn masked(net: u128, addr: u128, bits: u32, width: u32) -> bool {
    let shift = width - bits;
    shift >= 128 || (net >> shift) == (addr >> shift)
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetQualifier {
    /// Every request value matches (true on an absent or empty set).
    ForAllValues,
    /// Some request value matches (false on an absent or empty set).
    ForAnyValue,
}

/// One condition: an operator applied to one key with its policy values.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// `ForAllValues:` / `ForAnyValue:`, if any.
    pub qualifier: Option<SetQualifier>,
    /// `…IfExists`.
    pub if_exists: bool,
    /// The operator as written (`ForAnyValue:StringEqualsIfExists`).
    pub operator_text: String,
    /// The key, resolved.
    pub key: CondKey,
    /// The key as written.
    pub key_text: String,
    /// The policy's values (numbers and booleans as their JSON text).
    pub values: Vec<String>,
    /// Whether values hold policy variables to substitute.
    pub variables: bool,
}

fn bad(text: String) -> KmsError {
    KmsError::MalformedPolicyDocument(text)
}

impl Condition {
    /// Parses a statement's `Condition` block.
    pub fn parse_block(block: &Map<String, Value>, variables: bool) -> Result<Vec<Condition>> {
        let mut out = Vec::new();
        for (operator_text, keys) in block {
            let (qualifier, rest) = match operator_text.split_once(':') {
                Some(("ForAllValues", rest)) => (Some(SetQualifier::ForAllValues), rest),
                Some(("ForAnyValue", rest)) => (Some(SetQualifier::ForAnyValue), rest),
                Some(_) => return Err(bad(format!("Invalid Condition type : {operator_text}."))),
                None => (None, operator_text.as_str()),
            };
            let (base, if_exists) = match rest.strip_suffix("IfExists") {
                Some(base) if base != "Null" => (base, true),
                _ => (rest, false),
            };
            let operator = OPERATORS
                .iter()
                .find(|(n, _)| *n == base)
                .map(|(_, o)| *o)
                .ok_or_else(|| bad(format!("Invalid Condition type : {operator_text}.")))?;
            let Value::Object(keys) = keys else {
                return Err(bad(format!(
                    "The condition {operator_text} must map condition keys to values."
                )));
            };
            for (key_text, values) in keys {
                let key = CondKey::parse(key_text);
                let overly_permissive = qualifier == Some(SetQualifier::ForAllValues)
                    && matches!(key, CondKey::EncryptionContext(_) | CondKey::RequestTag(_));
                if overly_permissive {
                    return Err(bad("OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified encryption context or with an unspecified encryption context. To fix, remove ForAllValues.".to_owned()));
                }
                let values = condition_values(values).ok_or_else(|| {
                    bad(format!(
                        "The values of condition key {key_text} must be strings, numbers or booleans."
                    ))
                })?;
                let variables = variables
                    && operator.reads_variables()
                    && values.iter().any(|v| v.contains("${"));
                out.push(Condition {
                    operator,
                    qualifier,
                    if_exists,
                    operator_text: operator_text.clone(),
                    key,
                    key_text: key_text.clone(),
                    values,
                    variables,
                });
            }
        }
        Ok(out)
    }

    /// Whether the condition holds, given the request's values of its key (`None`: absent)
    /// and how to resolve policy variables.
    pub fn holds(
        &self,
        actual: Option<&Values<'_>>,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        let resolved: Cow<'_, [String]> = if self.variables {
            // A value whose variable cannot be resolved matches nothing.
            Cow::Owned(
                self.values
                    .iter()
                    .filter_map(|v| substitute(v, vars))
                    .collect(),
            )
        } else {
            Cow::Borrowed(&self.values)
        };
        if self.operator == Operator::Null {
            let absent = match actual {
                None => true,
                Some(Values::Many(v)) => v.is_empty(),
                Some(Values::One(_)) => false,
            };
            return resolved
                .iter()
                .any(|v| v.eq_ignore_ascii_case(&absent.to_string()));
        }
        let one = |a: &str| {
            let any = resolved.iter().any(|p| self.operator.matches(p, a));
            any != self.operator.negated()
        };
        match (self.qualifier, actual) {
            (None, None) => self.if_exists || self.operator.negated(),
            (None, Some(Values::One(a))) => one(a),
            // A set used without a qualifier matches nothing.
            (None, Some(Values::Many(_))) => false,
            (Some(SetQualifier::ForAllValues), None) => true,
            (Some(SetQualifier::ForAnyValue), None) => self.if_exists,
            (Some(q), Some(values)) => {
                let items: Vec<&str> = match values {
                    Values::One(a) => vec![a.as_ref()],
                    Values::Many(v) => v.iter().map(|s| s.as_ref()).collect(),
                };
                match q {
                    SetQualifier::ForAllValues => items.iter().all(|a| one(a)),
                    SetQualifier::ForAnyValue => items.iter().any(|a| one(a)),
                }
            }
        }
    }
}

/// A request's value(s) of one key.
#[derive(Clone, Debug, PartialEq)]
pub enum Values<'a> {
    /// A single value.
    One(Cow<'a, str>),
    /// A set of values.
    Many(Vec<Cow<'a, str>>),
}

impl Values<'_> {
    /// The values, as text for an explanation.
    pub fn to_strings(&self) -> Vec<String> {
        match self {
            Values::One(v) => vec![v.to_string()],
            Values::Many(v) => v.iter().map(|s| s.to_string()).collect(),
        }
    }
}

fn condition_values(v: &Value) -> Option<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match v {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

/// Replaces the policy variables in `value` (`${aws:username}`, `${aws:PrincipalTag/team}`,
/// `${key, 'default'}`, and `${*}`, `${?}`, `${$}`); `None` if one cannot be resolved.
pub fn substitute(value: &str, vars: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start)?);
        let after = rest.get(start + 2..)?;
        let end = after.find('}')?;
        let inner = after.get(..end)?.trim();
        let (name, default) = match inner.split_once(',') {
            Some((n, d)) => {
                let d = d.trim();
                let d = d.strip_prefix('\'').and_then(|d| d.strip_suffix('\''))?;
                (n.trim(), Some(d))
            }
            None => (inner, None),
        };
        let replacement = match name {
            "*" | "?" | "$" => Some(name.to_owned()),
            _ => vars(name).or_else(|| default.map(str::to_owned)),
        }?;
        out.push_str(&replacement);
        rest = after.get(end + 1..)?;
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conditions(v: Value) -> Vec<Condition> {
        match v {
            Value::Object(m) => Condition::parse_block(&m, true).unwrap_or_else(|e| panic!("{e}")),
            _ => panic!("an object"),
        }
    }

    fn one(v: Value) -> Condition {
        conditions(v).remove(0)
    }

    fn s(v: &str) -> Values<'_> {
        Values::One(Cow::Borrowed(v))
    }

    fn set<'a>(v: &[&'a str]) -> Values<'a> {
        Values::Many(v.iter().map(|s| Cow::Borrowed(*s)).collect())
    }

    fn no_vars(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn keys_resolve_case_insensitively() {
        assert_eq!(
            CondKey::parse("KMS:viaservice"),
            CondKey::Known(Known::ViaService)
        );
        assert_eq!(
            CondKey::parse("kms:EncryptionContext:AppName"),
            CondKey::EncryptionContext("appname".into())
        );
        assert_eq!(
            CondKey::parse("aws:PrincipalTag/Team"),
            CondKey::PrincipalTag("team".into())
        );
        assert_eq!(
            CondKey::parse("kms:RecipientAttestation:PCR0"),
            CondKey::Other("kms:recipientattestation:pcr0".into())
        );
        assert!(CondKey::parse("kms:EncryptionContextKeys").multi_valued());
    }

    #[test]
    fn string_operators_and_absent_keys() {
        let eq = one(
            json!({"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com", "ec2.us-east-1.amazonaws.com"]}}),
        );
        assert!(eq.holds(Some(&s("ec2.us-east-1.amazonaws.com")), &no_vars));
        assert!(!eq.holds(Some(&s("S3.us-east-1.amazonaws.com")), &no_vars));
        assert!(!eq.holds(None, &no_vars));
        let ne = one(json!({"StringNotEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}));
        assert!(ne.holds(None, &no_vars), "absent: a negated operator holds");
        assert!(!ne.holds(Some(&s("vpce-2")), &no_vars));
        assert!(ne.holds(Some(&s("vpce-3")), &no_vars));
        let ic = one(json!({"StringEqualsIgnoreCase": {"kms:CallerAccount": "ABC"}}));
        assert!(ic.holds(Some(&s("abc")), &no_vars));
        let like = one(json!({"StringLike": {"kms:RequestAlias": "alias/app-*"}}));
        assert!(like.holds(Some(&s("alias/app-prod")), &no_vars));
        assert!(!like.holds(Some(&s("alias/other")), &no_vars));
        let if_exists =
            one(json!({"StringEqualsIfExists": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}));
        assert!(if_exists.holds(None, &no_vars));
        assert!(!if_exists.holds(Some(&s("ec2.us-east-1.amazonaws.com")), &no_vars));
    }

    #[test]
    fn numeric_date_bool_binary_ip_and_arn_operators() {
        let lt = one(
            json!({"NumericLessThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": 10}}),
        );
        assert!(lt.holds(Some(&s("7")), &no_vars));
        assert!(!lt.holds(Some(&s("30")), &no_vars));
        assert!(!lt.holds(Some(&s("seven")), &no_vars));
        let before = one(json!({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}));
        assert!(before.holds(Some(&s("2026-12-03T17:00:00Z")), &no_vars));
        assert!(!before.holds(Some(&s("2027-06-01T00:00:00Z")), &no_vars));
        let epoch = one(json!({"DateGreaterThan": {"aws:CurrentTime": "1546257599"}}));
        assert!(epoch.holds(Some(&s("2026-12-03")), &no_vars));
        let b = one(json!({"Bool": {"kms:GrantIsForAWSResource": true}}));
        assert!(b.holds(Some(&s("true")), &no_vars));
        assert!(!b.holds(Some(&s("false")), &no_vars));
        let bin = one(json!({"BinaryEquals": {"aws:x": "AQID"}}));
        assert!(bin.holds(Some(&s("AQID")), &no_vars));
        assert!(!bin.holds(Some(&s("AQIE")), &no_vars));
        let ip = one(
            json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"]}}),
        );
        assert!(ip.holds(Some(&s("10.1.2.3")), &no_vars));
        assert!(ip.holds(Some(&s("192.168.1.7")), &no_vars));
        assert!(!ip.holds(Some(&s("192.168.1.8")), &no_vars));
        assert!(ip.holds(Some(&s("2001:db8::1")), &no_vars));
        assert!(!ip.holds(Some(&s("not-an-ip")), &no_vars));
        let any = one(json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}));
        assert!(any.holds(Some(&s("8.8.8.8")), &no_vars));
        let not_ip = one(json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}));
        assert!(not_ip.holds(Some(&s("11.0.0.1")), &no_vars));
        assert!(!not_ip.holds(Some(&s("10.0.0.1")), &no_vars));
        let arn = one(json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}}));
        assert!(arn.holds(Some(&s("arn:aws:iam::111122223333:role/app-1")), &no_vars));
        assert!(!arn.holds(Some(&s("arn:aws:iam::111122223333:user/app-1")), &no_vars));
    }

    #[test]
    fn null_and_set_qualifiers() {
        let null_true = one(json!({"Null": {"kms:BypassPolicyLockoutSafetyCheck": "true"}}));
        assert!(null_true.holds(None, &no_vars));
        assert!(!null_true.holds(Some(&s("false")), &no_vars));
        let need_context = one(json!({"Null": {"kms:EncryptionContextKeys": "false"}}));
        assert!(!need_context.holds(None, &no_vars));
        assert!(need_context.holds(Some(&set(&["a"])), &no_vars));
        let all = one(
            json!({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["AppName", "Env"]}}),
        );
        assert!(
            all.holds(None, &no_vars),
            "the ForAllValues trap: an absent set matches"
        );
        assert!(all.holds(Some(&set(&[])), &no_vars));
        assert!(all.holds(Some(&set(&["AppName"])), &no_vars));
        assert!(!all.holds(Some(&set(&["AppName", "Other"])), &no_vars));
        let any =
            one(json!({"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "AppName"}}));
        assert!(!any.holds(None, &no_vars));
        assert!(any.holds(Some(&set(&["x", "AppName"])), &no_vars));
        assert!(!any.holds(Some(&set(&["x"])), &no_vars));
        let plain = one(json!({"StringEquals": {"kms:EncryptionContextKeys": "AppName"}}));
        assert!(
            !plain.holds(Some(&set(&["AppName"])), &no_vars),
            "a set without a qualifier matches nothing"
        );
    }

    #[test]
    fn overly_permissive_and_unknown_operators_are_refused() {
        let block = |v: Value| match v {
            Value::Object(m) => Condition::parse_block(&m, true).map(drop),
            _ => Ok(()),
        };
        let err = block(json!({"ForAllValues:StringEquals": {"kms:EncryptionContext:app": "x"}}));
        assert!(
            matches!(err, Err(KmsError::MalformedPolicyDocument(m)) if m.starts_with("OverlyPermissiveCondition"))
        );
        assert!(block(json!({"StringEqualz": {"kms:ViaService": "x"}})).is_err());
        assert!(block(json!({"Sometimes:StringEquals": {"kms:ViaService": "x"}})).is_err());
        assert!(block(json!({"StringEquals": {"kms:ViaService": {"a": 1}}})).is_err());
        assert!(block(json!({"StringEquals": "x"})).is_err());
    }

    #[test]
    fn policy_variables_substitute_or_match_nothing() {
        let vars = |name: &str| match name {
            "aws:username" => Some("alice".to_owned()),
            _ => None,
        };
        assert_eq!(
            substitute("home/${aws:username}/*", &vars).as_deref(),
            Some("home/alice/*")
        );
        assert_eq!(
            substitute("${aws:PrincipalTag/team, 'none'}", &vars).as_deref(),
            Some("none")
        );
        assert_eq!(substitute("a${*}b${$}", &vars).as_deref(), Some("a*b$"));
        assert_eq!(substitute("${aws:PrincipalTag/team}", &vars), None);
        let c = one(json!({"StringEquals": {"kms:EncryptionContext:user": "${aws:username}"}}));
        assert!(c.holds(Some(&s("alice")), &vars));
        assert!(!c.holds(Some(&s("${aws:username}")), &vars));
        let unresolved = one(
            json!({"StringEquals": {"kms:EncryptionContext:team": "${aws:PrincipalTag/team}"}}),
        );
        assert!(!unresolved.holds(Some(&s("")), &vars));
    }
}
