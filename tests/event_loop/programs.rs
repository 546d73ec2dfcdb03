//! The event loop through the real ABI of the static and the shared library
//! (tests/c/loop_check.c): handles that were closed, belong to another loop or were made
//! up fail with SOCKIT_EBADF and crash nothing; timers, posts from threads, work on the
//! pool, a stop from a signal handler, and a poll() loop of the program's own.

#[path = "../support/mod.rs"]
mod support;

use std::net::TcpListener;
use std::time::Duration;

#[cfg(target_os = "linux")]
use support::under_a_checker;
use support::{Linkage, programs, run};

const LIMIT: Duration = Duration::from_secs(30);

/// Runs `loop_check <mode>` linked both ways and checks that it prints `expected`.
fn check(mode: &str, expected: &str) {
    check_with(&[mode], expected);
}

/// Runs `loop_check <args>` linked both ways and checks that it prints `expected`.
fn check_with(args: &[&str], expected: &str) {
    let mode = args[0];
    for linkage in Linkage::BOTH {
        let output = run(&programs().path("loop_check", linkage), args, LIMIT);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{linkage:?}: {output:?}");
        let got: Vec<&str> = stdout.lines().collect();
        let expected: Vec<&str> = expected.lines().collect();
        for (index, (got, expected)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(got, expected, "{mode}, {linkage:?}, line {}", index + 1);
        }
        assert_eq!(got.len(), expected.len(), "{mode}, {linkage:?}: {stdout}");
    }
}

#[test]
fn bad_handles_fail_with_ebadf_and_callbacks_cannot_run_or_free_their_loop() {
    check(
        "handles",
        "\
sockit_loop_new(NULL): SOCKIT_EINVAL
sockit_loop_free(NULL): 0
sockit_loop_run(NULL): SOCKIT_EINVAL
sockit_loop_run_once(NULL, 0): SOCKIT_EINVAL
sockit_loop_run_once(loop, -2): SOCKIT_EINVAL
sockit_loop_stop(NULL): SOCKIT_EINVAL
sockit_loop_next_timeout(NULL): SOCKIT_EINVAL
sockit_loop_next_timeout(loop): SOCKIT_FOREVER
sockit_loop_timer(loop, -1, 0, never, NULL, &timer): SOCKIT_EINVAL
sockit_loop_timer(loop, 10, -1, never, NULL, &timer): SOCKIT_EINVAL
sockit_loop_timer(loop, 10, 0, NULL, NULL, &timer): SOCKIT_EINVAL
sockit_loop_timer(NULL, 10, 0, never, NULL, &timer): SOCKIT_EINVAL
sockit_loop_close(loop, SOCKIT_NO_HANDLE): SOCKIT_EBADF
sockit_loop_close(loop, (sockit_handle)-1): SOCKIT_EBADF
sockit_loop_close(loop, 12345): SOCKIT_EBADF
sockit_handle_set_data(loop, timer, &x): 0
sockit_handle_data(loop, timer, &data): 0
data kept: yes
sockit_handle_data(loop, timer, NULL): SOCKIT_EINVAL
sockit_loop_close(loop, theirs): SOCKIT_EBADF
sockit_handle_data(loop, theirs, &data): SOCKIT_EBADF
sockit_loop_close(loop, timer): 0
sockit_loop_close(loop, timer): SOCKIT_EBADF
sockit_handle_data(loop, timer, &data): SOCKIT_EBADF
data untouched: yes
sockit_handle_set_data(loop, timer, NULL): SOCKIT_EBADF
sockit_loop_run_once(loop, 0): 0
sockit_loop_free(loop): 0
sockit_loop_close(successor, stale): SOCKIT_EBADF
sockit_handle_data(successor, stale, &data): SOCKIT_EBADF
sockit_loop_close(successor, fresh): 0
sockit_loop_close(loop, timer): 0
sockit_loop_close(loop, timer): SOCKIT_EBADF
sockit_loop_run(loop): SOCKIT_EBUSY
sockit_loop_run_once(loop, 0): SOCKIT_EBUSY
sockit_loop_free(loop): SOCKIT_EBUSY
sockit_loop_run(successor): 0
sockit_loop_free(successor): 0
sockit_loop_close(other, theirs): 0
sockit_loop_free(other): 0
",
    );
}

