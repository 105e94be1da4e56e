//! Grants as the decision reads them: who may use the key for which operations, under which
//! encryption-context constraints, from when.

use std::collections::BTreeMap;

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
}
