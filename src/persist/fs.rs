//! [`Dir`] on a file system: the data directory's rules, written once for every platform. The
//! directory is locked for one process (a stale lock, whose process is gone, is taken over);
//! a file is replaced through a synced temporary file renamed over it, and created whole or not
//! at all through one linked in place; the directory is synced whenever a name in it changes.
//! [`Files`] is the platform: `std::fs` natively ([`StdFiles`], [`FsDir`]), `node:fs` in the
//! Node binding.

use super::{
    root_for, Dir, GroupedStore, LogBackend, Root, Shared, StoreKey, LOCK, PASSPHRASE_ENV,
};
use crate::env::{Entropy, OsEntropy};
use crate::error::{KmsError, Result};

pub use super::ROOT_KEY_FILE;

/// What a file system failure was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsErrorKind {
    /// The file is not there.
    NotFound,
    /// The file is there already.
    Exists,
    /// Anything else.
    Other,
}

/// A failure of the platform's file system: its kind, and its text (Node's error code, or
/// `std::io::Error`'s message) for the error that names the file.
#[derive(Clone, Debug)]
pub struct FsError {
    /// What it was.
    pub kind: FsErrorKind,
    /// How the platform says it.
    pub text: String,
    /// Whether opening the file failed (or else writing, syncing or cutting it).
    pub opening: bool,
}

/// What a file operation comes to.
pub type FsResult<T> = std::result::Result<T, FsError>;

/// How [`Files::write`] opens a file (created, readable by the owner only, if it is not there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Open {
    /// Only a file that is not there yet.
    New,
    /// Emptied first.
    Create,
    /// Written at its end.
    Append,
}

/// The file operations of a platform, by path, synchronous.
pub trait Files {
    /// `path` made absolute, as errors and `dataDir` name it.
    fn resolve(&self, path: &str) -> FsResult<String>;
    /// Creates the directory `path` and its parents (mode 0700), unless they exist.
    fn create_dir(&self, path: &str) -> FsResult<()>;
    /// The whole content of `path`.
    fn read(&self, path: &str) -> FsResult<Vec<u8>>;
    /// Whether `path` exists.
    fn exists(&self, path: &str) -> bool;
    /// Opens `path` as `how` says, writes all of `bytes`, syncs the file if `sync`, closes it.
    fn write(&self, path: &str, how: Open, bytes: &[u8], sync: bool) -> FsResult<()>;
    /// Cuts `path` to its first `len` bytes and syncs it.
    fn truncate(&self, path: &str, len: u64) -> FsResult<()>;
    /// Makes `to` a second name of `from`; fails if `to` exists.
    fn link(&self, from: &str, to: &str) -> FsResult<()>;
    /// Renames `from` over `to`.
    fn rename(&self, from: &str, to: &str) -> FsResult<()>;
    /// Removes the file `path`.
    fn remove(&self, path: &str) -> FsResult<()>;
    /// Syncs the directory `path` (its names).
    fn sync_dir(&self, path: &str) -> FsResult<()>;
    /// This process's ID.
    fn process(&self) -> u32;
    /// Whether another process `pid` is running.
    fn alive(&self, pid: u32) -> bool;
    /// An environment variable of this process, if it is set.
    fn env(&self, name: &str) -> Option<String>;
}

fn failed(what: &str, path: &str, e: &FsError) -> KmsError {
    KmsError::Storage(format!("{what} `{path}` failed: {}", e.text))
}

/// A data directory, locked for this process while the value lives.
#[derive(Debug)]
pub struct DataDir<F: Files> {
    files: F,
    path: String,
}

