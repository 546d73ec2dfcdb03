//! Winsock's start-up, which the calls that may come before any socket exists need.

use std::sync::Once;

use windows_sys::Win32::Networking::WinSock as ws;

/// Starts Winsock once per process (sockets from socket2 start it themselves; name lookups
/// and polls with no socket of sockit's yet do not).
pub(super) fn start_winsock() {
    static START: Once = Once::new();
    START.call_once(|| {
        // SAFETY: WSADATA is a plain struct that WSAStartup fills in. The matching
        // WSACleanup is never called: Winsock stays up for the life of the process, as in std.
        unsafe {
            let mut data: ws::WSADATA = std::mem::zeroed();
            ws::WSAStartup(0x0202, &mut data);
        }
    });
}
