//! The harness that links the C programs and runs them as processes.
//!
//! build.rs compiles every C program to an object (it runs before the library exists); here
//! each object is linked twice, against the real static library and against the real shared
//! library that cargo built for this test run, into `target/c_examples/` (static) and
//! `target/c_examples/shared/` (shared, finding the library through its rpath). The programs
//! stay there for people to run by hand. Used by the tests and by `cargo run --example demo`.
#![allow(dead_code)] // each test binary uses its own part of the harness

pub mod c_link;
pub mod capi;
pub mod experiments;
pub mod in_process;
pub mod loop_log;
#[cfg(sockit_tls_tests)]
pub mod tls_certs;
#[cfg(target_os = "linux")]
pub mod netns;
pub mod waits;

pub use c_link::Linkage;
use c_link::Toolchain;

use std::ffi::OsStr;
use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// A command-line argument of exactly these bytes (Unix). Windows command lines are text:
/// there invalid UTF-8 is replaced.
#[cfg(unix)]
pub fn os_string(bytes: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(bytes.to_vec())
}

#[cfg(not(unix))]
pub fn os_string(bytes: &[u8]) -> OsString {
    String::from_utf8_lossy(bytes).into_owned().into()
}

/// Sends `datagram` on a connected UDP `socket` and receives the reply into `reply`; its
/// length, or `None` if none came within the socket's read timeout.
///
/// Loopback loses no datagram unless a socket's receive buffer is full, and then the system
/// counts the drop (Linux's /proc/net/udp). So a request is sent again only when the system
/// dropped a datagram at the server's or the client's socket meanwhile, each resend is
/// counted ([`udp_resends`]) and said on stderr, and an unanswered request that no drop
/// explains fails the test: the server lost it. (Elsewhere, with no drop count to read, an
/// unanswered request fails at once.)
pub fn udp_request(socket: &UdpSocket, datagram: &[u8], reply: &mut [u8]) -> Option<usize> {
    let ports = [
        socket.local_addr().expect("a bound socket").port(),
        socket.peer_addr().expect("a connected socket").port(),
    ];
    for _ in 0..5 {
        let drops_before = udp_drops(ports);
        socket.send(datagram).expect("send a datagram");
        if let Ok(len) = socket.recv(reply) {
            return Some(len);
        }
        let drops = udp_drops(ports);
        assert!(
            drops.is_some_and(|drops| Some(drops) > drops_before),
            "a datagram of {} bytes to port {} went unanswered, and the system dropped none \
             on the way: the server lost it",
            datagram.len(),
            ports[1]
        );
        let resends = UDP_RESENDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let _ = writeln!(
            std::io::stderr(),
            "resending a datagram to port {}: a full socket buffer dropped one ({resends} \
             resends in this test process)",
            ports[1]
        );
    }
    None
}

/// [`udp_request`] where nothing can fill a socket's buffer (one request at a time, from one
/// sender): the reply must come to the first send, within the socket's read timeout. Fails
/// the test otherwise, saying whether the system dropped a datagram on the way.
#[track_caller]
pub fn udp_request_once(socket: &UdpSocket, datagram: &[u8], reply: &mut [u8]) -> usize {
    let ports = [
        socket.local_addr().expect("a bound socket").port(),
        socket.peer_addr().expect("a connected socket").port(),
    ];
    let drops_before = udp_drops(ports);
    socket.send(datagram).expect("send a datagram");
    socket.recv(reply).unwrap_or_else(|err| {
        let dropped = match (drops_before, udp_drops(ports)) {
            (Some(before), Some(after)) => format!("the system dropped {}", after - before),
            _ => "no drop count here".to_string(),
        };
        panic!(
            "a datagram of {} bytes to port {} went unanswered ({err}; {dropped}): lost on \
             loopback",
            datagram.len(),
            ports[1]
        )
    })
}

static UDP_RESENDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many requests [`udp_request`] sent again in this process.
pub fn udp_resends() -> usize {
    UDP_RESENDS.load(std::sync::atomic::Ordering::SeqCst)
}

