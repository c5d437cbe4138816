//! The generated shell completions work in the real shells: the bash script is sourced in
//! bash and asked for the candidates of `ftpsh --<Tab>`.

use std::path::Path;
use std::process::Command;

#[test]
fn bash_completion_offers_the_long_options() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/ftpsh.bash");
    let program = format!(
        "source '{}'\n\
         COMP_WORDS=(ftpsh --); COMP_CWORD=1; COMP_LINE='ftpsh --'; COMP_POINT=${{#COMP_LINE}}\n\
         _ftpsh ftpsh -- ftpsh\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(&program)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let candidates = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--command",
        "--file",
        "--keep-going",
        "--user",
        "--tls",
        "--no-tls",
        "--ca-file",
        "--insecure",
        "--active",
        "--timeout",
        "--netrc-file",
    ] {
        assert!(
            candidates.lines().any(|l| l.trim() == option),
            "bash completion lacks {option}: {candidates}"
        );
    }
    // The hidden generator flag is not offered.
    assert!(!candidates.contains("--generate"), "{candidates}");
}
