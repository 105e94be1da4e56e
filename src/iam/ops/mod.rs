//! The IAM and STS operations a KMS user needs, with AWS's names, members, errors and texts
//! (`../shared/reference/iam-sts-query-protocol.md` §4–§7). Input and output are AWS's JSON
//! shapes (`{ "UserName": "alice", "Tags": [{ "Key": …, "Value": … }] }`); timestamps go out
//! as epoch seconds and policy documents as their JSON text, for the endpoint's XML layer and
//! the JavaScript API to present. Operations are sans-I/O like KMS's: they read the store,
//! ask [`Authority`] whether the caller may act, and hand back the writes.

mod entities;
mod managed;
mod sts;

pub use managed::{aws_managed_document, find_managed};

use entities::*;
use managed::*;
use sts::*;

use serde_json::{json, Map, Value};

use super::{
    access_key_name, policy_name, role_name, split_arn, user_name, AccessKey, Credential, Identity,
    KeyOwner, ManagedPolicy, Role, Session, User,
};
use crate::access::policy::{Directory, Policy, PolicyKind};
use crate::codec::Timestamp;
use crate::env::Entropy;
use crate::error::KmsError;
use crate::store::{Store, Write};

/// An IAM or STS error: AWS's code, HTTP status and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamError {
    /// The code (`NoSuchEntity`).
    pub code: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The message.
    pub message: String,
}

impl IamError {
    fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        IamError {
            code,
            status,
            message: message.into(),
        }
    }

    /// `Sender` for a client fault, `Receiver` for a server fault.
    pub fn kind(&self) -> &'static str {
        if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }

    fn no_such(message: impl Into<String>) -> Self {
        IamError::new("NoSuchEntity", 404, message)
    }

    fn validation(message: impl Into<String>) -> Self {
        IamError::new("ValidationError", 400, message)
    }

    fn conflict(message: &str) -> Self {
        IamError::new("DeleteConflict", 409, message)
    }

    fn limit(message: impl Into<String>) -> Self {
        IamError::new("LimitExceeded", 409, message)
    }

    /// AWS's answer to an unknown access key or a wrong session token.
    pub fn invalid_token() -> Self {
        IamError::new(
            "InvalidClientTokenId",
            403,
            "The security token included in the request is invalid",
        )
    }

    /// AWS's answer to an expired session.
    pub fn expired_token() -> Self {
        IamError::new(
            "ExpiredToken",
            403,
            "The security token included in the request is expired",
        )
    }

    /// AccessDenied for `action` on `resource`.
    pub fn denied(caller: &str, action: &str, resource: &str) -> Self {
        IamError::new(
            "AccessDenied",
            403,
            format!(
                "User: {caller} is not authorized to perform: {action} on resource: {resource}"
            ),
        )
    }
}

impl From<KmsError> for IamError {
    fn from(e: KmsError) -> Self {
        let message = e.message().unwrap_or_default().to_owned();
        match e {
            KmsError::MalformedPolicyDocument(_) => {
                IamError::new("MalformedPolicyDocument", 400, message)
            }
            KmsError::Validation(_) => IamError::validation(message),
            KmsError::AccessDenied(_) => IamError::new("AccessDenied", 403, message),
            KmsError::Internal(_) | KmsError::Storage(_) => {
                IamError::new("ServiceFailure", 500, message)
            }
            _ => IamError::new("InvalidInput", 400, message),
        }
    }
}

/// The result of an operation: its output (`None`: the operation has none) and its writes.
pub type Outcome = Result<(Option<Value>, Vec<Write>), IamError>;

/// Who calls an IAM or STS operation.
#[derive(Clone, Debug)]
pub struct IamCaller {
    /// The caller's ARN (a session's `assumed-role` ARN).
    pub arn: String,
    /// The caller's account.
    pub account: String,
    /// `aws:userid`: a user's ID, `<role ID>:<session>`, or the account for root.
    pub user_id: String,
    /// The IAM user's name, for a user.
    pub user_name: Option<String>,
    /// Whether the caller is an assumed-role session (role chaining caps sessions at an hour).
    pub session: bool,
    /// The Region the call is made in.
    pub region: String,
}