/// The datagrams the system dropped at the UDP sockets bound to any of `ports` (full receive
/// buffers), from Linux's /proc/net/udp and udp6; `None` where there is no such count.
pub fn udp_drops(ports: [u16; 2]) -> Option<u64> {
    let mut drops = 0;
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(table) = fs::read_to_string(table) else {
            return None;
        };
        for line in table.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local_address ... the last field is the socket's drop count.
            let port = fields
                .get(1)
                .and_then(|local| local.rsplit_once(':'))
                .and_then(|(_, port)| u16::from_str_radix(port, 16).ok());
            if port.is_some_and(|port| ports.contains(&port)) {
                drops += fields
                    .last()
                    .and_then(|d| d.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    Some(drops)
}

/// Reads `stream` to its end and returns what came: the end must be the peer's close (end of
/// stream) or its reset, not a read timeout or another error, which fail the test with
/// `what` the stream was expected to do.
#[track_caller]
pub fn read_until_closed(stream: &mut std::net::TcpStream, what: &str) -> Vec<u8> {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(err) => panic!(
            "{what}: the connection did not end ({err}) after {} bytes",
            rest.len()
        ),
    }
    rest
}

/// The linked C programs.
pub struct CPrograms {
    dir: PathBuf,
    names: Vec<String>,
}

/// The folder cargo put the library's static and shared files in, for this build:
/// `target/<profile>/deps`, next to the test binary (or one level up from an example).
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let parent = exe.parent().expect("exe folder");
    if parent.file_name() == Some(OsStr::new("deps")) {
        parent.to_path_buf()
    } else {
        parent.parent().expect("profile folder").join("deps")
    }
}

/// Links every C program (once per process) and returns them.
pub fn programs() -> &'static CPrograms {
    static PROGRAMS: OnceLock<CPrograms> = OnceLock::new();
    PROGRAMS.get_or_init(link_all)
}

/// Set when the tests run under an emulator (Wine) that cannot start the build machine's C
/// compiler: `cargo xtask link-programs` has linked the programs beforehand (see `.ci/windows`).
pub const PRELINKED: &str = "SOCKIT_PRELINKED";

/// Builds a C program a test generated, `source`, against the checked-in header and the
/// static library of this build; returns the program's path (next to the source).
pub fn build_generated_program(source: &Path) -> PathBuf {
    let toolchain = Toolchain::read(Path::new(env!("OUT_DIR")));
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let exe = source.with_extension(std::env::consts::EXE_EXTENSION);
    toolchain.build_static(source, &include, &library_dir(), &exe);
    exe
}

fn link_all() -> CPrograms {
    let toolchain = Toolchain::read(Path::new(env!("OUT_DIR")));
    let libs = library_dir();
    // target/<profile>/deps -> target/c_examples
    let dir = libs
        .parent()
        .and_then(Path::parent)
        .expect("target folder")
        .join("c_examples");
    let names = if std::env::var_os(PRELINKED).is_some() {
        toolchain.program_names()
    } else {
        toolchain.link_all(&libs, &dir)
    };
    CPrograms { dir, names }
}

impl CPrograms {
    /// `target/c_examples`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The names of all linked programs.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The path of a program linked one way.
    pub fn path(&self, name: &str, linkage: Linkage) -> PathBuf {
        assert!(
            self.names.iter().any(|n| n == name),
            "no C program named {name}"
        );
        let exe = format!("{name}{}", std::env::consts::EXE_SUFFIX);
        match linkage {
            Linkage::Static => self.dir.join(exe),
            Linkage::Shared => self.dir.join("shared").join(exe),
        }
    }
}

/// A command that starts every C program under a checker, split at spaces: for example
/// `valgrind -q --log-file=... --error-exitcode=99` (see `cargo xtask reliability`).
pub const WRAPPER: &str = "SOCKIT_C_WRAPPER";

/// Whether the C programs run under a checker (valgrind, or built with the sanitizers), which
/// keeps memory of its own: a program's resident memory then says nothing about the
/// library's, and the checker judges leaks instead.
pub fn under_a_checker() -> bool {
    std::env::var_os(WRAPPER).is_some() || built_with_sanitizers()
}

/// Whether the C programs are built with the sanitizers (`cargo xtask reliability`).
pub fn built_with_sanitizers() -> bool {
    std::env::var("SOCKIT_C_PROGRAM_FLAGS").is_ok_and(|flags| flags.contains("-fsanitize"))
}

/// The command that starts `program`: under the checker `WRAPPER` names, if any.
///
/// cargo puts its target folders on the library search path of the tests it runs, and
/// `target/<profile>/libsockit.so` there is refreshed only by `cargo build`: a stale one
/// would be loaded instead of the copy the programs find through their rpath. (It was: a
/// full fault-suite run kept testing an old library.) So the programs get no such path.
fn command(program: &Path) -> Command {
    command_in(&[], program)
}

