//! The IAM and STS operations a KMS user needs, with AWS's names, members, errors and texts
//! (`../shared/reference/iam-sts-query-protocol.md` §4–§7). Input and output are AWS's JSON
//! shapes (`{ "UserName": "alice", "Tags": [{ "Key": …, "Value": … }] }`); timestamps go out
//! as epoch seconds and policy documents as their JSON text, for the endpoint's XML layer and
//! the JavaScript API to present. Operations are sans-I/O like KMS's: they read the store,
//! ask [`Authority`] whether the caller may act, and hand back the writes.

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

// ---- STS ---------------------------------------------------------------------------------

fn get_caller_identity(cx: &mut IamCtx<'_>) -> Outcome {
    let c = cx.caller;
    Ok((
        Some(json!({ "UserId": c.user_id, "Account": c.account, "Arn": c.arn })),
        Vec::new(),
    ))
}

fn assume_role(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
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

// ---- users and roles ----------------------------------------------------------------------

fn user_arn_of(cx: &IamCtx<'_>, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:user{path}{name}", cx.caller.account)
}

fn create_user(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("UserName", 64)?;
    let path = i.path("Path")?;
    let tags = i.tags()?;
    let account = cx.caller.account.clone();
    cx.authority
        .check("iam:CreateUser", &user_arn_of(cx, &path, name), &account)?;
    if cx.store.identity(&user_name(&account, name)).is_some() {
        return Err(IamError::new(
            "EntityAlreadyExists",
            409,
            format!("User with name {name} already exists."),
        ));
    }
    let user = User {
        account,
        name: name.to_owned(),
        path,
        id: new_id(cx, "AIDA")?,
        created: cx.now.millis(),
        tags,
        inline: Default::default(),
        attached: Vec::new(),
    };
    let out = json!({ "User": user_json(&user) });
    Ok((
        Some(out),
        vec![Write::PutIdentity(Box::new(Identity::User(user)))],
    ))
}

fn get_user(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = match i.text("UserName")? {
        Some(n) => {
            check_name("UserName", n, 1, 128)?;
            n.to_owned()
        }
        None => cx.caller.user_name.clone().ok_or_else(|| {
            IamError::validation("Must specify userName when calling with non-User credentials")
        })?,
    };
    let user = find_user(cx, &name)?;
    cx.authority
        .check("iam:GetUser", &user.arn(), &user.account)?;
    Ok((Some(json!({ "User": user_json(user) })), Vec::new()))
}

fn delete_user(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("UserName", 128)?;
    let user = find_user(cx, name)?;
    cx.authority
        .check("iam:DeleteUser", &user.arn(), &user.account)?;
    if user_keys(cx, user).next().is_some() {
        return Err(IamError::conflict(
            "Cannot delete entity, must delete access keys first.",
        ));
    }
    if !user.inline.is_empty() {
        return Err(IamError::conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if !user.attached.is_empty() {
        return Err(IamError::conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    Ok((
        None,
        vec![Write::DeleteIdentity(user_name(&user.account, &user.name))],
    ))
}

fn user_keys<'s>(cx: &IamCtx<'s>, user: &'s User) -> impl Iterator<Item = &'s AccessKey> + 's {
    cx.store
        .identities("iam/key/")
        .filter_map(move |i| match i {
            Identity::AccessKey(k) => match &k.owner {
                KeyOwner::User { account, name }
                    if *account == user.account && name.eq_ignore_ascii_case(&user.name) =>
                {
                    Some(k)
                }
                _ => None,
            },
            _ => None,
        })
}

fn tag(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    if !i.0.contains_key("Tags") {
        return Err(IamError::validation(
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
        ));
    }
    let new = i.tags()?;
    let mut entity = find_entity(cx, kind, name)?;
    let action = match kind {
        Kind::User => "iam:TagUser",
        Kind::Role => "iam:TagRole",
    };
    cx.authority
        .check(action, &entity.arn(), &cx.caller.account)?;
    let Some((tags, _, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    for (k, v) in new {
        match tags.iter_mut().find(|(t, _)| t.eq_ignore_ascii_case(&k)) {
            Some(existing) => existing.1 = v,
            None => tags.push((k, v)),
        }
    }
    if tags.len() > 50 {
        return Err(IamError::limit(
            "The number of tags has reached the maximum limit.",
        ));
    }
    Ok((None, vec![entity.write()]))
}

fn create_role(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("RoleName", 64)?;
    let trust = i.required("AssumeRolePolicyDocument")?;
    let path = i.path("Path")?;
    let description = i.text("Description")?.map(str::to_owned);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 1000)
    {
        return Err(constraint(
            "Description",
            description.as_deref().unwrap_or_default(),
            "Member must have length less than or equal to 1000",
        ));
    }
    let max_session = i.number("MaxSessionDuration")?.unwrap_or(3600);
    if !(3600..=43_200).contains(&max_session) {
        return Err(constraint(
            "MaxSessionDuration",
            &max_session.to_string(),
            "Member must have value between 3600 and 43200",
        ));
    }
    let tags = i.tags()?;
    let account = cx.caller.account.clone();
    let arn = format!("arn:aws:iam::{account}:role{path}{name}");
    cx.authority.check("iam:CreateRole", &arn, &account)?;
    check_document(trust, PolicyKind::Trust, &StoreDirectory(cx.store))?;
    if cx.store.identity(&role_name(&account, name)).is_some() {
        return Err(IamError::new(
            "EntityAlreadyExists",
            409,
            format!("Role with name {name} already exists."),
        ));
    }
    let role = Role {
        account,
        name: name.to_owned(),
        path,
        id: new_id(cx, "AROA")?,
        created: cx.now.millis(),
        trust: trust.to_owned(),
        description,
        max_session: u32::try_from(max_session).unwrap_or(3600),
        tags,
        inline: Default::default(),
        attached: Vec::new(),
    };
    let out = json!({ "Role": role_json(&role) });
    Ok((
        Some(out),
        vec![Write::PutIdentity(Box::new(Identity::Role(role)))],
    ))
}

fn get_role(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("RoleName", 64)?;
    let role = find_role(cx, name)?;
    cx.authority
        .check("iam:GetRole", &role.arn(), &role.account)?;
    Ok((Some(json!({ "Role": role_json(role) })), Vec::new()))
}

fn delete_role(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("RoleName", 64)?;
    let role = find_role(cx, name)?;
    cx.authority
        .check("iam:DeleteRole", &role.arn(), &role.account)?;
    if !role.attached.is_empty() {
        return Err(IamError::conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    if !role.inline.is_empty() {
        return Err(IamError::conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    Ok((
        None,
        vec![Write::DeleteIdentity(role_name(&role.account, &role.name))],
    ))
}

// ---- access keys --------------------------------------------------------------------------

/// The user an access-key operation is about: the named one, or the calling user.
fn key_user<'s>(cx: &IamCtx<'s>, i: &Input<'_>) -> Result<&'s User, IamError> {
    match i.text("UserName")? {
        Some(n) => {
            check_name("UserName", n, 1, 128)?;
            find_user(cx, n)
        }
        None => match &cx.caller.user_name {
            Some(n) => find_user(cx, n),
            None => Err(IamError::validation(
                "Must specify userName when calling with non-User credentials",
            )),
        },
    }
}

fn create_access_key(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let user = key_user(cx, i)?;
    cx.authority
        .check("iam:CreateAccessKey", &user.arn(), &user.account)?;
    if user_keys(cx, user).count() >= 2 {
        return Err(IamError::limit(
            "Cannot exceed quota for AccessKeysPerUser: 2",
        ));
    }
    let (account, name) = (user.account.clone(), user.name.clone());
    let id = format!("AKIA{}", random_text(cx, ID_ALPHABET, 16)?);
    let secret = Credential::new(random_text(cx, SECRET_ALPHABET, 40)?);
    let out = json!({ "AccessKey": {
        "UserName": name, "AccessKeyId": id, "Status": "Active",
        "SecretAccessKey": secret.reveal(), "CreateDate": seconds(cx.now.millis()),
    }});
    let key = AccessKey {
        id,
        secret,
        created: cx.now.millis(),
        status: "Active".to_owned(),
        owner: KeyOwner::User { account, name },
    };
    Ok((
        Some(out),
        vec![Write::PutIdentity(Box::new(Identity::AccessKey(key)))],
    ))
}

fn delete_access_key(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let id = i.required("AccessKeyId")?;
    let user = key_user(cx, i)?;
    cx.authority
        .check("iam:DeleteAccessKey", &user.arn(), &user.account)?;
    if !user_keys(cx, user).any(|k| k.id == id) {
        return Err(IamError::no_such(format!(
            "The Access Key with id {id} cannot be found."
        )));
    }
    Ok((None, vec![Write::DeleteIdentity(access_key_name(id))]))
}

fn list_access_keys(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let user = key_user(cx, i)?;
    cx.authority
        .check("iam:ListAccessKeys", &user.arn(), &user.account)?;
    let keys: Vec<&AccessKey> = user_keys(cx, user).collect();
    let out = paged(keys, i.page()?, "AccessKeyMetadata", |k| {
        json!({ "UserName": user.name, "AccessKeyId": k.id, "Status": k.status,
                "CreateDate": seconds(k.created) })
    });
    Ok((Some(out), Vec::new()))
}

// ---- inline policies ----------------------------------------------------------------------

fn inline_action(kind: Kind, verb: &str) -> String {
    match kind {
        Kind::User => format!("iam:{verb}UserPolicy"),
        Kind::Role => format!("iam:{verb}RolePolicy"),
    }
}

fn put_inline(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    let policy = i.name("PolicyName", 128)?.to_owned();
    let document = i.required("PolicyDocument")?;
    let mut entity = find_entity(cx, kind, name)?;
    cx.authority.check(
        &inline_action(kind, "Put"),
        &entity.arn(),
        &cx.caller.account,
    )?;
    check_document(document, PolicyKind::Identity, &StoreDirectory(cx.store))?;
    let Some((_, inline, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    inline.insert(policy, document.to_owned());
    // IAM's quotas on the total size of an entity's inline policies (whitespace aside).
    let total: usize = inline
        .values()
        .map(|d| d.chars().filter(|c| !c.is_whitespace()).count())
        .sum();
    let quota = match kind {
        Kind::User => 2048,
        Kind::Role => 10_240,
    };
    if total > quota {
        return Err(IamError::limit(format!(
            "Maximum policy size of {quota} bytes exceeded for {} {name}",
            kind.word()
        )));
    }
    Ok((None, vec![entity.write()]))
}

fn missing_inline(kind: Kind, policy: &str) -> IamError {
    IamError::no_such(format!(
        "The {} policy with name {policy} cannot be found.",
        kind.word()
    ))
}

fn get_inline(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    let policy = i.name("PolicyName", 128)?;
    let mut entity = find_entity(cx, kind, name)?;
    cx.authority.check(
        &inline_action(kind, "Get"),
        &entity.arn(),
        &cx.caller.account,
    )?;
    let entity_name = match &entity.record {
        Identity::User(u) => u.name.clone(),
        Identity::Role(r) => r.name.clone(),
        _ => String::new(),
    };
    let Some((_, inline, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    let document = inline
        .get(policy)
        .ok_or_else(|| missing_inline(kind, policy))?;
    let mut out = Map::new();
    out.insert(kind.member().to_owned(), json!(entity_name));
    out.insert("PolicyName".to_owned(), json!(policy));
    out.insert("PolicyDocument".to_owned(), json!(document));
    Ok((Some(Value::Object(out)), Vec::new()))
}

fn delete_inline(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    let policy = i.name("PolicyName", 128)?;
    let mut entity = find_entity(cx, kind, name)?;
    cx.authority.check(
        &inline_action(kind, "Delete"),
        &entity.arn(),
        &cx.caller.account,
    )?;
    let Some((_, inline, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    if inline.remove(policy).is_none() {
        return Err(missing_inline(kind, policy));
    }
    Ok((None, vec![entity.write()]))
}

fn list_inline(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 128)?;
    let mut entity = find_entity(cx, kind, name)?;
    let action = match kind {
        Kind::User => "iam:ListUserPolicies",
        Kind::Role => "iam:ListRolePolicies",
    };
    cx.authority
        .check(action, &entity.arn(), &cx.caller.account)?;
    let Some((_, inline, _)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    let names: Vec<String> = inline.keys().cloned().collect();
    Ok((
        Some(paged(names, i.page()?, "PolicyNames", Value::String)),
        Vec::new(),
    ))
}

// ---- managed policies ---------------------------------------------------------------------

/// AWS managed policies a KMS user attaches most.
const AWS_MANAGED: &[(&str, &str)] = &[
    (
        "AdministratorAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        "AWSKeyManagementServicePowerUser",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:CreateAlias","kms:CreateKey","kms:DeleteAlias","kms:Describe*","kms:GenerateRandom","kms:Get*","kms:List*","kms:TagResource","kms:UntagResource","iam:ListGroups","iam:ListRoles","iam:ListUsers"],"Resource":"*"}]}"#,
    ),
];

/// The document of the AWS managed policy `arn`, if it is one wasm-kms knows.
pub fn aws_managed_document(arn: &str) -> Option<&'static str> {
    let name = arn.strip_prefix("arn:aws:iam::aws:policy/")?;
    AWS_MANAGED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}

/// The managed policy `arn` names: a customer managed one in the store, or an AWS one.
pub fn find_managed(store: &dyn Store, arn: &str) -> Option<ManagedPolicy> {
    if let Some(document) = aws_managed_document(arn) {
        let name = arn.rsplit('/').next().unwrap_or_default();
        return Some(ManagedPolicy {
            account: "aws".to_owned(),
            name: name.to_owned(),
            path: "/".to_owned(),
            id: format!(
                "ANPA{}",
                name.to_ascii_uppercase()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(17)
                    .collect::<String>()
            ),
            created: 0,
            description: None,
            document: document.to_owned(),
            tags: Vec::new(),
        });
    }
    let (account, name) = split_arn(arn, "policy")?;
    match store.identity(&policy_name(account, name)) {
        Some(Identity::Policy(p)) if p.arn() == arn => Some(p.clone()),
        _ => None,
    }
}

fn attachment_count(store: &dyn Store, account: &str, arn: &str) -> usize {
    store
        .identities(&format!("iam/{account}/"))
        .filter(|i| match i {
            Identity::User(u) => u.attached.iter().any(|a| a == arn),
            Identity::Role(r) => r.attached.iter().any(|a| a == arn),
            _ => false,
        })
        .count()
}

fn policy_json(p: &ManagedPolicy, attachments: usize, with_description: bool) -> Value {
    let mut v = json!({
        "PolicyName": p.name, "PolicyId": p.id, "Arn": p.arn(), "Path": p.path,
        "DefaultVersionId": "v1", "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
        "CreateDate": seconds(p.created), "UpdateDate": seconds(p.created),
    });
    if with_description {
        if let Some(d) = &p.description {
            put(&mut v, "Description", json!(d));
        }
    }
    if !p.tags.is_empty() {
        put(&mut v, "Tags", tags_json(&p.tags));
    }
    v
}

fn policy_arn<'i>(i: &'i Input<'_>) -> Result<&'i str, IamError> {
    let arn = i.required("PolicyArn")?;
    if !arn.starts_with("arn:") || arn.split(':').count() < 6 {
        return Err(IamError::new(
            "InvalidInput",
            400,
            format!("ARN {arn} is not valid."),
        ));
    }
    Ok(arn)
}

fn create_policy(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let name = i.name("PolicyName", 128)?;
    let document = i.required("PolicyDocument")?;
    let path = match i.text("Path")? {
        None => "/".to_owned(),
        Some(p) => {
            let ok = p.starts_with('/')
                && p.ends_with('/')
                && p.len() <= 512
                && p.split('/').all(|seg| {
                    seg.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".,+@=_-".contains(c))
                });
            if !ok {
                return Err(constraint(
                    "Path",
                    p,
                    "Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/",
                ));
            }
            p.to_owned()
        }
    };
    let description = i.text("Description")?.map(str::to_owned);
    let tags = i.tags()?;
    let account = cx.caller.account.clone();
    let arn = format!("arn:aws:iam::{account}:policy{path}{name}");
    cx.authority.check("iam:CreatePolicy", &arn, &account)?;
    check_document(document, PolicyKind::Identity, &StoreDirectory(cx.store))?;
    if document.chars().filter(|c| !c.is_whitespace()).count() > 6144 {
        return Err(IamError::limit("Cannot exceed quota for PolicySize: 6144"));
    }
    if cx.store.identity(&policy_name(&account, name)).is_some() {
        return Err(IamError::new(
            "EntityAlreadyExists",
            409,
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    let policy = ManagedPolicy {
        account,
        name: name.to_owned(),
        path,
        id: new_id(cx, "ANPA")?,
        created: cx.now.millis(),
        description,
        document: document.to_owned(),
        tags,
    };
    let out = json!({ "Policy": policy_json(&policy, 0, false) });
    Ok((
        Some(out),
        vec![Write::PutIdentity(Box::new(Identity::Policy(policy)))],
    ))
}

fn managed_or_missing(cx: &IamCtx<'_>, arn: &str) -> Result<ManagedPolicy, IamError> {
    find_managed(cx.store, arn)
        .ok_or_else(|| IamError::no_such(format!("Policy {arn} was not found.")))
}

fn get_policy(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let arn = policy_arn(i)?;
    let policy = managed_or_missing(cx, arn)?;
    cx.authority
        .check("iam:GetPolicy", arn, &cx.caller.account)?;
    let count = attachment_count(cx.store, &cx.caller.account, arn);
    Ok((
        Some(json!({ "Policy": policy_json(&policy, count, true) })),
        Vec::new(),
    ))
}

fn get_policy_version(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let arn = policy_arn(i)?;
    let version = i.required("VersionId")?;
    let policy = managed_or_missing(cx, arn)?;
    cx.authority
        .check("iam:GetPolicyVersion", arn, &cx.caller.account)?;
    if version != "v1" {
        return Err(IamError::no_such(format!(
            "Policy {arn} version {version} does not exist or is not attachable."
        )));
    }
    let out = json!({ "PolicyVersion": {
        "Document": policy.document, "VersionId": "v1", "IsDefaultVersion": true,
        "CreateDate": seconds(policy.created),
    }});
    Ok((Some(out), Vec::new()))
}

fn delete_policy(cx: &mut IamCtx<'_>, i: &Input<'_>) -> Outcome {
    let arn = policy_arn(i)?;
    let policy = managed_or_missing(cx, arn)?;
    cx.authority
        .check("iam:DeletePolicy", arn, &cx.caller.account)?;
    if policy.account != cx.caller.account {
        return Err(IamError::new(
            "UnmodifiableEntity",
            400,
            format!("Cannot delete policy {arn}: it is not a policy of this account."),
        ));
    }
    if attachment_count(cx.store, &policy.account, arn) > 0 {
        return Err(IamError::conflict(
            "Cannot delete a policy attached to entities.",
        ));
    }
    Ok((
        None,
        vec![Write::DeleteIdentity(policy_name(
            &policy.account,
            &policy.name,
        ))],
    ))
}

fn attach(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind, on: bool) -> Outcome {
    let name = i.name(kind.member(), 64)?;
    let arn = policy_arn(i)?;
    let mut entity = find_entity(cx, kind, name)?;
    let action = match (kind, on) {
        (Kind::User, true) => "iam:AttachUserPolicy",
        (Kind::User, false) => "iam:DetachUserPolicy",
        (Kind::Role, true) => "iam:AttachRolePolicy",
        (Kind::Role, false) => "iam:DetachRolePolicy",
    };
    cx.authority
        .check(action, &entity.arn(), &cx.caller.account)?;
    if on && find_managed(cx.store, arn).is_none() {
        return Err(IamError::no_such(format!(
            "Policy {arn} does not exist or is not attachable."
        )));
    }
    let word = match kind {
        Kind::User => "PoliciesPerUser",
        Kind::Role => "PoliciesPerRole",
    };
    let Some((_, _, attached)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    let present = attached.iter().position(|a| a == arn);
    match (on, present) {
        (true, Some(_)) => return Ok((None, Vec::new())),
        (true, None) if attached.len() >= 10 => {
            return Err(IamError::limit(format!(
                "Cannot exceed quota for {word}: 10"
            )))
        }
        (true, None) => attached.push(arn.to_owned()),
        (false, Some(at)) => {
            attached.remove(at);
        }
        (false, None) => return Err(IamError::no_such(format!("Policy {arn} was not found."))),
    }
    Ok((None, vec![entity.write()]))
}

fn list_attached(cx: &mut IamCtx<'_>, i: &Input<'_>, kind: Kind) -> Outcome {
    let name = i.name(kind.member(), 64)?;
    let mut entity = find_entity(cx, kind, name)?;
    let action = match kind {
        Kind::User => "iam:ListAttachedUserPolicies",
        Kind::Role => "iam:ListAttachedRolePolicies",
    };
    cx.authority
        .check(action, &entity.arn(), &cx.caller.account)?;
    let prefix = i.text("PathPrefix")?.unwrap_or("/").to_owned();
    let Some((_, _, attached)) = entity.parts() else {
        return Err(IamError::new("ServiceFailure", 500, "not a user or role"));
    };
    let list: Vec<String> = attached
        .iter()
        .filter(|arn| {
            arn.split_once(":policy")
                .is_some_and(|(_, rest)| rest.starts_with(&prefix))
        })
        .cloned()
        .collect();
    let out = paged(list, i.page()?, "AttachedPolicies", |arn| {
        let name = arn.rsplit('/').next().unwrap_or_default().to_owned();
        json!({ "PolicyName": name, "PolicyArn": arn })
    });
    Ok((Some(out), Vec::new()))
}
