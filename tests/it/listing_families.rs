//! Listings from every server family, end to end: the scripted fake server (tests/it/fake.rs)
//! answers LIST (or MLSD) with the lines of a fixture of tests/fixtures/listings/, and
//! `ftpsh URL -c "ls --json"` must give the fixture's entries. Then what users do with a
//! listing, on families that are not Unix: `ls -l`, a glob download (VMS versions dropped from
//! the local name), `find` down an MVS partitioned data set and `get -r` of an OS/400 directory.
//!
//! No real server of these families can be run here, so the fake server plays them, with lines
//! that other clients' test suites collected from real servers (each fixture says where from).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::fake::{Action, FakeServer, fallback, verb};
use crate::util::{ftpsh, json_of_type, stderr_of, stdout_of};

/// FEAT of a server that offers MLSD.
const FEAT_MLST: &str =
    "211-Features:\n SIZE\n MDTM\n EPSV\n PASV\n MLST type*;size*;modify*;perm*;\n UTF8\n211 End";

/// One listing of a fixture: its lines and the entries expected, in the fixture's
/// `NAME | TYPE | SIZE | DATE | TARGET` form (see tests/fixtures/listings/README.md).
#[derive(Debug, Default)]
struct Listing {
    mlsd: bool,
    lines: Vec<String>,
    expected: Vec<[String; 5]>,
}

fn fixture(name: &str) -> Vec<Listing> {
    let path = format!(
        "{}/tests/fixtures/listings/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let untab = |s: &str| s.replace("<TAB>", "\t");
    let mut out = vec![Listing::default()];
    for line in text.lines() {
        let current = out.last_mut().unwrap();
        if line == "---" {
            out.push(Listing::default());
        } else if line == "@ mlsd" {
            current.mlsd = true;
        } else if let Some(l) = line.strip_prefix("< ").or((line == "<").then_some("")) {
            current.lines.push(untab(l));
        } else if let Some(e) = line.strip_prefix("= ") {
            let fields: Vec<String> = untab(e).split(" | ").map(str::to_string).collect();
            current
                .expected
                .push(fields.try_into().expect("five fields"));
        }
    }
    out
}

/// A server whose LIST (or MLSD, announced in FEAT) answers `lines`.
fn serving(lines: &[String], mlsd: bool) -> FakeServer {
    let mut data = lines.join("\r\n").into_bytes();
    data.extend_from_slice(b"\r\n");
    let data = Arc::new(data);
    FakeServer::start(move |c| match verb(c).as_str() {
        "FEAT" if mlsd => Action::Reply(FEAT_MLST.into()),
        "LIST" | "MLSD" => Action::Data {
            preliminary: "150 Here it comes".into(),
            data: data.to_vec(),
            cut: false,
            then: "226 Done".into(),
        },
        _ => fallback(c),
    })
}

/// `ftpsh URL -c CMDS` in a fresh local directory; the run must succeed.
fn run(server: &FakeServer, local: &std::path::Path, cmds: &str) -> String {
    run_with(server, local, &[], cmds)
}

/// [`run`] with more options.
fn run_with(server: &FakeServer, local: &std::path::Path, opts: &[&str], cmds: &str) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = ftpsh(local, home.path())
        .arg(server.url())
        .args(opts)
        .args(["--timeout", "10", "-c", cmds])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmds}: {}\n{}",
        stderr_of(&out),
        stdout_of(&out)
    );
    stdout_of(&out)
}

