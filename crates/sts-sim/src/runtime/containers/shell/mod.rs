//! Exec in a simulated container: [`run_command`] runs an argv (a binary by name, or `sh -c`
//! script) in a small command interpreter over the container's view of the volumes.

mod applets;
mod file_applets;
mod syntax;

use crate::runtime::containers::shell::syntax::Syntax;
use std::time::Duration;

use crate::runtime::containers::shell::syntax::{
    is_name_char, lex, parse, RedirKind, Seg, SimpleCmd, Word,
};
use crate::runtime::containers::{normalize, ContainerView, Flavor};
use crate::runtime::fs::FileSystems;
use crate::state::State;

/// How an exec ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecResult {
    /// The process ran and exited with this code.
    Exit(i32),
    /// The runtime could not start the process; the OCI error text
    /// (`exec: "cat": executable file not found in $PATH`).
    StartFailed(String),
}

/// Everything an exec produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// Exit code or start failure.
    pub result: ExecResult,
    /// Time the command sleeps (the caller waits it out; capped at [`MAX_SLEEP`]).
    pub sleep: Duration,
}

/// Upper bound of the total time `sleep` may take in one exec.
pub const MAX_SLEEP: Duration = Duration::from_secs(5);

const APPLETS: &[&str] = &[
    "cat", "ls", "df", "echo", "test", "[", "true", "false", "sleep", "hostname", "date", "env",
    "printenv", "wc", "head", "tail", "stat", "pwd", "touch", "rm", "mkdir", "whoami", "id",
    "uname", "sh", "ash", "tar",
];
const BIN_DIRS: &[&str] = &["/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin"];

/// The applet an `argv[0]` names in this image, if it exists there.
fn applet_name(flavor: Flavor, cmd: &str) -> Option<String> {
    if flavor == Flavor::Distroless {
        return None;
    }
    let (dir, base) = match cmd.rfind('/') {
        Some(i) => (Some(normalize("/", &cmd[..i.max(1)])), &cmd[i + 1..]),
        None => (None, cmd),
    };
    if let Some(dir) = dir {
        if !BIN_DIRS.contains(&dir.as_str()) {
            return None;
        }
    }
    let known = APPLETS.contains(&base) || (flavor == Flavor::Generic && base == "bash");
    known.then(|| base.to_string())
}

/// The runtime's error text for a binary that does not exist.
fn not_found_text(cmd: &str) -> String {
    if cmd.contains('/') {
        format!("exec: \"{cmd}\": stat {cmd}: no such file or directory")
    } else {
        format!("exec: \"{cmd}\": executable file not found in $PATH")
    }
}

/// Runs `argv` in a container as the runtime would (no shell unless argv names one).
pub fn run_command(
    state: &State,
    view: &ContainerView,
    argv: &[String],
    stdin: &[u8],
) -> CommandOutput {
    let Some(cmd) = argv.first() else {
        return CommandOutput {
            stdout: Vec::new(),
            stderr: Vec::new(),
            result: ExecResult::StartFailed(not_found_text("")),
            sleep: Duration::ZERO,
        };
    };
    let Some(applet) = applet_name(view.behaviour.flavor, cmd) else {
        return CommandOutput {
            stdout: Vec::new(),
            stderr: Vec::new(),
            result: ExecResult::StartFailed(not_found_text(cmd)),
            sleep: Duration::ZERO,
        };
    };
    let mut sh = Shell::new(state, view);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = sh.applet(&applet, &argv[1..], stdin, &mut out, &mut err);
    CommandOutput {
        stdout: out,
        stderr: err,
        result: ExecResult::Exit(code),
        sleep: sh.sleep,
    }
}

/// The interpreter: variables, working directory and accumulated sleep.
struct Shell<'a> {
    state: &'a State,
    view: &'a ContainerView,
    vars: Vec<(String, String)>,
    args: Vec<String>,
    cwd: String,
    status: i32,
    sleep: Duration,
    exit: Option<i32>,
}

