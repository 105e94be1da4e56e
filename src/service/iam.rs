//! The service's side of IAM and STS: who a call acts as (an access key resolved to its user
//! or session, a principal to its identity policies and tags), and the IAM and STS operations,
//! run through the same store, audit trail and clock as KMS's.

use serde_json::Value;

use crate::access::condition::Known;
use crate::access::context::Context;
use crate::access::named::{decide_named, NamedRequest, Outcome};
use crate::access::policy::PolicyKind;
use crate::access::Caller;
use crate::audit::{self, CallFacts};
use crate::codec::Timestamp;
use crate::domain::ids::{self, PrincipalKind};
use crate::env::{Clock, Entropy};
use crate::error::KmsError;
use crate::iam::acting::{acting, by_access_key, Acting, Unresolved};
use crate::iam::ops::{self, Authority, IamCaller, IamCtx, IamError, Service};
use crate::iam::Role;
use crate::ops::Derived;
use crate::store::{Batch, Store};

use super::Kms;

impl Unresolved {
    /// KMS's error for it.
    pub fn kms_error(self) -> KmsError {
        match self {
            Unresolved::Unknown => KmsError::UnrecognizedClient,
            Unresolved::Expired => KmsError::ExpiredToken,
        }
    }
}

/// Decides for the IAM and STS operations, as the caller.
struct Decider<'a> {
    caller: &'a Caller,
    acting: &'a Acting,
    now: Timestamp,
}

impl Decider<'_> {
    fn decide(
        &self,
        action: &str,
        resource: &str,
        account: &str,
        trust: Option<&crate::access::policy::Policy>,
        params: Vec<(Known, String)>,
    ) -> Outcome {
        let derived = Derived::of(self.caller);
        let who = derived.who(self.caller, self.acting);
        let mut cx = Context::new(who, &self.caller.scope.region, self.now);
        cx.params = params
            .iter()
            .map(|(k, v)| (*k, std::borrow::Cow::Borrowed(v.as_str())))
            .collect();
        let identity = self.acting.named();
        decide_named(&NamedRequest {
            action,
            resource,
            account,
            resource_policy: trust,
            identity: &identity,
            context: &cx,
        })
    }
}

impl Authority for Decider<'_> {
    fn check(&self, action: &str, resource: &str, account: &str) -> Result<(), IamError> {
        match self.decide(action, resource, account, None, Vec::new()) {
            Outcome::Allowed => Ok(()),
            _ => Err(IamError::denied(
                &self.caller.principal.arn,
                action,
                resource,
            )),
        }
    }

    fn may_assume(
        &self,
        role: &Role,
        external_id: Option<&str>,
        session_name: &str,
    ) -> Result<bool, IamError> {
        let trust = crate::access::iam_policy(&role.trust, PolicyKind::Trust)?;
        let mut params = vec![(Known::RoleSessionName, session_name.to_owned())];
        if let Some(id) = external_id {
            params.push((Known::ExternalId, id.to_owned()));
        }
        let outcome = self.decide(
            "sts:AssumeRole",
            &role.arn(),
            &role.account,
            Some(&trust),
            params,
        );
        Ok(outcome == Outcome::Allowed)
    }
}

/// Tags with `over`'s values replacing those of the same key (without case).
fn merge_tags(tags: &mut Vec<(String, String)>, over: Vec<(String, String)>) {
    for (k, v) in over {
        match tags.iter_mut().find(|(t, _)| t.eq_ignore_ascii_case(&k)) {
            Some(existing) => existing.1 = v,
            None => tags.push((k, v)),
        }
    }
}

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// The caller a request acts as, and its identity: an access key other than a 12-digit
    /// account ID is resolved to its user or session; the principal must exist in the store
    /// (the root user always does).
    pub(crate) fn resolve(
        &self,
        caller: &Caller,
        now: Timestamp,
    ) -> std::result::Result<(Caller, Acting), Unresolved> {
        let mut resolved = caller.clone();
        let mut session_tags = Vec::new();
        if let Some((id, token)) = resolved.access_key.take() {
            if !ids::is_account(&id) {
                let (principal, tags) = by_access_key(&self.store, &id, token.as_deref(), now)?;
                resolved.scope.account = principal.account.clone();
                resolved.principal = principal;
                session_tags = tags;
            }
        }
        let mut acting = acting(&self.store, &resolved.principal)?;
        merge_tags(&mut acting.tags, session_tags.clone());
        acting.session_tags = session_tags;
        Ok((resolved, acting))
    }

    /// Runs the IAM or STS operation `action` with `input` (AWS's JSON input shape) as
    /// `caller`: its output (AWS's JSON output shape; `None` for operations without one), or
    /// IAM's error. The call is audited like KMS's, with its own event source.
    pub fn call_iam(
        &mut self,
        caller: &Caller,
        service: Service,
        action: &str,
        input: &Value,
    ) -> std::result::Result<Option<Value>, IamError> {
        let now = self.clock.now();
        let (caller, acting) = self.resolve(caller, now).map_err(Unresolved::iam_error)?;
        let principal = &caller.principal;
        let iam_caller = IamCaller {
            arn: principal.arn.clone(),
            account: principal.account.clone(),
            user_id: acting
                .user_id
                .clone()
                .unwrap_or_else(|| principal.account.clone()),
            user_name: principal.name().map(str::to_owned),
            session: principal.kind == PrincipalKind::AssumedRole
                && principal.arn.contains(":assumed-role/"),
            region: caller.scope.region.clone(),
        };
        let decider = Decider {
            caller: &caller,
            acting: &acting,
            now,
        };
        let result = {
            let mut entropy = self.entropy.borrow_mut();
            let mut cx = IamCtx {
                store: &self.store,
                entropy: &mut *entropy,
                now,
                caller: &iam_caller,
                authority: &decider,
            };
            ops::run(&mut cx, service, action, input)
        };
        let read_only = ["Get", "List"].iter().any(|p| action.starts_with(p));
        let source = format!("{}.amazonaws.com", service.name());
        let event = |error: Option<&IamError>| {
            audit::call_event(
                CallFacts {
                    name: action,
                    read_only,
                    at: now,
                    caller: &caller,
                    parameters: audit::sanitize(input.clone()),
                    // Responses can hold secrets (access keys, session tokens): none is kept.
                    response_elements: Value::Null,
                    error: error.map(|e| (e.code, Some(e.message.as_str()))),
                    source: &source,
                    principal_id: acting.user_id.as_deref(),
                    decisions: &[],
                    resources: &[],
                },
                &caller.scope.account,
                self.event_ids(),
            )
        };
        match result {
            Ok((out, writes)) => {
                let e = event(None);
                self.commit_with_events(Batch(writes), vec![e])?;
                Ok(out)
            }
            Err(err) => {
                let e = event(Some(&err));
                let _ = self.commit_with_events(Batch::default(), vec![e]);
                Err(err)
            }
        }
    }
}