/// [`command`] behind `prefix`, the words that run it elsewhere (`nsenter ...`: in a network
/// namespace).
fn command_in(prefix: &[OsString], program: &Path) -> Command {
    let wrapper = std::env::var(WRAPPER).unwrap_or_default();
    let words: Vec<OsString> = prefix
        .iter()
        .cloned()
        .chain(wrapper.split_whitespace().map(OsString::from))
        .chain(std::iter::once(program.as_os_str().to_owned()))
        .collect();
    let mut command = Command::new(&words[0]);
    command.args(&words[1..]);
    for path in [
        "LD_LIBRARY_PATH",
        "DYLD_LIBRARY_PATH",
        "DYLD_FALLBACK_LIBRARY_PATH",
    ] {
        command.env_remove(path);
    }
    command
}

/// Starts a program with its output piped to us and no input.
fn spawn<S: AsRef<OsStr>>(program: &Path, args: &[S]) -> Child {
    spawn_in(&[], program, args)
}

/// [`spawn`] behind `prefix` (see [`command_in`]).
fn spawn_in<S: AsRef<OsStr>>(prefix: &[OsString], program: &Path, args: &[S]) -> Child {
    command_in(prefix, program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", program.display()))
}

/// Runs a program to completion, killing it if it takes longer than `limit`; the panic for a
/// program that ran too long shows what it had printed, to tell where it stopped.
pub fn run<S: AsRef<OsStr>>(program: &Path, args: &[S], limit: Duration) -> Output {
    run_in(&[], program, args, limit)
}

/// [`run`] behind `prefix`, the words that run it elsewhere (`nsenter ...`).
pub fn run_in<S: AsRef<OsStr>>(
    prefix: &[OsString],
    program: &Path,
    args: &[S],
    limit: Duration,
) -> Output {
    let mut child = spawn_in(prefix, program, args);
    let stdout = Drained::start(child.stdout.take().unwrap());
    let stderr = Drained::start(child.stderr.take().unwrap());
    let status = wait_with_limit(&mut child, limit).unwrap_or_else(|waiting_in| {
        // Not joined: a process the program forked may still hold the pipes open.
        panic!(
            "{} ran longer than {limit:?}; it was in {waiting_in}; it had printed:\n{}\n\
             and on stderr:\n{}",
            program.display(),
            String::from_utf8_lossy(&stdout.so_far()),
            String::from_utf8_lossy(&stderr.so_far()),
        )
    });
    Output {
        status,
        stdout: from_text_mode(stdout.finish()),
        stderr: from_text_mode(stderr.finish()),
    }
}

/// A C program's output as it meant it: on Windows the C runtime's text mode writes each
/// `\n` as `\r\n`, which this undoes exactly (a `\r\n` written becomes `\r\r\n`).
fn from_text_mode(bytes: Vec<u8>) -> Vec<u8> {
    if !cfg!(windows) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &byte) in bytes.iter().enumerate() {
        if !(byte == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(byte);
        }
    }
    out
}

/// A stream read to its end on a thread of its own, its bytes readable while it runs.
struct Drained {
    bytes: Arc<Mutex<Vec<u8>>>,
    reader: thread::JoinHandle<()>,
}

impl Drained {
    fn start(mut stream: impl Read + Send + 'static) -> Drained {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&bytes);
        let reader = thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match stream.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => shared.lock().unwrap().extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        });
        Drained { bytes, reader }
    }

    fn so_far(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }

    fn finish(self) -> Vec<u8> {
        self.reader.join().unwrap();
        std::mem::take(&mut *self.bytes.lock().unwrap())
    }
}

/// Waits for the child up to `limit`. If it is still running, kills it and fails with where
/// it (and any child of its own) was waiting.
fn wait_with_limit(child: &mut Child, limit: Duration) -> Result<ExitStatus, String> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for a child") {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            let waiting_in = waiting_place(child.id());
            let _ = child.kill();
            let _ = child.wait();
            return Err(waiting_in);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Where process `pid` and its children wait: the system call and kernel wait channel from
