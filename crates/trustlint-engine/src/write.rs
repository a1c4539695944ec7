//! Writing files: reports, baselines and fixed sources. Each write goes to a temporary file in
//! the target's folder that is then renamed over the target, so a reader never sees half a file,
//! a failed write (a full disk) leaves the old file whole, and a symbolic link at the target is
//! replaced itself, never written through to whatever it points at.

use std::fs::{self, Permissions};
use std::io::{self, Write};
use std::path::Path;

/// Write `contents` to `path` atomically (see the module documentation). A file replaced keeps
/// its permissions; a new file is readable by all and writable by its owner.
///
/// A device, pipe or socket at `path` (`/dev/null`, `/dev/stdout`, a FIFO), also behind a link, is
/// a stream with no content to lose: it is written directly, never replaced.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomically_with(path, |out| out.write_all(contents))
}

/// [`write_atomically`], with the contents written by `write` (through a buffer), so a long
/// report is streamed to the file instead of built in memory first.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if let Ok(metadata) = fs::metadata(path)
        && !metadata.is_file()
        && !metadata.is_dir()
    {
        let mut stream = io::BufWriter::new(fs::OpenOptions::new().write(true).open(path)?);
        write(&mut stream)?;
        return stream.flush();
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let kept = match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => {
            return Err(io::Error::new(io::ErrorKind::IsADirectory, "it is a folder"));
        }
        Ok(metadata) if metadata.is_file() => Some(metadata.permissions()),
        _ => None,
    };
    let mut temporary = tempfile::Builder::new().prefix(".trustlint-").suffix(".tmp").tempfile_in(folder)?;
    {
        let mut buffered = io::BufWriter::new(temporary.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    temporary.as_file().sync_all()?;
    // Temporary files are private to their owner; a report or source file is not.
    if let Some(permissions) = kept.or_else(new_file_permissions) {
        temporary.as_file().set_permissions(permissions)?;
    }
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(unix)]
fn new_file_permissions() -> Option<Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_file_and_keeps_its_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.txt");
        fs::write(&path, "old").unwrap();
        let mut permissions = fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions.clone()).unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert!(fs::metadata(&path).unwrap().permissions().readonly());
        // Nothing else is left in the folder.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn replaces_a_symlink_instead_of_writing_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious.txt");
        fs::write(&target, "keep me").unwrap();
        let link = dir.path().join("report.txt");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomically(&link, b"report").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep me");
        assert!(fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(fs::read_to_string(&link).unwrap(), "report");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_not_replaced() {
        write_atomically(Path::new("/dev/null"), b"discarded").unwrap();
        assert!(!fs::metadata("/dev/null").unwrap().is_file());
        let error = write_atomically(Path::new("/dev/full"), b"x").unwrap_err();
        assert_eq!(error.raw_os_error(), Some(28), "{error}");
        // Through a link too.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        write_atomically(&link, b"discarded").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }

    #[test]
    fn a_folder_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let error = write_atomically(dir.path(), b"x").unwrap_err();
        assert!(error.to_string().contains("folder"), "{error}");
    }
}
