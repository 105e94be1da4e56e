//! Property tests of the access decision, over random but valid key policies, identity policies,
//! grants, callers and requests drawn from a small vocabulary: a matching explicit Deny always
//! wins (grants or not); adding an Allow statement never turns an allowed call into a denied one;
//! without the key policy's statement for the account, nothing the key policy does not name
//! stays allowed; and `decide` and `explain` always agree.
#![cfg(not(target_arch = "wasm32"))]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};
use wasm_kms::access::context::{CallerKind, Context, Who};
use wasm_kms::access::eval::{decide, explain, AccessRequest, Decision, NamedPolicy, Rule, Target};
use wasm_kms::access::grant::{Constraint, Grant};
use wasm_kms::access::policy::{Anyone, Effect, Policy, PolicyKind};
use wasm_kms::access::{Action, ActionSet};
use wasm_kms::codec::Timestamp;

const KEY_ACCOUNT: &str = "111122223333";
const K: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ROOT_ARN: &str = "arn:aws:iam::111122223333:root";
const U: &str = "arn:aws:iam::111122223333:user/u";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE_R: &str = "arn:aws:iam::111122223333:role/r";
const R: &str = "arn:aws:sts::111122223333:assumed-role/r/s";
const EXT_ROOT: &str = "arn:aws:iam::444455556666:root";
const BOB: &str = "arn:aws:iam::444455556666:user/bob";
const LOGS: &str = "logs.us-east-1.amazonaws.com";

/// The delegation statement of AWS's default key policy.
fn root_statement() -> Value {
    json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
           "Principal": {"AWS": ROOT_ARN}, "Action": "kms:*", "Resource": "*"})
}

/// Key-policy principals: what each names (ARNs, accounts, anyone), to tell without the engine
/// whether a statement names a caller.
const PRINCIPALS: [(&str, &[&str]); 10] = [
    ("*", &["*"]),
    ("root", &[KEY_ACCOUNT]),
    ("id", &[KEY_ACCOUNT]),
    ("u", &[U]),
    ("alice", &[ALICE]),
    ("role", &[ROLE_R]),
    ("ext-root", &["444455556666"]),
    ("bob", &[BOB]),
    ("u+role", &[U, ROLE_R]),
    ("logs", &[LOGS]),
];

fn principal_json(i: usize) -> Value {
    match i {
        0 => json!("*"),
        1 => json!({"AWS": ROOT_ARN}),
        2 => json!({"AWS": KEY_ACCOUNT}),
        3 => json!({"AWS": U}),
        4 => json!({"AWS": ALICE}),
        5 => json!({"AWS": ROLE_R}),
        6 => json!({"AWS": EXT_ROOT}),
        7 => json!({"AWS": BOB}),
        8 => json!({"AWS": [U, ROLE_R]}),
        _ => json!({"Service": LOGS}),
    }
}

const ACTION_PATTERNS: [&str; 8] = [
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:*",
    "kms:DescribeKey",
    "kms:Generate*",
    "kms:Describe*",
    "kms:CreateGrant",
    "kms:ScheduleKeyDeletion",
];

const RESOURCES: [&str; 5] = [
    "*",
    K,
    "arn:aws:kms:us-east-1:111122223333:key/0000aaaa-0000-0000-0000-000000000000",
    "arn:aws:kms:*:111122223333:key/*",
    "arn:aws:kms:us-east-1:111122223333:alias/*",
];

fn condition_json(i: usize) -> Option<Value> {
    Some(match i {
        1 => json!({"StringEquals": {"kms:EncryptionContext:Dept": "IT"}}),
        2 => json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}),
        3 => json!({"Bool": {"aws:SecureTransport": "true"}}),
        4 => json!({"Null": {"kms:ViaService": "true"}}),
        5 => json!({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["Dept"]}}),
        6 => json!({"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "Dept"}}),
        7 => json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        8 => json!({"StringEquals": {"kms:CallerAccount": KEY_ACCOUNT}}),
        9 => json!({"StringEqualsIfExists": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}),
        _ => return None,
    })
}

/// One statement, as indexes into the vocabulary.
#[derive(Clone, Debug)]
struct St {
    allow: bool,
    principal: usize,
    action: usize,
    resource: usize,
    condition: usize,
}

