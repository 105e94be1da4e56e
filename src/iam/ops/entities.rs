//! Users, roles, their access keys and their inline policies.

use super::*;

pub(super) fn user_arn_of(cx: &IamCtx<'_>, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:user{path}{name}", cx.caller.account)
}

pub(super) fn create_user(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("UserName", 64)?;
    let path = i.path("Path")?;
    let tags = i.tags()?;
    let account = cx.caller.account.clone();
    cx.authority
        .check("iam:CreateUser", &user_arn_of(cx, &path, name), &account)?;
    if cx.store.identity(&user_name(&account, name)).is_some() {
        return Err(IamError::new(
            "EntityAlreadyExists",
            409,
            format!("User with name {name} already exists."),
        ));
    }
    let user = User {
        account,
        name: name.to_owned(),
        path,
        id: new_id(cx, "AIDA")?,
        created: cx.now.millis(),
        tags,
        inline: Default::default(),
        attached: Vec::new(),
    };
    let out = json!({ "User": user_json(&user) });
    Ok((
        Some(out),
        vec![Write::PutIdentity(Box::new(Identity::User(user)))],
    ))
}

pub(super) fn get_user(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = match i.text("UserName")? {
        Some(n) => {
            check_name("UserName", n, 1, 128)?;
            n.to_owned()
        }
        None => cx.caller.user_name.clone().ok_or_else(|| {
            IamError::validation("Must specify userName when calling with non-User credentials")
        })?,
    };
    let user = find_user(cx, &name)?;
    cx.authority
        .check("iam:GetUser", &user.arn(), &user.account)?;
    Ok((Some(json!({ "User": user_json(user) })), Vec::new()))
}

