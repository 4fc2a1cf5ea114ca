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
