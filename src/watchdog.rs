//! A watchdog for the control connection: bounds a wait as a whole and lets Ctrl-C cut it.
//!
//! Socket read timeouts bound each read, not a reply: a server that sends its banner one byte
//! every two seconds never trips a 5 s read timeout, and a blocking read cannot see Ctrl-C.
//! The watchdog is a thread that holds a clone of the control socket. While armed it wakes at
//! least every [`POLL`]; when the deadline passes, or Ctrl-C is pressed after it was armed,
//! it shuts the socket down, which ends whatever read or write is blocked on it. The caller
//! then asks [`Watchdog::fired`] why its call failed and reports that instead of the broken
//! socket. A transfer pauses it (the data connection has its own idle timeout, and Ctrl-C
//! there means ABOR, not a dropped connection).

use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{Interrupted, Remote};

/// How often an armed watchdog looks at the Ctrl-C flag.
pub const POLL: Duration = Duration::from_millis(50);

/// Why the watchdog cut the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fired {
    Timeout(Duration),
    Interrupted,
}

impl Fired {
    /// The error a command that was cut reports: exit 8 for a timeout, 130 for Ctrl-C.
    pub fn error(self) -> anyhow::Error {
        match self {
            Fired::Timeout(t) => Remote::Lost(format!(
                "timed out: no complete reply from the server within {} s (--timeout)",
                t.as_secs_f64().ceil() as u64
            ))
            .into(),
            Fired::Interrupted => Interrupted.into(),
        }
    }
}

#[derive(Default)]
struct State {
    /// Armed: the deadline, its length (for the message) and the Ctrl-C count at arming.
    armed: Option<(Instant, Duration, u64)>,
    fired: Option<Fired>,
    stop: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    /// The watched socket: set at creation, or later for implicit FTPS, whose control socket
    /// suppaftp opens itself (the TLS connector hands it over, see `tls::Connector`).
    sock: Mutex<Option<TcpStream>>,
}

pub struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// A disarmed watchdog with no socket yet (see [`Watchdog::watch`]).
    pub fn new() -> std::io::Result<Watchdog> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            sock: Mutex::new(None),
        });
        let inner = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("ftpsh-watchdog".into())
            .spawn(move || watch(&inner))?;
        Ok(Watchdog {
            shared,
            thread: Some(thread),
        })
    }

    /// Watch `sock` (a clone is kept) unless a socket is watched already. When the watchdog
    /// fired before the socket arrived, it is shut down at once.
    pub fn watch(&self, sock: &TcpStream) {
        let mut slot = self.shared.sock.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return;
        }
        if let Ok(clone) = sock.try_clone() {
            if self.fired().is_some() {
                let _ = clone.shutdown(Shutdown::Both);
            }
            *slot = Some(clone);
        }
    }

    /// Arm for `limit` from now; a Ctrl-C pressed from now on also fires it. Clears an
    /// earlier firing.
    pub fn arm(&self, limit: Duration) {
        self.arm_until(Instant::now() + limit, limit);
    }

    /// Arm until `deadline` (`limit` is what the message will call the time allowed).
    pub fn arm_until(&self, deadline: Instant, limit: Duration) {
        let mut s = self.lock();
        s.armed = Some((deadline, limit, crate::interrupt::presses()));
        s.fired = None;
        self.shared.wake.notify_all();
    }

    /// Stop watching (a transfer's data phase, or the end of a command).
    pub fn disarm(&self) {
        self.lock().armed = None;
        self.shared.wake.notify_all();
    }

    /// Disarm, and take the reason it fired (if it did) so that it is reported once.
    pub fn disarm_and_take(&self) -> Option<Fired> {
        let mut s = self.lock();
        s.armed = None;
        self.shared.wake.notify_all();
        s.fired.take()
    }

    /// Whether (and why) the watchdog cut the connection since it was last armed.
    pub fn fired(&self) -> Option<Fired> {
        self.lock().fired
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means the watchdog thread panicked; its state is still valid.
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.lock().stop = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn watch(shared: &Shared) {
    let mut s = shared.state.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if s.stop {
            return;
        }
        let Some((deadline, limit, presses)) = s.armed else {
            s = shared.wake.wait(s).unwrap_or_else(|p| p.into_inner());
            continue;
        };
        let now = Instant::now();
        let why = if crate::interrupt::presses() != presses {
            Some(Fired::Interrupted)
        } else if now >= deadline {
            Some(Fired::Timeout(limit))
        } else {
            None
        };
        if let Some(why) = why {
            s.fired = Some(why);
            s.armed = None;
            if let Some(sock) = &*shared.sock.lock().unwrap_or_else(|p| p.into_inner()) {
                let _ = sock.shutdown(Shutdown::Both);
            }
            continue;
        }
        let wait = POLL.min(deadline - now);
        s = shared
            .wake
            .wait_timeout(s, wait)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        (c, s)
    }

    #[test]
    fn an_armed_watchdog_ends_a_blocked_read_at_its_deadline() {
        let (mut client, _server) = pair();
        let dog = Watchdog::new().unwrap();
        dog.watch(&client);
        dog.arm(Duration::from_millis(300));
        let start = Instant::now();
        let mut buf = [0u8; 1];
        // Without the watchdog this read would block forever: the server never writes.
        let n = client.read(&mut buf).unwrap_or(0);
        assert_eq!(n, 0);
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(300), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_eq!(
            dog.fired(),
            Some(Fired::Timeout(Duration::from_millis(300)))
        );
    }

    /// Threads of this process named `ftpsh-watchdog` (Linux: /proc/self/task/*/comm).
    fn watchdog_threads() -> usize {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .flatten()
                    .filter(|t| {
                        std::fs::read_to_string(t.path().join("comm"))
                            .is_ok_and(|c| c.trim() == "ftpsh-watchdog")
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    #[test]
    fn dropping_a_watchdog_ends_its_thread() {
        // One watchdog per connection: a reconnecting session must not leak threads. Other
        // tests may hold watchdogs meanwhile, so count relative to a burst of our own.
        let dogs: Vec<Watchdog> = (0..20).map(|_| Watchdog::new().unwrap()).collect();
        // A thread names itself once it runs.
        let deadline = Instant::now() + Duration::from_secs(5);
        while watchdog_threads() < 20 {
            assert!(Instant::now() < deadline, "watchdog threads never started");
            std::thread::sleep(Duration::from_millis(10));
        }
        let with = watchdog_threads();
        drop(dogs);
        while watchdog_threads() + 20 > with {
            assert!(
                Instant::now() < deadline,
                "watchdog threads outlive their Watchdog"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_disarmed_watchdog_leaves_the_socket_alone() {
        let (client, mut server) = pair();
        let dog = Watchdog::new().unwrap();
        dog.watch(&client);
        dog.arm(Duration::from_millis(100));
        dog.disarm();
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(dog.fired(), None);
        use std::io::Write;
        server.write_all(b"x").unwrap();
        let mut buf = [0u8; 1];
        let mut c = &client;
        assert_eq!(c.read(&mut buf).unwrap(), 1);
    }
}
