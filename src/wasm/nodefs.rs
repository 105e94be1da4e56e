//! The data directory on Node's file system: [`Files`] over `node:fs` (the functions of
//! `nodefs.js`, built once with the `Function` constructor where `process.getBuiltinModule`
//! exists, Node 20.16 and later; see that file for why). The directory's rules are
//! [`crate::persist::fs`]'s, the same as natively.

use js_sys::{Array, Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::error::{KmsError, Result};
use crate::persist::fs::{DataDir, Files, FsError, FsErrorKind, FsResult, Open};

thread_local! {
    /// The object of `nodefs.js`'s functions, once built (`None`: not Node, or too old).
    static NODE: std::cell::OnceCell<Option<JsValue>> = const { std::cell::OnceCell::new() };
}

/// `node:fs`, through the functions of `nodefs.js`.
#[derive(Clone, Debug)]
pub struct NodeFiles(JsValue);

/// A data directory on Node's file system.
pub type NodeDir = DataDir<NodeFiles>;

impl NodeFiles {
    /// Node's file system, or `None` outside Node (or before 20.16).
    fn get() -> Option<NodeFiles> {
        NODE.with(|cell| {
            cell.get_or_init(|| {
                let process = Reflect::get(&js_sys::global(), &"process".into()).ok()?;
                let builtin = Reflect::get(&process, &"getBuiltinModule".into()).ok()?;
                builtin.is_function().then_some(())?;
                let text = concat!(include_str!("nodefs.js"), "\nreturn nodeFileOps();\n");
                Function::new_no_args(text)
                    .call0(&JsValue::NULL)
                    .ok()
                    .filter(JsValue::is_object)
            })
            .clone()
            .map(NodeFiles)
        })
    }

    /// Calls the function `name` with `args`: its result, or the error it reported (or threw).
    fn call(&self, name: &str, args: &[JsValue]) -> FsResult<JsValue> {
        let f: Function = Reflect::get(&self.0, &name.into())
            .and_then(JsCast::dyn_into)
            .map_err(|e| fs_error(&e, "message", false))?;
        let out = f
            .apply(&JsValue::NULL, &args.iter().collect::<Array>())
            .map_err(|e| fs_error(&e, "message", false))?;
        match Reflect::get(&out, &"error".into()) {
            Ok(code) if out.is_object() && code.is_string() => Err(fs_error(&out, "error", true)),
            _ => Ok(out),
        }
    }

    fn unit(&self, name: &str, args: &[JsValue]) -> FsResult<()> {
        self.call(name, args).map(drop)
    }

    fn yes(&self, name: &str, args: &[JsValue]) -> bool {
        self.call(name, args)
            .is_ok_and(|v| v.as_bool() == Some(true))
    }

    /// Node's file system, or the error of a data directory outside Node.
    pub fn get_or_refuse() -> Result<NodeFiles> {
        NodeFiles::get().ok_or_else(|| {
            KmsError::Storage(
                "a data directory needs Node's file system (Node 20.16 or later); in a browser, use `new Kms()`"
                    .to_owned(),
            )
        })
    }
}

/// The error a function reported (`{ error, opening }`), or what it threw after all.
fn fs_error(v: &JsValue, member: &str, reported: bool) -> FsError {
    let get = |m: &str| Reflect::get(v, &m.into()).ok().filter(|_| v.is_object());
    let text = get(member)
        .and_then(|t| t.as_string())
        .or_else(|| v.as_string())
        .unwrap_or_else(|| "an exception".to_owned());
    let kind = match text.as_str() {
        "ENOENT" if reported => FsErrorKind::NotFound,
        "EEXIST" if reported => FsErrorKind::Exists,
        _ => FsErrorKind::Other,
    };
    let opening = get("opening").and_then(|o| o.as_bool()) == Some(true);
    FsError {
        kind,
        text,
        opening,
    }
}

impl Files for NodeFiles {
    fn resolve(&self, path: &str) -> FsResult<String> {
        let out = self.call("resolve", &[path.into()])?;
        Ok(out.as_string().unwrap_or_else(|| path.to_owned()))
    }
    fn create_dir(&self, path: &str) -> FsResult<()> {
        self.unit("createDir", &[path.into()])
    }
    fn read(&self, path: &str) -> FsResult<Vec<u8>> {
        let out = self.call("read", &[path.into()])?;
        let bytes = out.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec);
        bytes.ok_or_else(|| fs_error(&"gave no bytes".into(), "", false))
    }
    fn exists(&self, path: &str) -> bool {
        self.yes("exists", &[path.into()])
    }
    fn write(&self, path: &str, how: Open, bytes: &[u8], sync: bool) -> FsResult<()> {
        let flags = match how {
            Open::New => "wx",
            Open::Create => "w",
            Open::Append => "a",
        };
        let bytes = Uint8Array::from(bytes).into();
        self.unit("write", &[path.into(), flags.into(), bytes, sync.into()])
    }
    fn truncate(&self, path: &str, len: u64) -> FsResult<()> {
        // File lengths stay far below 2^53, where f64 is exact.
        self.unit("truncate", &[path.into(), (len as f64).into()])
    }
    fn link(&self, from: &str, to: &str) -> FsResult<()> {
        self.unit("link", &[from.into(), to.into()])
    }
    fn rename(&self, from: &str, to: &str) -> FsResult<()> {
        self.unit("rename", &[from.into(), to.into()])
    }
    fn remove(&self, path: &str) -> FsResult<()> {
        self.unit("remove", &[path.into()])
    }
    fn sync_dir(&self, path: &str) -> FsResult<()> {
        self.unit("syncDir", &[path.into()])
    }
    fn process(&self) -> u32 {
        let pid = self.call("process", &[]).ok().and_then(|v| v.as_f64());
        pid.map_or(0, |p| p as u32)
    }
    fn alive(&self, pid: u32) -> bool {
        self.yes("alive", &[pid.into()])
    }
    fn env(&self, name: &str) -> Option<String> {
        self.call("env", &[name.into()]).ok()?.as_string()
    }
}

/// Whether Node's file system can be reached (Node 20.16 or later).
pub fn available() -> bool {
    NodeFiles::get().is_some()
}
