//! STS: who the caller is, and AssumeRole (trust policies, sessions, temporary credentials).

use super::*;

pub(super) fn get_caller_identity(cx: &mut IamCtx<'_>) -> Outcome {
    let c = cx.caller;
    Ok((
        Some(json!({ "UserId": c.user_id, "Account": c.account, "Arn": c.arn })),
        Vec::new(),
    ))
}

pub(super) fn assume_role(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let role_arn = i.required("RoleArn")?;
    let session_name = i.required("RoleSessionName")?;
    let denied = || IamError::denied(&cx.caller.arn, "sts:AssumeRole", role_arn);
    let (account, name) = split_arn(role_arn, "role").ok_or_else(denied)?;
    let role = match cx.store.identity(&role_name(account, name)) {
        Some(Identity::Role(r)) if r.arn() == role_arn => r.clone(),
        _ => return Err(denied()),
    };
    let external_id = i.text("ExternalId")?;
    if !cx.authority.may_assume(&role, external_id, session_name)? {
        return Err(denied());
    }
    let len = session_name.chars().count();
    if !(2..=64).contains(&len) {
        return Err(constraint(
            "RoleSessionName",
            session_name,
            if len < 2 {
                "Member must have length greater than or equal to 2"
            } else {
                "Member must have length less than or equal to 64"
            },
        ));
    }
    check_name("RoleSessionName", session_name, 2, 64).map_err(|_| {
        constraint(
            "RoleSessionName",
            session_name,
            "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        )
    })?;
    let duration = i.number("DurationSeconds")?.unwrap_or(3600);
    if !(900..=43_200).contains(&duration) {
        return Err(constraint(
            "DurationSeconds",
            &duration.to_string(),
            if duration < 900 {
                "Member must have value greater than or equal to 900"
            } else {
                "Member must have value less than or equal to 43200"
            },
        ));
    }
    if cx.caller.session && duration > 3600 {
        return Err(IamError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    if duration > i64::from(role.max_session) {
        return Err(IamError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    if i.0.contains_key("Policy") || i.0.contains_key("PolicyArns") {
        return Err(IamError::validation(
            "wasm-kms does not apply session policies: call AssumeRole without Policy and PolicyArns.",
        ));
    }
    let tags = i.tags()?;
    let key_id = format!("ASIA{}", random_text(cx, ID_ALPHABET, 16)?);
    let secret = Credential::new(random_text(cx, SECRET_ALPHABET, 40)?);
    let token = Credential::new(format!(
        "IQoJb3JpZ2luX2Vj{}",
        random_text(cx, SECRET_ALPHABET, 300)?
    ));
    let expires = cx
        .now
        .millis()
        .saturating_add(duration.saturating_mul(1000));
    let session = Session {
        account: role.account.clone(),
        role_name: role.name.clone(),
        role_id: role.id.clone(),
        session_name: session_name.to_owned(),
        token: token.clone(),
        expires,
        tags: tags.clone(),
    };
    let mut out = json!({
        "Credentials": {
            "AccessKeyId": key_id, "SecretAccessKey": secret.reveal(),
            "SessionToken": token.reveal(), "Expiration": seconds(expires),
        },
        "AssumedRoleUser": {
            "AssumedRoleId": format!("{}:{session_name}", role.id), "Arn": session.arn(),
        },
    });
    if !tags.is_empty() {
        put(
            &mut out,
            "PackedPolicySize",
            json!(tags.len().saturating_mul(2).min(100)),
        );
    }
    let key = AccessKey {
        id: key_id,
        secret,
        created: cx.now.millis(),
        status: "Active".to_owned(),
        owner: KeyOwner::Session(session),
    };
    Ok((
        Some(out),
        vec![Write::PutIdentity(Box::new(Identity::AccessKey(key)))],
    ))
}
