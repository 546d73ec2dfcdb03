//! sockit_sendfile through the C API, in-process: files of 0 bytes, 1 byte and 100 MiB
//! arrive whole; offsets and counts past the end send what there is; a file that shrinks
//! while it is being sent ends the call early with the count that really went; a
//! non-blocking socket loses no count; descriptors that are not readable files, negative
//! numbers and handles that are not sockets are refused.

#[path = "../support/mod.rs"]
mod support;

use std::fs::{self, File};
use std::io::Write;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use sockit::ffi::error::*;
use sockit::ffi::io::*;
use sockit::ffi::options::*;
use sockit::ffi::sendfile::*;
use support::capi::*;

/// A folder of this test's own.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sockit-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Bytes that differ at every position of a long run, so that a misplaced block shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i ^ (i >> 8) ^ (i >> 16)) as u8).collect()
}

/// The C API's handle for an open file.
#[cfg(unix)]
fn handle(file: &File) -> sockit_file {
    use std::os::fd::AsRawFd;
    file.as_raw_fd()
}

#[cfg(windows)]
fn handle(file: &File) -> sockit_file {
    use std::os::windows::io::AsRawHandle;
    file.as_raw_handle()
}

/// Reads from `sock` until the end of the stream (on a thread of its own, so that a large
/// file cannot fill the socket and stall the sender).
fn read_all_on_thread(sock: sockit::ffi::socket::sockit_socket) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = recv(sock, &mut buf);
            assert!(n >= 0, "{}", name(n));
            if n == 0 {
                ok(sockit_close(sock));
                return all;
            }
            all.extend_from_slice(&buf[..n as usize]);
        }
    })
}

/// Sends the whole of `path` over a fresh connection; what was sent and what arrived.
fn send_whole(path: &std::path::Path, offset: i64, count: i64) -> (i64, Vec<u8>) {
    let file = File::open(path).unwrap();
    let (client, server) = tcp_pair();
    let reader = read_all_on_thread(server);
    let sent = sockit_sendfile(client, handle(&file), offset, count);
    ok(sockit_close(client));
    (sent, reader.join().unwrap())
}