#[test]
fn timers_fire_in_due_order_and_a_closed_one_never_runs() {
    check(
        "timers",
        "\
timer at 0 ms, first
timer at 0 ms, second
timer at 100 ms
timer at 300 ms
tick 1
tick 2
tick 3
sockit_loop_close(loop, timer): 0
sockit_loop_run(loop): 0
sockit_loop_close(loop, ticks.repeating): SOCKIT_EBADF
sockit_loop_free(loop): 0
",
    );
}

#[test]
fn posts_from_eight_threads_each_run_once_in_order_per_thread() {
    check(
        "post",
        "\
sockit_loop_post(post_loop, NULL, NULL): SOCKIT_EINVAL
sockit_loop_post(NULL, posted, NULL): SOCKIT_EINVAL
sockit_loop_run(post_loop): 0
posts run: 80000, out of order: 0
sockit_loop_free(post_loop): 0
",
    );
}

#[test]
fn blocking_work_runs_on_the_pool_and_finishes_on_the_loop() {
    check(
        "work",
        "\
sockit_loop_queue_work(loop, NULL, squared, &job): SOCKIT_EINVAL
sockit_loop_queue_work(loop, square, NULL, &job): SOCKIT_EINVAL
sockit_loop_queue_work(loop, square, squared, &job): 0
done: 12 squared is 144
sockit_loop_run(loop): 0
sockit_loop_free(loop): 0
",
    );
}

/// A process that can start no thread: the work is refused, not lost (the loop would wait
/// for it for ever when freed).
#[cfg(target_os = "linux")]
#[test]
fn work_is_refused_when_no_thread_can_run_it() {
    // The program becomes nobody (root ignores RLIMIT_NPROC), and LeakSanitizer cannot then
    // inspect its threads at exit (a fatal error of its own, not a leak): the plain run and
    // valgrind check it.
    if support::built_with_sanitizers() {
        eprintln!(
            "skipped under the sanitizers: LeakSanitizer fails in a process that changed its uid"
        );
        return;
    }
    check(
        "no_threads",
        "\
sockit_loop_queue_work(loop, unreachable_work, unreachable_done, NULL): SOCKIT_EAGAIN
sockit_loop_run_once(loop, 0): 0
sockit_loop_free(loop): 0
",
    );
}

#[test]
fn a_signal_handler_stops_the_loop() {
    check(
        "signal",
        "\
sockit_loop_run(signal_loop): 0
sockit_loop_free(signal_loop): 0
",
    );
}

#[cfg(unix)]
#[test]
fn a_poll_loop_of_the_programs_own_drives_the_loop() {
    check(
        "embed",
        "\
sockit_loop_fd: a descriptor
sockit_loop_fd(NULL): SOCKIT_EINVAL
sockit_loop_next_timeout(post_loop): SOCKIT_FOREVER
next timeout at most 50: yes
post seen: yes, timer seen: yes
rounds: few
sockit_loop_free(post_loop): 0
",
    );
}

