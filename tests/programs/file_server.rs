//! `file_server <port> <directory>` as a process, with both libraries: the files of its
//! directory come back whole (empty, small, 10 MiB), and every way out of the directory is
//! refused with a reset and no byte: `..`, absolute paths, subdirectories, symbolic links
//! (out of the directory and into it), `.`, empty and over-long names, NULs, a missing
//! newline. The server goes on serving after each.
#![cfg(unix)] // file_server is a POSIX program (openat, O_NOFOLLOW)

#[path = "../support/mod.rs"]
mod support;

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use support::{Linkage, Server, programs};

/// What a request got: the bytes, and whether the connection ended with a reset.
struct Reply {
    bytes: Vec<u8>,
    reset: bool,
}

fn request(port: u16, line: &[u8], half_close: bool) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(line).unwrap();
    if half_close {
        stream.shutdown(Shutdown::Write).unwrap();
    }
    let mut bytes = Vec::new();
    let reset = match stream.read_to_end(&mut bytes) {
        Ok(_) => false,
        Err(err) if err.kind() == ErrorKind::ConnectionReset => true,
        Err(err) => panic!("{:?}: {err}", String::from_utf8_lossy(line)),
    };
    Reply { bytes, reset }
}

/// A served directory, with a secret next to it, links out of it and into it.
fn directory() -> (PathBuf, PathBuf) {
    let root = std::env::temp_dir().join(format!("sockit-files-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let served = root.join("served");
    fs::create_dir_all(served.join("sub")).unwrap();
    fs::write(root.join("secret"), b"not for you").unwrap();
    fs::write(served.join("hello.txt"), b"hello, file\n").unwrap();
    fs::write(served.join("empty"), b"").unwrap();
    let big: Vec<u8> = (0..10 << 20).map(|i: u32| (i ^ (i >> 9)) as u8).collect();
    fs::write(served.join("big.bin"), &big).unwrap();
    fs::write(served.join("sub/inner.txt"), b"inner").unwrap();
    std::os::unix::fs::symlink(root.join("secret"), served.join("link-out")).unwrap();
    std::os::unix::fs::symlink("hello.txt", served.join("link-in")).unwrap();
    (root, served)
}

#[test]
fn files_come_back_whole_and_every_way_out_of_the_directory_is_refused() {
    let (root, served) = directory();
    let big = fs::read(served.join("big.bin")).unwrap();
    for linkage in Linkage::BOTH {
        let program = programs().path("file_server", linkage);
        let server = Server::start(&program, &[std::ffi::OsStr::new("0"), served.as_os_str()]);
        let port = server.port();
        let served_whole = |line: &[u8], expected: &[u8]| {
            let reply = request(port, line, false);
            assert!(
                !reply.reset,
                "{:?} was reset",
                String::from_utf8_lossy(line)
            );
            assert!(
                reply.bytes == expected,
                "{:?}: {} bytes came back",
                String::from_utf8_lossy(line),
                reply.bytes.len()
            );
        };
        served_whole(b"hello.txt\n", b"hello, file\n");
        served_whole(b"hello.txt\r\n", b"hello, file\n");
        served_whole(b"empty\n", b"");
        served_whole(b"big.bin\n", &big);
        let refused: [&[u8]; 14] = [
            b"../secret\n",
            b"../served/hello.txt\n",
            b"/etc/passwd\n",
            b"sub/inner.txt\n",
            b"sub\n",
            b"link-out\n",
            b"link-in\n",
            b".\n",
            b"..\n",
            b"\n",
            b"no-such-file\n",
            b"hello.txt\0.png\n",
            &[b'a'; 300],
            b"%s%n%x\xff\n",
        ];
        for line in refused {
            let reply = request(port, line, false);
            assert!(
                reply.reset && reply.bytes.is_empty(),
                "{:?}: {} bytes, reset {}",
                String::from_utf8_lossy(line),
                reply.bytes.len(),
                reply.reset
            );
        }
        // A name without its newline, the client then done sending.
        let reply = request(port, b"hello.txt", true);
        assert!(reply.reset && reply.bytes.is_empty(), "no newline: served");
        // Still serving, and each refusal said why, never what the name was.
        served_whole(b"hello.txt\n", b"hello, file\n");
        // The listening line and one line per refusal (the pipe is read by another thread).
        let why = server.stderr_lines_when(1 + refused.len() + 1);
        let refusals = why
            .iter()
            .filter(|l| l.starts_with("file_server: refused: "))
            .count();
        assert_eq!(refusals, refused.len() + 1, "{why:?}");
        assert!(
            why.iter()
                .all(|l| !l.contains("secret") && !l.contains("%s")),
            "{why:?}"
        );
        assert!(
            why.iter()
                .any(|l| l == "file_server: refused: a symbolic link"),
            "{why:?}"
        );
    }
    fs::remove_dir_all(&root).unwrap();
}
