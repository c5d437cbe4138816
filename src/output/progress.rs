//! Transfer progress: the terminal bar's layout (indicatif), and later the plain and JSON
//! progress reporters.

use indicatif::ProgressStyle;

/// The widest each field of a progress line can get (indicatif's `HumanBytes` prints at
/// most `1023.99 KiB`; an ETA is a few characters such as `12m`).
const NAME_MAX: usize = 20;
const NAME_MIN: usize = 8;
const BYTES: usize = 11; // {bytes}
const COUNTS: usize = 2 * BYTES + 1; // {bytes}/{total_bytes}
const RATE: usize = BYTES + 2; // {bytes_per_sec}
const ETA: usize = 4 + 6; // ETA {eta}
const BAR_MIN: usize = 4; // {wide_bar}: anything narrower is no bar

/// The template of a progress line for a terminal `width` columns wide, and the widest its
/// fixed fields can get. A line wider than the terminal wraps, and indicatif then leaves
/// fragments of old frames on screen, so fields are dropped before that: the ETA first,
/// then the rate, then the name shrinks and the counts become one number.
fn progress_layout(width: u16, known_total: bool) -> (String, usize) {
    let w = width as usize;
    if known_total {
        // name + " [" + bar + "] " + ...
        let full = NAME_MAX + 4 + COUNTS + 1 + RATE + 1 + ETA;
        let no_eta = NAME_MAX + 4 + COUNTS + 1 + RATE;
        let no_rate = NAME_MAX + 4 + COUNTS;
        let narrow = 4 + BYTES;
        if w >= full + BAR_MIN {
            (
                format!(
                    "{{msg:{NAME_MAX}!}} [{{wide_bar}}] {{bytes}}/{{total_bytes}} \
                     {{bytes_per_sec}} ETA {{eta}}"
                ),
                full,
            )
        } else if w >= no_eta + BAR_MIN {
            (
                format!(
                    "{{msg:{NAME_MAX}!}} [{{wide_bar}}] {{bytes}}/{{total_bytes}} {{bytes_per_sec}}"
                ),
                no_eta,
            )
        } else if w >= no_rate + BAR_MIN {
            (
                format!("{{msg:{NAME_MAX}!}} [{{wide_bar}}] {{bytes}}/{{total_bytes}}"),
                no_rate,
            )
        } else if w >= NAME_MIN + narrow + BAR_MIN {
            let name = (w - narrow - BAR_MIN).min(NAME_MAX);
            (
                format!("{{msg:{name}!}} [{{wide_bar}}] {{bytes}}"),
                name + narrow,
            )
        } else if w >= 7 + BAR_MIN {
            ("[{wide_bar}] {percent:>3}%".to_string(), 7)
        } else {
            ("{wide_bar}".to_string(), 0)
        }
    } else {
        // name + " " + spinner + " " + bytes [+ " " + rate]
        let full = NAME_MAX + 3 + BYTES + 1 + RATE;
        let no_rate = NAME_MAX + 3 + BYTES;
        if w >= full {
            (
                format!("{{msg:{NAME_MAX}!}} {{spinner}} {{bytes}} {{bytes_per_sec}}"),
                full,
            )
        } else if w >= no_rate {
            (
                format!("{{msg:{NAME_MAX}!}} {{spinner}} {{bytes}}"),
                no_rate,
            )
        } else if w >= NAME_MIN + 3 + BYTES {
            let name = w - 3 - BYTES;
            (
                format!("{{msg:{name}!}} {{spinner}} {{bytes}}"),
                name + 3 + BYTES,
            )
        } else {
            ("{spinner} {bytes}".to_string(), 2 + BYTES)
        }
    }
}

/// The progress style for a terminal `width` columns wide (see [`progress_layout`]).
pub fn progress_style(width: u16, known_total: bool) -> ProgressStyle {
    let (template, _) = progress_layout(width, known_total);
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

#[cfg(test)]
mod progress_tests {
    use std::sync::{Arc, Mutex};

    use indicatif::{ProgressBar, ProgressDrawTarget, TermLike};

    use super::*;

    /// A terminal that records what indicatif writes on it.
    #[derive(Debug, Clone)]
    struct Recorder {
        width: u16,
        writes: Arc<Mutex<Vec<String>>>,
    }

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            self.width
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.writes.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The frames a bar draws at `width` columns, at the widest values its fields can show.
    fn frames(width: u16, total: Option<u64>) -> Vec<String> {
        let term = Recorder {
            width,
            writes: Arc::default(),
        };
        let bar = ProgressBar::with_draw_target(
            total,
            ProgressDrawTarget::term_like(Box::new(term.clone())),
        );
        bar.set_style(progress_style(width, total.is_some()));
        bar.set_message("a-very-long-file-name-that-is-cut.tar.gz");
        // 1023.99 GiB of 1023.99 TiB: the longest numbers HumanBytes prints.
        for pos in [0, 1_099_500_000_000, 1_125_890_000_000_000 - 1] {
            bar.set_position(pos);
            bar.force_draw();
        }
        bar.abandon();
        let writes = term.writes.lock().unwrap().clone();
        writes
            .into_iter()
            .filter(|w| !w.trim().is_empty())
            .collect()
    }

    /// At 60 columns the bar shrank to `[]` and the line wrapped, leaving stale fragments
    /// of old frames on screen: every frame now fits the terminal.
    #[test]
    fn progress_line_never_wider_than_the_terminal() {
        for width in [40u16, 60, 80, 120] {
            for total in [Some(1_125_899_906_842_624 - 1), None] {
                let frames = frames(width, total);
                assert!(!frames.is_empty(), "{width}: nothing drawn");
                for f in &frames {
                    let cols = console::measure_text_width(f);
                    assert!(cols <= width as usize, "{width} cols, {cols}: {f:?}");
                    assert!(!f.contains('\n'), "{f:?}");
                }
                // A bar, not `[]`, whenever the total is known.
                if total.is_some() {
                    assert!(
                        frames.iter().all(|f| f.contains('[') && !f.contains("[]")),
                        "{frames:?}"
                    );
                }
            }
        }
    }

    /// Fields go in order (ETA, then rate) and each layout's widest text leaves room.
    #[test]
    fn progress_layout_drops_eta_then_rate() {
        let t = |w| progress_layout(w, true).0;
        assert!(t(120).contains("ETA") && t(120).contains("bytes_per_sec"));
        assert!(t(80).contains("ETA"), "{}", t(80));
        assert!(!t(70).contains("ETA") && t(70).contains("bytes_per_sec"));
        assert!(!t(60).contains("bytes_per_sec") && t(60).contains("total_bytes"));
        assert!(t(40).contains("{msg:") && t(40).contains("wide_bar"));
        for w in 1..=200u16 {
            for known in [true, false] {
                let (template, widest) = progress_layout(w, known);
                let bar = if template.contains("wide_bar") {
                    BAR_MIN
                } else {
                    0
                };
                assert!(
                    widest + bar <= w as usize || template == "{wide_bar}" || w < 14,
                    "{w}: {template} needs {widest}"
                );
            }
        }
    }
}
