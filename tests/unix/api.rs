//! Unix domain sockets through the C API, in-process: listen, connect and accept by path or
//! abstract name; datagrams with their senders' names; names too long for the system refused
//! rather than cut; stale socket files refused, or replaced with SOCKIT_UNIX_REMOVE_STALE,
//! never a live socket or another file; the peer's credentials; the wrong kinds of socket.
//!
//! Windows 10 version 1803 and later have Unix domain stream sockets; Wine 8, where the
//! Windows build is tested, has none: there every call that makes one must fail with
//! SOCKIT_EOPNOTSUPP, which `windows_without_unix_sockets_says_so` checks.

#[path = "../support/mod.rs"]
mod support;

use std::ffi::{CStr, CString, c_char, c_int};
use std::path::{Path, PathBuf};
use std::ptr;

use sockit::ffi::error::*;
use sockit::ffi::io::*;
use sockit::ffi::options::*;
use sockit::ffi::socket::*;
use sockit::ffi::unix::*;
use support::capi::*;

/// A fresh folder for this test's socket files (short: socket paths are limited).
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sockit-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn c_path(path: &Path) -> CString {
    CString::new(path.to_str().unwrap()).unwrap()
}

/// Whether this system has Unix domain stream sockets (Wine has none).
fn unix_sockets_here() -> bool {
    let mut sock = SOCKIT_INVALID_SOCKET;
    // SAFETY: a C string and a live out-parameter.
    let rc = unsafe { sockit_unix_listen(c"@sockit-probe".as_ptr(), 1, 0, &mut sock) };
    if rc == SOCKIT_OK {
        ok(sockit_close(sock));
        return true;
    }
    // Outside Linux the abstract name is what is refused; try a file.
    let dir = temp_dir("probe");
    let path = c_path(&dir.join("probe.sock"));
    // SAFETY: a C string and a live out-parameter.
    let rc = unsafe { sockit_unix_listen(path.as_ptr(), 1, 0, &mut sock) };
    let _ = std::fs::remove_dir_all(&dir);
    if rc == SOCKIT_OK {
        ok(sockit_close(sock));
        return true;
    }
    if !cfg!(windows) {
        panic!("no Unix domain sockets: {}", name(rc.into()));
    }
    fails_with(rc.into(), SOCKIT_EOPNOTSUPP);
    false
}

fn listen(path: &CStr, flags: c_int) -> Result<sockit_socket, c_int> {
    let mut sock = SOCKIT_INVALID_SOCKET;
    // SAFETY: a C string and a live out-parameter.
    match unsafe { sockit_unix_listen(path.as_ptr(), 8, flags, &mut sock) } {
        SOCKIT_OK => Ok(sock),
        err => Err(err),
    }
}

fn connect(path: &CStr, timeout_ms: c_int) -> Result<sockit_socket, c_int> {
    let mut sock = SOCKIT_INVALID_SOCKET;
    // SAFETY: a C string and a live out-parameter.
    match unsafe { sockit_unix_connect(path.as_ptr(), timeout_ms, &mut sock) } {
        SOCKIT_OK => Ok(sock),
        err => Err(err),
    }
}

fn bind(path: Option<&CStr>, flags: c_int) -> Result<sockit_socket, c_int> {
    let mut sock = SOCKIT_INVALID_SOCKET;
    let path = path.map_or(ptr::null(), CStr::as_ptr);
    // SAFETY: NULL or a C string, and a live out-parameter.
    match unsafe { sockit_unix_bind(path, flags, &mut sock) } {
        SOCKIT_OK => Ok(sock),
        err => Err(err),
    }
}

/// A socket's own name, or its peer's, as text.
fn name_of(
    sock: sockit_socket,
    get: unsafe extern "C" fn(sockit_socket, *mut c_char, usize) -> c_int,
) -> String {
    let mut buf = [0u8; SOCKIT_UNIX_NAMESTRLEN as usize];
    // SAFETY: `buf` is writable for its length.
    let len = unsafe { get(sock, buf.as_mut_ptr().cast(), buf.len()) };
    assert!(len >= 0, "{}", name(len.into()));
    assert_eq!(buf[len as usize], 0, "NUL-terminated");
    String::from_utf8(buf[..len as usize].to_vec()).unwrap()
}

