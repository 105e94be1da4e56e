// Samples of IAM and STS over the query protocol, shared by tests/node/query.test.mjs and
// tests/py/test_query_xml.py (through tests/py/query_codec.mjs):
// - REQUESTS: the form bodies boto3 1.44.8 sent, as captured in the wire reference
//   (../shared/reference/iam-sts-query-protocol.md §2, §6, §7), each with the input object
//   (AWS's JSON input shape) it carries;
// - RESULTS: one output per operation, as `Kms.sendQuery` resolves it (epoch seconds, raw JSON
//   policy documents), for the XML writer.

const DOC_TEXT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}]}';
/** `DOC_TEXT` as boto3 form-encodes it (captured, §7). */
const DOC_FORM = '%7B%22Version%22%3A+%222012-10-17%22%2C+%22Statement%22%3A+%5B%7B%22Effect%22%3A+%22Allow%22%2C+%22Action%22%3A+%5B%22kms%3AEncrypt%22%2C+%22kms%3ADecrypt%22%5D%2C+%22Resource%22%3A+%22%2A%22%7D%5D%7D';
const TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}';
/** A document whose text changes if it is not percent-encoded, or encoded with `+` for a space. */
const ODD_DOC = '{"Version": "2012-10-17", "Statement": [{"Sid": "a+b%41 c&<d>", "Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*", "Condition": {"StringLike": {"kms:EncryptionContext:p": "50% + ünï"}}}]}';
const POLICY_ARN = 'arn:aws:iam::123456789012:policy/team/KmsUse';
const POLICY_ARN_FORM = 'arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fteam%2FKmsUse';
/** 2026-12-03T09:24:23Z. */
const T0 = 1796289863;

export const SAMPLE_DOCUMENT = DOC_TEXT;

