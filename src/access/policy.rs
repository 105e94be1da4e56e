//! Policy documents, parsed once when stored: key policies (a `Principal` in every statement)
//! and IAM identity policies (none), checked with AWS's rules and texts, ready to evaluate.
//!
//! What is matched per call is prepared here: action patterns become a set of [`Action`]s,
//! condition keys become [`CondKey`]s, principals are sorted into accounts, ARNs and services.

use serde_json::{Map, Value};

use super::action::{Action, ActionSet};
use super::condition::{CondKey, Condition};
use crate::domain::ids;
use crate::error::{KmsError, Result};

/// Allow or Deny, as a statement says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    /// The statement allows.
    Allow,
    /// The statement denies.
    Deny,
}

/// Which kind of document: the rules differ on `Principal` and `Resource`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// A key policy: every statement names its principals.
    Key,
    /// An IAM identity policy (inline or managed): no statement names principals.
    Identity,
    /// A role's trust policy (who may assume it): principals, no resources.
    Trust,
}

/// A parsed policy document.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// `Version`, if given. Policy variables work only with `2012-10-17`.
    pub version: Option<String>,
    /// `Id`, if given.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// `Sid`, if given.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// `Principal` (or `NotPrincipal`, then `principal_negated`); `None` in identity policies.
    pub principal: Option<Principals>,
    /// The statement names `NotPrincipal`: it applies to everyone it does not list.
    pub principal_negated: bool,
    /// The `kms:` actions the statement covers (after `NotAction`'s complement); empty when
    /// the statement has neither `Action` nor `NotAction` (AWS accepts it, and it is inert).
    pub actions: ActionSet,
    /// The action patterns as written, for explanations and for actions of other services.
    pub action_text: Vec<String>,
    /// The statement names `NotAction`.
    pub actions_negated: bool,
    /// `Resource` patterns (or `NotResource`, then `resources_negated`); `None` when absent,
    /// which makes a key policy statement inert.
    pub resources: Option<Vec<String>>,
    /// The statement names `NotResource`.
    pub resources_negated: bool,
    /// Every condition must hold.
    pub conditions: Vec<Condition>,
}

/// Who a statement names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Principals {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    pub anyone: bool,
    /// Accounts (`111122223333` or `arn:aws:iam::111122223333:root`), by ID.
    pub accounts: Vec<String>,
    /// IAM users, roles and assumed-role sessions, by ARN.
    pub arns: Vec<String>,
    /// AWS service principals (`logs.amazonaws.com`).
    pub services: Vec<String>,
    /// Federated or canonical-user principals: valid, but no local caller is one.
    pub others: Vec<String>,
}

/// Whether an IAM user or role a policy names exists (and, for the lockout check, who asks).
pub trait Directory {
    /// Whether `arn` names an existing IAM user, role or assumed-role session's role.
    fn principal_exists(&self, arn: &str) -> bool;
}

/// A directory in which every well-formed principal exists (for tests and for policies read
/// back from a store, which were checked when written).
pub struct Anyone;

impl Directory for Anyone {
    fn principal_exists(&self, _arn: &str) -> bool {
        true
    }
}

fn malformed(text: &str) -> KmsError {
    KmsError::MalformedPolicyDocument(text.to_owned())
}

/// A value that is a string or a list of strings, as most policy elements are.
fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

const STATEMENT_MEMBERS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

impl Policy {
    /// Parses and checks a policy document of `kind`. Principals are checked against
    /// `directory`; the texts are AWS's where AWS's are known (see the README for the ones
    /// this project chose).
    pub fn parse(text: &str, kind: PolicyKind, directory: &dyn Directory) -> Result<Policy> {
        let doc: Value = serde_json::from_str(text)
            .map_err(|_| malformed("The key policy is not a valid JSON document."))?;
        let Value::Object(doc) = doc else {
            return Err(malformed("The key policy is not a valid JSON document."));
        };
        for member in doc.keys() {
            if !["Version", "Id", "Statement"].contains(&member.as_str()) {
                return Err(malformed(&format!(
                    "The policy contains an unknown element: {member}."
                )));
            }
        }
        let version = match doc.get("Version") {
            None => None,
            Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => Some(v.clone()),
            Some(_) => return Err(malformed("The policy has an invalid Version.")),
        };
        let id = match doc.get("Id") {
            None => None,
            Some(Value::String(v)) => Some(v.clone()),
            Some(_) => return Err(malformed("The policy's Id must be a string.")),
        };
        let raw: Vec<&Map<String, Value>> = match doc.get("Statement") {
            Some(Value::Object(s)) => vec![s],
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(Value::as_object)
                .collect::<Option<_>>()
                .ok_or_else(|| malformed("Each statement of a policy must be a JSON object."))?,
            _ => return Err(malformed("The policy must contain at least one Statement.")),
        };
        let variables = version.as_deref() == Some("2012-10-17");
        let mut statements = Vec::with_capacity(raw.len());
        for s in raw {
            statements.push(Statement::parse(s, kind, variables, directory)?);
        }
        // Pairwise: a 32 KB policy holds a few hundred statements at most, and a sort would add
        // its code to the module for this alone.
        let sids: Vec<&str> = statements.iter().filter_map(|s| s.sid.as_deref()).collect();
        let repeated = sids
            .iter()
            .enumerate()
            .any(|(i, a)| sids.iter().skip(i + 1).any(|b| a == b));
        if repeated {
            return Err(malformed(
                "Statement IDs (SID) in a single policy must be unique.",
            ));
        }
        Ok(Policy {
            version,
            id,
            statements,
        })
    }

