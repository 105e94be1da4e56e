//! Key management: CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey,
//! DisableKey, tags, and the key policy.

use crate::access::condition::Known;
use crate::access::policy::{Policy, PolicyKind};
use crate::access::Action;
use crate::codec::hex;
use crate::crypto::asym::AsymSpec;
use crate::crypto::{HmacKey, MacHash, Secret, SymmetricKey};
use crate::domain::ids::{Aliases, KeyId};
use crate::domain::spec::{EncryptionAlgorithm, KeyAgreementAlgorithm, KeySpec, KeyUsage, Origin};
use crate::domain::state::{KeyState, StateRule};
use crate::error::{KmsError, Result};
use crate::iam::ops::StoreDirectory;
use crate::model::*;
use crate::ops::ctx::{OpCtx, Outcome};
use crate::store::{Batch, Import, KeyManager, KeyRecord, Material, MultiRegionRole};
use crate::validate::{self, length, one_of, required};

/// The algorithm lists of a key, as KeyMetadata and GetPublicKey show them: only the list that
/// matches the key's usage is present.
#[derive(Default)]
pub(crate) struct AlgorithmLists {
    pub encryption: Option<Vec<String>>,
    pub signing: Option<Vec<String>>,
    pub key_agreement: Option<Vec<String>>,
    pub mac: Option<Vec<String>>,
}

/// The algorithms a key of `spec` and `usage` offers, in AWS's order.
pub(crate) fn algorithms(spec: KeySpec, usage: KeyUsage) -> AlgorithmLists {
    let names = |v: &[&str]| Some(v.iter().map(|n| (*n).to_owned()).collect());
    let asym = AsymSpec::from_key_spec(spec);
    match usage {
        KeyUsage::EncryptDecrypt if spec == KeySpec::SymmetricDefault => AlgorithmLists {
            encryption: names(&[EncryptionAlgorithm::SymmetricDefault.as_str()]),
            ..Default::default()
        },
        KeyUsage::EncryptDecrypt => AlgorithmLists {
            encryption: asym.map(|a| {
                a.encryption_algorithms()
                    .iter()
                    .map(|h| h.as_str().to_owned())
                    .collect()
            }),
            ..Default::default()
        },
        KeyUsage::SignVerify => AlgorithmLists {
            signing: asym.map(|a| {
                a.signing_algorithms()
                    .iter()
                    .map(|h| h.as_str().to_owned())
                    .collect()
            }),
            ..Default::default()
        },
        KeyUsage::KeyAgreement => AlgorithmLists {
            key_agreement: names(&[KeyAgreementAlgorithm::Ecdh.as_str()]),
            ..Default::default()
        },
        KeyUsage::GenerateVerifyMac => AlgorithmLists {
            mac: MacHash::from_key_spec(spec).map(|h| vec![h.algorithm().as_str().to_owned()]),
            ..Default::default()
        },
    }
}

/// The most keys one Region holds (AWS's default quota).
const MAX_KEYS: usize = 100_000;
/// The documented key policy quota, in bytes.
const MAX_POLICY_BYTES: usize = 32 * 1024;

/// The model's rules for a `Policy` member: 1 to 131,072 characters of
/// `[\u0009\u000A\u000D\u0020-\u00FF]` (ValidationException).
pub(crate) fn policy_member(policy: &str) -> Result<()> {
    length(policy, "policy", 1, 131_072)?;
    let charset_ok = policy
        .chars()
        .all(|c| matches!(c, '\u{9}' | '\u{a}' | '\u{d}' | '\u{20}'..='\u{ff}'));
    if !charset_ok {
        return Err(KmsError::constraint(
            "policy",
            Some(policy),
            "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
        ));
    }
    Ok(())
}

/// Checks a key policy being written, in AWS's order after the model's rules: its size
/// (LimitExceededException), then its grammar and principals (MalformedPolicyDocument,
/// InvalidArnException); the parsed policy is what the lockout check asks.
pub(crate) fn check_policy(store: &dyn crate::store::Store, policy: &str) -> Result<Policy> {
    policy_member(policy)?;
    if policy.len() > MAX_POLICY_BYTES {
        return Err(KmsError::LimitExceeded(format!(
            "The key policy exceeds the maximum size of {MAX_POLICY_BYTES} bytes."
        )));
    }
    Policy::parse(policy, PolicyKind::Key, &StoreDirectory(store))
}