/// What the service decides for the operations: whether the caller may act.
pub trait Authority {
    /// Whether the caller may perform `action` (`iam:CreateUser`) on `resource` of `account`,
    /// by its identity policies (the root user may do anything in its own account).
    fn check(&self, action: &str, resource: &str, account: &str) -> Result<(), IamError>;

    /// Whether the caller may assume `role` with these facts, by the role's trust policy
    /// and the caller's identity policies.
    fn may_assume(
        &self,
        role: &Role,
        external_id: Option<&str>,
        session_name: &str,
    ) -> Result<bool, IamError>;
}

/// What an operation may touch.
pub struct IamCtx<'a> {
    /// The store as it stands.
    pub store: &'a dyn Store,
    /// Randomness for IDs and secrets.
    pub entropy: &'a mut dyn Entropy,
    /// The call's time.
    pub now: Timestamp,
    /// Who calls.
    pub caller: &'a IamCaller,
    /// Who decides whether the caller may.
    pub authority: &'a dyn Authority,
}

/// The two services.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// IAM (`Version=2010-05-08`).
    Iam,
    /// STS (`Version=2011-06-15`).
    Sts,
}

impl Service {
    /// The service's name (`iam`, `sts`).
    pub fn name(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
        }
    }

    /// The service named `name`.
    pub fn parse(name: &str) -> Option<Service> {
        match name {
            "iam" => Some(Service::Iam),
            "sts" => Some(Service::Sts),
            _ => None,
        }
    }
}

/// The operations of each service wasm-kms answers.
pub const STS_OPERATIONS: &[&str] = &["GetCallerIdentity", "AssumeRole"];

/// The IAM operations wasm-kms answers.
pub const IAM_OPERATIONS: &[&str] = &[
    "CreateUser",
    "GetUser",
    "DeleteUser",
    "TagUser",
    "CreateRole",
    "GetRole",
    "DeleteRole",
    "TagRole",
    "CreateAccessKey",
    "DeleteAccessKey",
    "ListAccessKeys",
    "PutUserPolicy",
    "GetUserPolicy",
    "DeleteUserPolicy",
    "ListUserPolicies",
    "PutRolePolicy",
    "GetRolePolicy",
    "DeleteRolePolicy",
    "ListRolePolicies",
    "CreatePolicy",
    "GetPolicy",
    "GetPolicyVersion",
    "DeletePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "ListAttachedUserPolicies",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
    "SimulatePrincipalPolicy",
    "SimulateCustomPolicy",
];

/// Runs `action` of `service` with `input`.
pub fn run(cx: &mut IamCtx<'_>, service: Service, action: &str, input: &Value) -> Outcome {
    let input = match input {
        Value::Object(m) => m,
        Value::Null => &Map::new(),
        _ => {
            return Err(IamError::validation(
                "The request must be an object of members.",
            ))
        }
    };
    let known = match service {
        Service::Sts => STS_OPERATIONS.contains(&action),
        Service::Iam => IAM_OPERATIONS.contains(&action),
    };
    if !known {
        let version = match service {
            Service::Iam => "2010-05-08",
            Service::Sts => "2011-06-15",
        };
        return Err(IamError::new(
            "InvalidAction",
            400,
            format!("Could not find operation {action} for version {version}"),
        ));
    }
    let i = Input(input);
    match action {
        "GetCallerIdentity" => get_caller_identity(cx),
        "AssumeRole" => assume_role(cx, &i),
        "CreateUser" => create_user(cx, &i),
        "GetUser" => get_user(cx, &i),
        "DeleteUser" => delete_user(cx, &i),
        "TagUser" => tag(cx, &i, Kind::User),
        "CreateRole" => create_role(cx, &i),
        "GetRole" => get_role(cx, &i),
        "DeleteRole" => delete_role(cx, &i),
        "TagRole" => tag(cx, &i, Kind::Role),
        "CreateAccessKey" => create_access_key(cx, &i),
        "DeleteAccessKey" => delete_access_key(cx, &i),
        "ListAccessKeys" => list_access_keys(cx, &i),
        "PutUserPolicy" => put_inline(cx, &i, Kind::User),
        "PutRolePolicy" => put_inline(cx, &i, Kind::Role),
        "GetUserPolicy" => get_inline(cx, &i, Kind::User),
        "GetRolePolicy" => get_inline(cx, &i, Kind::Role),
        "DeleteUserPolicy" => delete_inline(cx, &i, Kind::User),
        "DeleteRolePolicy" => delete_inline(cx, &i, Kind::Role),
        "ListUserPolicies" => list_inline(cx, &i, Kind::User),
        "ListRolePolicies" => list_inline(cx, &i, Kind::Role),
        "CreatePolicy" => create_policy(cx, &i),
        "GetPolicy" => get_policy(cx, &i),
        "GetPolicyVersion" => get_policy_version(cx, &i),
        "DeletePolicy" => delete_policy(cx, &i),
        "AttachUserPolicy" => attach(cx, &i, Kind::User, true),
        "AttachRolePolicy" => attach(cx, &i, Kind::Role, true),
        "DetachUserPolicy" => attach(cx, &i, Kind::User, false),
        "DetachRolePolicy" => attach(cx, &i, Kind::Role, false),
        "ListAttachedUserPolicies" => list_attached(cx, &i, Kind::User),
        "ListAttachedRolePolicies" => list_attached(cx, &i, Kind::Role),
        "SimulatePrincipalPolicy" => {
            super::simulate::simulate(cx, &Value::Object(input.clone()), false)
        }
        "SimulateCustomPolicy" => {
            super::simulate::simulate(cx, &Value::Object(input.clone()), true)
        }
        _ => Err(IamError::new("ServiceFailure", 500, "unrouted operation")),
    }
}

