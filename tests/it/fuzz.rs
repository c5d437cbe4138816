//! A bounded random-input run of the binary (issue 11, "Property tests and fuzzing"): a few
//! thousand generated command lines, through `-c` and through stdin, against the in-process
//! server. Real command names with random arguments, quotes, `;`, `#`, redirections, control
//! bytes, long words, globs and `..` paths. Asserted for every run: no panic (no "panicked" on
//! stderr, never exit 101), no hang (each run is killed and failed past its time bound), only
//! the documented exit codes, bounded output.
//!
//! The generator is a seeded xorshift: each run's seed is printed with its failure, and
//! `FTPSH_FUZZ_SEED=N FTPSH_FUZZ_LINES=60` replays that run alone. `FTPSH_FUZZ_LINES=N` runs N lines instead of 3,000.
//!
//! Nothing may touch the machine outside the run's temp directory, so the generator is built
//! to make that impossible rather than filtered afterwards: random characters are never
//! ASCII letters (so they never spell a command or a host), `.` or `/` (so they never spell a
//! path), `!`, `|`, `>`, `$` or backquotes; paths come from a fixed pool with at most two `..`
//! and no absolute path, and the working and home directories sit three levels deep in the temp
//! directory; `lcd`, `open` and `bookmark` get fixed safe arguments, and no word of the pool
//! is (a prefix of) `shell`, `lcd`, `open`, `user` or `bookmark`, so an alias or a `;` cannot
//! reach them either (nor `bye`, whose `bye N` exits N by design). A pipe or a redirection is only ever appended at the end of a line, to
//! `cat`/`wc -c`/`head -c 100` or a plain file name.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Env, ftpsh_std};

/// Lines per run, and the default number of lines in all.
const LINES_PER_RUN: usize = 60;
const DEFAULT_LINES: usize = 3000;
/// How long one run of 60 lines may take before it counts as a hang (a debug build on a
/// loaded 2-core machine runs one in about a second).
const RUN_LIMIT: Duration = Duration::from_secs(60);
/// Output of one run beyond this is unbounded output.
const OUTPUT_LIMIT: usize = 16 << 20;
/// The documented exit codes (src/error.rs `Code`).
const DOCUMENTED: &[i32] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 130];

/// xorshift64*: small, seeded, good enough to pick among choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// Commands a generated line may start with: the table's names and aliases, less `shell`,
/// `lcd`, `open`, `user`, `bookmark` and `bye` (`bye 9` exits 9, as documented), which get
/// lines of their own below.
const COMMANDS: &[&str] = &[
    "close", "status", "features", "quote", "site", "debug", "pwd", "cd", "cdup", "lpwd", "lls",
    "ls", "dir", "nlist", "mkdir", "rmdir", "rm", "mv", "rename", "size", "modtime", "chmod",
    "cat", "du", "find", "binary", "ascii", "type", "passive", "get", "mget", "pget", "mirror",
    "put", "mput", "alias", "unalias", "history", "echo", "set", "unset", "help", "ls", "get",
    "cd", "cat", "put", "nope", "g", "di", "mk",
];