impl<F: Files> DataDir<F> {
    /// Opens (creating it, with mode 0700) the data directory at `path` and takes its lock. A
    /// directory another live process (or this one) has open is refused with an error naming
    /// that process; the lock of a process that is gone is taken over.
    pub fn open_in(files: F, path: &str) -> Result<Self> {
        let path = files
            .resolve(path)
            .map_err(|e| failed("resolving", path, &e))?;
        files
            .create_dir(&path)
            .map_err(|e| failed("creating the data directory", &path, &e))?;
        let lock = format!("{path}/{LOCK}");
        for _ in 0..2 {
            let pid = files.process().to_string();
            match files.write(&lock, Open::New, pid.as_bytes(), true) {
                Ok(()) => {
                    let dir = DataDir { files, path };
                    dir.sync()?;
                    return Ok(dir);
                }
                Err(e) if e.kind == FsErrorKind::Exists && e.opening => {
                    let holder = files.read(&lock).unwrap_or_default();
                    let holder = String::from_utf8_lossy(&holder).trim().to_owned();
                    let alive = holder.bytes().all(|b| b.is_ascii_digit())
                        && holder
                            .parse::<u32>()
                            .is_ok_and(|p| p > 0 && (p == files.process() || files.alive(p)));
                    if alive {
                        return Err(KmsError::Storage(format!(
                            "the data directory `{path}` is in use by process {holder} (one process at a time may open a store)"
                        )));
                    }
                    // The process that held it is gone: the lock is stale.
                    match files.remove(&lock) {
                        Err(e) if e.kind != FsErrorKind::NotFound => {
                            return Err(failed("removing the stale lock file", &lock, &e))
                        }
                        _ => {}
                    }
                }
                Err(e) if e.opening => return Err(failed("creating the lock file", &lock, &e)),
                Err(e) => {
                    let _ = files.remove(&lock);
                    return Err(failed("writing the lock file", &lock, &e));
                }
            }
        }
        Err(KmsError::Storage(format!(
            "the lock of `{path}` could not be taken"
        )))
    }

    /// Opens the data directory at `path` as [`DataDir::open_in`] does, with the root key of
    /// its store ([`root_for`]: `passphrase`, else the [`PASSPHRASE_ENV`] environment
    /// variable, else the key in `root.key`).
    pub fn open_with_root(
        files: F,
        path: &str,
        passphrase: Option<zeroize::Zeroizing<String>>,
        entropy: &mut dyn Entropy,
    ) -> Result<(Self, Root)> {
        let mut dir = DataDir::open_in(files, path)?;
        let env = dir.files.env(PASSPHRASE_ENV).map(zeroize::Zeroizing::new);
        let root = root_for(&mut dir, passphrase, env, entropy)?;
        Ok((dir, root))
    }

    /// Opens (or creates) the durable store in the data directory at `path`, with the root key
    /// of [`DataDir::open_with_root`]; its commits wait for the binding to flush the journal it
    /// also gives (group commit).
    pub fn open_grouped(
        files: F,
        path: &str,
        passphrase: Option<zeroize::Zeroizing<String>>,
    ) -> Result<(GroupedStore<Self>, Shared<LogBackend<Self>>, StoreKey)> {
        let (dir, root) = DataDir::open_with_root(files, path, passphrase, &mut OsEntropy)?;
        GroupedStore::open_grouped(dir, &root, Box::new(OsEntropy))
    }

    /// Restores `backup` (opened with `backup_passphrase`) into the data directory at `path`,
    /// which must hold no store; the restored store's key is wrapped as a new store's would be.
    pub fn restore(
        files: F,
        path: &str,
        backup: &[u8],
        backup_passphrase: &[u8],
        passphrase: Option<zeroize::Zeroizing<String>>,
    ) -> Result<()> {
        let (mut dir, root) = DataDir::open_with_root(files, path, passphrase, &mut OsEntropy)?;
        super::restore_backup(&mut dir, backup, backup_passphrase, &root, &mut OsEntropy)
    }

    /// The directory's path (absolute, where the platform resolves paths).
    pub fn path(&self) -> &str {
        &self.path
    }

    fn sync(&self) -> Result<()> {
        self.files
            .sync_dir(&self.path)
            .map_err(|e| failed("syncing the data directory", &self.path, &e))
    }

    /// Writes `bytes` to a fresh temporary file beside `name`, synced; its path.
    fn write_temporary(&self, name: &str, how: Open, bytes: &[u8]) -> Result<String> {
        let tmp = self.path_of(&format!("{name}.tmp"));
        self.files
            .write(&tmp, how, bytes, true)
            .map_err(|e| failed(if e.opening { "creating" } else { "writing" }, &tmp, &e))?;
        Ok(tmp)
    }
}

impl<F: Files> Drop for DataDir<F> {
    fn drop(&mut self) {
        // Only this process's own lock: never one another process took over.
        let lock = self.path_of(LOCK);
        let pid = self.files.process().to_string();
        if self
            .files
            .read(&lock)
            .is_ok_and(|held| held.trim_ascii() == pid.as_bytes())
        {
            let _ = self.files.remove(&lock);
        }
    }
}

