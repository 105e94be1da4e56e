//! Conditions: IAM's operators, set qualifiers and `…IfExists`, over the condition keys a call
//! supplies ([`super::context::Context`]), with policy variables.
//!
//! The rules (IAM's, which KMS follows): operators AND, keys within an operator AND, a key's
//! values OR; a negated operator needs every value not to match; an absent key makes a
//! condition false, except for negated operators (true), `…IfExists` (true) and `Null`;
//! `ForAllValues` holds on an absent or empty set, `ForAnyValue` does not (`…IfExists` or
//! not); a multi-valued key used without a set qualifier matches nothing. A policy variable
//! that cannot be resolved matches nothing and makes a negated operator fail.

use std::borrow::Cow;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::pattern::{arn_like, arn_like_escaped, glob, glob_escaped};
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

            /// The key a name names, in any case.
            pub fn find(name: &str) -> Option<Known> {
                Known::ALL.iter().copied().find(|k| k.name().eq_ignore_ascii_case(name))
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
    ExternalId = "sts:ExternalId";
    RoleSessionName = "sts:RoleSessionName";
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
        Known::find(name).map_or(CondKey::Other(lower), CondKey::Known)
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

    /// Whether the operator's values are patterns (`*`, `?`): a substituted variable's value
    /// must then be escaped to match only itself.
    fn wildcards(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringLike | StringNotLike | ArnEquals | ArnLike | ArnNotEquals | ArnNotLike
        )
    }

    /// Whether one request value matches one policy value, for the operator's positive form;
    /// `escaped`: the policy value is a pattern from [`substitute_pattern`].
    fn matches(self, policy: &str, actual: &str, escaped: bool) -> bool {
        use Operator::*;
        match self {
            StringLike | StringNotLike if escaped => glob_escaped(policy, actual),
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike if escaped => {
                arn_like_escaped(policy, actual)
            }
            StringEquals | StringNotEquals => policy == actual,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => policy
                .chars()
                .flat_map(char::to_lowercase)
                .eq(actual.chars().flat_map(char::to_lowercase)),
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

/// A number as a policy or a request writes one (`7`, `-1.5`, `1546257599.0`). JSON's number
/// syntax, read by serde_json's parser, which the module carries anyway (core's float parser
/// would add to its size).
fn number(s: &str) -> Option<f64> {
    serde_json::from_str::<f64>(s.trim())
        .ok()
        .filter(|n| n.is_finite())
}

fn num(policy: &str, actual: &str, f: impl Fn(f64, f64) -> bool) -> bool {
    match (number(policy), number(actual)) {
        (Some(p), Some(a)) => f(p, a),
        _ => false,
    }
}

/// A date as IAM reads one: seconds since the epoch, or one of the W3C profiles of ISO 8601
/// (`2026-12`, `2026-12-03`, `2026-12-03T17:00Z`, `2026-12-03T17:00:00Z`,
/// `2026-12-03T17:00:00.5+01:00`): a time needs its zone, `Z` or an offset.
pub fn epoch_seconds(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(n) = number(s) {
        return Some(n);
    }
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let date = match date.len() {
        7 => format!("{date}-01"),
        _ => date.to_owned(),
    };
    let Some(time) = time else {
        return crate::codec::parse_iso8601(&format!("{date}T00:00:00Z"))
            .map(|t| t.millis() as f64 / 1000.0);
    };
    // The zone: `Z`, or `+hh:mm` / `-hh:mm` east of UTC.
    let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0i64)
    } else {
        let at = time.len().checked_sub(6)?;
        let (c, zone) = (time.get(..at)?, time.get(at..)?);
        let sign = match zone.get(..1)? {
            "+" => 1,
            "-" => -1,
            _ => return None,
        };
        let (h, m) = zone.get(1..)?.split_once(':')?;
        let minutes = |v: &str| (v.len() == 2).then(|| v.parse::<i64>().ok()).flatten();
        let (h, m) = (minutes(h)?, minutes(m)?);
        if h > 23 || m > 59 {
            return None;
        }
        (c, sign * (h * 3600 + m * 60))
    };
    // Seconds are optional; a fraction keeps its first three digits.
    let (whole, fraction) = match clock.split_once('.') {
        Some((w, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            (w, f.get(..f.len().min(3)))
        }
        Some(_) => return None,
        None => (clock, None),
    };
    let whole = if whole.len() == 5 {
        format!("{whole}:00")
    } else {
        whole.to_owned()
    };
    let text = match fraction {
        Some(f) => format!("{date}T{whole}.{f}Z"),
        None => format!("{date}T{whole}Z"),
    };
    let local = crate::codec::parse_iso8601(&text)?;
    Some(local.millis() as f64 / 1000.0 - offset as f64)
}

fn date(policy: &str, actual: &str, f: impl Fn(f64, f64) -> bool) -> bool {
    match (epoch_seconds(policy), epoch_seconds(actual)) {
        (Some(p), Some(a)) => f(p, a),
        _ => false,
    }
}

/// Whether `ip` is in `cidr` (a bare address is a /32 or /128). Addresses are read here
/// rather than by `std::net` (whose parser would add to the module's size): IPv4 dotted
/// quads, and IPv6 groups with one `::`.
fn in_cidr(cidr: &str, ip: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => match b.parse::<u32>() {
            Ok(b) => (n, Some(b)),
            Err(_) => return false,
        },
        None => (cidr, None),
    };
    match (address(net), address(ip)) {
        (Some((n, nw)), Some((a, aw))) if nw == aw => {
            let bits = bits.unwrap_or(nw);
            bits <= nw && (bits == 0 || (n >> (nw - bits)) == (a >> (nw - bits)))
        }
        _ => false,
    }
}

