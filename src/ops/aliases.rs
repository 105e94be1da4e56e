//! Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases.

use crate::access::Action;
use crate::domain::ids::{AliasName, Aliases};
use crate::domain::spec::KeySpec;
use crate::domain::state::StateRule;
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::ops::ctx::{On, OpCtx, Outcome};
use crate::store::{AliasRecord, Batch, KeyRecord, Write};
use crate::validate::{self, required};

/// The most aliases one key may have (AWS's default quota).
const MAX_ALIASES_PER_KEY: usize = 50;

/// Refuses one more alias for a key that already has the most it may have (CreateAlias, and
/// UpdateAlias when it points an alias at a new key).
fn check_alias_quota(ctx: &mut OpCtx<'_>, key: &KeyRecord) -> Result<()> {
    let count = ctx
        .store
        .aliases(&key.account, &key.region)
        .filter(|a| a.target == key.id)
        .count();
    if count >= MAX_ALIASES_PER_KEY {
        return Err(KmsError::LimitExceeded(format!(
            "The request was rejected because a quota was exceeded: {} already has {MAX_ALIASES_PER_KEY} aliases.",
            key.arn
        )));
    }
    Ok(())
}

fn existing_alias<'a>(ctx: &OpCtx<'a>, alias: &AliasName) -> Result<&'a AliasRecord> {
    ctx.store
        .alias(ctx.account(), ctx.region(), alias)
        .ok_or_else(|| {
            KmsError::NotFound(format!(
                "Alias {} is not found.",
                ctx.scope().alias_arn(alias)
            ))
        })
}

/// Authorizes `action` on the alias itself (the reserved `alias/aws/` names are refused here).
fn authorize_alias(ctx: &mut OpCtx<'_>, action: Action, alias: &AliasName) -> Result<()> {
    let alias_arn = ctx.scope().alias_arn(alias);
    let account = ctx.scope().account.clone();
    ctx.authorize(action, On::Alias(&alias_arn, &account))
}

pub(crate) fn create_alias(ctx: &mut OpCtx<'_>, req: AliasRequest) -> Outcome<Empty> {
    let alias = AliasName::parse(&required(req.alias_name, "aliasName")?)?;
    let key = ctx.find_key(
        req.target_key_id.as_deref(),
        "targetKeyId",
        Aliases::Refused,
    )?;
    authorize_alias(ctx, Action::CreateAlias, &alias)?;
    ctx.admit(key, Action::CreateAlias, StateRule::Manage)?;
    if ctx
        .store
        .alias(ctx.account(), ctx.region(), &alias)
        .is_some()
    {
        let alias_arn = ctx.scope().alias_arn(&alias);
        return Err(KmsError::AlreadyExists(format!(
            "An alias with the name {alias_arn} already exists"
        )));
    }
    check_alias_quota(ctx, key)?;
    let record = AliasRecord {
        account: key.account.clone(),
        region: key.region.clone(),
        name: alias,
        target: key.id.clone(),
        created: ctx.now(),
        updated: ctx.now(),
    };
    Ok((Empty {}, Batch::one(Write::PutAlias(record))))
}

pub(crate) fn update_alias(ctx: &mut OpCtx<'_>, req: AliasRequest) -> Outcome<Empty> {
    let alias = AliasName::parse(&required(req.alias_name, "aliasName")?)?;
    required(req.target_key_id.as_ref(), "targetKeyId")?;
    // The alias is authorized before it is looked up: the alias/aws/ names are refused
    // whether or not their AWS managed key exists yet.
    authorize_alias(ctx, Action::UpdateAlias, &alias)?;
    let existing = existing_alias(ctx, &alias)?.clone();
    let new_target = ctx.find_key(
        req.target_key_id.as_deref(),
        "targetKeyId",
        Aliases::Refused,
    )?;
    let old = ctx.store.key(ctx.region(), &existing.target);
    if let Some(old) = old {
        ctx.admit(old, Action::UpdateAlias, StateRule::Any)?;
    }
    ctx.admit(new_target, Action::UpdateAlias, StateRule::Manage)?;
    // An alias keeps pointing at the same kind of key: symmetric, asymmetric or HMAC, with
    // the same key usage, so code that uses it keeps working.
    if let Some(old) = old {
        let kind = |spec: KeySpec| match spec {
            KeySpec::SymmetricDefault => "symmetric",
            s if s.is_hmac() => "HMAC",
            _ => "asymmetric",
        };
        if kind(old.key_spec) != kind(new_target.key_spec) || old.key_usage != new_target.key_usage
        {
            return Err(KmsError::Validation(format!(
                "Alias {} cannot be updated from a {} key with key usage {} to a {} key with key usage {}.",
                alias.as_str(),
                kind(old.key_spec),
                old.key_usage,
                kind(new_target.key_spec),
                new_target.key_usage
            )));
        }
    }
    if existing.target != new_target.id {
        check_alias_quota(ctx, new_target)?;
    }
    let record = AliasRecord {
        target: new_target.id.clone(),
        updated: ctx.now(),
        ..existing
    };
    Ok((Empty {}, Batch::one(Write::PutAlias(record))))
}

pub(crate) fn delete_alias(ctx: &mut OpCtx<'_>, req: DeleteAliasRequest) -> Outcome<Empty> {
    let alias = AliasName::parse(&required(req.alias_name, "aliasName")?)?;
    authorize_alias(ctx, Action::DeleteAlias, &alias)?;
    let existing = existing_alias(ctx, &alias)?;
    if let Some(key) = ctx.store.key(ctx.region(), &existing.target) {
        ctx.admit(key, Action::DeleteAlias, StateRule::Any)?;
    }
    Ok((
        Empty {},
        Batch::one(Write::DeleteAlias(
            ctx.account().to_owned(),
            ctx.region().to_owned(),
            alias,
        )),
    ))
}

pub(crate) fn list_aliases(
    ctx: &mut OpCtx<'_>,
    req: ListAliasesRequest,
) -> Outcome<ListAliasesResponse> {
    let args = validate::page_args(req.limit, req.marker.as_deref(), (50, 100))?;
    let filter = match req.key_id.as_deref() {
        Some(k) => Some(ctx.find_key(Some(k), "keyId", Aliases::Refused)?.id.clone()),
        None => None,
    };
    ctx.authorize_account(Action::ListAliases)?;
    let entries: Vec<AliasListEntry> = ctx
        .store
        .aliases(ctx.account(), ctx.region())
        .filter(|a| filter.as_ref().is_none_or(|id| a.target == *id))
        .map(|a| AliasListEntry {
            alias_name: a.name.as_str().to_owned(),
            alias_arn: ctx.scope().alias_arn(&a.name),
            target_key_id: Some(a.target.to_string()),
            creation_date: Some(a.created),
            last_updated_date: Some(a.updated),
        })
        .collect();
    let page = validate::page(entries, "aliases", args)?;
    let out = ListAliasesResponse {
        aliases: page.items,
        next_marker: page.next_marker,
        truncated: page.truncated,
    };
    Ok((out, Batch::default()))
}
