//! A fault-injecting FTP proxy for the fault matrix (tests/it/fault_matrix.rs): it sits
//! between ftpsh and a real server (the in-process libunftp one), passes the control
//! connection through line by line, rewrites every passive reply so data connections come
//! through it too, and injects one planned fault at one planned phase: the greeting, the
//! login, the passive reply, the data connection, a byte offset of a transfer, or the final
//! reply after it. A real server behind it means SIZE, REST, APPE and listings behave as
//! they really do, so a retry or a rerun is checked against real semantics.
//!
//! Every socket is registered and shut down when the proxy is dropped; every wait is
//! bounded (no thread outlives the proxy by more than a poll tick or two).

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where in a session the fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The connection to the control port (with [`Fault::Refused`]: nothing listens).
    Connect,
    /// The server's greeting.
    Greeting,
    /// The reply to PASS.
    Login,
    /// The reply to EPSV or PASV.
    Passive,
    /// The client's data connection: refused.
    DataConnect,
    /// The data of a transfer of the planned verb, after this many bytes (0: before the
    /// first byte; `u64::MAX`: after the last byte, before the connection closes).
    Data(u64),
    /// The final reply of a transfer of the planned verb (the 226 itself).
    Final,
}

/// What happens there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The connection is reset (RST): control, and data in a data phase.
    Reset,
    /// Nothing more is sent (control, or data in a data phase) until the client gives up.
    Stall,
    /// The connection is closed without a reply (in a data phase: data and control).
    Close,
    /// `421 Service not available`, then the control connection closes.
    Reply421,
    /// A transient 4xx instead of the reply (425 for a passive reply, 426 for a final one).
    Reply4xx,
    /// A line that is not an FTP reply instead of the reply.
    Garbage,
    /// Data phase: the data connection closes early, but the server's 226 still comes.
    Short,
    /// Data phase, after the last byte: 1000 bytes more than the file has.
    Excess,
    /// No server listens at all (connect refused).
    Refused,
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::Reset => "reset",
            Fault::Stall => "stall",
            Fault::Close => "close",
            Fault::Reply421 => "421+close",
            Fault::Reply4xx => "4xx",
            Fault::Garbage => "garbage",
            Fault::Short => "short+226",
            Fault::Excess => "excess",
            Fault::Refused => "refused",
        }
    }
}

impl Phase {
    pub fn name(self) -> String {
        match self {
            Phase::Connect => "connect".into(),
            Phase::Greeting => "greeting".into(),
            Phase::Login => "login".into(),
            Phase::Passive => "pasv".into(),
            Phase::DataConnect => "data-connect".into(),
            Phase::Data(0) => "first-byte".into(),
            Phase::Data(u64::MAX) => "after-last".into(),
            Phase::Data(n) => format!("byte {n}"),
            Phase::Final => "226".into(),
        }
    }
}

/// One planned fault: where, what, for which transfer verbs, how many times.
#[derive(Debug, Clone)]
pub struct Plan {
    pub phase: Phase,
    pub fault: Fault,
    /// The data verbs whose transfers count for data and final phases (`RETR`, `STOR`...).
    pub verbs: &'static [&'static str],
    /// How many times to strike (1: the retry finds a healthy server).
    pub times: usize,
}

struct Shared {
    upstream: u16,
    plan: Plan,
    struck: AtomicUsize,
    stop: AtomicBool,
    sockets: Mutex<Vec<TcpStream>>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn register(&self, s: &TcpStream) {
        if let Ok(c) = s.try_clone() {
            self.sockets.lock().unwrap().push(c);
        }
        if self.stopped() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Forget `s` (so that dropping the last handle closes it, which a reset needs).
    fn unregister(&self, s: &TcpStream) {
        let (local, peer) = (s.local_addr().ok(), s.peer_addr().ok());
        self.sockets
            .lock()
            .unwrap()
            .retain(|x| (x.local_addr().ok(), x.peer_addr().ok()) != (local, peer));
    }

    /// Whether the plan strikes here, counting the strike.
    fn strike(&self, phase: Phase) -> bool {
        if self.plan.phase != phase {
            return false;
        }
        self.struck
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.plan.times).then_some(n + 1)
            })
            .is_ok()
    }
}

pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    /// For [`Phase::Connect`]: holds the port so nothing else gets it while it refuses.
    _refusing: Option<socket2::Socket>,
}

const POLL: Duration = Duration::from_millis(20);
/// The longest any proxy wait lasts (a stall holds until the client leaves or this passes).
const LIMIT: Duration = Duration::from_secs(30);

