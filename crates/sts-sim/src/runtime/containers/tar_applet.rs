//! The `tar` applet of the simulated shells: create (`c`), extract (`x`) and list (`t`)
//! ustar archives from and to stdin/stdout or a file, with `-C DIR`, which is what
//! `kubectl cp` runs: `tar cf - /data/visits` to copy out of a pod and `tar -xmf - -C /data`
//! to copy in. Archives are built and read with the `tar` crate.

use crate::runtime::containers::{normalize, ContainerView};
use crate::runtime::fs::FileSystems;

/// What a `tar` command line asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TarArgs {
    /// `c`, `x` or `t`.
    pub mode: Option<char>,
    /// `f FILE` (`-` or absent: stdin/stdout).
    pub file: Option<String>,
    /// `-C DIR`.
    pub dir: Option<String>,
    /// `v`: list member names.
    pub verbose: bool,
    /// Member operands.
    pub members: Vec<String>,
}

/// Parses tar's argv (after `tar`): a first word of bundled letters with or without `-`
/// (`cf`, `-xmf`), separate options, and operands. The error is tar's own message.
pub fn parse_args(args: &[String]) -> Result<TarArgs, String> {
    let mut t = TarArgs::default();
    let mut i = 0;
    let mut pending_values: Vec<char> = Vec::new();
    while i < args.len() {
        let a = &args[i];
        i += 1;
        let letters = if i == 1 && !a.starts_with('-') {
            a.as_str()
        } else if let Some(l) = a.strip_prefix("--") {
            match l.split_once('=') {
                Some(("file", v)) => t.file = Some(v.to_string()),
                Some(("directory", v)) => t.dir = Some(v.to_string()),
                None if matches!(l, "create" | "extract" | "list") => {
                    t.mode = Some(
                        l.chars()
                            .next()
                            .map_or('c', |c| if c == 'e' { 'x' } else { c }),
                    )
                }
                None if matches!(l, "verbose") => t.verbose = true,
                None if matches!(l, "touch" | "no-same-owner" | "no-same-permissions") => {}
                _ => return Err(format!("tar: unrecognized option '{a}'")),
            }
            continue;
        } else if let Some(l) = a.strip_prefix('-').filter(|l| !l.is_empty()) {
            l
        } else {
            t.members.push(a.clone());
            continue;
        };
        for c in letters.chars() {
            match c {
                'c' | 'x' | 't' => {
                    if t.mode.is_some_and(|m| m != c) {
                        return Err("tar: exactly one of 'c', 'x' or 't' must be specified".into());
                    }
                    t.mode = Some(c);
                }
                'f' | 'C' => pending_values.push(c),
                'v' => t.verbose = true,
                // m: don't restore mtimes; o/p: ownership and permissions (nothing to keep).
                'm' | 'o' | 'p' => {}
                other => return Err(format!("tar: invalid option -- '{other}'")),
            }
        }
        for c in pending_values.drain(..) {
            let Some(v) = args.get(i) else {
                return Err(format!("tar: option requires an argument -- '{c}'"));
            };
            i += 1;
            match c {
                'f' => t.file = Some(v.clone()),
                _ => t.dir = Some(v.clone()),
            }
        }
    }
    if t.mode.is_none() {
        return Err("tar: exactly one of 'c', 'x' or 't' must be specified".into());
    }
    Ok(t)
}

/// Whether this tar command line reads its archive from stdin.
pub fn reads_stdin(args: &[String]) -> bool {
    parse_args(args).is_ok_and(|t| {
        matches!(t.mode, Some('x' | 't')) && t.file.as_deref().is_none_or(|f| f == "-")
    })
}

/// One tar process in a container.
pub struct Tar<'a> {
    /// The container.
    pub view: &'a ContainerView,
    /// The cluster's volumes.
    pub fs: &'a FileSystems,
    /// Working directory.
    pub cwd: &'a str,
    /// Busybox wording (else GNU).
    pub busybox: bool,
}

