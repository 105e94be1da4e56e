//! Managed policies: customer managed ones in the store, the AWS managed ones a KMS user
//! attaches most, and attaching them to users and roles.

use super::*;

/// AWS managed policies a KMS user attaches most.
const AWS_MANAGED: &[(&str, &str)] = &[
    (
        "AdministratorAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        "AWSKeyManagementServicePowerUser",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:CreateAlias","kms:CreateKey","kms:DeleteAlias","kms:Describe*","kms:GenerateRandom","kms:Get*","kms:List*","kms:TagResource","kms:UntagResource","iam:ListGroups","iam:ListRoles","iam:ListUsers"],"Resource":"*"}]}"#,
    ),
];

/// The document of the AWS managed policy `arn`, if it is one wasm-kms knows.
pub fn aws_managed_document(arn: &str) -> Option<&'static str> {
    let name = arn.strip_prefix("arn:aws:iam::aws:policy/")?;
    AWS_MANAGED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}

/// The managed policy `arn` names: a customer managed one in the store, or an AWS one.
pub fn find_managed(store: &dyn Store, arn: &str) -> Option<ManagedPolicy> {
    if let Some(document) = aws_managed_document(arn) {
        let name = arn.rsplit('/').next().unwrap_or_default();
        return Some(ManagedPolicy {
            account: "aws".to_owned(),
            name: name.to_owned(),
            path: "/".to_owned(),
            id: format!(
                "ANPA{}",
                name.to_ascii_uppercase()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(17)
                    .collect::<String>()
            ),
            created: 0,
            description: None,
            document: document.to_owned(),
            tags: Vec::new(),
        });
    }
    let (account, name) = split_arn(arn, "policy")?;
    match store.identity(&policy_name(account, name)) {
        Some(Identity::Policy(p)) if p.arn() == arn => Some(p.clone()),
        _ => None,
    }
}

pub(super) fn attachment_count(store: &dyn Store, account: &str, arn: &str) -> usize {
    store
        .identities(&format!("iam/{account}/"))
        .filter(|i| match i {
            Identity::User(u) => u.attached.iter().any(|a| a == arn),
            Identity::Role(r) => r.attached.iter().any(|a| a == arn),
            _ => false,
        })
        .count()
}

pub(super) fn policy_json(p: &ManagedPolicy, attachments: usize, with_description: bool) -> Value {
    let mut v = json!({
        "PolicyName": p.name, "PolicyId": p.id, "Arn": p.arn(), "Path": p.path,
        "DefaultVersionId": "v1", "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
        "CreateDate": seconds(p.created), "UpdateDate": seconds(p.created),
    });
    if with_description {
        if let Some(d) = &p.description {
            put(&mut v, "Description", json!(d));
        }
    }
    if !p.tags.is_empty() {
        put(&mut v, "Tags", tags_json(&p.tags));
    }
    v
}

pub(super) fn policy_arn<'i>(i: &'i Input<'_>) -> Result<&'i str, IamError> {
    let arn = i.required("PolicyArn")?;
    if !arn.starts_with("arn:") || arn.split(':').count() < 6 {
        return Err(IamError::new(
            "InvalidInput",
            400,
            format!("ARN {arn} is not valid."),
        ));
    }
    Ok(arn)
}

