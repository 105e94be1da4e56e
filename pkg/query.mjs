// IAM and STS at the local endpoint, in their own protocol (AWS query: a form-encoded POST, an
// XML answer), so that `aws iam …`, `aws sts …` and boto3's `iam` and `sts` clients work with
// `--endpoint-url` unchanged. The wire reference is ../shared/reference/iam-sts-query-protocol.md.
//
// Only the wire is here: which service and operation a request names, the form decoded to the
// operation's input as the AWS SDKs take it (`{ UserName, Tags: [{ Key, Value }] }`), and the
// output or error `Kms.sendQuery` resolves to written as XML. What the answer is, every check
// and every error, is decided by `Kms.sendQuery`. No Node APIs: plain strings and bytes.
import { requestId } from './protocol.mjs';

// The members of an operation's input and output, in the model's order (botocore's
// `iam` 2010-05-08 and `sts` 2011-06-15), as much as the wire needs: a string is a type name, an
// array is a list of its one element, an object is a structure of its members.
const S = 'string';
const I = 'integer';
const B = 'boolean';
/** An epoch-seconds number, written as ISO 8601 UTC (`2026-12-03T09:24:23Z`). */
const T = 'timestamp';
/** A JSON policy document, written percent-encoded (reference §3). */
const DOC = 'document';
/** A map of strings, written as `<entry><key>K</key><value>V</value></entry>`. */
const MAP = 'map';

const TAGS = [{ Key: S, Value: S }];
const BOUNDARY = { PermissionsBoundaryType: S, PermissionsBoundaryArn: S };
const USER = {
  Path: S, UserName: S, UserId: S, Arn: S, CreateDate: T, PasswordLastUsed: T, PermissionsBoundary: BOUNDARY, Tags: TAGS,
};
const ROLE = {
  Path: S,
  RoleName: S,
  RoleId: S,
  Arn: S,
  CreateDate: T,
  AssumeRolePolicyDocument: DOC,
  Description: S,
  MaxSessionDuration: I,
  PermissionsBoundary: BOUNDARY,
  Tags: TAGS,
  RoleLastUsed: { LastUsedDate: T, Region: S },
};
const POLICY = {
  PolicyName: S,
  PolicyId: S,
  Arn: S,
  Path: S,
  DefaultVersionId: S,
  AttachmentCount: I,
  PermissionsBoundaryUsageCount: I,
  IsAttachable: B,
  Description: S,
  CreateDate: T,
  UpdateDate: T,
  Tags: TAGS,
};
const POSITION = { Line: I, Column: I };
const STATEMENTS = [{ SourcePolicyId: S, SourcePolicyType: S, StartPosition: POSITION, EndPosition: POSITION }];
const BOUNDARY_DETAIL = { AllowedByPermissionsBoundary: B };
const SIMULATION = {
  EvaluationResults: [{
    EvalActionName: S,
    EvalResourceName: S,
    EvalDecision: S,
    MatchedStatements: STATEMENTS,
    MissingContextValues: [S],
    OrganizationsDecisionDetail: { AllowedByOrganizations: B },
    PermissionsBoundaryDecisionDetail: BOUNDARY_DETAIL,
    EvalDecisionDetails: MAP,
    ResourceSpecificResults: [{
      EvalResourceName: S,
      EvalResourceDecision: S,
      MatchedStatements: STATEMENTS,
      MissingContextValues: [S],
      EvalDecisionDetails: MAP,
      PermissionsBoundaryDecisionDetail: BOUNDARY_DETAIL,
    }],
  }],
  IsTruncated: B,
  Marker: S,
};
const SIMULATION_INPUT = {
  PolicyInputList: [S],
  PermissionsBoundaryPolicyInputList: [S],
  ActionNames: [S],
  ResourceArns: [S],
  ResourcePolicy: S,
  ResourceOwner: S,
  CallerArn: S,
  ContextEntries: [{ ContextKeyName: S, ContextKeyValues: [S], ContextKeyType: S }],
  ResourceHandlingOption: S,
  MaxItems: I,
  Marker: S,
};
const PAGE = { Marker: S, MaxItems: I };
/** A list operation's answer always has its list (required by the model) and IsTruncated. */
const listed = (name) => ({ [name]: [], IsTruncated: false });