#[test]
fn connections_closed_in_each_callback_twice_and_written_after_closing_stay_safe() {
    check(
        "conns",
        r#"sockit_loop_write(loop, timer, "x", 1): SOCKIT_ENOTSOCK
sockit_loop_write(loop, listener, "x", 1): SOCKIT_ENOTCONN
sockit_loop_write(loop, theirs, "x", 1): SOCKIT_EBADF
sockit_loop_write(loop, SOCKIT_NO_HANDLE, "x", 1): SOCKIT_EBADF
sockit_loop_write(loop, listener, NULL, 1): SOCKIT_EINVAL
sockit_loop_shutdown(loop, timer): SOCKIT_ENOTSOCK
sockit_loop_pause_reading(loop, listener): SOCKIT_ENOTCONN
sockit_loop_queued(loop, timer): SOCKIT_ENOTSOCK
sockit_loop_queued(loop, 777): SOCKIT_EBADF
sockit_loop_peer(loop, listener, &local): SOCKIT_ENOTCONN
sockit_loop_abort(loop, theirs): SOCKIT_EBADF
sockit_loop_listen(loop, "127.0.0.1", 70000, &server, NULL, &kept): SOCKIT_EINVAL
sockit_loop_listen(loop, "127.0.0.1", 0, NULL, NULL, &kept): SOCKIT_EINVAL
sockit_loop_connect(loop, "bad host", 7, 1000, &quiet, NULL, &kept): SOCKIT_EINVAL
sockit_loop_connect(loop, "127.0.0.1", 7, 0, &quiet, NULL, &kept): SOCKIT_EINVAL
sockit_loop_connect(loop, NULL, 7, 1000, &quiet, NULL, &kept): SOCKIT_EINVAL
sockit_loop_adopt(loop, pipe_end, &quiet, NULL, &kept): SOCKIT_EBADF
connect: on_connect 0
sockit_loop_write(loop, conn, "ping", 4): 0
sockit_loop_close(loop, conn): 0
sockit_loop_close(loop, conn): 0
sockit_loop_write(loop, conn, "x", 1): SOCKIT_ENOTCONN
sockit_loop_shutdown(loop, conn): SOCKIT_ENOTCONN
connect: on_close 0
data: on_connect 0
sockit_loop_write(loop, conn, "ping", 4): 0
sockit_loop_close(loop, conn): 0
sockit_loop_close(loop, conn): 0
sockit_loop_write(loop, conn, "x", 1): SOCKIT_ENOTCONN
sockit_loop_shutdown(loop, conn): SOCKIT_ENOTCONN
data: on_close 0
eof: on_connect 0
sockit_loop_write(loop, conn, "ping", 4): 0
eof: on_eof
sockit_loop_close(loop, conn): 0
sockit_loop_close(loop, conn): 0
sockit_loop_write(loop, conn, "x", 1): SOCKIT_ENOTCONN
sockit_loop_shutdown(loop, conn): SOCKIT_ENOTCONN
eof: on_close 0
close: on_connect 0
sockit_loop_write(loop, conn, "ping", 4): 0
close: on_eof
sockit_loop_shutdown(loop, conn): 0
close: on_close 0
sockit_loop_close(loop, conn): 0
sockit_loop_write(loop, conn, "x", 1): SOCKIT_ENOTCONN
queue_full: on_connect 0
sockit_loop_set_queue_limit(loop, conn, 0): SOCKIT_EINVAL
sockit_loop_set_queue_limit(loop, conn, 65536): 0
queue_full: on_queue_full at the bound
sockit_loop_close(loop, conn): 0
sockit_loop_close(loop, conn): 0
sockit_loop_write(loop, conn, "x", 1): SOCKIT_ENOTCONN
sockit_loop_shutdown(loop, conn): SOCKIT_ENOTCONN
queue_full: writes until full: yes
queue_full: queued at least 64 KiB: yes
queue_full: on_close 0
drain: on_connect 0
sockit_loop_set_queue_limit(loop, conn, 0): SOCKIT_EINVAL
sockit_loop_set_queue_limit(loop, conn, 65536): 0
drain: on_queue_full at the bound
drain: writes until full: yes
drain: queued at least 64 KiB: yes
drain: on_drain
sockit_loop_close(loop, conn): 0
sockit_loop_close(loop, conn): 0
sockit_loop_write(loop, conn, "x", 1): SOCKIT_ENOTCONN
sockit_loop_shutdown(loop, conn): SOCKIT_ENOTCONN
drain: on_close 0
sockit_loop_run(loop): 0
open at free: on_close SOCKIT_ECANCELED
sockit_loop_free(loop): 0
sockit_loop_close(other, theirs): 0
sockit_loop_free(other): 0
"#,
    );
}

/// What `loop_check connect` prints for a connect that fails with `code`.
fn failed_connect(code: &str) -> String {
    format!(
        "on_connect: {code}\non_close: {code}\nsockit_loop_run(loop): 0\nsockit_loop_free(loop): 0\n"
    )
}

