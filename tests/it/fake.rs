//! A scripted, thread-based FTP server for the faults real servers will not produce on demand:
//! a transfer cut mid-way, a control connection closed after PASS, a server that never answers,
//! odd multi-line replies. The test supplies a script mapping each command line to an [`Action`];
//! [`default_script`] covers the login chatter so a script only spells out what it is testing.
//!
//! Every socket the server owns is registered so that dropping the [`FakeServer`] can shut them all
//! down: that unblocks every session thread at once and keeps the drop bounded even while a
//! session is "hanging" or a client is not reading.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the fake server does with one command line.
#[derive(Debug, Clone)]
pub enum Action {
    /// Send this reply; a multi-line text is sent line by line, each ended with CRLF.
    Reply(String),
    /// For RETR/LIST/MLSD/NLST: reply `preliminary` (e.g. "150 ok"), accept the passive data
    /// connection and send `data` on it. Then if `cut`, drop the data connection and the control
    /// connection without a final reply; else close the data connection and reply `then`.
    Data {
        preliminary: String,
        data: Vec<u8>,
        cut: bool,
        then: String,
    },
    /// For RETR: like `Data`, but `chunk` is written `count` times with `every` in between, so
    /// a transfer lasts long enough for a test to watch its progress bar and interrupt it.
    /// When the client goes away mid-way the server replies 426 and carries on.
    Trickle {
        preliminary: String,
        chunk: Vec<u8>,
        count: usize,
        every: Duration,
        then: String,
    },
    /// For STOR/APPE: reply `preliminary`, read the data connection to EOF (kept for
    /// [`FakeServer::uploads`]), then reply `then`.
    Upload { preliminary: String, then: String },
    /// For STOR/APPE: reply `preliminary`, read `keep` bytes of the upload, then shut the
    /// data connection down with the rest unread (what comes after is answered with a reset,
    /// so the client's writes fail) and reply `then`: a server whose disk or quota ran out
    /// mid-upload.
    UploadCut {
        preliminary: String,
        keep: usize,
        then: String,
    },
    /// For STOR/APPE: like `Upload`, but read only `chunk` bytes every `every` (counted in
    /// [`FakeServer::received`]) so an upload lasts long enough to be interrupted. When the
    /// client closes the data connection the server replies `then`.
    SlowUpload {
        preliminary: String,
        chunk: usize,
        every: Duration,
        then: String,
    },
    /// Close the control connection abruptly.
    Close,
    /// Like `Data` (not cut), but the control connection is closed after the final reply
    /// `then`: vsftpd ends a session that way after `500 OOPS: ...`.
    DataThenClose {
        preliminary: String,
        data: Vec<u8>,
        then: String,
    },
    /// Never answer this or any later command (the client is expected to time out).
    Hang,
    /// Send this reply after a pause (a server hashing a large file before it answers).
    Late(Duration, String),
}

impl Action {
    /// `Data` that completes: `150`, all of `data` on the data connection, then `226`.
    pub fn sent(data: impl Into<Vec<u8>>) -> Action {
        Action::Data {
            preliminary: "150 Opening data connection".into(),
            data: data.into(),
            cut: false,
            then: "226 Transfer complete".into(),
        }
    }
}

