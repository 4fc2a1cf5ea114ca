//! The applet table of the simulated shells (which name runs what, `echo`, `env`, `sleep`,
//! ...) and the applets that do not touch files by path: `sh`, `test`/`[`, `wc`/`head`/`tail`.

use std::time::Duration;

use crate::runtime::containers::shell::Shell;
use crate::runtime::containers::{normalize, MAX_SLEEP};

impl Shell<'_> {
    pub(super) fn applet(
        &mut self,
        name: &str,
        args: &[String],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let e = |err: &mut Vec<u8>, msg: String| {
            err.extend_from_slice(msg.as_bytes());
            err.push(b'\n');
        };
        match name {
            "sh" | "ash" | "bash" => self.sh(args, stdin, out, err),
            "true" => 0,
            "false" => 1,
            "cat" => self.cat(args, stdin, out, err),
            "ls" => self.ls(args, out, err),
            "df" => self.df(args, out, err),
            "echo" => {
                let mut args = args;
                let mut newline = true;
                let mut escapes = false;
                while let Some(first) = args.first() {
                    match first.as_str() {
                        "-n" => newline = false,
                        "-e" => escapes = true,
                        "-ne" | "-en" => {
                            newline = false;
                            escapes = true;
                        }
                        _ => break,
                    }
                    args = &args[1..];
                }
                let mut text = args.join(" ");
                if escapes {
                    text = text
                        .replace("\\n", "\n")
                        .replace("\\t", "\t")
                        .replace("\\\\", "\\");
                }
                out.extend_from_slice(text.as_bytes());
                if newline {
                    out.push(b'\n');
                }
                0
            }
            "test" => self.test(args, err),
            "[" => {
                if args.last().map(String::as_str) != Some("]") {
                    e(err, "[: missing ]".to_string());
                    return 2;
                }
                self.test(&args[..args.len() - 1], err)
            }
            "sleep" => {
                let mut total = 0f64;
                for a in args {
                    let (num, mult) = match a.chars().last() {
                        Some('s') => (&a[..a.len() - 1], 1.0),
                        Some('m') => (&a[..a.len() - 1], 60.0),
                        Some('h') => (&a[..a.len() - 1], 3600.0),
                        _ => (a.as_str(), 1.0),
                    };
                    match num.parse::<f64>() {
                        Ok(n) if n >= 0.0 && n.is_finite() => total += n * mult,
                        _ => {
                            e(err, format!("sleep: invalid number '{a}'"));
                            return 1;
                        }
                    }
                }
                if args.is_empty() {
                    e(err, "sleep: missing operand".to_string());
                    return 1;
                }
                let add = Duration::from_secs_f64(total.min(MAX_SLEEP.as_secs_f64()));
                self.sleep = (self.sleep + add).min(MAX_SLEEP);
                0
            }
            "hostname" => {
                out.extend_from_slice(format!("{}\n", self.view.hostname).as_bytes());
                0
            }
            "whoami" => {
                out.extend_from_slice(b"root\n");
                0
            }
            "id" => {
                out.extend_from_slice(b"uid=0(root) gid=0(root) groups=0(root)\n");
                0
            }
            "uname" => {
                let text = if args.iter().any(|a| a == "-a") {
                    format!(
                        "Linux {} 6.1.0-sim #1 SMP x86_64 GNU/Linux\n",
                        self.view.hostname
                    )
                } else {
                    "Linux\n".to_string()
                };
                out.extend_from_slice(text.as_bytes());
                0
            }
            "pwd" => {
                out.extend_from_slice(format!("{}\n", self.cwd).as_bytes());
                0
            }
            "date" => {
                let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
                let fmt = args
                    .iter()
                    .find_map(|a| a.strip_prefix('+'))
                    .unwrap_or("%a %b %e %H:%M:%S UTC %Y");
                match jiff::fmt::strtime::format(fmt, &now) {
                    Ok(s) => {
                        out.extend_from_slice(format!("{s}\n").as_bytes());
                        0
                    }
                    Err(_) => {
                        e(err, format!("date: invalid format '{fmt}'"));
                        1
                    }
                }
            }
            "env" => {
                for (k, v) in &self.vars {
                    out.extend_from_slice(format!("{k}={v}\n").as_bytes());
                }
                0
            }
            "printenv" => {
                if args.is_empty() {
                    return self.applet("env", args, stdin, out, err);
                }
                let mut status = 0;
                for a in args {
                    match self.vars.iter().find(|(k, _)| k == a) {
                        Some((_, v)) => out.extend_from_slice(format!("{v}\n").as_bytes()),
                        None => status = 1,
                    }
                }
                status
            }
            "wc" | "head" | "tail" => self.text_tool(name, args, stdin, out, err),
            "stat" => self.stat(args, out, err),
            "touch" => {
                let mut status = 0;
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    let abs = self.abs(a);
                    if self.view.exists(self.fs(), &abs) {
                        continue;
                    }
                    if let Err(m) = self.view.write_file(self.fs(), &abs, b"", false) {
                        let m = if m == "nonexistent directory" {
                            "No such file or directory"
                        } else {
                            m
                        };
                        e(err, format!("touch: {a}: {m}"));
                        status = 1;
                    }
                }
                status
            }
            "mkdir" => {
                // Directories exist implicitly (as prefixes of files); only the parent is checked.
                let parents = args.iter().any(|a| a.starts_with("-p"));
                let mut status = 0;
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    let abs = self.abs(a);
                    let parent = normalize(&abs, "..");
                    if !parents && !self.view.is_dir(self.fs(), &parent) {
                        e(
                            err,
                            format!(
                                "mkdir: can't create directory '{a}': No such file or directory"
                            ),
                        );
                        status = 1;
                    }
                }
                status
            }
            "rm" => self.rm(args, err),
            "tar" => crate::runtime::containers::tar_applet::Tar {
                view: self.view,
                fs: self.fs(),
                cwd: &self.cwd,
                busybox: self.busybox(),
            }
            .run(args, stdin, out, err),
            _ => 127,
        }
    }

    pub(super) fn sh(
        &mut self,
        args: &[String],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let mut sub = Shell::new(self.state, self.view);
        sub.vars = self.vars.clone();
        sub.cwd = self.cwd.clone();
        let mut rest = args;
        while let Some(a) = rest.first() {
            if a == "-c" {
                let Some(script) = rest.get(1) else {
                    sub.shell_error(err, "-c requires an argument");
                    return 2;
                };
                sub.args = rest[2..].to_vec();
                if sub.args.is_empty() {
                    sub.args.push("sh".into());
                }
                let code = sub.run_script(script, stdin, out, err);
                self.sleep = (self.sleep + sub.sleep).min(MAX_SLEEP);
                return code;
            } else if a.starts_with('-') && a.len() > 1 {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let script = match rest.first() {
            Some(file) => match self.view.read_file(self.fs(), &self.abs(file)) {
                Some(data) => String::from_utf8_lossy(&data).into_owned(),
                None => {
                    sub.shell_error(
                        err,
                        &format!("can't open '{file}': No such file or directory"),
                    );
                    return 2;
                }
            },
            None => String::from_utf8_lossy(stdin).into_owned(),
        };
        sub.args = if rest.is_empty() {
            vec!["sh".into()]
        } else {
            rest.to_vec()
        };
        let code = sub.run_script(&script, b"", out, err);
        self.sleep = (self.sleep + sub.sleep).min(MAX_SLEEP);
        code
    }

    pub(super) fn test(&mut self, args: &[String], err: &mut Vec<u8>) -> i32 {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = self.eval_test(&a, err);
        match r {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        }
    }

    pub(super) fn eval_test(&self, a: &[&str], err: &mut Vec<u8>) -> Option<bool> {
        match a {
            [] => Some(false),
            ["!", rest @ ..] => self.eval_test(rest, err).map(|b| !b),
            [s] => Some(!s.is_empty()),
            [op, arg] => {
                let abs = self.abs(arg);
                let fs = self.fs();
                Some(match *op {
                    "-z" => arg.is_empty(),
                    "-n" => !arg.is_empty(),
                    "-e" => self.view.exists(fs, &abs),
                    "-d" => self.view.is_dir(fs, &abs),
                    "-f" => self.view.read_file(fs, &abs).is_some(),
                    "-s" => self.view.read_file(fs, &abs).is_some_and(|d| !d.is_empty()),
                    "-r" | "-w" => self.view.exists(fs, &abs),
                    "-x" => false,
                    _ => {
                        err.extend_from_slice(format!("test: {op}: unknown operand\n").as_bytes());
                        return None;
                    }
                })
            }
            [l, op, r] => {
                let num = |s: &str| s.trim().parse::<i64>().ok();
                Some(match *op {
                    "=" | "==" => l == r,
                    "!=" => l != r,
                    "-eq" | "-ne" | "-lt" | "-gt" | "-le" | "-ge" => {
                        let (Some(x), Some(y)) = (num(l), num(r)) else {
                            let bad = if num(l).is_none() { l } else { r };
                            err.extend_from_slice(
                                format!("test: invalid number '{bad}'\n").as_bytes(),
                            );
                            return None;
                        };
                        match *op {
                            "-eq" => x == y,
                            "-ne" => x != y,
                            "-lt" => x < y,
                            "-gt" => x > y,
                            "-le" => x <= y,
                            _ => x >= y,
                        }
                    }
                    _ => {
                        err.extend_from_slice(format!("test: {op}: unknown operand\n").as_bytes());
                        return None;
                    }
                })
            }
            _ => {
                err.extend_from_slice(b"test: too many arguments\n");
                None
            }
        }
    }

    pub(super) fn text_tool(
        &mut self,
        name: &str,
        args: &[String],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let mut lines_n: usize = 10;
        let mut from_start: Option<usize> = None;
        let mut wc_flags = String::new();
        let mut files = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a == "-n" {
                i += 1;
                let v = args.get(i).map(String::as_str).unwrap_or("");
                if let Some(plus) = v.strip_prefix('+') {
                    from_start = plus.parse().ok();
                } else {
                    lines_n = v.parse().unwrap_or(10);
                }
            } else if let Some(n) = a.strip_prefix("-n") {
                lines_n = n.parse().unwrap_or(10);
            } else if a.len() > 1
                && a.starts_with('-')
                && a[1..].chars().all(|c| c.is_ascii_digit())
            {
                lines_n = a[1..].parse().unwrap_or(10);
            } else if a.len() > 1 && a.starts_with('-') {
                wc_flags.push_str(&a[1..]);
            } else {
                files.push(a.clone());
            }
            i += 1;
        }
        let mut inputs: Vec<(Option<String>, Vec<u8>)> = Vec::new();
        let mut status = 0;
        if files.is_empty() {
            inputs.push((None, stdin.to_vec()));
        }
        for f in files {
            let abs = self.abs(&f);
            match self.view.read_file(self.fs(), &abs) {
                Some(d) => inputs.push((Some(f), d)),
                None => {
                    let why = if self.view.is_dir(self.fs(), &abs) {
                        "Is a directory"
                    } else {
                        "No such file or directory"
                    };
                    let msg = if self.busybox() {
                        format!("{name}: can't open '{f}': {why}\n")
                    } else {
                        format!("{name}: {f}: {why}\n")
                    };
                    err.extend_from_slice(msg.as_bytes());
                    status = 1;
                }
            }
        }
        for (fname, data) in inputs {
            match name {
                "wc" => {
                    let l = data.iter().filter(|b| **b == b'\n').count();
                    let w = String::from_utf8_lossy(&data).split_whitespace().count();
                    let c = data.len();
                    let mut parts = Vec::new();
                    let flags = if wc_flags.is_empty() {
                        "lwc"
                    } else {
                        wc_flags.as_str()
                    };
                    for (flag, v) in [('l', l), ('w', w), ('c', c)] {
                        if flags.contains(flag) {
                            parts.push(v);
                        }
                    }
                    let mut s = if parts.len() == 1 {
                        parts[0].to_string()
                    } else {
                        parts
                            .iter()
                            .map(|v| format!("{v:>7}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    if let Some(f) = fname {
                        s.push(' ');
                        s.push_str(&f);
                    }
                    out.extend_from_slice(format!("{s}\n").as_bytes());
                }
                _ => {
                    let lines: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
                    let pick: &[&[u8]] = if name == "head" {
                        &lines[..lines_n.min(lines.len())]
                    } else if let Some(start) = from_start {
                        &lines[start.saturating_sub(1).min(lines.len())..]
                    } else {
                        &lines[lines.len().saturating_sub(lines_n)..]
                    };
                    for l in pick {
                        out.extend_from_slice(l);
                    }
                }
            }
        }
        status
    }
}
