//! The one authorization point. Every operation asks before it acts, through
//! [`crate::ops`]'s context, which builds the request's condition keys ([`context`]) and asks
//! [`eval::decide`]: key policies, identity policies and grants, as AWS KMS evaluates them
//! (`../shared/reference/aws-kms-authz.md`). The decision carries its rule and the deciding
//! statement or grant; [`eval::explain`] gives everything considered, for the tutor.

mod action;
mod builtin;
mod cache;
mod caller;
pub mod condition;
pub mod context;
pub mod eval;
pub mod grant;
pub mod named;
pub mod pattern;
pub mod policy;
pub use action::{Action, ActionSet};
pub use builtin::{aws_managed_policy_document, default_policy};
pub use cache::{iam_policy, key_policy};
pub use caller::{Caller, Network};
pub use eval::{decide, explain, Decision};
pub use policy::Effect;

#[cfg(test)]
mod tests {
    use super::context::{Context, Who};
    use super::eval::{AccessRequest, Rule, Target};
    use super::*;
    use crate::codec::Timestamp;
    use crate::domain::ids::Scope;

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k";

    fn ask(policy_text: &str, who: Who<'_>, action: Action) -> Decision {
        let policy = key_policy(policy_text).unwrap_or_else(|e| panic!("{e}"));
        let mut cx = Context::new(who, "us-east-1", Timestamp(0));
        cx.key = Some(super::context::KeyFacts {
            spec: "SYMMETRIC_DEFAULT",
            usage: "ENCRYPT_DECRYPT",
            origin: "AWS_KMS",
            multi_region: None,
            tags: &[],
            aliases: &[],
        });
        decide(&AccessRequest {
            action,
            target: Target::Key {
                arn: KEY,
                account: "111122223333",
                policy: &policy,
                grants: &[],
            },
            context: &cx,
            identity: &[],
            grant_tokens: &[],
        })
    }

    #[test]
    fn an_aws_managed_key_is_read_directly_and_used_only_through_its_service() {
        let scope = Scope {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "111122223333".into(),
        };
        let doc = aws_managed_policy_document(&scope, "s3", "S3");
        let root = Who::root("arn:aws:iam::111122223333:root", "111122223333");
        assert_eq!(
            ask(&doc, root.clone(), Action::Encrypt).effect,
            Effect::Deny
        );
        let mut via = root.clone();
        via.via_service = Some("ebs.us-east-1.amazonaws.com");
        assert_eq!(ask(&doc, via.clone(), Action::Encrypt).effect, Effect::Deny);
        via.via_service = Some("s3.us-east-1.amazonaws.com");
        assert_eq!(
            ask(&doc, via.clone(), Action::Encrypt).effect,
            Effect::Allow
        );
        assert_eq!(ask(&doc, via, Action::DisableKey).effect, Effect::Deny);
        for read in [
            Action::DescribeKey,
            Action::GetKeyPolicy,
            Action::ListResourceTags,
        ] {
            assert_eq!(
                ask(&doc, root.clone(), read).effect,
                Effect::Allow,
                "{read}"
            );
        }
        assert_eq!(
            ask(&doc, root, Action::ScheduleKeyDeletion).effect,
            Effect::Deny
        );
    }

    #[test]
    fn the_default_policy_lets_its_account_in_and_keeps_others_out() {
        let doc = default_policy("aws", "111122223333");
        let own = Who::root("arn:aws:iam::111122223333:root", "111122223333");
        assert_eq!(
            ask(&doc, own, Action::Encrypt).rule,
            Rule::KeyPolicyAndIdentity
        );
        let other = Who::root("arn:aws:iam::444455556666:root", "444455556666");
        let d = ask(&doc, other, Action::Encrypt);
        assert_eq!(d.effect, Effect::Deny);
        assert_eq!(
            d.denial_message("arn:aws:iam::444455556666:root"),
            format!("User: arn:aws:iam::444455556666:root is not authorized to perform: kms:Encrypt on resource: {KEY} because no resource-based policy allows the kms:Encrypt action")
        );
    }
}
