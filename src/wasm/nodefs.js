// The file operations of src/wasm/nodefs.rs: `node:fs` as the data directory's rules
// (src/persist/fs.rs) need it, one synchronous call each. That module builds these once, with the
// `Function` constructor (the text of this file, then `return nodeFileOps();`), and only where
// `process.getBuiltinModule` exists (Node 20.16 and later): not as a wasm-bindgen snippet, which
// wasm-bindgen emits as an ES module that the CommonJS package of `--target nodejs` cannot
// `require`. No operation lets an exception out: what one throws comes back as `{ error }`, with
// Node's error code, and `opening: true` where opening the file failed.

// eslint-disable-next-line no-unused-vars
function nodeFileOps() {
  'use strict';
  const p = globalThis.process;
  const fs = p.getBuiltinModule('node:fs');
  const path = p.getBuiltinModule('node:path');
  const failure = (e, opening) => ({ error: String((e && (e.code || e.message)) || e), opening });
  // Opens `file` with `flags` (mode 0600 for a new file), runs `work` on it, closes it.
  const withFile = (file, flags, work) => {
    let fd;
    try { fd = fs.openSync(file, flags, 0o600); } catch (e) { return failure(e, true); }
    try { work(fd); } catch (e) { return failure(e, false); } finally { try { fs.closeSync(fd); } catch (_) {} }
    return null;
  };
  const ops = {
    env: (name) => { const v = p.env[name]; return typeof v === 'string' ? v : undefined; },
    resolve: (dir) => path.resolve(dir),
    createDir: (dir) => { fs.mkdirSync(dir, { recursive: true, mode: 0o700 }); },
    read: (file) => { const b = fs.readFileSync(file); return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); },
    exists: (file) => fs.existsSync(file),
    write: (file, flags, bytes, sync) => withFile(file, flags, (fd) => {
      for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at, bytes.length - at);
      if (sync) fs.fsyncSync(fd);
    }),
    truncate: (file, len) => withFile(file, 'r+', (fd) => { fs.ftruncateSync(fd, len); fs.fsyncSync(fd); }),
    link: (from, to) => { fs.linkSync(from, to); },
    rename: (from, to) => { fs.renameSync(from, to); },
    remove: (file) => { fs.unlinkSync(file); },
    // Windows cannot open or sync a directory.
    syncDir: (dir) => p.platform === 'win32' ? null : withFile(dir, 'r', (fd) => fs.fsyncSync(fd)),
    process: () => p.pid,
    alive: (pid) => { try { p.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } },
  };
  for (const [name, op] of Object.entries(ops)) {
    ops[name] = (...args) => { try { return op(...args); } catch (e) { return failure(e, false); } };
  }
  return ops;
}
