// Run by `npm pack` / `npm publish` (the package's prepack script): refuses to pack a package
// whose generated modules are missing, which npm would otherwise leave out without a word.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { files } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const missing = files.filter((f) => !f.endsWith('/') && !existsSync(join(here, f)));
if (missing.length > 0) {
  console.error(`wasm-kms: not packing, these files are missing: ${missing.join(', ')}`);
  console.error('Build both modules first: `npm run build` in the checkout (npm start builds only web/).');
  process.exit(1);
}
