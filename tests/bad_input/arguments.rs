//! For each parameter of a function: a good value (a C expression the call can run with,
//! without blocking where it can be helped) and the bad values to try in its place. Types
//! are known here by their C spelling; a parameter of a type this file does not know fails
//! the test, so a new kind of argument gets its bad values when it is added.

use crate::prototypes::{Param, Prototype};

/// What a bad value must give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Exactly this code.
    Code(&'static str),
    /// Success, or a failure the function's comment (or the header's conventions) names:
    /// for values that are bad for some functions only (a socket of another kind, a
    /// timeout of SOCKIT_FOREVER).
    Documented,
}

/// The header's conventions: "Bad arguments fail with SOCKIT_EINVAL: a NULL pointer where
/// one is needed, a length over PTRDIFF_MAX, a number out of range, a malformed address or
/// host name." Whether a bad value is one of those, for a parameter of this type and name.
fn refused_by_the_conventions(ty: &str, name: &str, label: &str) -> bool {
    match (ty, label) {
        (_, "NULL") => true,
        ("size_t", "SIZE_MAX" | "PTRDIFF_MAX + 1") => true,
        ("int", _) => match name {
            "port" => true,
            "family" | "how" | "protocol" | "mode" => true,
            "backlog" | "max_workers" | "threads" => label != "INT_MAX",
            // Only SOCKIT_FOREVER (-1) is forever; INT_MAX is a long but valid time.
            _ if name.ends_with("_ms") => label == "INT_MIN" || label == "-1" || label == "0",
            // Flags ("on": any value), codes (any value has a text): nothing is out of range.
            _ => false,
        },
        // A Unix domain socket's path is a file name (and so are a PEM file's, `*_path`), and any bytes but NUL make one (a name
        // too long has a code of its own); an interface is named as the system names it,
        // and a name it does not have is SOCKIT_ENODEV. Neither is ever malformed.
        ("const char *", _) if name == "path" || name.ends_with("_path") || name == "iface" => {
            false
        }
        // ALPN protocol names are opaque bytes to TLS: any text but an empty name makes one.
        ("const char *", _) if name == "protocols" => false,
        ("const char *", _) => true,
        ("const struct sockit_addr *" | "const struct sockaddr *", _) => true,
        _ => false,
    }
}

