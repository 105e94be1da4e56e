//! Who makes a call: the Region and account it is made in, the principal, and the AWS service
//! acting on the principal's behalf, if any.

use crate::domain::ids::{self, Principal, Scope};
use crate::error::{KmsError, Result};

/// Who makes a call: in which Region and account, as which principal, and whether through an
/// AWS service acting on the principal's behalf (`kms:ViaService`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The partition, Region and account the call is made in.
    pub scope: Scope,
    /// The principal.
    pub principal: Principal,
    /// The service acting for the principal (for example `s3`), if any.
    pub via_service: Option<String>,
    /// The access key the request was signed with, and its session token: resolved to the
    /// principal when the call runs (a 12-digit key names its account's root and is not kept).
    pub access_key: Option<(String, Option<String>)>,
    /// Where the request came from.
    pub network: Network,
}

/// Where a request came from (`aws:SourceIp`, `aws:SourceVpce`, `aws:SourceVpc`,
/// `aws:SecureTransport`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Network {
    /// The client's IP address.
    pub source_ip: Option<String>,
    /// The VPC endpoint the request came through.
    pub source_vpce: Option<String>,
    /// The VPC of that endpoint.
    pub source_vpc: Option<String>,
    /// Whether it came over TLS.
    pub secure_transport: bool,
}

impl Caller {
    /// The same caller in another Region.
    pub fn in_region(&self, region: &str) -> Result<Caller> {
        if !ids::is_region(region) {
            return Err(KmsError::Validation(format!(
                "Region `{region}` is not a valid Region name"
            )));
        }
        let mut caller = self.clone();
        caller.scope.region = region.to_owned();
        Ok(caller)
    }

    /// The same caller as the root user of another account, in the same partition and Region
    /// (the caller itself if `account` is its own).
    pub fn in_account(&self, account: &str) -> Result<Caller> {
        if account == self.scope.account {
            return Ok(self.clone());
        }
        if !ids::is_account(account) {
            return Err(KmsError::Validation(format!(
                "Account `{account}` is not a 12-digit account ID"
            )));
        }
        let mut caller = self.clone();
        caller.scope.account = account.to_owned();
        caller.access_key = None;
        let root = caller.scope.root_principal();
        caller.principal = Principal::parse(&root).ok_or_else(|| {
            KmsError::Internal(format!("The root principal `{root}` could not be parsed."))
        })?;
        Ok(caller)
    }

    /// The same caller acting through `service` (its short name, as in `alias/aws/<service>`).
    pub fn via(&self, service: &str) -> Result<Caller> {
        let ok = !service.is_empty()
            && service.len() <= 64
            && service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(KmsError::Validation(format!(
                "Service `{service}` is not a service name such as s3 or ebs"
            )));
        }
        let mut caller = self.clone();
        caller.via_service = Some(service.to_owned());
        Ok(caller)
    }
}
