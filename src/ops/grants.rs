//! Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant.
//!
//! A grant is kept with its key ([`KeyRecord::grants`]) and read by the one decision
//! ([`crate::access::eval`]). A grant made now takes effect after the propagation delay (the
//! setting [`GRANT_PROPAGATION_SETTING`], in seconds of the simulated clock, 0 unless set);
//! a call that gives one of its tokens uses it at once.

use std::collections::BTreeMap;

use crate::access::condition::Known;
use crate::access::eval::Rule;
use crate::access::grant::{self, Constraint, Grant, GRANT_OPERATIONS};
use crate::access::{Action, ActionSet};
use crate::codec::{hex, Timestamp};
use crate::domain::ids::{self, Principal};
use crate::domain::spec::{KeySpec, KeyUsage};
use crate::domain::state::StateRule;
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::crypto::dry_run;
use crate::ops::ctx::{OpCtx, Outcome};
use crate::store::{Batch, KeyRecord};
use crate::validate::{self, length, required};

/// The setting (kept in the store, like the clock's offset) that holds how long a new grant
/// takes to take effect without its token, in whole seconds of the simulated clock.
pub const GRANT_PROPAGATION_SETTING: &str = "grantPropagationSeconds";

/// The most grants one key holds (AWS's quota).
const MAX_GRANTS_PER_KEY: usize = 50_000;
/// The most pairs one context constraint holds.
const MAX_CONSTRAINT_PAIRS: usize = 8;
/// The longest value of a context constraint's pair, in characters.
const MAX_CONSTRAINT_VALUE: usize = 384;

/// A `GranteePrincipal` or `RetiringPrincipal` member: 1 to 256 characters of
/// `[\w+=,.@:/-]` (ValidationException), then an IAM or STS principal ARN
/// (InvalidArnException).
fn principal_member(value: &str, member: &str) -> Result<()> {
    length(value, member, 1, 256)?;
    let pattern_ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
    if !pattern_ok {
        return Err(KmsError::constraint(
            member,
            Some(value),
            "Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$",
        ));
    }
    Ok(())
}

/// The principal a grant names must be an account's root, a user, a role or a role's session.
fn principal_arn(value: &str) -> Result<Principal> {
    Principal::parse(value).ok_or_else(|| KmsError::InvalidArn(format!("Invalid arn {value}")))
}

/// A `GrantId` member: 1 to 128 characters (ValidationException); a grant ID this service
/// issues is 64 lowercase hex digits (InvalidGrantIdException otherwise).
fn grant_id_member(id: &str) -> Result<()> {
    length(id, "grantId", 1, 128)?;
    let ok = id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !ok {
        return Err(KmsError::InvalidGrantId(format!("Invalid grant ID {id}")));
    }
    Ok(())
}

fn grant_not_found(id: &str) -> KmsError {
    KmsError::NotFound(format!("Grant ID {id} not found"))
}

/// The `Name` member: 1 to 256 characters of `[a-zA-Z0-9:/_-]`.
fn name_member(name: &str) -> Result<()> {
    length(name, "name", 1, 256)?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ":/_-".contains(c))
    {
        return Err(KmsError::constraint(
            "name",
            Some(name),
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
        ));
    }
    Ok(())
}

/// The `Operations` member: each one of AWS's grant operations.
fn operations_member(names: &[String]) -> Result<ActionSet> {
    let mut set = ActionSet::EMPTY;
    for name in names {
        let action = GRANT_OPERATIONS
            .iter()
            .copied()
            .find(|a| a.bare_name() == name)
            .ok_or_else(|| {
                let allowed: Vec<&str> = GRANT_OPERATIONS.iter().map(|a| a.bare_name()).collect();
                KmsError::constraint(
                    "operations",
                    Some(&format!("[{}]", names.join(", "))),
                    &format!(
                        "Member must satisfy constraint: [Member must satisfy enum value set: [{}]]",
                        allowed.join(", ")
                    ),
                )
            })?;
        set = set.with(action);
    }
    if set.is_empty() {
        return Err(KmsError::Validation(
            "A grant must list at least one operation.".to_owned(),
        ));
    }
    if set == ActionSet::EMPTY.with(Action::CreateGrant) {
        return Err(KmsError::Validation(
            "Grants must not contain only the CreateGrant operation.".to_owned(),
        ));
    }
    Ok(set)
}

