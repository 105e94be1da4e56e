// IAM and STS's query protocol at the endpoint (pkg/query.mjs, pkg/server.mjs): which requests are
// query requests and for which service, the forms of the wire reference decoded to AWS's input
// shapes, the XML answers and error envelopes, the handler with a fake Kms, and the caller the
// server makes: the client's address, plain HTTP, and the VPC endpoint a port stands for.
// botocore's own parser and serializer check the same codec in tests/py/test_query_xml.py.
//
// Run: node --test tests/node/   (the server tests need pkg/node: `bash .ci/build.sh all release`)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SERVICES, answerQuery, decodeInput, errorXml, escapeXml, isQueryRequest, isoTimestamp, parseForm, resultXml,
  routeQuery,
} from '../../pkg/query.mjs';
import { callerOf } from '../../pkg/protocol.mjs';
import { serve, sourceIpOf } from '../../pkg/server.mjs';
import { REQUESTS, RESULTS } from './query-samples.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', '..', 'pkg', 'bin', 'wasm-kms.mjs');
const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** The input a form `body` carries for `service` (the scope's), or the error it is refused with. */
function decode(body, service) {
  const params = parseForm(body);
  const route = routeQuery(params, service);
  return { action: route.action, service: route.service, input: decodeInput(route.operation, params) };
}

/** The error `fn` throws. */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return assert.fail('expected an error');
}

/** A fake Kms whose sendQuery answers with `answer(service, action, input, caller)`, recording calls. */
function fakeKms(answer) {
  const calls = [];
  return {
    calls,
    async sendQuery(service, action, input, caller) {
      calls.push({ service, action, input, caller });
      return answer(service, action, input, caller);
    },
  };
}

const sigv4 = (akid, region, service) =>
  `AWS4-HMAC-SHA256 Credential=${akid}/20261203/${region}/${service}/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=00`;

describe('dispatch', () => {
  test('KMS has X-Amz-Target; a form without it is the query protocol', () => {
    assert.equal(isQueryRequest(undefined, 'application/x-www-form-urlencoded; charset=utf-8'), true);
    assert.equal(isQueryRequest(undefined, 'Application/X-WWW-Form-Urlencoded'), true);
    assert.equal(isQueryRequest('TrentService.ListKeys', 'application/x-www-form-urlencoded'), false);
    assert.equal(isQueryRequest(undefined, 'application/x-amz-json-1.1'), false);
    assert.equal(isQueryRequest(undefined, undefined), false);
    assert.equal(isQueryRequest('', 'application/x-www-form-urlencoded'), true);
  });

  test('the service is the credential scope, cross-checked with Version', () => {
    const iam = routeQuery(parseForm('Action=CreateUser&Version=2010-05-08&UserName=a'), 'iam');
    assert.deepEqual([iam.service, iam.action, iam.version], ['iam', 'CreateUser', '2010-05-08']);
    assert.equal(routeQuery(parseForm('Action=AssumeRole&Version=2011-06-15'), 'sts').service, 'sts');
    // Without a scope, Version decides; without Version, the scope.
    assert.equal(routeQuery(parseForm('Action=GetCallerIdentity&Version=2011-06-15'), undefined).service, 'sts');
    assert.equal(routeQuery(parseForm('Action=GetUser'), 'iam').service, 'iam');
  });

  test('a scope and Version that disagree, a foreign scope, an unknown action: 400 InvalidAction; one of IAM\'s not answered here: NotImplemented', () => {
    const mismatch = thrown(() => routeQuery(parseForm('Action=GetCallerIdentity&Version=2011-06-15'), 'iam'));
    assert.deepEqual([mismatch.status, mismatch.code, mismatch.message],
      [400, 'InvalidAction', 'Could not find operation GetCallerIdentity for version 2011-06-15']);
    const foreign = thrown(() => routeQuery(parseForm('Action=ListKeys&Version=2010-05-08'), 'kms'));
    assert.equal(foreign.code, 'InvalidAction');
    const unknown = thrown(() => routeQuery(parseForm('Action=ListGadgets&Version=2010-05-08'), 'iam'));
    assert.deepEqual([unknown.status, unknown.code, unknown.message, unknown.service],
      [400, 'InvalidAction', 'Could not find operation ListGadgets for version 2010-05-08', 'iam']);
    const later = thrown(() => routeQuery(parseForm('Action=ListGroups&Version=2010-05-08'), 'iam'));
    assert.deepEqual([later.status, later.code, later.message],
      [400, 'NotImplemented', 'wasm-kms does not implement IAM ListGroups yet.']);
    assert.equal(thrown(() => routeQuery(parseForm('Action=GetSessionToken&Version=2011-06-15'), 'sts')).code, 'NotImplemented');
    // An STS action asked of IAM is unknown there.
    assert.equal(thrown(() => routeQuery(parseForm('Action=AssumeRole&Version=2010-05-08'), 'iam')).code, 'InvalidAction');
    // Object's own properties are no operations.
    assert.equal(thrown(() => routeQuery(parseForm('Action=constructor&Version=2010-05-08'), 'iam')).code, 'InvalidAction');
    assert.equal(thrown(() => routeQuery(parseForm('Action=toString&Version=2010-05-08'), undefined)).code, 'InvalidAction');
  });

  test('no Action, or neither scope nor Version', () => {
    assert.equal(thrown(() => routeQuery(parseForm('Version=2010-05-08'), 'iam')).code, 'MissingAction');
    assert.equal(thrown(() => routeQuery(parseForm('Action=GetUser'), undefined)).code, 'MissingParameter');
    assert.equal(thrown(() => routeQuery(parseForm('Action=GetUser&Version=2099-01-01'), undefined)).code, 'InvalidAction');
  });

  test('the table has the reference\'s 2 STS and 31 IAM operations', () => {
    assert.equal(Object.keys(SERVICES.sts.operations).length, 2);
    assert.equal(Object.keys(SERVICES.iam.operations).length, 31);
  });
});