impl Tar<'_> {
    /// Runs `tar args...`; returns the exit status.
    pub fn run(&self, args: &[String], stdin: &[u8], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        let t = match parse_args(args) {
            Ok(t) => t,
            Err(m) => return fail(err, &m, 2),
        };
        let base = match &t.dir {
            Some(d) => {
                let abs = normalize(self.cwd, d);
                if !self.view.is_dir(self.fs, &abs) {
                    return fail(
                        err,
                        &format!("tar: can't change directory to '{d}': No such file or directory"),
                        2,
                    );
                }
                abs
            }
            None => self.cwd.to_string(),
        };
        let to_stdio = t.file.as_deref().is_none_or(|f| f == "-");
        match t.mode {
            Some('c') => {
                let mut listing = Vec::new();
                let (archive, status) = self.create(&base, &t.members, &mut listing, err);
                if t.verbose {
                    let dest: &mut Vec<u8> = if to_stdio { err } else { out };
                    dest.extend_from_slice(&listing);
                }
                if to_stdio {
                    out.extend_from_slice(&archive);
                    status
                } else {
                    let file = normalize(self.cwd, t.file.as_deref().unwrap_or("-"));
                    match self.view.write_file(self.fs, &file, &archive, false) {
                        Ok(()) => status,
                        Err(m) => fail(err, &format!("tar: can't open '{file}': {m}"), 2),
                    }
                }
            }
            mode => {
                let data = if to_stdio {
                    stdin.to_vec()
                } else {
                    let file = normalize(self.cwd, t.file.as_deref().unwrap_or("-"));
                    match self.view.read_file(self.fs, &file) {
                        Some(d) => d,
                        None => {
                            return fail(
                                err,
                                &format!("tar: can't open '{file}': No such file or directory"),
                                2,
                            )
                        }
                    }
                };
                self.read(
                    &data,
                    &base,
                    mode == Some('x'),
                    t.verbose || mode == Some('t'),
                    out,
                    err,
                )
            }
        }
    }

    /// Builds an archive of `members` (relative to `base`); names lose their leading `/`.
    fn create(
        &self,
        base: &str,
        members: &[String],
        listing: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> (Vec<u8>, i32) {
        let mut builder = ::tar::Builder::new(Vec::new());
        let mut status = 0;
        if members.is_empty() {
            let msg = if self.busybox {
                "tar: empty archive"
            } else {
                "tar: Cowardly refusing to create an empty archive"
            };
            return (Vec::new(), fail(err, msg, 2));
        }
        let mut warned = false;
        for m in members {
            let abs = normalize(base, m);
            let mut name = normalize("/", m);
            if !m.starts_with('/') {
                name = name.trim_start_matches('/').to_string();
            } else {
                if !warned {
                    let msg = if self.busybox {
                        "tar: removing leading '/' from member names"
                    } else {
                        "tar: Removing leading `/' from member names"
                    };
                    err.extend_from_slice(msg.as_bytes());
                    err.push(b'\n');
                    warned = true;
                }
                name = name.trim_start_matches('/').to_string();
            }
            if !self.view.exists(self.fs, &abs) {
                status = if self.busybox {
                    fail(err, &format!("tar: {m}: No such file or directory"), 1)
                } else {
                    fail(
                        err,
                        &format!("tar: {m}: Cannot stat: No such file or directory"),
                        2,
                    )
                };
                continue;
            }
            if let Err(e) = self.add(&mut builder, &abs, &name, listing) {
                return (Vec::new(), fail(err, &format!("tar: {e}"), 1));
            }
        }
        if status != 0 && !self.busybox {
            fail(
                err,
                "tar: Exiting with failure status due to previous errors",
                status,
            );
        }
        match builder.into_inner() {
            Ok(v) => (v, status),
            Err(e) => (Vec::new(), fail(err, &format!("tar: {e}"), 1)),
        }
    }

    fn add(
        &self,
        b: &mut ::tar::Builder<Vec<u8>>,
        abs: &str,
        name: &str,
        listing: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        let mtime = jiff::Timestamp::now().as_second().max(0) as u64;
        let mut header = ::tar::Header::new_ustar();
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        if self.view.is_dir(self.fs, abs) {
            let dir_name = if name.is_empty() {
                "./".to_string()
            } else {
                format!("{name}/")
            };
            header.set_entry_type(::tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            b.append_data(&mut header, &dir_name, std::io::empty())?;
            listing.extend_from_slice(format!("{dir_name}\n").as_bytes());
            for child in self.view.list_dir(self.fs, abs) {
                let child_abs = normalize(abs, &child);
                let child_name = if name.is_empty() {
                    child.clone()
                } else {
                    format!("{name}/{child}")
                };
                self.add(b, &child_abs, &child_name, listing)?;
            }
            return Ok(());
        }
        let data = self.view.read_file(self.fs, abs).unwrap_or_default();
        header.set_entry_type(::tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_size(data.len() as u64);
        b.append_data(&mut header, name, data.as_slice())?;
        listing.extend_from_slice(format!("{name}\n").as_bytes());
        Ok(())
    }

    /// Lists or extracts an archive under `base`.
    fn read(
        &self,
        data: &[u8],
        base: &str,
        extract: bool,
        list: bool,
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        if data.is_empty() {
            return if self.busybox {
                0
            } else {
                fail(err, "tar: This does not look like a tar archive", 2)
            };
        }
        let mut archive = ::tar::Archive::new(data);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => return fail(err, &format!("tar: {e}"), 1),
        };
        let mut status = 0;
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(_) => {
                    let msg = if self.busybox {
                        "tar: invalid tar magic"
                    } else {
                        "tar: This does not look like a tar archive"
                    };
                    return fail(err, msg, 2);
                }
            };
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            if list {
                out.extend_from_slice(format!("{name}\n").as_bytes());
            }
            if !extract {
                continue;
            }
            // Like GNU tar, refuse members that climb out of the target directory.
            if name.split('/').any(|c| c == "..") {
                status = fail(err, &format!("tar: {name}: Member name contains '..'"), 2);
                continue;
            }
            let target = normalize(base, name.trim_start_matches('/'));
            match entry.header().entry_type() {
                ::tar::EntryType::Regular
                | ::tar::EntryType::Continuous
                | ::tar::EntryType::GNUSparse => {
                    let mut content = Vec::new();
                    if let Err(e) = std::io::Read::read_to_end(&mut entry, &mut content) {
                        return fail(err, &format!("tar: {name}: {e}"), 2);
                    }
                    if let Err(m) = self
                        .view
                        .write_file_with(self.fs, &target, &content, false, true)
                    {
                        status = fail(err, &format!("tar: can't open '{name}': {m}"), 2);
                    }
                }
                // Directories exist as prefixes of their files; links and devices are skipped.
                _ => {}
            }
        }
        status
    }
}

