//! Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases.

use crate::access::Action;
use crate::domain::ids::{AliasName, Aliases};
use crate::domain::state::StateRule;
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::model::*;
use crate::service::{Call, Kms, Outcome};
use crate::store::{AliasRecord, Batch, KeyManager, KeyRecord, Store, Write};
use crate::validate::{self, required};

/// The most aliases one key may have (AWS's default quota).
const MAX_ALIASES_PER_KEY: usize = 50;

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Refuses one more alias for a key that already has the most it may have (CreateAlias, and
    /// UpdateAlias when it points an alias at a new key).
    fn check_alias_quota(&self, key: &KeyRecord) -> Result<()> {
        let count = self
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

    fn existing_alias(&self, call: &Call, alias: &AliasName) -> Result<&AliasRecord> {
        self.store
            .alias(call.account(), call.region(), alias)
            .ok_or_else(|| {
                KmsError::NotFound(format!(
                    "Alias {} is not found.",
                    call.scope().alias_arn(alias)
                ))
            })
    }

    /// Authorizes `action` on the alias itself (the reserved `alias/aws/` names are refused here).
    fn authorize_alias(&self, call: &mut Call, action: Action, alias: &AliasName) -> Result<()> {
        let alias_arn = call.scope().alias_arn(alias);
        let account = call.scope().account.clone();
        self.authorize(call, action, &alias_arn, &account, &KeyManager::Customer)
    }

    pub(crate) fn op_create_alias(&self, call: &mut Call, req: AliasRequest) -> Outcome<Empty> {
        let alias = AliasName::parse(&required(req.alias_name, "aliasName")?)?;
        let key = self.find_key(
            call,
            req.target_key_id.as_deref(),
            "targetKeyId",
            Aliases::Refused,
        )?;
        self.authorize_alias(call, Action::CreateAlias, &alias)?;
        self.admit(call, key, Action::CreateAlias, StateRule::Manage)?;
        if self
            .store
            .alias(call.account(), call.region(), &alias)
            .is_some()
        {
            let alias_arn = call.scope().alias_arn(&alias);
            return Err(KmsError::AlreadyExists(format!(
                "An alias with the name {alias_arn} already exists"
            )));
        }
        self.check_alias_quota(key)?;
        let record = AliasRecord {
            account: key.account.clone(),
            region: key.region.clone(),
            name: alias,
            target: key.id.clone(),
            created: call.now,
            updated: call.now,
        };
        Ok((Empty {}, Batch::one(Write::PutAlias(record))))
    }

    pub(crate) fn op_update_alias(&self, call: &mut Call, req: AliasRequest) -> Outcome<Empty> {
        let alias = AliasName::parse(&required(req.alias_name, "aliasName")?)?;
        required(req.target_key_id.as_ref(), "targetKeyId")?;
        // The alias is authorized before it is looked up: the alias/aws/ names are refused
        // whether or not their AWS managed key exists yet.
        self.authorize_alias(call, Action::UpdateAlias, &alias)?;
        let existing = self.existing_alias(call, &alias)?.clone();
        let new_target = self.find_key(
            call,
            req.target_key_id.as_deref(),
            "targetKeyId",
            Aliases::Refused,
        )?;
        let old = self.store.key(call.region(), &existing.target);
        if let Some(old) = old {
            self.admit(call, old, Action::UpdateAlias, StateRule::Any)?;
        }
        self.admit(call, new_target, Action::UpdateAlias, StateRule::Manage)?;
        // An alias keeps pointing at the same kind of key: symmetric, asymmetric or HMAC, with
        // the same key usage, so code that uses it keeps working.
        if let Some(old) = old {
            let kind = |spec: &str| match spec {
                "SYMMETRIC_DEFAULT" => "symmetric",
                s if s.starts_with("HMAC_") => "HMAC",
                _ => "asymmetric",
            };
            if kind(&old.key_spec) != kind(&new_target.key_spec)
                || old.key_usage != new_target.key_usage
            {
                return Err(KmsError::Validation(format!(
                    "Alias {} cannot be updated from a {} key with key usage {} to a {} key with key usage {}.",
                    alias.as_str(),
                    kind(&old.key_spec),
                    old.key_usage,
                    kind(&new_target.key_spec),
                    new_target.key_usage
                )));
            }
        }
        if existing.target != new_target.id {
            self.check_alias_quota(new_target)?;
        }
        let record = AliasRecord {
            target: new_target.id.clone(),
            updated: call.now,
            ..existing
        };
        Ok((Empty {}, Batch::one(Write::PutAlias(record))))
    }

    pub(crate) fn op_delete_alias(
        &self,
        call: &mut Call,
        req: DeleteAliasRequest,
    ) -> Outcome<Empty> {
        let alias = AliasName::parse(&required(req.alias_name, "aliasName")?)?;
        self.authorize_alias(call, Action::DeleteAlias, &alias)?;
        let existing = self.existing_alias(call, &alias)?;
        if let Some(key) = self.store.key(call.region(), &existing.target) {
            self.admit(call, key, Action::DeleteAlias, StateRule::Any)?;
        }
        Ok((
            Empty {},
            Batch::one(Write::DeleteAlias(
                call.account().to_owned(),
                call.region().to_owned(),
                alias,
            )),
        ))
    }

    pub(crate) fn op_list_aliases(
        &self,
        call: &mut Call,
        req: ListAliasesRequest,
    ) -> Outcome<ListAliasesResponse> {
        let args = validate::page_args(req.limit, req.marker.as_deref(), (50, 100))?;
        let filter = match req.key_id.as_deref() {
            Some(k) => Some(
                self.find_key(call, Some(k), "keyId", Aliases::Refused)?
                    .id
                    .clone(),
            ),
            None => None,
        };
        self.authorize_account(call, Action::ListAliases)?;
        let entries: Vec<AliasListEntry> = self
            .store
            .aliases(call.account(), call.region())
            .filter(|a| filter.as_ref().is_none_or(|id| a.target == *id))
            .map(|a| AliasListEntry {
                alias_name: a.name.as_str().to_owned(),
                alias_arn: call.scope().alias_arn(&a.name),
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
}
