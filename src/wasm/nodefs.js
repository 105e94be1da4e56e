// The Node file operations of src/wasm/nodefs.rs: what the on-disk store needs of `node:fs`,
// synchronously. That module builds these once, with the `Function` constructor (the text of
// this file, then `return nodeFileOps();`), and only where `process.getBuiltinModule` exists
// (Node 20.16 and later): not as a wasm-bindgen snippet, which wasm-bindgen emits as an ES module
// that the CommonJS package of `--target nodejs` cannot `require`.
//
// No function lets an exception out: each returns its result, or `{ error, what }` with Node's
// error code, which the Rust side turns into an error naming the file.

// eslint-disable-next-line no-unused-vars
function nodeFileOps() {
  'use strict';
  const nodeFs = () => {
    const p = globalThis.process;
    if (!p || typeof p.getBuiltinModule !== 'function') {
      throw Object.assign(new Error('no Node file system'), { code: 'ENOFS' });
    }
    return [p.getBuiltinModule('node:fs'), p.getBuiltinModule('node:path'), p];
  };
  const fail = (what, e) => ({ error: String((e && (e.code || e.message)) || e), what });
  const syncDir = (fs, p, dir) => {
    let fd;
    try {
      fd = fs.openSync(dir, 'r');
      fs.fsyncSync(fd);
    } catch (e) {
      // Windows cannot open or sync a directory; elsewhere this is a real failure.
      if (p.platform !== 'win32') return fail('syncing the data directory', e);
    } finally {
      if (fd !== undefined) { try { fs.closeSync(fd); } catch (_) {} }
    }
    return null;
  };
  const writeAll = (fs, fd, bytes) => {
    let at = 0;
    while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at);
  };

  function env(name) {
    try {
      const v = globalThis.process.env[name];
      return typeof v === 'string' ? v : undefined;
    } catch (_) { return undefined; }
  }

  function resolve(dir) {
    try { const [, path] = nodeFs(); return path.resolve(dir); } catch (e) { return fail('resolving', e); }
  }

  function lock(dir, name) {
    let fs, path, p;
    try { [fs, path, p] = nodeFs(); } catch (e) { return fail('opening the data directory', e); }
    try { fs.mkdirSync(dir, { recursive: true, mode: 0o700 }); } catch (e) { return fail('creating the data directory', e); }
    const lockFile = path.join(dir, name);
    for (let i = 0; i < 2; i++) {
      let fd;
      try {
        fd = fs.openSync(lockFile, 'wx', 0o600);
      } catch (e) {
        if (e.code !== 'EEXIST') return fail('creating the lock file', e);
        let holder = '';
        try { holder = fs.readFileSync(lockFile, 'utf8').trim(); } catch (_) {}
        const pid = /^[0-9]+$/.test(holder) ? Number(holder) : NaN;
        let alive = false;
        if (Number.isSafeInteger(pid) && pid > 0) {
          if (pid === p.pid) alive = true;
          else {
            try { p.kill(pid, 0); alive = true; } catch (k) { alive = k.code === 'EPERM'; }
          }
        }
        if (alive) return { busy: holder };
        // The process that held it is gone: the lock is stale.
        try { fs.unlinkSync(lockFile); } catch (u) { if (u.code !== 'ENOENT') return fail('removing the stale lock file', u); }
        continue;
      }
      try {
        writeAll(fs, fd, Buffer.from(String(p.pid)));
        fs.fsyncSync(fd);
      } catch (e) {
        try { fs.closeSync(fd); } catch (_) {}
        try { fs.unlinkSync(lockFile); } catch (_) {}
        return fail('writing the lock file', e);
      }
      try { fs.closeSync(fd); } catch (e) { return fail('writing the lock file', e); }
      const synced = syncDir(fs, p, dir);
      return synced || { ok: true };
    }
    return { again: true };
  }

  function unlock(dir, name) {
    try {
      const [fs, path, p] = nodeFs();
      const lock = path.join(dir, name);
      // Only our own lock: never one another process took over.
      if (fs.readFileSync(lock, 'utf8').trim() === String(p.pid)) fs.unlinkSync(lock);
    } catch (_) {}
  }

  function read(dir, name) {
    try {
      const [fs, path] = nodeFs();
      const b = fs.readFileSync(path.join(dir, name));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if (e && e.code === 'ENOENT') return null;
      return fail('reading', e);
    }
  }

  function create_new(dir, name, bytes, mode) {
    // Written whole to a temporary file first, then linked in place (which fails if the file
    // exists): a crash never leaves a short file under `name`.
    let fs, path, p;
    try { [fs, path, p] = nodeFs(); } catch (e) { return fail('creating', e); }
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return { exists: true };
    const tmp = file + '.tmp';
    let fd;
    try { fd = fs.openSync(tmp, 'w', mode); } catch (e) { return fail('creating', e); }
    try {
      fs.fchmodSync(fd, mode);
      writeAll(fs, fd, bytes);
      fs.fsyncSync(fd);
    } catch (e) {
      return fail('writing', e);
    } finally {
      try { fs.closeSync(fd); } catch (_) {}
    }
    let exists = false;
    try {
      fs.linkSync(tmp, file);
    } catch (e) {
      if (e.code !== 'EEXIST') return fail('creating', e);
      exists = true;
    } finally {
      try { fs.unlinkSync(tmp); } catch (_) {}
    }
    return syncDir(fs, p, dir) || (exists ? { exists: true } : null);
  }

  function append(dir, name, bytes, sync) {
    let fs, path, p;
    try { [fs, path, p] = nodeFs(); } catch (e) { return fail('opening', e); }
    const file = path.join(dir, name);
    const existed = fs.existsSync(file);
    let fd;
    try { fd = fs.openSync(file, 'a', 0o600); } catch (e) { return fail('opening', e); }
    try {
      writeAll(fs, fd, bytes);
      if (sync) fs.fsyncSync(fd);
    } catch (e) {
      return fail('appending to', e);
    } finally {
      try { fs.closeSync(fd); } catch (_) {}
    }
    return existed ? null : syncDir(fs, p, dir);
  }

  function replace(dir, name, bytes) {
    let fs, path, p;
    try { [fs, path, p] = nodeFs(); } catch (e) { return fail('creating', e); }
    const file = path.join(dir, name);
    const tmp = file + '.tmp';
    let fd;
    try { fd = fs.openSync(tmp, 'w', 0o600); } catch (e) { return fail('creating', e); }
    try {
      writeAll(fs, fd, bytes);
      fs.fsyncSync(fd);
    } catch (e) {
      return fail('writing', e);
    } finally {
      try { fs.closeSync(fd); } catch (_) {}
    }
    try { fs.renameSync(tmp, file); } catch (e) { return fail('renaming over', e); }
    return syncDir(fs, p, dir);
  }

  function truncate(dir, name, len) {
    let fs, path;
    try { [fs, path] = nodeFs(); } catch (e) { return fail('opening', e); }
    const file = path.join(dir, name);
    let fd;
    try { fd = fs.openSync(file, 'r+'); } catch (e) {
      if (e && e.code === 'ENOENT') return null;
      return fail('opening', e);
    }
    try {
      fs.ftruncateSync(fd, len);
      fs.fsyncSync(fd);
    } catch (e) {
      return fail('truncating', e);
    } finally {
      try { fs.closeSync(fd); } catch (_) {}
    }
    return null;
  }

  return { env, resolve, lock, unlock, read, create_new, append, replace, truncate };
}