/// The `Constraints` member: at most one of the two, each of at most 8 pairs whose values are
/// at most 384 characters.
fn constraint_member(c: Option<GrantConstraints>) -> Result<Option<Constraint>> {
    let Some(c) = c else {
        return Ok(None);
    };
    let check = |pairs: &BTreeMap<String, String>| -> Result<()> {
        if pairs.len() > MAX_CONSTRAINT_PAIRS {
            return Err(KmsError::Validation(format!(
                "A grant constraint holds at most {MAX_CONSTRAINT_PAIRS} encryption context pairs."
            )));
        }
        if pairs
            .values()
            .any(|v| v.chars().count() > MAX_CONSTRAINT_VALUE)
        {
            return Err(KmsError::Validation(format!(
                "A grant constraint's encryption context values are at most {MAX_CONSTRAINT_VALUE} characters."
            )));
        }
        Ok(())
    };
    match (c.encryption_context_equals, c.encryption_context_subset) {
        (Some(_), Some(_)) => Err(KmsError::Validation(
            "More than one constraint supplied".to_owned(),
        )),
        (Some(pairs), None) => check(&pairs).map(|()| Some(Constraint::Equals(pairs))),
        (None, Some(pairs)) => check(&pairs).map(|()| Some(Constraint::Subset(pairs))),
        (None, None) => Ok(None),
    }
}

/// The grant operations a key of `spec` and `usage` can be used for.
fn operations_for(spec: KeySpec, usage: KeyUsage) -> ActionSet {
    use Action::*;
    let set = |ops: &[Action]| ops.iter().fold(ActionSet::EMPTY, |s, a| s.with(*a));
    let general = set(&[CreateGrant, RetireGrant, DescribeKey]);
    let own = match usage {
        KeyUsage::EncryptDecrypt if spec == KeySpec::SymmetricDefault => set(&[
            Decrypt,
            Encrypt,
            GenerateDataKey,
            GenerateDataKeyWithoutPlaintext,
            GenerateDataKeyPair,
            GenerateDataKeyPairWithoutPlaintext,
            ReEncryptFrom,
            ReEncryptTo,
        ]),
        KeyUsage::EncryptDecrypt => {
            set(&[Decrypt, Encrypt, ReEncryptFrom, ReEncryptTo, GetPublicKey])
        }
        KeyUsage::SignVerify => set(&[Sign, Verify, GetPublicKey]),
        KeyUsage::KeyAgreement => set(&[DeriveSharedSecret, GetPublicKey]),
        KeyUsage::GenerateVerifyMac => set(&[GenerateMac, VerifyMac]),
    };
    general.union(own)
}

/// Whether the grant's operations and constraint suit `key` (ValidationException otherwise).
fn check_fit(
    key: &KeyRecord,
    operations: ActionSet,
    constraint: Option<&Constraint>,
) -> Result<()> {
    let allowed = operations_for(key.key_spec, key.key_usage);
    let unfit: Vec<&str> = operations
        .iter()
        .filter(|a| !allowed.contains(*a))
        .map(|a| a.bare_name())
        .collect();
    if !unfit.is_empty() {
        return Err(KmsError::Validation(format!(
            "Grant operations [{}] are not valid for a KMS key with KeySpec {} and KeyUsage {}.",
            unfit.join(", "),
            key.key_spec,
            key.key_usage
        )));
    }
    if constraint.is_some() && key.key_spec != KeySpec::SymmetricDefault {
        return Err(KmsError::Validation(
            "Encryption context constraints are valid only for symmetric encryption KMS keys."
                .to_owned(),
        ));
    }
    Ok(())
}

