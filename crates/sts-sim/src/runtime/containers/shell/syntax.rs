//! The shell's syntax: the lexer and parser of `sh -c` command lines (words with `$VAR`
//! segments, quotes, `;`, `&&`, `||`, `|` and redirections) into a script of pipelines.

/// One word of a command line: literal and variable segments, expanded at run time.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seg {
    Lit(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Word {
    pub(super) segs: Vec<Seg>,
    pub(super) quoted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RedirKind {
    Out,
    Append,
    In,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Word(Word),
    /// `;`, `&`, newline, `&&`, `||`, `|`.
    Op(&'static str),
    /// `[fd]>`, `[fd]>>`, `<`; the target is the next word.
    Redir(u8, RedirKind),
    /// `2>&1` (from, to).
    Dup(u8, u8),
}

#[derive(Debug, Default, Clone)]
pub(super) struct SimpleCmd {
    pub(super) words: Vec<Word>,
    pub(super) redirs: Vec<(u8, RedirKind, Word)>,
    pub(super) dups: Vec<(u8, u8)>,
}

/// A parse error (`sh: syntax error: unexpected ...`).
#[derive(Debug)]
pub(super) struct Syntax(pub(super) String);

pub(super) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub(super) fn lex(src: &str) -> Result<Vec<Tok>, Syntax> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut word: Option<Word> = None;
    fn push_lit(w: &mut Option<Word>, c: char) {
        let w = w.get_or_insert(Word {
            segs: Vec::new(),
            quoted: false,
        });
        if let Some(Seg::Lit(s)) = w.segs.last_mut() {
            s.push(c);
        } else {
            w.segs.push(Seg::Lit(c.to_string()));
        }
    }
    fn flush(w: &mut Option<Word>, toks: &mut Vec<Tok>) {
        if let Some(w) = w.take() {
            toks.push(Tok::Word(w));
        }
    }
    // Reads `$NAME`, `${NAME}`, `$?`, `$1`, `$#` at chars[i] == '$'; returns the new index.
    fn var(chars: &[char], i: usize, w: &mut Option<Word>) -> usize {
        let next = chars.get(i + 1).copied();
        match next {
            Some('{') => {
                if let Some(end) = chars[i + 2..].iter().position(|c| *c == '}') {
                    let name: String = chars[i + 2..i + 2 + end].iter().collect();
                    w.get_or_insert(Word {
                        segs: Vec::new(),
                        quoted: false,
                    })
                    .segs
                    .push(Seg::Var(name));
                    return i + 3 + end;
                }
                push_lit(w, '$');
                i + 1
            }
            Some(c) if c == '?' || c == '#' || c.is_ascii_digit() => {
                w.get_or_insert(Word {
                    segs: Vec::new(),
                    quoted: false,
                })
                .segs
                .push(Seg::Var(c.to_string()));
                i + 2
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < chars.len() && is_name_char(chars[j]) {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                w.get_or_insert(Word {
                    segs: Vec::new(),
                    quoted: false,
                })
                .segs
                .push(Seg::Var(name));
                j
            }
            _ => {
                push_lit(w, '$');
                i + 1
            }
        }
    }
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                flush(&mut word, &mut toks);
                i += 1;
            }
            '#' if word.is_none() => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\n' | ';' => {
                flush(&mut word, &mut toks);
                toks.push(Tok::Op(";"));
                i += 1;
            }
            '&' | '|' => {
                flush(&mut word, &mut toks);
                let double = chars.get(i + 1) == Some(&c);
                toks.push(Tok::Op(match (c, double) {
                    ('&', true) => "&&",
                    ('|', true) => "||",
                    ('|', false) => "|",
                    _ => ";",
                }));
                i += if double { 2 } else { 1 };
            }
            '>' | '<' => {
                // A lone unquoted digit right before `>` is the fd.
                let mut fd = if c == '>' { 1 } else { 0 };
                if let Some(w) = &word {
                    if let [Seg::Lit(s)] = w.segs.as_slice() {
                        if !w.quoted && (s == "1" || s == "2") {
                            fd = if s == "1" { 1 } else { 2 };
                            word = None;
                        }
                    }
                }
                flush(&mut word, &mut toks);
                if c == '<' {
                    toks.push(Tok::Redir(0, RedirKind::In));
                    i += 1;
                } else if chars.get(i + 1) == Some(&'>') {
                    toks.push(Tok::Redir(fd, RedirKind::Append));
                    i += 2;
                } else if chars.get(i + 1) == Some(&'&') {
                    match chars.get(i + 2) {
                        Some(d @ ('1' | '2')) => {
                            toks.push(Tok::Dup(fd, if *d == '1' { 1 } else { 2 }));
                            i += 3;
                        }
                        _ => return Err(Syntax("unexpected redirection".into())),
                    }
                } else {
                    toks.push(Tok::Redir(fd, RedirKind::Out));
                    i += 1;
                }
            }
            '\'' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '\'')
                    .ok_or_else(|| Syntax("unterminated quoted string".into()))?;
                let w = word.get_or_insert(Word {
                    segs: Vec::new(),
                    quoted: true,
                });
                w.quoted = true;
                for ch in &chars[i + 1..i + 1 + end] {
                    push_lit(&mut word, *ch);
                }
                i += end + 2;
            }
            '"' => {
                word.get_or_insert(Word {
                    segs: Vec::new(),
                    quoted: true,
                })
                .quoted = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(Syntax("unterminated quoted string".into())),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`')) => {
                            push_lit(&mut word, chars[i + 1]);
                            i += 2;
                        }
                        Some('$') => i = var(&chars, i, &mut word),
                        Some(ch) => {
                            push_lit(&mut word, *ch);
                            i += 1;
                        }
                    }
                }
            }
            '\\' => {
                match chars.get(i + 1) {
                    Some('\n') => {}
                    Some(ch) => {
                        word.get_or_insert(Word {
                            segs: Vec::new(),
                            quoted: true,
                        })
                        .quoted = true;
                        push_lit(&mut word, *ch);
                    }
                    None => push_lit(&mut word, '\\'),
                }
                i += 2;
            }
            '$' => i = var(&chars, i, &mut word),
            _ => {
                push_lit(&mut word, c);
                i += 1;
            }
        }
    }
    flush(&mut word, &mut toks);
    Ok(toks)
}

/// A parsed script: pipelines joined by `;`, `&&`, `||` (the operator before each one).
pub(super) type Script = Vec<(&'static str, Vec<SimpleCmd>)>;

pub(super) fn parse(toks: Vec<Tok>) -> Result<Script, Syntax> {
    let mut script: Script = Vec::new();
    let mut pipeline: Vec<SimpleCmd> = Vec::new();
    let mut cmd = SimpleCmd::default();
    let mut connector: &'static str = ";";
    let mut it = toks.into_iter().peekable();
    let empty = |c: &SimpleCmd| c.words.is_empty() && c.redirs.is_empty() && c.dups.is_empty();
    while let Some(t) = it.next() {
        match t {
            Tok::Word(w) => cmd.words.push(w),
            Tok::Redir(fd, kind) => match it.next() {
                Some(Tok::Word(w)) => cmd.redirs.push((fd, kind, w)),
                _ => return Err(Syntax("unexpected redirection".into())),
            },
            Tok::Dup(from, to) => cmd.dups.push((from, to)),
            Tok::Op("|") => {
                if empty(&cmd) {
                    return Err(Syntax("unexpected \"|\"".into()));
                }
                pipeline.push(std::mem::take(&mut cmd));
            }
            Tok::Op(op) => {
                if empty(&cmd) {
                    if !pipeline.is_empty() || op != ";" {
                        return Err(Syntax(format!("unexpected \"{op}\"")));
                    }
                    continue;
                }
                pipeline.push(std::mem::take(&mut cmd));
                script.push((connector, std::mem::take(&mut pipeline)));
                connector = if op == "&&" || op == "||" { op } else { ";" };
            }
        }
    }
    if !empty(&cmd) {
        pipeline.push(cmd);
    }
    if !pipeline.is_empty() {
        script.push((connector, pipeline));
    } else if connector != ";" {
        return Err(Syntax("unexpected end of file".into()));
    }
    Ok(script)
}
