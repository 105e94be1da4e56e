//! Loading a seed file (see [`crate::ops::seed`]): the service drives it as a client of its own
//! pipeline, so every key, alias and setting a seed makes is audited.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::domain::ids::KeyId;
use crate::env::{Clock, Entropy};
use crate::error::{KmsError, Result};
use crate::iam::ops::put;
use crate::model::*;
use crate::ops::seed::{
    create_seeded_key, seed_error, seed_request, seeded_material_id, Seed, SeedKey, SeedReport,
};
use crate::ops::Call;
use crate::store::Store;

use super::{Kms, Operation, Request, Response};

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Loads a seed (see [`Seed`] for the file) as the configured caller.
    pub fn seed(&mut self, seed: &Seed) -> Result<SeedReport> {
        let mut report = SeedReport::default();
        if let Some(iam) = &seed.iam {
            self.seed_iam(iam, &mut report)?;
        }
        for key in &seed.keys {
            self.seed_key(key, &mut report)?;
        }
        Ok(report)
    }

    /// Loads a seed file's JSON text.
    pub fn seed_json(&mut self, text: &str) -> Result<SeedReport> {
        let seed: Seed = serde_json::from_str(text).map_err(|e| {
            KmsError::Validation(format!(
                "the seed file is not valid: {} at line {} column {}",
                match e.classify() {
                    serde_json::error::Category::Data => "a member is unknown or of the wrong type",
                    _ => "not JSON",
                },
                e.line(),
                e.column()
            ))
        })?;
        self.seed(&seed)
    }

    fn seed_key(&mut self, seed: &SeedKey, report: &mut SeedReport) -> Result<()> {
        let name = seed.key_id.as_str();
        let id = KeyId::parse(name).ok_or_else(|| seed_error(name, "KeyId is not a key ID"))?;
        let multi_region = id.as_str().starts_with("mrk-");
        let caller = match &seed.region {
            Some(r) => self.caller().in_region(r)?,
            None => self.caller().clone(),
        };
        let material = match &seed.key_material {
            None => None,
            Some(b64) => {
                Some(zeroize::Zeroizing::new(B64.decode(b64).map_err(|_| {
                    seed_error(name, "KeyMaterial is not base64")
                })?))
            }
        };
        let region = caller.scope.region.clone();
        if let Some(existing) = self.store.key(&region, &id) {
            if let Some(m) = &material {
                let same =
                    existing.materials.first().map(|f| f.id) == Some(seeded_material_id(&id, m));
                if !same {
                    return Err(seed_error(
                        name,
                        "the key exists with other key material (a seed never replaces material)",
                    ));
                }
            }
            report.existing_keys.push(existing.arn.clone());
        } else {
            let parameters =
                Request::CreateKey(seed_request(seed, multi_region)).audit_parameters();
            let mut call = Call::new(self.clock.now(), &caller);
            let made = create_seeded_key(
                &mut self.op_ctx(&mut call),
                seed,
                &id,
                material.as_deref().map(Vec::as_slice),
            )
            .map(|(response, batch)| (Response::CreateKey(response), batch));
            match made {
                Ok((response, batch)) => {
                    let event =
                        self.call_event(Operation::CreateKey, &call, parameters, Ok(&response));
                    self.commit_with_events(batch, vec![event])?;
                    report.created_keys.push(call.scope().key_arn(&id));
                }
                Err(e) => {
                    let event = self.call_event(Operation::CreateKey, &call, parameters, Err(&e));
                    self.commit_with_events(Default::default(), vec![event])?;
                    return Err(e);
                }
            }
            if seed.enabled == Some(false) {
                self.execute_as(
                    &caller,
                    Request::DisableKey(KeyIdRequest {
                        key_id: Some(id.as_str().to_owned()),
                    }),
                )?;
            }
            if seed.enable_key_rotation == Some(true) {
                self.execute_as(
                    &caller,
                    Request::EnableKeyRotation(EnableKeyRotationRequest {
                        key_id: Some(id.as_str().to_owned()),
                        rotation_period_in_days: None,
                    }),
                )?;
            }
        }
        for alias in seed.aliases.iter().flatten() {
            let target = crate::domain::ids::AliasName::parse(alias)
                .ok()
                .and_then(|a| self.store.alias(&caller.scope.account, &region, &a))
                .map(|a| a.target.clone());
            match target {
                Some(t) if t == id => {}
                Some(_) => {
                    return Err(seed_error(
                        name,
                        &format!("alias `{alias}` exists and points at another key"),
                    ))
                }
                None => {
                    self.execute_as(
                        &caller,
                        Request::CreateAlias(AliasRequest {
                            alias_name: Some(alias.clone()),
                            target_key_id: Some(id.as_str().to_owned()),
                        }),
                    )?;
                    report.created_aliases.push(alias.clone());
                }
            }
        }
        Ok(())
    }

    /// The root user of `account` (default: the configured caller's account).
    fn seed_root(&self, account: Option<&str>) -> Result<crate::access::Caller> {
        let account = account.unwrap_or(&self.caller().scope.account).to_owned();
        let mut caller = self.caller().in_account(&account)?;
        let root = caller.scope.root_principal();
        caller.principal = crate::domain::ids::Principal::parse(&root)
            .ok_or_else(|| KmsError::Internal(format!("`{root}` is not a principal")))?;
        caller.access_key = None;
        Ok(caller)
    }

    /// Runs one IAM operation of a seed as `caller`; `exists` names the error that means the
    /// entity is there already (then `Ok(false)`).
    fn seed_iam_call(
        &mut self,
        caller: &crate::access::Caller,
        op: &str,
        input: serde_json::Value,
        exists: Option<&str>,
    ) -> Result<Option<serde_json::Value>> {
        match self.call_iam(caller, crate::iam::ops::Service::Iam, op, &input) {
            Ok(out) => Ok(Some(out.unwrap_or(serde_json::Value::Null))),
            Err(e) if Some(e.code) == exists => Ok(None),
            Err(e) => Err(KmsError::Validation(format!(
                "seed IAM {op} {input}: {}: {}",
                e.code, e.message
            ))),
        }
    }

    fn seed_iam(&mut self, iam: &crate::iam::seed::SeedIam, report: &mut SeedReport) -> Result<()> {
        use crate::iam::seed::{is_access_key_id, is_secret, SeedTag};
        use serde_json::json;
        let tags = |t: &[SeedTag]| -> Vec<serde_json::Value> {
            t.iter()
                .map(|t| json!({ "Key": t.key, "Value": t.value }))
                .collect()
        };
        for p in &iam.policies {
            let root = self.seed_root(p.account.as_deref())?;
            let mut input =
                json!({ "PolicyName": p.policy_name, "PolicyDocument": p.policy_document.text() });
            if let Some(path) = &p.path {
                put(&mut input, "Path", json!(path));
            }
            if let Some(d) = &p.description {
                put(&mut input, "Description", json!(d));
            }
            let path = p.path.clone().unwrap_or_else(|| "/".to_owned());
            let arn = format!(
                "arn:aws:iam::{}:policy{path}{}",
                root.scope.account, p.policy_name
            );
            match self.seed_iam_call(&root, "CreatePolicy", input, Some("EntityAlreadyExists"))? {
                Some(_) => report.created_identities.push(arn),
                None => report.existing_identities.push(arn),
            }
        }
        for u in &iam.users {
            let root = self.seed_root(u.account.as_deref())?;
            let mut input = json!({ "UserName": u.user_name });
            if let Some(path) = &u.path {
                put(&mut input, "Path", json!(path));
            }
            let made =
                self.seed_iam_call(&root, "CreateUser", input, Some("EntityAlreadyExists"))?;
            let arn = format!(
                "arn:aws:iam::{}:user{}{}",
                root.scope.account,
                u.path.as_deref().unwrap_or("/"),
                u.user_name
            );
            match made {
                Some(_) => report.created_identities.push(arn),
                None => report.existing_identities.push(arn),
            }
            self.seed_entity(
                &root,
                "User",
                &u.user_name,
                &tags(&u.tags),
                &u.policies,
                &u.attached_policies,
            )?;
            if u.access_keys.len() > 2 {
                return Err(KmsError::Validation(format!(
                    "seed user `{}`: at most 2 access keys",
                    u.user_name
                )));
            }
            for k in &u.access_keys {
                if !is_access_key_id(&k.access_key_id) || !is_secret(&k.secret_access_key) {
                    return Err(KmsError::Validation(format!(
                        "seed user `{}`: an access key ID is AKIA and 16 of [A-Z0-9], a secret 40 of [A-Za-z0-9+/]",
                        u.user_name
                    )));
                }
                let name = crate::iam::access_key_name(&k.access_key_id);
                match self.store.identity(&name) {
                    Some(crate::iam::Identity::AccessKey(existing)) => {
                        let same = matches!(&existing.owner, crate::iam::KeyOwner::User { account, name }
                            if *account == root.scope.account && name.eq_ignore_ascii_case(&u.user_name));
                        if !same || !existing.secret.matches(&k.secret_access_key) {
                            return Err(KmsError::Validation(format!(
                                "seed access key `{}` exists for another user or with another secret",
                                k.access_key_id
                            )));
                        }
                    }
                    _ => {
                        let key = crate::iam::AccessKey {
                            id: k.access_key_id.clone(),
                            secret: crate::iam::Credential::new(k.secret_access_key.clone()),
                            created: self.clock.now().millis(),
                            status: "Active".to_owned(),
                            owner: crate::iam::KeyOwner::User {
                                account: root.scope.account.clone(),
                                name: u.user_name.clone(),
                            },
                        };
                        self.commit_with_events(
                            crate::store::Batch::one(crate::store::Write::PutIdentity(Box::new(
                                crate::iam::Identity::AccessKey(key),
                            ))),
                            Vec::new(),
                        )?;
                        report.created_identities.push(k.access_key_id.clone());
                    }
                }
            }
        }
        for r in &iam.roles {
            let root = self.seed_root(r.account.as_deref())?;
            let mut input = json!({
                "RoleName": r.role_name,
                "AssumeRolePolicyDocument": r.assume_role_policy_document.text(),
            });
            if let Some(path) = &r.path {
                put(&mut input, "Path", json!(path));
            }
            if let Some(d) = &r.description {
                put(&mut input, "Description", json!(d));
            }
            if let Some(m) = r.max_session_duration {
                put(&mut input, "MaxSessionDuration", json!(m));
            }
            let made =
                self.seed_iam_call(&root, "CreateRole", input, Some("EntityAlreadyExists"))?;
            let arn = format!(
                "arn:aws:iam::{}:role{}{}",
                root.scope.account,
                r.path.as_deref().unwrap_or("/"),
                r.role_name
            );
            match made {
                Some(_) => report.created_identities.push(arn),
                None => report.existing_identities.push(arn),
            }
            self.seed_entity(
                &root,
                "Role",
                &r.role_name,
                &tags(&r.tags),
                &r.policies,
                &r.attached_policies,
            )?;
        }
        Ok(())
    }

    /// A seeded user's or role's tags, inline policies and attached policies.
    fn seed_entity(
        &mut self,
        root: &crate::access::Caller,
        kind: &str,
        name: &str,
        tags: &[serde_json::Value],
        policies: &std::collections::BTreeMap<String, crate::iam::seed::SeedDocument>,
        attached: &[String],
    ) -> Result<()> {
        use serde_json::json;
        let member = format!("{kind}Name");
        if !tags.is_empty() {
            self.seed_iam_call(
                root,
                &format!("Tag{kind}"),
                json!({ member.clone(): name, "Tags": tags }),
                None,
            )?;
        }
        for (policy, doc) in policies {
            self.seed_iam_call(
                root,
                &format!("Put{kind}Policy"),
                json!({ member.clone(): name, "PolicyName": policy, "PolicyDocument": doc.text() }),
                None,
            )?;
        }
        for arn in attached {
            self.seed_iam_call(
                root,
                &format!("Attach{kind}Policy"),
                json!({ member.clone(): name, "PolicyArn": arn }),
                None,
            )?;
        }
        Ok(())
    }
}