/// The propagation delay the store keeps, in milliseconds (0 unless set).
fn propagation_millis(ctx: &OpCtx<'_>) -> i64 {
    ctx.store
        .meta(&format!("setting/{GRANT_PROPAGATION_SETTING}"))
        .and_then(serde_json::Value::as_i64)
        .map_or(0, |s| s.clamp(0, i64::from(u32::MAX)).saturating_mul(1000))
}

/// Tells the policies whether the call comes from an AWS service acting for the caller
/// (`kms:GrantIsForAWSResource`).
fn for_aws_resource(ctx: &mut OpCtx<'_>) {
    let via = ctx.caller().via_service.is_some();
    ctx.fact(
        Known::GrantIsForAwsResource,
        if via { "true" } else { "false" },
    );
}

pub(crate) fn create_grant(
    ctx: &mut OpCtx<'_>,
    req: CreateGrantRequest,
) -> Outcome<CreateGrantResponse> {
    let key_id = required(req.key_id, "keyId")?;
    let grantee = required(req.grantee_principal, "granteePrincipal")?;
    let names = required(req.operations, "operations")?;
    principal_member(&grantee, "granteePrincipal")?;
    if let Some(r) = &req.retiring_principal {
        principal_member(r, "retiringPrincipal")?;
    }
    if let Some(n) = &req.name {
        name_member(n)?;
    }
    validate::grant_tokens(req.grant_tokens.as_ref())?;
    let operations = operations_member(&names)?;
    let constraint = constraint_member(req.constraints)?;
    principal_arn(&grantee)?;
    if let Some(r) = &req.retiring_principal {
        principal_arn(r)?;
    }

    ctx.fact(Known::GranteePrincipal, &grantee);
    if let Some(r) = &req.retiring_principal {
        ctx.fact(Known::RetiringPrincipal, r);
    }
    ctx.fact_set(
        Known::GrantOperations,
        operations
            .iter()
            .map(|a| a.bare_name().to_owned())
            .collect(),
    );
    match &constraint {
        Some(Constraint::Equals(_)) => {
            ctx.fact(Known::GrantConstraintType, "EncryptionContextEquals")
        }
        Some(Constraint::Subset(_)) => {
            ctx.fact(Known::GrantConstraintType, "EncryptionContextSubset")
        }
        None => {}
    }
    for_aws_resource(ctx);
    ctx.grant_tokens(req.grant_tokens.as_ref());
    // A grant counts for usable keys (CreateGrant follows the cryptographic operations' state
    // rules; its one difference, a key in an unavailable custom key store, cannot arise here).
    let key = ctx.key_by_id(Some(&key_id), Action::CreateGrant, StateRule::Crypto)?;
    check_fit(key, operations, constraint.as_ref())?;
    // A principal whose CreateGrant comes from a grant may make only grants at least as strict.
    if let Some(parent) = ctx.allowing_grant().and_then(|id| key.grant(id)) {
        if !parent.allows_child(operations, constraint.as_ref()) {
            return Err(ctx.overrule(Rule::NoResourcePolicy));
        }
    }
    dry_run(req.dry_run)?;

    let same = |g: &&Grant| {
        g.name.is_some()
            && g.name == req.name
            && g.grantee == grantee
            && g.retiring == req.retiring_principal
            && g.operations == operations
            && g.constraint == constraint
    };
    let nonce: [u8; 16] = ctx.random()?;
    if let Some(existing) = key.grants.iter().find(same) {
        let token = grant::token(&existing.id, &nonce)
            .ok_or_else(|| KmsError::Internal("A grant ID is not 64 hex digits.".to_owned()))?;
        let out = CreateGrantResponse {
            grant_token: token,
            grant_id: existing.id.clone(),
        };
        return Ok((out, Batch::default()));
    }
    if key.grants.len() >= MAX_GRANTS_PER_KEY {
        return Err(KmsError::LimitExceeded(format!(
            "The request was rejected because a quota was exceeded: grants per KMS key ({MAX_GRANTS_PER_KEY})."
        )));
    }
    let id = loop {
        let raw: [u8; 32] = ctx.random()?;
        let id = hex::encode(&raw);
        if key.grant(&id).is_none() {
            break id;
        }
    };
    let token = grant::token(&id, &nonce)
        .ok_or_else(|| KmsError::Internal("A grant ID is not 64 hex digits.".to_owned()))?;
    let now = ctx.now();
    let grant = Grant {
        id: id.clone(),
        name: req.name,
        grantee,
        retiring: req.retiring_principal,
        operations,
        constraint,
        issuing_account: ctx.caller().principal.account.clone(),
        created: now,
        effective: Timestamp(now.millis().saturating_add(propagation_millis(ctx))),
    };
    let mut record = key.clone();
    record.grants.push(grant);
    let out = CreateGrantResponse {
        grant_token: token,
        grant_id: id,
    };
    Ok((out, Batch::put_key(record)))
}