#[test]
fn connects_to_a_refusing_port_and_an_unknown_name_report_why_they_failed() {
    let probe = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port().to_string();
    drop(probe);
    for linkage in Linkage::BOTH {
        let program = programs().path("loop_check", linkage);
        for (host, code) in [
            ("127.0.0.1", "SOCKIT_ECONNREFUSED"),
            ("no-such-host.invalid", "SOCKIT_EAI_NONAME"),
        ] {
            let output = run(&program, &["connect", host, &port, "5000"], LIMIT);
            assert!(output.status.success(), "{linkage:?}: {output:?}");
            assert_eq!(
                String::from_utf8_lossy(&output.stdout),
                failed_connect(code)
            );
        }
    }
}

/// In a network namespace of its own, where packets to 10.200.0.2 leave through a veth
/// pair whose other end takes none of them (no address, another MAC): a connect there is
/// never answered, and the loop's timeout ends it.
#[cfg(target_os = "linux")]
#[test]
fn a_connect_that_is_never_answered_times_out() {
    const SETUP: &str = "ip link set lo up && ip link add v0 type veth peer name v1 \
        && ip addr add 10.200.0.1/24 dev v0 && ip link set v0 up && ip link set v1 up \
        && ip neigh add 10.200.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent \
        && exec \"$0\" connect 10.200.0.2 80 300";
    let program = programs().path("loop_check", Linkage::Static);
    let output = std::process::Command::new("unshare")
        .args(["--net", "sh", "-c", SETUP])
        .arg(&program)
        .output()
        .expect("unshare (util-linux) runs");
    assert!(
        output.status.success(),
        "a network namespace needs root and unshare: {output:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        failed_connect("SOCKIT_ETIMEDOUT")
    );
}

#[test]
fn udp_sockets_of_a_loop_echo_and_refuse_bad_sends() {
    check(
        "udp",
        r#"sockit_loop_udp_bind(loop, "127.0.0.1", 0, NULL, NULL, &closed): SOCKIT_EINVAL
sockit_loop_udp_bind(loop, "127.0.0.1", -1, udp_echo, NULL, &closed): SOCKIT_EINVAL
sockit_loop_send_to(loop, closed, "x", 1, &echo_addr): SOCKIT_EBADF
sockit_loop_send_to(loop, timer, "x", 1, &echo_addr): SOCKIT_ENOTSOCK
sockit_loop_send_to(loop, client, "x", 1, &port_zero): SOCKIT_EINVAL
sockit_loop_send_to(loop, client, "x", 1, &bad_family): SOCKIT_EINVAL
sockit_loop_send_to(loop, client, "x", 1, NULL): SOCKIT_EINVAL
sockit_loop_send_to(loop, client, NULL, 1, &echo_addr): SOCKIT_EINVAL
sockit_loop_write(loop, client, "x", 1): SOCKIT_ENOTCONN
sockit_loop_send_to(loop, client, "ping", 4, &echo_addr): 0
echo got 4 bytes: ping
sockit_loop_send_to(loop, udp, bytes, len, from): 0
reply from the echo socket: yes, ping
sockit_loop_run(loop): 0
sockit_loop_free(loop): 0
"#,
    );
}

#[test]
fn a_framed_connection_hands_out_whole_lines_even_across_a_pause() {
    check(
        "messages",
        r#"sockit_loop_frame_length_prefixed(loop, timer, 16): SOCKIT_ENOTSOCK
sockit_loop_frame_length_prefixed(loop, listener, 16): SOCKIT_ENOTCONN
sockit_loop_frame_length_prefixed(loop, conn, 16): SOCKIT_ENOTCONN
sockit_loop_frame_delimited(loop, conn, NULL, 1, 16): SOCKIT_EINVAL
sockit_loop_frame_delimited(loop, conn, "\n", 1, 16): 0
sockit_loop_write(loop, conn, text, sizeof text - 1): 0
sockit_loop_shutdown(loop, conn): 0
line (0, 5 bytes): hello
sockit_loop_pause_reading(loop, conn): 0
resumed
sockit_loop_resume_reading(loop, *(sockit_handle *)arg): 0
line (0, 5 bytes): world
line (SOCKIT_EMSGSIZE, 0 bytes): 
line (0, 5 bytes): after
line (SOCKIT_ETRUNCATED, 4 bytes): tail
eof
sockit_loop_close(loop, conn): 0
sender closed: 0
sockit_loop_run(loop): 0
sockit_loop_free(loop): 0
"#,
    );
}

