//! The progress of long work on stderr (a demo load, indexing old
//! petitions, recomputing deadlines): how much is done, the share, the rate
//! and the time left. On a terminal one line is redrawn in place, at most
//! ten times a second; written to a file (a log, CI) a line comes every few
//! seconds, so that the log stays readable.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often the line is redrawn on a terminal.
const TTY_EVERY: Duration = Duration::from_millis(100);
/// How often a line is written to a file.
const LOG_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    label: &'static str,
    /// What `done` counts up to, when known.
    total: Option<u64>,
    /// As last updated.
    done: u64,
    started: Instant,
    shown: Option<Instant>,
    tty: bool,
}

impl Progress {
    pub fn new(label: &'static str, total: Option<u64>) -> Self {
        Progress { label, total, done: 0, started: Instant::now(), shown: None, tty: std::io::stderr().is_terminal() }
    }

    /// `done` of the work is finished; shows it if it is time to.
    pub fn update(&mut self, done: u64) {
        self.done = done;
        let every = if self.tty { TTY_EVERY } else { LOG_EVERY };
        if self.shown.is_none_or(|t| t.elapsed() >= every) {
            self.show(false);
        }
    }

    /// As [`Progress::update`], out of `total` (known once the work began).
    pub fn update_of(&mut self, done: u64, total: u64) {
        self.total = Some(total);
        self.update(done);
    }

    /// The work is over: the last line, ended.
    pub fn finish(&mut self) {
        self.show(true);
    }

    fn show(&mut self, last: bool) {
        self.shown = Some(Instant::now());
        let text = line(self.label, self.done, self.total, self.started.elapsed());
        let mut err = std::io::stderr().lock();
        let _ = match (self.tty, last) {
            // The new line may be shorter than the last: clear to its end.
            (true, false) => write!(err, "\r{text}\x1b[K"),
            (true, true) => writeln!(err, "\r{text}\x1b[K"),
            (false, _) => writeln!(err, "{text}"),
        };
        let _ = err.flush();
    }
}

/// `label：done/total（share，rate，time left）`, e.g.
/// `写入信访事项：250000/1000000（25%，4300 件/秒，还需约 2 分 54 秒）`.
fn line(label: &str, done: u64, total: Option<u64>, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let mut text = match total {
        Some(t) => format!("{label}：{done}/{t}"),
        None => format!("{label}：{done}"),
    };
    let mut parts = Vec::new();
    if let Some(t) = total.filter(|t| *t > 0) {
        parts.push(format!("{}%", done.min(t) * 100 / t));
    }
    if secs >= 1.0 {
        parts.push(format!("{rate:.0} 件/秒"));
        if let Some(t) = total
            && done < t
            && rate > 0.0
        {
            let left = (t - done) as f64 / rate;
            parts.push(if left < 0.5 { "还需不到 1 秒".into() } else { format!("还需约 {}", duration(left)) });
        }
    }
    if !parts.is_empty() {
        text.push_str(&format!("（{}）", parts.join("，")));
    }
    text
}

/// `1 小时 3 分`, `2 分 54 秒`, `9 秒`, `不到 1 秒`.
fn duration(secs: f64) -> String {
    let s = secs.round() as u64;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, 0) => "不到 1 秒".into(),
        (0, 0, s) => format!("{s} 秒"),
        (0, m, s) => format!("{m} 分 {s} 秒"),
        (h, m, _) => format!("{h} 小时 {m} 分"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_gives_the_share_the_rate_and_the_time_left() {
        let at = |secs| Duration::from_secs(secs);
        assert_eq!(
            line("写入信访事项", 250_000, Some(1_000_000), at(58)),
            "写入信访事项：250000/1000000（25%，4310 件/秒，还需约 2 分 54 秒）"
        );
        // Before a second has passed there is no rate to tell.
        assert_eq!(line("写入信访事项", 500, Some(1000), Duration::from_millis(300)), "写入信访事项：500/1000（50%）");
        // Nearly done: no "about" before "under a second".
        assert_eq!(line("x", 995, Some(1000), at(10)), "x：995/1000（99%，100 件/秒，还需不到 1 秒）");
        // Done: no time left.
        assert_eq!(line("建立检索索引", 40, Some(40), at(2)), "建立检索索引：40/40（100%，20 件/秒）");
        // Without a total: the count and the rate.
        assert_eq!(line("重新计算期限", 1200, None, at(4)), "重新计算期限：1200（300 件/秒）");
        assert_eq!(line("重新计算期限", 0, None, Duration::ZERO), "重新计算期限：0");
        assert_eq!(line("x", 0, Some(0), at(3)), "x：0/0（0 件/秒）");
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration(0.3), "不到 1 秒");
        assert_eq!(duration(9.4), "9 秒");
        assert_eq!(duration(174.0), "2 分 54 秒");
        assert_eq!(duration(3780.0), "1 小时 3 分");
    }
}
