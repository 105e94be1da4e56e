//! Who a call acts as, resolved once per call from the store: a principal's identity policies
//! (parsed once, shared), its tags and its unique ID; and the principal an access key names.

use std::rc::Rc;

use super::ops::{find_managed, IamError};
use super::{
    access_key_name, role_name, split_arn, split_session_arn, user_name, Identity, KeyOwner,
};
use crate::access::policy::{Policy, PolicyKind};
use crate::codec::Timestamp;
use crate::domain::ids::{Principal, PrincipalKind};
use crate::store::Store;

/// What the decision needs to know of the caller's identity.
#[derive(Clone, Debug, Default)]
pub struct Acting {
    /// Its identity policies: inline ones by name, managed ones by ARN.
    pub policies: Vec<(String, Rc<Policy>)>,
    /// Its tags (`aws:PrincipalTag/*`): a session's tags over its role's.
    pub tags: Vec<(String, String)>,
    /// `aws:userid`.
    pub user_id: Option<String>,
    /// A session's tags, when the call came with the session's access key.
    pub session_tags: Vec<(String, String)>,
}

impl Acting {
    /// Its identity policies as the decision takes them.
    pub fn named(&self) -> Vec<crate::access::eval::NamedPolicy<'_>> {
        self.policies
            .iter()
            .map(|(name, policy)| crate::access::eval::NamedPolicy { name, policy })
            .collect()
    }
}

/// Why a caller could not be resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unresolved {
    /// No such access key or principal, or a wrong session token.
    Unknown,
    /// The session has expired.
    Expired,
}

impl Unresolved {
    /// IAM's and STS's error for it.
    pub fn iam_error(self) -> IamError {
        match self {
            Unresolved::Unknown => IamError::invalid_token(),
            Unresolved::Expired => IamError::expired_token(),
        }
    }
}

fn policies(
    store: &dyn Store,
    inline: &std::collections::BTreeMap<String, String>,
    attached: &[String],
) -> Vec<(String, Rc<Policy>)> {
    let inline = inline.iter().filter_map(|(name, text)| {
        crate::access::iam_policy(text, PolicyKind::Identity)
            .ok()
            .map(|p| (name.clone(), p))
    });
    let managed = attached.iter().filter_map(|arn| {
        let doc = find_managed(store, arn)?;
        crate::access::iam_policy(&doc.document, PolicyKind::Identity)
            .ok()
            .map(|p| (arn.clone(), p))
    });
    inline.chain(managed).collect()
}

/// The identity of `principal`, from the store. The root user always exists; a user, a role
/// or a role's session exists when the store holds the user or role.
pub fn acting(store: &dyn Store, principal: &Principal) -> Result<Acting, Unresolved> {
    match principal.kind {
        PrincipalKind::Root => Ok(Acting {
            user_id: Some(principal.account.clone()),
            ..Acting::default()
        }),
        PrincipalKind::IamUser => {
            let (account, name) = split_arn(&principal.arn, "user").ok_or(Unresolved::Unknown)?;
            match store.identity(&user_name(account, name)) {
                Some(Identity::User(u)) if u.arn() == principal.arn => Ok(Acting {
                    policies: policies(store, &u.inline, &u.attached),
                    tags: u.tags.clone(),
                    user_id: Some(u.id.clone()),
                    session_tags: Vec::new(),
                }),
                _ => Err(Unresolved::Unknown),
            }
        }
        PrincipalKind::AssumedRole => {
            let (account, role, session) = match split_session_arn(&principal.arn) {
                Some((a, r, s)) => (a, r, Some(s)),
                None => {
                    let (a, r) = split_arn(&principal.arn, "role").ok_or(Unresolved::Unknown)?;
                    (a, r, None)
                }
            };
            match store.identity(&role_name(account, role)) {
                // A session ARN drops the role's path; a role ARN must be the role's.
                Some(Identity::Role(r)) if session.is_some() || r.arn() == principal.arn => {
                    Ok(Acting {
                        policies: policies(store, &r.inline, &r.attached),
                        tags: r.tags.clone(),
                        user_id: Some(match session {
                            Some(s) => format!("{}:{s}", r.id),
                            None => r.id.clone(),
                        }),
                        session_tags: Vec::new(),
                    })
                }
                _ => Err(Unresolved::Unknown),
            }
        }
    }
}

/// The principal an access key names, with its session's tags: a 12-digit key stays its
/// account's root; a user's key its user; a session's key (with the right token, before it
/// expires) its session.
pub fn by_access_key(
    store: &dyn Store,
    id: &str,
    token: Option<&str>,
    now: Timestamp,
) -> Result<(Principal, Vec<(String, String)>), Unresolved> {
    let Some(Identity::AccessKey(key)) = store.identity(&access_key_name(id)) else {
        return Err(Unresolved::Unknown);
    };
    if key.status != "Active" {
        return Err(Unresolved::Unknown);
    }
    let (arn, tags) = match &key.owner {
        KeyOwner::User { account, name } => match store.identity(&user_name(account, name)) {
            Some(Identity::User(u)) => (u.arn(), Vec::new()),
            _ => return Err(Unresolved::Unknown),
        },
        KeyOwner::Session(s) => {
            if !token.is_some_and(|t| s.token.matches(t)) {
                return Err(Unresolved::Unknown);
            }
            if now.millis() >= s.expires {
                return Err(Unresolved::Expired);
            }
            (s.arn(), s.tags.clone())
        }
    };
    let principal = Principal::parse(&arn).ok_or(Unresolved::Unknown)?;
    Ok((principal, tags))
}