/**
 * Each service: its API version (the form's `Version`), its XML namespace, and its operations:
 * `input` and `output` (absent: the answer has no Result element), and `always`, members written
 * with this value when the result lacks them.
 */
export const SERVICES = {
  iam: {
    version: '2010-05-08',
    namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    operations: {
      CreateUser: { input: { Path: S, UserName: S, PermissionsBoundary: S, Tags: TAGS }, output: { User: USER } },
      GetUser: { input: { UserName: S }, output: { User: USER } },
      DeleteUser: { input: { UserName: S } },
      TagUser: { input: { UserName: S, Tags: TAGS } },
      CreateRole: {
        input: {
          Path: S,
          RoleName: S,
          AssumeRolePolicyDocument: S,
          Description: S,
          MaxSessionDuration: I,
          PermissionsBoundary: S,
          Tags: TAGS,
          MaxSigninSessionDuration: I, // newer than botocore 1.43
        },
        output: { Role: ROLE },
      },
      GetRole: { input: { RoleName: S }, output: { Role: ROLE } },
      DeleteRole: { input: { RoleName: S } },
      TagRole: { input: { RoleName: S, Tags: TAGS } },
      CreateAccessKey: {
        input: { UserName: S },
        output: { AccessKey: { UserName: S, AccessKeyId: S, Status: S, SecretAccessKey: S, CreateDate: T } },
      },
      DeleteAccessKey: { input: { UserName: S, AccessKeyId: S } },
      ListAccessKeys: {
        input: { UserName: S, ...PAGE },
        output: {
          AccessKeyMetadata: [{ UserName: S, AccessKeyId: S, Status: S, CreateDate: T }], IsTruncated: B, Marker: S,
        },
        always: listed('AccessKeyMetadata'),
      },
      PutUserPolicy: { input: { UserName: S, PolicyName: S, PolicyDocument: S } },
      GetUserPolicy: {
        input: { UserName: S, PolicyName: S },
        output: { UserName: S, PolicyName: S, PolicyDocument: DOC },
      },
      DeleteUserPolicy: { input: { UserName: S, PolicyName: S } },
      ListUserPolicies: {
        input: { UserName: S, ...PAGE },
        output: { PolicyNames: [S], IsTruncated: B, Marker: S },
        always: listed('PolicyNames'),
      },
      PutRolePolicy: { input: { RoleName: S, PolicyName: S, PolicyDocument: S } },
      GetRolePolicy: {
        input: { RoleName: S, PolicyName: S },
        output: { RoleName: S, PolicyName: S, PolicyDocument: DOC },
      },
      DeleteRolePolicy: { input: { RoleName: S, PolicyName: S } },
      ListRolePolicies: {
        input: { RoleName: S, ...PAGE },
        output: { PolicyNames: [S], IsTruncated: B, Marker: S },
        always: listed('PolicyNames'),
      },
      CreatePolicy: {
        input: { PolicyName: S, Path: S, PolicyDocument: S, Description: S, Tags: TAGS },
        output: { Policy: POLICY },
      },
      GetPolicy: { input: { PolicyArn: S }, output: { Policy: POLICY } },
      GetPolicyVersion: {
        input: { PolicyArn: S, VersionId: S },
        output: { PolicyVersion: { Document: DOC, VersionId: S, IsDefaultVersion: B, CreateDate: T } },
      },
      DeletePolicy: { input: { PolicyArn: S } },
      AttachUserPolicy: { input: { UserName: S, PolicyArn: S } },
      DetachUserPolicy: { input: { UserName: S, PolicyArn: S } },
      AttachRolePolicy: { input: { RoleName: S, PolicyArn: S } },
      DetachRolePolicy: { input: { RoleName: S, PolicyArn: S } },
      ListAttachedUserPolicies: {
        input: { UserName: S, PathPrefix: S, ...PAGE },
        output: { AttachedPolicies: [{ PolicyName: S, PolicyArn: S }], IsTruncated: B, Marker: S },
        always: listed('AttachedPolicies'),
      },
      ListAttachedRolePolicies: {
        input: { RoleName: S, PathPrefix: S, ...PAGE },
        output: { AttachedPolicies: [{ PolicyName: S, PolicyArn: S }], IsTruncated: B, Marker: S },
        always: listed('AttachedPolicies'),
      },
      SimulatePrincipalPolicy: {
        input: {
          PolicySourceArn: S,
          ...SIMULATION_INPUT,
          // Newer than botocore 1.43: a union, one of its three members set.
          PolicyExclusionList: [{
            PolicyType: S,
            PolicyArn: S,
            InlinePolicyIdentifier: { PolicyName: S, AttachmentType: S, AttachmentName: S },
          }],
        },
        output: SIMULATION,
        always: listed('EvaluationResults'),
      },
      SimulateCustomPolicy: {
        input: {
          ...SIMULATION_INPUT,
          // Newer than botocore 1.43.
          OrderedOrganizationPolicyInputList: [{ ServiceControlPolicyInputList: [S] }],
        },
        output: SIMULATION,
        always: listed('EvaluationResults'),
      },
    },
  },
  sts: {
    version: '2011-06-15',
    namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
    operations: {
      // The order of a real AWS answer (reference §6.1), not the model's.
      GetCallerIdentity: { input: {}, output: { Arn: S, UserId: S, Account: S } },
      AssumeRole: {
        input: {
          RoleArn: S,
          RoleSessionName: S,
          PolicyArns: [{ arn: S }],
          Policy: S,
          DurationSeconds: I,
          Tags: TAGS,
          TransitiveTagKeys: [S],
          ExternalId: S,
          SerialNumber: S,
          TokenCode: S,
          SourceIdentity: S,
          ProvidedContexts: [{ ProviderArn: S, ContextAssertion: S }],
          MinimumSessionTokenSize: I, // newer than botocore 1.43
        },
        output: {
          Credentials: { AccessKeyId: S, SecretAccessKey: S, SessionToken: S, Expiration: T },
          AssumedRoleUser: { AssumedRoleId: S, Arn: S },
          PackedPolicySize: I,
          SourceIdentity: S,
        },
      },
    },
  },
};

