//! Grants as the decision reads them: who may use the key for which operations, under which
//! encryption-context constraints, from when.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;

use super::action::{Action, ActionSet};
use super::context::{CallerKind, Who};
use crate::codec::Timestamp;

/// A grant's encryption-context constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// The request's context must be exactly these pairs.
    Equals(BTreeMap<String, String>),
    /// The request's context must hold these pairs (others may come with them).
    Subset(BTreeMap<String, String>),
}

/// One grant on a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The grant's ID (64 hex digits).
    pub id: String,
    /// Its name, if given.
    pub name: Option<String>,
    /// Who it is for: a user, role, session or account-root ARN, or a service principal.
    pub grantee: String,
    /// Who may retire it, besides those AWS always lets.
    pub retiring: Option<String>,
    /// The operations it allows.
    pub operations: ActionSet,
    /// Its encryption-context constraint, if any.
    pub constraint: Option<Constraint>,
    /// The account it was created in.
    pub issuing_account: String,
    /// When it was created.
    pub created: Timestamp,
    /// When it takes effect without a grant token (creation plus the propagation delay).
    pub effective: Timestamp,
}

/// The operations whose grants' constraints are checked against the request's encryption
/// context; for the others (DescribeKey, RetireGrant, …) a constraint does not apply.
pub fn takes_context(action: Action) -> bool {
    use Action::*;
    matches!(
        action,
        Encrypt
            | Decrypt
            | ReEncryptFrom
            | ReEncryptTo
            | GenerateDataKey
            | GenerateDataKeyWithoutPlaintext
            | GenerateDataKeyPair
            | GenerateDataKeyPairWithoutPlaintext
    )
}

/// How a grant's grantee matches the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GranteeMatch {
    /// The grantee is the caller (its ARN, its role's ARN, or its service principal).
    Direct,
    /// The grantee is the caller's account: an identity policy must delegate the action.
    Account,
    /// The grant is for someone else.
    No,
}

/// Whether a context satisfies a constraint: keys compare case-insensitively, values exactly.
pub fn constraint_holds(c: &Constraint, context: Option<&BTreeMap<String, String>>) -> bool {
    let empty = BTreeMap::new();
    let request = context.unwrap_or(&empty);
    let has = |k: &str, v: &str| {
        request
            .iter()
            .any(|(rk, rv)| rk.eq_ignore_ascii_case(k) && rv == v)
    };
    match c {
        Constraint::Equals(pairs) => {
            pairs.len() == request.len() && pairs.iter().all(|(k, v)| has(k, v))
        }
        Constraint::Subset(pairs) => !request.is_empty() && pairs.iter().all(|(k, v)| has(k, v)),
    }
}

impl Grant {
    /// How the grantee matches `who`.
    pub fn grantee_matches(&self, who: &Who<'_>) -> GranteeMatch {
        let g = self.grantee.as_str();
        if g == who.arn || who.role_arn == Some(g) {
            return GranteeMatch::Direct;
        }
        let root = g
            .strip_prefix("arn:")
            .and_then(|r| r.split(':').nth(3).map(|acct| (acct, r.ends_with(":root"))));
        match root {
            Some((account, true)) if account == who.account && who.kind != CallerKind::Service => {
                GranteeMatch::Account
            }
            _ => GranteeMatch::No,
        }
    }

    /// Why the grant does not allow `action` for this request, or `None` if it does (the
    /// grantee aside).
    pub fn refusal(
        &self,
        action: Action,
        context: Option<&BTreeMap<String, String>>,
        now: Timestamp,
        tokens: &[&str],
    ) -> Option<&'static str> {
        if !self.operations.contains(action) {
            return Some("the grant does not list the operation");
        }
        if now < self.effective && !tokens.contains(&self.id.as_str()) {
            return Some(
                "the grant has not taken effect yet, and the call gave no grant token for it",
            );
        }
        match &self.constraint {
            Some(c) if takes_context(action) && !constraint_holds(c, context) => Some(match c {
                Constraint::Equals(_) => "the encryption context is not the one the grant's EncryptionContextEquals constraint requires",
                Constraint::Subset(_) => "the encryption context lacks a pair the grant's EncryptionContextSubset constraint requires",
            }),
            _ => None,
        }
    }
}

/// The operations a grant may list (AWS's `GrantOperation`), in the model's order.
pub const GRANT_OPERATIONS: &[Action] = &[
    Action::Decrypt,
    Action::Encrypt,
    Action::GenerateDataKey,
    Action::GenerateDataKeyWithoutPlaintext,
    Action::ReEncryptFrom,
    Action::ReEncryptTo,
    Action::Sign,
    Action::Verify,
    Action::GetPublicKey,
    Action::CreateGrant,
    Action::RetireGrant,
    Action::DescribeKey,
    Action::GenerateDataKeyPair,
    Action::GenerateDataKeyPairWithoutPlaintext,
    Action::GenerateMac,
    Action::VerifyMac,
    Action::DeriveSharedSecret,
];

/// The version byte that begins every grant token this service writes.
const TOKEN_VERSION: u8 = 1;

/// A grant token for the grant `id` (64 hex digits): opaque text that names the grant and
/// differs at every issue (`nonce`), as AWS's do; every token of a grant works.
pub fn token(id: &str, nonce: &[u8; 16]) -> Option<String> {
    let raw = crate::codec::hex::decode32(id)?;
    let mut bytes = Vec::with_capacity(1 + 32 + 16);
    bytes.push(TOKEN_VERSION);
    bytes.extend_from_slice(&raw);
    bytes.extend_from_slice(nonce);
    Some(B64URL.encode(bytes))
}

