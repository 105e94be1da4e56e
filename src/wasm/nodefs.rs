//! [`Dir`] on Node's file system (`node:fs`, synchronous calls), with an exclusive lock on the
//! directory: the Node binding's counterpart of [`crate::persist::fs`], and behaving like it.
//!
//! Node is reached through small JavaScript functions (`nodefs.js`, [`NODE_JS`]), built once
//! with the `Function` constructor when a data directory is first opened, and only where
//! `process.getBuiltinModule` exists (Node 20.16 and later): not as `inline_js` snippets, which
//! wasm-bindgen emits as ES modules that the CommonJS package of `--target nodejs` cannot
//! `require`. They take `node:fs` from `process.getBuiltinModule`. No function lets an exception
//! out: each returns its result, or `{ error, what }` with Node's error code, which becomes a
//! [`KmsError::Storage`] naming the file (and a call that throws all the same is caught too).

use js_sys::{Array, Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::env::OsEntropy;
use crate::error::{KmsError, Result};
use crate::persist::{
    root_for, Dir, GroupedStore, LogBackend, Root, Shared, StoreKey, LOCK, PASSPHRASE_ENV,
};

/// The Node file operations (see the module's notes): the text of `nodefs.js`, whose one
/// function returns them.
const NODE_JS: &str = concat!(include_str!("nodefs.js"), "\nreturn nodeFileOps();\n");

thread_local! {
    /// The object of [`NODE_JS`]'s functions, once built (`None`: not Node, or too old).
    static NODE: std::cell::OnceCell<Option<JsValue>> = const { std::cell::OnceCell::new() };
}

/// Whether `process.getBuiltinModule` is there: Node 20.16 or later.
fn has_builtin_modules() -> bool {
    Reflect::get(&js_sys::global(), &"process".into())
        .ok()
        .filter(JsValue::is_object)
        .and_then(|p| Reflect::get(&p, &"getBuiltinModule".into()).ok())
        .is_some_and(|f| f.is_function())
}

/// The Node file operations, or `None` outside Node.
fn node() -> Option<JsValue> {
    NODE.with(|cell| {
        cell.get_or_init(|| {
            if !has_builtin_modules() {
                return None;
            }
            Function::new_no_args(NODE_JS)
                .call0(&JsValue::NULL)
                .ok()
                .filter(JsValue::is_object)
        })
        .clone()
    })
}

/// Calls the Node file operation `name` with `args`; what it threw (it should not) is `Err`.
fn call(name: &str, args: &[JsValue]) -> std::result::Result<JsValue, JsValue> {
    let ops = node().ok_or_else(|| JsValue::from_str("Node's file system is not available"))?;
    let f: Function = Reflect::get(&ops, &name.into())?.dyn_into()?;
    let args: Array = args.iter().collect();
    f.apply(&JsValue::NULL, &args)
}

/// A copy of `bytes` in JavaScript's memory.
fn bytes_js(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

/// A member of a result object.
fn member(v: &JsValue, name: &str) -> JsValue {
    if v.is_object() {
        Reflect::get(v, &name.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// The error a function reported (`{ error, what }`), naming the file, if it reported one.
fn reported(v: &JsValue, path: &str) -> Option<KmsError> {
    let code = member(v, "error").as_string()?;
    let what = member(v, "what")
        .as_string()
        .unwrap_or_else(|| "using".to_owned());
    Some(KmsError::Storage(format!("{what} `{path}` failed: {code}")))
}

/// What a function that threw after all (it should not) becomes.
fn thrown(what: &str, path: &str, e: &JsValue) -> KmsError {
    let why = member(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "an exception".to_owned());
    KmsError::Storage(format!("{what} `{path}` failed: {why}"))
}

/// A function's outcome that is only success or an error.
fn done(r: std::result::Result<JsValue, JsValue>, what: &str, path: &str) -> Result<JsValue> {
    let v = r.map_err(|e| thrown(what, path, &e))?;
    match reported(&v, path) {
        Some(e) => Err(e),
        None => Ok(v),
    }
}

/// Whether Node's file system can be reached (Node 20.16 or later).
pub fn available() -> bool {
    node().is_some()
}

/// An environment variable of the Node process, if it is set.
pub fn env_var(name: &str) -> Option<String> {
    call("env", &[name.into()]).ok()?.as_string()
}

/// A data directory, locked for this process while the value lives.
#[derive(Debug)]
pub struct NodeDir {
    path: String,
}

impl NodeDir {
    /// Opens (creating it, with mode 0700) the data directory at `path` and takes its lock. A
    /// directory another live process (or this one) has open is refused with an error naming
    /// that process; the lock of a process that is gone is taken over.
    pub fn open(path: &str) -> Result<Self> {
        if !available() {
            return Err(KmsError::Storage(
                "a data directory needs Node's file system (Node 20.16 or later); in a browser, use `new Kms()`"
                    .to_owned(),
            ));
        }
        let resolved = done(call("resolve", &[path.into()]), "resolving", path)?;
        let path = resolved.as_string().unwrap_or_else(|| path.to_owned());
        let out = done(
            call("lock", &[path.as_str().into(), LOCK.into()]),
            "locking",
            &path,
        )?;
        if let Some(holder) = member(&out, "busy").as_string() {
            return Err(KmsError::Storage(format!(
                "the data directory `{path}` is in use by process {holder} (one process at a time may open a store)"
            )));
        }
        if member(&out, "ok").as_bool() == Some(true) {
            return Ok(NodeDir { path });
        }
        Err(KmsError::Storage(format!(
            "the lock of `{path}` could not be taken"
        )))
    }

    /// The directory's path (absolute).
    pub fn path(&self) -> &str {
        &self.path
    }

    fn file(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }
}

impl Drop for NodeDir {
    fn drop(&mut self) {
        let _ = call("unlock", &[self.path.as_str().into(), LOCK.into()]);
    }
}

impl NodeDir {
    /// Runs the Node file operation `op` on the file `name` with `args` after the directory
    /// and the name; a failure says `what` failed on that file.
    fn run(&self, op: &str, name: &str, args: &[JsValue], what: &str) -> Result<JsValue> {
        let mut all = vec![self.path.as_str().into(), name.into()];
        all.extend_from_slice(args);
        done(call(op, &all), what, &self.file(name))
    }
}

impl Dir for NodeDir {
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let v = self.run("read", name, &[], "reading")?;
        if v.is_null() || v.is_undefined() {
            return Ok(None);
        }
        match v.dyn_ref::<Uint8Array>() {
            Some(bytes) => Ok(Some(bytes.to_vec())),
            None => Err(KmsError::Storage(format!(
                "reading `{}` gave no bytes",
                self.file(name)
            ))),
        }
    }

    fn append(&mut self, name: &str, bytes: &[u8], sync: bool) -> Result<()> {
        let args = [bytes_js(bytes), sync.into()];
        self.run("append", name, &args, "appending to").map(drop)
    }

    fn replace(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.run("replace", name, &[bytes_js(bytes)], "replacing")
            .map(drop)
    }

    fn create_new(&mut self, name: &str, bytes: &[u8]) -> Result<bool> {
        let out = self.run(
            "create_new",
            name,
            &[bytes_js(bytes), 0o600.into()],
            "creating",
        )?;
        Ok(member(&out, "exists").as_bool() != Some(true))
    }

    fn path_of(&self, name: &str) -> String {
        self.file(name)
    }

    fn truncate(&mut self, name: &str, len: u64) -> Result<()> {
        // File lengths stay far below 2^53, where f64 is exact.
        self.run("truncate", name, &[(len as f64).into()], "truncating")
            .map(drop)
    }
}

/// The data directory at `path`, locked, and the root key of its store (see [`root_for`]:
/// `passphrase`, else the `WASM_KMS_PASSPHRASE` environment variable, else `root.key`).
fn open_dir(path: &str, passphrase: Option<Zeroizing<String>>) -> Result<(NodeDir, Root)> {
    let mut dir = NodeDir::open(path)?;
    let root = root_for(
        &mut dir,
        passphrase,
        env_var(PASSPHRASE_ENV).map(Zeroizing::new),
        &mut OsEntropy,
    )?;
    Ok((dir, root))
}

/// Opens (or creates) the durable store in the directory at `path`: its store key wrapped by a
/// key derived from `passphrase` (or, failing that, from the `WASM_KMS_PASSPHRASE` environment
/// variable), or else by the key in `root.key` there (made with mode 0600 for a new store). Its
/// commits wait for the binding to flush the journal it also gives (group commit).
pub fn open_store(
    path: &str,
    passphrase: Option<Zeroizing<String>>,
) -> Result<(GroupedStore<NodeDir>, Shared<LogBackend<NodeDir>>, StoreKey)> {
    let (dir, root) = open_dir(path, passphrase)?;
    GroupedStore::open_grouped(dir, &root, Box::new(OsEntropy))
}

/// Restores `backup` (opened with `backup_passphrase`) into the directory at `path`, which must
/// hold no store; the restored store's key is wrapped as [`open_store`] would wrap a new one's.
pub fn restore_store(
    path: &str,
    backup: &[u8],
    backup_passphrase: &[u8],
    passphrase: Option<Zeroizing<String>>,
) -> Result<()> {
    let (mut dir, root) = open_dir(path, passphrase)?;
    crate::persist::restore_backup(&mut dir, backup, backup_passphrase, &root, &mut OsEntropy)
}
