//! The one way trustlint reads a file from disk: inputs, sibling modules, stack and project
//! files, `.gitignore`s, `--config` and `--baseline`. It applies a size limit and refuses what is
//! not a regular file (a FIFO would block the run, `/dev/zero` would fill memory), and it checks
//! again on the opened handle, so a file swapped for a FIFO or a device after the walk is still
//! refused, and a file that grows while it is read is cut off at the limit rather than followed.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::Path;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file (a FIFO, a socket, a device, a folder), possibly through a symlink.
    NotRegular(&'static str),
    /// Larger than the limit (`size` is what was seen: the size on disk, or the limit plus one
    /// for a file that grew while it was read).
    TooLarge {
        size: u64,
        limit: u64,
    },
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(what) => write!(f, "not a regular file ({what})"),
            ReadError::TooLarge { size, limit } => write!(
                f,
                "{:.1} MiB is over the {:.1} MiB size limit",
                *size as f64 / 1_048_576.0,
                *limit as f64 / 1_048_576.0
            ),
            ReadError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Read at most `limit` bytes of the regular file at `path` (symlinks followed, to a regular file
/// only).
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // First look without opening: opening a FIFO for reading would block until a writer comes.
    check(&std::fs::metadata(path).map_err(ReadError::Io)?, limit)?;
    read_listed_file(path, limit)
}

/// [`read_file`] for a path that a folder listing has just shown to be a regular file (not a
/// symlink): opened without looking first, which saves a system call per file of a walk. The
/// open does not block (a FIFO swapped in since the listing opens at once), and what was opened
/// is checked as [`read_file`] checks it.
pub fn read_listed_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut file = open_nonblocking(path).map_err(ReadError::Io)?;
    // Then look again at what was opened: the path may have been swapped in between.
    let metadata = file.metadata().map_err(ReadError::Io)?;
    check(&metadata, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // One byte past the limit tells a file that grew since the check from one that fits.
    (&mut file).take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// [`read_file`] as UTF-8 text; invalid UTF-8 is an error.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read_file(path, limit)?)
        .map_err(|e| ReadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error())))
}

fn check(metadata: &std::fs::Metadata, limit: u64) -> Result<(), ReadError> {
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(kind(metadata)));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge { size: metadata.len(), limit });
    }
    Ok(())
}

fn kind(metadata: &std::fs::Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
    }
    "not a file"
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // A FIFO swapped in after the check opens at once instead of waiting for a writer; the
    // flag changes nothing for regular files.
    OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "hello").unwrap();
        assert_eq!(read_file(&path, 5).unwrap(), b"hello");
        assert!(matches!(read_file(&path, 4), Err(ReadError::TooLarge { size: 5, limit: 4 })));
        assert!(matches!(read_file(dir.path(), 100), Err(ReadError::NotRegular("a folder"))));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_fifos_and_devices_even_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let zero = dir.path().join("zero.ts");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(matches!(read_file(&zero, 1 << 20), Err(ReadError::NotRegular("a device"))));
        let fifo = dir.path().join("fifo.yaml");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        // Nobody writes to the FIFO: reading it would block forever.
        assert!(matches!(read_file(&fifo, 1 << 20), Err(ReadError::NotRegular("a FIFO"))));
        let error = read_file(&fifo, 1 << 20).unwrap_err().to_string();
        assert_eq!(error, "not a regular file (a FIFO)");
        // Swapped in after a listing showed a regular file: opened without blocking, refused.
        assert!(matches!(read_listed_file(&fifo, 1 << 20), Err(ReadError::NotRegular("a FIFO"))));
        assert!(matches!(read_listed_file(&zero, 1 << 20), Err(ReadError::NotRegular("a device"))));
    }
}