impl Proxy {
    /// Listen on 127.0.0.1 and pass sessions to the server on `upstream`, with `plan`.
    pub fn start(upstream: u16, plan: Plan) -> Proxy {
        let shared = Arc::new(Shared {
            upstream,
            plan,
            struck: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
        });
        if shared.plan.phase == Phase::Connect {
            // Nothing listens there, and the port stays ours.
            let (hold, port) = crate::util::refusing_port();
            shared.struck.store(1, Ordering::SeqCst);
            return Proxy {
                port,
                shared,
                _refusing: Some(hold),
            };
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            while !s.stopped() {
                match listener.accept() {
                    Ok((c, _)) => {
                        let s = Arc::clone(&s);
                        std::thread::spawn(move || control(c, &s));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL),
                    Err(_) => std::thread::sleep(POLL),
                }
            }
        });
        Proxy {
            port,
            shared,
            _refusing: None,
        }
    }

    pub fn url(&self) -> String {
        format!("ftp://127.0.0.1:{}", self.port)
    }

    /// How many times the fault struck.
    pub fn struck(&self) -> usize {
        self.shared.struck.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for s in self.shared.sockets.lock().unwrap().iter() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// Close with RST rather than FIN: linger 0, and every handle of the socket closed. A
/// read-side shutdown sends nothing to the peer but wakes the proxy's own reader of it,
/// which then drops its handle.
fn reset(s: TcpStream, shared: &Shared, state: &SessionState) {
    let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
    let _ = s.shutdown(Shutdown::Read);
    shared.unregister(&s);
    let (local, peer) = (s.local_addr().ok(), s.peer_addr().ok());
    let mut control = state.control.lock().unwrap();
    if control
        .as_ref()
        .is_some_and(|c| (c.local_addr().ok(), c.peer_addr().ok()) == (local, peer))
    {
        *control = None;
    }
    drop(s);
}

/// Hold still until the client closes its side, the proxy stops, or [`LIMIT`] passes.
fn stall(s: &TcpStream, shared: &Shared) {
    let _ = s.set_read_timeout(Some(POLL));
    let mut buf = [0u8; 512];
    let start = Instant::now();
    let mut r = s;
    while !shared.stopped() && start.elapsed() < LIMIT {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    let _ = s.shutdown(Shutdown::Both);
}

/// Per control session: the data verb the client sent last (for the data thread).
#[derive(Default)]
struct SessionState {
    verb: Mutex<Option<String>>,
    /// The data verb and the REST offset before it, for the next data connection, which
    /// takes it (so a retry's connection never reads the verb of the transfer before it).
    /// A data offset in the plan is a byte of the file, so a resumed transfer's connection
    /// starts counting at its REST. (Counting from 0 on every connection made an "always"
    /// fault depend on how many bytes a reset had discarded in flight: a flaky cell.)
    pending: Mutex<Option<(String, u64)>>,
    rest: Mutex<u64>,
    /// A data phase fault closed the session: the final reply must not get through.
    dead: AtomicBool,
    /// The client's control connection, for a data fault that closes it.
    control: Mutex<Option<TcpStream>>,
    /// Data connections of this session still being passed (counted from the passive
    /// reply, so none is missed). A planned transfer's final reply waits for them: the
    /// server's 226 can reach the proxy before the data thread has read the last bytes, and
    /// a fault at or after the last byte must land before the 226 does, as on a real cut.
    /// (Under load the 226 won that race: an "always" cut at the end passed as a success.)
    busy: AtomicUsize,
    /// Sockets holding the ports of refused data connections.
    refusing: Mutex<Vec<socket2::Socket>>,
}

/// One data connection counted in [`SessionState::busy`] until dropped.
struct Busy<'a>(&'a AtomicUsize);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn control(client: TcpStream, shared: &Arc<Shared>) {
    shared.register(&client);
    let Ok(server) = TcpStream::connect(("127.0.0.1", shared.upstream)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    shared.register(&server);
    let state = Arc::new(SessionState::default());
    *state.control.lock().unwrap() = client.try_clone().ok();
    // Client to server: line by line, noting the data verbs.
    {
        let (client, mut server, shared, state) = (
            client.try_clone().unwrap(),
            server.try_clone().unwrap(),
            Arc::clone(shared),
            Arc::clone(&state),
        );
        std::thread::spawn(move || {
            let mut reader = BufReader::new(client);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let verb = String::from_utf8_lossy(&line)
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                if verb == "REST" {
                    let n = String::from_utf8_lossy(&line)
                        .split_whitespace()
                        .nth(1)
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    *state.rest.lock().unwrap() = n;
                }
                if matches!(
                    verb.as_str(),
                    "RETR" | "STOR" | "APPE" | "LIST" | "MLSD" | "NLST"
                ) {
                    let rest = std::mem::take(&mut *state.rest.lock().unwrap());
                    *state.pending.lock().unwrap() = Some((verb.clone(), rest));
                    *state.verb.lock().unwrap() = Some(verb);
                }
                if server.write_all(&line).is_err() || shared.stopped() {
                    break;
                }
            }
            let _ = server.shutdown(Shutdown::Write);
        });
    }
    // Server to client: whole replies, each checked against the plan.
    let mut reader = BufReader::new(server.try_clone().unwrap());
    let mut out = client;
    let mut first = true;
    let mut last_cmd_was_pass = false;
    while let Some(reply) = read_reply(&mut reader) {
        let code = reply.get(..3).unwrap_or("").to_string();
        let phase = if first {
            Some(Phase::Greeting)
        } else if code == "230" || (code.starts_with('5') && last_cmd_was_pass) {
            Some(Phase::Login)
        } else if code == "229" || code == "227" {
            Some(Phase::Passive)
        } else if (code == "226" || code == "250")
            && state
                .verb
                .lock()
                .unwrap()
                .as_deref()
                .is_some_and(|v| shared.plan.verbs.contains(&v))
        {
            *state.verb.lock().unwrap() = None;
            Some(Phase::Final)
        } else {
            None
        };
        last_cmd_was_pass = code == "331";
        first = false;
        if phase == Some(Phase::Final) && matches!(shared.plan.phase, Phase::Data(_)) {
            let start = Instant::now();
            while state.busy.load(Ordering::SeqCst) > 0
                && start.elapsed() < LIMIT
                && !shared.stopped()
            {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        if state.dead.load(Ordering::SeqCst) {
            break;
        }
        let mut reply = reply;
        if let Some(p) = phase
            && shared.strike(p)
        {
            match shared.plan.fault {
                Fault::Reset => {
                    reset(out, shared, &state);
                    return;
                }
                Fault::Stall => {
                    stall(&out, shared);
                    return;
                }
                Fault::Close => {
                    let _ = out.shutdown(Shutdown::Both);
                    return;
                }
                Fault::Reply421 => {
                    let _ = out
                        .write_all(b"421 Service not available, closing control connection.\r\n");
                    let _ = out.shutdown(Shutdown::Both);
                    return;
                }
                Fault::Reply4xx => {
                    reply = match p {
                        Phase::Passive => "425 Cannot open passive connection.\r\n".into(),
                        _ => "426 Connection closed; transfer aborted.\r\n".into(),
                    };
                }
                Fault::Garbage => reply = "\x01\x02garbage, not an FTP reply\r\n".into(),
                _ => {}
            }
        }
        if (code == "229" || code == "227") && reply.starts_with(&code) {
            match passive(&reply, shared, &state) {
                Some(r) => reply = r,
                None => break,
            }
        }
        if out.write_all(reply.as_bytes()).is_err() {
            break;
        }
    }
    let _ = out.shutdown(Shutdown::Both);
}

/// One whole reply (a multi-line one up to its `ddd ` line), at most 64 KiB.
fn read_reply(r: &mut BufReader<TcpStream>) -> Option<String> {
    let mut text = String::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let l = String::from_utf8_lossy(&line).to_string();
        let first_line = text.is_empty();
        text.push_str(&l);
        if text.len() > 65536 {
            return None;
        }
        let code = text.get(..3)?;
        if (first_line && l.as_bytes().get(3) != Some(&b'-'))
            || (!first_line && l.starts_with(code) && l.as_bytes().get(3) == Some(&b' '))
        {
            return Some(text);
        }
    }
}

/// Rewrite a 229/227 reply to a data listener of ours, and start passing its data.
fn passive(reply: &str, shared: &Arc<Shared>, state: &Arc<SessionState>) -> Option<String> {
    let inner = reply.split_once('(')?.1.split_once(')')?.0;
    let upstream: u16 = if reply.starts_with("229") {
        inner.trim_matches('|').parse().ok()?
    } else {
        let n: Vec<u16> = inner
            .split(',')
            .map(|x| x.trim().parse().ok())
            .collect::<Option<_>>()?;
        *n.get(4)? * 256 + *n.get(5)?
    };
    if shared.strike(Phase::DataConnect) {
        // Refused: nothing listens on the port the reply names (held by a socket that
        // never listens, for as long as the session lasts).
        let (hold, port) = crate::util::refusing_port();
        state.refusing.lock().unwrap().push(hold);
        return Some(passive_reply(reply, port));
    }
    let listener = TcpListener::bind("127.0.0.1:0").ok()?;
    let port = listener.local_addr().ok()?.port();
    state.busy.fetch_add(1, Ordering::SeqCst);
    let (shared, state) = (Arc::clone(shared), Arc::clone(state));
    std::thread::spawn(move || {
        let _busy = Busy(&state.busy);
        data(listener, upstream, &shared, &state)
    });
    Some(passive_reply(reply, port))
}

/// The passive reply of the same kind as `reply`, naming our `port`.
fn passive_reply(reply: &str, port: u16) -> String {
    if reply.starts_with("229") {
        format!("229 Entering Extended Passive Mode (|||{port}|)\r\n")
    } else {
        format!(
            "227 Entering Passive Mode (127,0,0,1,{},{})\r\n",
            port / 256,
            port % 256
        )
    }
}

/// Pass one data connection, striking at the planned byte offset.
fn data(listener: TcpListener, upstream: u16, shared: &Arc<Shared>, state: &SessionState) {
    let _ = listener.set_nonblocking(true);
    let start = Instant::now();
    let client = loop {
        match listener.accept() {
            Ok((c, _)) => break c,
            Err(_) if start.elapsed() < Duration::from_secs(10) && !shared.stopped() => {
                std::thread::sleep(POLL)
            }
            Err(_) => return,
        }
    };
    let _ = client.set_nonblocking(false);
    shared.register(&client);
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    shared.register(&server);
    // Which way the data flows: from the verb the client sends after connecting.
    let start = Instant::now();
    let (verb, offset) = loop {
        if let Some(v) = state.pending.lock().unwrap().take() {
            break v;
        }
        if start.elapsed() > Duration::from_secs(10) || shared.stopped() {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let planned = shared.plan.verbs.contains(&verb.as_str());
    let upload = matches!(verb.as_str(), "STOR" | "APPE");
    let (from, to) = if upload {
        (client.try_clone().unwrap(), server.try_clone().unwrap())
    } else {
        (server.try_clone().unwrap(), client.try_clone().unwrap())
    };
    // The side the fault is done to is always the client's.
    let reset_it = pump(from, to, &client, planned, offset, shared, state);
    let _ = server.shutdown(Shutdown::Both);
    if reset_it {
        reset(client, shared, state);
    } else {
        let _ = client.shutdown(Shutdown::Both);
    }
}

/// Pass bytes until the end, or the planned strike; `true`: the client's side must be reset.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    client: &TcpStream,
    planned: bool,
    offset: u64,
    shared: &Arc<Shared>,
    state: &SessionState,
) -> bool {
    let at = match shared.plan.phase {
        Phase::Data(n) if planned => Some(n),
        _ => None,
    };
    // The file offset of the next byte (a resumed transfer starts at its REST).
    let mut sent = offset;
    let mut buf = vec![0u8; 16 * 1024];
    let _ = from.set_read_timeout(Some(LIMIT));
    loop {
        // Strike before passing the byte at the offset.
        if let Some(n) = at
            && n != u64::MAX
            && sent >= n
            && shared.strike(Phase::Data(n))
        {
            return strike_data(client, &mut to, shared, state);
        }
        let want = match at {
            Some(n) if n != u64::MAX && sent < n => ((n - sent) as usize).min(buf.len()),
            _ => buf.len(),
        };
        let k = match from.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(k) => k,
        };
        if to.write_all(&buf[..k]).is_err() {
            return false;
        }
        sent += k as u64;
    }
    at == Some(u64::MAX)
        && shared.strike(Phase::Data(u64::MAX))
        && strike_data(client, &mut to, shared, state)
}

/// Do the planned data fault; `true`: the caller resets the client's data connection.
fn strike_data(
    client: &TcpStream,
    to: &mut TcpStream,
    shared: &Shared,
    state: &SessionState,
) -> bool {
    match shared.plan.fault {
        // The data connection only: the control connection hears the server's reply.
        Fault::Reset => return true,
        Fault::Stall => stall(client, shared),
        // A cut: both connections vanish, no final reply.
        Fault::Close => {
            state.dead.store(true, Ordering::SeqCst);
            let _ = client.shutdown(Shutdown::Both);
            if let Some(c) = state.control.lock().unwrap().as_ref() {
                let _ = c.shutdown(Shutdown::Both);
            }
        }
        Fault::Excess => {
            let _ = to.write_all(&[b'!'; 1000]);
        }
        // Short: the data connection ends here; the server's final reply still comes.
        _ => {}
    }
    false
}
