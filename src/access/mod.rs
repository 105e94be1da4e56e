//! The one authorization point. Every operation asks [`authorize`] before it acts.
//!
//! Today the rule is AWS's default key policy, which delegates to the account: principals of the
//! key's own account are allowed, everyone else is denied. Key policies, IAM policies and grants
//! plug in here. The decision carries the reason, so the tutor can show why a call was allowed
//! or denied.

mod action;
mod builtin;
mod caller;
pub mod condition;
pub mod context;
pub mod eval;
pub mod grant;
pub mod pattern;
pub mod policy;
pub use action::{Action, ActionSet};
pub use builtin::{aws_managed_policy_document, default_policy};
pub use caller::Caller;

use serde::Serialize;

/// What is being asked.
#[derive(Clone, Debug)]
pub struct AuthzRequest<'a> {
    /// The caller's ARN, for example `arn:aws:iam::111122223333:root`.
    pub principal: &'a str,
    /// The caller's account.
    pub principal_account: &'a str,
    /// The IAM action, for example `kms:Encrypt`.
    pub action: Action,
    /// The resource ARN (a key, an alias, or `*` for account-level actions).
    pub resource: &'a str,
    /// The account that owns the resource.
    pub resource_account: &'a str,
    /// The AWS service the caller acts through (`kms:ViaService`), if any.
    pub via_service: Option<&'a str>,
    /// For an AWS managed key, the service it belongs to: its key policy applies.
    pub aws_managed_by: Option<&'a str>,
}

/// Allowed or denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// The call may proceed.
    Allow,
    /// The call is refused with AccessDeniedException.
    Deny,
}

/// The answer, with the statement that decided it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Allow or Deny.
    pub effect: Effect,
    /// The action asked for.
    pub action: String,
    /// The resource asked about.
    pub resource: String,
    /// Which rule decided, in words.
    pub reason: String,
}

impl Decision {
    /// AWS's AccessDeniedException text for a denial.
    pub fn denial_message(&self, principal: &str) -> String {
        format!(
            "User: {principal} is not authorized to perform: {} on resource: {} because {}",
            self.action, self.resource, self.reason
        )
    }
}

/// What an AWS managed key's policy lets its service do for the account's principals.
const VIA_SERVICE_ACTIONS: [Action; 9] = [
    Action::Encrypt,
    Action::Decrypt,
    Action::ReEncryptFrom,
    Action::ReEncryptTo,
    Action::GenerateDataKey,
    Action::GenerateDataKeyWithoutPlaintext,
    Action::GenerateDataKeyPair,
    Action::CreateGrant,
    Action::DescribeKey,
];

/// The policy of an AWS managed key of `service`: the account reads the key's metadata
/// directly, and uses it only through the service.
fn aws_managed_policy(req: &AuthzRequest<'_>, service: &str) -> (Effect, String) {
    let same_account = req.principal_account == req.resource_account;
    let read = req.action.reads_metadata();
    let via = req.via_service == Some(service) && VIA_SERVICE_ACTIONS.contains(&req.action);
    if same_account && via {
        (
            Effect::Allow,
            format!("the AWS managed key's policy allows the account's principals to use it through {service} (kms:ViaService)"),
        )
    } else if same_account && read {
        (
            Effect::Allow,
            "the AWS managed key's policy statement \"Allow direct access to key metadata to the account\" allows it".to_owned(),
        )
    } else {
        (
            Effect::Deny,
            format!("no resource-based policy allows the {} action", req.action),
        )
    }
}

/// Decides whether `req` is allowed.
pub fn authorize(req: &AuthzRequest<'_>) -> Decision {
    let reserved_alias = req.action.changes_alias()
        && req
            .resource
            .split_once(":alias/")
            .is_some_and(|(_, name)| name.starts_with("aws/"));
    let (effect, reason) = if reserved_alias {
        (
            Effect::Deny,
            "aliases that begin with alias/aws/ are reserved for AWS managed keys".to_owned(),
        )
    } else if let Some(service) = req.aws_managed_by {
        aws_managed_policy(req, service)
    } else if req.principal_account == req.resource_account {
        (
            Effect::Allow,
            format!(
                "the key policy statement \"Enable IAM User Permissions\" allows the principals of account {}, and the caller is one of them",
                req.resource_account
            ),
        )
    } else {
        (
            Effect::Deny,
            format!("no resource-based policy allows the {} action", req.action),
        )
    };
    Decision {
        effect,
        action: req.action.name().to_owned(),
        resource: req.resource.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(action: Action, resource: &str) -> AuthzRequest<'_> {
        AuthzRequest {
            principal: "arn:aws:iam::111122223333:root",
            principal_account: "111122223333",
            action,
            resource,
            resource_account: "111122223333",
            via_service: None,
            aws_managed_by: None,
        }
    }

    #[test]
    fn an_aws_managed_key_is_read_directly_and_used_only_through_its_service() {
        let key = "arn:aws:kms:us-east-1:111122223333:key/k";
        let mut req = request(Action::Encrypt, key);
        req.aws_managed_by = Some("s3");
        assert_eq!(authorize(&req).effect, Effect::Deny);
        req.via_service = Some("ebs");
        assert_eq!(authorize(&req).effect, Effect::Deny);
        req.via_service = Some("s3");
        assert_eq!(authorize(&req).effect, Effect::Allow);
        req.action = Action::DisableKey;
        assert_eq!(authorize(&req).effect, Effect::Deny);
        req.via_service = None;
        for read in [
            Action::DescribeKey,
            Action::GetKeyPolicy,
            Action::ListResourceTags,
        ] {
            req.action = read;
            assert_eq!(authorize(&req).effect, Effect::Allow, "{read}");
        }
        req.action = Action::ScheduleKeyDeletion;
        assert_eq!(authorize(&req).effect, Effect::Deny);
    }

    #[test]
    fn reserved_aliases_are_denied_to_alias_actions_only() {
        let mut req = request(
            Action::CreateAlias,
            "arn:aws:kms:us-east-1:111122223333:alias/aws/s3",
        );
        assert_eq!(authorize(&req).effect, Effect::Deny);
        req.resource = "arn:aws:kms:us-east-1:111122223333:alias/awsome";
        assert_eq!(authorize(&req).effect, Effect::Allow);
        req.resource = "arn:aws:kms:us-east-1:111122223333:alias/aws/s3";
        req.action = Action::DescribeKey;
        assert_eq!(authorize(&req).effect, Effect::Allow);
    }

    #[test]
    fn own_account_is_allowed_and_others_denied() {
        let mut req = request(Action::Encrypt, "arn:aws:kms:us-east-1:111122223333:key/k");
        assert_eq!(authorize(&req).effect, Effect::Allow);
        req.principal_account = "444455556666";
        let d = authorize(&req);
        assert_eq!(d.effect, Effect::Deny);
        assert!(d
            .denial_message(req.principal)
            .ends_with("because no resource-based policy allows the kms:Encrypt action"));
        assert!(d
            .denial_message(req.principal)
            .starts_with("User: arn:aws:iam::111122223333:root is not authorized to perform: kms:Encrypt on resource: arn:aws:kms:"));
    }
}