/** The service whose API version `version` is: `iam`, `sts` or undefined. */
const serviceOfVersion = (version) =>
  Object.keys(SERVICES).find((name) => SERVICES[name].version === version);

/** The media type of the forms the query protocol posts. */
export const FORM_TYPE = 'application/x-www-form-urlencoded';
/** The media type of every query answer. */
export const XML_TYPE = 'text/xml';

/**
 * Whether a request is one of the query protocol's (IAM, STS) rather than KMS's JSON 1.1
 * (reference §1): no `X-Amz-Target`, and a form body. Takes the two headers' values.
 */
export function isQueryRequest(target, contentType) {
  if (target !== undefined && target !== null && target !== '') return false;
  const media = String(contentType ?? '').split(';', 1)[0].trim().toLowerCase();
  return media === FORM_TYPE;
}

/** An error of the query protocol, before or instead of a call: `{ status, code, message }`. */
class QueryError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const validation = (message) => new QueryError(400, 'ValidationError', message);

/**
 * Which service and operation a form names (reference §1): the service is the credential
 * scope's (`caller.service`) when it is `iam` or `sts`, cross-checked with the form's `Version`,
 * else the one `Version` names. Returns `{ service, action, version, operation }`; throws a
 * `QueryError` (with `service` set when known, for the answer's namespace).
 */
/**
 * Every operation of IAM and STS (botocore 1.43's models), so that one wasm-kms does not answer
 * yet is told apart from a name the service does not have: the first gets 400 `NotImplemented`,
 * the second `InvalidAction`.
 */
