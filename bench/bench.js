// Browser side of the benchmark: bench/index.html loads this; bench/browser.mjs drives it headless.
// The result is left in window.__bench = { done, run | error } and shown in the page. The module is
// the benchmark build (bench/pkg/web, from `bash .ci/build.sh bench release`), which alone has
// BenchAesGcm.
import init, { Kms, BenchAesGcm } from '/bench/pkg/web/wasm_kms.js';
import { formatLines, optionsFrom, runBench } from './lib.js';
import { formatAsymLines, runAsymBench } from './asym.js';

const status = document.getElementById('status');
const out = document.getElementById('results');
window.__bench = { done: false };

try {
  await init();
  const params = new URLSearchParams(window.location.search);
  const options = optionsFrom((name) => params.get(name) ?? undefined);
  const run = await runBench({ Kms, BenchAesGcm, ...options, onProgress: (m) => { status.textContent = m; } });
  run.userAgent = navigator.userAgent;
  out.textContent = formatLines(run, 'browser').join('\n');
  const asym = await runAsymBench({ Kms, ...options, onProgress: (m) => { status.textContent = m; } });
  out.textContent += `\n${formatAsymLines(asym, 'browser').join('\n')}`;
  status.textContent = 'Done.';
  window.__bench = { done: true, run, asym };
} catch (err) {
  status.textContent = `Failed: ${err && err.stack ? err.stack : err}`;
  window.__bench = { done: true, error: String(err && err.stack ? err.stack : err) };
}
