//! The authorization corpus (`tests/vectors/authz/*.json`): each case is a key policy,
//! identity policies, grants, a caller and a request, and the decision AWS makes. This runner
//! is shared by the native test (`tests/authz.rs`) and the wasm test in Node, so the decision
//! is checked where it runs.
//!
//! A file holds named `policies` (documents reused by name) and `cases`; a case's fields are
//! described in `tests/vectors/authz/README.md`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value};
use wasm_kms::access::condition::Known;
use wasm_kms::access::context::{CallerKind, Context, KeyFacts, Who};
use wasm_kms::access::eval::{decide, explain, AccessRequest, NamedPolicy, Target};
use wasm_kms::access::grant::{Constraint, Grant};
use wasm_kms::access::policy::{Anyone, Policy, PolicyKind};
use wasm_kms::access::{Action, ActionSet};
use wasm_kms::codec::{parse_iso8601, Timestamp};

/// Every corpus file, embedded so that the wasm test needs no file system.
pub const FILES: &[(&str, &str)] = &[
    (
        "examples.json",
        include_str!("../vectors/authz/examples.json"),
    ),
    (
        "operators.json",
        include_str!("../vectors/authz/operators.json"),
    ),
    (
        "condition_keys.json",
        include_str!("../vectors/authz/condition_keys.json"),
    ),
    ("grants.json", include_str!("../vectors/authz/grants.json")),
    (
        "grammar.json",
        include_str!("../vectors/authz/grammar.json"),
    ),
    (
        "cross_account.json",
        include_str!("../vectors/authz/cross_account.json"),
    ),
    (
        "principals.json",
        include_str!("../vectors/authz/principals.json"),
    ),
    (
        "resources.json",
        include_str!("../vectors/authz/resources.json"),
    ),
];

fn text(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::to_owned)
}

fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn map(v: &Value) -> BTreeMap<String, String> {
    pairs(Some(v)).into_iter().collect()
}

/// A policy given by name (from the file's `policies`), as a document, or as a list of names
/// and statements to put together.
fn document(v: &Value, named: &Map<String, Value>) -> Result<String, String> {
    match v {
        Value::String(name) => named
            .get(name)
            .map(Value::to_string)
            .ok_or_else(|| format!("no policy named {name}")),
        Value::Array(parts) => {
            let mut statements = Vec::new();
            for p in parts {
                match p {
                    Value::String(name) => {
                        let doc = named
                            .get(name)
                            .ok_or_else(|| format!("no policy named {name}"))?;
                        match doc.get("Statement") {
                            Some(Value::Array(s)) => statements.extend(s.iter().cloned()),
                            Some(s) => statements.push(s.clone()),
                            None => return Err(format!("{name} has no Statement")),
                        }
                    }
                    statement => statements.push(statement.clone()),
                }
            }
            Ok(serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string())
        }
        doc => Ok(doc.to_string()),
    }
}

fn grant(v: &Value, key_account: &str) -> Result<Grant, String> {
    let mut operations = ActionSet::EMPTY;
    for op in v
        .get("operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = op.as_str().unwrap_or_default();
        let action = Action::parse(&format!("kms:{name}"))
            .ok_or_else(|| format!("unknown operation {name}"))?;
        operations = operations.with(action);
    }
    let constraint = match v.get("constraint") {
        None => None,
        Some(c) => match (c.get("equals"), c.get("subset")) {
            (Some(e), None) => Some(Constraint::Equals(map(e))),
            (None, Some(s)) => Some(Constraint::Subset(map(s))),
            _ => return Err("a constraint is equals or subset".to_owned()),
        },
    };
    Ok(Grant {
        id: text(v, "id").unwrap_or_else(|| "g1".to_owned()),
        name: text(v, "name"),
        grantee: text(v, "grantee").ok_or("a grant needs a grantee")?,
        retiring: text(v, "retiring"),
        operations,
        constraint,
        issuing_account: key_account.to_owned(),
        created: Timestamp(0),
        effective: match text(v, "effective") {
            Some(t) => parse_iso8601(&t).ok_or("bad effective time")?,
            None => Timestamp(0),
        },
    })
}