const AWS_ACTIONS = {
  iam: new Set([
  'AcceptDelegationRequest', 'AddClientIDToOpenIDConnectProvider', 'AddRoleToInstanceProfile',
  'AddUserToGroup', 'AssociateDelegationRequest', 'AttachGroupPolicy', 'AttachRolePolicy',
  'AttachUserPolicy', 'ChangePassword', 'CreateAccessKey', 'CreateAccountAlias',
  'CreateDelegationRequest', 'CreateGroup', 'CreateInstanceProfile', 'CreateLoginProfile',
  'CreateOpenIDConnectProvider', 'CreatePolicy', 'CreatePolicyVersion', 'CreateRole',
  'CreateSAMLProvider', 'CreateServiceLinkedRole', 'CreateServiceSpecificCredential', 'CreateUser',
  'CreateVirtualMFADevice', 'DeactivateMFADevice', 'DeleteAccessKey', 'DeleteAccountAlias',
  'DeleteAccountPasswordPolicy', 'DeleteGroup', 'DeleteGroupPolicy', 'DeleteInstanceProfile',
  'DeleteLoginProfile', 'DeleteOpenIDConnectProvider', 'DeletePolicy', 'DeletePolicyVersion',
  'DeleteRole', 'DeleteRolePermissionsBoundary', 'DeleteRolePolicy', 'DeleteSAMLProvider',
  'DeleteSSHPublicKey', 'DeleteServerCertificate', 'DeleteServiceLinkedRole',
  'DeleteServiceSpecificCredential', 'DeleteSigningCertificate', 'DeleteUser',
  'DeleteUserPermissionsBoundary', 'DeleteUserPolicy', 'DeleteVirtualMFADevice',
  'DetachGroupPolicy', 'DetachRolePolicy', 'DetachUserPolicy',
  'DisableOrganizationsRootCredentialsManagement', 'DisableOrganizationsRootSessions',
  'DisableOutboundWebIdentityFederation', 'EnableMFADevice',
  'EnableOrganizationsRootCredentialsManagement', 'EnableOrganizationsRootSessions',
  'EnableOutboundWebIdentityFederation', 'GenerateCredentialReport',
  'GenerateOrganizationsAccessReport', 'GenerateServiceLastAccessedDetails',
  'GetAccessKeyLastUsed', 'GetAccountAuthorizationDetails', 'GetAccountPasswordPolicy',
  'GetAccountSummary', 'GetContextKeysForCustomPolicy', 'GetContextKeysForPrincipalPolicy',
  'GetCredentialReport', 'GetDelegationRequest', 'GetGroup', 'GetGroupPolicy',
  'GetHumanReadableSummary', 'GetInstanceProfile', 'GetLoginProfile', 'GetMFADevice',
  'GetOpenIDConnectProvider', 'GetOrganizationsAccessReport',
  'GetOutboundWebIdentityFederationInfo', 'GetPolicy', 'GetPolicyVersion', 'GetRole',
  'GetRolePolicy', 'GetSAMLProvider', 'GetSSHPublicKey', 'GetServerCertificate',
  'GetServiceLastAccessedDetails', 'GetServiceLastAccessedDetailsWithEntities',
  'GetServiceLinkedRoleDeletionStatus', 'GetUser', 'GetUserPolicy', 'ListAccessKeys',
  'ListAccountAliases', 'ListAttachedGroupPolicies', 'ListAttachedRolePolicies',
  'ListAttachedUserPolicies', 'ListDelegationRequests', 'ListEntitiesForPolicy',
  'ListGroupPolicies', 'ListGroups', 'ListGroupsForUser', 'ListInstanceProfileTags',
  'ListInstanceProfiles', 'ListInstanceProfilesForRole', 'ListMFADeviceTags', 'ListMFADevices',
  'ListOpenIDConnectProviderTags', 'ListOpenIDConnectProviders', 'ListOrganizationsFeatures',
  'ListPolicies', 'ListPoliciesGrantingServiceAccess', 'ListPolicyTags', 'ListPolicyVersions',
  'ListRolePolicies', 'ListRoleTags', 'ListRoles', 'ListSAMLProviderTags', 'ListSAMLProviders',
  'ListSSHPublicKeys', 'ListServerCertificateTags', 'ListServerCertificates',
  'ListServiceSpecificCredentials', 'ListSigningCertificates', 'ListUserPolicies', 'ListUserTags',
  'ListUsers', 'ListVirtualMFADevices', 'PutGroupPolicy', 'PutRolePermissionsBoundary',
  'PutRolePolicy', 'PutUserPermissionsBoundary', 'PutUserPolicy', 'RejectDelegationRequest',
  'RemoveClientIDFromOpenIDConnectProvider', 'RemoveRoleFromInstanceProfile',
  'RemoveUserFromGroup', 'ResetServiceSpecificCredential', 'ResyncMFADevice',
  'SendDelegationToken', 'SetDefaultPolicyVersion', 'SetSecurityTokenServicePreferences',
  'SimulateCustomPolicy', 'SimulatePrincipalPolicy', 'TagInstanceProfile', 'TagMFADevice',
  'TagOpenIDConnectProvider', 'TagPolicy', 'TagRole', 'TagSAMLProvider', 'TagServerCertificate',
  'TagUser', 'UntagInstanceProfile', 'UntagMFADevice', 'UntagOpenIDConnectProvider', 'UntagPolicy',
  'UntagRole', 'UntagSAMLProvider', 'UntagServerCertificate', 'UntagUser', 'UpdateAccessKey',
  'UpdateAccountPasswordPolicy', 'UpdateAssumeRolePolicy', 'UpdateDelegationRequest',
  'UpdateGroup', 'UpdateLoginProfile', 'UpdateOpenIDConnectProviderThumbprint', 'UpdateRole',
  'UpdateRoleDescription', 'UpdateSAMLProvider', 'UpdateSSHPublicKey', 'UpdateServerCertificate',
  'UpdateServiceSpecificCredential', 'UpdateSigningCertificate', 'UpdateUser',
  'UploadSSHPublicKey', 'UploadServerCertificate', 'UploadSigningCertificate',
  ]),
  sts: new Set([
  'AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'AssumeRoot',
  'DecodeAuthorizationMessage', 'GetAccessKeyInfo', 'GetCallerIdentity', 'GetDelegatedAccessToken',
  'GetFederationToken', 'GetSessionToken', 'GetWebIdentityToken',
  ]),
};