// ---- input -------------------------------------------------------------------------------

/// A request's members.
struct Input<'a>(&'a Map<String, Value>);

/// A member's name as AWS's validation messages spell it (`UserName` → `userName`).
fn member_path(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn constraint(member: &str, value: &str, rule: &str) -> IamError {
    IamError::validation(format!(
        "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: {rule}",
        member_path(member)
    ))
}

impl Input<'_> {
    fn text(&self, member: &str) -> Result<Option<&str>, IamError> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(IamError::validation(format!(
                "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must be a string",
                member_path(member)
            ))),
        }
    }

    fn required(&self, member: &str) -> Result<&str, IamError> {
        self.text(member)?.ok_or_else(|| {
            IamError::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                member_path(member)
            ))
        })
    }

    fn number(&self, member: &str) -> Result<Option<i64>, IamError> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| constraint(member, &n.to_string(), "Member must be an integer")),
            Some(Value::String(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| constraint(member, s, "Member must be an integer")),
            Some(_) => Err(IamError::validation(format!(
                "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must be an integer",
                member_path(member)
            ))),
        }
    }

    /// An entity name: 1 to `max` characters of `[\w+=,.@-]`.
    fn name(&self, member: &str, max: usize) -> Result<&str, IamError> {
        let name = self.required(member)?;
        check_name(member, name, 1, max)?;
        Ok(name)
    }

    fn path(&self, member: &str) -> Result<String, IamError> {
        let Some(path) = self.text(member)? else {
            return Ok("/".to_owned());
        };
        let ok = path == "/"
            || (path.len() >= 2
                && path.len() <= 512
                && path.starts_with('/')
                && path.ends_with('/')
                && path.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        if !ok {
            return Err(constraint(
                member,
                path,
                "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
            ));
        }
        Ok(path.to_owned())
    }

    fn tags(&self) -> Result<Vec<(String, String)>, IamError> {
        let Some(v) = self.0.get("Tags") else {
            return Ok(Vec::new());
        };
        let list = v.as_array().ok_or_else(|| {
            IamError::validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must be a list")
        })?;
        if list.len() > 50 {
            return Err(IamError::limit(
                "The number of tags has reached the maximum limit.",
            ));
        }
        let mut out: Vec<(String, String)> = Vec::new();
        for t in list {
            let key = t.get("Key").and_then(Value::as_str).unwrap_or_default();
            let value = t.get("Value").and_then(Value::as_str).unwrap_or_default();
            let key_ok = (1..=128).contains(&key.chars().count())
                && key
                    .chars()
                    .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c));
            if !key_ok {
                return Err(constraint(
                    "Tags.member.Key",
                    key,
                    "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
                ));
            }
            if value.chars().count() > 256 {
                return Err(constraint(
                    "Tags.member.Value",
                    value,
                    "Member must have length less than or equal to 256",
                ));
            }
            if out.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
                return Err(IamError::new(
                    "InvalidInput",
                    400,
                    "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
                ));
            }
            out.push((key.to_owned(), value.to_owned()));
        }
        Ok(out)
    }

    fn page(&self) -> Result<(usize, usize), IamError> {
        let max = match self.number("MaxItems")? {
            None => 100,
            Some(n) if (1..=1000).contains(&n) => n as usize,
            Some(n) => {
                return Err(constraint(
                    "MaxItems",
                    &n.to_string(),
                    "Member must have value between 1 and 1000",
                ))
            }
        };
        let start = match self.text("Marker")? {
            None => 0,
            Some(m) => m
                .parse()
                .map_err(|_| IamError::new("InvalidInput", 400, "Invalid Marker."))?,
        };
        Ok((start, max))
    }
}