export const REQUESTS = [
  // STS (§6)
  { service: 'sts', body: 'Action=GetCallerIdentity&Version=2011-06-15', input: {} },
  {
    service: 'sts',
    body: 'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fkms-admin&RoleSessionName=sess-1&DurationSeconds=900&Tags.member.1.Key=t&Tags.member.1.Value=v&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fteam%2FKmsUse&ExternalId=ext-id',
    input: {
      RoleArn: 'arn:aws:iam::123456789012:role/kms-admin',
      RoleSessionName: 'sess-1',
      DurationSeconds: 900,
      Tags: [{ Key: 't', Value: 'v' }],
      PolicyArns: [{ arn: POLICY_ARN }],
      ExternalId: 'ext-id',
    },
  },
  // §2: a pattern boto3 does not check reaches the server, `+` decoded as a space.
  {
    service: 'sts',
    body: 'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fkms-admin&RoleSessionName=x+y&DurationSeconds=100',
    input: { RoleArn: 'arn:aws:iam::123456789012:role/kms-admin', RoleSessionName: 'x y', DurationSeconds: 100 },
  },
  // IAM users and roles (§7.1)
  {
    service: 'iam',
    body: 'Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fdev%2F&Tags.member.1.Key=team&Tags.member.1.Value=crypto&Tags.member.2.Key=env&Tags.member.2.Value=test',
    input: { UserName: 'alice', Path: '/dev/', Tags: [{ Key: 'team', Value: 'crypto' }, { Key: 'env', Value: 'test' }] },
  },
  { service: 'iam', body: 'Action=CreateUser&Version=2010-05-08&UserName=bad+name%21', input: { UserName: 'bad name!' } },
  { service: 'iam', body: 'Action=GetUser&Version=2010-05-08', input: {} },
  { service: 'iam', body: 'Action=GetUser&Version=2010-05-08&UserName=alice', input: { UserName: 'alice' } },
  { service: 'iam', body: 'Action=DeleteUser&Version=2010-05-08&UserName=alice', input: { UserName: 'alice' } },
  {
    service: 'iam',
    body: 'Action=TagUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=x&Tags.member.1.Value=1',
    input: { UserName: 'alice', Tags: [{ Key: 'x', Value: '1' }] },
  },
  {
    service: 'iam',
    body: `Action=CreateRole&Version=2010-05-08&RoleName=kms-admin&AssumeRolePolicyDocument=${DOC_FORM}&Description=test+role&MaxSessionDuration=7200&Tags.member.1.Key=k&Tags.member.1.Value=v`,
    input: {
      RoleName: 'kms-admin',
      AssumeRolePolicyDocument: DOC_TEXT,
      Description: 'test role',
      MaxSessionDuration: 7200,
      Tags: [{ Key: 'k', Value: 'v' }],
    },
  },
  { service: 'iam', body: 'Action=GetRole&Version=2010-05-08&RoleName=kms-admin', input: { RoleName: 'kms-admin' } },
  { service: 'iam', body: 'Action=DeleteRole&Version=2010-05-08&RoleName=kms-admin', input: { RoleName: 'kms-admin' } },
  {
    service: 'iam',
    body: 'Action=TagRole&Version=2010-05-08&RoleName=kms-admin&Tags.member.1.Key=y&Tags.member.1.Value=2',
    input: { RoleName: 'kms-admin', Tags: [{ Key: 'y', Value: '2' }] },
  },
  // Access keys (§7.2)
  { service: 'iam', body: 'Action=CreateAccessKey&Version=2010-05-08&UserName=alice', input: { UserName: 'alice' } },
  {
    service: 'iam',
    body: 'Action=DeleteAccessKey&Version=2010-05-08&UserName=alice&AccessKeyId=AKIARZPUZDIKMONVZLGW',
    input: { UserName: 'alice', AccessKeyId: 'AKIARZPUZDIKMONVZLGW' },
  },
  { service: 'iam', body: 'Action=ListAccessKeys&Version=2010-05-08&UserName=alice', input: { UserName: 'alice' } },
  // Inline policies (§7.3)
  {
    service: 'iam',
    body: `Action=PutUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=kms-use&PolicyDocument=${DOC_FORM}`,
    input: { UserName: 'alice', PolicyName: 'kms-use', PolicyDocument: DOC_TEXT },
  },
  {
    service: 'iam',
    body: 'Action=GetUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=kms-use',
    input: { UserName: 'alice', PolicyName: 'kms-use' },
  },
  {
    service: 'iam',
    body: 'Action=DeleteUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=kms-use',
    input: { UserName: 'alice', PolicyName: 'kms-use' },
  },
  { service: 'iam', body: 'Action=ListUserPolicies&Version=2010-05-08&UserName=alice', input: { UserName: 'alice' } },
  {
    service: 'iam',
    body: `Action=PutRolePolicy&Version=2010-05-08&RoleName=kms-admin&PolicyName=inline1&PolicyDocument=${DOC_FORM}`,
    input: { RoleName: 'kms-admin', PolicyName: 'inline1', PolicyDocument: DOC_TEXT },
  },
  {
    service: 'iam',
    body: 'Action=ListRolePolicies&Version=2010-05-08&RoleName=kms-admin&MaxItems=10&Marker=abc',
    input: { RoleName: 'kms-admin', MaxItems: 10, Marker: 'abc' },
  },
  // Managed policies (§7.4)
  {
    service: 'iam',
    body: `Action=CreatePolicy&Version=2010-05-08&PolicyName=KmsUse&PolicyDocument=${DOC_FORM}&Description=desc&Path=%2Fteam%2F&Tags.member.1.Key=a&Tags.member.1.Value=b`,
    input: { PolicyName: 'KmsUse', PolicyDocument: DOC_TEXT, Description: 'desc', Path: '/team/', Tags: [{ Key: 'a', Value: 'b' }] },
  },
  { service: 'iam', body: `Action=GetPolicy&Version=2010-05-08&PolicyArn=${POLICY_ARN_FORM}`, input: { PolicyArn: POLICY_ARN } },
  {
    service: 'iam',
    body: `Action=GetPolicyVersion&Version=2010-05-08&PolicyArn=${POLICY_ARN_FORM}&VersionId=v1`,
    input: { PolicyArn: POLICY_ARN, VersionId: 'v1' },
  },
  { service: 'iam', body: `Action=DeletePolicy&Version=2010-05-08&PolicyArn=${POLICY_ARN_FORM}`, input: { PolicyArn: POLICY_ARN } },
  {
    service: 'iam',
    body: 'Action=AttachUserPolicy&Version=2010-05-08&UserName=alice&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fteam%2FKmsUse',
    input: { UserName: 'alice', PolicyArn: POLICY_ARN },
  },
  {
    service: 'iam',
    body: `Action=DetachRolePolicy&Version=2010-05-08&RoleName=kms-admin&PolicyArn=${POLICY_ARN_FORM}`,
    input: { RoleName: 'kms-admin', PolicyArn: POLICY_ARN },
  },
  { service: 'iam', body: 'Action=ListAttachedUserPolicies&Version=2010-05-08&UserName=alice', input: { UserName: 'alice' } },
  // The policy simulator (§7.5, §2)
  {
    service: 'iam',
    body: 'Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Falice&ActionNames.member.1=kms%3AEncrypt&ActionNames.member.2=kms%3ACreateKey&ContextEntries.member.1.ContextKeyName=aws%3ASourceIp&ContextEntries.member.1.ContextKeyValues.member.1=10.0.0.1&ContextEntries.member.1.ContextKeyType=ip&PolicyExclusionList.member.1.InlinePolicyIdentifier.PolicyName=kms-use&PolicyExclusionList.member.1.InlinePolicyIdentifier.AttachmentType=user&PolicyExclusionList.member.1.InlinePolicyIdentifier.AttachmentName=alice&PolicyExclusionList.member.2.PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fteam%2FKmsUse&PolicyExclusionList.member.3.PolicyType=user',
    input: {
      PolicySourceArn: 'arn:aws:iam::123456789012:user/alice',
      ActionNames: ['kms:Encrypt', 'kms:CreateKey'],
      ContextEntries: [{ ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['10.0.0.1'], ContextKeyType: 'ip' }],
      PolicyExclusionList: [
        { InlinePolicyIdentifier: { PolicyName: 'kms-use', AttachmentType: 'user', AttachmentName: 'alice' } },
        { PolicyArn: POLICY_ARN },
        { PolicyType: 'user' },
      ],
    },
  },
  {
    service: 'iam',
    body: `Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=${DOC_FORM}&ActionNames.member.1=kms%3AEncrypt&ActionNames.member.2=kms%3ACreateKey&ResourceArns.member.1=%2A&ContextEntries.member.1.ContextKeyName=aws%3ASourceIp&ContextEntries.member.1.ContextKeyValues.member.1=10.0.0.1&ContextEntries.member.1.ContextKeyValues.member.2=10.0.0.2&ContextEntries.member.1.ContextKeyType=ipList`,
    input: {
      PolicyInputList: [DOC_TEXT],
      ActionNames: ['kms:Encrypt', 'kms:CreateKey'],
      ResourceArns: ['*'],
      ContextEntries: [{ ContextKeyName: 'aws:SourceIp', ContextKeyValues: ['10.0.0.1', '10.0.0.2'], ContextKeyType: 'ipList' }],
    },
  },
  // §2: an empty list is `Name=` (captured: ResourceArns=).
  {
    service: 'iam',
    body: `Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=${DOC_FORM}&ActionNames.member.1=kms%3AEncrypt&ResourceArns=`,
    input: { PolicyInputList: [DOC_TEXT], ActionNames: ['kms:Encrypt'], ResourceArns: [] },
  },
];