export function routeQuery(params, scopeService) {
  const action = params.get('Action') ?? '';
  const version = params.get('Version') ?? '';
  const byVersion = serviceOfVersion(version);
  const fail = (service, status, code, message) => {
    const e = new QueryError(status, code, message);
    e.service = service;
    return e;
  };
  let service;
  if (scopeService !== undefined && scopeService !== '') {
    service = Object.hasOwn(SERVICES, scopeService) ? scopeService : undefined;
    if (service === undefined || (version !== '' && byVersion !== service)) {
      throw fail(service ?? byVersion, 400, 'InvalidAction',
        `Could not find operation ${action} for version ${version}`);
    }
  } else if (byVersion !== undefined) {
    service = byVersion;
  } else if (version === '') {
    throw fail(undefined, 400, 'MissingParameter',
      'The request must contain the parameter Version (2010-05-08 for IAM, 2011-06-15 for STS)');
  } else {
    throw fail(undefined, 400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
  }
  if (action === '') {
    throw fail(service, 400, 'MissingAction', 'The request must contain the parameter Action');
  }
  const operation = Object.hasOwn(SERVICES[service].operations, action)
    ? SERVICES[service].operations[action]
    : undefined;
  if (operation === undefined && AWS_ACTIONS[service].has(action)) {
    throw fail(service, 400, 'NotImplemented',
      `wasm-kms does not implement ${service.toUpperCase()} ${action} yet.`);
  }
  if (operation === undefined) {
    throw fail(service, 400, 'InvalidAction',
      `Could not find operation ${action} for version ${version || SERVICES[service].version}`);
  }
  return { service, action, version: SERVICES[service].version, operation };
}

// ---------------------------------------------------------------------------------------------
// Requests: a form to the operation's input

/** A list being filled: its items by their 1-based index in the form. */
class Items {
  constructor() {
    this.byIndex = new Map();
  }
}

const isList = (spec) => Array.isArray(spec);
const isStructure = (spec) => typeof spec === 'object' && spec !== null && !Array.isArray(spec);
const MEMBER_INDEX = /^[1-9][0-9]{0,5}$/;

/** The scalar `text` as the member `name` of type `type` takes it. */
function scalar(type, text, name) {
  if (type === I) {
    if (!/^[+-]?[0-9]{1,15}$/.test(text)) {
      throw validation(`1 validation error detected: Value '${text}' at '${name}' failed to satisfy constraint: Member must be an integer`);
    }
    return Number(text);
  }
  if (type === B) {
    const lower = text.toLowerCase();
    if (lower !== 'true' && lower !== 'false') {
      throw validation(`1 validation error detected: Value '${text}' at '${name}' failed to satisfy constraint: Member must be true or false`);
    }
    return lower === 'true';
  }
  return text;
}

/**
 * Puts the form field `key=value` into `root` (the input being built) as the input shape `spec`
 * places it (reference §2): `A.B` a structure's member, `A.member.N` a list's item, `A=` an
 * empty list. A field the shape does not have is left out, as is one naming no member of a
 * union; a field that contradicts the shape (a list given as one value, `member.0`) is refused.
 */
function place(root, spec, key, value) {
  const segments = key.split('.');
  let node = root; // a plain object (structure) or an Items (list)
  let shape = spec;
  let path = '';
  for (let i = 0; i < segments.length; i += 1) {
    let slot; // the key in `node` the next value goes to
    let child;
    if (node instanceof Items) {
      const index = segments[i + 1];
      if (segments[i] !== 'member' || index === undefined || !MEMBER_INDEX.test(index)) {
        throw validation(`the form field ${key} is not a list item (${path}.member.N)`);
      }
      i += 1;
      slot = Number(index);
      child = shape[0];
      path = `${path}.member.${index}`;
    } else {
      if (!Object.hasOwn(shape, segments[i])) return; // not a member of this operation's input
      slot = segments[i];
      child = shape[slot];
      path = path === '' ? slot : `${path}.${slot}`;
    }
    const isLast = i === segments.length - 1;
    const get = () => (node instanceof Items ? node.byIndex.get(slot) : node[slot]);
    const set = (v) => (node instanceof Items ? node.byIndex.set(slot, v) : (node[slot] = v));
    if (isLast) {
      if (isList(child)) {
        if (value !== '') throw validation(`the form field ${key} is a list: ${path}.member.N`);
        if (!(get() instanceof Items)) set(new Items()); // `Name=`: an empty list
      } else if (isStructure(child)) {
        throw validation(`the form field ${key} is a structure: ${path}.<Member>`);
      } else {
        set(scalar(child, value, path));
      }
      return;
    }
    if (isList(child)) {
      if (!(get() instanceof Items)) set(new Items());
    } else if (isStructure(child)) {
      const current = get();
      if (typeof current !== 'object' || current === null || current instanceof Items) set({});
    } else {
      throw validation(`the form field ${key} goes inside ${path}, which is a single value`);
    }
    node = get();
    shape = child;
  }
}

/** `value` with every list built as an array, in the order of the form's indexes. */
function finish(value) {
  if (value instanceof Items) {
    return [...value.byIndex.entries()].sort(([a], [b]) => a - b).map(([, item]) => finish(item));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, finish(v)]));
  }
  return value;
}

