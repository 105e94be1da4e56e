//! IAM's policy simulator: SimulatePrincipalPolicy (a user's or role's identity policies, and
//! any given) and SimulateCustomPolicy (the given policies), each action on each resource
//! decided by the same rules as every call ([`crate::access::named`]), with an optional
//! resource policy (a key policy), the request's context entries, the statements that matched
//! and the context keys the matching statements needed but were not given.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::acting::acting;
use super::ops::{IamCtx, IamError, Outcome};
use crate::access::condition::CondKey;
use crate::access::context::{CallerKind, Context, Who};
use crate::access::eval::NamedPolicy;
use crate::access::named::{decide_named_traced, NamedRequest, Outcome as Decided};
use crate::access::policy::{Anyone, Policy, PolicyKind};
use crate::domain::ids::{self, Principal, PrincipalKind};

fn invalid(message: impl Into<String>) -> IamError {
    IamError {
        code: "InvalidInput",
        status: 400,
        message: message.into(),
    }
}

fn strings(input: &Value, member: &str) -> Result<Vec<String>, IamError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid(format!("{member} must be a list of strings.")))
            })
            .collect(),
        Some(_) => Err(invalid(format!("{member} must be a list of strings."))),
    }
}

/// The request's context entries, as the decision reads them.
#[derive(Default)]
struct Entries {
    single: Vec<(crate::access::condition::Known, String)>,
    multi: Vec<(crate::access::condition::Known, Vec<String>)>,
    encryption_context: BTreeMap<String, String>,
    principal_tags: Vec<(String, String)>,
    request_tags: Vec<(String, String)>,
}

fn entries(input: &Value) -> Result<Entries, IamError> {
    let mut out = Entries::default();
    let Some(list) = input.get("ContextEntries").and_then(Value::as_array) else {
        return Ok(out);
    };
    for entry in list {
        let name = entry
            .get("ContextKeyName")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("A context entry has no ContextKeyName."))?;
        let values = strings(entry, "ContextKeyValues")?;
        let kind = entry
            .get("ContextKeyType")
            .and_then(Value::as_str)
            .unwrap_or("string");
        let first = values.first().cloned().unwrap_or_default();
        match CondKey::parse(name) {
            CondKey::Known(k) if kind.ends_with("List") || k.multi_valued() => {
                out.multi.push((k, values))
            }
            CondKey::Known(k) => out.single.push((k, first)),
            CondKey::EncryptionContext(k) => {
                out.encryption_context.insert(k, first);
            }
            CondKey::PrincipalTag(k) => out.principal_tags.push((k, first)),
            CondKey::RequestTag(k) => out.request_tags.push((k, first)),
            CondKey::ResourceTag(_) | CondKey::Other(_) => {}
        }
    }
    Ok(out)
}

fn parse(text: &str, kind: PolicyKind, what: &str) -> Result<Policy, IamError> {
    Policy::parse(text, kind, &Anyone).map_err(|e| IamError {
        code: "MalformedPolicyDocument",
        status: 400,
        message: format!(
            "{what}: {}",
            e.message().unwrap_or("the policy is not valid")
        ),
    })
}