const USER = {
  Path: '/dev/',
  UserName: 'alice',
  UserId: 'AIDACKCEVSQ6C2EXAMPLE',
  Arn: 'arn:aws:iam::123456789012:user/dev/alice',
  CreateDate: T0,
  Tags: [{ Key: 'team', Value: 'crypto' }, { Key: 'note', Value: 'a < b & "c"' }],
};
const ROLE = {
  Path: '/',
  RoleName: 'kms-admin',
  RoleId: 'AROADBQP57FF2AEXAMPLE',
  Arn: 'arn:aws:iam::123456789012:role/kms-admin',
  CreateDate: T0 + 0.5,
  AssumeRolePolicyDocument: TRUST,
  Description: 'test role',
  MaxSessionDuration: 3600,
  Tags: [{ Key: 'k', Value: 'v' }],
  RoleLastUsed: {},
};
const POLICY = {
  PolicyName: 'KmsUse',
  PolicyId: 'ANPAJ2UCCR6DPCEXAMPLE',
  Arn: POLICY_ARN,
  Path: '/team/',
  DefaultVersionId: 'v1',
  AttachmentCount: 2,
  PermissionsBoundaryUsageCount: 0,
  IsAttachable: true,
  CreateDate: T0,
  UpdateDate: T0 + 60,
};