describe('request forms', () => {
  for (const sample of REQUESTS) {
    const action = /^Action=(\w+)/.exec(sample.body)[1];
    test(`${action}: ${sample.body.slice(0, 90)}…`, () => {
      assert.deepEqual(decode(sample.body, sample.service), { action, service: sample.service, input: sample.input });
    });
  }

  test('lists follow their indexes, not the field order; the last of a repeated field wins', () => {
    const { input } = decode(
      'Action=TagUser&Version=2010-05-08&Tags.member.2.Value=2&Tags.member.10.Key=c&Tags.member.1.Key=a&Tags.member.2.Key=b'
      + '&Tags.member.1.Value=1&Tags.member.10.Value=3&UserName=x&UserName=alice',
      'iam',
    );
    assert.deepEqual(input, {
      UserName: 'alice', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }],
    });
  });

  test('`Name=` is an empty list; an empty string member stays a string', () => {
    const { input } = decode('Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=%7B%7D&ActionNames=&ResourceArns=&CallerArn=', 'iam');
    assert.deepEqual(input, { PolicyInputList: ['{}'], ActionNames: [], ResourceArns: [], CallerArn: '' });
  });

  test('percent-encoding, `+`, UTF-8, and `=` or `&` inside values', () => {
    const { input } = decode('Action=CreateUser&Version=2010-05-08&UserName=%C3%A9t%C3%A9%2B1+2&Tags.member.1.Key=a%3Db&Tags.member.1.Value=c%26d', 'iam');
    assert.deepEqual(input, { UserName: 'été+1 2', Tags: [{ Key: 'a=b', Value: 'c&d' }] });
    assert.deepEqual(decode(new TextEncoder().encode('Action=GetUser&Version=2010-05-08&UserName=%E2%9C%93'), 'iam').input,
      { UserName: '✓' });
  });

  test('integers become numbers and booleans booleans, as the operation says', () => {
    assert.deepEqual(decode('Action=ListUserPolicies&Version=2010-05-08&UserName=a&MaxItems=5', 'iam').input,
      { UserName: 'a', MaxItems: 5 });
    // UserName is a string even when it looks like a number.
    assert.deepEqual(decode('Action=GetUser&Version=2010-05-08&UserName=42', 'iam').input, { UserName: '42' });
    assert.deepEqual(decode('Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D&MaxSessionDuration=43200', 'iam').input,
      { RoleName: 'r', AssumeRolePolicyDocument: '{}', MaxSessionDuration: 43200 });
    const bad = thrown(() => decode('Action=AssumeRole&Version=2011-06-15&RoleArn=a&RoleSessionName=s&DurationSeconds=9e2', 'sts'));
    assert.deepEqual([bad.status, bad.code], [400, 'ValidationError']);
    assert.match(bad.message, /DurationSeconds/);
  });

  test('fields the operation does not have are left out; fields against its shape are refused', () => {
    assert.deepEqual(decode('Action=GetUser&Version=2010-05-08&UserName=a&Bogus=1&Tags.member.1.Key=k', 'iam').input, { UserName: 'a' });
    // A union member the request names is kept, one it does not name is not invented.
    assert.deepEqual(
      decode('Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=a&ActionNames.member.1=kms%3AEncrypt&PolicyExclusionList.member.1.Nope=x', 'iam').input,
      { PolicySourceArn: 'a', ActionNames: ['kms:Encrypt'], PolicyExclusionList: [{}] },
    );
    for (const field of ['ActionNames=kms%3AEncrypt', 'ActionNames.member.0=x', 'ActionNames.member.x=x', 'ActionNames.1=x',
      'ActionNames.member=x', 'ContextEntries.member.1=x', 'CallerArn.member.1=x']) {
      const e = thrown(() => decode(`Action=SimulateCustomPolicy&Version=2010-05-08&${field}`, 'iam'));
      assert.equal(e.code, 'ValidationError', field);
    }
  });
});