/// Bad values the conventions refuse but a function's comment gives a meaning: (function,
/// parameter, value, the words of its comment that say so). The test checks that each
/// function's comment still holds its words.
pub const MEANINGFUL: &[(&str, &str, &str, &str)] = &[
    (
        "sockit_unix_bind",
        "path",
        "NULL",
        "path NULL makes a client's socket",
    ),
    (
        "sockit_unix_connect",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER waits as long as it takes",
    ),
    (
        "sockit_unix_recvfrom",
        "from",
        "NULL",
        "if from is not NULL",
    ),
    (
        "sockit_udp_join_group",
        "iface",
        "NULL",
        "iface NULL (or \"\")",
    ),
    (
        "sockit_udp_leave_group",
        "iface",
        "NULL",
        "iface NULL (or \"\")",
    ),
    (
        "sockit_udp_join_source_group",
        "iface",
        "NULL",
        "iface NULL (or \"\")",
    ),
    (
        "sockit_udp_leave_source_group",
        "iface",
        "NULL",
        "iface NULL (or \"\")",
    ),
    (
        "sockit_set_multicast_interface",
        "iface",
        "NULL",
        "iface NULL (or \"\")",
    ),
    (
        "sockit_udp_multicast_socket",
        "iface",
        "NULL",
        "iface NULL (or \"\")",
    ),
    (
        "sockit_tcp_listen",
        "host",
        "NULL",
        "host NULL (or \"\") listens on every",
    ),
    (
        "sockit_tcp_listen",
        "host",
        "\"\"",
        "host NULL (or \"\") listens on every",
    ),
    (
        "sockit_udp_bind",
        "host",
        "NULL",
        "host NULL (or \"\") binds every",
    ),
    (
        "sockit_udp_bind",
        "host",
        "\"\"",
        "host NULL (or \"\") binds every",
    ),
    ("sockit_server_new", "host", "NULL", "host NULL or \"\""),
    ("sockit_server_new", "host", "\"\"", "host NULL or \"\""),
    ("sockit_accept", "peer", "NULL", "if peer is not NULL"),
    ("sockit_recvfrom", "from", "NULL", "if from is not NULL"),
    ("sockit_reader_free", "reader", "NULL", "NULL is allowed"),
    ("sockit_server_free", "server", "NULL", "NULL is allowed"),
    ("sockit_addr_equal", "a", "NULL", "False if either is NULL"),
    ("sockit_addr_equal", "b", "NULL", "False if either is NULL"),
    ("sockit_addr_equal", "a", "family 5", "has a bad family"),
    ("sockit_addr_equal", "b", "family 5", "has a bad family"),
    (
        "sockit_addr_equal",
        "a",
        "all bytes 0xFF",
        "has a bad family",
    ),
    (
        "sockit_addr_equal",
        "b",
        "all bytes 0xFF",
        "has a bad family",
    ),
    (
        "sockit_addr_from_sockaddr",
        "sa",
        "all bytes 0xFF",
        "SOCKIT_EAFNOSUPPORT",
    ),
    ("sockit_reader_buffered", "reader", "NULL", "0 for NULL"),
    (
        "sockit_echo_tcp_server",
        "on_client",
        "NULL",
        "on_client (may be NULL)",
    ),
    (
        "sockit_echo_udp_server",
        "on_client",
        "NULL",
        "on_client (may be NULL)",
    ),
    (
        "sockit_server_set_stream_handler",
        "on_open",
        "NULL",
        "on_open (may be NULL)",
    ),
    (
        "sockit_server_set_stream_handler",
        "on_close",
        "NULL",
        "on_close (may be NULL)",
    ),
    (
        "sockit_tcp_connect",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER leaves it to the system",
    ),
    (
        "sockit_tcp_connect_addr",
        "timeout_ms",
        "-1",
        "otherwise as sockit_tcp_connect()",
    ),
    (
        "sockit_echo_udp_exchange",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER",
    ),
    (
        "sockit_poll",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER: no limit",
    ),
    ("sockit_poll", "timeout_ms", "0", "0: only look"),
    (
        "sockit_set_read_timeout",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER removes the limit",
    ),
    (
        "sockit_set_write_timeout",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER removes the limit",
    ),
    (
        "sockit_server_set_idle_timeout",
        "idle_ms",
        "-1",
        "SOCKIT_FOREVER",
    ),
    ("sockit_server_set_grace", "grace_ms", "0", "0"),
    ("sockit_server_timer", "delay_ms", "0", "0"),
    ("sockit_server_set_threads", "threads", "0", "0"),
    ("sockit_loop_free", "loop", "NULL", "NULL is allowed"),
    ("sockit_tls_wants", "tls", "NULL", "0 for NULL"),
    (
        "sockit_tls_connect",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER: the system's connect timeout",
    ),
    (
        "sockit_tls_accept",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER waits as long as the client takes",
    ),
    ("sockit_loop_run_once", "timeout_ms", "0", "0: only looks"),
    ("sockit_loop_timer", "delay_ms", "0", "0: in the next round"),
    (
        "sockit_loop_timer",
        "repeat_ms",
        "0",
        "if repeat_ms is more than 0",
    ),
    ("sockit_loop_timer", "out", "NULL", "optional: NULL"),
    ("sockit_handle_set_data", "data", "NULL", "NULL too"),
    ("sockit_loop_listen", "host", "NULL", "host NULL or \"\""),
    ("sockit_loop_listen", "host", "\"\"", "host NULL or \"\""),
    ("sockit_loop_udp_bind", "host", "NULL", "host NULL or \"\""),
    ("sockit_loop_udp_bind", "host", "\"\"", "host NULL or \"\""),
    (
        "sockit_loop_connect",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER: the system's own limit",
    ),
    (
        "sockit_loop_unix_connect",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER: as long as it takes",
    ),
    (
        "sockit_loop_tls_server",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER: no limit",
    ),
    (
        "sockit_loop_tls_client",
        "timeout_ms",
        "-1",
        "SOCKIT_FOREVER: no limit",
    ),
    // A maximum, not a length: SIZE_MAX is "no limit" (length-prefixed: lowered to 4 GiB - 1).
    (
        "sockit_loop_frame_delimited",
        "max_len",
        "SIZE_MAX",
        "at most max_len bytes",
    ),
    (
        "sockit_loop_frame_delimited",
        "max_len",
        "PTRDIFF_MAX + 1",
        "at most max_len bytes",
    ),
    (
        "sockit_loop_frame_length_prefixed",
        "max_len",
        "SIZE_MAX",
        "a larger max_len means",
    ),
    (
        "sockit_loop_frame_length_prefixed",
        "max_len",
        "PTRDIFF_MAX + 1",
        "a larger max_len means",
    ),
    (
        "sockit_server_set_delimited_handler",
        "max_len",
        "SIZE_MAX",
        "at most max_len bytes",
    ),
    (
        "sockit_server_set_delimited_handler",
        "max_len",
        "PTRDIFF_MAX + 1",
        "at most max_len bytes",
    ),
    (
        "sockit_server_set_length_prefixed_handler",
        "max_len",
        "SIZE_MAX",
        "a larger max_len means",
    ),
    (
        "sockit_server_set_length_prefixed_handler",
        "max_len",
        "PTRDIFF_MAX + 1",
        "a larger max_len means",
    ),
    (
        "sockit_reader_new_delimited",
        "max_len",
        "SIZE_MAX",
        "at most max_len bytes",
    ),
    (
        "sockit_reader_new_delimited",
        "max_len",
        "PTRDIFF_MAX + 1",
        "at most max_len bytes",
    ),
    (
        "sockit_reader_new_length_prefixed",
        "max_len",
        "SIZE_MAX",
        "a larger max_len means",
    ),
    (
        "sockit_reader_new_length_prefixed",
        "max_len",
        "PTRDIFF_MAX + 1",
        "a larger max_len means",
    ),
];