/// A JSON value in the fixtures' notation.
fn field(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The fixtures' dates are read at 2025-03-15; `ls` reads them at the real "now", which
/// decides the year of dates listed without one. Those are the only dates in 2024 and later,
/// so for them the year is left out of the comparison (the unit tests check it at a fixed
/// "now"); every other date must match exactly.
fn comparable(date: &str) -> String {
    match date.get(..4).and_then(|y| y.parse::<u32>().ok()) {
        Some(year) if year >= 2024 => date[4..].to_string(),
        _ => date.to_string(),
    }
}

/// Every listing of fixture `name`, served and read back with `ls --json` (sorted by name, as
/// `ls` shows them), gives the fixture's entries.
fn ls_json_gives_the_fixture(name: &str) {
    for (n, listing) in fixture(name).iter().enumerate() {
        let server = serving(&listing.lines, listing.mlsd);
        let local = tempfile::tempdir().unwrap();
        let out = run(&server, local.path(), "ls -a --json");
        let mut got: Vec<[String; 5]> = json_of_type(&out, "entry")
            .iter()
            .map(|e| {
                [
                    field(&e["name"]),
                    field(&e["type"]),
                    field(&e["size"]),
                    comparable(&field(&e["modified"])),
                    field(&e["target"]),
                ]
            })
            .collect();
        let mut want: Vec<[String; 5]> = listing
            .expected
            .iter()
            .map(|[name, kind, size, date, target]| {
                let kind = if kind == "raw" { "other" } else { kind };
                [
                    name.clone(),
                    kind.to_string(),
                    size.clone(),
                    comparable(date),
                    target.clone(),
                ]
            })
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}, listing {n}");
        let verbs: Vec<String> = server.commands().iter().map(|c| verb(c)).collect();
        let listed = if listing.mlsd { "MLSD" } else { "LIST" };
        assert!(verbs.iter().any(|v| v == listed), "{name}: {verbs:?}");
    }
}

#[test]
fn unix_variants_list_through_ls_json() {
    ls_json_gives_the_fixture("unix.txt");
}

#[test]
fn dos_iis_lists_through_ls_json() {
    ls_json_gives_the_fixture("dos.txt");
}

#[test]
fn mlsd_oddities_list_through_ls_json() {
    ls_json_gives_the_fixture("mlsd.txt");
}

#[test]
fn vms_lists_through_ls_json() {
    ls_json_gives_the_fixture("vms.txt");
}

#[test]
fn netware_lists_through_ls_json() {
    ls_json_gives_the_fixture("netware.txt");
}

#[test]
fn os400_lists_through_ls_json() {
    ls_json_gives_the_fixture("os400.txt");
}

#[test]
fn mvs_datasets_members_and_jobs_list_through_ls_json() {
    ls_json_gives_the_fixture("mvs.txt");
}

#[test]
fn zvm_lists_through_ls_json() {
    ls_json_gives_the_fixture("zvm.txt");
}

#[test]
fn os2_lists_through_ls_json() {
    ls_json_gives_the_fixture("os2.txt");
}

#[test]
fn eplf_lists_through_ls_json() {
    ls_json_gives_the_fixture("eplf.txt");
}

#[test]
fn vshell_lists_through_ls_json() {
    ls_json_gives_the_fixture("vshell.txt");
}

#[test]
fn hp_nonstop_lists_through_ls_json() {
    ls_json_gives_the_fixture("hpnonstop.txt");
}

// --- what users do with a listing -------------------------------------------------------------

/// A small VMS directory: two versions of README.TXT, NOTES.TXT wrapped over two lines, a
/// subdirectory. RETR of any file answers `contents[name]`.
fn vms_server(contents: BTreeMap<&'static str, &'static str>) -> FakeServer {
    const LISTING: &str = "Directory DKA0:[PUB]\r\n\r\n\
        README.TXT;3             1/3         2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RE,)\r\n\
        README.TXT;2             1/3         1-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RE,)\r\n\
        NOTES.TXT;1\r\n\
        \x20                        2/3         3-JUN-1998 10:00:00  [GROUP,OWNER]    (RWED,RWED,RE,)\r\n\
        SUB.DIR;1                1/3         2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWE,RWE,RE,)\r\n\
        \r\nTotal of 4 files, 5/12 blocks.\r\n";
    FakeServer::start(move |c| {
        let arg = c.split_once(' ').map(|(_, a)| a).unwrap_or("");
        match verb(c).as_str() {
            "SYST" => Action::Reply("215 VMS system type.".into()),
            "LIST" => Action::Data {
                preliminary: "150 Here".into(),
                data: LISTING.as_bytes().to_vec(),
                cut: false,
                then: "226 Done".into(),
            },
            "SIZE" | "MDTM" => Action::Reply("502 no".into()),
            "RETR" => match contents.get(arg) {
                Some(text) => Action::Data {
                    preliminary: "150 Opening".into(),
                    data: text.as_bytes().to_vec(),
                    cut: false,
                    then: "226 Done".into(),
                },
                None => Action::Reply(format!("550 {arg}: no such file")),
            },
            _ => fallback(c),
        }
    })
}