/// A connected pair through a listener at `path`: (client, server side).
fn pair(path: &CStr) -> (sockit_socket, sockit_socket, sockit_socket) {
    let listener = listen(path, 0).unwrap();
    let client = connect(path, 5000).unwrap();
    let (server, peer) = accept(listener);
    assert_eq!(peer.family, 0, "a Unix domain peer has no IP address");
    (listener, client, server)
}

/// The server side of a connection tells who the client is (this process), and a listener
/// has no peer.
#[cfg(unix)]
fn credentials_are_the_clients(server: sockit_socket, listener: sockit_socket) {
    let mut cred = sockit_peer_cred::default();
    // SAFETY: a live out-parameter.
    ok(unsafe { sockit_unix_peer_cred(server, &mut cred) });
    // SAFETY: plain calls.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    assert_eq!((cred.uid, cred.gid), (uid, gid));
    if cfg!(any(target_os = "linux", target_os = "macos")) {
        assert_eq!(cred.pid, i64::from(std::process::id()));
    }
    // SAFETY: a live out-parameter.
    fails_with(
        unsafe { sockit_unix_peer_cred(listener, &mut cred) }.into(),
        SOCKIT_ENOTCONN,
    );
}

/// Windows tells no credentials.
#[cfg(windows)]
fn credentials_are_the_clients(server: sockit_socket, _listener: sockit_socket) {
    let mut cred = sockit_peer_cred::default();
    // SAFETY: a live out-parameter.
    fails_with(
        unsafe { sockit_unix_peer_cred(server, &mut cred) }.into(),
        SOCKIT_EOPNOTSUPP,
    );
}

#[test]
fn stream_sockets_by_path_echo_and_tell_their_names_and_peer() {
    if !unix_sockets_here() {
        return;
    }
    let dir = temp_dir("stream");
    let path = dir.join("echo.sock");
    let c = c_path(&path);
    let (listener, client, server) = pair(&c);
    assert!(path.exists(), "binding made the socket file");
    assert_eq!(send_all(client, b"hello"), 5);
    let mut buf = [0u8; 5];
    assert_eq!(recv_exact(server, &mut buf), 5);
    assert_eq!(&buf, b"hello");
    assert_eq!(
        name_of(listener, sockit_unix_local_name),
        path.to_str().unwrap()
    );
    assert_eq!(
        name_of(client, sockit_unix_peer_name),
        path.to_str().unwrap()
    );
    assert_eq!(
        name_of(client, sockit_unix_local_name),
        "",
        "the client never bound"
    );
    credentials_are_the_clients(server, listener);
    // The options apply as to TCP sockets where they make sense.
    ok(sockit_set_read_timeout(client, 100));
    let mut tiny = [0u8; 1];
    fails_with(recv(client, &mut tiny), SOCKIT_ETIMEDOUT);
    for sock in [listener, client, server] {
        ok(sockit_close(sock));
    }
    assert!(path.exists(), "closing leaves the file, as the header says");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(target_os = "linux")]
fn abstract_names_make_no_file_and_are_free_once_closed() {
    let name = CString::new(format!("@sockit-test-{}", std::process::id())).unwrap();
    let (listener, client, server) = pair(&name);
    assert_eq!(
        name_of(listener, sockit_unix_local_name),
        name.to_str().unwrap()
    );
    assert_eq!(send_all(client, b"x"), 1);
    for sock in [listener, client, server] {
        ok(sockit_close(sock));
    }
    // No file to remove: the name can be taken again at once.
    let again = listen(&name, 0).unwrap();
    ok(sockit_close(again));
}

