//! Header section: the tutorial routines.
//!
//! Die() and HandleClient() keep the tutorials' names, so that a ported program deletes its
//! own and links the library; sockit_die() and sockit_handle_client() are the same under
//! sockit's names. Each tutorial name is an object of its own in the static library (defined
//! in C, in src/ffi/tutorial_names/, on top of the sockit names), so a program that keeps
//! its own definition while it is being ported still links.

use std::ffi::{CStr, c_char, c_int};
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use socket2::Type;

use crate::echo;
use crate::error::ErrorCode;
use crate::ffi::boundary::{borrow, call_status};
use crate::ffi::last_error::{self, Reason};
use crate::ffi::socket::sockit_socket;
use crate::platform;

// The cfgs are never set: cbindgen turns them into the header's `#if !defined(SOCKIT_OWN_DIE)`
// and `SOCKIT_OWN_HANDLECLIENT` opt-outs.
#[allow(non_snake_case)]
unsafe extern "C" {
    /// The tutorial's Die(), for ported programs: what sockit_die() does. A program that
    /// keeps its own Die(), say `void Die(char *mess) { perror(mess); exit(1); }`, while it is
    /// being ported defines SOCKIT_OWN_DIE before including this header; its Die() then wins,
    /// with the static and the shared library alike.
    #[cfg(not(sockit_own_die))]
    pub fn Die(mess: *const c_char) -> !;

    /// The tutorial's HandleClient(), for ported programs: echoes everything the client sends
    /// until the client closes, then closes sock; an error ends this client only. Blocks.
    /// Takes ownership of sock (see sockit_handle_client(), which also reports the outcome).
    /// A program that keeps its own defines SOCKIT_OWN_HANDLECLIENT before the include.
    #[cfg(not(sockit_own_handleclient))]
    pub fn HandleClient(sock: sockit_socket);
}

/// The tutorials' Die(): prints "mess: <reason>" and a newline to stderr, then exits the
/// process with status 1 (through exit(), so the program's stdout is flushed).
///
/// The reason is the failure of the calling thread's last sockit call if that call failed
/// and nothing has changed errno since; "Connection closed by peer" if that call was a
/// sockit_recv() that returned 0 because the peer closed the connection (where the
/// tutorial's perror() printed "Success"); otherwise errno's text, as perror() prints it (on
/// Windows, WSAGetLastError()'s text when it is set). A NULL or empty mess prints the reason
/// alone; mess is printed byte for byte, never as a format string. Never returns.
///
/// # Safety
///
/// `mess` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sockit_die(mess: *const c_char) -> ! {
    // SAFETY: the C caller's promise (crate::ffi), as the function's # Safety says.
    let line = catch_unwind(AssertUnwindSafe(|| unsafe { die_line(mess) }))
        .unwrap_or_else(|_| b"sockit: internal error in Die\n".to_vec());
    let _ = std::io::stderr().write_all(&line);
    // SAFETY: ending the process is this function's purpose; exit() runs the program's
    // atexit handlers and flushes its stdio buffers, as the tutorial's exit(1) did.
    unsafe { libc::exit(1) }
}

/// What `Die` says after the peer closed the connection.
const END_OF_STREAM: &str = "Connection closed by peer";

/// # Safety
///
/// `mess` is NULL or a NUL-terminated string.
unsafe fn die_line(mess: *const c_char) -> Vec<u8> {
    let mut line = Vec::new();
    if !mess.is_null() {
        // SAFETY: non-NULL and NUL-terminated (the caller's promise).
        let mess = unsafe { CStr::from_ptr(mess) }.to_bytes();
        if !mess.is_empty() {
            line.extend_from_slice(mess);
            line.extend_from_slice(b": ");
        }
    }
    let reason = match last_error::reason_to_report() {
        Some(Reason::Failure(failure)) => failure.to_string(),
        Some(Reason::EndOfStream) => END_OF_STREAM.to_owned(),
        None => platform::describe_current_error(),
    };
    line.extend_from_slice(reason.as_bytes());
    line.push(b'\n');
    line
}

/// The tutorials' HandleClient(), reporting its outcome: echoes everything the client sends
/// until the client closes its side, then closes sock.
///
/// Takes ownership of sock: it is closed when this returns, whatever the outcome, unless it
/// is not a socket at all (SOCKIT_ENOTSOCK, SOCKIT_EBADF), which is left alone.
///
/// Returns SOCKIT_OK when the client closed normally, or the error that ended this client
/// (SOCKIT_ECONNRESET, SOCKIT_EPIPE, SOCKIT_ETIMEDOUT with a read timeout set...), or
/// SOCKIT_EOPNOTSUPP for a socket that is not a stream. One client's error is never a reason
/// to stop a server: the tutorial's version died here.
///
/// Blocks until the client closes (set a read timeout to bound a silent client).
#[unsafe(no_mangle)]
pub extern "C" fn sockit_handle_client(sock: sockit_socket) -> c_int {
    call_status(|| {
        // SAFETY: the handle is only asked for its type here.
        let kind = unsafe { borrow(sock) }?.r#type()?;
        // SAFETY: HandleClient owns the socket it is given, as documented above.
        let socket = unsafe { platform::own_socket(sock) }.ok_or(ErrorCode::EBADF)?;
        if kind != Type::STREAM {
            return Err(ErrorCode::EOPNOTSUPP.into());
        }
        echo::handle_client(&socket)
    })
}