/**
 * The input of `operation` (an entry of `SERVICES`) that the form `params` (URLSearchParams, or
 * an iterable of `[key, value]`) carries, as the AWS SDKs take it. `Action` and `Version` are
 * not part of it. Throws a `QueryError` (ValidationError) for a field that contradicts the shape.
 */
export function decodeInput(operation, params) {
  const root = {};
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    place(root, operation.input, key, value);
  }
  return finish(root);
}

/** The form `body` (bytes or text, UTF-8, `+` for a space) as URLSearchParams. */
export function parseForm(body) {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body ?? new Uint8Array());
  return new URLSearchParams(text);
}

// ---------------------------------------------------------------------------------------------
// Answers: XML

/** `text` escaped for XML character data. Characters XML 1.0 cannot carry become U+FFFD. */
export function escapeXml(text) {
  return String(text)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#xD;'); // an XML parser would turn a bare CR into LF
}

/** Epoch seconds (or a Date, or an ISO 8601 text) as ISO 8601 UTC, whole seconds without `.000`. */
export function isoTimestamp(value) {
  if (typeof value === 'string') return value;
  const date = value instanceof Date ? value : new Date(Number(value) * 1000);
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a timestamp: ${value}`);
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/** The XML of `value` as the output shape `spec` describes it: the content, without its tag. */
function content(spec, value) {
  if (isList(spec)) {
    return (Array.isArray(value) ? value : []).map((item) => element('member', spec[0], item)).join('');
  }
  if (isStructure(spec)) {
    return Object.entries(spec)
      .filter(([name]) => value?.[name] !== undefined && value?.[name] !== null)
      .map(([name, member]) => element(name, member, value[name]))
      .join('');
  }
  switch (spec) {
    case MAP:
      return Object.entries(value ?? {})
        .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${escapeXml(v)}</value></entry>`)
        .join('');
    case T:
      return escapeXml(isoTimestamp(value));
    case B:
      return value ? 'true' : 'false';
    case DOC:
      // botocore's json_decode_policies reads it with `unquote` (not `unquote_plus`): a space
      // must be %20, as encodeURIComponent writes it.
      return escapeXml(encodeURIComponent(String(value)));
    default:
      return escapeXml(value);
  }
}

