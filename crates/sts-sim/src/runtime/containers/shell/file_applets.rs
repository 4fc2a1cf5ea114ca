//! The applets that read or change the volumes: `cat`, `ls`, `df`, `stat` and `rm`, with
//! busybox or GNU coreutils wording.

use crate::runtime::containers::shell::Shell;
use crate::runtime::containers::{mount_capacity, normalize, Mount, VolumeKind};

impl Shell<'_> {
    pub(super) fn cat(
        &mut self,
        args: &[String],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let files: Vec<&String> = args
            .iter()
            .filter(|a| a.as_str() == "-" || !a.starts_with('-'))
            .collect();
        if files.is_empty() {
            out.extend_from_slice(stdin);
            return 0;
        }
        let mut status = 0;
        for f in files {
            if f == "-" {
                out.extend_from_slice(stdin);
                continue;
            }
            let abs = self.abs(f);
            if self.view.is_dir(self.fs(), &abs) {
                let msg = if self.busybox() {
                    "cat: read error: Is a directory\n".to_string()
                } else {
                    format!("cat: {f}: Is a directory\n")
                };
                err.extend_from_slice(msg.as_bytes());
                status = 1;
                continue;
            }
            match self.view.read_file(self.fs(), &abs) {
                Some(data) => out.extend_from_slice(&data),
                None => {
                    let msg = if self.busybox() {
                        format!("cat: can't open '{f}': No such file or directory\n")
                    } else {
                        format!("cat: {f}: No such file or directory\n")
                    };
                    err.extend_from_slice(msg.as_bytes());
                    status = 1;
                }
            }
        }
        status
    }

    pub(super) fn ls(&mut self, args: &[String], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        let mut long = false;
        let mut all = false;
        let mut paths = Vec::new();
        for a in args {
            match a.strip_prefix('-') {
                Some(flags) if !flags.is_empty() => {
                    long |= flags.contains('l');
                    all |= flags.contains('a') || flags.contains('A');
                }
                _ => paths.push(a.clone()),
            }
        }
        if paths.is_empty() {
            paths.push(".".into());
        }
        let date = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%b %e %H:%M")
            .to_string();
        let line = |name: &str, dir: bool, size: usize| {
            if dir {
                format!("drwxr-xr-x    2 root     root          4096 {date} {name}\n")
            } else {
                format!("-rw-r--r--    1 root     root     {size:>9} {date} {name}\n")
            }
        };
        let mut status = 0;
        let multi = paths.len() > 1;
        for (i, p) in paths.iter().enumerate() {
            let abs = self.abs(p);
            if self.view.is_dir(self.fs(), &abs) {
                if multi {
                    if i > 0 {
                        out.push(b'\n');
                    }
                    out.extend_from_slice(format!("{p}:\n").as_bytes());
                }
                let mut names = self.view.list_dir(self.fs(), &abs);
                if all {
                    names.insert(0, "..".into());
                    names.insert(0, ".".into());
                } else {
                    names.retain(|n| !n.starts_with('.'));
                }
                if long {
                    out.extend_from_slice(format!("total {}\n", names.len() * 4).as_bytes());
                }
                for n in names {
                    if long {
                        let child = normalize(&abs, &n);
                        let dir = self.view.is_dir(self.fs(), &child);
                        let size = if dir {
                            0
                        } else {
                            self.view
                                .read_file(self.fs(), &child)
                                .map_or(0, |d| d.len())
                        };
                        out.extend_from_slice(line(&n, dir, size).as_bytes());
                    } else {
                        out.extend_from_slice(format!("{n}\n").as_bytes());
                    }
                }
            } else if let Some(data) = self.view.read_file(self.fs(), &abs) {
                if long {
                    out.extend_from_slice(line(p, false, data.len()).as_bytes());
                } else {
                    out.extend_from_slice(format!("{p}\n").as_bytes());
                }
            } else {
                let msg = if self.busybox() {
                    format!("ls: {p}: No such file or directory\n")
                } else {
                    format!("ls: cannot access '{p}': No such file or directory\n")
                };
                err.extend_from_slice(msg.as_bytes());
                status = if self.busybox() { 1 } else { 2 };
            }
        }
        status
    }

    pub(super) fn df(&mut self, args: &[String], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        #[derive(PartialEq)]
        enum Unit {
            K,
            B,
            Human,
        }
        let mut unit = Unit::K;
        let mut posix = false;
        let mut paths = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-k" => unit = Unit::K,
                "-h" => unit = Unit::Human,
                "-P" => posix = true,
                "-B1" => unit = Unit::B,
                "-B" => {
                    if it.next().map(String::as_str) == Some("1") {
                        unit = Unit::B;
                    }
                }
                "-Pk" | "-kP" => {
                    posix = true;
                    unit = Unit::K;
                }
                s if s.starts_with('-') && s.len() > 1 => {}
                _ => paths.push(a.clone()),
            }
        }
        // Rows: (filesystem, capacity, used, mount point)
        let mut rows: Vec<(String, u64, u64, String)> = Vec::new();
        let mut status = 0;
        let row_for = |sh: &Self, path: &str| -> (String, u64, u64, String) {
            let (view, mount) = sh.view.mount_of(path);
            let loc_volume = mount.map_or_else(|| view.root_volume(), |m| m.volume_id.clone());
            let used = sh.fs().usage(&loc_volume).0;
            let cap = mount_capacity(sh.state, &view.namespace, mount);
            let (fs_name, mp) = match mount {
                None => ("overlay".to_string(), "/".to_string()),
                Some(m) => {
                    let name = match m.kind {
                        VolumeKind::Claim { .. } => "/dev/sdb".to_string(),
                        VolumeKind::EmptyDir => "tmpfs".to_string(),
                        _ => "/dev/vda1".to_string(),
                    };
                    (name, m.path.clone())
                }
            };
            (fs_name, cap, used.min(cap), mp)
        };
        if paths.is_empty() {
            rows.push(row_for(self, "/"));
            let mut mounts: Vec<&Mount> = self.view.mounts.iter().collect();
            mounts.sort_by(|a, b| a.path.cmp(&b.path));
            for m in mounts {
                rows.push(row_for(self, &m.path));
            }
        } else {
            for p in &paths {
                let abs = self.abs(p);
                if !self.view.exists(self.fs(), &abs) {
                    let msg = if self.busybox() {
                        format!("df: {p}: can't find mount point\n")
                    } else {
                        format!("df: {p}: No such file or directory\n")
                    };
                    err.extend_from_slice(msg.as_bytes());
                    status = 1;
                    continue;
                }
                rows.push(row_for(self, &abs));
            }
        }
        let human = |b: u64| -> String {
            const UNITS: [&str; 5] = ["", "K", "M", "G", "T"];
            let mut v = b as f64;
            let mut i = 0;
            while v >= 1024.0 && i < UNITS.len() - 1 {
                v /= 1024.0;
                i += 1;
            }
            if i == 0 {
                format!("{b}")
            } else if v < 10.0 {
                format!("{v:.1}{}", UNITS[i])
            } else {
                format!("{}{}", v.round() as u64, UNITS[i])
            }
        };
        let size_hdr = match unit {
            Unit::K if posix => "1024-blocks",
            Unit::K => "1K-blocks",
            Unit::B => "1B-blocks",
            Unit::Human => "Size",
        };
        let use_hdr = if posix { "Capacity" } else { "Use%" };
        out.extend_from_slice(
            format!(
                "{:<20} {:>9} {:>9} {:>9} {:>4} Mounted on\n",
                "Filesystem", size_hdr, "Used", "Available", use_hdr
            )
            .as_bytes(),
        );
        for (fs_name, cap, used, mp) in rows {
            let avail = cap - used;
            let pct = if cap == 0 {
                0
            } else {
                (used * 100).div_ceil(cap)
            };
            let (c, u, a) = match unit {
                Unit::K => (
                    (cap / 1024).to_string(),
                    used.div_ceil(1024).to_string(),
                    (avail / 1024).to_string(),
                ),
                Unit::B => (cap.to_string(), used.to_string(), avail.to_string()),
                Unit::Human => (human(cap), human(used), human(avail)),
            };
            out.extend_from_slice(
                format!("{fs_name:<20} {c:>9} {u:>9} {a:>9} {:>3}% {mp}\n", pct).as_bytes(),
            );
        }
        status
    }

    pub(super) fn stat(&mut self, args: &[String], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        let mut format: Option<String> = None;
        let mut files = Vec::new();
        let mut i = 0;
        while i < args.len() {
            if args[i] == "-c" {
                format = args.get(i + 1).cloned();
                i += 2;
                continue;
            }
            if let Some(f) = args[i].strip_prefix("--format=") {
                format = Some(f.to_string());
            } else if !args[i].starts_with('-') {
                files.push(args[i].clone());
            }
            i += 1;
        }
        let mut status = 0;
        for f in files {
            let abs = self.abs(&f);
            let dir = self.view.is_dir(self.fs(), &abs);
            let size = if dir {
                Some(4096)
            } else {
                self.view.read_file(self.fs(), &abs).map(|d| d.len())
            };
            let Some(size) = size else {
                let msg = if self.busybox() {
                    format!("stat: can't stat '{f}': No such file or directory\n")
                } else {
                    format!("stat: cannot statx '{f}': No such file or directory\n")
                };
                err.extend_from_slice(msg.as_bytes());
                status = 1;
                continue;
            };
            let kind = if dir { "directory" } else { "regular file" };
            let text = match &format {
                Some(fmt) => {
                    let mut s = String::new();
                    let mut chars = fmt.chars();
                    while let Some(c) = chars.next() {
                        if c != '%' {
                            s.push(c);
                            continue;
                        }
                        match chars.next() {
                            Some('s') => s.push_str(&size.to_string()),
                            Some('n') => s.push_str(&f),
                            Some('F') => s.push_str(kind),
                            Some('a') => s.push_str(if dir { "755" } else { "644" }),
                            Some('U') | Some('G') => s.push_str("root"),
                            Some('u') | Some('g') => s.push('0'),
                            Some('%') => s.push('%'),
                            Some(o) => {
                                s.push('?');
                                let _ = o;
                            }
                            None => s.push('%'),
                        }
                    }
                    format!("{s}\n")
                }
                None => format!(
                    "  File: {f}\n  Size: {size:<15} Blocks: {:<10} IO Block: 4096   {kind}\n",
                    (size as u64).div_ceil(512)
                ),
            };
            out.extend_from_slice(text.as_bytes());
        }
        status
    }

    pub(super) fn rm(&mut self, args: &[String], err: &mut Vec<u8>) -> i32 {
        let mut force = false;
        let mut recursive = false;
        let mut files = Vec::new();
        for a in args {
            match a.strip_prefix('-') {
                Some(flags) if !flags.is_empty() => {
                    force |= flags.contains('f');
                    recursive |= flags.contains('r') || flags.contains('R');
                }
                _ => files.push(a.clone()),
            }
        }
        let mut status = 0;
        for f in files {
            let abs = self.abs(&f);
            if self.view.is_dir(self.fs(), &abs) {
                if !recursive {
                    err.extend_from_slice(format!("rm: '{f}' is a directory\n").as_bytes());
                    status = 1;
                    continue;
                }
                self.remove_tree(&abs);
                continue;
            }
            let loc = self.view.resolve(&abs);
            if !self.fs().remove_file(&loc.volume, &loc.rel) && !force {
                err.extend_from_slice(
                    format!("rm: can't remove '{f}': No such file or directory\n").as_bytes(),
                );
                status = 1;
            }
        }
        status
    }

    pub(super) fn remove_tree(&self, abs: &str) {
        for name in self.view.list_dir(self.fs(), abs) {
            let child = normalize(abs, &name);
            if self.view.is_dir(self.fs(), &child) {
                self.remove_tree(&child);
            } else {
                let loc = self.view.resolve(&child);
                self.fs().remove_file(&loc.volume, &loc.rel);
            }
        }
    }
}
