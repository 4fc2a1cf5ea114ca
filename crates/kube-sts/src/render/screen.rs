//! In-place drawing of watch frames (`sts-visits --watch`) on a terminal through crossterm: the cursor is hidden
//! while watching and shown again when the [`Screen`] is dropped (Ctrl-C, errors, the end).

use std::io::{self, Stdout, Write};

use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::style::Print;
use crossterm::terminal::{Clear, ClearType};
use crossterm::{execute, queue};

/// The terminal while `--watch` draws on it.
pub struct Screen {
    out: Stdout,
}

impl Screen {
    /// Takes over stdout (a terminal): clears it and hides the cursor.
    pub fn open() -> Screen {
        let mut out = io::stdout();
        let _ = execute!(out, Hide, Clear(ClearType::All), MoveTo(0, 0));
        Screen { out }
    }

    /// Replaces what is on screen with `frame`, line by line (no flicker of a full clear).
    pub fn draw(&mut self, frame: &str) -> io::Result<()> {
        queue!(self.out, MoveTo(0, 0))?;
        for line in frame.lines() {
            queue!(
                self.out,
                Print(line),
                Clear(ClearType::UntilNewLine),
                Print("\r\n")
            )?;
        }
        queue!(self.out, Clear(ClearType::FromCursorDown))?;
        self.out.flush()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = execute!(self.out, Show, Print("\r\n"));
    }
}

/// Columns to fit `history` into: the terminal's width when stdout is one, else `COLUMNS`
/// when set (as `ls` does), else none (pipes get whole lines).
pub fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        if let Ok((cols, _)) = crossterm::terminal::size() {
            return Some(cols as usize);
        }
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
}