/// The lockout safety check: unless the caller bypasses it, the policy about to be written
/// must still let the caller change it (PutKeyPolicy) afterwards.
pub(crate) fn lockout_check(
    ctx: &OpCtx<'_>,
    key: &KeyRecord,
    policy: &Policy,
    bypass: Option<bool>,
) -> Result<()> {
    if bypass == Some(true) || ctx.would_allow(Action::PutKeyPolicy, key, policy)? {
        return Ok(());
    }
    Err(KmsError::MalformedPolicyDocument(
        "The new key policy will not allow you to update the key policy in the future.".to_owned(),
    ))
}

/// The `policyName` member: `default` is the only policy a key has.
fn policy_name(name: Option<String>) -> Result<String> {
    let name = name.unwrap_or_else(|| "default".to_owned());
    length(&name, "policyName", 1, 128)?;
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(KmsError::constraint(
            "policyName",
            Some(&name),
            "Member must satisfy regular expression pattern: [\\w]+",
        ));
    }
    Ok(name)
}

pub(crate) fn put_key_policy(ctx: &mut OpCtx<'_>, req: PutKeyPolicyRequest) -> Outcome<Empty> {
    let text = required(req.policy, "policy")?;
    policy_member(&text)?;
    let name = policy_name(req.policy_name)?;
    if let Some(bypass) = req.bypass_policy_lockout_safety_check {
        ctx.fact(
            Known::BypassPolicyLockoutSafetyCheck,
            if bypass { "true" } else { "false" },
        );
    }
    let key = ctx.key_by_id(req.key_id.as_deref(), Action::PutKeyPolicy, StateRule::Any)?;
    if name != "default" {
        return Err(KmsError::NotFound(format!("Policy {name} does not exist")));
    }
    let policy = check_policy(ctx.store, &text)?;
    lockout_check(ctx, key, &policy, req.bypass_policy_lockout_safety_check)?;
    let mut record = key.clone();
    record.policy = text;
    Ok((Empty {}, Batch::put_key(record)))
}

/// KeyMetadata as DescribeKey shows it.
pub(crate) fn metadata(ctx: &OpCtx<'_>, key: &KeyRecord) -> KeyMetadata {
    metadata_with(ctx, key, None)
}

/// Where the keys of `key`'s multi-Region set are, taking `key` and `new_replica` as they
/// are about to be stored rather than as the store has them.
fn multi_region_configuration(
    ctx: &OpCtx<'_>,
    key: &KeyRecord,
    new_replica: Option<&KeyRecord>,
) -> Option<MultiRegionConfiguration> {
    let role = key.multi_region?;
    let fresh: Vec<&KeyRecord> = std::iter::once(key).chain(new_replica).collect();
    let mut set: Vec<&KeyRecord> = ctx
        .store
        .key_in_all_regions(&key.id)
        .filter(|k| fresh.iter().all(|f| f.region != k.region))
        .chain(fresh.iter().copied())
        .collect();
    set.sort_by(|a, b| a.region.cmp(&b.region));
    let entry = |k: &KeyRecord| MultiRegionKey {
        arn: k.arn.clone(),
        region: k.region.clone(),
    };
    let primary = set
        .iter()
        .find(|k| k.multi_region == Some(MultiRegionRole::Primary))?;
    Some(MultiRegionConfiguration {
        multi_region_key_type: role.as_str().to_owned(),
        primary_key: entry(primary),
        replica_keys: set
            .iter()
            .filter(|k| k.multi_region == Some(MultiRegionRole::Replica))
            .map(|k| entry(k))
            .collect(),
    })
}