pub(super) fn create_policy(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("PolicyName", 128)?;
    let document = i.required("PolicyDocument")?;
    let path = match i.text("Path")? {
        None => "/".to_owned(),
        Some(p) => {
            let ok = p.starts_with('/')
                && p.ends_with('/')
                && p.len() <= 512
                && p.split('/').all(|seg| {
                    seg.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".,+@=_-".contains(c))
                });
            if !ok {
                return Err(constraint(
                    "Path",
                    p,
                    "Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/",
                ));
            }
            p.to_owned()
        }
    };
    let description = i.text("Description")?.map(str::to_owned);
    let tags = i.tags()?;
    let account = cx.caller.account.clone();
    let arn = format!("arn:aws:iam::{account}:policy{path}{name}");
    cx.authority.check("iam:CreatePolicy", &arn, &account)?;
    check_document(document, PolicyKind::Identity, &StoreDirectory(cx.store))?;
    if document.chars().filter(|c| !c.is_whitespace()).count() > 6144 {
        return Err(IamError::limit("Cannot exceed quota for PolicySize: 6144"));
    }
    if cx.store.identity(&policy_name(&account, name)).is_some() {
        return Err(IamError::new(
            "EntityAlreadyExists",
            409,
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    let policy = ManagedPolicy {
        account,
        name: name.to_owned(),
        path,
        id: new_id(cx, "ANPA")?,
        created: cx.now.millis(),
        description,
        document: document.to_owned(),
        tags,
    };
    let out = json!({ "Policy": policy_json(&policy, 0, false) });
    Ok((
        Some(out),
        vec![Write::PutIdentity(Box::new(Identity::Policy(policy)))],
    ))
}

pub(super) fn managed_or_missing(cx: &IamCtx<'_>, arn: &str) -> Result<ManagedPolicy, IamError> {
    find_managed(cx.store, arn)
        .ok_or_else(|| IamError::no_such(format!("Policy {arn} was not found.")))
}

pub(super) fn get_policy(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let arn = policy_arn(i)?;
    let policy = managed_or_missing(cx, arn)?;
    cx.authority
        .check("iam:GetPolicy", arn, &cx.caller.account)?;
    let count = attachment_count(cx.store, &cx.caller.account, arn);
    Ok((
        Some(json!({ "Policy": policy_json(&policy, count, true) })),
        Vec::new(),
    ))
}

pub(super) fn get_policy_version(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let arn = policy_arn(i)?;
    let version = i.required("VersionId")?;
    let policy = managed_or_missing(cx, arn)?;
    cx.authority
        .check("iam:GetPolicyVersion", arn, &cx.caller.account)?;
    if version != "v1" {
        return Err(IamError::no_such(format!(
            "Policy {arn} version {version} does not exist or is not attachable."
        )));
    }
    let out = json!({ "PolicyVersion": {
        "Document": policy.document, "VersionId": "v1", "IsDefaultVersion": true,
        "CreateDate": seconds(policy.created),
    }});
    Ok((Some(out), Vec::new()))
}

pub(super) fn delete_policy(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let arn = policy_arn(i)?;
    let policy = managed_or_missing(cx, arn)?;
    cx.authority
        .check("iam:DeletePolicy", arn, &cx.caller.account)?;
    if policy.account != cx.caller.account {
        return Err(IamError::new(
            "UnmodifiableEntity",
            400,
            format!("Cannot delete policy {arn}: it is not a policy of this account."),
        ));
    }
    if attachment_count(cx.store, &policy.account, arn) > 0 {
        return Err(IamError::conflict(
            "Cannot delete a policy attached to entities.",
        ));
    }
    Ok((
        None,
        vec![Write::DeleteIdentity(policy_name(
            &policy.account,
            &policy.name,
        ))],
    ))
}

pub(super) fn attach(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind, on: bool) -> Outcome {
    let name = i.name(kind.member(), 64)?;
    let arn = policy_arn(i)?;
    let mut entity = find_entity(cx, kind, name)?;
    let action = match (kind, on) {
        (Kind::User, true) => "iam:AttachUserPolicy",
        (Kind::User, false) => "iam:DetachUserPolicy",
        (Kind::Role, true) => "iam:AttachRolePolicy",
        (Kind::Role, false) => "iam:DetachRolePolicy",
    };
    cx.authority
        .check(action, &entity.arn(), &cx.caller.account)?;
    if on && find_managed(cx.store, arn).is_none() {
        return Err(IamError::no_such(format!(
            "Policy {arn} does not exist or is not attachable."
        )));
    }
    let word = match kind {
        Kind::User => "PoliciesPerUser",
        Kind::Role => "PoliciesPerRole",
    };
    let Some((_, _, attached)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    let present = attached.iter().position(|a| a == arn);
    match (on, present) {
        (true, Some(_)) => return Ok((None, Vec::new())),
        (true, None) if attached.len() >= 10 => {
            return Err(IamError::limit(format!(
                "Cannot exceed quota for {word}: 10"
            )))
        }
        (true, None) => attached.push(arn.to_owned()),
        (false, Some(at)) => {
            attached.remove(at);
        }
        (false, None) => return Err(IamError::no_such(format!("Policy {arn} was not found."))),
    }
    Ok((None, vec![entity.write()]))
}

pub(super) fn list_attached(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 64)?;
    let mut entity = find_entity(cx, kind, name)?;
    let action = match kind {
        Kind::User => "iam:ListAttachedUserPolicies",
        Kind::Role => "iam:ListAttachedRolePolicies",
    };
    cx.authority
        .check(action, &entity.arn(), &cx.caller.account)?;
    let prefix = i.text("PathPrefix")?.unwrap_or("/").to_owned();
    let Some((_, _, attached)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    let list: Vec<String> = attached
        .iter()
        .filter(|arn| {
            arn.split_once(":policy")
                .is_some_and(|(_, rest)| rest.starts_with(&prefix))
        })
        .cloned()
        .collect();
    let out = paged(list, i.page()?, "AttachedPolicies", |arn| {
        let name = arn.rsplit('/').next().unwrap_or_default().to_owned();
        json!({ "PolicyName": name, "PolicyArn": arn })
    });
    Ok((Some(out), Vec::new()))
}