impl St {
    fn json(&self, key_policy: bool) -> Value {
        let mut s = json!({
            "Effect": if self.allow { "Allow" } else { "Deny" },
            "Action": ACTION_PATTERNS[self.action],
            "Resource": RESOURCES[self.resource],
        });
        if key_policy {
            s["Principal"] = principal_json(self.principal);
        }
        if let Some(c) = condition_json(self.condition) {
            s["Condition"] = c;
        }
        s
    }
}

fn statement(allow: impl Strategy<Value = bool>) -> impl Strategy<Value = St> {
    (
        allow,
        0..PRINCIPALS.len(),
        0..ACTION_PATTERNS.len(),
        0..RESOURCES.len(),
        0..14usize,
    )
        .prop_map(|(allow, principal, action, resource, condition)| St {
            allow,
            principal,
            action,
            resource,
            condition,
        })
}

const CALLERS: [&str; 7] = [U, ALICE, R, ROOT_ARN, BOB, EXT_ROOT, LOGS];
const GRANTEES: [&str; 7] = [U, ROLE_R, R, ROOT_ARN, BOB, EXT_ROOT, LOGS];
const REQUESTS: [Action; 6] = [
    Action::Decrypt,
    Action::Encrypt,
    Action::DescribeKey,
    Action::GenerateDataKey,
    Action::ScheduleKeyDeletion,
    Action::CreateGrant,
];
const GRANT_OPERATIONS: [Action; 5] = [
    Action::Decrypt,
    Action::Encrypt,
    Action::DescribeKey,
    Action::GenerateDataKey,
    Action::CreateGrant,
];

/// A grant, as indexes.
#[derive(Clone, Debug)]
struct G {
    grantee: usize,
    operations: u8,
    constraint: u8,
}

impl G {
    fn grant(&self, i: usize) -> Grant {
        let mut operations = ActionSet::EMPTY;
        for (bit, op) in GRANT_OPERATIONS.iter().enumerate() {
            if self.operations & (1 << bit) != 0 {
                operations = operations.with(*op);
            }
        }
        let pairs: BTreeMap<String, String> = [("Dept".to_owned(), "IT".to_owned())].into();
        Grant {
            id: format!("g{i}"),
            name: None,
            grantee: GRANTEES[self.grantee].to_owned(),
            retiring: None,
            operations,
            constraint: match self.constraint {
                1 => Some(Constraint::Equals(pairs)),
                2 => Some(Constraint::Subset(pairs)),
                _ => None,
            },
            issuing_account: KEY_ACCOUNT.to_owned(),
            created: Timestamp(0),
            effective: Timestamp(0),
        }
    }
}

fn grant() -> impl Strategy<Value = G> {
    (0..GRANTEES.len(), 1..32u8, 0..3u8).prop_map(|(grantee, operations, constraint)| G {
        grantee,
        operations,
        constraint,
    })
}

/// The request's facts besides the caller.
#[derive(Clone, Debug)]
struct Facts {
    caller: usize,
    action: usize,
    /// 0: no context; 1: Dept=IT; 2: Dept=it; 3: an empty context.
    context: u8,
    vpce: bool,
    secure: bool,
    ip: bool,
    via: bool,
    /// 0: the key; 1: an alias; 2: account-level.
    target: u8,
}

fn facts() -> impl Strategy<Value = Facts> {
    (
        0..CALLERS.len(),
        0..REQUESTS.len(),
        0..4u8,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(caller, action, context, vpce, secure, ip, via)| Facts {
            caller,
            action,
            context,
            vpce,
            secure,
            ip,
            via,
            target: 0,
        })
}

/// Everything one decision reads.
#[derive(Clone, Debug)]
struct World {
    key_policy: Vec<Value>,
    identity: Vec<Vec<Value>>,
    grants: Vec<G>,
    facts: Facts,
}

fn document(statements: &[Value]) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