/// A loop's Unix domain listener and connects through the real ABI: refused input, a path
/// with nothing at it, a connection to the loop's own listener and an adopted one (framed,
/// the cut last line given with SOCKIT_ETRUNCATED), the names and credentials through the
/// lent socket, addresses of family 0, and the socket file gone once the listener closes.
#[cfg(unix)]
#[test]
fn a_loop_listens_on_and_connects_to_a_unix_domain_path() {
    let dir = std::env::temp_dir().join(format!("sockit-lc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("loop.sock");
    let path = path.to_str().unwrap();
    let credentials = if cfg!(target_os = "linux") {
        "peer is this process: yes\n"
    } else {
        ""
    };
    let conversation = |peer_name: &str| {
        format!(
            "peer family: 0
{peer_name}{credentials}sockit_loop_write(loop, conn, \"ping\\npartial\", 12): 0
sockit_loop_shutdown(loop, conn): 0
reply (0): ping (0), peer family 0, local name is the path: yes
reply (0): partial (SOCKIT_ETRUNCATED), peer family 0, local name is the path: yes
on_close: 0
"
        )
    };
    let expected = format!(
        "sockit_loop_unix_listen(loop, path, SOCKIT_UNIX_REMOVE_STALE, &server, NULL, &unix_listener): 0
sockit_loop_unix_listen(loop, path, SOCKIT_UNIX_REMOVE_STALE, &server, NULL, &other): SOCKIT_EADDRINUSE
sockit_loop_unix_listen(loop, path, 2, &server, NULL, &other): SOCKIT_EINVAL
sockit_loop_unix_connect(loop, \"\", 5000, &unix_client, NULL, &other): SOCKIT_EINVAL
sockit_loop_unix_connect(loop, path, 0, &unix_client, NULL, &other): SOCKIT_EINVAL
listener family: 0
-- a path nothing is at
sockit_loop_unix_connect(loop, \"no/such.sock\", 5000, &unix_client, NULL, &conn): 0
on_connect: SOCKIT_ENOENT
on_close: SOCKIT_ENOENT
-- the loop's own listener
sockit_loop_unix_connect(loop, unix_path, 5000, &unix_client, NULL, &conn): 0
on_connect: 0
{}-- an adopted socket
sockit_loop_adopt(loop, sock, &unix_client, NULL, &conn): 0
on_connect: 0
{}sockit_loop_close(loop, unix_listener): 0
sockit_unix_connect(unix_path, 5000, &sock): SOCKIT_ENOENT
sockit_loop_run(loop): 0
sockit_loop_free(loop): 0
",
        conversation("peer name is the path: yes\n"),
        conversation(""),
    );
    check_with(&["unix", path], &expected);
    let _ = std::fs::remove_dir_all(&dir);
}

/// 100,000 connections made and reset through the real ABI, 64 at a time: no descriptor
/// and no memory is left behind.
#[cfg(target_os = "linux")]
#[test]
fn a_hundred_thousand_connect_and_close_cycles_leave_nothing_behind() {
    let program = programs().path("loop_check", Linkage::Static);
    // Under a checker (the reliability suite), fewer cycles: it judges leaks itself, and
    // its own memory (ASan's quarantine, valgrind's) makes resident memory say nothing.
    let (cycles, memory) = if under_a_checker() {
        ("5000", None)
    } else {
        ("100000", Some("memory grew by 1 MiB or more: no"))
    };
    let output = run(&program, &["cycles", cycles], Duration::from_secs(300));
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(lines.len(), 4, "{stdout}{stderr}");
    assert_eq!(
        lines[0],
        format!("cycles: {cycles}, failures: 0"),
        "{stderr}"
    );
    assert_eq!(lines[1], "descriptors grew: no", "{stderr}");
    if let Some(memory) = memory {
        assert_eq!(lines[2], memory, "{stderr}");
    }
    assert_eq!(lines[3], "sockit_loop_free(loop): 0", "{stderr}");
}