/// KeyMetadata, counting `new_replica` (not yet stored) in a multi-Region set.
pub(crate) fn metadata_with(
    ctx: &OpCtx<'_>,
    key: &KeyRecord,
    new_replica: Option<&KeyRecord>,
) -> KeyMetadata {
    let symmetric = key.key_spec == KeySpec::SymmetricDefault;
    let lists = algorithms(key.key_spec, key.key_usage);
    KeyMetadata {
        aws_account_id: key.account.clone(),
        key_id: key.id.to_string(),
        arn: key.arn.clone(),
        creation_date: key.created,
        enabled: key.state == KeyState::Enabled,
        description: key.description.clone(),
        key_usage: key.key_usage.as_str().to_owned(),
        key_state: key.state.as_str().to_owned(),
        deletion_date: key
            .deletion
            .filter(|_| key.state == KeyState::PendingDeletion)
            .map(|d| d.date),
        origin: key.origin.as_str().to_owned(),
        key_manager: key.manager.as_str().to_owned(),
        customer_master_key_spec: key.key_spec.as_str().to_owned(),
        key_spec: key.key_spec.as_str().to_owned(),
        encryption_algorithms: lists.encryption,
        signing_algorithms: lists.signing,
        key_agreement_algorithms: lists.key_agreement,
        mac_algorithms: lists.mac,
        multi_region: key.multi_region.is_some(),
        multi_region_configuration: multi_region_configuration(ctx, key, new_replica),
        pending_deletion_window_in_days: key
            .deletion
            .filter(|_| key.state == KeyState::PendingReplicaDeletion)
            .map(|d| d.window_days),
        // An imported key keeps showing its material's ID after the material is deleted.
        // Shown for symmetric encryption keys only, as AWS does.
        current_key_material_id: key
            .current_material()
            .map(|m| m.id)
            .or_else(|| key.import.as_ref().and_then(|i| i.material_id))
            .filter(|_| symmetric)
            .map(|id| hex::encode(&id)),
        expiration_model: key.import.as_ref().and_then(|i| i.expiration_model.clone()),
        valid_to: key.import.as_ref().and_then(|i| i.valid_to),
    }
}

pub(crate) fn create_key(
    ctx: &mut OpCtx<'_>,
    req: CreateKeyRequest,
) -> Outcome<KeyMetadataResponse> {
    let policy = req
        .policy
        .as_deref()
        .map(|p| check_policy(ctx.store, p))
        .transpose()?;
    if let Some(bypass) = req.bypass_policy_lockout_safety_check {
        ctx.fact(
            Known::BypassPolicyLockoutSafetyCheck,
            if bypass { "true" } else { "false" },
        );
    }
    let description = req.description.clone().unwrap_or_default();
    length(&description, "description", 0, 8192)?;
    let customer_master_key_spec = match &req.customer_master_key_spec {
        Some(s) => {
            one_of(
                s,
                "customerMasterKeySpec",
                KeySpec::customer_master_key_spec_names(),
            )?;
            validate::parse_enum::<KeySpec>(s, "customerMasterKeySpec").map(Some)?
        }
        None => None,
    };
    let key_spec = validate::parse_optional::<KeySpec>(req.key_spec.as_ref(), "keySpec")?;
    if key_spec.is_some() && customer_master_key_spec.is_some() {
        return Err(KmsError::Validation(
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.".to_owned(),
        ));
    }
    let spec = key_spec
        .or(customer_master_key_spec)
        .unwrap_or(KeySpec::SymmetricDefault);
    let key_usage = validate::parse_optional::<KeyUsage>(req.key_usage.as_ref(), "keyUsage")?;
    let usage = match (key_usage, spec) {
        (Some(u), _) => u,
        (None, KeySpec::SymmetricDefault) => KeyUsage::EncryptDecrypt,
        (None, _) => {
            return Err(KmsError::Validation(
                "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.".to_owned(),
            ))
        }
    };
    if !spec.usages().contains(&usage) {
        return Err(KmsError::Validation(format!(
            "KeyUsage {usage} is not compatible with KeySpec {spec}"
        )));
    }
    let origin = validate::parse_optional::<Origin>(req.origin.as_ref(), "origin")?
        .unwrap_or(Origin::AwsKms);
    if let Some(xks) = &req.xks_key_id {
        length(xks, "xksKeyId", 1, 128)?;
    }
    let tags = validate::tags(req.tags.as_deref().unwrap_or_default())?;
    validate::tag_count(tags.len())?;
    // What this version of wasm-kms cannot create yet is refused plainly, never faked.
    let hmac = MacHash::from_key_spec(spec);
    let asym = AsymSpec::from_key_spec(spec);
    if spec != KeySpec::SymmetricDefault && hmac.is_none() && asym.is_none() {
        return Err(KmsError::UnsupportedOperation(Some(format!(
            "wasm-kms does not support KeySpec {spec} yet."
        ))));
    }
    let external = origin == Origin::External;
    if !(origin == Origin::AwsKms || external) || req.custom_key_store_id.is_some() {
        return Err(KmsError::UnsupportedOperation(Some(format!(
            "wasm-kms does not support Origin {origin} or custom key stores yet."
        ))));
    }
    let multi_region = req.multi_region == Some(true);
    ctx.request_tags(&tags);
    ctx.authorize_account(Action::CreateKey)?;
    let account_keys = ctx
        .store
        .keys(ctx.region())
        .filter(|k| k.account == ctx.account())
        .count();
    if account_keys >= MAX_KEYS {
        return Err(KmsError::LimitExceeded(
            "The request was rejected because a quota was exceeded: keys per Region.".to_owned(),
        ));
    }
    let id = loop {
        let raw = ctx.random()?;
        let id = if multi_region {
            KeyId::new_multi_region(raw)
        } else {
            KeyId::new_regional(raw)
        };
        // A multi-Region key ID is the same in every Region, so it must be free in all.
        if ctx.store.key_in_all_regions(&id).next().is_none() {
            break id;
        }
    };
    // A key for imported material has none until the caller imports it.
    let materials = if external {
        Vec::new()
    } else {
        vec![Material {
            id: ctx.random()?,
            key: match (hmac, asym) {
                (Some(hash), _) => Secret::Hmac(HmacKey::generate(hash, |k| ctx.fill_random(k))?),
                (None, Some(spec)) => Secret::Asym(Box::new(ctx.new_key_pair(spec)?)),
                (None, None) => Secret::from(SymmetricKey::generate(|k| ctx.fill_random(k))?),
            },
            created: ctx.now(),
            rotation: None,
        }]
    };
    let scope = ctx.scope();
    let arn = scope.key_arn(&id);
    let record = KeyRecord {
        region: scope.region.clone(),
        id,
        arn,
        account: scope.account.clone(),
        created: ctx.now(),
        description,
        state: if external {
            KeyState::PendingImport
        } else {
            KeyState::Enabled
        },
        key_spec: spec,
        key_usage: usage,
        origin,
        manager: KeyManager::Customer,
        policy: req
            .policy
            .clone()
            .unwrap_or_else(|| crate::access::default_policy(&scope.partition, &scope.account)),
        tags,
        materials,
        deletion: None,
        rotation: None,
        multi_region: multi_region.then_some(MultiRegionRole::Primary),
        import: external.then(Import::default),
        grants: Vec::new(),
    };
    if let Some(policy) = &policy {
        lockout_check(ctx, &record, policy, req.bypass_policy_lockout_safety_check)?;
    }
    let out = KeyMetadataResponse {
        key_metadata: metadata(ctx, &record),
    };
    Ok((out, Batch::put_key(record)))
}