    /// Whether policy variables (`${aws:username}`) are read: only in version 2012-10-17.
    pub fn has_variables(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }
}

impl Statement {
    fn parse(
        s: &Map<String, Value>,
        kind: PolicyKind,
        variables: bool,
        directory: &dyn Directory,
    ) -> Result<Statement> {
        for member in s.keys() {
            if !STATEMENT_MEMBERS.contains(&member.as_str()) {
                return Err(malformed(&format!(
                    "The policy contains a statement with an unknown element: {member}."
                )));
            }
        }
        let sid = match s.get("Sid") {
            None => None,
            Some(Value::String(v)) => Some(v.clone()),
            Some(_) => return Err(malformed("A statement's Sid must be a string.")),
        };
        let effect = match s.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => {
                return Err(malformed(
                    "The policy contains a statement whose Effect is not Allow or Deny.",
                ))
            }
        };
        let names_principal = s.contains_key("Principal") || s.contains_key("NotPrincipal");
        let (principal, principal_negated) = match (s.get("Principal"), s.get("NotPrincipal")) {
            _ if kind == PolicyKind::Identity && names_principal => {
                return Err(malformed("Policy document should not specify a principal."))
            }
            _ if kind == PolicyKind::Identity => (None, false),
            (Some(_), Some(_)) => {
                return Err(malformed(
                    "A statement cannot have both Principal and NotPrincipal.",
                ))
            }
            (None, None) => {
                return Err(malformed("Policy contains a statement with no principal."))
            }
            (Some(p), None) => (Some(Principals::parse(p, directory)?), false),
            (None, Some(p)) => (Some(Principals::parse(p, directory)?), true),
        };
        let (action_value, actions_negated) = match (s.get("Action"), s.get("NotAction")) {
            (Some(_), Some(_)) => {
                return Err(malformed(
                    "A statement cannot have both Action and NotAction.",
                ))
            }
            (Some(a), None) => (Some(a), false),
            (None, Some(a)) => (Some(a), true),
            (None, None) => (None, false),
        };
        let action_text = match action_value {
            Some(v) => strings(v).ok_or_else(|| {
                malformed("A statement's Action must be a string or a list of strings.")
            })?,
            None if kind == PolicyKind::Identity => {
                return Err(malformed("Policy statement must contain actions."))
            }
            None => Vec::new(),
        };
        let mut actions = ActionSet::EMPTY;
        for pattern in &action_text {
            actions = actions.union(ActionSet::matching(pattern).ok_or_else(|| {
                malformed(
                    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                )
            })?);
        }
        if actions_negated {
            actions = actions.complement();
        }
        let (resource_value, resources_negated) = match (s.get("Resource"), s.get("NotResource")) {
            (Some(_), Some(_)) => {
                return Err(malformed(
                    "A statement cannot have both Resource and NotResource.",
                ))
            }
            (Some(r), None) => (Some(r), false),
            (None, Some(r)) => (Some(r), true),
            (None, None) => (None, false),
        };
        let resources = match resource_value {
            Some(v) => Some(strings(v).ok_or_else(|| {
                malformed("A statement's Resource must be a string or a list of strings.")
            })?),
            None if kind == PolicyKind::Identity => {
                return Err(malformed("Policy statement must contain resources."))
            }
            None => None,
        };
        let conditions = match s.get("Condition") {
            None => Vec::new(),
            Some(Value::Object(c)) => Condition::parse_block(c, variables)?,
            Some(_) => return Err(malformed("A statement's Condition must be a JSON object.")),
        };
        Ok(Statement {
            sid,
            effect,
            principal,
            principal_negated,
            actions,
            action_text,
            actions_negated,
            resources,
            resources_negated,
            conditions,
        })
    }

    /// Whether the statement covers `action`.
    pub fn covers(&self, action: Action) -> bool {
        self.actions.contains(action)
    }

    /// Whether the statement covers the action `name` of any service (`sts:AssumeRole`,
    /// `iam:CreateUser`), matched as written, without case.
    pub fn covers_name(&self, name: &str) -> bool {
        !self.action_text.is_empty()
            && self
                .action_text
                .iter()
                .any(|p| super::pattern::glob(p, name, true))
                != self.actions_negated
    }

    /// The condition keys the statement reads.
    pub fn condition_keys(&self) -> impl Iterator<Item = &CondKey> {
        self.conditions.iter().map(|c| &c.key)
    }
}

