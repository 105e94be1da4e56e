//! Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases.

use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::ids::{AliasName, Aliases};
use crate::model::*;
use crate::service::{Call, Kms, Outcome};
use crate::state::StateRule;
use crate::store::{AliasRecord, Batch, Store, Write};
use crate::validate::{self, range, required};

/// The most aliases one key may have (AWS's default quota).
const MAX_ALIASES_PER_KEY: usize = 50;

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Parses an AliasName member and refuses the `alias/aws/` namespace as AWS does: as an
    /// authorization failure.
    fn customer_alias(
        &self,
        call: &mut Call,
        name: Option<String>,
        action: &str,
    ) -> Result<AliasName> {
        let alias = AliasName::parse(&required(name, "aliasName")?)?;
        if alias.is_reserved() {
            let arn = self.scope.alias_arn(&alias);
            let message = format!(
                "User: {} is not authorized to perform: {action} on resource: {arn} because aliases that begin with alias/aws/ are reserved for AWS managed keys",
                self.principal
            );
            self.authorize_account(call, action)?;
            return Err(KmsError::AccessDenied(message));
        }
        Ok(alias)
    }

    fn existing_alias(&self, alias: &AliasName) -> Result<&AliasRecord> {
        self.store.alias(alias).ok_or_else(|| {
            KmsError::NotFound(format!(
                "Alias {} is not found.",
                self.scope.alias_arn(alias)
            ))
        })
    }

    pub(crate) fn op_create_alias(&self, call: &mut Call, req: AliasRequest) -> Outcome<Empty> {
        let alias = self.customer_alias(call, req.alias_name, "kms:CreateAlias")?;
        let key = self.find_key(
            req.target_key_id.as_deref(),
            "targetKeyId",
            Aliases::Refused,
        )?;
        let alias_arn = self.scope.alias_arn(&alias);
        self.authorize(call, "kms:CreateAlias", &alias_arn, &self.scope.account)?;
        self.admit(call, key, "kms:CreateAlias", StateRule::Manage)?;
        self.customer_managed(key)?;
        if self.store.alias(&alias).is_some() {
            return Err(KmsError::AlreadyExists(format!(
                "An alias with the name {alias_arn} already exists"
            )));
        }
        let count = self.store.aliases().filter(|a| a.target == key.id).count();
        if count >= MAX_ALIASES_PER_KEY {
            return Err(KmsError::LimitExceeded(format!(
                "The request was rejected because a quota was exceeded: {} already has {MAX_ALIASES_PER_KEY} aliases.",
                key.arn
            )));
        }
        let record = AliasRecord {
            name: alias,
            target: key.id.clone(),
            created: call.now,
            updated: call.now,
        };
        Ok((Empty {}, Batch::one(Write::PutAlias(record))))
    }

    pub(crate) fn op_update_alias(&self, call: &mut Call, req: AliasRequest) -> Outcome<Empty> {
        let alias = self.customer_alias(call, req.alias_name, "kms:UpdateAlias")?;
        required(req.target_key_id.as_ref(), "targetKeyId")?;
        let existing = self.existing_alias(&alias)?.clone();
        let new_target = self.find_key(
            req.target_key_id.as_deref(),
            "targetKeyId",
            Aliases::Refused,
        )?;
        let alias_arn = self.scope.alias_arn(&alias);
        self.authorize(call, "kms:UpdateAlias", &alias_arn, &self.scope.account)?;
        if let Some(old) = self.store.key(&existing.target) {
            self.admit(call, old, "kms:UpdateAlias", StateRule::Any)?;
        }
        self.admit(call, new_target, "kms:UpdateAlias", StateRule::Manage)?;
        self.customer_managed(new_target)?;
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
        let alias = self.customer_alias(call, req.alias_name, "kms:DeleteAlias")?;
        let existing = self.existing_alias(&alias)?;
        let alias_arn = self.scope.alias_arn(&alias);
        self.authorize(call, "kms:DeleteAlias", &alias_arn, &self.scope.account)?;
        if let Some(key) = self.store.key(&existing.target) {
            self.admit(call, key, "kms:DeleteAlias", StateRule::Any)?;
        }
        Ok((Empty {}, Batch::one(Write::DeleteAlias(alias))))
    }

    pub(crate) fn op_list_aliases(
        &self,
        call: &mut Call,
        req: ListAliasesRequest,
    ) -> Outcome<ListAliasesResponse> {
        if let Some(limit) = req.limit {
            range(limit, "limit", 1, 100)?;
        }
        let filter = match req.key_id.as_deref() {
            Some(k) => Some(
                self.find_key(Some(k), "keyId", Aliases::Refused)?
                    .id
                    .clone(),
            ),
            None => None,
        };
        self.authorize_account(call, "kms:ListAliases")?;
        let entries: Vec<AliasListEntry> = self
            .store
            .aliases()
            .filter(|a| filter.as_ref().is_none_or(|id| a.target == *id))
            .map(|a| AliasListEntry {
                alias_name: a.name.as_str().to_owned(),
                alias_arn: self.scope.alias_arn(&a.name),
                target_key_id: Some(a.target.to_string()),
                creation_date: Some(a.created),
                last_updated_date: Some(a.updated),
            })
            .collect();
        let page = validate::page(
            entries,
            "aliases",
            req.limit,
            req.marker.as_deref(),
            (50, 100),
        )?;
        let out = ListAliasesResponse {
            aliases: page.items,
            next_marker: page.next_marker,
            truncated: page.truncated,
        };
        Ok((out, Batch::default()))
    }
}