pub(crate) fn describe_key(
    ctx: &mut OpCtx<'_>,
    req: DescribeKeyRequest,
) -> Outcome<KeyMetadataResponse> {
    validate::grant_tokens(req.grant_tokens.as_ref())?;
    let key = ctx.use_key(
        req.key_id.as_deref(),
        "keyId",
        Aliases::Accepted,
        Action::DescribeKey,
        StateRule::Any,
    )?;
    let out = KeyMetadataResponse {
        key_metadata: metadata(ctx, key),
    };
    Ok((out, Batch::default()))
}

pub(crate) fn list_keys(ctx: &mut OpCtx<'_>, req: ListKeysRequest) -> Outcome<ListKeysResponse> {
    let args = validate::page_args(req.limit, req.marker.as_deref(), (100, 1000))?;
    let entries: Vec<KeyListEntry> = ctx
        .store
        .keys(ctx.region())
        .filter(|k| k.account == ctx.account())
        .map(|k| KeyListEntry {
            key_id: k.id.to_string(),
            key_arn: k.arn.clone(),
        })
        .collect();
    let page = validate::page(entries, "keys", args)?;
    ctx.authorize_account(Action::ListKeys)?;
    let out = ListKeysResponse {
        keys: page.items,
        next_marker: page.next_marker,
        truncated: page.truncated,
    };
    Ok((out, Batch::default()))
}

pub(crate) fn update_key_description(
    ctx: &mut OpCtx<'_>,
    req: UpdateKeyDescriptionRequest,
) -> Outcome<Empty> {
    let description = required(req.description, "description")?;
    length(&description, "description", 0, 8192)?;
    let key = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::UpdateKeyDescription,
        StateRule::Manage,
    )?;
    let mut key = key.clone();
    key.description = description;
    Ok((Empty {}, Batch::put_key(key)))
}

