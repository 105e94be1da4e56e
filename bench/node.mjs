// Node benchmark: Encrypt, Decrypt and GenerateDataKey through the JS API, beside plain AES-256-GCM
// (BenchAesGcm.seal) in the same run and module; then the size of the release module. Prints
// figures, asserts nothing. The module is the benchmark build (bench/pkg/node, from
// `bash .ci/build.sh bench release`): the release module of pkg/ has no BenchAesGcm.
// Run: node bench/node.mjs [--rounds N] [--round-ms MS] [--warmup-ms MS]
import { createRequire } from 'node:module';
import { formatLines, optionsFrom, runBench } from './lib.js';
import { formatAsymLines, runAsymBench } from './asym.js';
import { sizeLines } from './size.mjs';
import { flag } from './cli.mjs';


const { Kms, BenchAesGcm } = createRequire(import.meta.url)('./pkg/node/wasm_kms.js');
const options = optionsFrom(flag);
console.log(`node ${process.version}, ${options.rounds} rounds x ${options.roundMs} ms, 4 KB random plaintext, no encryption context`);
const tty = process.stderr.isTTY;
const onProgress = (m) => { if (tty) process.stderr.write(`  ${m}   \r`); };
const run = await runBench({ Kms, BenchAesGcm, ...options, onProgress });
if (tty) process.stderr.write(`${' '.repeat(30)}\r`);
for (const line of formatLines(run, 'node')) console.log(line);
const asym = await runAsymBench({ Kms, ...options, onProgress });
if (tty) process.stderr.write(`${' '.repeat(40)}\r`);
for (const line of formatAsymLines(asym, 'node')) console.log(line);
for (const line of sizeLines()) console.log(line);