/// Runs one case; `Err` says what differs.
pub fn run_case(case: &Value, named: &Map<String, Value>, defaults: &Value) -> Result<(), String> {
    let field = |f: &str| case.get(f).or_else(|| defaults.get(f));
    let get = |f: &str| field(f).and_then(Value::as_str).map(str::to_owned);
    let region = get("region").unwrap_or_else(|| "us-east-1".to_owned());
    let key_account = get("keyAccount").unwrap_or_else(|| "111122223333".to_owned());
    // A policy that must be refused when parsed.
    if let Some(expected) = get("parseError") {
        // The document: raw text (`policyText`, for text that is not JSON), or as elsewhere.
        let doc = match get("policyText") {
            Some(text) => text,
            None => document(
                field("policy")
                    .or_else(|| field("keyPolicy"))
                    .ok_or("no policy")?,
                named,
            )?,
        };
        let kind = if get("policyKind").as_deref() == Some("identity") {
            PolicyKind::Identity
        } else {
            PolicyKind::Key
        };
        return match Policy::parse(&doc, kind, &Anyone) {
            Ok(_) => Err(format!("parsed, expected {expected}")),
            Err(e) if e.to_string() == expected => Ok(()),
            Err(e) => Err(format!("refused with {e}, expected {expected}")),
        };
    }
    let key_policy = Policy::parse(
        &document(field("keyPolicy").ok_or("no keyPolicy")?, named)?,
        PolicyKind::Key,
        &Anyone,
    )
    .map_err(|e| format!("key policy: {e}"))?;
    let mut identity_docs = Vec::new();
    for (i, p) in field("identity")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = match p {
            Value::String(n) => n.clone(),
            _ => format!("inline-{i}"),
        };
        let policy = Policy::parse(&document(p, named)?, PolicyKind::Identity, &Anyone)
            .map_err(|e| format!("identity policy {name}: {e}"))?;
        identity_docs.push((name, policy));
    }
    let identity: Vec<NamedPolicy<'_>> = identity_docs
        .iter()
        .map(|(name, policy)| NamedPolicy { name, policy })
        .collect();
    let grants = field("grants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|g| grant(g, &key_account))
        .collect::<Result<Vec<_>, _>>()?;
    // The caller.
    let caller = field("caller").ok_or("no caller")?;
    let caller_arn = match caller {
        Value::String(s) => s.clone(),
        c => text(c, "arn").ok_or("a caller needs an arn")?,
    };
    let caller_field = |f: &str| caller.get(f).and_then(Value::as_str).map(str::to_owned);
    let (kind, account, role_arn) = if let Some(rest) = caller_arn.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let account = parts.get(3).copied().unwrap_or_default().to_owned();
        let resource = parts.get(4).copied().unwrap_or_default();
        if resource == "root" {
            (CallerKind::Root, account, None)
        } else if resource.starts_with("user/") {
            (CallerKind::User, account, None)
        } else if let Some(session) = resource.strip_prefix("assumed-role/") {
            let role = session.split('/').next().unwrap_or_default();
            let role_arn = format!(
                "arn:{}:iam::{account}:role/{role}",
                parts.first().copied().unwrap_or("aws")
            );
            (CallerKind::AssumedRole, account, Some(role_arn))
        } else {
            return Err(format!("unknown caller {caller_arn}"));
        }
    } else {
        // A service principal acts in the account the case names, else the key's.
        let account = text(caller, "account").unwrap_or_else(|| key_account.clone());
        (CallerKind::Service, account, None)
    };
    let principal_tags = pairs(caller.get("tags"));
    let username = (kind == CallerKind::User)
        .then(|| caller_arn.rsplit('/').next().unwrap_or_default().to_owned());
    let via = caller_field("viaService");
    let source_ip = caller_field("sourceIp");
    let vpce = caller_field("sourceVpce");
    let vpc = caller_field("sourceVpc");
    let user_id = caller_field("userId");
    let who = Who {
        arn: &caller_arn,
        account: &account,
        kind,
        role_arn: role_arn.as_deref(),
        user_id: user_id.as_deref(),
        username: username.as_deref(),
        tags: &principal_tags,
        via_service: via.as_deref(),
        source_ip: source_ip.as_deref(),
        source_vpce: vpce.as_deref(),
        source_vpc: vpc.as_deref(),
        secure_transport: caller
            .get("secureTransport")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    let now = match get("now") {
        Some(t) => parse_iso8601(&t).ok_or("bad now")?,
        None => Timestamp(1_796_310_000_000),
    };
    let mut cx = Context::new(who, &region, now);
    let key = field("key").cloned().unwrap_or(Value::Null);
    let key_tags = pairs(key.get("tags"));
    let key_aliases: Vec<String> = key
        .get("aliases")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let spec = text(&key, "spec").unwrap_or_else(|| "SYMMETRIC_DEFAULT".to_owned());
    let usage = text(&key, "usage").unwrap_or_else(|| "ENCRYPT_DECRYPT".to_owned());
    let origin = text(&key, "origin").unwrap_or_else(|| "AWS_KMS".to_owned());
    let multi = text(&key, "multiRegion");
    let resource = get("resource").unwrap_or_else(|| "key".to_owned());
    if resource == "key" {
        cx.key = Some(KeyFacts {
            spec: &spec,
            usage: &usage,
            origin: &origin,
            multi_region: multi.as_deref(),
            tags: &key_tags,
            aliases: &key_aliases,
        });
    }
    let ec = field("encryptionContext").map(map);
    cx.encryption_context = ec.as_ref();
    let request_tags = field("requestTags").map(|t| pairs(Some(t)));
    cx.request_tags = request_tags.as_deref();
    let tag_keys: Option<Vec<String>> = field("tagKeys").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    });
    cx.tag_keys = tag_keys.as_deref();
    for (name, value) in field("params")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let known = Known::find(name).ok_or_else(|| format!("unknown param {name}"))?;
        let value = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        cx.params.push((known, Cow::Owned(value)));
    }
    for (name, values) in field("sets")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let known = Known::find(name).ok_or_else(|| format!("unknown set {name}"))?;
        let values = values
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| Cow::Owned(v.as_str().unwrap_or_default().to_owned()))
            .collect();
        cx.sets.push((known, values));
    }
    let action_name = get("action").ok_or("no action")?;
    let action =
        Action::parse(&action_name).ok_or_else(|| format!("unknown action {action_name}"))?;
    let key_arn =
        format!("arn:aws:kms:{region}:{key_account}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let alias_arn = format!("arn:aws:kms:{region}:{key_account}:{resource}");
    let target = match resource.as_str() {
        "key" => Target::Key {
            arn: &key_arn,
            account: &key_account,
            policy: &key_policy,
            grants: &grants,
        },
        "*" => Target::Account {
            account: &key_account,
        },
        _ => Target::Alias {
            arn: &alias_arn,
            account: &key_account,
        },
    };
    let tokens: Vec<String> = field("grantTokens")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let token_refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let req = AccessRequest {
        action,
        target,
        context: &cx,
        identity: &identity,
        grant_tokens: &token_refs,
    };
    let decision = decide(&req);
    let explained = explain(&req);
    if explained.decision != decision {
        return Err(format!(
            "decide and explain disagree: {decision:?} / {:?}",
            explained.decision
        ));
    }
    let effect = format!("{:?}", decision.effect);
    let expected = get("expect").ok_or("no expect")?;
    if effect != expected {
        return Err(format!(
            "{effect} ({:?}: {}), expected {expected}",
            decision.rule,
            decision.reason()
        ));
    }
    if let Some(rule) = get("rule") {
        let got = serde_json::to_value(decision.rule).map_err(|e| e.to_string())?;
        if got.as_str() != Some(rule.as_str()) {
            return Err(format!("rule {got}, expected {rule}"));
        }
    }
    if let Some(message) = get("message") {
        let got = decision.denial_message(&caller_arn);
        if got != message {
            return Err(format!("message\n  {got}\nexpected\n  {message}"));
        }
    }
    if let Some(deciding) = field("deciding") {
        let got = serde_json::to_value(&decision.deciding).map_err(|e| e.to_string())?;
        for (k, v) in deciding.as_object().into_iter().flatten() {
            if got.get(k) != Some(v) {
                return Err(format!("deciding {got}, expected {k} = {v}"));
            }
        }
    }
    Ok(())
}

/// Runs every case of every file; returns the failures and the number of cases run.
pub fn run_all() -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut count = 0;
    for (file, body) in FILES {
        let doc: Value = match serde_json::from_str(body) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{file}: not JSON: {e}"));
                continue;
            }
        };
        let empty = Map::new();
        let named = doc
            .get("policies")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let defaults = doc.get("defaults").cloned().unwrap_or(Value::Null);
        for case in doc
            .get("cases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            count += 1;
            let name = text(case, "name").unwrap_or_default();
            if let Err(e) = run_case(case, named, &defaults) {
                failures.push(format!("{file}: {name}: {e}"));
            }
        }
    }
    (failures, count)
}