/// Cases where the library does not do what the conventions say, each with the issue that
/// tracks it (see the final note of issue 25): (function, parameter, value).
pub const KNOWN_DEVIATIONS: &[(&str, &str, &str)] = &[
    // A message size over PTRDIFF_MAX is accepted (SOCKIT_OK): src/ffi/framing.rs,
    // sockit_reader_new_fixed checks only for 0.
    ("sockit_reader_new_fixed", "size", "SIZE_MAX"),
    ("sockit_reader_new_fixed", "size", "PTRDIFF_MAX + 1"),
];

/// What a bad value must give: SOCKIT_EINVAL where the conventions say so and no comment
/// gives it a meaning, else [`Expect::Documented`].
fn expectation(function: &Prototype, param: &Param, label: &str) -> Expect {
    let key = |&(f, p, l, ..): &(&str, &str, &str, &str)| {
        f == function.name && p == param.name && l == label
    };
    let deviation = KNOWN_DEVIATIONS
        .iter()
        .any(|&(f, p, l)| f == function.name && p == param.name && l == label);
    if refused_by_the_conventions(&param.ty, &param.name, label)
        && !MEANINGFUL.iter().any(key)
        && !deviation
    {
        Expect::Code("SOCKIT_EINVAL")
    } else {
        Expect::Documented
    }
}

pub struct Bad {
    pub label: String,
    pub expr: String,
    pub expect: Expect,
}

