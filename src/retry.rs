//! Retries of transient faults: which failures are worth another try, how long to wait
//! before it, and the one line each retry shows.
//!
//! A failure is transient when the same request may well succeed a moment later: the
//! server's 421, 425, 426, 450 or 451, a connection reset or closed, a connect timeout, a
//! stalled or short transfer. Everything else is permanent and never retried: a login
//! refused (530), a missing file (550), a name refused (553), a syntax error, a TLS
//! verification failure, a local disk error, Ctrl-C. A refused connection is permanent for
//! the first connect (a wrong port: fail fast, as curl does) but transient while
//! reconnecting for a retry (a server restarting).
//!
//! Retries happen at two levels. A file transfer is retried by itself (see [`run`]: the
//! download resumes from its `.part`, the upload from the server's size), inside `get`,
//! `put`, `pget` and every worker of a many-file run, so a tree goes on with the files not
//! yet done. A whole command is retried by the line runner when it failed before any file
//! transfer started and before it wrote anything to stdout (a listing cut half-way is not
//! printed twice). Waits are bounded by `--retries` and `--retry-max-time`; each is shown.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::error::{self, Interrupted, LocalError, Merged, Remote, UsageError};
use crate::output::Printer;
use crate::output::model::RetryData;
use crate::session::Session;
use crate::settings::Settings;

/// The retry rules as the man page's RETRIES section states them (term, text).
pub const RULES: &[(&str, &str)] = &[
    (
        "Transient",
        "421, 425, 426, 450 and 451 replies, a connection reset or closed, a connect timeout, \
         a data connection that stalls (--stall-timeout) or ends short. These are retried.",
    ),
    (
        "Permanent",
        "530 (login), 550 and 553 (no such file, name refused), other 5xx replies, TLS \
         verification failures, local disk errors, Ctrl-C, and a refused first connection (a \
         wrong port fails at once; a refusal while reconnecting for a retry counts as \
         transient). These are never retried.",
    ),
    (
        "Bounds",
        "At most --retries retries (default 3); none starts later than --retry-max-time \
         seconds after the first try (default: no limit). The first wait is the retry_delay \
         setting (default 1 s), each next one doubles, up to 30 s, spread by 20% either way. \
         Each retry prints one line on stderr, e.g. \"get big.iso: retry 2/3 in 4s: 426 \
         Connection closed\", and with --json a retry object on stdout.",
    ),
    (
        "Resuming",
        "A retried download continues its NAME.part with REST (from the first byte when the \
         server refuses REST); a retried upload continues after the size the server reports, \
         with REST and STOR, or APPE when REST is not offered. A tree (get -r, put -r, \
         mirror, -P) retries each file by itself and goes on with the others. A lost \
         connection is logged in again and returned to the same directory first.",
    ),
    (
        "Commands",
        "Other commands that only read (ls, cat, cd, size, du, find...) are retried whole, \
         but not once they have printed something (a listing is never shown twice). rm, mv, \
         mkdir, rmdir, quote and site are never retried: their second run could do something \
         else.",
    ),
];

/// The longest wait between two tries.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// How often and how long to retry (the `retries`, `retry_delay` and `retry_max_time`
/// settings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub retries: u32,
    /// The wait before the first retry; each next one doubles, up to [`MAX_WAIT`].
    pub delay: Duration,
    /// No retry starts later than this after the first try started.
    pub max_time: Option<Duration>,
}

impl Policy {
    pub fn from_settings(s: &Settings) -> Policy {
        let max = s.number("retry_max_time");
        Policy {
            retries: s.number("retries").min(u32::MAX as u64) as u32,
            delay: Duration::from_secs(s.number("retry_delay")),
            max_time: (max > 0).then(|| Duration::from_secs(max)),
        }
    }

    /// The wait before retry `n` (from 1) without jitter: the delay doubled `n - 1` times,
    /// at most [`MAX_WAIT`].
    pub fn backoff(&self, n: u32) -> Duration {
        let factor = 1u32 << n.saturating_sub(1).min(16);
        self.delay.saturating_mul(factor).min(MAX_WAIT)
    }
}

/// The tries of one unit of work (a command, a file) under a [`Policy`].
#[derive(Debug)]
pub struct Tries {
    pub policy: Policy,
    started: Instant,
    /// Retries made so far.
    pub used: u32,
}

