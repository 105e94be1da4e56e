//! AWS managed keys: the keys that AWS services create in an account for their own use, named
//! `alias/aws/<service>`. The account can see them but not change them, and can use them only
//! through their service (the authorization point applies their key policy). They rotate every
//! year by themselves.

use serde_json::{json, Value};

use crate::crypto::{Secret, SymmetricKey};
use crate::domain::ids::{self, AliasName, Aliases, KeyId, KeyRef, RESERVED_ALIAS_PREFIX};
use crate::domain::schedule::ServiceEvent;
use crate::domain::spec::{KeySpec, KeyUsage, Origin};
use crate::domain::state::KeyState;
use crate::error::Result;
use crate::ops::ctx::OpCtx;
use crate::store::{AliasRecord, Batch, KeyManager, KeyRecord, Material, RotationSchedule, Write};

/// The services with an AWS managed key, by the short name in `alias/aws/<name>`, and the name
/// AWS uses for them in the key's description.
const SERVICES: &[(&str, &str)] = &[
    ("acm", "ACM"),
    ("backup", "Backup"),
    ("codecommit", "CodeCommit"),
    ("dynamodb", "DynamoDB"),
    ("ebs", "EBS"),
    ("elasticfilesystem", "Elastic File System"),
    ("es", "OpenSearch"),
    ("glue", "Glue"),
    ("kinesis", "Kinesis"),
    ("lambda", "Lambda"),
    ("logs", "CloudWatch Logs"),
    ("rds", "RDS"),
    ("redshift", "Redshift"),
    ("s3", "S3"),
    ("secretsmanager", "Secrets Manager"),
    ("sns", "SNS"),
    ("sqs", "SQS"),
    ("ssm", "Systems Manager"),
];

/// AWS managed keys rotate every year.
const MANAGED_ROTATION_DAYS: i64 = 365;

/// The request members that name a key.
const KEY_MEMBERS: [&str; 4] = ["keyId", "sourceKeyId", "destinationKeyId", "targetKeyId"];

/// The service of `alias/aws/<service>`, if it is one that has an AWS managed key.
fn managed_service(alias: &AliasName) -> Option<(&'static str, &'static str)> {
    let name = alias.as_str().strip_prefix(RESERVED_ALIAS_PREFIX)?;
    SERVICES.iter().copied().find(|(short, _)| *short == name)
}

/// The AWS managed keys that the request names and that do not exist yet in the caller's
/// Region: AWS creates one the first time it is referred to. Returns the writes and the
/// service events of creating them.
pub(crate) fn managed_keys_to_create(
    ctx: &mut OpCtx<'_>,
    parameters: &Value,
) -> Result<(Batch, Vec<ServiceEvent>)> {
    let mut batch = Batch::default();
    let mut events = Vec::new();
    let scope = &ctx.scope().clone();
    let now = ctx.now();
    let named = KEY_MEMBERS
        .iter()
        .filter_map(|m| parameters.get(*m).and_then(Value::as_str));
    for input in named {
        let Ok(KeyRef::Alias(alias)) = ids::parse_key_ref(input, "keyId", scope, Aliases::Accepted)
        else {
            continue;
        };
        let Some((service, display)) = managed_service(&alias) else {
            continue;
        };
        let planned = batch
            .0
            .iter()
            .any(|w| matches!(w, Write::PutAlias(a) if a.name == alias));
        if planned
            || ctx
                .store
                .alias(&scope.account, &scope.region, &alias)
                .is_some()
        {
            continue;
        }
        let id = KeyId::new_regional(ctx.random()?);
        let arn = scope.key_arn(&id);
        let record = KeyRecord {
            region: scope.region.clone(),
            id: id.clone(),
            arn: arn.clone(),
            account: scope.account.clone(),
            created: now,
            description: format!(
                "Default key that protects my {display} data when no other key is defined"
            ),
            state: KeyState::Enabled,
            key_spec: KeySpec::SymmetricDefault,
            key_usage: KeyUsage::EncryptDecrypt,
            origin: Origin::AwsKms,
            manager: KeyManager::Aws {
                service: service.to_owned(),
            },
            policy: crate::access::aws_managed_policy_document(scope, service, display),
            tags: Vec::new(),
            materials: vec![Material {
                id: ctx.random()?,
                key: Secret::from(SymmetricKey::generate(|k| ctx.fill_random(k))?),
                created: now,
                rotation: None,
            }],
            deletion: None,
            rotation: Some(RotationSchedule {
                period_days: MANAGED_ROTATION_DAYS,
                since: now,
            }),
            multi_region: None,
            import: None,
            grants: Vec::new(),
        };
        batch.0.push(Write::PutKey(Box::new(record)));
        batch.0.push(Write::PutAlias(AliasRecord {
            account: scope.account.clone(),
            region: scope.region.clone(),
            name: alias,
            target: id,
            created: now,
            updated: now,
        }));
        events.push(ServiceEvent {
            name: "CreateKey",
            at: now,
            key_arn: arn,
            region: scope.region.clone(),
            data: json!({ "keyManager": "AWS", "service": service }),
        });
    }
    Ok((batch, events))
}