impl Principals {
    fn parse(v: &Value, directory: &dyn Directory) -> Result<Principals> {
        let mut p = Principals::default();
        let invalid =
            || malformed("Policy contains a statement with one or more invalid principals.");
        match v {
            Value::String(s) if s == "*" => p.anyone = true,
            Value::Object(m) if !m.is_empty() => {
                for (kind, values) in m {
                    let values = strings(values).ok_or_else(invalid)?;
                    for value in values {
                        match kind.as_str() {
                            "AWS" => p.add_aws(&value, directory)?,
                            "Service" if is_service_principal(&value) => p.services.push(value),
                            "Federated" | "CanonicalUser" if !value.is_empty() => {
                                p.others.push(value)
                            }
                            _ => return Err(invalid()),
                        }
                    }
                }
            }
            _ => return Err(invalid()),
        }
        Ok(p)
    }

    fn add_aws(&mut self, value: &str, directory: &dyn Directory) -> Result<()> {
        let invalid =
            || malformed("Policy contains a statement with one or more invalid principals.");
        if value == "*" {
            self.anyone = true;
            return Ok(());
        }
        if ids::is_account(value) {
            self.accounts.push(value.to_owned());
            return Ok(());
        }
        if !value.starts_with("arn:") {
            return Err(invalid());
        }
        // An IAM group is never a principal, and a malformed ARN is refused as an ARN.
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        let well_formed = parts.len() == 6
            && parts.get(1).is_some_and(|p| ids::is_partition(p))
            && parts.get(3).is_some_and(|r| r.is_empty())
            && parts.get(4).is_some_and(|a| ids::is_account(a));
        let resource = parts.get(5).copied().unwrap_or_default();
        let service = parts.get(2).copied().unwrap_or_default();
        if !well_formed || (service == "iam" && resource.starts_with("group/")) {
            return Err(KmsError::InvalidArn(
                "An ARN in the specified key policy is invalid.".to_owned(),
            ));
        }
        if service == "iam" && resource == "root" {
            self.accounts
                .push(parts.get(4).copied().unwrap_or_default().to_owned());
            return Ok(());
        }
        let named = |prefix: &str| {
            resource
                .strip_prefix(prefix)
                .is_some_and(|n| !n.is_empty() && !n.contains(['*', '?']))
        };
        let known = match service {
            "iam" => named("user/") || named("role/"),
            "sts" => named("assumed-role/"),
            _ => false,
        };
        if !known || !directory.principal_exists(value) {
            return Err(invalid());
        }
        self.arns.push(value.to_owned());
        Ok(())
    }
}