/// A grant as ListGrants and ListRetirableGrants show it.
fn entry(ctx: &OpCtx<'_>, key: &KeyRecord, g: &Grant) -> GrantListEntry {
    let partition = &ctx.scope().partition;
    GrantListEntry {
        key_id: key.arn.clone(),
        grant_id: g.id.clone(),
        name: g.name.clone(),
        creation_date: g.created,
        grantee_principal: g.grantee.clone(),
        retiring_principal: g.retiring.clone(),
        issuing_account: format!("arn:{partition}:iam::{}:root", g.issuing_account),
        operations: g
            .operations
            .iter()
            .map(|a| a.bare_name().to_owned())
            .collect(),
        constraints: g.constraint.as_ref().map(|c| match c {
            Constraint::Equals(m) => GrantConstraints {
                encryption_context_equals: Some(m.clone()),
                ..GrantConstraints::default()
            },
            Constraint::Subset(m) => GrantConstraints {
                encryption_context_subset: Some(m.clone()),
                ..GrantConstraints::default()
            },
        }),
    }
}

pub(crate) fn list_grants(
    ctx: &mut OpCtx<'_>,
    req: ListGrantsRequest,
) -> Outcome<ListGrantsResponse> {
    let args = validate::page_args(req.limit, req.marker.as_deref(), (50, 100))?;
    let key_id = required(req.key_id, "keyId")?;
    if let Some(id) = &req.grant_id {
        grant_id_member(id)?;
    }
    if let Some(p) = &req.grantee_principal {
        principal_member(p, "granteePrincipal")?;
    }
    for_aws_resource(ctx);
    let key = ctx.key_by_id(Some(&key_id), Action::ListGrants, StateRule::Any)?;
    let entries: Vec<GrantListEntry> = key
        .grants
        .iter()
        .filter(|g| req.grant_id.as_ref().is_none_or(|id| *id == g.id))
        .filter(|g| {
            req.grantee_principal
                .as_ref()
                .is_none_or(|p| *p == g.grantee)
        })
        .map(|g| entry(ctx, key, g))
        .collect();
    let page = validate::page(entries, "grants", args)?;
    let out = ListGrantsResponse {
        grants: page.items,
        next_marker: page.next_marker,
        truncated: page.truncated,
    };
    Ok((out, Batch::default()))
}

pub(crate) fn list_retirable_grants(
    ctx: &mut OpCtx<'_>,
    req: ListRetirableGrantsRequest,
) -> Outcome<ListGrantsResponse> {
    let args = validate::page_args(req.limit, req.marker.as_deref(), (50, 100))?;
    let retiring = required(req.retiring_principal, "retiringPrincipal")?;
    principal_member(&retiring, "retiringPrincipal")?;
    let principal = principal_arn(&retiring)?;
    ctx.authorize_account(Action::ListRetirableGrants)?;
    // The principal must be of the caller's own account.
    if principal.account != ctx.account() {
        return Err(ctx.overrule(Rule::NoIdentityPolicy));
    }
    // Grants on keys of any account in the Region, with no permission on the keys.
    let region = ctx.region().to_owned();
    let entries: Vec<GrantListEntry> = ctx
        .store
        .keys(&region)
        .flat_map(|k| {
            k.grants
                .iter()
                .filter(|g| g.retiring.as_deref() == Some(retiring.as_str()))
                .map(move |g| (k, g))
        })
        .map(|(k, g)| entry(ctx, k, g))
        .collect();
    let page = validate::page(entries, "retirable", args)?;
    let out = ListGrantsResponse {
        grants: page.items,
        next_marker: page.next_marker,
        truncated: page.truncated,
    };
    Ok((out, Batch::default()))
}

