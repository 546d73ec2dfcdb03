//! Bad input at the C API, generated from the header so that no function can be missed:
//! every exported function is called with each bad value of each parameter in turn (NULL
//! pointers, zero and huge lengths, invalid, closed, non-socket and wrong-kind handles,
//! out-of-range numbers, malformed and hostile strings and addresses), the other arguments
//! good. Every call must come back (or block only where its comment says it blocks) and leave
//! its out-parameter alone when it fails. What the header's conventions refuse (a NULL
//! pointer, a length over PTRDIFF_MAX, a number out of range, a malformed string or address)
//! must fail with exactly SOCKIT_EINVAL, unless the function's comment gives the value a
//! meaning (`arguments::MEANINGFUL`, checked against the comments); handles that are not open
//! must give SOCKIT_EBADF, descriptors that are not sockets SOCKIT_ENOTSOCK; the other bad
//! values (a socket of another kind, say) a success or a code the comment names.
#![cfg(all(unix, sockit_tls_tests))] // each call runs in a child process of its own (fork); the TLS calls need their fixtures

#[path = "../support/mod.rs"]
mod support;

mod arguments;
mod program;
mod prototypes;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::Duration;

use arguments::Expect;
use program::Case;
use prototypes::Prototype;

/// The setup of the program's network namespace: loopback up, multicast routed over it.
const ISOLATED: &str = "ip link set lo up && ip route add 224.0.0.0/4 dev lo && exec \"$@\"";

/// Whether the program can run in a network namespace of its own (Linux, as root).
fn can_isolate() -> bool {
    // SAFETY: a plain call.
    let root = unsafe { libc::geteuid() } == 0;
    let have = |tool: &str, version: &str| {
        std::process::Command::new(tool)
            .arg(version)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    cfg!(target_os = "linux") && root && have("unshare", "--version") && have("ip", "-V")
}

/// The SOCKIT_ codes a text names.
fn codes_in(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("SOCKIT_E") && w.len() > "SOCKIT_E".len())
        .map(str::to_owned)
        .collect()
}

/// The codes `function` may fail with: those its comment names, those of the functions it
/// refers to ("fails as sockit_send() does"), the resolver's where it says "a resolver
/// error", and those the header's conventions give every function.
fn documented_codes(
    function: &Prototype,
    all: &[Prototype],
    conventions: &str,
) -> BTreeSet<String> {
    let mut codes = codes_in(conventions);
    let mut seen = BTreeSet::new();
    let mut todo = vec![function];
    while let Some(f) = todo.pop() {
        if !seen.insert(f.name.clone()) {
            continue;
        }
        codes.extend(codes_in(&f.doc));
        if f.doc.contains("resolver error") {
            codes.extend(
                [
                    "SOCKIT_EAI_AGAIN",
                    "SOCKIT_EAI_FAIL",
                    "SOCKIT_EAI_NODATA",
                    "SOCKIT_EAI_NONAME",
                ]
                .map(String::from),
            );
        }
        for other in all {
            if f.doc.contains(&format!("{}()", other.name)) {
                todo.push(other);
            }
        }
    }
    // SOCKIT_EVENT_LOOP is a mode, not an error.
    codes.remove("SOCKIT_EVENT_LOOP");
    codes
}

/// What is wrong with a case's outcome, if anything.
fn judge(case: &Case, outcome: &str, allowed: &BTreeSet<String>) -> Option<String> {
    let function = case.function;
    if outcome == "blocked" {
        return (!function.may_block()).then(|| "blocked, and its comment says it does not".into());
    }
    if let Some(signal) = outcome.strip_prefix("signal ") {
        return Some(format!("killed by signal {signal}"));
    }
    if function.no_return {
        return (outcome != "exit 1").then(|| format!("{outcome}, not exit status 1"));
    }
    if let Some(status) = outcome.strip_prefix("exit ") {
        return Some(format!("the process exited with status {status}"));
    }
    let Some(rc) = outcome.strip_prefix("rc ") else {
        return None; // a pointer, a handle or nothing came back: it did not crash
    };
    let (code, untouched) = rc.split_once(" untouched=").unwrap_or((rc, "-"));
    if untouched == "no" {
        return Some(format!("{code}, and wrote its out-parameter anyway"));
    }
    let failed = code.starts_with("SOCKIT_");
    match case.expect() {
        Expect::Code(expected) if code != expected => Some(format!("{code}, not {expected}")),
        Expect::Code(_) => None,
        Expect::Documented if failed && !allowed.contains(code) => {
            Some(format!("{code}, which its comment does not name"))
        }
        Expect::Documented => None,
    }
}