#[test]
fn vms_listing_reads_in_ls_l_text() {
    let server = vms_server(BTreeMap::new());
    let local = tempfile::tempdir().unwrap();
    let out = run(&server, local.path(), "ls -l");
    let line_of = |name: &str| {
        out.lines()
            .find(|l| l.ends_with(name))
            .unwrap_or_else(|| panic!("{name} not in:\n{out}"))
            .to_string()
    };
    // Sizes in bytes (blocks of 512), the wrapped entry joined, the header and trailer gone.
    assert!(line_of("README.TXT;3").contains(" 512 "), "{out}");
    assert!(line_of("NOTES.TXT;1").contains(" 1024 "), "{out}");
    assert!(line_of("SUB").starts_with('d'), "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(
        !out.contains("Directory") && !out.contains("Total"),
        "{out}"
    );
}

/// `get` of VMS files by a glob: each is fetched by its full name (with the version the server
/// needs) and saved without the version, as FileZilla does; of two versions the one listed last
/// is written last.
#[test]
fn vms_glob_download_saves_files_without_their_version() {
    let server = vms_server(BTreeMap::from([
        ("README.TXT;3", "readme three\n"),
        ("README.TXT;2", "readme two\n"),
        ("NOTES.TXT;1", "notes\n"),
    ]));
    let local = tempfile::tempdir().unwrap();
    run(&server, local.path(), "get 'NOTES.*' 'README.TXT;3'");
    assert_eq!(
        std::fs::read_to_string(local.path().join("NOTES.TXT")).unwrap(),
        "notes\n"
    );
    assert_eq!(
        std::fs::read_to_string(local.path().join("README.TXT")).unwrap(),
        "readme three\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(local.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["NOTES.TXT", "README.TXT"]);
    let retrs: Vec<String> = server
        .commands()
        .into_iter()
        .filter(|c| verb(c) == "RETR")
        .collect();
    assert_eq!(retrs, ["RETR NOTES.TXT;1", "RETR README.TXT;3"]);
}

/// `find` walks an MVS catalog: a partitioned data set (`PO`) is a directory whose members are
/// listed with LIST of its name.
#[test]
fn mvs_find_walks_into_partitioned_data_sets() {
    const DATASETS: &str = "Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname\r\n\
        SAVE00 3390   2004/06/23  1    1  FB     128  6144  PS    USER.DATA\r\n\
        SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    USER.SRC\r\n\
        Migrated\t\t\t\tUSER.OLD\r\n";
    const MEMBERS: &str = "Name      VV.MM   Created       Changed      Size  Init   Mod   Id\r\n\
        PROG1     01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001\r\n\
        PROG2\r\n";
    let server = FakeServer::start(|c| {
        let listing = match c {
            "LIST" | "LIST ." => Some(DATASETS),
            // `find` with no directory walks from "." and so lists "./USER.SRC" (a real z/OS
            // server would want "USER.SRC": a finding for the tree walk, not for parsing).
            "LIST USER.SRC" | "LIST ./USER.SRC" => Some(MEMBERS),
            _ => None,
        };
        match (verb(c).as_str(), listing) {
            ("SYST", _) => Action::Reply("215 MVS is the operating system of this server.".into()),
            (_, Some(text)) => Action::Data {
                preliminary: "125 List started OK".into(),
                data: text.as_bytes().to_vec(),
                cut: false,
                then: "250 List completed successfully.".into(),
            },
            ("LIST", None) => Action::Reply("550 No data sets found.".into()),
            _ => fallback(c),
        }
    });
    let local = tempfile::tempdir().unwrap();
    let out = run_with(&server, local.path(), &["--json"], "find");
    let mut found: Vec<String> = json_of_type(&out, "found")
        .iter()
        .map(|f| field(&f["path"]))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ".",
            "./USER.DATA",
            "./USER.OLD",
            "./USER.SRC",
            "./USER.SRC/PROG1",
            "./USER.SRC/PROG2"
        ],
        "{out}"
    );
}