fn fail(err: &mut Vec<u8>, msg: &str, code: i32) -> i32 {
    err.extend_from_slice(msg.as_bytes());
    err.push(b'\n');
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::resources::PODS;
    use crate::runtime::containers::tests::{add_pod, state_with_pod};
    use crate::runtime::containers::{run_command, ExecResult};
    use crate::state::State;
    use proptest::prelude::*;
    use serde_json::json;

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn view(state: &State, pod: &str) -> ContainerView {
        let obj = state.store.get(&PODS, "default", pod).unwrap();
        ContainerView::new(state, &obj, "app").unwrap()
    }

    fn exec(state: &State, pod: &str, a: &[&str], stdin: &[u8]) -> (Vec<u8>, String, ExecResult) {
        let o = run_command(state, &view(state, pod), &argv(a), stdin);
        (
            o.stdout,
            String::from_utf8_lossy(&o.stderr).into_owned(),
            o.result,
        )
    }

    #[test]
    fn parses_what_kubectl_cp_runs() {
        let t = parse_args(&argv(&["cf", "-", "/data/visits"])).unwrap();
        assert_eq!(
            (t.mode, t.file.as_deref(), t.members.clone()),
            (Some('c'), Some("-"), argv(&["/data/visits"]))
        );
        for a in [
            &["-xmf", "-", "-C", "/data"][..],
            &["xmf", "-", "-C", "/data"],
            &["-x", "-m", "-f", "-", "--directory=/data"],
        ] {
            let t = parse_args(&argv(a)).unwrap();
            assert_eq!(
                (t.mode, t.file.as_deref(), t.dir.as_deref()),
                (Some('x'), Some("-"), Some("/data")),
                "{a:?}"
            );
            assert!(reads_stdin(&argv(a)));
        }
        assert!(!reads_stdin(&argv(&["cf", "-", "/data"])));
        assert!(!reads_stdin(&argv(&["xf", "/tmp/a.tar"])));
        assert_eq!(
            parse_args(&argv(&["-q"])).unwrap_err(),
            "tar: invalid option -- 'q'"
        );
        assert_eq!(
            parse_args(&argv(&["cf"])).unwrap_err(),
            "tar: option requires an argument -- 'f'"
        );
        assert!(parse_args(&argv(&["cx"])).is_err());
        assert!(parse_args(&argv(&["/data"])).is_err());
    }

    #[test]
    fn copies_a_tree_out_of_one_pod_and_into_another() {
        let state = state_with_pod("busybox:1.36", json!([]));
        add_pod(&state, "web-1", "example/visits-app:1", json!([]));
        let v0 = view(&state, "web-0");
        v0.write_file(&state.fs, "/data/visits", b"41", false)
            .unwrap();
        v0.write_file_with(&state.fs, "/data/sub/notes.txt", b"a\nb\n", false, true)
            .unwrap();
        let (archive, err, res) = exec(&state, "web-0", &["tar", "cf", "-", "/data"], b"");
        assert_eq!(res, ExecResult::Exit(0));
        assert_eq!(err, "tar: removing leading '/' from member names\n");
        let mut names: Vec<String> = ::tar::Archive::new(archive.as_slice())
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["data/", "data/sub/", "data/sub/notes.txt", "data/visits"]
        );

        // Into the emptyDir of web-1 (a generic image), as `kubectl cp` extracts.
        let (_, err, res) = exec(
            &state,
            "web-1",
            &["tar", "-xmf", "-", "-C", "/tmp/cache"],
            &archive,
        );
        assert_eq!((res, err.as_str()), (ExecResult::Exit(0), ""));
        let v1 = view(&state, "web-1");
        assert_eq!(
            v1.read_file(&state.fs, "/tmp/cache/data/visits").unwrap(),
            b"41"
        );
        assert_eq!(
            v1.read_file(&state.fs, "/tmp/cache/data/sub/notes.txt")
                .unwrap(),
            b"a\nb\n"
        );

        // Listing, and an archive written to and read from a file.
        let (out, _, _) = exec(
            &state,
            "web-0",
            &[
                "sh",
                "-c",
                "cd /data && tar cf /tmp/cache/a.tar visits && tar tf /tmp/cache/a.tar",
            ],
            b"",
        );
        assert_eq!(String::from_utf8(out).unwrap(), "visits\n");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let state = state_with_pod("busybox:1.36", json!([]));
        let (_, err, res) = exec(&state, "web-0", &["tar", "xf", "-", "-C", "/data"], b"this is not a tar archive at all, just some text that is long enough to fill a header block maybe");
        assert_ne!(res, ExecResult::Exit(0));
        assert!(err.starts_with("tar: "), "{err}");
        let (_, err, res) = exec(&state, "web-0", &["tar", "cf", "-", "/data/nope"], b"");
        assert_eq!(res, ExecResult::Exit(1));
        assert!(
            err.ends_with("tar: /data/nope: No such file or directory\n"),
            "{err}"
        );
        let (_, err, res) = exec(&state, "web-0", &["tar", "xf", "-", "-C", "/nowhere"], b"");
        assert_eq!(res, ExecResult::Exit(2));
        assert_eq!(
            err,
            "tar: can't change directory to '/nowhere': No such file or directory\n"
        );
        // A member climbing out of the target is refused; its siblings still land.
        let mut b = ::tar::Builder::new(Vec::new());
        for (name, data) in [("../escape", &b"x"[..]), ("ok", b"y")] {
            let mut h = ::tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_cksum();
            b.append(&h, data).unwrap();
        }
        let archive = b.into_inner().unwrap();
        let (_, err, res) = exec(
            &state,
            "web-0",
            &["tar", "xf", "-", "-C", "/data"],
            &archive,
        );
        assert_eq!(res, ExecResult::Exit(2));
        assert!(err.contains("Member name contains '..'"), "{err}");
        let v = view(&state, "web-0");
        assert_eq!(v.read_file(&state.fs, "/data/ok").unwrap(), b"y");
        assert!(v.read_file(&state.fs, "/escape").is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn any_archive_bytes_or_arguments_are_handled(data in proptest::collection::vec(any::<u8>(), 0..2048), args in proptest::collection::vec("[-a-zA-Z/.=]{0,6}", 0..5)) {
            let state = state_with_pod("busybox:1.36", json!([]));
            let _ = exec(&state, "web-0", &["tar", "xf", "-", "-C", "/data"], &data);
            let mut a = vec!["tar".to_string()];
            a.extend(args);
            let o = run_command(&state, &view(&state, "web-0"), &a, &data);
            prop_assert!(matches!(o.result, ExecResult::Exit(_)));
        }
    }
}