/// SimulatePrincipalPolicy and SimulateCustomPolicy.
pub(super) fn simulate(cx: &mut IamCtx<'_>, input: &Value, custom: bool) -> Outcome {
    let actions = strings(input, "ActionNames")?;
    if actions.is_empty() {
        return Err(IamError {
            code: "ValidationError",
            status: 400,
            message: "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null".to_owned(),
        });
    }
    for unsupported in [
        "PermissionsBoundaryPolicyInputList",
        "OrderedOrganizationPolicyInputList",
    ] {
        if input
            .get(unsupported)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
        {
            return Err(invalid(format!(
                "wasm-kms does not simulate {unsupported}: permissions boundaries and organization policies are not modelled."
            )));
        }
    }
    let mut resources = strings(input, "ResourceArns")?;
    if resources.is_empty() {
        resources.push("*".to_owned());
    }
    let inputs = strings(input, "PolicyInputList")?;
    let mut named: Vec<(String, &'static str, std::rc::Rc<Policy>)> = Vec::new();
    for (i, text) in inputs.iter().enumerate() {
        let policy = parse(
            text,
            PolicyKind::Identity,
            &format!("PolicyInputList.{}", i + 1),
        )?;
        named.push((
            format!("PolicyInputList.{}", i + 1),
            "none",
            std::rc::Rc::new(policy),
        ));
    }
    // The principal whose policies are simulated (and who is the caller, unless CallerArn says).
    let source = if custom {
        None
    } else {
        let arn = input
            .get("PolicySourceArn")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("PolicySourceArn is required."))?;
        cx.authority
            .check("iam:SimulatePrincipalPolicy", arn, &cx.caller.account)?;
        let principal = Principal::parse(arn)
            .filter(|p| p.kind != PrincipalKind::Root)
            .ok_or_else(|| invalid(format!("Invalid ARN {arn}.")))?;
        let who = acting(cx.store, &principal).map_err(|_| IamError {
            code: "NoSuchEntity",
            status: 404,
            message: format!("The principal {arn} cannot be found."),
        })?;
        let kind = match principal.kind {
            PrincipalKind::IamUser => "user",
            _ => "role",
        };
        for (name, policy) in &who.policies {
            let kind = if name.starts_with("arn:") {
                "user-managed"
            } else {
                kind
            };
            named.push((name.clone(), kind, std::rc::Rc::clone(policy)));
        }
        Some((principal, who))
    };
    if custom {
        cx.authority
            .check("iam:SimulateCustomPolicy", "*", &cx.caller.account)?;
        if inputs.is_empty() {
            return Err(IamError {
                code: "ValidationError",
                status: 400,
                message: "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null".to_owned(),
            });
        }
    }
    let resource_policy = match input.get("ResourcePolicy").and_then(Value::as_str) {
        Some(text) => Some(parse(text, PolicyKind::Key, "ResourcePolicy")?),
        None => None,
    };
    let caller_arn = input
        .get("CallerArn")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| source.as_ref().map(|(p, _)| p.arn.clone()));
    let caller = caller_arn.as_deref().and_then(Principal::parse);
    let account = caller
        .as_ref()
        .map_or_else(|| cx.caller.account.clone(), |p| p.account.clone());
    let owner = input
        .get("ResourceOwner")
        .and_then(Value::as_str)
        .and_then(|o| o.strip_prefix("arn:aws:iam::"))
        .and_then(|o| o.split(':').next())
        .map_or_else(|| account.clone(), str::to_owned);
    let e = entries(input)?;
    let role_arn = caller.as_ref().and_then(|p| match p.kind {
        PrincipalKind::AssumedRole => ids::role_of_session(&p.arn),
        _ => None,
    });
    let mut tags: Vec<(String, String)> = source
        .as_ref()
        .map(|(_, who)| who.tags.clone())
        .unwrap_or_default();
    for (k, v) in &e.principal_tags {
        match tags.iter_mut().find(|(t, _)| t.eq_ignore_ascii_case(k)) {
            Some(t) => t.1 = v.clone(),
            None => tags.push((k.clone(), v.clone())),
        }
    }
    let user_id = source.as_ref().and_then(|(_, who)| who.user_id.clone());
    let who = Who {
        arn: caller_arn.as_deref().unwrap_or_default(),
        account: &account,
        kind: match caller.as_ref().map(|p| p.kind) {
            Some(PrincipalKind::Root) => CallerKind::Root,
            Some(PrincipalKind::AssumedRole) => CallerKind::AssumedRole,
            _ => CallerKind::User,
        },
        role_arn: role_arn.as_deref(),
        user_id: user_id.as_deref(),
        username: caller.as_ref().and_then(Principal::name),
        tags: &tags,
        via_service: None,
        source_ip: None,
        source_vpce: None,
        source_vpc: None,
        secure_transport: false,
    };
    let region = cx.caller.region.clone();
    let mut context = Context::new(who, &region, cx.now);
    context.params = e
        .single
        .iter()
        .map(|(k, v)| (*k, Cow::Borrowed(v.as_str())))
        .collect();
    context.sets = e
        .multi
        .iter()
        .map(|(k, v)| (*k, v.iter().map(|s| Cow::Borrowed(s.as_str())).collect()))
        .collect();
    if !e.encryption_context.is_empty() {
        context.encryption_context = Some(&e.encryption_context);
    }
    if !e.request_tags.is_empty() {
        context.request_tags = Some(&e.request_tags);
    }
    let identity: Vec<NamedPolicy<'_>> = named
        .iter()
        .map(|(name, _, policy)| NamedPolicy { name, policy })
        .collect();
    let mut results = Vec::new();
    for action in &actions {
        for resource in &resources {
            let req = NamedRequest {
                action,
                resource,
                account: &owner,
                resource_policy: resource_policy.as_ref(),
                identity: &identity,
                context: &context,
            };
            let (outcome, matched) = decide_named_traced(&req);
            let statements: Vec<Value> = matched
                .iter()
                .map(|m| match m.policy.and_then(|i| named.get(i)) {
                    Some((name, kind, _)) => json!({ "SourcePolicyId": name, "SourcePolicyType": kind }),
                    None => json!({ "SourcePolicyId": "ResourcePolicy", "SourcePolicyType": "resource" }),
                })
                .collect();
            let missing = missing_keys(&req);
            results.push(json!({
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": match outcome {
                    Decided::Allowed => "allowed",
                    Decided::ExplicitDeny => "explicitDeny",
                    Decided::ImplicitDeny => "implicitDeny",
                },
                "MatchedStatements": statements,
                "MissingContextValues": missing,
            }));
        }
    }
    Ok((
        Some(json!({ "EvaluationResults": results, "IsTruncated": false })),
        Vec::new(),
    ))
}

/// The condition keys of statements that cover the action which the request gives no value.
fn missing_keys(req: &NamedRequest<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let policies = req
        .identity
        .iter()
        .map(|n| n.policy)
        .chain(req.resource_policy);
    for policy in policies {
        for st in policy
            .statements
            .iter()
            .filter(|s| s.covers_name(req.action))
        {
            for c in &st.conditions {
                if req.context.value(&c.key, false).is_none() && !out.contains(&c.key_text) {
                    out.push(c.key_text.clone());
                }
            }
        }
    }
    out
}