fn bad(label: &str, expr: &str, expect: Expect) -> Bad {
    Bad {
        label: label.to_string(),
        expr: expr.to_string(),
        expect,
    }
}

fn documented(label: &str, expr: &str) -> Bad {
    bad(label, expr, Expect::Documented)
}

/// An out-parameter the call must leave alone when it fails: the local that stands for it.
pub struct Out {
    pub decl: String,
    pub local: String,
}

/// How a parameter is passed in the good case.
pub enum Good {
    /// A C expression.
    Expr(String),
    /// A local, filled with 0xA5 before the call and compared after a failure.
    Out(Out),
    /// No good value can be made outside a server's callback (a connection).
    None,
}

fn expr(text: &str) -> Good {
    Good::Expr(text.to_string())
}

fn out(decl_type: &str, name: &str) -> Good {
    Good::Out(Out {
        decl: format!("{decl_type} out_{name};"),
        local: format!("out_{name}"),
    })
}

/// The socket a function works on when all is well.
fn good_socket(function: &Prototype, param: &Param) -> &'static str {
    let name = function.name.as_str();
    if param.name == "listener" || name == "sockit_accept" {
        "fx_listener"
    } else if name == "sockit_unix_sendto" || name == "sockit_unix_recvfrom" {
        "fx_unix_dgram"
    } else if name.starts_with("sockit_unix_") {
        "fx_unix_conn"
    } else if name.contains("udp") || name.contains("sendto") || name.contains("recvfrom") {
        "fx_udp"
    } else if name == "sockit_connect" || name == "sockit_connect_finish" {
        "fx_fresh"
    } else {
        "fx_tcp"
    }
}

