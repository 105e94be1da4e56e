//! Untrusted policy documents (`Policy::parse`), as a key policy and as an identity policy:
//! parsing never panics and fails only with AWS's client errors (MalformedPolicyDocument,
//! InvalidArn); a document that parses parses the same again, has the shape of its kind, and
//! is evaluated, with its conditions against a request that supplies many keys, without
//! panicking and with `decide` and `explain` agreeing.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use wasm_kms::access::context::{CallerKind, Context, KeyFacts, Who};
use wasm_kms::access::eval::{decide, explain, AccessRequest, NamedPolicy, Target};
use wasm_kms::access::policy::{Anyone, Policy, PolicyKind};
use wasm_kms::access::{default_policy, Action};
use wasm_kms::codec::Timestamp;
use wasm_kms::Fault;

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// Decides a few actions for a role session with tags, a context, a VPC endpoint and TLS,
/// under `key_policy` and `identity`.
fn evaluate(key_policy: &Policy, identity: Option<&Policy>) {
    let tags = vec![("team".to_owned(), "blue".to_owned())];
    let key_tags = vec![("Env".to_owned(), "prod".to_owned())];
    let aliases = vec!["alias/app".to_owned()];
    let ec: BTreeMap<String, String> = [
        ("AppName".to_owned(), "ExampleApp".to_owned()),
        ("owner".to_owned(), "a*b".to_owned()),
    ]
    .into();
    let who = Who {
        arn: "arn:aws:sts::111122223333:assumed-role/r/s",
        account: "111122223333",
        kind: CallerKind::AssumedRole,
        role_arn: Some("arn:aws:iam::111122223333:role/r"),
        user_id: Some("AROAEXAMPLE:s"),
        username: None,
        tags: &tags,
        via_service: Some("s3.us-east-1.amazonaws.com"),
        source_ip: Some("10.0.0.7"),
        source_vpce: Some("vpce-0a1b2c3d"),
        source_vpc: Some("vpc-1"),
        secure_transport: true,
    };
    let mut cx = Context::new(who, "us-east-1", Timestamp(1_796_310_000_000));
    cx.key = Some(KeyFacts {
        spec: "SYMMETRIC_DEFAULT",
        usage: "ENCRYPT_DECRYPT",
        origin: "AWS_KMS",
        multi_region: Some("PRIMARY"),
        tags: &key_tags,
        aliases: &aliases,
    });
    cx.encryption_context = Some(&ec);
    let named: Vec<NamedPolicy<'_>> = identity
        .map(|policy| NamedPolicy {
            name: "fuzzed",
            policy,
        })
        .into_iter()
        .collect();
    let targets = [
        Target::Key {
            arn: KEY,
            account: "111122223333",
            policy: key_policy,
            grants: &[],
        },
        Target::Alias {
            arn: "arn:aws:kms:us-east-1:111122223333:alias/app",
            account: "111122223333",
        },
        Target::Account {
            account: "111122223333",
        },
    ];
    for (action, target) in [
        (Action::Decrypt, targets[0]),
        (Action::PutKeyPolicy, targets[0]),
        (Action::CreateAlias, targets[1]),
        (Action::CreateKey, targets[2]),
    ] {
        let req = AccessRequest {
            action,
            target,
            context: &cx,
            identity: &named,
            grant_tokens: &[],
        };
        let d = decide(&req);
        assert_eq!(explain(&req).decision, d, "decide and explain disagree");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for kind in [PolicyKind::Key, PolicyKind::Identity] {
        match Policy::parse(&text, kind, &Anyone) {
            Err(e) => {
                assert_eq!(e.aws_type().1, Fault::Client, "{e:?}");
                assert!(
                    matches!(
                        e.name(),
                        "MalformedPolicyDocumentException" | "InvalidArnException"
                    ),
                    "{e:?}"
                );
            }
            Ok(policy) => {
                assert!(!policy.statements.is_empty());
                for s in &policy.statements {
                    assert_eq!(s.principal.is_some(), kind == PolicyKind::Key, "{s:?}");
                }
                let again = Policy::parse(&text, kind, &Anyone).expect("a policy parses again");
                assert_eq!(again, policy);
                if kind == PolicyKind::Key {
                    evaluate(&policy, None);
                } else {
                    let root = Policy::parse(
                        &default_policy("aws", "111122223333"),
                        PolicyKind::Key,
                        &Anyone,
                    )
                    .expect("the default policy parses");
                    evaluate(&root, Some(&policy));
                }
            }
        }
    }
});
