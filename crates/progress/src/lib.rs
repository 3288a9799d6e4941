//! Progress of long commands (`custodianctl switching download`, `switching
//! export --wait`, `requests fulfil`, `custodian keys rotate`, `custodian
//! worker --once`): on a terminal a bar with the count, the rate and the
//! time left (indicatif, drawn on stderr); otherwise plain lines on the
//! given writer, at most one per `every`, and a last one when done, so logs
//! and CI show the work too. Never on stdout: that is the command's answer.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// What the count is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Items(&'static str),
}

enum Sink<W: Write> {
    Bar(ProgressBar),
    Lines {
        out: Mutex<W>,
        every: Duration,
        last: Mutex<Instant>,
    },
}

pub struct Progress<W: Write> {
    what: String,
    unit: Unit,
    total: Mutex<Option<u64>>,
    done: Mutex<u64>,
    started: Instant,
    sink: Sink<W>,
}

fn bytes(n: f64) -> String {
    const K: f64 = 1024.0;
    if n >= K * K * K {
        format!("{:.1} GiB", n / K / K / K)
    } else if n >= K * K {
        format!("{:.1} MiB", n / K / K)
    } else if n >= K {
        format!("{:.1} KiB", n / K)
    } else {
        format!("{n:.0} B")
    }
}

impl<W: Write> Progress<W> {
    /// A bar when `terminal`, else lines on `out` every `every`.
    pub fn new(
        what: impl Into<String>,
        unit: Unit,
        total: Option<u64>,
        terminal: bool,
        out: W,
        every: Duration,
    ) -> Progress<W> {
        let what = what.into();
        let sink = if terminal {
            let bar = match total {
                Some(t) => ProgressBar::new(t),
                None => ProgressBar::new_spinner(),
            };
            let template = match (unit, total) {
                (Unit::Bytes, Some(_)) => {
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec}, {eta} left"
                }
                (Unit::Items(_), Some(_)) => "{msg} [{bar:30}] {pos}/{len} {per_sec}, {eta} left",
                (Unit::Bytes, None) => "{spinner} {msg} {bytes} {binary_bytes_per_sec}, {elapsed}",
                (Unit::Items(_), None) => "{spinner} {msg} {pos} {per_sec}, {elapsed}",
            };
            if let Ok(s) = ProgressStyle::with_template(template) {
                bar.set_style(s.progress_chars("=> "));
            }
            bar.set_message(what.clone());
            bar.enable_steady_tick(Duration::from_millis(200));
            Sink::Bar(bar)
        } else {
            Sink::Lines {
                out: Mutex::new(out),
                every,
                last: Mutex::new(Instant::now()),
            }
        };
        Progress {
            what,
            unit,
            total: Mutex::new(total),
            done: Mutex::new(0),
            started: Instant::now(),
            sink,
        }
    }

    /// The total, when it becomes known.
    pub fn set_total(&self, total: u64) {
        *self.total.lock().expect("progress") = Some(total);
        if let Sink::Bar(b) = &self.sink {
            b.set_length(total);
        }
    }

    pub fn add(&self, n: u64) {
        let done = {
            let mut d = self.done.lock().expect("progress");
            *d += n;
            *d
        };
        match &self.sink {
            Sink::Bar(b) => b.set_position(done),
            Sink::Lines { every, last, .. } => {
                let mut l = last.lock().expect("progress");
                if l.elapsed() >= *every {
                    *l = Instant::now();
                    drop(l);
                    self.line(false);
                }
            }
        }
    }

    /// The line the plain mode writes (also the last one).
    pub fn describe(&self, finished: bool) -> String {
        let done = *self.done.lock().expect("progress");
        let total = *self.total.lock().expect("progress");
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = done as f64 / secs;
        let pct = |t: u64| {
            if t == 0 {
                100.0
            } else {
                done as f64 * 100.0 / t as f64
            }
        };
        let mut s = match (self.unit, total) {
            (Unit::Bytes, Some(t)) => format!(
                "{}: {} of {} ({:.0}%)",
                self.what,
                bytes(done as f64),
                bytes(t as f64),
                pct(t)
            ),
            (Unit::Bytes, None) => format!("{}: {}", self.what, bytes(done as f64)),
            (Unit::Items(name), Some(t)) => {
                format!("{}: {done} of {t} {name} ({:.0}%)", self.what, pct(t))
            }
            (Unit::Items(name), None) => format!("{}: {done} {name}", self.what),
        };
        let per = match self.unit {
            Unit::Bytes => format!("{}/s", bytes(rate)),
            Unit::Items(_) => format!("{rate:.0}/s"),
        };
        s.push_str(&format!(", {per}"));
        if finished {
            s.push_str(&format!(", done in {secs:.1} s"));
        } else if let Some(t) = total.filter(|t| *t > done && rate > 0.0) {
            s.push_str(&format!(", {:.0} s left", (t - done) as f64 / rate));
        }
        s
    }

    fn line(&self, finished: bool) {
        if let Sink::Lines { out, .. } = &self.sink {
            let l = self.describe(finished);
            let mut o = out.lock().expect("progress");
            let _ = writeln!(o, "{l}");
        }
    }

    /// The end: the bar is cleared, the plain mode writes its last line.
    pub fn finish(self) {
        match &self.sink {
            Sink::Bar(b) => b.finish_and_clear(),
            Sink::Lines { .. } => self.line(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_count_rate_and_time_left() {
        let mut out: Vec<u8> = Vec::new();
        {
            let p = Progress::new(
                "download",
                Unit::Bytes,
                Some(4 * 1024 * 1024),
                false,
                &mut out,
                Duration::ZERO,
            );
            p.add(1024 * 1024);
            p.add(1024 * 1024);
            let mid = p.describe(false);
            assert!(
                mid.starts_with("download: 2.0 MiB of 4.0 MiB (50%), "),
                "{mid}"
            );
            assert!(mid.contains("/s") && mid.ends_with(" s left"), "{mid}");
            p.add(2 * 1024 * 1024);
            p.finish();
        }
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            4,
            "one per step with every = 0, and the last: {text}"
        );
        assert!(
            lines[3].contains("4.0 MiB of 4.0 MiB (100%)") && lines[3].contains("done in"),
            "{text}"
        );
    }

    #[test]
    fn lines_are_periodic_and_items_are_named() {
        let mut out: Vec<u8> = Vec::new();
        {
            let p = Progress::new(
                "sweep",
                Unit::Items("candidates"),
                None,
                false,
                &mut out,
                Duration::from_secs(3600),
            );
            for _ in 0..100 {
                p.add(10);
            }
            p.finish();
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines().count(),
            1,
            "only the last line within the period: {text}"
        );
        assert!(
            text.starts_with("sweep: 1000 candidates, ") && text.contains("/s, done in"),
            "{text}"
        );
    }
}