impl World {
    fn caller(&self) -> &'static str {
        CALLERS[self.facts.caller]
    }

    fn action(&self) -> Action {
        REQUESTS[self.facts.action]
    }

    /// Decides, and explains; the two must agree.
    fn run(&self) -> Decision {
        let key_policy = Policy::parse(&document(&self.key_policy), PolicyKind::Key, &Anyone)
            .unwrap_or_else(|e| panic!("a generated key policy is valid: {e}"));
        let identity_docs: Vec<(String, Policy)> = self
            .identity
            .iter()
            .enumerate()
            .map(|(i, statements)| {
                let p = Policy::parse(&document(statements), PolicyKind::Identity, &Anyone)
                    .unwrap_or_else(|e| panic!("a generated identity policy is valid: {e}"));
                (format!("policy-{i}"), p)
            })
            .collect();
        let identity: Vec<NamedPolicy<'_>> = identity_docs
            .iter()
            .map(|(name, policy)| NamedPolicy { name, policy })
            .collect();
        let grants: Vec<Grant> = self
            .grants
            .iter()
            .enumerate()
            .map(|(i, g)| g.grant(i))
            .collect();
        let arn = self.caller();
        let (kind, account, role_arn, username) = match arn {
            U => (CallerKind::User, KEY_ACCOUNT, None, Some("u")),
            ALICE => (CallerKind::User, KEY_ACCOUNT, None, Some("alice")),
            R => (CallerKind::AssumedRole, KEY_ACCOUNT, Some(ROLE_R), None),
            ROOT_ARN => (CallerKind::Root, KEY_ACCOUNT, None, None),
            BOB => (CallerKind::User, "444455556666", None, Some("bob")),
            EXT_ROOT => (CallerKind::Root, "444455556666", None, None),
            _ => (CallerKind::Service, KEY_ACCOUNT, None, None),
        };
        let f = &self.facts;
        let who = Who {
            arn,
            account,
            kind,
            role_arn,
            user_id: None,
            username,
            tags: &[],
            via_service: f.via.then_some("s3.us-east-1.amazonaws.com"),
            source_ip: (!f.vpce).then_some(if f.ip { "10.1.2.3" } else { "198.51.100.1" }),
            source_vpce: f.vpce.then_some("vpce-1"),
            source_vpc: None,
            secure_transport: f.secure,
        };
        let mut cx = Context::new(who, "us-east-1", Timestamp(1_796_310_000_000));
        let ec: Option<BTreeMap<String, String>> = match f.context {
            1 => Some([("Dept".to_owned(), "IT".to_owned())].into()),
            2 => Some([("Dept".to_owned(), "it".to_owned())].into()),
            3 => Some(BTreeMap::new()),
            _ => None,
        };
        cx.encryption_context = ec.as_ref();
        let target = match f.target {
            1 => Target::Alias {
                arn: "arn:aws:kms:us-east-1:111122223333:alias/app",
                account: KEY_ACCOUNT,
            },
            2 => Target::Account {
                account: KEY_ACCOUNT,
            },
            _ => {
                cx.key = Some(wasm_kms::access::context::KeyFacts {
                    spec: "SYMMETRIC_DEFAULT",
                    usage: "ENCRYPT_DECRYPT",
                    origin: "AWS_KMS",
                    multi_region: None,
                    tags: &[],
                    aliases: &[],
                });
                Target::Key {
                    arn: K,
                    account: KEY_ACCOUNT,
                    policy: &key_policy,
                    grants: &grants,
                }
            }
        };
        let req = AccessRequest {
            action: self.action(),
            target,
            context: &cx,
            identity: &identity,
            grant_tokens: &[],
        };
        let decision = decide(&req);
        let explained = explain(&req);
        assert_eq!(explained.decision, decision, "decide and explain disagree");
        assert_eq!(
            explained.message.is_some(),
            decision.effect == Effect::Deny,
            "a denial, and only a denial, has AccessDenied's text"
        );
        decision
    }
}

fn world() -> impl Strategy<Value = World> {
    (
        vec(statement(any::<bool>()), 0..5),
        any::<bool>(),
        vec(vec(statement(any::<bool>()), 1..4), 0..3),
        vec(grant(), 0..3),
        facts(),
    )
        .prop_map(|(extra, with_root, identity, grants, facts)| {
            let mut key_policy: Vec<Value> = extra.iter().map(|s| s.json(true)).collect();
            if with_root || key_policy.is_empty() {
                key_policy.insert(0, root_statement());
            }
            World {
                key_policy,
                identity: identity
                    .iter()
                    .map(|p| p.iter().map(|s| s.json(false)).collect())
                    .collect(),
                grants,
                facts,
            }
        })
}