pub fn good(function: &Prototype, param: &Param) -> Good {
    let name = param.name.as_str();
    let function_name = function.name.as_str();
    let binds = ["listen", "bind", "server_new"]
        .iter()
        .any(|b| function_name.contains(b));
    match param.ty.as_str() {
        "sockit_socket" => expr(good_socket(function, param)),
        "sockit_file" => expr("fx_file"),
        "int64_t" => expr(if name == "count" { "4" } else { "0" }),
        "int" => expr(match name {
            "port" if binds => "0",
            "port" => "fx_port",
            "family" => "SOCKIT_IPV4",
            "backlog" => "5",
            "how" => "SOCKIT_SHUT_WR",
            "protocol" => "SOCKIT_TCP",
            "mode" => "SOCKIT_ITERATIVE",
            "max_workers" => "4",
            "code" => "SOCKIT_EINVAL",
            _ if name.ends_with("_ms") => "100",
            _ => "1",
        }),
        "size_t" => expr(match name {
            "count" => "1",
            "from_len" => "sizeof fx_name",
            "len" if function_name.contains("_name") => "sizeof scratch",
            "max_addrs" => "4",
            "delim_len" => "1",
            "len" if function_name == "sockit_addr_from_sockaddr" => "fx_sa_len",
            _ => "8",
        }),
        "const char *" => expr(match (function_name, name) {
            ("sockit_parse_port", _) => "\"7\"",
            // Names relative to the folder the program runs in (a temporary one).
            ("sockit_unix_connect", "path") => "\"listen.sock\"",
            ("sockit_unix_sendto", "path") => "\"dgram.sock\"",
            ("sockit_tls_client_config_trust_file", "path") => "\"ca.pem\"",
            ("sockit_tls_client_config_trust_dir", "path") => "\".\"",
            (_, "path") => "\"new.sock\"",
            // Multicast: the program runs in a network namespace of its own (see main.rs).
            (_, "group") => "\"239.1.2.3\"",
            (_, "source") => "\"127.0.0.1\"",
            (_, "iface") => "NULL",
            ("sockit_addr_parse", _) => "\"127.0.0.1:7\"",
            (_, "name") => "\"threaded\"",
            // The PEM files main.rs writes into the program's folder.
            (_, "chain_path") => "\"cert.pem\"",
            (_, "key_path") => "\"key.pem\"",
            (_, "ca_path") => "\"ca.pem\"",
            (_, "protocols") => "\"http/1.1\"",
            (_, "mess") => "\"bad_input_check\"",
            _ => "\"127.0.0.1\"",
        }),
        "const void *" if name == "delim" => expr("\"\\n\""),
        "const void *" => expr("fx_buf"),
        "void *" if ["user", "context", "arg"].contains(&name) => expr("NULL"),
        "char *" if name == "from" => expr("fx_name"),
        "void *" | "char *" => expr("scratch"),
        "struct sockaddr *" => expr("(struct sockaddr *)scratch"),
        "const struct sockaddr *" => expr("(const struct sockaddr *)fx_sa"),
        "const struct sockit_addr *" if name == "server" => expr("&fx_quiet_addr"),
        "const struct sockit_addr *" => expr("&fx_addr"),
        "struct sockit_addr *" if name == "addrs" => expr("fx_addrs"),
        "struct sockit_addr *" => out("sockit_addr", name),
        "sockit_socket *" => out("sockit_socket", name),
        "int *" => out("int", name),
        "struct sockit_peer_cred *" => out("sockit_peer_cred", name),
        "struct sockit_server **" => out("sockit_server *", name),
        "struct sockit_reader **" => out("sockit_reader *", name),
        "const char **" => out("const char *", name),
        "struct sockit_server *" | "const struct sockit_server *" => expr("fx_server"),
        "struct sockit_reader *" | "const struct sockit_reader *" => expr("fx_reader"),
        "struct sockit_conn *" => Good::None,
        "struct sockit_loop *" => expr("fx_loop"),
        // A configuration to change is a fresh one; one to use, one a handshake used already.
        "struct sockit_tls_client_config *" => expr("fx_tls_client_draft"),
        "const struct sockit_tls_client_config *" => expr("fx_tls_client_config"),
        "struct sockit_tls_server_config *" => expr("fx_tls_server_draft"),
        "const struct sockit_tls_server_config *" => expr("fx_tls_server_config"),
        "struct sockit_tls_client_config **" => out("sockit_tls_client_config *", name),
        "struct sockit_tls_server_config **" => out("sockit_tls_server_config *", name),
        "struct sockit_tls *" | "const struct sockit_tls *" => expr("fx_tls"),
        "struct sockit_tls **" => out("sockit_tls *", name),
        "struct sockit_loop **" => out("sockit_loop *", name),
        "sockit_handle" => expr("fx_timer"),
        "const struct sockit_loop_callbacks *" => expr("&fx_callbacks"),
        "sockit_handle *" => out("sockit_handle", name),
        "void **" => out("void *", name),
        "struct sockit_pollfd *" => expr("&fx_entry"),
        "const struct sockit_iovec *" => expr("fx_iov"),
        ty if ty.starts_with("sockit_") && ty.ends_with("_fn") => Good::Expr(format!("dummy_{ty}")),
        ty => panic!(
            "{function_name}: no good value for a parameter of type `{ty}` ({name}); \
             teach tests/bad_input/arguments.rs"
        ),
    }
}

pub fn bad_values(function: &Prototype, param: &Param) -> Vec<Bad> {
    let mut values = candidate_bad_values(function, param);
    for value in &mut values {
        if value.expect == Expect::Documented {
            value.expect = expectation(function, param, &value.label);
        }
    }
    values
}