impl Tries {
    pub fn new(policy: Policy) -> Tries {
        Tries {
            policy,
            started: Instant::now(),
            used: 0,
        }
    }

    /// After a failure: the wait before the next try, or `None` when the failure is
    /// permanent or the bounds are spent. `reconnecting`: the failure came from logging in
    /// again for a retry (a refused connection is then transient too).
    pub fn next(&mut self, err: &anyhow::Error, reconnecting: bool) -> Option<Duration> {
        self.next_if(transient(err, reconnecting))
    }

    /// [`Tries::next`] for a failure the caller has judged (`transient`) itself.
    pub fn next_if(&mut self, transient: bool) -> Option<Duration> {
        if self.used >= self.policy.retries || !transient {
            return None;
        }
        let wait = jitter(self.policy.backoff(self.used + 1));
        if let Some(max) = self.policy.max_time
            && self.started.elapsed() + wait > max
        {
            return None;
        }
        self.used += 1;
        Some(wait)
    }
}

/// Whether a failure may well not happen again (see the module doc).
pub fn transient(err: &anyhow::Error, reconnecting: bool) -> bool {
    fn has<T: std::error::Error + Send + Sync + 'static>(err: &anyhow::Error) -> bool {
        // Context layers are found by downcast_ref, causes below them by the chain.
        err.downcast_ref::<T>().is_some() || err.chain().any(|c| c.is::<T>())
    }
    if has::<Interrupted>(err)
        || has::<LocalError>(err)
        || has::<UsageError>(err)
        || has::<Merged>(err)
    {
        return false;
    }
    match err.chain().find_map(|c| c.downcast_ref::<Remote>()) {
        Some(Remote::Reply { code, .. }) => matches!(code, 421 | 425 | 426 | 450 | 451),
        Some(Remote::Lost(_) | Remote::Incomplete(_) | Remote::NoSession(_)) => true,
        Some(Remote::Connect(_)) => reconnecting,
        Some(Remote::Login(_) | Remote::Tls(_) | Remote::Protocol(_) | Remote::WrongKind(_))
        | None => false,
    }
}

/// `wait` spread by ±20%, so that many clients (or workers) cut off at once do not all
/// come back at the same moment.
fn jitter(wait: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    let unit = (h.finish() % 10_001) as f64 / 10_000.0; // 0.0 ..= 1.0
    wait.mul_f64(0.8 + 0.4 * unit)
}

/// `4s`, `1.5s`, `0s`: a wait as the retry line shows it.
pub fn show_wait(wait: Duration) -> String {
    let s = wait.as_secs_f64();
    if s >= 10.0 || (s - s.round()).abs() < 0.05 {
        format!("{:.0}s", s.round())
    } else {
        format!("{s:.1}s")
    }
}

/// Say that `label` (`get big.iso`) is retried, then wait; Ctrl-C cuts the wait short.
pub fn announce_and_wait(
    out: &Printer,
    command: &str,
    target: Option<&str>,
    tries: &Tries,
    wait: Duration,
    err: &anyhow::Error,
) -> Result<()> {
    let label = match target {
        Some(t) => format!("{command} {t}"),
        None => command.to_string(),
    };
    let mut why = error::render(err);
    // The line names the command and the file already: `get a.txt: retry 1/3 in 1s: 426 ...`,
    // not `...: get: a.txt: 426 ...`.
    if let Some(rest) = why.strip_prefix(&format!("{command}: ")) {
        why = rest.to_string();
    }
    if let Some(t) = target {
        let shown = format!("{}: ", crate::listing::display_name(t));
        while let Some(rest) = why.strip_prefix(&shown) {
            why = rest.to_string();
        }
    }
    let reply = error::reply_of(err);
    out.retry(RetryData {
        command: command.to_string(),
        target: target.map(str::to_string),
        attempt: tries.used,
        retries: tries.policy.retries,
        wait: (wait.as_secs_f64() * 10.0).round() / 10.0,
        code: reply.map(|r| r.0),
        reply: reply.map(|r| r.1.to_string()),
        message: format!(
            "{label}: retry {}/{} in {}: {why}",
            tries.used,
            tries.policy.retries,
            show_wait(wait)
        ),
    });
    sleep(wait)
}