fn explicit_deny(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::ExplicitDenyInKeyPolicy | Rule::ExplicitDenyInIdentityPolicy
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `decide` and `explain` agree on every key, alias and account-level request.
    #[test]
    fn decide_and_explain_agree(mut w in world(), target in 0..3u8) {
        w.facts.target = target;
        let d = w.run();
        prop_assert_eq!(d.effect == Effect::Allow, d.rule.allows());
    }

    /// A Deny statement matching the call, in the key policy or in an identity policy, decides,
    /// whatever else allows: key policy, identity policies or grants.
    #[test]
    fn a_matching_explicit_deny_always_wins(w in world(), in_key_policy in any::<bool>()) {
        let mut w = w;
        let action = w.action().name();
        if in_key_policy {
            w.key_policy.push(json!({"Effect": "Deny", "Principal": "*", "Action": action, "Resource": "*"}));
        } else {
            w.identity.push(vec![json!({"Effect": "Deny", "Action": action, "Resource": "*"})]);
        }
        let d = w.run();
        prop_assert_eq!(d.effect, Effect::Deny);
        prop_assert!(explicit_deny(d.rule), "{:?}", d.rule);
        if in_key_policy {
            prop_assert_eq!(d.rule, Rule::ExplicitDenyInKeyPolicy);
        }
    }

    /// An Allow statement added to the key policy or to an identity policy keeps every allowed
    /// call allowed.
    #[test]
    fn adding_an_allow_never_denies_an_allowed_call(
        w in world(),
        extra in statement(Just(true)),
        where_ in 0..3usize,
    ) {
        let before = w.run();
        let mut after_world = w.clone();
        match (where_, after_world.identity.first_mut()) {
            (0, _) => after_world.key_policy.push(extra.json(true)),
            (1, Some(first)) => first.push(extra.json(false)),
            _ => after_world.identity.push(vec![extra.json(false)]),
        }
        let after = after_world.run();
        if before.effect == Effect::Allow {
            prop_assert_eq!(after.effect, Effect::Allow, "{:?} became {:?}", before.rule, after.rule);
        }
    }

    /// Without the key policy's statement for the account (and without grants), a call is
    /// allowed only if another key-policy statement names the caller, its role or its
    /// account: every allowance that relied on IAM through the account is gone.
    #[test]
    fn removing_the_root_statement_removes_every_iam_only_allowance(w in world()) {
        let mut w = w;
        w.grants.clear();
        if w.key_policy.first() != Some(&root_statement()) {
            w.key_policy.insert(0, root_statement());
        }
        let before = w.run();
        let caller = w.caller();
        let (role, account) = match caller {
            R => (Some(ROLE_R), KEY_ACCOUNT),
            BOB | EXT_ROOT => (None, "444455556666"),
            LOGS => (None, "-"),
            _ => (None, KEY_ACCOUNT),
        };
        let names_caller = |s: &Value| {
            let Some((_, named)) = PRINCIPALS.iter().enumerate().find(|(i, _)| principal_json(*i) == s["Principal"]).map(|(_, p)| *p) else {
                return false;
            };
            s["Effect"] == "Allow"
                && named.iter().any(|n| {
                    *n == "*" || *n == caller || Some(*n) == role || (*n == account && caller != LOGS)
                })
        };
        let rest: Vec<Value> = w.key_policy.iter().skip(1).filter(|s| **s != root_statement()).cloned().collect();
        let named_elsewhere = rest.iter().any(names_caller);
        let mut without = w.clone();
        without.key_policy = if rest.is_empty() {
            // A key policy has a statement; this one names nobody who calls here.
            vec![json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/nobody"}, "Action": "kms:*", "Resource": "*"})]
        } else {
            rest
        };
        let after = without.run();
        if !named_elsewhere {
            prop_assert_eq!(after.effect, Effect::Deny, "allowed by {:?} without the root statement", after.rule);
            if before.rule == Rule::KeyPolicyAndIdentity {
                prop_assert!(matches!(after.rule, Rule::NoResourcePolicy | Rule::NotCrossAccount) || explicit_deny(after.rule), "{:?}", after.rule);
            }
        }
    }

    /// Grants never turn an explicit deny into an allowance.
    #[test]
    fn a_grant_never_allows_what_a_deny_refuses(w in world(), grants in vec(grant(), 1..4)) {
        let mut without = w.clone();
        without.grants.clear();
        let denied = without.run();
        let mut with = w;
        with.grants = grants;
        // A grant for the caller and the operation, without constraints, as well.
        let grantee = GRANTEES.iter().position(|g| *g == with.caller()).unwrap_or(0);
        with.grants.push(G { grantee, operations: 31, constraint: 0 });
        let d = with.run();
        if explicit_deny(denied.rule) {
            prop_assert_eq!(d.effect, Effect::Deny);
            prop_assert_eq!(d.rule, denied.rule);
        }
    }
}