impl<'a> Shell<'a> {
    fn new(state: &'a State, view: &'a ContainerView) -> Self {
        Shell {
            state,
            view,
            vars: view.env.clone(),
            args: vec!["sh".to_string()],
            cwd: view.working_dir.clone(),
            status: 0,
            sleep: Duration::ZERO,
            exit: None,
        }
    }

    fn fs(&self) -> &'a FileSystems {
        &self.state.fs
    }

    fn busybox(&self) -> bool {
        self.view.behaviour.flavor == Flavor::Busybox
    }

    fn abs(&self, p: &str) -> String {
        normalize(&self.cwd, p)
    }

    fn var(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "#" => Some(self.args.len().saturating_sub(1).to_string()),
            n if n.chars().all(|c| c.is_ascii_digit()) => {
                self.args.get(n.parse::<usize>().ok()?).cloned()
            }
            n => self
                .vars
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone()),
        }
    }

    fn set_var(&mut self, name: &str, value: &str) {
        self.vars.retain(|(k, _)| k != name);
        self.vars.push((name.to_string(), value.to_string()));
    }

    fn expand(&self, w: &Word) -> Option<String> {
        let mut s = String::new();
        for seg in &w.segs {
            match seg {
                Seg::Lit(l) => s.push_str(l),
                Seg::Var(v) => s.push_str(&self.var(v).unwrap_or_default()),
            }
        }
        // An unquoted expansion that comes out empty is no word at all.
        (w.quoted || !s.is_empty()).then_some(s)
    }

    /// Runs a script; returns the exit status.
    fn run_script(&mut self, src: &str, stdin: &[u8], out: &mut Vec<u8>, err: &mut Vec<u8>) -> i32 {
        let script = match lex(src).and_then(parse) {
            Ok(s) => s,
            Err(Syntax(msg)) => {
                let prefix = if self.busybox() { "sh: " } else { "sh: 1: " };
                err.extend_from_slice(format!("{prefix}syntax error: {msg}\n").as_bytes());
                return 2;
            }
        };
        for (connector, pipeline) in script {
            let skip = match connector {
                "&&" => self.status != 0,
                "||" => self.status == 0,
                _ => false,
            };
            if skip {
                continue;
            }
            self.status = self.run_pipeline(&pipeline, stdin, out, err);
            if let Some(code) = self.exit {
                return code;
            }
        }
        self.status
    }

    fn run_pipeline(
        &mut self,
        cmds: &[SimpleCmd],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let mut input = stdin.to_vec();
        let mut status = 0;
        for (i, cmd) in cmds.iter().enumerate() {
            let last = i + 1 == cmds.len();
            let mut piped = Vec::new();
            let sink = if last { &mut *out } else { &mut piped };
            status = self.run_simple(cmd, &input, sink, err);
            if self.exit.is_some() {
                return status;
            }
            input = piped;
        }
        status
    }

    fn shell_error(&self, err: &mut Vec<u8>, msg: &str) {
        let prefix = if self.busybox() { "sh: " } else { "sh: 1: " };
        err.extend_from_slice(format!("{prefix}{msg}\n").as_bytes());
    }

    fn run_simple(
        &mut self,
        cmd: &SimpleCmd,
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let mut words: Vec<String> = cmd.words.iter().filter_map(|w| self.expand(w)).collect();
        // Leading NAME=value words are assignments.
        let mut assigns = Vec::new();
        while let Some(w) = words.first() {
            match w.split_once('=') {
                Some((k, v))
                    if !k.is_empty()
                        && k.chars().all(is_name_char)
                        && !k.starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    assigns.push((k.to_string(), v.to_string()));
                    words.remove(0);
                }
                _ => break,
            }
        }
        let mut input = stdin.to_vec();
        let mut out_target: Option<(String, bool)> = None;
        let mut err_target: Option<(String, bool)> = None;
        for (fd, kind, w) in &cmd.redirs {
            let path = self.expand(w).unwrap_or_default();
            match kind {
                RedirKind::In => match self.view.read_file(self.fs(), &self.abs(&path)) {
                    Some(data) => input = data,
                    None => {
                        self.shell_error(
                            err,
                            &format!("can't open '{path}': No such file or directory"),
                        );
                        return 1;
                    }
                },
                RedirKind::Out | RedirKind::Append => {
                    let append = *kind == RedirKind::Append;
                    if path != "/dev/null" {
                        // The shell creates (or truncates) the file before running the command.
                        let abs = self.abs(&path);
                        let init = if append {
                            Ok(())
                        } else {
                            self.view.write_file(self.fs(), &abs, b"", false)
                        };
                        let init = init.and_then(|_| {
                            if append && self.view.read_file(self.fs(), &abs).is_none() {
                                self.view.write_file(self.fs(), &abs, b"", false)
                            } else {
                                Ok(())
                            }
                        });
                        if let Err(e) = init {
                            self.shell_error(err, &format!("can't create {path}: {e}"));
                            return 1;
                        }
                    }
                    let t = Some((path, append));
                    if *fd == 2 {
                        err_target = t;
                    } else {
                        out_target = t;
                    }
                }
            }
        }
        if words.is_empty() {
            // Bare assignments stay for the rest of the script.
            for (k, v) in &assigns {
                self.set_var(k, v);
            }
            return 0;
        }
        // Assignments before a command apply to that command only.
        let previous: Vec<(String, Option<String>)> = assigns
            .iter()
            .map(|(k, v)| {
                let old = self
                    .vars
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, o)| o.clone());
                self.set_var(k, v);
                (k.clone(), old)
            })
            .collect();
        let mut cmd_out = Vec::new();
        let mut cmd_err = Vec::new();
        let status = self.dispatch(&words, &input, &mut cmd_out, &mut cmd_err);
        for (k, old) in previous {
            match old {
                Some(o) => self.set_var(&k, &o),
                None => self.vars.retain(|(n, _)| *n != k),
            }
        }
        for (from, to) in &cmd.dups {
            match (from, to) {
                (2, 1) => {
                    if err_target.is_none() {
                        cmd_out.append(&mut cmd_err);
                    } else {
                        err_target = out_target.clone();
                    }
                }
                (1, 2) => cmd_err.append(&mut cmd_out),
                _ => {}
            }
        }
        let mut status = status;
        let mut write_errors = Vec::new();
        for (target, data, default) in [
            (out_target, cmd_out, &mut *out),
            (err_target, cmd_err, &mut *err),
        ] {
            match target {
                None => default.extend_from_slice(&data),
                Some((path, _)) if path == "/dev/null" => {}
                Some((path, _)) => {
                    if let Err(e) = self
                        .view
                        .write_file(self.fs(), &self.abs(&path), &data, true)
                    {
                        write_errors.push(e);
                    }
                }
            }
        }
        for e in write_errors {
            self.shell_error(err, &format!("write error: {e}"));
            status = 1;
        }
        status
    }

    fn dispatch(
        &mut self,
        words: &[String],
        stdin: &[u8],
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> i32 {
        let name = words[0].as_str();
        let args = &words[1..];
        match name {
            "exit" => {
                let code = args
                    .first()
                    .and_then(|a| a.parse::<i32>().ok())
                    .unwrap_or(self.status);
                self.exit = Some(code & 0xff);
                code & 0xff
            }
            ":" => 0,
            "!" if args.is_empty() => 1,
            "!" => i32::from(self.dispatch(args, stdin, out, err) == 0),
            "cd" => {
                let dir = args
                    .first()
                    .cloned()
                    .unwrap_or_else(|| self.var("HOME").unwrap_or_else(|| "/".into()));
                let abs = self.abs(&dir);
                if self.view.is_dir(self.fs(), &abs) {
                    self.cwd = abs;
                    0
                } else {
                    self.shell_error(
                        err,
                        &format!("cd: can't cd to {dir}: No such file or directory"),
                    );
                    2
                }
            }
            "export" => {
                for a in args {
                    if let Some((k, v)) = a.split_once('=') {
                        self.set_var(k, v);
                    }
                }
                0
            }
            _ => match applet_name(self.view.behaviour.flavor, name) {
                Some(applet) => self.applet(&applet, args, stdin, out, err),
                None => {
                    self.shell_error(err, &format!("{name}: not found"));
                    127
                }
            },
        }
    }
}