fn set_enabled(ctx: &mut OpCtx<'_>, req: KeyIdRequest, enable: bool) -> Outcome<Empty> {
    let action = if enable {
        Action::EnableKey
    } else {
        Action::DisableKey
    };
    let key = ctx.key_by_id(req.key_id.as_deref(), action, StateRule::EnableDisable)?;
    let mut key = key.clone();
    if enable && key.state != KeyState::Enabled {
        // A key does not rotate while disabled; re-enabled past its rotation date, it rotates
        // at once (the rotation falls due now, and is applied before any later call).
        if let Some(r) = key.rotation.as_mut().filter(|r| r.next() <= ctx.now()) {
            r.since = ctx.now().plus_days(-r.period_days);
        }
    }
    key.state = if enable {
        KeyState::Enabled
    } else {
        KeyState::Disabled
    };
    Ok((Empty {}, Batch::put_key(key)))
}

pub(crate) fn enable_key(ctx: &mut OpCtx<'_>, req: KeyIdRequest) -> Outcome<Empty> {
    set_enabled(ctx, req, true)
}

pub(crate) fn disable_key(ctx: &mut OpCtx<'_>, req: KeyIdRequest) -> Outcome<Empty> {
    set_enabled(ctx, req, false)
}

pub(crate) fn tag_resource(ctx: &mut OpCtx<'_>, req: TagResourceRequest) -> Outcome<Empty> {
    let new_tags = validate::tags(&required(req.tags, "tags")?)?;
    ctx.request_tags(&new_tags);
    let key = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::TagResource,
        StateRule::Manage,
    )?;
    let mut key = key.clone();
    for (k, v) in new_tags {
        match key.tags.iter_mut().find(|(existing, _)| *existing == k) {
            Some(slot) => slot.1 = v,
            None => key.tags.push((k, v)),
        }
    }
    validate::tag_count(key.tags.len())?;
    Ok((Empty {}, Batch::put_key(key)))
}

pub(crate) fn untag_resource(ctx: &mut OpCtx<'_>, req: UntagResourceRequest) -> Outcome<Empty> {
    let keys = required(req.tag_keys, "tagKeys")?;
    for (i, k) in keys.iter().enumerate() {
        length(k, &format!("tagKeys.{}.member", i + 1), 1, 128)?;
        if validate::is_reserved_tag(k) {
            return Err(KmsError::Tag(
                "Tags beginning with aws: are reserved".to_owned(),
            ));
        }
    }
    ctx.tag_keys(&keys);
    let key = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::UntagResource,
        StateRule::Manage,
    )?;
    let mut key = key.clone();
    key.tags.retain(|(k, _)| !keys.contains(k));
    Ok((Empty {}, Batch::put_key(key)))
}

pub(crate) fn list_resource_tags(
    ctx: &mut OpCtx<'_>,
    req: ListResourceTagsRequest,
) -> Outcome<ListResourceTagsResponse> {
    let args = validate::page_args(req.limit, req.marker.as_deref(), (50, 50))?;
    let key = ctx.key_by_id(
        req.key_id.as_deref(),
        Action::ListResourceTags,
        StateRule::Any,
    )?;
    let tags: Vec<Tag> = key
        .tags
        .iter()
        .map(|(k, v)| Tag {
            tag_key: Some(k.clone()),
            tag_value: Some(v.clone()),
        })
        .collect();
    let page = validate::page(tags, "tags", args)?;
    let out = ListResourceTagsResponse {
        tags: page.items,
        next_marker: page.next_marker,
        truncated: page.truncated,
    };
    Ok((out, Batch::default()))
}

pub(crate) fn get_key_policy(
    ctx: &mut OpCtx<'_>,
    req: GetKeyPolicyRequest,
) -> Outcome<GetKeyPolicyResponse> {
    let name = policy_name(req.policy_name)?;
    let key = ctx.key_by_id(req.key_id.as_deref(), Action::GetKeyPolicy, StateRule::Any)?;
    if name != "default" {
        return Err(KmsError::NotFound(format!("Policy {name} does not exist")));
    }
    let out = GetKeyPolicyResponse {
        policy: key.policy.clone(),
        policy_name: name,
    };
    Ok((out, Batch::default()))
}

pub(crate) fn list_key_policies(
    ctx: &mut OpCtx<'_>,
    req: ListKeyPoliciesRequest,
) -> Outcome<ListKeyPoliciesResponse> {
    let args = validate::page_args(req.limit, req.marker.as_deref(), (100, 1000))?;
    ctx.key_by_id(
        req.key_id.as_deref(),
        Action::ListKeyPolicies,
        StateRule::Any,
    )?;
    let page = validate::page(vec!["default".to_owned()], "policies", args)?;
    let out = ListKeyPoliciesResponse {
        policy_names: page.items,
        next_marker: page.next_marker,
        truncated: page.truncated,
    };
    Ok((out, Batch::default()))
}