fn check_name(member: &str, name: &str, min: usize, max: usize) -> Result<(), IamError> {
    let len = name.chars().count();
    if len < min {
        return Err(constraint(
            member,
            name,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if len > max {
        return Err(constraint(
            member,
            name,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    {
        return Err(constraint(
            member,
            name,
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        ));
    }
    Ok(())
}

/// One page of `items` and its `IsTruncated`/`Marker` members.
fn paged<T>(
    items: Vec<T>,
    (start, max): (usize, usize),
    list: &str,
    f: impl Fn(T) -> Value,
) -> Value {
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(max).map(f).collect();
    let end = start.saturating_add(page.len());
    let mut out = Map::new();
    out.insert(list.to_owned(), Value::Array(page));
    out.insert("IsTruncated".to_owned(), Value::Bool(end < total));
    if end < total {
        out.insert("Marker".to_owned(), Value::String(end.to_string()));
    }
    Value::Object(out)
}

// ---- output ------------------------------------------------------------------------------

/// Sets `member` of the object `v`.
pub(crate) fn put(v: &mut Value, member: &str, value: Value) {
    if let Value::Object(m) = v {
        m.insert(member.to_owned(), value);
    }
}

fn seconds(millis: i64) -> Value {
    json!(millis as f64 / 1000.0)
}

fn tags_json(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({ "Key": k, "Value": v }))
            .collect(),
    )
}

fn user_json(u: &User) -> Value {
    let mut v = json!({
        "Path": u.path, "UserName": u.name, "UserId": u.id, "Arn": u.arn(),
        "CreateDate": seconds(u.created),
    });
    if !u.tags.is_empty() {
        put(&mut v, "Tags", tags_json(&u.tags));
    }
    v
}

fn role_json(r: &Role) -> Value {
    let mut v = json!({
        "Path": r.path, "RoleName": r.name, "RoleId": r.id, "Arn": r.arn(),
        "CreateDate": seconds(r.created), "AssumeRolePolicyDocument": r.trust,
        "MaxSessionDuration": r.max_session,
    });
    if let Some(d) = &r.description {
        put(&mut v, "Description", json!(d));
    }
    if !r.tags.is_empty() {
        put(&mut v, "Tags", tags_json(&r.tags));
    }
    v
}

// ---- records ------------------------------------------------------------------------------

/// Users or roles: the operations that treat both alike.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Role,
}

impl Kind {
    fn member(self) -> &'static str {
        match self {
            Kind::User => "UserName",
            Kind::Role => "RoleName",
        }
    }
    fn word(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Role => "role",
        }
    }
    fn store_name(self, account: &str, name: &str) -> String {
        match self {
            Kind::User => user_name(account, name),
            Kind::Role => role_name(account, name),
        }
    }
}

/// The parts users and roles share: tags, inline policies, attached policies.
type Parts<'a> = (
    &'a mut Vec<(String, String)>,
    &'a mut std::collections::BTreeMap<String, String>,
    &'a mut Vec<String>,
);

/// A user or role as the operations that treat both alike see it.
struct Entity {
    record: Identity,
}