#[test]
fn files_of_every_size_arrive_whole() {
    let dir = temp_dir("sizes");
    for len in [0, 1, 4096 + 7, 100 << 20] {
        let path = dir.join(format!("{len}.bin"));
        let data = pattern(len);
        fs::write(&path, &data).unwrap();
        let (sent, got) = send_whole(&path, 0, len as i64);
        assert_eq!(sent, len as i64, "{len} bytes");
        assert!(got == data, "{len} bytes: what arrived differs");
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn offsets_and_counts_past_the_end_send_what_there_is() {
    let dir = temp_dir("offsets");
    let path = dir.join("ten");
    fs::write(&path, b"0123456789").unwrap();
    assert_eq!(send_whole(&path, 3, 4), (4, b"3456".to_vec()));
    assert_eq!(send_whole(&path, 6, 100), (4, b"6789".to_vec()));
    assert_eq!(send_whole(&path, 10, 5), (0, Vec::new()));
    assert_eq!(send_whole(&path, 1 << 40, 5), (0, Vec::new()));
    assert_eq!(send_whole(&path, 0, 0), (0, Vec::new()));
    // The file's own position is not used.
    let file = File::open(&path).unwrap();
    let mut reader = &file;
    std::io::Read::read_exact(&mut reader, &mut [0u8; 5]).unwrap();
    let (client, server) = tcp_pair();
    let got = read_all_on_thread(server);
    assert_eq!(sockit_sendfile(client, handle(&file), 0, 10), 10);
    ok(sockit_close(client));
    assert_eq!(got.join().unwrap(), b"0123456789");
    // Windows removes no file that is still open.
    drop(file);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_that_shrinks_while_it_is_sent_ends_early_with_the_count_that_went() {
    let dir = temp_dir("shrink");
    let path = dir.join("big");
    let len = 64 << 20;
    let data = pattern(len);
    fs::write(&path, &data).unwrap();
    let file = File::open(&path).unwrap();
    let (client, server) = tcp_pair();
    // The reader takes nothing until the file has shrunk: the sender fills the socket's
    // buffers and waits, well before the end.
    ok(sockit_set_recv_buffer(server, 65536));
    // Then, once the sender waits (or even before it starts: the file is cut either way
    // before anything is read), the file is cut to 1 MiB, and only then read.
    let reader = {
        let path = path.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(300));
            let file = fs::OpenOptions::new().write(true).open(&path).unwrap();
            file.set_len(1 << 20).unwrap();
            read_all_on_thread(server).join().unwrap()
        })
    };
    let sent = sockit_sendfile(client, handle(&file), 0, len as i64);
    ok(sockit_close(client));
    let got = reader.join().unwrap();
    assert!(sent >= 0, "{}", name(sent));
    assert!(
        (sent as usize) < len,
        "the whole file was reported sent: {sent}"
    );
    assert_eq!(got.len() as i64, sent, "the count is what arrived");
    // The part the file still has arrives as it is. Past it, what the kernel had taken but
    // not yet sent when the file was cut is read from the file as it is then: zeros or
    // anything, as the header says (sendfile does not copy).
    let kept = got.len().min(1 << 20);
    assert!(
        got[..kept] == data[..kept],
        "what arrived is the file's start"
    );
    // Windows removes no file that is still open.
    drop(file);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_non_blocking_socket_loses_no_count() {
    let dir = temp_dir("nonblocking");
    let path = dir.join("file");
    let data = pattern(8 << 20);
    fs::write(&path, &data).unwrap();
    let file = File::open(&path).unwrap();
    let (client, server) = tcp_pair();
    set_nonblocking(client);
    let reader = read_all_on_thread(server);
    let mut offset = 0i64;
    for _ in 0..100_000 {
        if offset == data.len() as i64 {
            break;
        }
        let sent = sockit_sendfile(client, handle(&file), offset, data.len() as i64 - offset);
        if sent == i64::from(SOCKIT_EAGAIN) {
            thread::sleep(Duration::from_millis(1));
            continue;
        }
        assert!(sent > 0, "{}", name(sent));
        offset += sent;
    }
    ok(sockit_close(client));
    assert!(reader.join().unwrap() == data);
    // Windows removes no file that is still open.
    drop(file);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn what_is_not_a_readable_file_or_a_socket_is_refused() {
    let dir = temp_dir("refused");
    let path = dir.join("file");
    File::create(&path).unwrap().write_all(b"data").unwrap();
    let file = File::open(&path).unwrap();
    let (client, server) = tcp_pair();
    fails_with(sockit_sendfile(client, handle(&file), -1, 4), SOCKIT_EINVAL);
    fails_with(sockit_sendfile(client, handle(&file), 0, -1), SOCKIT_EINVAL);
    fails_with(
        sockit_sendfile(client, handle(&file), i64::MIN, 4),
        SOCKIT_EINVAL,
    );
    let write_only = fs::OpenOptions::new().write(true).open(&path).unwrap();
    // Unix says "bad descriptor" for a file not open for reading. (Windows says "access
    // denied", as the header has it; Wine's TransmitFile reads such a handle anyway, so
    // that is not checked where the Windows build is tested.)
    if cfg!(unix) {
        fails_with(
            sockit_sendfile(client, handle(&write_only), 0, 4),
            SOCKIT_EBADF,
        );
    }
    drop(write_only);
    fails_with(
        sockit_sendfile(
            sockit::ffi::socket::SOCKIT_INVALID_SOCKET,
            handle(&file),
            0,
            4,
        ),
        SOCKIT_EBADF,
    );
    #[cfg(unix)]
    {
        fails_with(sockit_sendfile(client, -1, 0, 4), SOCKIT_EBADF);
        let directory = File::open(&dir).unwrap();
        fails_with(
            sockit_sendfile(client, handle(&directory), 0, 4),
            SOCKIT_EINVAL,
        );
        // A pipe is no file to read from an offset; nor is a pipe a socket to send to.
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe() makes.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        fails_with(sockit_sendfile(client, fds[0], 0, 4), SOCKIT_EINVAL);
        fails_with(
            sockit_sendfile(fds[1], handle(&file), 0, 4),
            SOCKIT_ENOTSOCK,
        );
        // SAFETY: the pipe's descriptors are ours, closed once.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }
    // Nothing went out: the next bytes the peer reads are these.
    assert_eq!(send_all(client, b"next"), 4);
    let mut buf = [0u8; 4];
    assert_eq!(recv_exact(server, &mut buf), 4);
    assert_eq!(&buf, b"next");
    for sock in [client, server] {
        ok(sockit_close(sock));
    }
    // Windows removes no file that is still open.
    drop(file);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(unix)] // Windows has no Unix domain sockets under Wine
fn files_go_over_unix_domain_sockets_too() {
    use sockit::ffi::unix::*;
    let dir = temp_dir("unix");
    let path = dir.join("file");
    let data = pattern(3 << 20);
    fs::write(&path, &data).unwrap();
    let name = std::ffi::CString::new(dir.join("s.sock").to_str().unwrap()).unwrap();
    let (mut listener, mut client) = (-1, -1);
    // SAFETY: C strings and live out-parameters.
    unsafe {
        ok(sockit_unix_listen(name.as_ptr(), 1, 0, &mut listener));
        ok(sockit_unix_connect(name.as_ptr(), 1000, &mut client));
    }
    let (server, _) = accept(listener);
    let reader = read_all_on_thread(server);
    let file = File::open(&path).unwrap();
    assert_eq!(
        sockit_sendfile(client, handle(&file), 0, data.len() as i64),
        data.len() as i64
    );
    ok(sockit_close(client));
    ok(sockit_close(listener));
    assert!(reader.join().unwrap() == data);
    // Windows removes no file that is still open.
    drop(file);
    fs::remove_dir_all(&dir).unwrap();
}
