//! Standard output for the commands' results. A reader that stops reading
//! (`xinfang unit list | head`) closes the pipe: that is the end of the
//! output, not an error, so [`say!`] turns the broken pipe into
//! [`OutputClosed`], which `main` takes as success once the command has
//! closed the database. (Rust's `println!` would panic there.)

use std::fmt;
use std::io::Write;

/// The reader of standard output has gone.
#[derive(Debug)]
pub struct OutputClosed;

impl fmt::Display for OutputClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("标准输出已关闭")
    }
}

impl std::error::Error for OutputClosed {}

/// Writes one line to standard output.
pub fn line(args: fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{args}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("无法写入标准输出")),
    }
}

/// Was the command cut short only because its reader stopped reading?
pub fn closed(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<OutputClosed>())
}

/// `println!` that returns `Err(OutputClosed)` on a closed pipe instead of
/// panicking.
macro_rules! say {
    ($($t:tt)*) => { $crate::out::line(format_args!($($t)*)) };
}
pub(crate) use say;