#[test]
fn every_function_refuses_every_bad_argument_with_a_documented_code() {
    let header_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/sockit.h");
    let header = fs::read_to_string(header_path).unwrap();
    let conventions = header.split("#ifndef SOCKIT_H").next().unwrap();
    let functions = prototypes::read(&header);
    assert!(functions.len() > 80, "read {} functions", functions.len());
    // Joining multicast groups sends membership reports on the network: those calls run
    // only where the program can have a network namespace of its own.
    let isolated = can_isolate();
    if !isolated {
        eprintln!(
            "SKIPPED the multicast calls (joining groups would reach this machine's network): \
             not root, or no `unshare` / `ip`"
        );
    }
    let functions: Vec<Prototype> = functions
        .into_iter()
        .filter(|f| isolated || !f.params.iter().any(|p| p.name == "group"))
        .collect();
    let cases = program::cases(&functions);

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad_input");
    fs::create_dir_all(&dir).unwrap();
    let source = dir.join("bad_input_check.c");
    fs::write(&source, program::source(&cases)).unwrap();
    let exe = support::build_generated_program(&source);
    // The calls that bind Unix domain sockets make files, some with hostile names: in a
    // folder of their own, removed afterwards.
    let work = dir.join("files");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).unwrap();
    // The TLS calls' PEM files, made here (never checked in).
    let pki = support::tls_certs::Pki::new("bad_input");
    for (from, to) in [
        ("server.pem", "cert.pem"),
        ("server.key", "key.pem"),
        ("ca.pem", "ca.pem"),
    ] {
        fs::copy(pki.path(from), work.join(to)).unwrap();
    }
    let prefix: Vec<std::ffi::OsString> = if isolated {
        ["unshare", "--net", "sh", "-c", ISOLATED, "sh"]
            .iter()
            .map(Into::into)
            .collect()
    } else {
        Vec::new()
    };
    let output = support::run_in(&prefix, &exe, &[&work], Duration::from_secs(600));
    fs::remove_dir_all(&work).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        stdout.lines().last(),
        Some("done"),
        "the program did not finish"
    );

    let mut outcomes = vec![None; cases.len()];
    for line in stdout.lines() {
        if let Some((index, outcome)) = line.split_once('\t') {
            if !outcome.is_empty() {
                outcomes[index.parse::<usize>().unwrap()] = Some(outcome.to_string());
            }
        }
    }
    let mut problems = Vec::new();
    let mut called = BTreeSet::new();
    for (case, outcome) in cases.iter().zip(&outcomes) {
        called.insert(case.function.name.as_str());
        let allowed = documented_codes(case.function, &functions, conventions);
        let problem = match outcome {
            None => Some("no outcome printed".to_string()),
            Some(outcome) => judge(case, outcome, &allowed),
        };
        let deviation = arguments::KNOWN_DEVIATIONS.contains(&(
            case.function.name.as_str(),
            case.param.as_str(),
            case.bad.label.as_str(),
        ));
        let problem = match outcome.as_deref() {
            Some(outcome) if deviation && outcome.starts_with("rc SOCKIT_EINVAL") => {
                Some("refused as the conventions say now: take it off KNOWN_DEVIATIONS".to_string())
            }
            _ => problem,
        };
        if let Some(problem) = problem {
            problems.push(format!(
                "{}({} = {}): {problem}",
                case.function.name, case.param, case.bad.label
            ));
        }
    }
    for &(name, param, value, words) in arguments::MEANINGFUL {
        let function = functions.iter().find(|f| f.name == name);
        // The comment's lines are joined at single spaces for the comparison.
        let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let holds = function.is_some_and(|f| {
            f.params.iter().any(|p| p.name == param) && flat(&f.doc).contains(&flat(words))
        });
        if !holds {
            problems.push(format!(
                "{name}({param} = {value}) is allowed because its comment says {words:?}, \
                 which it no longer does"
            ));
        }
    }
    let uncalled: Vec<&str> = functions
        .iter()
        .map(|f| f.name.as_str())
        .filter(|name| !called.contains(name))
        .collect();
    assert!(uncalled.is_empty(), "never called: {uncalled:?}");
    assert!(
        problems.is_empty(),
        "{} of {} calls went wrong:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
    println!(
        "{} calls with bad arguments, {} functions",
        cases.len(),
        functions.len()
    );
}
