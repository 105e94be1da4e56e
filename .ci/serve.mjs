// Serves the web UI (www/) and the generated package (pkg/) on http://127.0.0.1:<port>.
// No dependencies: Node's http module only. Port: --port N, or $PORT, or 8080.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
};

/** Maps a URL path to a file under www/ or pkg/, refusing anything outside them. */
export function resolvePath(urlPath) {
  const path = decodeURIComponent(urlPath.split('?')[0]);
  const [base, rel] = path.startsWith('/pkg/')
    ? [join(root, 'pkg'), path.slice('/pkg/'.length)]
    : path.startsWith('/bench/')
      ? [join(root, 'bench'), path.slice('/bench/'.length)]
      : [join(root, 'www'), path.slice(1) || 'index.html'];
  const file = normalize(join(base, rel));
  return file === base || file.startsWith(base + sep) ? file : null;
}

export function startServer({ port = 8080, host = '127.0.0.1' } = {}) {
  const server = createServer(async (req, res) => {
    let file = resolvePath(req.url ?? '/');
    try {
      if (file && (await stat(file)).isDirectory()) file = join(file, 'index.html');
      if (!file) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = Number(i > 0 ? process.argv[i + 1] : process.env.PORT ?? 8080);
  let server;
  try {
    server = await startServer({ port });
  } catch (e) {
    if (e.code !== 'EADDRINUSE' && e.code !== 'EACCES') throw e;
    console.error(`wasm-kms web UI: port ${port} is not free (${e.code}); try another, e.g. PORT=9000 npm start`);
    process.exit(1);
  }
  const { port: bound } = server.address();
  console.log(`wasm-kms web UI: http://127.0.0.1:${bound}/  (Ctrl-C to stop)`);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
}