/// Sleep, polling Ctrl-C.
pub(crate) fn sleep(wait: Duration) -> Result<()> {
    let end = Instant::now() + wait;
    loop {
        if crate::interrupt::requested() {
            return Err(Interrupted.into());
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

/// Run the transfer `op` on the session until it succeeds, fails for good, or the policy is
/// spent. Before each retry: the line and the wait, then a reconnect when the connection is
/// gone (a failed reconnect is a failed try). Retries run with `Session::retry_resume` set,
/// so the transfer continues where the last try stopped instead of starting over.
pub fn run<T>(
    session: &mut Session,
    out: &Printer,
    command: &str,
    target: &str,
    op: impl FnMut(&mut Session) -> Result<T>,
) -> Result<T> {
    session.units_started += 1;
    let policy = Policy::from_settings(&session.settings);
    let result = retrying(session, out, policy, command, target, op);
    session.retry_resume = false;
    result
}

fn retrying<T>(
    session: &mut Session,
    out: &Printer,
    policy: Policy,
    command: &str,
    target: &str,
    mut op: impl FnMut(&mut Session) -> Result<T>,
) -> Result<T> {
    let mut tries = Tries::new(policy);
    session.retry_resume = false;
    let mut result = session.renew_tls_tickets().and_then(|_| op(session));
    // The last failure came from logging in again: a refusal then counts as transient.
    let mut reconnecting = false;
    loop {
        let err = match result {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        session.note_failure(&err);
        let Some(wait) = tries.next(&err, reconnecting) else {
            return Err(err);
        };
        // The wait is no reply's: the watchdog (--timeout) stands down while it lasts.
        let _ = session.disarm_watchdog();
        announce_and_wait(out, command, Some(target), &tries, wait, &err)?;
        session.arm_watchdog();
        session.retry_resume = true;
        (result, reconnecting) = match session
            .ensure_alive(out)
            .and_then(|_| session.renew_tls_tickets())
        {
            Ok(()) => (op(session), false),
            Err(e) => (Err(e), true),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u32) -> anyhow::Error {
        Remote::Reply {
            code,
            text: "x".into(),
        }
        .into()
    }

    #[test]
    fn transient_faults_are_the_issue_s_list() {
        for code in [421, 425, 426, 450, 451] {
            assert!(transient(&reply(code), false), "{code}");
        }
        for code in [500, 501, 502, 504, 530, 550, 552, 553] {
            assert!(!transient(&reply(code), false), "{code}");
        }
        assert!(transient(&Remote::Lost("reset".into()).into(), false));
        assert!(transient(&Remote::Incomplete("short".into()).into(), false));
        assert!(transient(
            &Remote::NoSession("timeout".into()).into(),
            false
        ));
        assert!(!transient(&Remote::Tls("bad cert".into()).into(), false));
        assert!(!transient(&Remote::Login("530".into()).into(), false));
        assert!(!transient(
            &Remote::Protocol("garbage".into()).into(),
            false
        ));
        // Refused: permanent for a first connect, transient while reconnecting.
        let refused: anyhow::Error = Remote::Connect("refused".into()).into();
        assert!(!transient(&refused, false));
        assert!(transient(&refused, true));
        // Local trouble and Ctrl-C end it, whatever the server said before.
        let disk = anyhow::Error::new(Remote::Lost("x".into()))
            .context(LocalError::new("f", std::io::Error::other("full")));
        assert!(!transient(&disk, false));
        assert!(!transient(&Interrupted.into(), false));
        // Each permanent kind on its own, over a transient cause (cargo-mutants found the
        // usage case untested).
        let over_lost = |e: anyhow::Error| e.context("x");
        let lost = || anyhow::Error::new(Remote::Lost("x".into()));
        assert!(!transient(&lost().context(UsageError("bad".into())), false));
        assert!(!transient(&lost().context(Interrupted), false));
        assert!(!transient(&over_lost(lost().context(Interrupted)), false));
        // Context does not hide the cause.
        assert!(transient(&reply(426).context("get: a.txt"), false));
        // Many files whose own retries are spent are not retried again as a whole.
        let merged = anyhow::Error::new(Merged {
            failed: 1,
            total: 2,
            what: "files",
            code: 8,
        });
        assert!(!transient(&merged, false));
    }

    #[test]
    fn backoff_doubles_from_the_delay_up_to_thirty_seconds() {
        let p = Policy {
            retries: 10,
            delay: Duration::from_secs(1),
            max_time: None,
        };
        let waits: Vec<u64> = (1..=7).map(|n| p.backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(p.backoff(1000), MAX_WAIT);
        let zero = Policy {
            delay: Duration::ZERO,
            ..p
        };
        assert_eq!(zero.backoff(5), Duration::ZERO);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..200 {
            let w = jitter(Duration::from_secs(10));
            assert!(
                w >= Duration::from_secs(8) && w <= Duration::from_secs(12),
                "{w:?}"
            );
        }
    }

    #[test]
    fn tries_stop_at_the_count_and_at_permanent_failures() {
        let p = Policy {
            retries: 2,
            delay: Duration::ZERO,
            max_time: None,
        };
        let mut t = Tries::new(p);
        assert_eq!(t.next(&reply(550), false), None);
        assert_eq!(t.used, 0);
        assert_eq!(t.next(&reply(426), false), Some(Duration::ZERO));
        assert_eq!(t.next(&reply(426), false), Some(Duration::ZERO));
        assert_eq!(t.next(&reply(426), false), None);
        assert_eq!(t.used, 2);
        let mut none = Tries::new(Policy { retries: 0, ..p });
        assert_eq!(none.next(&reply(426), false), None);
    }

    #[test]
    fn each_retry_waits_twice_as_long_as_the_one_before() {
        // cargo-mutants: backoff(used * 1) instead of (used + 1) went unnoticed.
        let mut t = Tries::new(Policy {
            retries: 3,
            delay: Duration::from_secs(1),
            max_time: None,
        });
        for want in [1.0, 2.0, 4.0] {
            let w = t.next(&reply(426), false).unwrap().as_secs_f64();
            assert!(w >= want * 0.8 && w <= want * 1.2, "{w} for {want}");
        }
    }

    #[test]
    fn tries_stop_when_the_next_wait_would_pass_the_max_time() {
        let p = Policy {
            retries: 100,
            delay: Duration::from_secs(4),
            max_time: Some(Duration::from_secs(5)),
        };
        let mut t = Tries::new(p);
        // 4 s ± 20% fits in 5 s; the next (8 s ± 20%) would not.
        assert!(t.next(&reply(421), false).is_some());
        t.started -= Duration::from_secs(4);
        assert_eq!(t.next(&reply(421), false), None);
    }

    /// The line and the JSON object of a retry, as `announce_and_wait` writes them
    /// (cargo-mutants found the JSON `wait` rounding untested).
    #[test]
    fn a_retry_is_one_line_and_one_json_object_with_its_wait() {
        use crate::output::test_buf::Buf;
        let (out, err) = (Buf::default(), Buf::default());
        let printer = Printer::buffered(true, out.clone(), err.clone());
        let mut tries = Tries::new(Policy {
            retries: 3,
            delay: Duration::ZERO,
            max_time: None,
        });
        tries.used = 2;
        let e = reply(426)
            .context(crate::error::Subject::new("f"))
            .context("get");
        announce_and_wait(
            &printer,
            "get",
            Some("f"),
            &tries,
            Duration::from_millis(250),
            &e,
        )
        .unwrap();
        assert_eq!(err.text(), "get f: retry 2/3 in 0.2s: 426 x\n");
        let line = out.text();
        let last = line.lines().last().unwrap();
        let v: serde_json::Value = serde_json::from_str(last).unwrap();
        assert_eq!(v["type"], "retry");
        assert_eq!(v["data"]["wait"], 0.3);
        assert_eq!(
            (v["data"]["attempt"].as_u64(), v["data"]["code"].as_u64()),
            (Some(2), Some(426))
        );
        assert_eq!(v["data"]["target"], "f");
    }

    #[test]
    fn waits_show_as_whole_seconds_or_one_decimal() {
        assert_eq!(show_wait(Duration::from_secs(4)), "4s");
        assert_eq!(show_wait(Duration::from_millis(1500)), "1.5s");
        assert_eq!(show_wait(Duration::from_millis(12_400)), "12s");
        assert_eq!(show_wait(Duration::ZERO), "0s");
    }
}