impl Entity {
    fn arn(&self) -> String {
        match &self.record {
            Identity::User(u) => u.arn(),
            Identity::Role(r) => r.arn(),
            _ => String::new(),
        }
    }
    fn parts(&mut self) -> Option<Parts<'_>> {
        match &mut self.record {
            Identity::User(u) => Some((&mut u.tags, &mut u.inline, &mut u.attached)),
            Identity::Role(r) => Some((&mut r.tags, &mut r.inline, &mut r.attached)),
            _ => None,
        }
    }
    fn write(self) -> Write {
        Write::PutIdentity(Box::new(self.record))
    }
}

fn find_entity(cx: &IamCtx<'_>, kind: Kind, name: &str) -> Result<Entity, IamError> {
    let account = &cx.caller.account;
    match cx.store.identity(&kind.store_name(account, name)) {
        Some(record) => Ok(Entity {
            record: record.clone(),
        }),
        None => Err(IamError::no_such(format!(
            "The {} with name {name} cannot be found.",
            kind.word()
        ))),
    }
}

fn find_user<'s>(cx: &IamCtx<'s>, name: &str) -> Result<&'s User, IamError> {
    match cx.store.identity(&user_name(&cx.caller.account, name)) {
        Some(Identity::User(u)) => Ok(u),
        _ => Err(IamError::no_such(format!(
            "The user with name {name} cannot be found."
        ))),
    }
}

fn find_role<'s>(cx: &IamCtx<'s>, name: &str) -> Result<&'s Role, IamError> {
    match cx.store.identity(&role_name(&cx.caller.account, name)) {
        Some(Identity::Role(r)) => Ok(r),
        _ => Err(IamError::no_such(format!(
            "The role with name {name} cannot be found."
        ))),
    }
}

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_text(cx: &mut IamCtx<'_>, alphabet: &[u8], n: usize) -> Result<String, IamError> {
    let mut bytes = vec![0u8; n];
    cx.entropy.fill(&mut bytes)?;
    let len = alphabet.len().max(1);
    Ok(bytes
        .iter()
        .map(|b| char::from(alphabet.get(usize::from(*b) % len).copied().unwrap_or(b'A')))
        .collect())
}

/// A unique ID: `prefix` and 17 characters (21 in all), as IAM's.
fn new_id(cx: &mut IamCtx<'_>, prefix: &str) -> Result<String, IamError> {
    Ok(format!("{prefix}{}", random_text(cx, ID_ALPHABET, 17)?))
}

fn check_document(text: &str, kind: PolicyKind, directory: &dyn Directory) -> Result<(), IamError> {
    if text.is_empty() || text.chars().count() > 131_072 {
        return Err(constraint(
            "PolicyDocument",
            "",
            "Member must have length less than or equal to 131072",
        ));
    }
    if serde_json::from_str::<Value>(text).is_err() {
        let message = match kind {
            PolicyKind::Trust => "This policy contains invalid Json",
            _ => "Syntax errors in policy.",
        };
        return Err(IamError::new("MalformedPolicyDocument", 400, message));
    }
    Policy::parse(text, kind, directory).map_err(|e| match kind {
        PolicyKind::Trust
            if e.message()
                .is_some_and(|m| m.contains("invalid principals")) =>
        {
            IamError::new(
                "MalformedPolicyDocument",
                400,
                "Invalid principal in policy",
            )
        }
        _ => IamError::from(e),
    })?;
    Ok(())
}

/// Principals exist when the store has them: a user, a role, or a session's role.
pub struct StoreDirectory<'a>(pub &'a dyn Store);

impl Directory for StoreDirectory<'_> {
    fn principal_exists(&self, arn: &str) -> bool {
        if let Some((account, name)) = split_arn(arn, "user") {
            return matches!(
                self.0.identity(&user_name(account, name)),
                Some(Identity::User(_))
            );
        }
        let role = split_arn(arn, "role")
            .or_else(|| super::split_session_arn(arn).map(|(a, r, _)| (a, r)));
        match role {
            Some((account, name)) => {
                matches!(
                    self.0.identity(&role_name(account, name)),
                    Some(Identity::Role(_))
                )
            }
            None => false,
        }
    }
}