/** `<name>…</name>` for `value` of shape `spec`; `<name/>` when empty. */
function element(name, spec, value) {
  const inner = content(spec, value);
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

const metadata = (id) => `<ResponseMetadata><RequestId>${escapeXml(id)}</RequestId></ResponseMetadata>`;
const xmlns = (service) => (Object.hasOwn(SERVICES, service ?? '') ? ` xmlns="${SERVICES[service].namespace}"` : '');

/**
 * The XML answer to a successful call of `action` of `service`: `result` (the output as a plain
 * object, or null) in `<{action}Result>`, members in the model's order, members the shape does
 * not have left out; no Result element for an operation without output.
 */
export function resultXml(service, action, result, id) {
  const operation = SERVICES[service].operations[action];
  let body = '';
  if (operation.output !== undefined) {
    const value = { ...operation.always, ...(result ?? {}) };
    for (const [name, fallback] of Object.entries(operation.always ?? {})) {
      if (value[name] === undefined || value[name] === null) value[name] = fallback;
    }
    body = `<${action}Result>${content(operation.output, value)}</${action}Result>`;
  }
  return `<${action}Response${xmlns(service)}>${body}${metadata(id)}</${action}Response>`;
}

/** The XML error answer (reference §5); `service` (for the namespace) may be undefined. */
export function errorXml(service, { code, message, type }, id) {
  return `<ErrorResponse${xmlns(service)}><Error><Type>${escapeXml(type)}</Type>`
    + `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message ?? '')}</Message></Error>`
    + `<RequestId>${escapeXml(id)}</RequestId></ErrorResponse>`;
}

/** An HTTP answer `{ status, body, headers }` with the XML `xml`. */
function reply(status, xml, id) {
  return { status, body: xml, headers: { 'Content-Type': XML_TYPE, 'x-amzn-RequestId': id } };
}

/** The HTTP answer of an error: `error` is `{ code, message, type? }`; `type` follows `status`. */
export function queryErrorReply(service, status, error, id = requestId()) {
  const type = error.type ?? (status >= 500 ? 'Receiver' : 'Sender');
  return reply(status, errorXml(service, { ...error, type }, id), id);
}

/**
 * Answers one query-protocol request: `params` (URLSearchParams of the form, or of the URL of a
 * GET) made by `caller` (as `callerOf` and the server make it; `caller.service` is the credential
 * scope's service) with `kms.sendQuery(service, action, input, caller)`. Resolves to
 * `{ status, body, headers }`: always XML, also for a server fault (botocore retries a 5xx and
 * then fails to read anything else).
 */
export async function answerQuery(kms, params, caller = {}) {
  const id = requestId();
  let route;
  let input;
  try {
    route = routeQuery(params, caller.service);
    input = decodeInput(route.operation, params);
  } catch (e) {
    if (!(e instanceof QueryError)) {
      return queryErrorReply(route?.service, 500, { code: 'ServiceFailure', message: String(e?.message ?? e) }, id);
    }
    return queryErrorReply(e.service ?? route?.service, e.status, { code: e.code, message: e.message }, id);
  }
  const { service, action } = route;
  let answer;
  try {
    if (typeof kms?.sendQuery !== 'function') {
      throw new Error('this build of wasm-kms does not answer IAM or STS (Kms.sendQuery is missing)');
    }
    answer = await kms.sendQuery(service, action, input, caller);
  } catch (e) {
    // Only when the KMS cannot run calls at all (it was closed): a server fault.
    return queryErrorReply(service, 500, { code: 'ServiceFailure', message: String(e?.message ?? e) }, id);
  }
  let status = Number(answer?.status ?? 500);
  if (!Number.isInteger(status) || status < 200 || status > 599) status = 500;
  if (status === 200 && answer?.error === undefined) {
    try {
      return reply(200, resultXml(service, action, answer.result, id), id);
    } catch (e) {
      return queryErrorReply(service, 500, { code: 'ServiceFailure', message: `the answer could not be written: ${e?.message ?? e}` }, id);
    }
  }
  const error = answer?.error ?? {};
  return queryErrorReply(service, status, {
    code: error.code ?? 'ServiceFailure',
    message: error.message ?? '',
    ...(error.type ? { type: error.type } : {}),
  }, id);
}