fn candidate_bad_values(function: &Prototype, param: &Param) -> Vec<Bad> {
    let name = param.name.as_str();
    match param.ty.as_str() {
        "sockit_socket" => {
            let wrong = if good_socket(function, param) == "fx_udp" {
                "fx_tcp"
            } else {
                "fx_udp"
            };
            // A function may give SOCKIT_INVALID_SOCKET a meaning of its own ("makes a reader
            // fed with sockit_reader_push()"); its comment says so.
            let invalid = if function.doc.contains("SOCKIT_INVALID_SOCKET makes") {
                Expect::Documented
            } else {
                Expect::Code("SOCKIT_EBADF")
            };
            vec![
                bad("SOCKIT_INVALID_SOCKET", "SOCKIT_INVALID_SOCKET", invalid),
                bad("a closed socket", "fx_closed", Expect::Code("SOCKIT_EBADF")),
                bad(
                    "a pipe (not a socket)",
                    "fx_pipe",
                    Expect::Code("SOCKIT_ENOTSOCK"),
                ),
                documented("a socket of the wrong kind", wrong),
                documented("a listening socket", "fx_listener"),
            ]
        }
        "sockit_file" => vec![
            bad("-1", "-1", Expect::Code("SOCKIT_EBADF")),
            bad(
                "a closed descriptor",
                "fx_closed",
                Expect::Code("SOCKIT_EBADF"),
            ),
            documented("a pipe", "fx_pipe"),
            documented("a socket", "fx_tcp"),
            documented("a directory", "fx_dir"),
        ],
        "int64_t" => vec![
            bad("-1", "-1", Expect::Code("SOCKIT_EINVAL")),
            bad("INT64_MIN", "INT64_MIN", Expect::Code("SOCKIT_EINVAL")),
            documented("INT64_MAX", "INT64_MAX"),
        ],
        "int" => {
            let mut values = vec![
                documented("-1", "-1"),
                documented("INT_MIN", "INT_MIN"),
                documented("INT_MAX", "INT_MAX"),
            ];
            if name == "port" {
                values.push(documented("65536", "65536"));
            }
            if name == "family" || name == "how" || name == "protocol" || name == "mode" {
                values.push(documented("7", "7"));
            }
            if name.ends_with("_ms") || name == "max_workers" {
                values.push(documented("0", "0"));
            }
            values
        }
        "size_t" => vec![
            documented("0", "0"),
            documented("SIZE_MAX", "SIZE_MAX"),
            documented("PTRDIFF_MAX + 1", "(size_t)PTRDIFF_MAX + 1"),
        ],
        "const char *" => vec![
            documented("NULL", "NULL"),
            documented("\"\"", "\"\""),
            documented("\"%s%n%x%p\"", "\"%s%n%x%p\""),
            documented("invalid UTF-8", "\"\\xff\\xfe\\x80\""),
            documented("4095 letters", "fx_long"),
            documented("\"bad host name\"", "\"bad host name\""),
            documented("\"[::1\"", "\"[::1\""),
            documented("\"127.0.0.1:99999\"", "\"127.0.0.1:99999\""),
        ],
        "void *" if ["user", "context", "arg"].contains(&name) => Vec::new(),
        "sockit_handle" => vec![
            bad(
                "SOCKIT_NO_HANDLE",
                "SOCKIT_NO_HANDLE",
                Expect::Code("SOCKIT_EBADF"),
            ),
            bad(
                "a closed handle",
                "fx_closed_handle",
                Expect::Code("SOCKIT_EBADF"),
            ),
            bad(
                "a made-up handle",
                "(sockit_handle)-1",
                Expect::Code("SOCKIT_EBADF"),
            ),
        ],
        "const struct sockit_addr *" => vec![
            documented("NULL", "NULL"),
            documented("family 5", "&fx_bad_family"),
            documented("all bytes 0xFF", "&fx_garbage_addr"),
        ],
        "const struct sockit_iovec *" => vec![
            documented("NULL", "NULL"),
            documented("a NULL base with a length", "fx_null_iov"),
            documented("lengths past PTRDIFF_MAX", "fx_huge_iov"),
        ],
        "const struct sockaddr *" => vec![
            documented("NULL", "NULL"),
            documented("all bytes 0xFF", "(const struct sockaddr *)fx_garbage"),
        ],
        _ => vec![documented("NULL", "NULL")],
    }
}