/// `logs.amazonaws.com`, `s3.us-east-1.amazonaws.com`: a service principal's shape.
fn is_service_principal(s: &str) -> bool {
    (s.ends_with(".amazonaws.com") || s.ends_with(".amazonaws.com.cn"))
        && s.len() <= 256
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::default_policy;

    fn key_policy(text: &str) -> Result<Policy> {
        Policy::parse(text, PolicyKind::Key, &Anyone)
    }

    fn message(r: Result<Policy>) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(_) => "parsed".to_owned(),
        }
    }

    #[test]
    fn the_default_policy_parses_to_one_statement_for_the_account() {
        let p =
            key_policy(&default_policy("aws", "111122223333")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.id.as_deref(), Some("key-default-1"));
        let [s] = p.statements.as_slice() else {
            panic!("one statement");
        };
        assert_eq!(s.sid.as_deref(), Some("Enable IAM User Permissions"));
        assert_eq!(s.effect, Effect::Allow);
        let principal = s.principal.as_ref().map(|p| p.accounts.clone());
        assert_eq!(principal, Some(vec!["111122223333".to_owned()]));
        assert!(Action::ALL.iter().all(|a| s.covers(*a)));
        assert_eq!(s.resources.as_deref(), Some(&["*".to_owned()][..]));
    }

    #[test]
    fn statements_without_principal_are_refused_in_key_policies_only() {
        let doc = r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#;
        assert!(message(key_policy(doc)).contains("Policy contains a statement with no principal."));
        assert!(Policy::parse(doc, PolicyKind::Identity, &Anyone).is_ok());
        let with =
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}"#;
        assert!(message(Policy::parse(with, PolicyKind::Identity, &Anyone))
            .contains("Policy document should not specify a principal."));
    }

    #[test]
    fn statements_without_action_or_resource_are_accepted_and_inert() {
        let p = key_policy(r#"{"Statement":[{"Effect":"Allow","Principal":"*"}]}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let s = &p.statements[0];
        assert!(Action::ALL.iter().all(|a| !s.covers(*a)));
        assert_eq!(s.resources, None);
    }

    #[test]
    fn principals_are_sorted_and_checked() {
        let p = key_policy(
            r#"{"Statement":{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Principal":{
                "AWS":["444455556666","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:role/app"],
                "Service":"logs.us-east-1.amazonaws.com"}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let pr = p.statements[0].principal.clone().unwrap_or_default();
        assert_eq!(pr.accounts, ["444455556666", "111122223333"]);
        assert_eq!(pr.arns, ["arn:aws:iam::111122223333:role/app"]);
        assert_eq!(pr.services, ["logs.us-east-1.amazonaws.com"]);
        let doc = |principal: &str| {
            format!(
                r#"{{"Statement":{{"Effect":"Allow","Action":"kms:*","Resource":"*","Principal":{{"AWS":"{principal}"}}}}}}"#
            )
        };
        assert!(
            message(key_policy(&doc("arn:aws:iam::111122223333:group/admins")))
                .contains("An ARN in the specified key policy is invalid.")
        );
        assert!(message(key_policy(&doc("arn:aws:iam::1111:user/x")))
            .starts_with("InvalidArnException"));
        assert!(
            message(key_policy(&doc("arn:aws:iam::111122223333:user/*")))
                .contains("one or more invalid principals")
        );
        assert!(message(key_policy(&doc("bob"))).contains("one or more invalid principals"));
        struct Nobody;
        impl Directory for Nobody {
            fn principal_exists(&self, _: &str) -> bool {
                false
            }
        }
        let r = Policy::parse(
            &doc("arn:aws:iam::111122223333:user/gone"),
            PolicyKind::Key,
            &Nobody,
        );
        assert!(message(r).contains("one or more invalid principals"));
        assert!(Policy::parse(&doc("111122223333"), PolicyKind::Key, &Nobody).is_ok());
    }

    #[test]
    fn grammar_errors_have_texts() {
        assert!(message(key_policy("[]")).contains("not a valid JSON document"));
        assert!(message(key_policy("{")).contains("not a valid JSON document"));
        assert!(message(key_policy(r#"{"Statement":[]}"#)).contains("at least one Statement"));
        assert!(message(key_policy(
            r#"{"Version":"2020-01-01","Statement":{"Effect":"Allow","Principal":"*"}}"#
        ))
        .contains("invalid Version"));
        assert!(message(key_policy(
            r#"{"Statement":{"Effect":"allow","Principal":"*"}}"#
        ))
        .contains("Effect"));
        assert!(message(key_policy(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"Encrypt"}}"#
        ))
        .contains("prefaced by a vendor"));
        assert!(message(key_policy(
            r#"{"Statement":[{"Sid":"a","Effect":"Allow","Principal":"*"},{"Sid":"a","Effect":"Deny","Principal":"*"}]}"#
        ))
        .contains("must be unique"));
        assert!(message(key_policy(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Actions":"kms:*"}}"#
        ))
        .contains("unknown element: Actions"));
    }

    #[test]
    fn not_action_covers_every_other_action() {
        let p = key_policy(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","NotAction":["kms:Decrypt","s3:*"],"Resource":"*"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let s = &p.statements[0];
        assert!(!s.covers(Action::Decrypt));
        assert!(s.covers(Action::Encrypt));
    }
}
