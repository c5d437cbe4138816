//! `ftpsh demo`: try ftpsh with no server of your own. A sample tree in a temporary
//! directory, served by the built-in server on 127.0.0.1 (any free port, user `demo` with a
//! random password that the demo hands to its own client, never via argv), then the shell
//! (or `-c`/`-f`) connected to it. The tree is removed when the client ends, also after
//! Ctrl-C: a first Ctrl-C ends a batch run normally, and the second, which exits at once,
//! removes the tree first (`interrupt::on_forced_exit`).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Result;

use crate::cli::{Cli, DemoArgs};
use crate::error::LocalError;
use crate::interrupt;
use crate::session::Target;

use super::{Background, Config, Log};

/// The demo's user name.
pub const USER: &str = "demo";
/// The size of the big file (sparse on disk).
pub const BIG: u64 = 64 * 1024 * 1024;
/// Downloads are paced so that the big file takes a few seconds on loopback: long enough to
/// watch the progress bar and to press Ctrl-C.
const PACE: u64 = 16 * 1024 * 1024;

const README: &str = "\
Welcome to the ftpsh demo.

This tree lives in a temporary directory that ftpsh removes when you leave the shell
(bye, or Ctrl-D). You are logged in as the user demo, who may change anything in it.

Things to try:
  ls -l                      the listing, with sizes and dates
  cat hello.txt              print a file
  get README                 download into the directory you started ftpsh in
  cd big; ls -l              a 64 MiB file: `get -o /tmp/ big.bin` shows a progress bar,
                             Ctrl-C stops it, `get -c -o /tmp/ big.bin` resumes it
  put README -o up.txt       upload (after `get README`, or any local file)
  mkdir new; mv up.txt new/up.txt   change the server
  help                       every command; `help get` for one
";

/// The sample tree: text files, names with a space and with non-ASCII letters, and a
/// subdirectory holding a 64 MiB file made sparse (no disk space, no time to write).
pub fn make_tree(root: &Path) -> std::io::Result<()> {
    let write = |rel: &str, text: &str| std::fs::write(root.join(rel), text);
    write("README", README)?;
    write("hello.txt", "Hello from the ftpsh demo server!\n")?;
    write(
        "numbers.txt",
        &(1..=100).map(|n| format!("{n}\n")).collect::<String>(),
    )?;
    write(
        "with space.txt",
        "A name with a space: quote it, or use Tab.\n",
    )?;
    write("grüße.txt", "A name with non-ASCII letters.\n")?;
    std::fs::create_dir(root.join("docs"))?;
    write(
        "docs/tour.txt",
        "cd docs, cd - (back), cd (the login directory), lcd and lls for the local side.\n",
    )?;
    std::fs::create_dir(root.join("big"))?;
    let big = std::fs::File::create(root.join("big/big.bin"))?;
    big.set_len(BIG)?;
    Ok(())
}

/// A random password for the demo user (it never leaves this process).
fn random_password() -> Result<String> {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("no random numbers for the demo password"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn run(cli: Cli, args: &DemoArgs) -> Result<i32> {
    let command = args.script.command.clone().or(cli.script.command.clone());
    let file = args.script.file.clone().or(cli.script.file.clone());
    let interactive = std::io::stdin().is_terminal() && command.is_none() && file.is_none();
    // Before the tree exists: a Ctrl-C from now on is ours, not the default death that
    // would leave the tree behind.
    interrupt::install(interactive);
    let tree = tempfile::Builder::new()
        .prefix("ftpsh-demo-")
        .tempdir()
        .map_err(|e| LocalError::new("temporary directory", e))?;
    let root = tree.path().to_path_buf();
    {
        let root = root.clone();
        interrupt::on_forced_exit(move || {
            let _ = std::fs::remove_dir_all(&root);
        });
    }
    make_tree(&root).map_err(|e| LocalError::new(root.display().to_string(), e))?;

    let password = random_password()?;
    let config = Config {
        root: root.clone(),
        write: true,
        user: Some((USER.to_string(), password.clone())),
        tls: None,
        passive_ports: 0..=0,
        idle_timeout: 600,
        pace: Some(PACE),
        // The server's log would interleave with the shell's output.
        log: Log { quiet: true },
    };
    let server = Background::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let url = super::url_of(server.addr);
    if !cli.quiet {
        if interactive {
            eprintln!(
                "ftpsh demo: a sample tree in {}, served on {url} as user {USER}; \
                 it is removed when you leave (bye or Ctrl-D). Try: ls -l, cat README",
                root.display()
            );
        } else {
            eprintln!(
                "ftpsh demo: a sample tree in {}, served on {url} as user {USER}; \
                 it is removed when the commands end",
                root.display()
            );
        }
    }

    let client = Cli {
        sub: None,
        url: None,
        script: crate::cli::Script {
            command,
            file,
            keep_going: args.script.keep_going || cli.script.keep_going,
        },
        user: None,
        port: None,
        // Loopback: no TLS, and no warning that the password goes out in clear.
        tls: false,
        no_tls: true,
        ..cli
    };
    let target = Target {
        implicit_tls: false,
        host: server.addr.ip().to_string(),
        port: server.addr.port(),
        user: Some(USER.to_string()),
        password: Some(password),
        path: None,
    };
    let result = crate::app::run_client(client, Some(target));
    drop(server);
    if let Err(e) = tree.close() {
        eprintln!(
            "ftpsh: warning: cannot remove the demo tree {}: {}",
            root.display(),
            crate::error::io_message(&e)
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_has_what_the_readme_promises() {
        let dir = tempfile::tempdir().unwrap();
        make_tree(dir.path()).unwrap();
        for f in [
            "README",
            "hello.txt",
            "with space.txt",
            "grüße.txt",
            "docs/tour.txt",
        ] {
            assert!(dir.path().join(f).is_file(), "{f}");
        }
        let big = std::fs::metadata(dir.path().join("big/big.bin")).unwrap();
        assert_eq!(big.len(), BIG);
        // Sparse: it takes (almost) no disk space.
        use std::os::unix::fs::MetadataExt;
        assert!(big.blocks() * 512 < 1024 * 1024, "{} blocks", big.blocks());
    }

    #[test]
    fn passwords_are_random() {
        let a = random_password().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_password().unwrap());
    }
}
