//! Decisions on actions of other services that a KMS user meets: `sts:AssumeRole` (a role's
//! trust policy and the caller's identity policies) and the `iam:` actions that create users,
//! roles and policies. The same rules as KMS's ([`super::eval`]), on actions named as text: an
//! explicit Deny anywhere wins; in the resource's own account, an Allow in the resource policy
//! that names the caller, or an Allow in the caller's identity policies, is enough (a resource
//! policy that names the account delegates to the identity policies); across accounts both
//! are needed.

use super::context::{CallerKind, Context};
use super::eval::NamedPolicy;
use super::pattern::arn_like;
use super::policy::{Effect, Policy, Principals, Statement};

/// How a named action was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed.
    Allowed,
    /// A matching Deny statement.
    ExplicitDeny,
    /// Nothing allowed it.
    ImplicitDeny,
}

/// One question about an action of another service.
pub struct NamedRequest<'a> {
    /// The action (`sts:AssumeRole`).
    pub action: &'a str,
    /// The resource's ARN.
    pub resource: &'a str,
    /// The resource's account.
    pub account: &'a str,
    /// The resource's own policy (a role's trust policy), if it has one.
    pub resource_policy: Option<&'a Policy>,
    /// The caller's identity policies.
    pub identity: &'a [NamedPolicy<'a>],
    /// The caller and the request's condition keys.
    pub context: &'a Context<'a>,
}

/// How a resource policy's statement names the caller.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Named {
    Directly,
    ByAccount,
}

fn names(p: &Principals, negated: bool, cx: &Context<'_>) -> Option<Named> {
    let who = &cx.who;
    if who.kind == CallerKind::Service {
        let direct = p.anyone || p.services.iter().any(|s| s == who.arn);
        return (direct != negated).then_some(Named::Directly);
    }
    let listed = |arn: &str| p.arns.iter().any(|a| a == arn);
    let direct = p.anyone || listed(who.arn) || who.role_arn.is_some_and(listed);
    let account = p.accounts.iter().any(|a| a == who.account);
    match (negated, direct, account) {
        (false, true, _) => Some(Named::Directly),
        (false, false, true) => Some(Named::ByAccount),
        (false, false, false) => None,
        (true, false, false) => Some(Named::Directly),
        (true, _, _) => None,
    }
}

fn applies(st: &Statement, req: &NamedRequest<'_>, resource_policy: bool) -> Option<Named> {
    if !st.covers_name(req.action) {
        return None;
    }
    let named = match &st.principal {
        Some(p) => names(p, st.principal_negated, req.context)?,
        None => Named::Directly,
    };
    // A trust policy has no Resource: the role is its resource.
    if !resource_policy {
        let patterns = st.resources.as_ref()?;
        let any = patterns
            .iter()
            .any(|p| p == "*" || arn_like(p, req.resource));
        if any == st.resources_negated {
            return None;
        }
    }
    let cx = req.context;
    let vars = |name: &str| cx.variable(name);
    st.conditions
        .iter()
        .all(|c| c.holds(cx.value(&c.key, false).as_ref(), &vars))
        .then_some(named)
}

/// A statement that matched: in the resource policy (`policy: None`) or in the identity policy
/// of that index, and its index there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Matched {
    /// The identity policy's index, or `None` for the resource policy.
    pub policy: Option<usize>,
    /// The statement's index.
    pub statement: usize,
}

/// Decides an action of another service.
pub fn decide_named(req: &NamedRequest<'_>) -> Outcome {
    decide_named_traced(req).0
}

/// [`decide_named`], with the statements that matched: the explicit Deny alone when one
/// decided, else every Allow that applied.
pub fn decide_named_traced(req: &NamedRequest<'_>) -> (Outcome, Vec<Matched>) {
    let mut matched = Vec::new();
    let mut identity_allows = false;
    for (p, named) in req.identity.iter().enumerate() {
        for (i, st) in named.policy.statements.iter().enumerate() {
            let here = Matched {
                policy: Some(p),
                statement: i,
            };
            match (applies(st, req, false), st.effect) {
                (Some(_), Effect::Deny) => return (Outcome::ExplicitDeny, vec![here]),
                (Some(_), Effect::Allow) => {
                    identity_allows = true;
                    matched.push(here);
                }
                (None, _) => {}
            }
        }
    }
    let who = &req.context.who;
    // The root user has every permission of its own account in IAM.
    if who.kind == CallerKind::Root {
        identity_allows = true;
    }
    let mut resource_allows = None;
    if let Some(policy) = req.resource_policy {
        for (i, st) in policy.statements.iter().enumerate() {
            let here = Matched {
                policy: None,
                statement: i,
            };
            match (applies(st, req, true), st.effect) {
                (Some(_), Effect::Deny) => return (Outcome::ExplicitDeny, vec![here]),
                (Some(n), Effect::Allow) => {
                    matched.push(here);
                    if resource_allows != Some(Named::Directly) {
                        resource_allows = Some(n);
                    }
                }
                (None, _) => {}
            }
        }
    }
    let same_account = who.account == req.account;
    let allowed = match (req.resource_policy.is_some(), same_account) {
        // No resource policy (IAM's own resources): the identity policies decide, in the
        // caller's own account only.
        (false, true) => identity_allows,
        (false, false) => false,
        (true, true) => {
            resource_allows == Some(Named::Directly) || identity_allows && resource_allows.is_some()
        }
        (true, false) => resource_allows.is_some() && identity_allows,
    };
    if allowed {
        (Outcome::Allowed, matched)
    } else {
        (Outcome::ImplicitDeny, Vec::new())
    }
}