pub(super) fn delete_user(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("UserName", 128)?;
    let user = find_user(cx, name)?;
    cx.authority
        .check("iam:DeleteUser", &user.arn(), &user.account)?;
    if user_keys(cx, user).next().is_some() {
        return Err(IamError::conflict(
            "Cannot delete entity, must delete access keys first.",
        ));
    }
    if !user.inline.is_empty() {
        return Err(IamError::conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if !user.attached.is_empty() {
        return Err(IamError::conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    Ok((
        None,
        vec![Write::DeleteIdentity(user_name(&user.account, &user.name))],
    ))
}

pub(super) fn user_keys<'s>(
    cx: &IamCtx<'s>,
    user: &'s User,
) -> impl Iterator<Item = &'s AccessKey> + 's {
    cx.store
        .identities("iam/key/")
        .filter_map(move |i| match i {
            Identity::AccessKey(k) => match &k.owner {
                KeyOwner::User { account, name }
                    if *account == user.account && name.eq_ignore_ascii_case(&user.name) =>
                {
                    Some(k)
                }
                _ => None,
            },
            _ => None,
        })
}

pub(super) fn tag(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    if !i.0.contains_key("Tags") {
        return Err(IamError::validation(
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
        ));
    }
    let new = i.tags()?;
    let mut entity = find_entity(cx, kind, name)?;
    let action = match kind {
        Kind::User => "iam:TagUser",
        Kind::Role => "iam:TagRole",
    };
    cx.authority
        .check(action, &entity.arn(), &cx.caller.account)?;
    let Some((tags, _, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    for (k, v) in new {
        match tags.iter_mut().find(|(t, _)| t.eq_ignore_ascii_case(&k)) {
            Some(existing) => existing.1 = v,
            None => tags.push((k, v)),
        }
    }
    if tags.len() > 50 {
        return Err(IamError::limit(
            "The number of tags has reached the maximum limit.",
        ));
    }
    Ok((None, vec![entity.write()]))
}

pub(super) fn create_role(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("RoleName", 64)?;
    let trust = i.required("AssumeRolePolicyDocument")?;
    let path = i.path("Path")?;
    let description = i.text("Description")?.map(str::to_owned);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 1000)
    {
        return Err(constraint(
            "Description",
            description.as_deref().unwrap_or_default(),
            "Member must have length less than or equal to 1000",
        ));
    }
    let max_session = i.number("MaxSessionDuration")?.unwrap_or(3600);
    if !(3600..=43_200).contains(&max_session) {
        return Err(constraint(
            "MaxSessionDuration",
            &max_session.to_string(),
            "Member must have value between 3600 and 43200",
        ));
    }
    let tags = i.tags()?;
    let account = cx.caller.account.clone();
    let arn = format!("arn:aws:iam::{account}:role{path}{name}");
    cx.authority.check("iam:CreateRole", &arn, &account)?;
    check_document(trust, PolicyKind::Trust, &StoreDirectory(cx.store))?;
    if cx.store.identity(&role_name(&account, name)).is_some() {
        return Err(IamError::new(
            "EntityAlreadyExists",
            409,
            format!("Role with name {name} already exists."),
        ));
    }
    let role = Role {
        account,
        name: name.to_owned(),
        path,
        id: new_id(cx, "AROA")?,
        created: cx.now.millis(),
        trust: trust.to_owned(),
        description,
        max_session: u32::try_from(max_session).unwrap_or(3600),
        tags,
        inline: Default::default(),
        attached: Vec::new(),
    };
    let out = json!({ "Role": role_json(&role) });
    Ok((
        Some(out),
        vec![Write::PutIdentity(Box::new(Identity::Role(role)))],
    ))
}

pub(super) fn get_role(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("RoleName", 64)?;
    let role = find_role(cx, name)?;
    cx.authority
        .check("iam:GetRole", &role.arn(), &role.account)?;
    Ok((Some(json!({ "Role": role_json(role) })), Vec::new()))
}

pub(super) fn delete_role(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("RoleName", 64)?;
    let role = find_role(cx, name)?;
    cx.authority
        .check("iam:DeleteRole", &role.arn(), &role.account)?;
    if !role.attached.is_empty() {
        return Err(IamError::conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    if !role.inline.is_empty() {
        return Err(IamError::conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    Ok((
        None,
        vec![Write::DeleteIdentity(role_name(&role.account, &role.name))],
    ))
}

// ---- access keys --------------------------------------------------------------------------

/// The user an access-key operation is about: the named one, or the calling user.
pub(super) fn key_user<'s>(cx: &IamCtx<'s>, i: &Input<'_>) -> Result<&'s User, IamError> {
    match i.text("UserName")? {
        Some(n) => {
            check_name("UserName", n, 1, 128)?;
            find_user(cx, n)
        }
        None => match &cx.caller.user_name {
            Some(n) => find_user(cx, n),
            None => Err(IamError::validation(
                "Must specify userName when calling with non-User credentials",
            )),
        },
    }
}

pub(super) fn create_access_key(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let user = key_user(cx, i)?;
    cx.authority
        .check("iam:CreateAccessKey", &user.arn(), &user.account)?;
    if user_keys(cx, user).count() >= 2 {
        return Err(IamError::limit(
            "Cannot exceed quota for AccessKeysPerUser: 2",
        ));
    }
    let (account, name) = (user.account.clone(), user.name.clone());
    let id = format!("AKIA{}", random_text(cx, ID_ALPHABET, 16)?);
    let secret = Credential::new(random_text(cx, SECRET_ALPHABET, 40)?);
    let out = json!({ "AccessKey": {
        "UserName": name, "AccessKeyId": id, "Status": "Active",
        "SecretAccessKey": secret.reveal(), "CreateDate": seconds(cx.now.millis()),
    }});
    let key = AccessKey {
        id,
        secret,
        created: cx.now.millis(),
        status: "Active".to_owned(),
        owner: KeyOwner::User { account, name },
    };
    Ok((
        Some(out),
        vec![Write::PutIdentity(Box::new(Identity::AccessKey(key)))],
    ))
}

pub(super) fn delete_access_key(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let id = i.required("AccessKeyId")?;
    let user = key_user(cx, i)?;
    cx.authority
        .check("iam:DeleteAccessKey", &user.arn(), &user.account)?;
    if !user_keys(cx, user).any(|k| k.id == id) {
        return Err(IamError::no_such(format!(
            "The Access Key with id {id} cannot be found."
        )));
    }
    Ok((None, vec![Write::DeleteIdentity(access_key_name(id))]))
}

pub(super) fn list_access_keys(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let user = key_user(cx, i)?;
    cx.authority
        .check("iam:ListAccessKeys", &user.arn(), &user.account)?;
    let keys: Vec<&AccessKey> = user_keys(cx, user).collect();
    let out = paged(keys, i.page()?, "AccessKeyMetadata", |k| {
        json!({ "UserName": user.name, "AccessKeyId": k.id, "Status": k.status,
                "CreateDate": seconds(k.created) })
    });
    Ok((Some(out), Vec::new()))
}

// ---- inline policies ----------------------------------------------------------------------

pub(super) fn inline_action(kind: Kind, verb: &str) -> String {
    match kind {
        Kind::User => format!("iam:{verb}UserPolicy"),
        Kind::Role => format!("iam:{verb}RolePolicy"),
    }
}

pub(super) fn put_inline(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    let policy = i.name("PolicyName", 128)?.to_owned();
    let document = i.required("PolicyDocument")?;
    let mut entity = find_entity(cx, kind, name)?;
    cx.authority.check(
        &inline_action(kind, "Put"),
        &entity.arn(),
        &cx.caller.account,
    )?;
    check_document(document, PolicyKind::Identity, &StoreDirectory(cx.store))?;
    let Some((_, inline, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    inline.insert(policy, document.to_owned());
    // IAM's quotas on the total size of an entity's inline policies (whitespace aside).
    let total: usize = inline
        .values()
        .map(|d| d.chars().filter(|c| !c.is_whitespace()).count())
        .sum();
    let quota = match kind {
        Kind::User => 2048,
        Kind::Role => 10_240,
    };
    if total > quota {
        return Err(IamError::limit(format!(
            "Maximum policy size of {quota} bytes exceeded for {} {name}",
            kind.word()
        )));
    }
    Ok((None, vec![entity.write()]))
}

pub(super) fn missing_inline(kind: Kind, policy: &str) -> IamError {
    IamError::no_such(format!(
        "The {} policy with name {policy} cannot be found.",
        kind.word()
    ))
}

pub(super) fn get_inline(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    let policy = i.name("PolicyName", 128)?;
    let mut entity = find_entity(cx, kind, name)?;
    cx.authority.check(
        &inline_action(kind, "Get"),
        &entity.arn(),
        &cx.caller.account,
    )?;
    let entity_name = match &entity.record {
        Identity::User(u) => u.name.clone(),
        Identity::Role(r) => r.name.clone(),
        _ => String::new(),
    };
    let Some((_, inline, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    let document = inline
        .get(policy)
        .ok_or_else(|| missing_inline(kind, policy))?;
    let mut out = Map::new();
    out.insert(kind.member().to_owned(), json!(entity_name));
    out.insert("PolicyName".to_owned(), json!(policy));
    out.insert("PolicyDocument".to_owned(), json!(document));
    Ok((Some(Value::Object(out)), Vec::new()))
}

pub(super) fn delete_inline(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    let policy = i.name("PolicyName", 128)?;
    let mut entity = find_entity(cx, kind, name)?;
    cx.authority.check(
        &inline_action(kind, "Delete"),
        &entity.arn(),
        &cx.caller.account,
    )?;
    let Some((_, inline, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    if inline.remove(policy).is_none() {
        return Err(missing_inline(kind, policy));
    }
    Ok((None, vec![entity.write()]))
}

pub(super) fn list_inline(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    let mut entity = find_entity(cx, kind, name)?;
    let action = match kind {
        Kind::User => "iam:ListUserPolicies",
        Kind::Role => "iam:ListRolePolicies",
    };
    cx.authority
        .check(action, &entity.arn(), &cx.caller.account)?;
    let Some((_, inline, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    let names: Vec<String> = inline.keys().cloned().collect();
    Ok((
        Some(paged(names, i.page()?, "PolicyNames", Value::String)),
        Vec::new(),
    ))
}