#[test]
fn names_longer_than_the_system_takes_fail_and_are_never_cut() {
    if !unix_sockets_here() {
        return;
    }
    let dir = temp_dir("long");
    // The longest name that fits: 107 bytes on Linux and Windows, 103 elsewhere.
    let limit = if cfg!(any(target_os = "linux", windows)) {
        107
    } else {
        103
    };
    let base = dir.to_str().unwrap().len() + 1;
    let fits = dir.join("a".repeat(limit - base));
    let too_long = dir.join("a".repeat(limit - base + 1));
    let sock = listen(&c_path(&fits), 0).unwrap();
    assert_eq!(
        name_of(sock, sockit_unix_local_name),
        fits.to_str().unwrap()
    );
    ok(sockit_close(sock));
    fails_with(
        listen(&c_path(&too_long), 0).unwrap_err().into(),
        SOCKIT_ENAMETOOLONG,
    );
    fails_with(
        connect(&c_path(&too_long), 1000).unwrap_err().into(),
        SOCKIT_ENAMETOOLONG,
    );
    let entries = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        entries, 1,
        "no cut name was made for the one that did not fit"
    );
    if cfg!(target_os = "linux") {
        let abstract_fits = CString::new(format!("@{}", "b".repeat(limit))).unwrap();
        let abstract_too_long = CString::new(format!("@{}", "b".repeat(limit + 1))).unwrap();
        let sock = listen(&abstract_fits, 0).unwrap();
        ok(sockit_close(sock));
        fails_with(
            listen(&abstract_too_long, 0).unwrap_err().into(),
            SOCKIT_ENAMETOOLONG,
        );
    } else {
        fails_with(listen(c"@name", 0).unwrap_err().into(), SOCKIT_EOPNOTSUPP);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stale_socket_files_are_refused_or_replaced_on_request_but_live_ones_never() {
    if !unix_sockets_here() {
        return;
    }
    let dir = temp_dir("stale");
    let path = dir.join("server.sock");
    let c = c_path(&path);
    // A server that went away without removing its file.
    let old = listen(&c, 0).unwrap();
    ok(sockit_close(old));
    assert!(path.exists());
    fails_with(connect(&c, 1000).unwrap_err().into(), SOCKIT_ECONNREFUSED);
    fails_with(listen(&c, 0).unwrap_err().into(), SOCKIT_EADDRINUSE);
    if cfg!(windows) {
        // Windows does not tell a socket file from another: it is never removed.
        fails_with(
            listen(&c, SOCKIT_UNIX_REMOVE_STALE).unwrap_err().into(),
            SOCKIT_EADDRINUSE,
        );
        std::fs::remove_dir_all(&dir).unwrap();
        return;
    }
    let live = listen(&c, SOCKIT_UNIX_REMOVE_STALE).unwrap();
    // A live socket is not stale: the second server is refused, and the first still serves.
    fails_with(
        listen(&c, SOCKIT_UNIX_REMOVE_STALE).unwrap_err().into(),
        SOCKIT_EADDRINUSE,
    );
    let client = connect(&c, 1000).unwrap();
    for sock in [live, client] {
        ok(sockit_close(sock));
    }
    // A file that is not a socket is never removed.
    let plain = dir.join("plain");
    std::fs::write(&plain, b"keep me").unwrap();
    fails_with(
        listen(&c_path(&plain), SOCKIT_UNIX_REMOVE_STALE)
            .unwrap_err()
            .into(),
        SOCKIT_EADDRINUSE,
    );
    assert_eq!(std::fs::read(&plain).unwrap(), b"keep me");
    // Nor is a live datagram socket, by a stream listener, or the other way round.
    let dgram_path = dir.join("dgram.sock");
    let dgram = bind(Some(&c_path(&dgram_path)), 0).unwrap();
    fails_with(
        listen(&c_path(&dgram_path), SOCKIT_UNIX_REMOVE_STALE)
            .unwrap_err()
            .into(),
        SOCKIT_EADDRINUSE,
    );
    // A stream connect to a datagram socket is the wrong kind.
    fails_with(
        connect(&c_path(&dgram_path), 1000).unwrap_err().into(),
        SOCKIT_EOPNOTSUPP,
    );
    ok(sockit_close(dgram));
    // Stale datagram files are replaced the same way.
    let again = bind(Some(&c_path(&dgram_path)), SOCKIT_UNIX_REMOVE_STALE).unwrap();
    ok(sockit_close(again));
    // Nothing at all, or a missing folder.
    fails_with(
        connect(&c_path(&dir.join("none.sock")), 1000)
            .unwrap_err()
            .into(),
        SOCKIT_ENOENT,
    );
    fails_with(
        listen(&c_path(&dir.join("no-such-dir/x.sock")), 0)
            .unwrap_err()
            .into(),
        SOCKIT_ENOENT,
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(unix)] // Windows has no Unix domain datagrams
fn datagrams_carry_their_senders_names() {
    let dir = temp_dir("dgram");
    let server_path = dir.join("server.sock");
    let client_path = dir.join("client.sock");
    let server = bind(Some(&c_path(&server_path)), 0).unwrap();
    let client = bind(Some(&c_path(&client_path)), 0).unwrap();
    let sendto = |sock, data: &[u8], to: &CStr| {
        // SAFETY: `data` is readable for its length; `to` is a C string.
        unsafe { sockit_unix_sendto(sock, data.as_ptr().cast(), data.len(), to.as_ptr()) }
    };
    let recvfrom = |sock, buf: &mut [u8], from: &mut [u8]| {
        // SAFETY: both buffers are writable for their lengths.
        unsafe {
            sockit_unix_recvfrom(
                sock,
                buf.as_mut_ptr().cast(),
                buf.len(),
                from.as_mut_ptr().cast(),
                from.len(),
            )
        }
    };
    assert_eq!(sendto(client, b"ping", &c_path(&server_path)), 4);
    let (mut buf, mut from) = ([0u8; 16], [0xAAu8; SOCKIT_UNIX_NAMESTRLEN as usize]);
    assert_eq!(recvfrom(server, &mut buf, &mut from), 4);
    let sender = CStr::from_bytes_until_nul(&from).unwrap();
    assert_eq!(sender.to_str().unwrap(), client_path.to_str().unwrap());
    // The reply goes back by that name.
    assert_eq!(sendto(server, b"pong", sender), 4);
    assert_eq!(recvfrom(client, &mut buf, &mut from), 4);
    assert_eq!(&buf[..4], b"pong");
    // An empty datagram is a datagram; one longer than the buffer is reported, not cut.
    assert_eq!(sendto(client, b"", &c_path(&server_path)), 0);
    assert_eq!(recvfrom(server, &mut buf, &mut from), 0);
    assert_eq!(sendto(client, &[7u8; 40], &c_path(&server_path)), 40);
    fails_with(recvfrom(server, &mut buf, &mut from), SOCKIT_EMSGSIZE);
    // A sender that never bound has no name to answer ("" ), except on Linux, which gives
    // it an abstract name of its own when it binds with no path.
    let anonymous = bind(None, 0).unwrap();
    assert_eq!(sendto(anonymous, b"who", &c_path(&server_path)), 3);
    assert_eq!(recvfrom(server, &mut buf, &mut from), 3);
    let sender = CStr::from_bytes_until_nul(&from).unwrap().to_str().unwrap();
    if cfg!(target_os = "linux") {
        assert!(sender.starts_with('@') && sender.len() == 6, "{sender:?}");
        assert_eq!(name_of(anonymous, sockit_unix_local_name), sender);
    } else {
        assert_eq!(sender, "");
    }
    // A room for the name too small for any name is refused before anything is received.
    let mut small = [0u8; 8];
    fails_with(recvfrom(server, &mut buf, &mut small), SOCKIT_EINVAL);
    // Nothing there: a name that leads nowhere, a socket that is gone.
    fails_with(
        sendto(client, b"x", &c_path(&dir.join("none.sock"))),
        SOCKIT_ENOENT,
    );
    ok(sockit_close(anonymous));
    let gone = dir.join("gone.sock");
    ok(sockit_close(bind(Some(&c_path(&gone)), 0).unwrap()));
    fails_with(sendto(client, b"x", &c_path(&gone)), SOCKIT_ECONNREFUSED);
    for sock in [server, client] {
        ok(sockit_close(sock));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(target_os = "linux")] // the BSDs and macOS refuse at once when the queue is full
fn a_connect_waits_for_room_in_a_full_queue_no_longer_than_its_timeout() {
    use std::time::{Duration, Instant};
    let name = CString::new(format!("@sockit-full-{}", std::process::id())).unwrap();
    let mut listener = SOCKIT_INVALID_SOCKET;
    // SAFETY: a C string and a live out-parameter.
    ok(unsafe { sockit_unix_listen(name.as_ptr(), 1, 0, &mut listener) });
    // Fill the queue: nothing accepts.
    let mut queued = Vec::new();
    let started = Instant::now();
    let rc = loop {
        match connect(&name, 200) {
            Ok(sock) => queued.push(sock),
            Err(err) => break err,
        }
        assert!(queued.len() < 16, "the queue of 1 never filled");
    };
    fails_with(rc.into(), SOCKIT_ETIMEDOUT);
    assert!(started.elapsed() >= Duration::from_millis(200));
    for sock in queued.into_iter().chain([listener]) {
        ok(sockit_close(sock));
    }
}

#[test]
fn bad_names_flags_and_sockets_are_refused() {
    let mut out = SOCKIT_INVALID_SOCKET;
    // SAFETY: NULLs and C strings; `out` is a live out-parameter.
    unsafe {
        fails_with(
            sockit_unix_listen(ptr::null(), 1, 0, &mut out).into(),
            SOCKIT_EINVAL,
        );
        fails_with(
            sockit_unix_listen(c"".as_ptr(), 1, 0, &mut out).into(),
            SOCKIT_EINVAL,
        );
        fails_with(
            sockit_unix_listen(c"@".as_ptr(), 1, 0, &mut out).into(),
            SOCKIT_EINVAL,
        );
        fails_with(
            sockit_unix_listen(c"x".as_ptr(), -1, 0, &mut out).into(),
            SOCKIT_EINVAL,
        );
        fails_with(
            sockit_unix_listen(c"x".as_ptr(), 1, 2, &mut out).into(),
            SOCKIT_EINVAL,
        );
        fails_with(
            sockit_unix_listen(c"x".as_ptr(), 1, 0, ptr::null_mut()).into(),
            SOCKIT_EINVAL,
        );
        fails_with(
            sockit_unix_connect(c"x".as_ptr(), 0, &mut out).into(),
            SOCKIT_EINVAL,
        );
        fails_with(
            sockit_unix_connect(c"x".as_ptr(), -2, &mut out).into(),
            SOCKIT_EINVAL,
        );
        fails_with(
            sockit_unix_bind(c"x".as_ptr(), -1, &mut out).into(),
            SOCKIT_EINVAL,
        );
    }
    assert_eq!(out, SOCKIT_INVALID_SOCKET, "out untouched");
    // The name calls on sockets that are not Unix domain ones.
    let (client, server) = tcp_pair();
    let mut buf = [0u8; SOCKIT_UNIX_NAMESTRLEN as usize];
    let mut cred = sockit_peer_cred::default();
    // SAFETY: `buf` is writable for its length; `cred` is a live out-parameter.
    unsafe {
        fails_with(
            sockit_unix_local_name(client, buf.as_mut_ptr().cast(), buf.len()).into(),
            SOCKIT_EAFNOSUPPORT,
        );
        fails_with(
            sockit_unix_peer_cred(client, &mut cred).into(),
            SOCKIT_EAFNOSUPPORT,
        );
        fails_with(
            sockit_unix_local_name(SOCKIT_INVALID_SOCKET, buf.as_mut_ptr().cast(), buf.len())
                .into(),
            SOCKIT_EBADF,
        );
    }
    for sock in [client, server] {
        ok(sockit_close(sock));
    }
}

#[test]
#[cfg(windows)]
fn windows_without_unix_sockets_says_so() {
    if unix_sockets_here() {
        return; // Windows 10 version 1803 and later: the other tests ran.
    }
    let mut out = SOCKIT_INVALID_SOCKET;
    // SAFETY: C strings and a live out-parameter.
    unsafe {
        fails_with(
            sockit_unix_connect(c"C:\\x.sock".as_ptr(), 100, &mut out).into(),
            SOCKIT_EOPNOTSUPP,
        );
        fails_with(
            sockit_unix_bind(c"C:\\x.sock".as_ptr(), 0, &mut out).into(),
            SOCKIT_EOPNOTSUPP,
        );
    }
    eprintln!("this Windows (Wine) has no Unix domain sockets: every call said SOCKIT_EOPNOTSUPP");
}
