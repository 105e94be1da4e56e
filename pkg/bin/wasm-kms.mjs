#!/usr/bin/env node
// The `wasm-kms` command. `wasm-kms serve` runs the AWS-compatible local endpoint (server.mjs)
// until SIGTERM or SIGINT, which stop it cleanly: no new connections, the requests in flight
// answered, the store closed, exit status 0.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_ACCOUNT, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_REGION, serve } from '../server.mjs';

const USAGE = `Usage: wasm-kms serve [options]

Serves AWS KMS's JSON 1.1 protocol, and IAM and STS in their query protocol, on
http://${DEFAULT_HOST}:${DEFAULT_PORT}/ for the AWS CLI, boto3 and the AWS SDKs
(--endpoint-url http://${DEFAULT_HOST}:${DEFAULT_PORT}). Signatures are not checked.

Options:
  --port N              the port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H              the address to bind to (default ${DEFAULT_HOST}, this machine only)
  --data-dir D          keep keys in the on-disk store in D (default: in memory, gone on exit)
  --passphrase-env VAR  protect the store in D with the passphrase in environment variable VAR
                        (default: WASM_KMS_PASSPHRASE if set, else a root.key file in D)
  --seed FILE           load a seed file (keys with fixed IDs, aliases, tags, material)
  --region R            the Region of requests without a SigV4 scope (default ${DEFAULT_REGION})
  --account A           the account of requests whose access key ID is not 12 digits
                        (default ${DEFAULT_ACCOUNT}); seeded keys are made in it
  --vpc-endpoint vpce-ID=PORT[,vpc=vpc-ID]
                        also listen on PORT (same host, same keys) as the VPC endpoint
                        vpce-ID: requests there have aws:SourceVpce vpce-ID, and aws:SourceVpc
                        vpc-ID if given; repeatable, one port per endpoint
  -h, --help            show this text
`;

const say = (line) => process.stdout.write(`wasm-kms: ${line}\n`);
const fail = (line) => {
  process.stderr.write(`wasm-kms: ${line}\n`);
  process.exit(1);
};

/** `--vpc-endpoint vpce-0a1b2c3d=4600[,vpc=vpc-1234]` as `{ id, port, vpc }`. */
function vpcEndpointOf(text) {
  const match = /^(vpce-[0-9a-z]+)=([0-9]{1,5})(?:,vpc=(vpc-[0-9a-z]+))?$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    fail(`--vpc-endpoint takes vpce-ID=PORT or vpce-ID=PORT,vpc=vpc-ID (lower-case IDs), not \`${text}\``);
  }
  return { id: match[1], port, ...(match[3] ? { vpc: match[3] } : {}) };
}

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'passphrase-env': { type: 'string' },
      seed: { type: 'string' },
      region: { type: 'string' },
      account: { type: 'string' },
      'vpc-endpoint': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals.length !== 1 || positionals[0] !== 'serve') {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port takes a port number, not \`${values.port}\``);
  let passphrase;
  if (values['passphrase-env'] !== undefined) {
    passphrase = process.env[values['passphrase-env']];
    if (!passphrase) fail(`the environment variable ${values['passphrase-env']} (--passphrase-env) is empty or unset`);
    if (!values['data-dir']) fail('--passphrase-env protects a store: it needs --data-dir');
  }
  const vpcEndpoints = (values['vpc-endpoint'] ?? []).map(vpcEndpointOf);
  const seed = values.seed === undefined ? undefined : await readFile(values.seed, 'utf8');

  const endpoint = await serve({
    port,
    host: values.host,
    dataDir: values['data-dir'],
    passphrase,
    seed,
    region: values.region,
    account: values.account,
    vpcEndpoints,
  });
  if (endpoint.seeded) {
    const { CreatedKeys, ExistingKeys, CreatedAliases, CreatedIdentities = [] } = endpoint.seeded;
    say(`seeded from ${values.seed}: ${CreatedKeys.length} keys created, ${ExistingKeys.length} already there, ${CreatedAliases.length} aliases created, ${CreatedIdentities.length} IAM identities and access keys created`);
  }
  const where = endpoint.kms.dataDir ? `keys in ${endpoint.kms.dataDir}` : 'keys in memory';
  say(`AWS KMS endpoint on ${endpoint.url} (${where}; default Region ${endpoint.kms.region}, account ${endpoint.kms.account})`);
  for (const { id, vpc, url } of endpoint.vpcEndpoints) {
    say(`VPC endpoint ${id}${vpc ? ` in ${vpc}` : ''} on ${url}`);
  }

  let stopping = false;
  const stop = (signal) => {
    if (stopping) {
      say(`${signal} again: exiting at once`);
      process.exit(1);
    }
    stopping = true;
    say(`${signal}: finishing the requests in flight, then closing the store`);
    endpoint.close().then(
      () => {
        say('stopped');
        process.exit(0);
      },
      (e) => fail(`stopping failed: ${e?.message ?? e}`),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((e) => fail(e?.message ?? String(e)));