/// Linux's /proc, to tell which call a hung program is stuck in.
fn waiting_place(pid: u32) -> String {
    if !Path::new("/proc/self/syscall").exists() {
        return "a call this system cannot show".into();
    }
    let read = |pid: &str, what: &str| {
        fs::read_to_string(format!("/proc/{pid}/{what}")).unwrap_or_default()
    };
    let mut places = Vec::new();
    let children = children(pid);
    let pids = std::iter::once(pid.to_string()).chain(
        children
            .iter()
            .filter_map(|stat| stat.split_whitespace().next().map(str::to_owned)),
    );
    for pid in pids {
        places.push(format!(
            "[pid {pid}: syscall {}, wchan {}]",
            read(&pid, "syscall").trim(),
            read(&pid, "wchan").trim()
        ));
    }
    places.join(" ")
}

/// Lines a running process has written, collected as they come: the bytes of each, without
/// its `\n` (with the `\r` a Windows program's text mode adds before it).
#[derive(Clone, Default)]
struct Lines {
    shared: Arc<(Mutex<Vec<Vec<u8>>>, Condvar)>,
}

impl Lines {
    fn collect(stream: impl Read + Send + 'static) -> Lines {
        let lines = Lines::default();
        let sink = lines.clone();
        thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                let (list, ready) = &*sink.shared;
                list.lock().unwrap().push(std::mem::take(&mut line));
                ready.notify_all();
            }
        });
        lines
    }

    fn snapshot(&self) -> Vec<String> {
        self.shared
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|l| text(l))
            .collect()
    }

    fn snapshot_bytes(&self) -> Vec<Vec<u8>> {
        self.shared.0.lock().unwrap().clone()
    }

    /// Waits up to `limit` for at least `count` lines.
    fn wait_for_count(&self, limit: Duration, count: usize) {
        let deadline = Instant::now() + limit;
        let (list, ready) = &*self.shared;
        let mut lines = list.lock().unwrap();
        while lines.len() < count {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return;
            };
            lines = ready.wait_timeout(lines, left).unwrap().0;
        }
    }

    /// The first line that `matches`, waiting up to `limit` for it.
    fn wait_for(&self, limit: Duration, matches: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + limit;
        let (list, ready) = &*self.shared;
        let mut lines = list.lock().unwrap();
        loop {
            if let Some(line) = lines.iter().map(|l| text(l)).find(|l| matches(l)) {
                return Some(line);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            lines = ready.wait_timeout(lines, left).unwrap().0;
        }
    }
}

/// A line as text: invalid UTF-8 replaced, the line ending (`\r` on Windows) trimmed.
fn text(line: &[u8]) -> String {
    String::from_utf8_lossy(line).trim_end().to_string()
}

/// A server program running in the background; killed when dropped.
pub struct Server {
    child: Child,
    stdout: Lines,
    stderr: Lines,
    port: u16,
}

impl Server {
    /// Starts `program` with `args` and waits for it to report, on stderr, the port it
    /// listens on (a line ending in `:<port>` or `port <port>`).
    pub fn start<S: AsRef<OsStr>>(program: &Path, args: &[S]) -> Server {
        let (mut server, line) = Server::start_listening(program, args);
        let digits = line.rsplit([':', ' ']).next().unwrap_or_default();
        server.port = digits
            .parse()
            .unwrap_or_else(|_| panic!("no port in {line:?}"));
        server
    }

    /// Starts `program` with `args` and waits for it to report, on stderr, that it listens
    /// (a line with `listening on`), on a port or a path; with the line.
    pub fn start_listening<S: AsRef<OsStr>>(program: &Path, args: &[S]) -> (Server, String) {
        Server::start_listening_in(&[], program, args)
    }

    /// [`Server::start_listening`] behind `prefix`, the words that run it elsewhere
    /// (`nsenter ...`: in a network namespace).
    pub fn start_listening_in<S: AsRef<OsStr>>(
        prefix: &[OsString],
        program: &Path,
        args: &[S],
    ) -> (Server, String) {
        let mut child = spawn_in(prefix, program, args);
        let stdout = Lines::collect(child.stdout.take().unwrap());
        let stderr = Lines::collect(child.stderr.take().unwrap());
        let server = Server {
            child,
            stdout,
            stderr,
            port: 0,
        };
        let line = server
            .stderr
            .wait_for(Duration::from_secs(10), |l| l.contains("listening on"))
            .unwrap_or_else(|| {
                panic!(
                    "{} reported no port; stderr: {:?}",
                    program.display(),
                    server.stderr.snapshot()
                )
            });
        (server, line)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits up to 10 s for a stdout line equal to `line`.
    pub fn expect_stdout_line(&self, line: &str) {
        expect_line(&self.stdout, "stdout", line);
    }

    /// Waits up to 10 s for a stderr line equal to `line`.
    pub fn expect_stderr_line(&self, line: &str) {
        expect_line(&self.stderr, "stderr", line);
    }

    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.snapshot()
    }