/// The ID of the grant a token names, or `None` if the text is not a grant token.
pub fn token_grant_id(token: &str) -> Option<String> {
    let bytes = B64URL.decode(token.as_bytes()).ok()?;
    match bytes.split_first() {
        Some((&TOKEN_VERSION, rest)) if rest.len() == 48 => {
            Some(crate::codec::hex::encode(rest.get(..32)?))
        }
        _ => None,
    }
}

/// Whether a context constraint's pairs hold all of `required`'s (keys compared without case,
/// values exactly).
fn holds_pairs(pairs: &BTreeMap<String, String>, required: &BTreeMap<String, String>) -> bool {
    required.iter().all(|(k, v)| {
        pairs
            .iter()
            .any(|(pk, pv)| pk.eq_ignore_ascii_case(k) && pv == v)
    })
}

impl Grant {
    /// Whether a grant with `operations` and `constraint`, made by a principal whose
    /// CreateGrant comes from this grant, is at least as strict as this one: the same or fewer
    /// operations, and a constraint at least as strict (a Subset may gain pairs or become an
    /// Equals that holds them; an Equals stays the same Equals).
    pub fn allows_child(&self, operations: ActionSet, constraint: Option<&Constraint>) -> bool {
        let ops_ok = operations.iter().all(|a| self.operations.contains(a));
        let constraint_ok = match (&self.constraint, constraint) {
            (None, _) => true,
            (Some(_), None) => false,
            (
                Some(Constraint::Subset(parent)),
                Some(Constraint::Subset(c) | Constraint::Equals(c)),
            ) => holds_pairs(c, parent),
            (Some(Constraint::Equals(parent)), Some(Constraint::Equals(c))) => {
                c.len() == parent.len() && holds_pairs(c, parent)
            }
            (Some(Constraint::Equals(_)), Some(Constraint::Subset(_))) => false,
        };
        ops_ok && constraint_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn constraints_compare_keys_without_case_and_values_exactly() {
        let subset = Constraint::Subset(map(&[("Department", "IT")]));
        assert!(constraint_holds(
            &subset,
            Some(&map(&[("Department", "IT"), ("Purpose", "Test")]))
        ));
        assert!(!constraint_holds(
            &subset,
            Some(&map(&[("Department", "it")]))
        ));
        assert!(constraint_holds(
            &subset,
            Some(&map(&[("department", "IT")]))
        ));
        assert!(!constraint_holds(&subset, None));
        let equals = Constraint::Equals(map(&[("Department", "IT")]));
        assert!(!constraint_holds(
            &equals,
            Some(&map(&[("Department", "IT"), ("Purpose", "Test")]))
        ));
        assert!(constraint_holds(
            &equals,
            Some(&map(&[("DEPARTMENT", "IT")]))
        ));
        assert!(constraint_holds(&Constraint::Equals(BTreeMap::new()), None));
    }

    #[test]
    fn a_token_names_its_grant_and_nothing_else_is_a_token() {
        let id = "ab".repeat(32);
        let t1 = token(&id, &[1; 16]).unwrap();
        let t2 = token(&id, &[2; 16]).unwrap();
        assert_ne!(t1, t2);
        assert_eq!(token_grant_id(&t1).as_deref(), Some(id.as_str()));
        assert_eq!(token_grant_id(&t2).as_deref(), Some(id.as_str()));
        for bad in ["", "t0", "AQ", &id, &t1[1..]] {
            assert_eq!(token_grant_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn children_are_at_least_as_strict() {
        let ops = |names: &[Action]| names.iter().fold(ActionSet::EMPTY, |s, a| s.with(*a));
        let parent = Grant {
            id: "g".into(),
            name: None,
            grantee: "arn:aws:iam::111122223333:user/u".into(),
            retiring: None,
            operations: ops(&[Action::Decrypt, Action::CreateGrant]),
            constraint: Some(Constraint::Subset(map(&[("Dept", "IT")]))),
            issuing_account: "111122223333".into(),
            created: Timestamp(0),
            effective: Timestamp(0),
        };
        let equals = Constraint::Equals(map(&[("dept", "IT")]));
        let more = Constraint::Subset(map(&[("Dept", "IT"), ("Team", "a")]));
        let other = Constraint::Subset(map(&[("Dept", "HR")]));
        assert!(parent.allows_child(ops(&[Action::Decrypt]), Some(&equals)));
        assert!(parent.allows_child(ops(&[Action::Decrypt]), Some(&more)));
        assert!(!parent.allows_child(ops(&[Action::Decrypt, Action::Encrypt]), Some(&equals)));
        assert!(!parent.allows_child(ops(&[Action::Decrypt]), None));
        assert!(!parent.allows_child(ops(&[Action::Decrypt]), Some(&other)));
        let strict = Grant {
            constraint: Some(equals.clone()),
            ..parent.clone()
        };
        assert!(strict.allows_child(ops(&[Action::Decrypt]), Some(&equals)));
        assert!(!strict.allows_child(ops(&[Action::Decrypt]), Some(&more)));
        let open = Grant {
            constraint: None,
            ..parent
        };
        assert!(open.allows_child(ops(&[Action::CreateGrant]), None));
    }
}