describe('XML answers', () => {
  test('GetCallerIdentity as the reference writes it (§6.1)', () => {
    assert.equal(
      resultXml('sts', 'GetCallerIdentity', { UserId: 'AIDACKCEVSQ6C2EXAMPLE', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/alice' }, 'ec50e120-c591-4731-834b-efd0856b5b9d'),
      `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>`
      + '<UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>'
      + '<ResponseMetadata><RequestId>ec50e120-c591-4731-834b-efd0856b5b9d</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
    );
  });

  test('an operation without output has only ResponseMetadata, whatever the result', () => {
    const xml = `<DeleteUserResponse xmlns="${IAM_NS}"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteUserResponse>`;
    assert.equal(resultXml('iam', 'DeleteUser', null, 'r'), xml);
    assert.equal(resultXml('iam', 'DeleteUser', { Ignored: 1 }, 'r'), xml);
  });

  test('every sample output: its Result wrapper and namespace, members in model order', () => {
    for (const { service, action, result } of RESULTS) {
      const xml = resultXml(service, action, result, 'r');
      const ns = service === 'sts' ? STS_NS : IAM_NS;
      assert.ok(xml.startsWith(`<${action}Response xmlns="${ns}">`), action);
      assert.ok(xml.endsWith(`<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`), action);
      assert.equal(xml.includes(`<${action}Result>`), SERVICES[service].operations[action].output !== undefined, action);
    }
    const user = resultXml('iam', 'CreateUser', RESULTS.find((r) => r.action === 'CreateUser').result, 'r');
    assert.match(user, /<User><Path>\/dev\/<\/Path><UserName>alice<\/UserName><UserId>AIDACKCEVSQ6C2EXAMPLE<\/UserId><Arn>[^<]+<\/Arn><CreateDate>2026-12-03T09:24:23Z<\/CreateDate><Tags><member><Key>team<\/Key><Value>crypto<\/Value><\/member>/);
  });

  test('required lists are written empty, IsTruncated always', () => {
    const empty = resultXml('iam', 'ListUserPolicies', { PolicyNames: [], IsTruncated: false }, 'r');
    assert.match(empty, /<ListUserPoliciesResult><PolicyNames\/><IsTruncated>false<\/IsTruncated><\/ListUserPoliciesResult>/);
    assert.match(resultXml('iam', 'ListRolePolicies', {}, 'r'), /<PolicyNames\/><IsTruncated>false<\/IsTruncated>/);
    assert.match(resultXml('iam', 'ListAccessKeys', null, 'r'), /<AccessKeyMetadata\/><IsTruncated>false<\/IsTruncated>/);
    assert.match(resultXml('iam', 'ListAttachedRolePolicies', { AttachedPolicies: [] }, 'r'), /<AttachedPolicies\/><IsTruncated>false/);
    assert.match(resultXml('iam', 'ListUserPolicies', { PolicyNames: ['a', 'b'], IsTruncated: true, Marker: 'm' }, 'r'),
      /<PolicyNames><member>a<\/member><member>b<\/member><\/PolicyNames><IsTruncated>true<\/IsTruncated><Marker>m<\/Marker>/);
  });

  test('policy documents percent-encoded (a space as %20), other text XML-escaped', () => {
    const doc = '{"Statement": [{"Sid": "a+b & <c>"}]}';
    const xml = resultXml('iam', 'GetUserPolicy', { UserName: 'a&b', PolicyName: '<p>', PolicyDocument: doc }, 'r');
    assert.match(xml, /<UserName>a&amp;b<\/UserName><PolicyName>&lt;p&gt;<\/PolicyName>/);
    const encoded = /<PolicyDocument>([^<]*)<\/PolicyDocument>/.exec(xml)[1];
    assert.equal(encoded, '%7B%22Statement%22%3A%20%5B%7B%22Sid%22%3A%20%22a%2Bb%20%26%20%3Cc%3E%22%7D%5D%7D');
    assert.equal(decodeURIComponent(encoded), doc);
    assert.match(resultXml('iam', 'GetRole', { Role: { RoleName: 'r', AssumeRolePolicyDocument: '{ }' } }, 'r'), /<AssumeRolePolicyDocument>%7B%20%7D</);
    assert.match(resultXml('iam', 'GetPolicyVersion', { PolicyVersion: { Document: '{ }' } }, 'r'), /<Document>%7B%20%7D</);
    // Descriptions are not documents.
    assert.match(resultXml('iam', 'GetRole', { Role: { Description: '{ }' } }, 'r'), /<Description>\{ \}</);
  });

  test('escaping: a CR survives an XML parser, characters XML cannot carry become U+FFFD', () => {
    assert.equal(escapeXml('a\r\nb\tc'), 'a&#xD;\nb\tc');
    assert.equal(escapeXml('x\u0000y\u001Fz\uD800'), 'x\uFFFDy\uFFFDz\uFFFD');
    assert.equal(escapeXml('😀 "q" \'s\''), '😀 "q" \'s\'');
  });

  test('timestamps from epoch seconds', () => {
    assert.equal(isoTimestamp(1796289863), '2026-12-03T09:24:23Z');
    assert.equal(isoTimestamp(1796289863.25), '2026-12-03T09:24:23.250Z');
    assert.equal(isoTimestamp(0), '1970-01-01T00:00:00Z');
    assert.equal(isoTimestamp(new Date(0)), '1970-01-01T00:00:00Z');
    assert.throws(() => isoTimestamp('x' * 1), TypeError);
    assert.match(resultXml('sts', 'AssumeRole', { Credentials: { Expiration: 1796293463 } }, 'r'), /<Expiration>2026-12-03T10:24:23Z<\/Expiration>/);
  });

  test('booleans, integers, nested structures, the one map, empty structures', () => {
    const sim = resultXml('iam', 'SimulatePrincipalPolicy', RESULTS.find((r) => r.action === 'SimulatePrincipalPolicy').result, 'r');
    assert.match(sim, /<StartPosition><Line>1<\/Line><Column>2<\/Column><\/StartPosition>/);
    assert.match(sim, /<EvalDecisionDetails><entry><key>kms:Encrypt<\/key><value>explicitDeny<\/value><\/entry><\/EvalDecisionDetails>/);
    assert.match(sim, /<PermissionsBoundaryDecisionDetail><AllowedByPermissionsBoundary>false<\/AllowedByPermissionsBoundary>/);
    assert.match(sim, /<MatchedStatements\/><MissingContextValues\/><EvalDecisionDetails\/>/);
    assert.match(resultXml('iam', 'CreateRole', { Role: { RoleName: 'r', RoleLastUsed: {} } }, 'r'), /<RoleLastUsed\/>/);
    // Members the output shape does not have are not written.
    assert.doesNotMatch(resultXml('iam', 'GetUser', { User: { UserName: 'a', Secret: 's' } }, 'r'), /Secret/);
  });

  test('the error envelope (§5): RequestId beside Error, the service\'s namespace', () => {
    assert.equal(
      errorXml('iam', { code: 'NoSuchEntity', message: 'The user with name bob cannot be found.', type: 'Sender' }, '7a62c49f'),
      `<ErrorResponse xmlns="${IAM_NS}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>`
      + '<Message>The user with name bob cannot be found.</Message></Error><RequestId>7a62c49f</RequestId></ErrorResponse>',
    );
    assert.match(errorXml('sts', { code: 'AccessDenied', message: 'a<b', type: 'Sender' }, 'r'), new RegExp(`^<ErrorResponse xmlns="${STS_NS}">.*<Message>a&lt;b</Message>`));
    assert.match(errorXml(undefined, { code: 'X', message: '', type: 'Sender' }, 'r'), /^<ErrorResponse><Error>/);
  });
});

describe('the query handler with a fake Kms', () => {
  const headerId = (reply) => reply.headers['x-amzn-RequestId'];
  const bodyId = (reply) => /<RequestId>([^<]+)<\/RequestId>/.exec(reply.body)[1];

  test('a call: the input and caller reach sendQuery; 200 XML with the request ID in header and body', async () => {
    const kms = fakeKms(() => ({ status: 200, result: { User: { UserName: 'alice', Path: '/', CreateDate: 1796289863 } } }));
    const caller = { ...callerOf(sigv4('AKIAIOSFODNN7EXAMPLE', 'eu-west-1', 'iam')), sourceIp: '127.0.0.1', secureTransport: false };
    const reply = await answerQuery(kms, parseForm('Action=CreateUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=k&Tags.member.1.Value=v'), caller);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['Content-Type'], 'text/xml');
    assert.match(headerId(reply), /^[0-9a-f-]{36}$/);
    assert.equal(bodyId(reply), headerId(reply));
    assert.match(reply.body, /^<CreateUserResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><CreateUserResult><User><Path>\/<\/Path><UserName>alice<\/UserName><CreateDate>2026-12-03T09:24:23Z<\/CreateDate><\/User>/);
    assert.deepEqual(kms.calls, [{
      service: 'iam',
      action: 'CreateUser',
      input: { UserName: 'alice', Tags: [{ Key: 'k', Value: 'v' }] },
      caller: {
        region: 'eu-west-1', account: '000000000000', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', service: 'iam', sourceIp: '127.0.0.1', secureTransport: false,
      },
    }]);
  });

  test('an error of the core: its status, code, message and type', async () => {
    const kms = fakeKms(() => ({ status: 409, error: { code: 'DeleteConflict', message: 'Cannot delete entity, must delete access keys first.', type: 'Sender' } }));
    const reply = await answerQuery(kms, parseForm('Action=DeleteUser&Version=2010-05-08&UserName=a'), { service: 'iam' });
    assert.equal(reply.status, 409);
    assert.equal(reply.headers['Content-Type'], 'text/xml');
    assert.equal(reply.body, errorXml('iam', { code: 'DeleteConflict', message: 'Cannot delete entity, must delete access keys first.', type: 'Sender' }, headerId(reply)));
    // Without a type: Receiver for a 5xx, Sender otherwise.
    const fault = await answerQuery(fakeKms(() => ({ status: 500, error: { code: 'ServiceFailure', message: 'm' } })),
      parseForm('Action=GetCallerIdentity&Version=2011-06-15'), { service: 'sts' });
    assert.match(fault.body, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Receiver<\/Type><Code>ServiceFailure<\/Code>/);
    const denied = await answerQuery(fakeKms(() => ({ status: 403, error: { code: 'AccessDenied', message: 'm' } })),
      parseForm('Action=AssumeRole&Version=2011-06-15&RoleArn=a&RoleSessionName=s'), { service: 'sts' });
    assert.match(denied.body, /<Type>Sender<\/Type><Code>AccessDenied<\/Code>/);
  });

  test('a Kms that rejects (closed), or has no sendQuery: 500 ServiceFailure, in XML', async () => {
    const closed = { sendQuery: async () => { throw new Error('the KMS is closed'); } };
    const reply = await answerQuery(closed, parseForm('Action=GetUser&Version=2010-05-08'), { service: 'iam' });
    assert.equal(reply.status, 500);
    assert.match(reply.body, /<Type>Receiver<\/Type><Code>ServiceFailure<\/Code><Message>the KMS is closed<\/Message>/);
    const old = await answerQuery({}, parseForm('Action=GetUser&Version=2010-05-08'), { service: 'iam' });
    assert.equal(old.status, 500);
    assert.match(old.body, /sendQuery is missing/);
  });

  test('refused before the core: unknown action, mismatch, bad form; sendQuery is not called', async () => {
    const kms = fakeKms(() => assert.fail('not called'));
    const unknown = await answerQuery(kms, parseForm('Action=ListGadgets&Version=2010-05-08'), { service: 'iam' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body, new RegExp(`^<ErrorResponse xmlns="${IAM_NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation ListGadgets for version 2010-05-08</Message>`));
    const mismatch = await answerQuery(kms, parseForm('Action=GetUser&Version=2010-05-08'), { service: 'sts' });
    assert.match(mismatch.body, new RegExp(`^<ErrorResponse xmlns="${STS_NS}">.*<Code>InvalidAction</Code>`));
    const bad = await answerQuery(kms, parseForm('Action=ListUserPolicies&Version=2010-05-08&UserName=a&MaxItems=ten'), {});
    assert.equal(bad.status, 400);
    assert.match(bad.body, /<Code>ValidationError<\/Code>/);
    assert.equal(kms.calls.length, 0);
  });

  test('an answer without a usable status is a 500 in XML', async () => {
    for (const answer of [{}, { status: 'x' }, { status: 42 }, null]) {
      const reply = await answerQuery(fakeKms(() => answer), parseForm('Action=GetUser&Version=2010-05-08'), { service: 'iam' });
      assert.equal(reply.status, 500);
      assert.match(reply.body, /<Type>Receiver<\/Type><Code>ServiceFailure<\/Code>/);
    }
  });

  test('a result the writer cannot write is a 500 in XML, not a crash', async () => {
    const kms = fakeKms(() => ({ status: 200, result: { AccessKey: { CreateDate: 'x'.length * Number.NaN } } }));
    const reply = await answerQuery(kms, parseForm('Action=CreateAccessKey&Version=2010-05-08'), { service: 'iam' });
    assert.equal(reply.status, 500);
    assert.match(reply.body, /<Code>ServiceFailure<\/Code>/);
  });
});

describe('the caller', () => {
  test('callerOf: access key, scope service, security token; a 12-digit key is its account', () => {
    assert.deepEqual(callerOf(sigv4('AKIAIOSFODNN7EXAMPLE', 'eu-west-1', 'iam'), {}, 'tok'),
      { region: 'eu-west-1', account: '000000000000', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', service: 'iam', securityToken: 'tok' });
    assert.deepEqual(callerOf(sigv4('111122223333', 'us-east-1', 'kms')),
      { region: 'us-east-1', account: '111122223333', accessKeyId: '111122223333', service: 'kms' });
    assert.deepEqual(callerOf('Bearer x', { region: 'eu-west-3' }, ''), { region: 'eu-west-3', account: '000000000000' });
  });

  test('sourceIp: IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(sourceIpOf('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(sourceIpOf('::FFFF:10.0.0.7'), '10.0.0.7');
    assert.equal(sourceIpOf('::1'), '::1');
    assert.equal(sourceIpOf('10.1.2.3'), '10.1.2.3');
    assert.equal(sourceIpOf(undefined), undefined);
  });
});

/** A raw POST of `body` with `headers`: `{ status, headers, text }`. */
async function post(url, body, headers) {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' };

describe('the endpoint', () => {
  test('query requests are answered in XML; KMS requests in JSON as before', async () => {
    const endpoint = await serve({ port: 0, maxBodyBytes: 4096 });
    try {
      const unknown = await post(endpoint.url, 'Action=ListGroups&Version=2010-05-08',
        { ...FORM, Authorization: sigv4('AKIAIOSFODNN7EXAMPLE', 'us-east-1', 'iam') });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.headers.get('content-type'), 'text/xml');
      assert.equal(/<RequestId>([^<]+)</.exec(unknown.text)[1], unknown.headers.get('x-amzn-requestid'));
      assert.match(unknown.text, /<Code>NotImplemented<\/Code>/);
      // GET with the form in the URL is taken too.
      const get = await fetch(`${endpoint.url}/?Action=Nope&Version=2011-06-15`);
      assert.equal(get.status, 400);
      assert.match(await get.text(), new RegExp(`^<ErrorResponse xmlns="${STS_NS}">.*<Code>InvalidAction</Code>`));
      // Too large: 413, in XML for a form.
      const big = await post(endpoint.url, `Action=CreateUser&Version=2010-05-08&UserName=${'a'.repeat(5000)}`,
        { ...FORM, Authorization: sigv4('AKIAIOSFODNN7EXAMPLE', 'us-east-1', 'iam') });
      assert.equal(big.status, 413);
      assert.match(big.text, /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>RequestEntityTooLarge<\/Code>/);
      // KMS as ever.
      const kms = await post(endpoint.url, '{}', { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.ListKeys' });
      assert.equal(kms.status, 200);
      assert.equal(kms.headers.get('content-type'), 'application/x-amz-json-1.1');
      assert.ok(Array.isArray(JSON.parse(kms.text).Keys));
    } finally {
      await endpoint.close();
    }
  });

  test('VPC endpoint ports: same Kms, requests carry sourceVpce and sourceVpc; close() closes them all', async () => {
    const endpoint = await serve({
      port: 0,
      vpcEndpoints: [{ id: 'vpce-0a1b2c3d', port: 0, vpc: 'vpc-1234' }, { id: 'vpce-99', port: 0 }],
    });
    let closed = false;
    try {
      assert.deepEqual(endpoint.vpcEndpoints.map(({ id, vpc, host }) => ({ id, vpc, host })),
        [{ id: 'vpce-0a1b2c3d', vpc: 'vpc-1234', host: '127.0.0.1' }, { id: 'vpce-99', vpc: undefined, host: '127.0.0.1' }]);
      const ports = new Set([endpoint.port, ...endpoint.vpcEndpoints.map((v) => v.port)]);
      assert.equal(ports.size, 3);
      // Through the core: a key whose policy allows Encrypt only through vpce-0a1b2c3d.
      const json = (url, op, body) => post(url, JSON.stringify(body), {
        'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `TrentService.${op}`,
        Authorization: sigv4('111122223333', 'us-east-1', 'kms'),
      });
      const created = await json(endpoint.url, 'CreateKey', {});
      assert.equal(created.status, 200, created.text);
      const keyId = JSON.parse(created.text).KeyMetadata.KeyId;
      const policy = {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, NotAction: 'kms:Encrypt', Resource: '*' },
          {
            Sid: 'EncryptThroughTheEndpoint', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:Encrypt', Resource: '*',
            Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d', 'aws:SourceVpc': 'vpc-1234' } },
          },
        ],
      };
      const put = await json(endpoint.url, 'PutKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(policy) });
      assert.equal(put.status, 200, put.text);
      const encrypt = { KeyId: keyId, Plaintext: Buffer.from('hi').toString('base64') };
      const [direct, through, other] = await Promise.all([
        json(endpoint.url, 'Encrypt', encrypt),
        json(endpoint.vpcEndpoints[0].url, 'Encrypt', encrypt),
        json(endpoint.vpcEndpoints[1].url, 'Encrypt', encrypt),
      ]);
      assert.equal(through.status, 200, through.text);
      for (const denied of [direct, other]) {
        assert.equal(denied.status, 400, denied.text);
        assert.equal(JSON.parse(denied.text).__type, 'AccessDeniedException');
      }
      // STS through each port answers for the same Kms.
      const headers = { ...FORM, Authorization: sigv4('111122223333', 'eu-west-1', 'sts') };
      const body = 'Action=GetCallerIdentity&Version=2011-06-15';
      for (const url of [endpoint.url, ...endpoint.vpcEndpoints.map((v) => v.url)]) {
        const r = await post(url, body, headers);
        assert.equal(r.status, 200, r.text);
        assert.match(r.text, /<GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:root<\/Arn>/);
      }
      await endpoint.close();
      closed = true;
      for (const url of [endpoint.url, ...endpoint.vpcEndpoints.map((v) => v.url)]) {
        await assert.rejects(fetch(url, { method: 'POST', body: '{}' }), url);
      }
    } finally {
      if (!closed) await endpoint.close();
    }
  });

  test('bad VPC endpoint options are refused before anything opens', async () => {
    await assert.rejects(serve({ port: 0, vpcEndpoints: [{ id: 'vpc-1', port: 0 }] }), /vpce-/);
    await assert.rejects(serve({ port: 0, vpcEndpoints: [{ id: 'vpce-1', port: 70000 }] }), /port/);
    await assert.rejects(serve({ port: 0, vpcEndpoints: [{ id: 'vpce-1', port: 0, vpc: 'x' }] }), /vpc-/);
    await assert.rejects(serve({ port: 0, vpcEndpoints: [{ id: 'vpce-1', port: 0 }, { id: 'vpce-1', port: 0 }] }), /twice/);
  });

  test('a VPC endpoint port in use: the endpoint does not start and releases its other ports', async () => {
    const taken = await serve({ port: 0 });
    try {
      await assert.rejects(serve({ port: 0, vpcEndpoints: [{ id: 'vpce-1', port: taken.port }] }), /EADDRINUSE/);
    } finally {
      await taken.close();
    }
  });

  test('wasm-kms serve --vpc-endpoint prints each endpoint and serves it', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--vpc-endpoint', 'vpce-0a1b2c3d=0,vpc=vpc-1234', '--vpc-endpoint', 'vpce-2=0'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const urls = await new Promise((resolve, reject) => {
      child.stdout.on('data', (c) => {
        stdout += c;
        const a = /VPC endpoint vpce-0a1b2c3d in vpc-1234 on (http:\/\/\S+)/.exec(stdout);
        const b = /VPC endpoint vpce-2 on (http:\/\/\S+)/.exec(stdout);
        if (a && b) resolve([a[1], b[1]]);
      });
      exited.then((code) => reject(new Error(`exited ${code}: ${stdout}`)));
    });
    try {
      for (const url of urls) {
        const r = await post(url, '{}', { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.ListKeys' });
        assert.equal(r.status, 200);
      }
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
    const bad = spawn(process.execPath, [bin, 'serve', '--vpc-endpoint', 'vpce-1:4600'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    bad.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    assert.equal(await new Promise((resolve) => bad.on('exit', resolve)), 1);
    assert.match(stderr, /--vpc-endpoint takes vpce-ID=PORT/);
  });
});