    /// The stdout lines once there are at least `count` (waiting up to 10 s for them: a line
    /// the program wrote may not have been read from its pipe yet).
    pub fn stdout_lines_when(&self, count: usize) -> Vec<String> {
        self.stdout.wait_for_count(Duration::from_secs(10), count);
        self.stdout.snapshot()
    }

    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.snapshot()
    }

    /// The stderr lines once there are at least `count` (waiting up to 10 s for them, as
    /// [`Server::stdout_lines_when`]).
    pub fn stderr_lines_when(&self, count: usize) -> Vec<String> {
        self.stderr.wait_for_count(Duration::from_secs(10), count);
        self.stderr.snapshot()
    }

    /// The stdout lines as the bytes the program wrote, each without its `\n`.
    pub fn stdout_line_bytes(&self) -> Vec<Vec<u8>> {
        self.stdout.snapshot_bytes()
    }

    /// The stderr lines as the bytes the program wrote, each without its `\n`.
    pub fn stderr_line_bytes(&self) -> Vec<Vec<u8>> {
        self.stderr.snapshot_bytes()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM, as `kill` or a service manager would, and waits up to `limit` for the
    /// server to exit; its exit status, or `None` if it did not exit in time.
    #[cfg(unix)]
    pub fn terminate(&mut self, limit: Duration) -> Option<ExitStatus> {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid fits pid_t");
        // SAFETY: kill takes plain integers; the child is ours and not yet reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        wait_with_limit(&mut self.child, limit).ok()
    }

    /// How the server process ended, if it has (reaping it).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("check the server")
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("check the server").is_none()
    }
}

fn expect_line(lines: &Lines, stream: &str, line: &str) {
    if lines
        .wait_for(Duration::from_secs(10), |l| l == line)
        .is_none()
    {
        panic!("expected {line:?} on {stream}; got {:?}", lines.snapshot());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether thread `tid` of process `pid` is blocked in `epoll_wait`: Linux's
/// /proc/<pid>/task/<tid>/syscall starts with the number of the call a blocked thread is in
/// (a thread that is running shows "running").
#[cfg(target_os = "linux")]
pub fn thread_waits_in_epoll(pid: u32, tid: u32) -> bool {
    let syscall = fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall"));
    let syscall = syscall.unwrap_or_default();
    let number = syscall.split_whitespace().next().unwrap_or_default();
    [libc::SYS_epoll_wait, libc::SYS_epoll_pwait]
        .iter()
        .any(|call| number == call.to_string())
}

/// The child processes of `pid`, live or not yet reaped, as their /proc stat lines (Linux).
pub fn children(pid: u32) -> Vec<String> {
    let parent = pid.to_string();
    let mut children = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: the command may hold spaces, so split after ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if rest.split_whitespace().nth(1) == Some(parent.as_str()) {
            children.push(stat);
        }
    }
    children
}

/// The child processes of `pid` that have exited and not been reaped (Linux's /proc).
pub fn zombie_children(pid: u32) -> Vec<String> {
    children(pid)
        .into_iter()
        .filter(|stat| {
            stat.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.split_whitespace().next() == Some("Z"))
        })
        .collect()
}

/// The resident memory of process `pid` in KiB (Linux's /proc; 0 if it is gone).
pub fn resident_kib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Raises this process's descriptor limit to its hard limit (child processes inherit it);
/// returns the new soft limit.
#[cfg(unix)]
pub fn raise_descriptor_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for getrlimit and setrlimit to read and write.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
    // rlim_t is u64 on Linux and macOS, i64 on the BSDs (never negative).
    #[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
    u64::try_from(limit.rlim_cur).unwrap_or(u64::MAX)
}

/// Runs an event loop in rounds until `done` says so; fails the test after 20 seconds.
pub fn run_loop_until(lp: &sockit::event_loop::Loop, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the loop did not finish in time"
        );
        lp.run_once(Some(Duration::from_millis(100))).unwrap();
    }
}