/// `get -r` of an OS/400 directory: `*DIR` is a directory, `*STMF` files are fetched by their
/// path under it.
#[test]
fn os400_get_r_copies_a_directory() {
    const ROOT: &str = "QSYS            77824 02/23/00 15:09:55 *DIR       docs/\r\n";
    const DOCS: &str = "PEP                 8 04/03/18 18:58:16 *STMF      readme.txt\r\n\
        PEP             36864 04/03/24 14:06:34 *DIR       more/\r\n";
    const MORE: &str = "PEP                 3 04/03/18 18:58:16 *STMF      deep.txt\r\n";
    let server = FakeServer::start(|c| {
        let listing = match c {
            "LIST" => Some(ROOT),
            "LIST docs" => Some(DOCS),
            "LIST docs/more" => Some(MORE),
            _ => None,
        };
        let file = match c {
            "RETR docs/readme.txt" => Some("read me\n"),
            "RETR docs/more/deep.txt" => Some("abc"),
            _ => None,
        };
        match (verb(c).as_str(), listing, file) {
            ("SYST", _, _) => Action::Reply("215 OS/400 is the remote operating system.".into()),
            (_, Some(text), _) | (_, _, Some(text)) => Action::Data {
                preliminary: "125 Data connection already open".into(),
                data: text.as_bytes().to_vec(),
                cut: false,
                then: "226 Done".into(),
            },
            ("LIST", None, None) => Action::Reply("550 not found".into()),
            _ => fallback(c),
        }
    });
    let local = tempfile::tempdir().unwrap();
    run(&server, local.path(), "get -r docs");
    let read = |p: &str| std::fs::read_to_string(local.path().join(p)).unwrap();
    assert_eq!(read("docs/readme.txt"), "read me\n");
    assert_eq!(read("docs/more/deep.txt"), "abc");
}

/// Tab completion reads a VMS listing like `ls` does: `get NO` + Tab gives the versioned name,
/// quoted (`;` separates commands), and Enter fetches it.
#[test]
fn tab_completes_a_vms_name_and_get_fetches_it() {
    use expectrl::{ControlCode, Expect};
    let server = vms_server(BTreeMap::from([("NOTES.TXT;1", "notes\n")]));
    let env = crate::util::Env::new();
    let mut p = crate::pty::spawn_shell(&env, &[&server.url()]);
    p.expect("> ").unwrap();
    p.send("get NO").unwrap();
    p.send(ControlCode::HorizontalTabulation).unwrap();
    p.expect("NOTES.TXT\\;1").unwrap();
    p.send("\r").unwrap();
    // State, not time: the file on disk.
    let target = env.local("NOTES.TXT");
    crate::util::wait_until("NOTES.TXT after Tab and Enter", || {
        std::fs::read(&target).is_ok_and(|b| b == b"notes\n")
    });
    let retrs: Vec<String> = server
        .commands()
        .into_iter()
        .filter(|c| verb(c) == "RETR")
        .collect();
    assert_eq!(retrs, ["RETR NOTES.TXT;1"]);
    p.send_line("bye").unwrap();
    p.expect(expectrl::Eof).unwrap();
}

/// MLSD facts ftpsh does not interpret reach `ls --json` as they were sent (they were parsed
/// and then dropped); the ones it does interpret do not repeat there.
#[test]
fn unknown_mlsd_facts_are_in_ls_json() {
    let lines = vec![
        "type=file;size=3;modify=20240129100000;UNIX.owner=ftp;unique=801g4a;x.note=a b; f.txt"
            .to_string(),
        "type=dir;modify=20240129100000; plain".to_string(),
    ];
    let server = serving(&lines, true);
    let local = tempfile::tempdir().unwrap();
    let out = run(&server, local.path(), "ls --json");
    let entries = crate::util::json_of_type(&out, "entry");
    assert_eq!(entries.len(), 2, "{out}");
    let f = entries.iter().find(|e| e["name"] == "f.txt").unwrap();
    assert_eq!(
        f["facts"],
        serde_json::json!({"UNIX.owner": "ftp", "unique": "801g4a", "x.note": "a b"}),
        "{out}"
    );
    let plain = entries.iter().find(|e| e["name"] == "plain").unwrap();
    assert!(plain.get("facts").is_none(), "{out}");
}