/// A running fake server; dropping it stops it (waiting at most about 2 s).
pub struct FakeServer {
    port: u16,
    shared: Arc<Shared>,
    finished: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

type Script = dyn Fn(&str) -> Action + Send + Sync;

/// State shared by the accept thread, the session threads and the handle.
struct Shared {
    script: Box<Script>,
    /// Sent on connect, line by line like a reply.
    greeting: String,
    commands: Mutex<Vec<String>>,
    /// The same lines as the bytes that came (names in a charset other than UTF-8).
    raw_commands: Mutex<Vec<Vec<u8>>>,
    uploads: Mutex<Vec<Vec<u8>>>,
    /// Bytes read so far by `SlowUpload`.
    received: std::sync::atomic::AtomicUsize,
    stop: AtomicBool,
    /// Clones of every socket in use, shut down on drop.
    sockets: Mutex<Vec<TcpStream>>,
    /// With [`FakeServer::start_with_login_limit`]: how many connections may be logged in at
    /// once.
    login_limit: Option<usize>,
    /// Connections logged in now (counted only with a login limit).
    logged_in: std::sync::atomic::AtomicUsize,
    /// How long after its connection closed a login is given back.
    release_after: Duration,
}

thread_local! {
    /// What [`rest_offset`] tells a script: set on the session's thread before each call.
    static REST_NOW: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// For a script: the offset of the last REST on the connection whose command it answers,
/// until a transfer command uses it (0 without one). Scripts see command lines only, and
/// several connections at once (segmented downloads) each have their own.
pub fn rest_offset() -> u64 {
    REST_NOW.with(|r| r.get())
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Register `stream` for shutdown on drop; `false` if the server is already stopping.
    fn register(&self, stream: &TcpStream) -> bool {
        let mut sockets = self.sockets.lock().unwrap();
        // Checked under the lock that `stop_all` holds, so no socket escapes the shutdown.
        if self.stopped() {
            let _ = stream.shutdown(Shutdown::Both);
            return false;
        }
        if let Ok(clone) = stream.try_clone() {
            sockets.push(clone);
        }
        true
    }

    fn stop_all(&self) {
        let sockets = self.sockets.lock().unwrap();
        self.stop.store(true, Ordering::SeqCst);
        for s in sockets.iter() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// How long the server waits for the client's data connection, and for a stuck client write.
const IO_WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(10);

impl FakeServer {
    /// Listen on 127.0.0.1 (OS-chosen port) and answer every connection with `script`, which is
    /// called for each control command line (without CRLF). A `220` greeting is sent on connect.
    pub fn start(script: impl Fn(&str) -> Action + Send + Sync + 'static) -> FakeServer {
        FakeServer::start_with_greeting("220 fake FTP server ready", script)
    }

    /// Like [`FakeServer::start`], greeting each connection with `greeting` (a multi-line
    /// text is sent line by line).
    pub fn start_with_greeting(
        greeting: &str,
        script: impl Fn(&str) -> Action + Send + Sync + 'static,
    ) -> FakeServer {
        FakeServer::start_inner(greeting, None, Duration::ZERO, script)
    }

    /// Like [`FakeServer::start`], with at most `limit` connections logged in at once: a PASS
    /// beyond it gets `421 Too many connections` (vsftpd's `max_per_ip`, proftpd's
    /// `MaxConnectionsPerHost`). A login is given back `release_after` its connection
    /// closed: a real server notices a close some time after the client made it.
    pub fn start_with_login_limit(
        limit: usize,
        release_after: Duration,
        script: impl Fn(&str) -> Action + Send + Sync + 'static,
    ) -> FakeServer {
        FakeServer::start_inner(
            "220 fake FTP server ready",
            Some(limit),
            release_after,
            script,
        )
    }

    fn start_inner(
        greeting: &str,
        login_limit: Option<usize>,
        release_after: Duration,
        script: impl Fn(&str) -> Action + Send + Sync + 'static,
    ) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        // Polled, so the accept thread notices `stop` without needing a wake-up connection.
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let port = listener.local_addr().expect("listener address").port();
        let shared = Arc::new(Shared {
            script: Box::new(script),
            greeting: greeting.to_string(),
            commands: Mutex::new(Vec::new()),
            raw_commands: Mutex::new(Vec::new()),
            uploads: Mutex::new(Vec::new()),
            received: std::sync::atomic::AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
            login_limit,
            logged_in: std::sync::atomic::AtomicUsize::new(0),
            release_after,
        });
        let (finished_tx, finished_rx) = mpsc::channel();
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("fake-ftp-{port}"))
                .spawn(move || {
                    accept_loop(&listener, &shared);
                    let _ = finished_tx.send(());
                })
                .expect("spawn fake server thread")
        };
        FakeServer {
            port,
            shared,
            finished: finished_rx,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `ftp://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("ftp://127.0.0.1:{}", self.port)
    }

    /// Every command line received so far on any connection, in order, verbatim (PASS
    /// arguments included, so tests can check a password never leaks elsewhere).
    pub fn commands(&self) -> Vec<String> {
        self.shared.commands.lock().unwrap().clone()
    }

    /// Every command line received so far, as bytes (without CRLF).
    pub fn raw_commands(&self) -> Vec<Vec<u8>> {
        self.shared.raw_commands.lock().unwrap().clone()
    }

    /// The bytes of every completed [`Action::Upload`], in order.
    pub fn uploads(&self) -> Vec<Vec<u8>> {
        self.shared.uploads.lock().unwrap().clone()
    }

    /// Bytes a `SlowUpload` has read so far.
    pub fn received(&self) -> usize {
        self.shared.received.load(Ordering::SeqCst)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shared.stop_all();
        if self.finished.recv_timeout(Duration::from_secs(2)).is_ok()
            && let Some(thread) = self.thread.take()
        {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut sessions = Vec::new();
    while !shared.stopped() {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = Arc::clone(shared);
                sessions.push(std::thread::spawn(move || {
                    let mut logged_in = false;
                    let _ = session(stream, &shared, &mut logged_in);
                    if logged_in {
                        if !shared.stopped() {
                            std::thread::sleep(shared.release_after);
                        }
                        shared.logged_in.fetch_sub(1, Ordering::SeqCst);
                    }
                }));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(_) => std::thread::sleep(POLL),
        }
    }
    // Their sockets are shut down, so every session thread is on its way out.
    for s in sessions {
        let _ = s.join();
    }
}

fn send(stream: &mut TcpStream, text: &str) -> std::io::Result<()> {
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(line);
        out.push_str("\r\n");
    }
    stream.write_all(out.as_bytes())?;
    stream.flush()
}

/// Write `data` on a data connection and close it as a finished transfer does.
fn send_and_close(mut conn: TcpStream, data: &[u8]) -> std::io::Result<()> {
    let written = conn.write_all(data);
    let _ = conn.flush();
    let _ = conn.shutdown(Shutdown::Write);
    written
}

/// One control connection.
///
/// `logged_in` is set when the connection takes one of the logins a login limit allows (the
/// caller gives it back when the connection ends, whatever the way).
fn session(stream: TcpStream, shared: &Shared, logged_in: &mut bool) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_write_timeout(Some(IO_WAIT))?;
    if !shared.register(&stream) {
        return Ok(());
    }
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    send(&mut out, &shared.greeting)?;

    let mut passive: Option<TcpListener> = None;
    let mut hung = false;
    let mut rest = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let cmd = String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_string();
        shared.commands.lock().unwrap().push(cmd.clone());
        let raw = line.strip_suffix(b"\n").unwrap_or(&line);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        shared.raw_commands.lock().unwrap().push(raw.to_vec());
        if hung {
            continue;
        }
        let v = verb(&cmd);
        if v == "REST" {
            rest = cmd.get(4..).unwrap_or("").trim().parse().unwrap_or(0);
        }
        REST_NOW.with(|r| r.set(rest));
        if v == "PASS"
            && !*logged_in
            && let Some(limit) = shared.login_limit
        {
            // Taken and checked in one step, so logins at the same moment cannot all pass.
            if shared.logged_in.fetch_add(1, Ordering::SeqCst) >= limit {
                shared.logged_in.fetch_sub(1, Ordering::SeqCst);
                send(&mut out, "421 Too many connections from your address")?;
                continue;
            }
            *logged_in = true;
        }
        let action = (shared.script)(&cmd);
        // A REST holds for the next transfer only.
        if matches!(
            v.as_str(),
            "RETR" | "STOR" | "APPE" | "LIST" | "NLST" | "MLSD"
        ) {
            rest = 0;
        }
        match action {
            Action::Reply(text) => {
                send(&mut out, &text)?;
                // A passive reply made by `default_script`: take over its listener.
                if let Some(port) = passive_port(&text)
                    && let Some(l) = take_passive_listener(port)
                {
                    passive = Some(l);
                }
                if verb(&cmd) == "QUIT" {
                    return Ok(());
                }
            }
            Action::Data {
                preliminary,
                data,
                cut,
                then,
            } => {
                let Some(mut conn) = open_data(&mut out, &preliminary, passive.take(), shared)?
                else {
                    continue;
                };
                if cut {
                    let _ = conn.write_all(&data);
                    // The fault: both connections vanish, no final reply.
                    let _ = conn.shutdown(Shutdown::Both);
                    let _ = out.shutdown(Shutdown::Both);
                    return Ok(());
                }
                let written = send_and_close(conn, &data);
                if written.is_err() {
                    send(&mut out, "426 Data connection lost")?;
                } else {
                    send(&mut out, &then)?;
                }
            }
            Action::Trickle {
                preliminary,
                chunk,
                count,
                every,
                then,
            } => {
                let Some(mut conn) = open_data(&mut out, &preliminary, passive.take(), shared)?
                else {
                    continue;
                };
                let mut ok = true;
                for _ in 0..count {
                    if shared.stopped() || conn.write_all(&chunk).is_err() {
                        ok = false;
                        break;
                    }
                    std::thread::sleep(every);
                }
                let _ = conn.shutdown(Shutdown::Both);
                drop(conn);
                if ok {
                    send(&mut out, &then)?;
                } else {
                    send(&mut out, "426 Connection closed; transfer aborted")?;
                }
            }
            Action::Upload { preliminary, then } => {
                let Some(mut conn) = open_data(&mut out, &preliminary, passive.take(), shared)?
                else {
                    continue;
                };
                let mut body = Vec::new();
                conn.set_read_timeout(Some(IO_WAIT))?;
                match conn.read_to_end(&mut body) {
                    Ok(_) => {
                        shared.uploads.lock().unwrap().push(body);
                        send(&mut out, &then)?;
                    }
                    Err(_) => send(&mut out, "426 Data connection lost")?,
                }
            }
            Action::UploadCut {
                preliminary,
                keep,
                then,
            } => {
                let Some(conn) = open_data(&mut out, &preliminary, passive.take(), shared)? else {
                    continue;
                };
                conn.set_read_timeout(Some(IO_WAIT))?;
                let mut body = Vec::new();
                let _ = (&conn).take(keep as u64).read_to_end(&mut body);
                shared.uploads.lock().unwrap().push(body);
                // Shut down, not dropped: the registered clone would keep it open. Data that
                // arrives after this is answered with a reset.
                let _ = conn.shutdown(Shutdown::Both);
                send(&mut out, &then)?;
            }
            Action::SlowUpload {
                preliminary,
                chunk,
                every,
                then,
            } => {
                let Some(mut conn) = open_data(&mut out, &preliminary, passive.take(), shared)?
                else {
                    continue;
                };
                conn.set_read_timeout(Some(IO_WAIT))?;
                let mut buf = vec![0u8; chunk];
                // Bounded: at most as long as IO_WAIT of silence, or until the server stops.
                while !shared.stopped() {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            shared.received.fetch_add(n, Ordering::SeqCst);
                        }
                    }
                    std::thread::sleep(every);
                }
                drop(conn);
                send(&mut out, &then)?;
            }
            Action::Close => {
                let _ = out.shutdown(Shutdown::Both);
                return Ok(());
            }
            Action::DataThenClose {
                preliminary,
                data,
                then,
            } => {
                let Some(conn) = open_data(&mut out, &preliminary, passive.take(), shared)? else {
                    continue;
                };
                let _ = send_and_close(conn, &data);
                send(&mut out, &then)?;
                let _ = out.shutdown(Shutdown::Both);
                return Ok(());
            }
            // Keep reading (and recording) so the client's later commands are visible to the
            // test, but never answer again.
            Action::Hang => hung = true,
            Action::Late(pause, text) => {
                std::thread::sleep(pause);
                send(&mut out, &text)?;
            }
        }
    }
}

/// The preliminary reply, then the client's data connection; without one, 425 and `None`.
fn open_data(
    out: &mut TcpStream,
    preliminary: &str,
    listener: Option<TcpListener>,
    shared: &Shared,
) -> std::io::Result<Option<TcpStream>> {
    send(out, preliminary)?;
    let conn = accept_data(listener, shared);
    if conn.is_none() {
        send(out, "425 Can't open data connection")?;
    }
    Ok(conn)
}

/// Wait (bounded) for the client to connect to the passive listener.
fn accept_data(listener: Option<TcpListener>, shared: &Shared) -> Option<TcpStream> {
    let listener = listener?;
    listener.set_nonblocking(true).ok()?;
    let deadline = Instant::now() + IO_WAIT;
    while Instant::now() < deadline && !shared.stopped() {
        match listener.accept() {
            Ok((conn, _)) => {
                conn.set_nonblocking(false).ok()?;
                conn.set_write_timeout(Some(IO_WAIT)).ok()?;
                return shared.register(&conn).then_some(conn);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(_) => return None,
        }
    }
    None
}

/// The command's verb, upper-cased.
/// The command word of a control line, upper-cased: what scripts match on.
pub fn verb(cmd: &str) -> String {
    cmd.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// Passive listeners opened by [`default_script`], keyed by port, until the session that sends
/// the 227/229 reply claims them. The script is a plain function with no access to the session,
/// hence this process-wide hand-over; OS-chosen ports keep parallel tests apart.
fn passive_listeners() -> &'static Mutex<HashMap<u16, TcpListener>> {
    static LISTENERS: OnceLock<Mutex<HashMap<u16, TcpListener>>> = OnceLock::new();
    LISTENERS.get_or_init(|| Mutex::new(HashMap::new()))
}

pub fn open_passive_listener() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind passive listener");
    let port = listener.local_addr().expect("passive address").port();
    passive_listeners().lock().unwrap().insert(port, listener);
    port
}

fn take_passive_listener(port: u16) -> Option<TcpListener> {
    passive_listeners().lock().unwrap().remove(&port)
}

/// The data port announced by a `229 (|||port|)` or `227 (h1,h2,h3,h4,p1,p2)` reply.
fn passive_port(reply: &str) -> Option<u16> {
    let inner = reply.split_once('(')?.1.split_once(')')?.0;
    if reply.starts_with("229") {
        inner.trim_matches('|').parse().ok()
    } else if reply.starts_with("227") {
        let nums: Vec<u16> = inner
            .split(',')
            .map(|n| n.trim().parse().ok())
            .collect::<Option<_>>()?;
        (nums.len() == 6).then(|| nums[4] * 256 + nums[5])
    } else {
        None
    }
}

/// Plausible answers for the login and housekeeping commands, `None` for anything else, so a
/// script can fall back: `_ => default_script(c).unwrap_or(Action::Reply("502 no".into()))`.
/// EPSV and PASV open a real passive listener on 127.0.0.1.
pub fn default_script(cmd: &str) -> Option<Action> {
    let reply = match verb(cmd).as_str() {
        "USER" => "331 Password required".to_string(),
        "PASS" => "230 Logged in".to_string(),
        "SYST" => "215 UNIX Type: L8".to_string(),
        // No MLST: clients fall back to LIST, which is what scripted listings answer.
        "FEAT" => {
            "211-Features:\n SIZE\n MDTM\n EPSV\n PASV\n REST STREAM\n UTF8\n211 End".to_string()
        }
        "TYPE" => "200 Type set".to_string(),
        "PWD" => "257 \"/\" is the current directory".to_string(),
        "CWD" | "CDUP" => "250 Directory changed".to_string(),
        "EPSV" => format!(
            "229 Entering Extended Passive Mode (|||{}|)",
            open_passive_listener()
        ),
        "PASV" => {
            let port = open_passive_listener();
            format!(
                "227 Entering Passive Mode (127,0,0,1,{},{})",
                port / 256,
                port % 256
            )
        }
        "NOOP" => "200 OK".to_string(),
        "QUIT" => "221 Goodbye".to_string(),
        "OPTS" => "200 OK".to_string(),
        _ => return None,
    };
    Some(Action::Reply(reply))
}

/// [`default_script`], and `502 no` for everything else: the usual end of a script.
pub fn fallback(cmd: &str) -> Action {
    default_script(cmd).unwrap_or(Action::Reply("502 no".into()))
}

// --- self-tests -------------------------------------------------------------------------------

const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

fn connect(server: &FakeServer) -> suppaftp::FtpStream {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.port()));
    let ftp = suppaftp::FtpStream::connect_timeout(addr, CLIENT_TIMEOUT).expect("connect");
    ftp.get_ref()
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .expect("read timeout");
    ftp
}

#[test]
fn list_returns_two_lines() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "LIST" => Action::Data {
            preliminary: "150 Here comes the listing".into(),
            data: b"-rw-r--r-- 1 u g 5 Jan 01 2024 a.txt\r\ndrwxr-xr-x 2 u g 0 Jan 01 2024 dir\r\n"
                .to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => fallback(c),
    });
    assert_eq!(server.url(), format!("ftp://127.0.0.1:{}", server.port()));
    let mut ftp = connect(&server);
    ftp.login("u", "p").unwrap();
    let lines = ftp.list(None).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].ends_with("a.txt") && lines[1].ends_with("dir"));

    // EPSV works as well as the PASV suppaftp uses by default.
    ftp.set_mode(suppaftp::Mode::ExtendedPassive);
    assert_eq!(ftp.list(None).unwrap().len(), 2);
    ftp.quit().unwrap();
    let cmds = server.commands();
    assert!(cmds.contains(&"PASV".to_string()) && cmds.contains(&"EPSV".to_string()));
    assert_eq!(cmds.last().unwrap(), "QUIT");
}

#[test]
fn retr_cut_midway_is_an_error() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "RETR" => Action::Data {
            preliminary: "150 Opening data connection (1000 bytes)".into(),
            data: vec![b'x'; 300],
            cut: true,
            then: String::new(),
        },
        _ => fallback(c),
    });
    let mut ftp = connect(&server);
    ftp.login("u", "p").unwrap();
    assert!(ftp.retr_as_buffer("big.bin").is_err());
}

#[test]
fn close_after_pass_and_commands_record_the_password() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "PASS" => Action::Close,
        _ => fallback(c),
    });
    let mut ftp = connect(&server);
    assert!(ftp.login("alice", "hunter2").is_err());
    assert_eq!(server.commands(), vec!["USER alice", "PASS hunter2"]);
}

#[test]
fn upload_is_read_to_eof() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "STOR" => Action::Upload {
            preliminary: "150 Send it".into(),
            then: "226 Got it".into(),
        },
        _ => fallback(c),
    });
    let mut ftp = connect(&server);
    ftp.login("u", "p").unwrap();
    assert_eq!(ftp.put_file("f.txt", &mut &b"payload"[..]).unwrap(), 7);
    assert_eq!(server.uploads(), vec![b"payload".to_vec()]);
    assert!(server.commands().contains(&"STOR f.txt".to_string()));
}

#[test]
fn hang_makes_the_client_time_out_and_drop_stays_bounded() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "PWD" => Action::Hang,
        _ => fallback(c),
    });
    let mut ftp = connect(&server);
    ftp.login("u", "p").unwrap();
    ftp.get_ref()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    match ftp.pwd() {
        Err(suppaftp::FtpError::ConnectionError(e)) => {
            assert!(
                matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
                "{e}"
            )
        }
        other => panic!("expected a read timeout, got {other:?}"),
    }
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn multi_line_reply_and_unknown_command() {
    let server = FakeServer::start(|c| match verb(c).as_str() {
        "SITE" => Action::Reply("200-first\n second\n200 last".into()),
        _ => fallback(c),
    });
    let mut ftp = connect(&server);
    ftp.login("u", "p").unwrap();
    let r = ftp.site("HELP").unwrap();
    let body = String::from_utf8_lossy(&r.body).to_string();
    assert!(
        body.contains("first") && body.contains("200 last"),
        "{body}"
    );
    let err = ftp.mkdir("x").unwrap_err();
    assert!(matches!(err, suppaftp::FtpError::UnexpectedResponse(r) if r.status.code() == 502));
    // How a session recognises the passive replies whose listener it must take over.
    assert_eq!(
        passive_port("229 Entering Extended Passive Mode (|||4242|)"),
        Some(4242)
    );
    assert_eq!(
        passive_port("227 Entering Passive Mode (127,0,0,1,16,146)"),
        Some(4242)
    );
}