/// Arguments: names on both sides, globs, options, numbers, and paths with at most two `..`.
const POOL: &[&str] = &[
    "a.txt",
    "b.bin",
    "sub",
    "sub/",
    "sub/c.txt",
    "sub/deep",
    "sub/deep/d.txt",
    "dir with space",
    "ünï.txt",
    "nope",
    "nope/x",
    "up.txt",
    "new",
    "new/",
    "x",
    "-",
    "--",
    "*",
    "*.txt",
    "s*",
    "?.txt",
    "[ab].txt",
    "[a-",
    "sub/*",
    "**",
    "{a,b}.txt",
    ".",
    "..",
    "../x",
    "../../a.txt",
    "sub/../a.txt",
    "./a.txt",
    "~",
    "~/x",
    "-r",
    "-R",
    "-o",
    "-c",
    "-n",
    "-l",
    "-a",
    "-p",
    "-P",
    "-h",
    "--help",
    "-q",
    "--delete",
    "--dry-run",
    "--segments",
    "-name",
    "-type",
    "f",
    "d",
    "-v",
    "on",
    "off",
    "timeout",
    "parallel",
    "json",
    "clobber",
    "progress",
    "listing_limit",
    "prompt",
    "0",
    "1",
    "2",
    "8",
    "-1",
    "65536",
    "99999999999999999999",
    "755",
    "NOOP",
    "SYST",
    "STAT",
    "HELP",
    "CHMOD",
    "ls",
    "get",
    "cd",
    "echo",
    "pwd",
    "rm",
    "alias",
    "help",
    "cat",
];

/// Characters random words are made of: never an ASCII letter, `.`, `/`, `~`, `!`, `|`, `>`,
/// `$` or a backquote (see the module doc), otherwise as hostile as possible.
const RANDOM_CHARS: &[char] = &[
    '0', '1', '9', '-', '_', ',', ':', '@', '%', '+', '=', '*', '?', '[', ']', '{', '}', '(', ')',
    '&', '<', '^', '\'', '"', '\\', ';', '#', ' ', '\t', '\u{1}', '\u{7}', '\u{8}', '\u{1b}', '\r',
    '\u{7f}', '\u{85}', '\u{9b}', '\u{a0}', '\u{200e}', '\u{202e}', '\u{2028}', '\u{fffd}', 'é',
    'ß', 'Ω', '日', '😀',
];

fn random_word(rng: &mut Rng, long: bool) -> String {
    let len = if long {
        200 + rng.below(600)
    } else {
        1 + rng.below(8)
    };
    (0..len)
        .map(|_| RANDOM_CHARS[rng.below(RANDOM_CHARS.len())])
        .collect()
}

/// One command line (no line break, no NUL: it may go through `-c`).
fn line(rng: &mut Rng, url: &str) -> String {
    let special = rng.below(100);
    let mut line = match special {
        0..=2 => format!(
            "lcd {}",
            rng.pick(&["sub", "d1", "-", "", "~", "nope", "sub/deep"])
        ),
        3..=4 => format!(
            "open {}",
            rng.pick(&[
                url,
                &format!("{url}/sub"),
                &url.replace("ftp://", "ftp://bob:pw@"),
                &url.replace("ftp://", "ftps://"),
                "127.0.0.1:1",
                "",
            ])
        ),
        5 => format!(
            "bookmark {}",
            rng.pick(&["list", "rm b1", &format!("add b1 {url}")])
        ),
        6 => format!("get {url}/a.txt -o url.txt"),
        7 => rng
            .pick(&["bye", "quit", "exit", "bye 0", "quit 5"])
            .to_string(),
        _ => {
            let mut words = vec![rng.pick(COMMANDS).to_string()];
            for _ in 0..rng.below(6) {
                words.push(match rng.below(10) {
                    0..=5 => rng.pick(POOL).to_string(),
                    6..=8 => random_word(rng, false),
                    _ => {
                        let long = rng.chance(30);
                        random_word(rng, long)
                    }
                });
            }
            if rng.chance(5) {
                words.push(format!("{url}/sub/c.txt"));
            }
            words.join(" ")
        }
    };
    match rng.below(100) {
        0..=3 => line.push_str(" | cat"),
        4 => line.push_str(" | wc -c"),
        5 => line.push_str(" | head -c 100"),
        6..=8 => line.push_str(" > out.txt"),
        9 => line.push_str(" >> out.txt"),
        10 => line.push_str(" >"),
        11 => line.push_str(" |"),
        _ => {}
    }
    line
}