impl<F: Files> Dir for DataDir<F> {
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path_of(name);
        match self.files.read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind == FsErrorKind::NotFound => Ok(None),
            Err(e) => Err(failed("reading", &path, &e)),
        }
    }

    fn append(&mut self, name: &str, bytes: &[u8], sync: bool) -> Result<()> {
        let path = self.path_of(name);
        let existed = self.files.exists(&path);
        self.files
            .write(&path, Open::Append, bytes, sync)
            .map_err(|e| {
                failed(
                    if e.opening { "opening" } else { "appending to" },
                    &path,
                    &e,
                )
            })?;
        if existed {
            return Ok(());
        }
        self.sync()
    }

    fn replace(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let tmp = self.write_temporary(name, Open::Create, bytes)?;
        let path = self.path_of(name);
        self.files
            .rename(&tmp, &path)
            .map_err(|e| failed("renaming over", &path, &e))?;
        self.sync()
    }

    fn truncate(&mut self, name: &str, len: u64) -> Result<()> {
        let path = self.path_of(name);
        match self.files.truncate(&path, len) {
            Err(e) if e.opening && e.kind == FsErrorKind::NotFound => Ok(()),
            Err(e) => Err(failed(
                if e.opening { "opening" } else { "truncating" },
                &path,
                &e,
            )),
            Ok(()) => Ok(()),
        }
    }

    fn create_new(&mut self, name: &str, bytes: &[u8]) -> Result<bool> {
        let path = self.path_of(name);
        if self.files.exists(&path) {
            return Ok(false);
        }
        let _ = self.files.remove(&self.path_of(&format!("{name}.tmp")));
        let tmp = self.write_temporary(name, Open::New, bytes)?;
        // Linking fails if the file exists: of two processes, one makes it.
        let linked = self.files.link(&tmp, &path);
        let _ = self.files.remove(&tmp);
        match linked {
            Ok(()) => self.sync().map(|()| true),
            Err(e) if e.kind == FsErrorKind::Exists => Ok(false),
            Err(e) => Err(failed("creating", &path, &e)),
        }
    }

    fn path_of(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::{open_store, FsDir, StdFiles};

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::fs::{self, File, OpenOptions};
    use std::io::{ErrorKind, Write as _};
    use std::path::PathBuf;

    use super::{DataDir, FsError, FsErrorKind, FsResult, Open};
    use crate::error::{KmsError, Result};

    /// The native file system.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct StdFiles;

    /// A data directory on the native file system.
    pub type FsDir = DataDir<StdFiles>;

    fn fs_error(e: &std::io::Error, opening: bool) -> FsError {
        let kind = match e.kind() {
            ErrorKind::NotFound => FsErrorKind::NotFound,
            ErrorKind::AlreadyExists => FsErrorKind::Exists,
            _ => FsErrorKind::Other,
        };
        FsError {
            kind,
            text: e.to_string(),
            opening,
        }
    }

    fn io<T>(r: std::io::Result<T>) -> FsResult<T> {
        r.map_err(|e| fs_error(&e, false))
    }

    impl super::Files for StdFiles {
        fn resolve(&self, path: &str) -> FsResult<String> {
            Ok(path.to_owned())
        }

        fn create_dir(&self, path: &str) -> FsResult<()> {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            io(builder.create(path))
        }

        fn read(&self, path: &str) -> FsResult<Vec<u8>> {
            io(fs::read(path))
        }

        fn exists(&self, path: &str) -> bool {
            std::path::Path::new(path).exists()
        }

        fn write(&self, path: &str, how: Open, bytes: &[u8], sync: bool) -> FsResult<()> {
            let mut options = OpenOptions::new();
            match how {
                Open::New => options.write(true).create_new(true),
                Open::Create => options.write(true).create(true).truncate(true),
                Open::Append => options.append(true).create(true),
            };
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(path).map_err(|e| fs_error(&e, true))?;
            io(f.write_all(bytes).and_then(|()| match (sync, how) {
                (false, _) => Ok(()),
                (true, Open::Append) => f.sync_data(),
                (true, _) => f.sync_all(),
            }))
        }

        fn truncate(&self, path: &str, len: u64) -> FsResult<()> {
            let f = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| fs_error(&e, true))?;
            io(f.set_len(len).and_then(|()| f.sync_all()))
        }

        fn link(&self, from: &str, to: &str) -> FsResult<()> {
            io(fs::hard_link(from, to))
        }

        fn rename(&self, from: &str, to: &str) -> FsResult<()> {
            io(fs::rename(from, to))
        }

        fn remove(&self, path: &str) -> FsResult<()> {
            io(fs::remove_file(path))
        }

        fn sync_dir(&self, path: &str) -> FsResult<()> {
            io(File::open(path).and_then(|d| d.sync_all()))
        }

        fn process(&self) -> u32 {
            std::process::id()
        }

        #[cfg(unix)]
        fn alive(&self, pid: u32) -> bool {
            std::path::Path::new(&format!("/proc/{pid}")).exists()
        }

        #[cfg(not(unix))]
        fn alive(&self, _pid: u32) -> bool {
            true
        }

        fn env(&self, name: &str) -> Option<String> {
            std::env::var(name).ok()
        }
    }

    impl DataDir<StdFiles> {
        /// Opens the data directory at `path` on the native file system (see
        /// [`DataDir::open_in`]).
        pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
            let path = path.into().into_os_string().into_string().map_err(|p| {
                KmsError::Storage(format!(
                    "the data directory `{}` is not named in UTF-8",
                    p.to_string_lossy()
                ))
            })?;
            DataDir::open_in(StdFiles, &path)
        }
    }

    /// Opens (or creates) the durable store in the directory at `path`, its store key wrapped
    /// by `root`, or by the key in `root.key` there (made with mode 0600 for a new store).
    pub fn open_store(
        path: impl Into<PathBuf>,
        root: Option<crate::persist::Root>,
    ) -> Result<crate::persist::DurableStore<FsDir>> {
        let mut dir = FsDir::open(path)?;
        let mut entropy = crate::env::OsEntropy;
        let root = match root {
            Some(r) => r,
            None => crate::persist::key_file_root(&mut dir, &mut entropy)?,
        };
        crate::persist::DurableStore::open(dir, &root, Box::new(entropy))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    /// A file system in memory: files by path, the processes alive, what was synced, and the
    /// next operation of a kind made to fail.
    #[derive(Debug, Default)]
    struct Fake {
        files: RefCell<BTreeMap<String, Vec<u8>>>,
        alive: Vec<u32>,
        synced: RefCell<Vec<String>>,
        fail: RefCell<Option<(&'static str, bool)>>,
    }

    fn error(kind: FsErrorKind, text: &str, opening: bool) -> FsError {
        FsError {
            kind,
            text: text.to_owned(),
            opening,
        }
    }

    impl Fake {
        /// Fails if the next operation is `op` and a failure was set for it.
        fn check(&self, op: &str) -> FsResult<()> {
            match self.fail.borrow_mut().take_if(|(o, _)| *o == op) {
                Some((_, opening)) => Err(error(FsErrorKind::Other, "EACCES", opening)),
                None => Ok(()),
            }
        }
    }

    impl Files for &Fake {
        fn resolve(&self, path: &str) -> FsResult<String> {
            Ok(format!("/abs/{path}"))
        }
        fn create_dir(&self, _: &str) -> FsResult<()> {
            Ok(())
        }
        fn read(&self, path: &str) -> FsResult<Vec<u8>> {
            let found = self.files.borrow().get(path).cloned();
            found.ok_or_else(|| error(FsErrorKind::NotFound, "ENOENT", true))
        }
        fn exists(&self, path: &str) -> bool {
            self.files.borrow().contains_key(path)
        }
        fn write(&self, path: &str, how: Open, bytes: &[u8], _: bool) -> FsResult<()> {
            self.check("write")?;
            let mut files = self.files.borrow_mut();
            if how == Open::New && files.contains_key(path) {
                return Err(error(FsErrorKind::Exists, "EEXIST", true));
            }
            let file = files.entry(path.to_owned()).or_default();
            if how != Open::Append {
                file.clear();
            }
            file.extend_from_slice(bytes);
            Ok(())
        }
        fn truncate(&self, path: &str, len: u64) -> FsResult<()> {
            let mut files = self.files.borrow_mut();
            let file = files
                .get_mut(path)
                .ok_or_else(|| error(FsErrorKind::NotFound, "ENOENT", true))?;
            file.truncate(len as usize);
            Ok(())
        }
        fn link(&self, from: &str, to: &str) -> FsResult<()> {
            let mut files = self.files.borrow_mut();
            if files.contains_key(to) {
                return Err(error(FsErrorKind::Exists, "EEXIST", false));
            }
            let bytes = files[from].clone();
            files.insert(to.to_owned(), bytes);
            Ok(())
        }
        fn rename(&self, from: &str, to: &str) -> FsResult<()> {
            let mut files = self.files.borrow_mut();
            let bytes = files.remove(from).unwrap();
            files.insert(to.to_owned(), bytes);
            Ok(())
        }
        fn remove(&self, path: &str) -> FsResult<()> {
            let removed = self.files.borrow_mut().remove(path);
            removed
                .map(drop)
                .ok_or_else(|| error(FsErrorKind::NotFound, "ENOENT", false))
        }
        fn sync_dir(&self, path: &str) -> FsResult<()> {
            self.synced.borrow_mut().push(path.to_owned());
            Ok(())
        }
        fn process(&self) -> u32 {
            7
        }
        fn alive(&self, pid: u32) -> bool {
            self.alive.contains(&pid)
        }
        fn env(&self, _: &str) -> Option<String> {
            None
        }
    }

    fn lock_of(fs: &Fake) -> Option<String> {
        let files = fs.files.borrow();
        files
            .get("/abs/d/LOCK")
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    #[test]
    fn the_lock_holds_the_process_and_is_released_only_by_it() {
        let fs = Fake::default();
        let dir = DataDir::open_in(&fs, "d").unwrap();
        assert_eq!(dir.path(), "/abs/d");
        assert_eq!(lock_of(&fs).as_deref(), Some("7"));
        assert_eq!(
            *fs.synced.borrow(),
            ["/abs/d"],
            "the new lock's name is synced"
        );
        // This process has it open: a second open is refused, naming the process.
        let e = DataDir::open_in(&fs, "d").unwrap_err();
        assert!(
            e.to_string().contains("`/abs/d` is in use by process 7"),
            "{e}"
        );
        // Another process took the lock over: dropping leaves its lock alone.
        fs.files
            .borrow_mut()
            .insert("/abs/d/LOCK".into(), b"9".to_vec());
        drop(dir);
        assert_eq!(lock_of(&fs).as_deref(), Some("9"));
    }

    #[test]
    fn a_live_holder_refuses_and_a_gone_one_is_taken_over() {
        let fs = Fake {
            alive: vec![41],
            ..Fake::default()
        };
        fs.files
            .borrow_mut()
            .insert("/abs/d/LOCK".into(), b"41\n".to_vec());
        let e = DataDir::open_in(&fs, "d").unwrap_err();
        assert!(e.to_string().contains("in use by process 41"), "{e}");
        for stale in ["4194305", "not a pid", ""] {
            fs.files
                .borrow_mut()
                .insert("/abs/d/LOCK".into(), stale.as_bytes().to_vec());
            let dir = DataDir::open_in(&fs, "d").unwrap();
            assert_eq!(
                lock_of(&fs).as_deref(),
                Some("7"),
                "{stale:?} is taken over"
            );
            drop(dir);
            assert_eq!(lock_of(&fs), None, "closing removes its own lock");
        }
    }

    #[test]
    fn a_lock_that_cannot_be_written_is_named_and_left_behind_by_no_one() {
        let fs = Fake::default();
        *fs.fail.borrow_mut() = Some(("write", false));
        let e = DataDir::open_in(&fs, "d").unwrap_err();
        let message = e.message().unwrap_or_default();
        assert_eq!(
            message,
            "writing the lock file `/abs/d/LOCK` failed: EACCES"
        );
        assert_eq!(lock_of(&fs), None);
        *fs.fail.borrow_mut() = Some(("write", true));
        let e = DataDir::open_in(&fs, "d").unwrap_err();
        assert!(
            e.to_string()
                .contains("creating the lock file `/abs/d/LOCK` failed: EACCES"),
            "{e}"
        );
    }

    #[test]
    fn files_are_replaced_and_created_whole_and_the_directory_synced() {
        let fs = Fake::default();
        let mut dir = DataDir::open_in(&fs, "d").unwrap();
        assert_eq!(dir.read("journal").unwrap(), None);
        dir.append("journal", b"ab", true).unwrap();
        dir.append("journal", b"cd", false).unwrap();
        assert_eq!(dir.read("journal").unwrap().unwrap(), b"abcd");
        dir.truncate("journal", 3).unwrap();
        dir.truncate("missing", 3).unwrap();
        assert_eq!(dir.read("journal").unwrap().unwrap(), b"abc");
        dir.replace("keyring", b"one").unwrap();
        dir.replace("keyring", b"two").unwrap();
        assert_eq!(dir.read("keyring").unwrap().unwrap(), b"two");
        assert!(dir.create_new("root.key", b"first").unwrap());
        assert!(!dir.create_new("root.key", b"second").unwrap());
        assert_eq!(dir.read("root.key").unwrap().unwrap(), b"first");
        assert!(!fs.files.borrow().keys().any(|k| k.ends_with(".tmp")));
        // The lock, the new journal, two replacements and one creation.
        assert_eq!(fs.synced.borrow().len(), 5);
        *fs.fail.borrow_mut() = Some(("write", false));
        let e = dir.replace("keyring", b"three").unwrap_err();
        assert!(
            e.to_string()
                .contains("writing `/abs/d/keyring.tmp` failed: EACCES"),
            "{e}"
        );
        assert_eq!(dir.read("keyring").unwrap().unwrap(), b"two");
    }
}
