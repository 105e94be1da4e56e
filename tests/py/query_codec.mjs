// pkg/query.mjs for tests/py/test_query_xml.py, which checks it with botocore's own serializer
// and parser. Modes (argument 2):
//   model    the operation table (SERVICES) as JSON
//   results  the XML of each sample result and of sample errors (tests/node/query-samples.mjs)
//   decode   stdin: JSON [{ service, body }]; stdout: [{ action, input } | { error: { status, xml } }]
//   serve    an endpoint with a fake core, on purpose: answerQuery with a fake Kms whose sendQuery
//            answers each operation with its sample result, or NoSuchEntity for the user or role
//            `nobody`, and records each call (GET /calls); prints its URL. It tests the wire layer
//            alone through botocore's client path; the real core is tested through `wasm-kms serve`
//            by test_iam_scenarios.py.
import http from 'node:http';
import { answerQuery, errorXml, decodeInput, parseForm, resultXml, routeQuery, SERVICES } from '../../pkg/query.mjs';
import { callerOf } from '../../pkg/protocol.mjs';
import { RESULTS } from '../node/query-samples.mjs';

const mode = process.argv[2];
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

async function stdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const ERRORS = [
  { service: 'iam', status: 404, error: { code: 'NoSuchEntity', message: 'The user with name bob cannot be found.', type: 'Sender' } },
  { service: 'iam', status: 409, error: { code: 'DeleteConflict', message: 'Cannot delete entity, must detach all policies first.', type: 'Sender' } },
  { service: 'sts', status: 403, error: { code: 'AccessDenied', message: 'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/x', type: 'Sender' } },
  { service: 'iam', status: 500, error: { code: 'ServiceFailure', message: 'the KMS is closed <&>', type: 'Receiver' } },
];

if (mode === 'model') {
  print(SERVICES);
} else if (mode === 'results') {
  print({
    results: RESULTS.map((r) => ({ ...r, xml: resultXml(r.service, r.action, r.result, `rid-${r.action}`) })),
    errors: ERRORS.map((e, i) => ({ ...e, requestId: `rid-${i}`, xml: errorXml(e.service, e.error, `rid-${i}`) })),
  });
} else if (mode === 'decode') {
  const out = [];
  for (const { service, body } of await stdin()) {
    const params = parseForm(body);
    try {
      const route = routeQuery(params, service);
      out.push({ action: route.action, input: decodeInput(route.operation, params) });
    } catch (e) {
      out.push({ error: { status: e.status, code: e.code, message: e.message } });
    }
  }
  print(out);
} else if (mode === 'serve') {
  const samples = new Map(RESULTS.map((r) => [`${r.service}:${r.action}`, r.result]));
  const calls = [];
  const kms = {
    async sendQuery(service, action, input, caller) {
      calls.push({ service, action, input, caller });
      if (input.UserName === 'nobody' || input.RoleName === 'nobody') {
        const what = input.UserName ? 'user' : 'role';
        return { status: 404, error: { code: 'NoSuchEntity', message: `The ${what} with name nobody cannot be found.`, type: 'Sender' } };
      }
      return { status: 200, result: samples.get(`${service}:${action}`) ?? null };
    },
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      if (req.url === '/calls') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(calls));
        return;
      }
      const caller = callerOf(req.headers.authorization, {}, req.headers['x-amz-security-token']);
      const { status, body, headers } = await answerQuery(kms, parseForm(Buffer.concat(chunks)), caller);
      res.writeHead(status, headers).end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => print({ url: `http://127.0.0.1:${server.address().port}` }));
  process.stdin.resume();
  process.stdin.on('end', () => {
    server.close(); // the test closes stdin to stop it
    server.closeAllConnections();
  });
} else {
  process.stderr.write('usage: node tests/py/query_codec.mjs model|results|decode|serve\n');
  process.exit(2);
}