/// An IPv4 or IPv6 address as a number and its width in bits.
fn address(s: &str) -> Option<(u128, u32)> {
    if s.contains(':') {
        return ipv6(s).map(|a| (a, 128));
    }
    let mut value = 0u128;
    let mut parts = 0;
    for part in s.split('.') {
        let ok = !part.is_empty() && part.len() <= 3 && part.bytes().all(|b| b.is_ascii_digit());
        let octet = part.parse::<u8>().ok().filter(|_| ok)?;
        value = (value << 8) | u128::from(octet);
        parts += 1;
    }
    (parts == 4).then_some((value, 32))
}

fn ipv6(s: &str) -> Option<u128> {
    let groups = |part: &str| -> Option<Vec<u16>> {
        if part.is_empty() {
            return Some(Vec::new());
        }
        part.split(':')
            .map(|g| {
                let ok = (1..=4).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_hexdigit());
                u16::from_str_radix(g, 16).ok().filter(|_| ok)
            })
            .collect()
    };
    let (head, tail) = match s.split_once("::") {
        Some((h, t)) => (groups(h)?, Some(groups(t)?)),
        None => (groups(s)?, None),
    };
    let all: Vec<u16> = match tail {
        Some(tail) if head.len() + tail.len() < 8 => {
            let zeros = 8 - head.len() - tail.len();
            head.into_iter()
                .chain(std::iter::repeat_n(0, zeros))
                .chain(tail)
                .collect()
        }
        Some(_) => return None,
        None => head,
    };
    (all.len() == 8).then(|| {
        all.iter()
            .fold(0u128, |acc, g| (acc << 16) | u128::from(*g))
    })
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
        if self.operator == Operator::Null {
            let absent = match actual {
                None => true,
                Some(Values::Many(v)) => v.is_empty(),
                Some(Values::One(_)) => false,
            };
            return self
                .values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(&absent.to_string()));
        }
        // An absent key decides before any value is read. `ForAnyValue` needs a value to
        // match, `…IfExists` or not.
        let items: Vec<&str> = match (self.qualifier, actual) {
            (None, None) => return self.if_exists || self.operator.negated(),
            (Some(SetQualifier::ForAllValues), None) => return true,
            (Some(SetQualifier::ForAnyValue), None) => return false,
            // A set used without a qualifier matches nothing.
            (None, Some(Values::Many(_))) => return false,
            (_, Some(Values::One(a))) => vec![a.as_ref()],
            (Some(_), Some(Values::Many(v))) => v.iter().map(|s| s.as_ref()).collect(),
        };
        let escaped = self.variables && self.operator.wildcards();
        let (resolved, unresolved): (Cow<'_, [String]>, bool) = if self.variables {
            let all: Vec<Option<String>> = self
                .values
                .iter()
                .map(|v| {
                    if escaped {
                        substitute_pattern(v, vars)
                    } else {
                        substitute(v, vars)
                    }
                })
                .collect();
            let unresolved = all.iter().any(Option::is_none);
            (Cow::Owned(all.into_iter().flatten().collect()), unresolved)
        } else {
            (Cow::Borrowed(&self.values), false)
        };
        // A value whose variable cannot be resolved matches nothing, and makes a negated
        // operator fail: the condition cannot be shown to hold.
        let one = |a: &str| {
            if unresolved && self.operator.negated() {
                return false;
            }
            let any = resolved
                .iter()
                .any(|p| self.operator.matches(p, a, escaped));
            any != self.operator.negated()
        };
        match self.qualifier {
            None | Some(SetQualifier::ForAnyValue) => items.iter().any(|a| one(a)),
            Some(SetQualifier::ForAllValues) => items.iter().all(|a| one(a)),
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
    replace_variables(
        value,
        vars,
        &|s: &str, out: &mut String| out.push_str(s),
        &|s, out| out.push_str(s),
    )
}