/** One output per operation (null: the operation has none). */
export const RESULTS = [
  { service: 'sts', action: 'GetCallerIdentity', result: { UserId: 'AIDACKCEVSQ6C2EXAMPLE', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/alice' } },
  {
    service: 'sts',
    action: 'AssumeRole',
    result: {
      Credentials: {
        AccessKeyId: 'ASIAIOSFODNN7EXAMPLE',
        SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
        SessionToken: 'IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=',
        Expiration: T0 + 3600,
      },
      AssumedRoleUser: { AssumedRoleId: 'AROADBQP57FF2AEXAMPLE:sess-1', Arn: 'arn:aws:sts::123456789012:assumed-role/kms-admin/sess-1' },
      PackedPolicySize: 6,
    },
  },
  { service: 'iam', action: 'CreateUser', result: { User: USER } },
  { service: 'iam', action: 'GetUser', result: { User: { ...USER, PasswordLastUsed: T0 + 7, PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: POLICY_ARN } } } },
  { service: 'iam', action: 'DeleteUser', result: null },
  { service: 'iam', action: 'TagUser', result: null },
  { service: 'iam', action: 'CreateRole', result: { Role: ROLE } },
  { service: 'iam', action: 'GetRole', result: { Role: { ...ROLE, RoleLastUsed: { LastUsedDate: T0 + 120, Region: 'eu-west-1' } } } },
  { service: 'iam', action: 'DeleteRole', result: null },
  { service: 'iam', action: 'TagRole', result: null },
  {
    service: 'iam',
    action: 'CreateAccessKey',
    result: { AccessKey: { UserName: 'alice', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', Status: 'Active', SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', CreateDate: T0 } },
  },
  { service: 'iam', action: 'DeleteAccessKey', result: null },
  {
    service: 'iam',
    action: 'ListAccessKeys',
    result: {
      AccessKeyMetadata: [
        { UserName: 'alice', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', Status: 'Active', CreateDate: T0 },
        { UserName: 'alice', AccessKeyId: 'AKIAI44QH8DHBEXAMPLE', Status: 'Inactive', CreateDate: T0 + 1 },
      ],
      IsTruncated: false,
    },
  },
  { service: 'iam', action: 'PutUserPolicy', result: null },
  { service: 'iam', action: 'GetUserPolicy', result: { UserName: 'alice', PolicyName: 'kms-use', PolicyDocument: ODD_DOC } },
  { service: 'iam', action: 'DeleteUserPolicy', result: null },
  { service: 'iam', action: 'ListUserPolicies', result: { PolicyNames: ['kms-use', 'other'], IsTruncated: true, Marker: 'next-page' } },
  { service: 'iam', action: 'PutRolePolicy', result: null },
  { service: 'iam', action: 'GetRolePolicy', result: { RoleName: 'kms-admin', PolicyName: 'inline1', PolicyDocument: '{\n  "Version": "2012-10-17",\n  "Statement": []\n}' } },
  { service: 'iam', action: 'DeleteRolePolicy', result: null },
  { service: 'iam', action: 'ListRolePolicies', result: { PolicyNames: [], IsTruncated: false } },
  { service: 'iam', action: 'CreatePolicy', result: { Policy: { ...POLICY, AttachmentCount: 0, Tags: [{ Key: 'a', Value: 'b' }] } } },
  { service: 'iam', action: 'GetPolicy', result: { Policy: { ...POLICY, Description: 'desc' } } },
  {
    service: 'iam',
    action: 'GetPolicyVersion',
    result: { PolicyVersion: { Document: ODD_DOC, VersionId: 'v1', IsDefaultVersion: true, CreateDate: T0 } },
  },
  { service: 'iam', action: 'DeletePolicy', result: null },
  { service: 'iam', action: 'AttachUserPolicy', result: null },
  { service: 'iam', action: 'DetachUserPolicy', result: null },
  { service: 'iam', action: 'AttachRolePolicy', result: null },
  { service: 'iam', action: 'DetachRolePolicy', result: null },
  {
    service: 'iam',
    action: 'ListAttachedUserPolicies',
    result: { AttachedPolicies: [{ PolicyName: 'KmsUse', PolicyArn: POLICY_ARN }], IsTruncated: false },
  },
  { service: 'iam', action: 'ListAttachedRolePolicies', result: { AttachedPolicies: [], IsTruncated: false } },
  {
    service: 'iam',
    action: 'SimulatePrincipalPolicy',
    result: {
      EvaluationResults: [{
        EvalActionName: 'kms:Encrypt',
        EvalResourceName: '*',
        EvalDecision: 'explicitDeny',
        MatchedStatements: [{
          SourcePolicyId: 'kms-use',
          SourcePolicyType: 'user',
          StartPosition: { Line: 1, Column: 2 },
          EndPosition: { Line: 3, Column: 40 },
        }],
        MissingContextValues: ['aws:SourceVpce'],
        OrganizationsDecisionDetail: { AllowedByOrganizations: true },
        PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: false },
        EvalDecisionDetails: { 'kms:Encrypt': 'explicitDeny' },
        ResourceSpecificResults: [{
          EvalResourceName: '*',
          EvalResourceDecision: 'explicitDeny',
          MatchedStatements: [],
          MissingContextValues: [],
          EvalDecisionDetails: {},
        }],
      }],
      IsTruncated: false,
    },
  },
  {
    service: 'iam',
    action: 'SimulateCustomPolicy',
    result: {
      EvaluationResults: [
        {
          EvalActionName: 'kms:Encrypt',
          EvalResourceName: '*',
          EvalDecision: 'allowed',
          MatchedStatements: [{
            SourcePolicyId: 'PolicyInputList.1', StartPosition: { Line: 1, Column: 38 }, EndPosition: { Line: 1, Column: 106 },
          }],
          MissingContextValues: [],
        },
        { EvalActionName: 'kms:CreateKey', EvalResourceName: '*', EvalDecision: 'implicitDeny', MatchedStatements: [], MissingContextValues: [] },
      ],
      IsTruncated: false,
    },
  },
];