/// Whether the caller is `principal` (its ARN, or its role's for a session).
fn is_caller(ctx: &OpCtx<'_>, principal: &str) -> bool {
    let arn = &ctx.caller().principal.arn;
    arn == principal || ids::role_of_session(arn).is_some_and(|role| role == principal)
}

pub(crate) fn retire_grant(ctx: &mut OpCtx<'_>, req: RetireGrantRequest) -> Outcome<Empty> {
    if let Some(t) = &req.grant_token {
        length(t, "grantToken", 1, 8192)?;
    }
    if let Some(id) = &req.grant_id {
        grant_id_member(id)?;
    }
    let by_token = match &req.grant_token {
        Some(t) => Some(grant::token_grant_id(t).ok_or_else(validate::invalid_grant_token)?),
        None => None,
    };
    let id = match (by_token, &req.grant_id, &req.key_id) {
        (Some(id), Some(given), _) if *given != id => {
            return Err(KmsError::Validation(
                "The grant token and the GrantId name different grants.".to_owned(),
            ))
        }
        (Some(id), _, _) => id,
        (None, Some(id), Some(_)) => id.clone(),
        (None, _, _) => {
            return Err(KmsError::Validation(
                "Either GrantToken, or GrantId and KeyId, must be specified.".to_owned(),
            ))
        }
    };
    // The key: the one KeyId names, else the one in the Region that holds the token's grant
    // (in any account: a grant can be retired across accounts).
    let key = match &req.key_id {
        Some(key_id) => ctx.find_key(Some(key_id), "keyId", ids::Aliases::Refused)?,
        None => {
            let region = ctx.region().to_owned();
            ctx.store
                .keys(&region)
                .find(|k| k.grant(&id).is_some())
                .ok_or_else(|| grant_not_found(&id))?
        }
    };
    let grant = key.grant(&id).ok_or_else(|| grant_not_found(&id))?;
    if let Some(t) = &req.grant_token {
        ctx.grant_tokens(Some(&vec![t.clone()]));
    }
    // Its retiring principal may retire it, and its grantee if it lists RetireGrant; anyone
    // else needs kms:RetireGrant from the policies. A Deny stops them all.
    let own = grant.retiring.as_deref().is_some_and(|r| is_caller(ctx, r))
        || (grant.operations.contains(Action::RetireGrant) && is_caller(ctx, &grant.grantee));
    ctx.admit_by_grant(
        key,
        Action::RetireGrant,
        StateRule::Any,
        own.then_some(id.as_str()),
    )?;
    // Another grant's RetireGrant does not let its grantee retire this one.
    if !own && ctx.allowing_grant().is_some_and(|g| g != id) {
        return Err(ctx.overrule(Rule::NoResourcePolicy));
    }
    dry_run(req.dry_run)?;
    let mut record = key.clone();
    record.grants.retain(|g| g.id != id);
    Ok((Empty {}, Batch::put_key(record)))
}

pub(crate) fn revoke_grant(ctx: &mut OpCtx<'_>, req: RevokeGrantRequest) -> Outcome<Empty> {
    let key_id = required(req.key_id, "keyId")?;
    let id = required(req.grant_id, "grantId")?;
    grant_id_member(&id)?;
    for_aws_resource(ctx);
    let key = ctx.key_by_id(Some(&key_id), Action::RevokeGrant, StateRule::Any)?;
    key.grant(&id).ok_or_else(|| grant_not_found(&id))?;
    dry_run(req.dry_run)?;
    let mut record = key.clone();
    record.grants.retain(|g| g.id != id);
    Ok((Empty {}, Batch::put_key(record)))
}