/// [`substitute`] for a value that is a pattern (`StringLike`, the `Arn*` operators, a
/// `Resource`): the result is for [`super::pattern::glob_escaped`], in which what a variable
/// gave, `${*}` and `${?}` included, matches only itself while the policy's own `*` and `?`
/// stay wildcards.
pub fn substitute_pattern(value: &str, vars: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let escape = |s: &str, out: &mut String| {
        for c in s.chars() {
            if matches!(c, '*' | '?' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
    };
    let literal = |s: &str, out: &mut String| {
        for c in s.chars() {
            if c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    };
    replace_variables(value, vars, &literal, &escape)
}

type Push<'a> = &'a dyn Fn(&str, &mut String);

/// Writes `value` with its variables replaced: the policy's own text through `literal`, what
/// a variable gives through `replaced`.
fn replace_variables(
    value: &str,
    vars: &dyn Fn(&str) -> Option<String>,
    literal: Push<'_>,
    replaced: Push<'_>,
) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        literal(rest.get(..start)?, &mut out);
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
        replaced(&replacement, &mut out);
        rest = after.get(end + 1..)?;
    }
    literal(rest, &mut out);
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
        assert!(!ip.holds(Some(&s("10.0.0.256")), &no_vars));
        assert!(!ip.holds(Some(&s("2001:db9::1")), &no_vars));
        let v6 = one(json!({"IpAddress": {"aws:SourceIp": ["::1", "fe80::/10"]}}));
        assert!(v6.holds(Some(&s("0:0:0:0:0:0:0:1")), &no_vars));
        assert!(v6.holds(Some(&s("fe80::1:2")), &no_vars));
        assert!(!v6.holds(Some(&s("fec0::1")), &no_vars));
        assert!(!v6.holds(Some(&s("1::2::3")), &no_vars));
        assert!(
            !v6.holds(Some(&s("127.0.0.1")), &no_vars),
            "IPv4 is not in an IPv6 range"
        );
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
    fn dates_are_read_in_every_w3c_profile_and_as_epoch_seconds() {
        let at = |s: &str| epoch_seconds(s);
        let noon = Some(1_796_299_200.0); // 2026-12-03T12:00:00Z
        assert_eq!(at("2026-12-03T12:00:00Z"), noon);
        assert_eq!(at("2026-12-03T12:00Z"), noon);
        assert_eq!(at("2026-12-03T13:00:00+01:00"), noon);
        assert_eq!(at("2026-12-03T07:30:00-04:30"), noon);
        assert_eq!(at("2026-12-03T12:00:00.000Z"), noon);
        assert_eq!(at("2026-12-03T12:00:00.2500001Z"), Some(1_796_299_200.25));
        assert_eq!(at("1796299200"), noon);
        assert_eq!(at("2026-12-03"), Some(1_796_256_000.0));
        assert_eq!(at("2026-12"), Some(1_796_083_200.0));
        assert_eq!(at("2027"), Some(2027.0), "digits alone are epoch seconds");
        for bad in [
            "2026-12-03T12:00:00",
            "2026-12-03T12:00:00+1:00",
            "2026-12-03T12:00:00+24:00",
            "2026-12-03T12:00:00.Z",
            "2026-13-01",
            "yesterday",
            "",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
        let before = one(json!({"DateLessThan": {"aws:CurrentTime": "2026-12-03T13:00:01+01:00"}}));
        assert!(before.holds(Some(&s("2026-12-03T12:00:00Z")), &no_vars));
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

    #[test]
    fn an_unresolved_variable_makes_a_negated_operator_fail() {
        let vars = |name: &str| (name == "aws:username").then(|| "alice".to_owned());
        let not_mine =
            one(json!({"StringNotEquals": {"kms:EncryptionContext:owner": "${aws:username}"}}));
        assert!(not_mine.holds(Some(&s("bob")), &vars));
        assert!(!not_mine.holds(Some(&s("alice")), &vars));
        assert!(
            !not_mine.holds(Some(&s("bob")), &no_vars),
            "unresolved: the condition cannot hold"
        );
        assert!(
            not_mine.holds(None, &no_vars),
            "an absent key decides before the values are read"
        );
        let not_like =
            one(json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}"}}));
        assert!(!not_like.holds(Some(&s("arn:aws:iam::1:user/bob")), &no_vars));
        let any_not =
            one(json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": "${aws:username}"}}));
        assert!(
            any_not.holds(Some(&set(&[])), &no_vars),
            "an empty set has nothing to fail"
        );
        assert!(!any_not.holds(Some(&set(&["x"])), &no_vars));
    }

    #[test]
    fn for_any_value_is_false_on_an_absent_key_even_with_if_exists() {
        let c = one(json!({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "Env"}}));
        assert!(!c.holds(None, &no_vars));
        assert!(c.holds(Some(&set(&["Env"])), &no_vars));
        let all = one(json!({"ForAllValues:StringEqualsIfExists": {"aws:TagKeys": "Env"}}));
        assert!(all.holds(None, &no_vars));
    }

    #[test]
    fn what_a_variable_gives_is_literal_in_a_pattern() {
        let vars = |name: &str| (name == "aws:PrincipalTag/team").then(|| "a*".to_owned());
        assert_eq!(
            substitute_pattern("x${*}y${?}z${$}", &no_vars).as_deref(),
            Some("x\\*y\\?z$")
        );
        assert_eq!(
            substitute_pattern("t/${aws:PrincipalTag/team}/*", &vars).as_deref(),
            Some("t/a\\*/*")
        );
        assert_eq!(
            substitute_pattern("back\\slash${$}", &no_vars).as_deref(),
            Some("back\\\\slash$")
        );
        let star = one(json!({"StringLike": {"kms:EncryptionContext:k": "a${*}b"}}));
        assert!(star.holds(Some(&s("a*b")), &no_vars));
        assert!(!star.holds(Some(&s("axxb")), &no_vars));
        let team =
            one(json!({"StringLike": {"kms:EncryptionContext:k": "t/${aws:PrincipalTag/team}/*"}}));
        assert!(team.holds(Some(&s("t/a*/report")), &vars));
        assert!(
            !team.holds(Some(&s("t/abc/report")), &vars),
            "the tag's * is not a wildcard"
        );
        let eq = one(json!({"StringEquals": {"kms:EncryptionContext:k": "a${*}b"}}));
        assert!(eq.holds(Some(&s("a*b")), &no_vars));
        let arn = one(
            json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/${aws:PrincipalTag/team}"}}),
        );
        assert!(arn.holds(Some(&s("arn:aws:iam::1:role/a*")), &vars));
        assert!(!arn.holds(Some(&s("arn:aws:iam::1:role/ab")), &vars));
    }
}
