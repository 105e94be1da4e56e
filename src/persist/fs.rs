//! [`Dir`] on the native file system (`std::fs`), with an exclusive lock on the directory.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};

use super::Dir;
use crate::error::{KmsError, Result};

pub use super::{LOCK, ROOT_KEY_FILE};

/// A data directory, locked for this process while the value lives.
#[derive(Debug)]
pub struct FsDir {
    path: PathBuf,
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> KmsError {
    KmsError::Storage(format!("{what} `{}` failed: {e}", path.display()))
}

impl FsDir {
    /// Opens (creating it, with mode 0700) the data directory at `path` and takes its lock. A
    /// directory another live process has open is refused with an error naming that process.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder
            .create(&path)
            .map_err(|e| io_error("creating the data directory", &path, &e))?;
        let lock = path.join(LOCK);
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&lock) {
                Ok(mut f) => {
                    f.write_all(std::process::id().to_string().as_bytes())
                        .and_then(|()| f.sync_all())
                        .map_err(|e| io_error("writing the lock file", &lock, &e))?;
                    return Ok(FsDir { path });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&lock).unwrap_or_default();
                    let pid = holder.trim().parse::<u32>().ok();
                    if pid.is_some_and(process_alive) {
                        return Err(KmsError::Storage(format!(
                            "the data directory `{}` is in use by process {} (one process at a time may open a store)",
                            path.display(),
                            holder.trim()
                        )));
                    }
                    // The process that held it is gone: the lock is stale.
                    fs::remove_file(&lock)
                        .map_err(|e| io_error("removing the stale lock file", &lock, &e))?;
                }
                Err(e) => return Err(io_error("creating the lock file", &lock, &e)),
            }
        }
        Err(KmsError::Storage(format!(
            "the lock of `{}` could not be taken",
            path.display()
        )))
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sync_dir(&self) -> Result<()> {
        File::open(&self.path)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error("syncing the data directory", &self.path, &e))
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

impl Drop for FsDir {
    fn drop(&mut self) {
        let _ = fs::remove_file(self.path.join(LOCK));
    }
}

impl Dir for FsDir {
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path.join(name);
        match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("reading", &path, &e)),
        }
    }

    fn append(&mut self, name: &str, bytes: &[u8], sync: bool) -> Result<()> {
        let path = self.path.join(name);
        let existed = path.exists();
        let mut f = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_error("opening", &path, &e))?;
        f.write_all(bytes)
            .and_then(|()| if sync { f.sync_data() } else { Ok(()) })
            .map_err(|e| io_error("appending to", &path, &e))?;
        if !existed {
            self.sync_dir()?;
        }
        Ok(())
    }

    fn replace(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path.join(name);
        let tmp = self.path.join(format!("{name}.tmp"));
        let mut f = File::create(&tmp).map_err(|e| io_error("creating", &tmp, &e))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| io_error("writing", &tmp, &e))?;
        fs::rename(&tmp, &path).map_err(|e| io_error("renaming over", &path, &e))?;
        self.sync_dir()
    }

    fn truncate(&mut self, name: &str, len: u64) -> Result<()> {
        let path = self.path.join(name);
        match OpenOptions::new().write(true).open(&path) {
            Ok(f) => f
                .set_len(len)
                .and_then(|()| f.sync_all())
                .map_err(|e| io_error("truncating", &path, &e)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("opening", &path, &e)),
        }
    }

    fn create_new(&mut self, name: &str, bytes: &[u8]) -> Result<bool> {
        let path = self.path.join(name);
        if path.exists() {
            return Ok(false);
        }
        let tmp = self.path.join(format!("{name}.tmp"));
        let _ = fs::remove_file(&tmp);
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .map_err(|e| io_error("creating", &tmp, &e))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| io_error("writing", &tmp, &e))?;
        // Linking fails if the file exists: of two processes, one makes it.
        let linked = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => self.sync_dir().map(|()| true),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(io_error("creating", &path, &e)),
        }
    }

    fn path_of(&self, name: &str) -> String {
        self.path.join(name).display().to_string()
    }
}

/// Opens (or creates) the durable store in the directory at `path`, its store key wrapped by
/// `root`, or by the key in `root.key` there (made with mode 0600 for a new store).
pub fn open_store(
    path: impl Into<PathBuf>,
    root: Option<super::Root>,
) -> Result<super::DurableStore<FsDir>> {
    let mut dir = FsDir::open(path)?;
    let mut entropy = crate::env::OsEntropy;
    let root = match root {
        Some(r) => r,
        None => super::key_file_root(&mut dir, &mut entropy)?,
    };
    super::DurableStore::open(dir, &root, Box::new(entropy))
}