/// The server's files and the local ones, all small, so every output is bounded.
fn fixture(env: &Env, cwd: &Path) {
    env.remote_file("a.txt", &[b'a'; 100]);
    env.remote_file("b.bin", &crate::util::pattern(4096, 7));
    env.remote_file("sub/c.txt", b"c\n");
    env.remote_file("sub/deep/d.txt", b"d\n");
    env.remote_file("dir with space/e.txt", b"e\n");
    env.remote_file("ünï.txt", b"u\n");
    std::fs::create_dir_all(cwd.join("sub")).unwrap();
    std::fs::create_dir_all(cwd.join("d1")).unwrap();
    std::fs::write(cwd.join("up.txt"), b"up\n").unwrap();
    std::fs::write(cwd.join("a.txt"), b"local a\n").unwrap();
}

/// What one run did.
struct Outcome {
    code: Option<i32>,
    stdout: usize,
    stderr: String,
    elapsed: Duration,
    timed_out: bool,
}

/// Runs ftpsh with `args`, feeding `input` on stdin, killed at [`RUN_LIMIT`].
fn run(cwd: &Path, home: &Path, args: &[String], input: Option<Vec<u8>>) -> Outcome {
    let mut cmd: Command = ftpsh_std(cwd, home);
    // Should `bookmark edit` or `config edit` ever slip through: an editor that returns.
    cmd.env("EDITOR", "true").env("VISUAL", "true");
    let mut child = cmd
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let (Some(mut stdin), Some(input)) = (stdin, input) {
            // ftpsh may end (bye, a fatal error) before reading it all: a broken pipe is fine.
            let _ = stdin.write_all(&input);
        }
    });
    let mut out = child.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut buf = [0u8; 64 << 10];
        let mut total = 0usize;
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || total > OUTPUT_LIMIT {
                break;
            }
            total += n;
        }
        total
    });
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err
            .by_ref()
            .take(OUTPUT_LIMIT as u64 + 1)
            .read_to_end(&mut v);
        String::from_utf8_lossy(&v).into_owned()
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > RUN_LIMIT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let _ = writer.join();
    Outcome {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        elapsed,
        timed_out,
    }
}

