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

/// Decides an action of another service.
pub fn decide_named(req: &NamedRequest<'_>) -> Outcome {
    let mut identity_allows = false;
    for named in req.identity {
        for st in &named.policy.statements {
            match (applies(st, req, false), st.effect) {
                (Some(_), Effect::Deny) => return Outcome::ExplicitDeny,
                (Some(_), Effect::Allow) => identity_allows = true,
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
        for st in &policy.statements {
            match (applies(st, req, true), st.effect) {
                (Some(_), Effect::Deny) => return Outcome::ExplicitDeny,
                (Some(n), Effect::Allow) => {
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
        Outcome::Allowed
    } else {
        Outcome::ImplicitDeny
    }
}
