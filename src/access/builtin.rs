//! The key policies AWS writes itself, exactly as AWS writes them: the default key policy and
//! the policy of an AWS managed key. They are policy documents (text a user can read back with
//! GetKeyPolicy), so the action patterns in them are spelt as policy text.

use serde_json::json;

use crate::domain::ids::Scope;

/// AWS's default key policy, pretty-printed as AWS prints it.
pub fn default_policy(partition: &str, account: &str) -> String {
    // Plain concatenation: stores build this for every key they load.
    [
        "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:",
        partition,
        ":iam::",
        account,
        ":root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}",
    ]
    .concat()
}

/// The key policy AWS attaches to an AWS managed key.
pub fn aws_managed_policy_document(scope: &Scope, service: &str, display: &str) -> String {
    let policy = json!({
        "Version": "2012-10-17",
        "Id": format!("auto-{service}-1"),
        "Statement": [
            {
                "Sid": format!("Allow access through {display} for all principals in the account that are authorized to use {display}"),
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {
                    "kms:CallerAccount": scope.account,
                    "kms:ViaService": format!("{service}.{}.amazonaws.com", scope.region)
                }}
            },
            {
                "Sid": "Allow direct access to key metadata to the account",
                "Effect": "Allow",
                "Principal": {"AWS": scope.root_principal()},
                "Action": ["kms:Describe*", "kms:Get*", "kms:List*"],
                "Resource": "*"
            }
        ]
    });
    serde_json::to_string_pretty(&policy).unwrap_or_default()
}