#[test]
fn random_lines_never_panic_hang_or_exit_undocumented() {
    let seed = std::env::var("FTPSH_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let total: usize = std::env::var("FTPSH_FUZZ_LINES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_LINES);
    let runs = total.div_ceil(LINES_PER_RUN);
    eprintln!("fuzz: seed {seed} (FTPSH_FUZZ_SEED={seed} replays it), {runs} runs");
    let started = Instant::now();
    let mut codes = std::collections::BTreeMap::new();
    let mut slowest = Duration::ZERO;
    let (mut stdout_bytes, mut stderr_lines) = (0, 0);
    for run_no in 0..runs {
        // One seed per run, so a failure replays alone with its own seed.
        let run_seed = seed.wrapping_add(run_no as u64) | 1;
        let mut rng = Rng(run_seed);
        let env = Env::new();
        let cwd = env.local.path().join("w1/w2/w3");
        let home = env.local.path().join("h1/h2/h3");
        std::fs::create_dir_all(&cwd).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        fixture(&env, &cwd);
        let url = env.url();
        let lines: Vec<String> = (0..LINES_PER_RUN).map(|_| line(&mut rng, &url)).collect();
        let connected = rng.chance(85);
        let mut args: Vec<String> = vec!["-k".into(), "--timeout".into(), "10".into()];
        if rng.chance(30) {
            args.push("-q".into());
        }
        if connected {
            args.push(url.clone());
        }
        let via_stdin = rng.chance(50);
        let (input, text) = if via_stdin {
            let mut text = lines.join("\n");
            text.push('\n');
            if rng.chance(20) {
                // Bytes no terminal sends: NUL and invalid UTF-8, through the plain-line reader.
                text.push_str("ls \0 \u{1}\n");
            }
            let mut bytes = text.clone().into_bytes();
            if rng.chance(20) {
                bytes.extend_from_slice(b"cat \xff\xfe.txt\n");
            }
            (Some(bytes), text)
        } else {
            // One unterminated quote makes the whole `-c` text a usage error before anything
            // runs: close most lines' quotes so that the commands themselves get exercised.
            let mut lines: Vec<String> = if rng.chance(85) {
                lines.into_iter().map(close_quotes).collect()
            } else {
                lines
            };
            // One argument may hold 128 KiB (Linux's MAX_ARG_STRLEN).
            while lines.iter().map(|l| l.len() + 2).sum::<usize>() > 120_000 {
                lines.pop();
            }
            let text = lines.join("; ");
            args.push("-c".into());
            args.push(text.clone());
            (None, text)
        };
        let out = run(&cwd, &home, &args, input);
        let what = format!(
            "run {run_no} (replay it alone: FTPSH_FUZZ_SEED={run_seed} FTPSH_FUZZ_LINES=60), \
             {} mode, args {:?}\n--- lines ---\n{text}\n--- stderr (end) ---\n{}",
            if via_stdin { "stdin" } else { "-c" },
            &args[..args.len() - if via_stdin { 0 } else { 1 }],
            tail(&out.stderr, 3000),
        );
        assert!(!out.timed_out, "hang: no exit within {RUN_LIMIT:?}: {what}");
        assert!(
            !out.stderr.contains("panicked") && out.code != Some(101),
            "panic: {what}"
        );
        let code = out
            .code
            .unwrap_or_else(|| panic!("killed by a signal: {what}"));
        assert!(
            DOCUMENTED.contains(&code),
            "undocumented exit code {code}: {what}"
        );
        assert!(
            out.stdout <= OUTPUT_LIMIT && out.stderr.len() <= OUTPUT_LIMIT,
            "unbounded output ({} bytes on stdout): {what}",
            out.stdout
        );
        *codes.entry(code).or_insert(0) += 1;
        slowest = slowest.max(out.elapsed);
        stdout_bytes += out.stdout;
        stderr_lines += out.stderr.lines().count();
    }
    eprintln!(
        "fuzz: {} lines in {runs} runs, {:.1?} (slowest run {slowest:.1?}); exit codes \
         {codes:?}; {stdout_bytes} bytes on stdout, {stderr_lines} lines on stderr",
        runs * LINES_PER_RUN,
        started.elapsed()
    );
}

/// `line` with its open quote closed, as the splitter reads quotes (a backslash escapes the
/// next character outside single quotes).
fn close_quotes(mut line: String) -> String {
    let (mut single, mut double, mut escaped) = (false, false, false);
    for c in line.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
    }
    if escaped {
        line.push(' ');
    }
    if single {
        line.push('\'');
    }
    if double {
        line.push('"');
    }
    line
}

/// The last `n` bytes of `s` (at a char boundary): where the failing command's error is.
fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// The generator's safety rules (module doc), checked rather than trusted: no pool word
/// reaches a command that could act outside the temp directory or the loopback server, names
/// an absolute path or climbs more than two levels.
#[test]
fn the_fuzz_pool_cannot_escape_the_temp_directory() {
    let guarded = [
        "shell", "lcd", "open", "user", "bookmark", "bye", "quit", "exit",
    ];
    for w in POOL.iter().chain(COMMANDS) {
        assert!(
            !guarded.iter().any(|g| g.starts_with(w)),
            "{w:?} is (a prefix of) a guarded command"
        );
        assert!(!w.starts_with('/'), "{w:?} is absolute");
        assert!(w.split('/').filter(|c| *c == "..").count() <= 2, "{w:?}");
        assert!(!w.contains(['!', '|', '>', '$', '`']), "{w:?}");
    }
    for c in RANDOM_CHARS {
        assert!(
            !c.is_ascii_alphabetic() && !"./~!|>$`".contains(*c),
            "{c:?}"
        );
    }
}
