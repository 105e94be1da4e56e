//! Explaining a call without making it: the operation runs as far as it can, every question it
//! asks the authorization point is answered in full ([`crate::access::explain`]: each policy,
//! statement, condition with its actual value, and grant considered), and nothing is committed
//! or audited. What the tutor draws, and `kms.explain(...)` returns.

use serde::{Deserializer, Serialize};

use crate::access::eval::Explanation;
use crate::access::{Caller, Effect};
use crate::codec::{self, Format};
use crate::env::{Clock, Entropy};
use crate::error::Result;
use crate::ops::Call;
use crate::store::Store;

use super::operations::{self, Operation, Request};
use super::Kms;

/// What a call would come to, and why.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainReport {
    /// The operation.
    pub operation: String,
    /// Who would call.
    pub principal: String,
    /// Whether every question was allowed.
    pub allowed: bool,
    /// Each question the operation asked, in order, with everything considered.
    pub decisions: Vec<Explanation>,
    /// The error the call would end with, if any (AccessDenied, or what comes after a decision:
    /// a disabled key, a bad ciphertext…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ExplainedError>,
}

/// An error as the report shows it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainedError {
    /// AWS's error name.
    pub name: String,
    /// Its message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Explains `request` as `caller` would make it, changing nothing.
    pub fn explain_request(&mut self, caller: &Caller, request: Request) -> Result<ExplainReport> {
        let op = request.operation();
        let now = self.clock.now();
        let (resolved, acting) = self.resolve(caller, now).map_err(|e| e.kms_error())?;
        // What the clock has brought about is real (it would happen at the next call anyway).
        self.apply_due(now)?;
        let mut call = Call::new(now, &resolved);
        call.acting = acting;
        call.explaining = Some(Vec::new());
        let outcome = operations::run(&mut self.op_ctx(&mut call), request);
        self.offload.borrow_mut().clear_result();
        let decisions = call.explaining.take().unwrap_or_default();
        let denied = decisions.iter().find(|e| e.decision.effect == Effect::Deny);
        let error = match (denied, outcome) {
            (Some(e), _) => Some(ExplainedError {
                name: "AccessDeniedException".to_owned(),
                message: e.message.clone(),
            }),
            (None, Err(e)) => Some(ExplainedError {
                name: e.name().to_owned(),
                message: e.message().map(str::to_owned),
            }),
            (None, Ok(_)) => None,
        };
        Ok(ExplainReport {
            operation: op.name().to_owned(),
            principal: resolved.principal.arn.clone(),
            allowed: denied.is_none() && !decisions.is_empty(),
            decisions,
            error,
        })
    }

    /// [`Kms::explain_request`] of the operation named `op` with `input` in `format`.
    pub fn explain_call<'de, D: Deserializer<'de>>(
        &mut self,
        caller: &Caller,
        op: &str,
        format: Format,
        input: D,
    ) -> Result<ExplainReport> {
        let op = Operation::from_name(op)?;
        let request = codec::with_format(format, || Request::parse(op, input))?;
        self.explain_request(caller, request)
    }
}
