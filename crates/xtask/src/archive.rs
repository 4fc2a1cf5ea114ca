//! Release archives: deterministic `.tar.gz` and `.zip` (Windows) files krew accepts (regular
//! files only, no links, no `..`), their sha256, and unpacking them with krew's rules.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Component, Path};

use anyhow::{bail, Context, Result};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};

/// One file to put into an archive.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its name inside the archive (a plain file name).
    pub name: String,
    /// Where its bytes come from.
    pub source: std::path::PathBuf,
    /// Unix permissions (0o755 for binaries, 0o644 otherwise).
    pub mode: u32,
}

/// Writes `entries` as a gzip'ed tar with fixed owners, times and order, so the same inputs
/// always give the same bytes (and the same sha256). `level` is gzip's 0-9 (releases use 9;
/// tests packaging debug binaries use 1).
pub fn write_tar_gz(path: &Path, entries: &[Entry], level: u32) -> Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let gz: GzEncoder<File> = GzBuilder::new()
        .mtime(0)
        .write(file, Compression::new(level));
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for entry in sorted {
        if entry.name.contains('/') || entry.name == ".." || entry.name.is_empty() {
            bail!("archive entries are plain file names, not {:?}", entry.name);
        }
        let bytes = std::fs::read(&entry.source)
            .with_context(|| format!("reading {}", entry.source.display()))?;
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(entry.mode);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        tar.append_data(&mut header, &entry.name, bytes.as_slice())
            .with_context(|| format!("adding {}", entry.name))?;
    }
    let gz = tar.into_inner()?;
    let mut file = gz.finish()?;
    file.flush()?;
    Ok(())
}

/// Writes `entries` as a zip (deflate at `level` 0-9) with fixed times (1980-01-01, zip's
/// earliest) and order, so the same inputs always give the same bytes. krew tells zip from
/// tar.gz by content, and Windows users can open it without extra tools.
pub fn write_zip(path: &Path, entries: &[Entry], level: u32) -> Result<()> {
    use zip::write::SimpleFileOptions;
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for entry in sorted {
        if entry.name.contains(['/', '\\']) || entry.name == ".." || entry.name.is_empty() {
            bail!("archive entries are plain file names, not {:?}", entry.name);
        }
        let bytes = std::fs::read(&entry.source)
            .with_context(|| format!("reading {}", entry.source.display()))?;
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(i64::from(level)))
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(entry.mode);
        zip.start_file(entry.name.as_str(), options)
            .with_context(|| format!("adding {}", entry.name))?;
        zip.write_all(&bytes)?;
    }
    zip.finish()?.flush()?;
    Ok(())
}

/// The names of the entries of a `.zip`, refusing what krew refuses (links, paths leaving it).
pub fn list_zip(path: &Path) -> Result<Vec<String>> {
    let mut zip = zip::ZipArchive::new(File::open(path)?)
        .with_context(|| format!("{} is not a zip", path.display()))?;
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index(i)?;
        let name = entry.name()?.into_owned();
        if entry.is_symlink() {
            bail!("{name}: krew accepts only regular files and folders, not a link");
        }
        let kind = if entry.is_dir() {
            tar::EntryType::Directory
        } else {
            tar::EntryType::Regular
        };
        check_entry(&name, kind)?;
        names.push(name);
    }
    Ok(names)
}

/// The lowercase hex sha256 of a file, as krew manifests spell it.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut reader =
        BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?);
    let mut hasher = Sha256::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The names of the entries of a `.tar.gz`, with their type, refusing what krew refuses.
pub fn list(path: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut archive = tar::Archive::new(GzDecoder::new(File::open(path)?));
    for entry in archive.entries()? {
        let entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        check_entry(&name, entry.header().entry_type())?;
        names.push(name);
    }
    Ok(names)
}

fn check_entry(name: &str, kind: tar::EntryType) -> Result<()> {
    if !(kind.is_file() || kind.is_dir()) {
        bail!("{name}: krew accepts only regular files and folders, not {kind:?}");
    }
    let path = Path::new(name);
    if path.is_absolute()
        || path.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        })
    {
        bail!("{name}: krew refuses paths that leave the archive");
    }
    Ok(())
}

/// Unpacks a `.tar.gz` into `dest` as krew does: only files and folders, nothing outside `dest`,
/// permissions kept.
pub fn unpack(path: &Path, dest: &Path) -> Result<()> {
    std::fs::create_dir_all(dest)?;
    let mut archive = tar::Archive::new(GzDecoder::new(File::open(path)?));
    archive.set_preserve_permissions(true);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        check_entry(&name, entry.header().entry_type())?;
        entry.unpack_in(dest)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_are_deterministic_and_hold_plain_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tool");
        std::fs::write(&file, b"#!/bin/sh\necho hi\n").unwrap();
        let entries = [Entry {
            name: "tool".into(),
            source: file.clone(),
            mode: 0o755,
        }];
        let a = dir.path().join("a.tar.gz");
        let b = dir.path().join("b.tar.gz");
        write_tar_gz(&a, &entries, 9).unwrap();
        write_tar_gz(&b, &entries, 9).unwrap();
        assert_eq!(sha256_file(&a).unwrap(), sha256_file(&b).unwrap());
        assert_eq!(sha256_file(&a).unwrap().len(), 64);
        assert_eq!(list(&a).unwrap(), ["tool"]);
        let out = dir.path().join("out");
        unpack(&a, &out).unwrap();
        assert_eq!(
            std::fs::read(out.join("tool")).unwrap(),
            std::fs::read(&file).unwrap()
        );
        let bad = [Entry {
            name: "../tool".into(),
            source: file,
            mode: 0o755,
        }];
        assert!(write_tar_gz(&dir.path().join("c.tar.gz"), &bad, 1).is_err());
    }

    #[test]
    fn zips_are_deterministic_and_hold_plain_files() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("tool.exe");
        std::fs::write(&exe, b"MZ not really").unwrap();
        let license = dir.path().join("LICENSE");
        std::fs::write(&license, b"Apache-2.0").unwrap();
        let entries = [
            Entry {
                name: "tool.exe".into(),
                source: exe.clone(),
                mode: 0o755,
            },
            Entry {
                name: "LICENSE".into(),
                source: license,
                mode: 0o644,
            },
        ];
        let a = dir.path().join("a.zip");
        let b = dir.path().join("b.zip");
        write_zip(&a, &entries, 9).unwrap();
        write_zip(&b, &entries, 9).unwrap();
        assert_eq!(sha256_file(&a).unwrap(), sha256_file(&b).unwrap());
        assert_eq!(list_zip(&a).unwrap(), ["LICENSE", "tool.exe"]);
        let mut zip = zip::ZipArchive::new(File::open(&a).unwrap()).unwrap();
        let mut bytes = Vec::new();
        zip.by_name("tool.exe")
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        assert_eq!(bytes, std::fs::read(&exe).unwrap());
        let bad = [Entry {
            name: "..\\tool.exe".into(),
            source: exe,
            mode: 0o755,
        }];
        assert!(write_zip(&dir.path().join("c.zip"), &bad, 1).is_err());
    }

    #[test]
    fn links_are_refused_like_krew_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("link.tar.gz");
        let gz = GzBuilder::new().write(File::create(&path).unwrap(), Compression::fast());
        let mut tar = tar::Builder::new(gz);
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        header.set_cksum();
        tar.append_link(&mut header, "kubectl-x", "/etc/passwd")
            .unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        let err = list(&path).unwrap_err().to_string();
        assert!(err.contains("only regular files"), "{err}");
        assert!(unpack(&path, &dir.path().join("out")).is_err());
    }
}
