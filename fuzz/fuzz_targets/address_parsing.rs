//! Address parsing and formatting through the C API: any text either parses or is refused,
//! and what parses formats to text that parses back to the same address. Any bytes as a
//! sockit_addr or a struct sockaddr are formatted or refused, never crashed on.
#![no_main]

use std::ffi::CString;

use libfuzzer_sys::fuzz_target;
use sockit::ffi::addr::*;
use sockit::ffi::error::SOCKIT_OK;

fuzz_target!(|data: &[u8]| {
    let text = CString::new(data.split(|&b| b == 0).next().unwrap_or(&[])).unwrap();
    let mut addr = sockit_addr::default();
    let mut buf = [0u8; SOCKIT_ADDRSTRLEN as usize];
    // SAFETY: every pointer is to a live value of the length passed.
    unsafe {
        if sockit_addr_parse(text.as_ptr(), &mut addr) == SOCKIT_OK {
            let len = sockit_addr_format(&addr, buf.as_mut_ptr().cast(), buf.len());
            assert!(len > 0, "a parsed address formats");
            let mut again = sockit_addr::default();
            assert_eq!(
                sockit_addr_parse(buf.as_ptr().cast(), &mut again),
                SOCKIT_OK
            );
            assert!(sockit_addr_equal(&addr, &again), "{text:?}");
        }
        let port = sockit_parse_port(text.as_ptr());
        assert!(port >= -4095 && port <= 65535);
        let _ = sockit_addr_from_ip(text.as_ptr(), 7, &mut addr);

        // Raw bytes as an address struct and as a struct sockaddr.
        let mut raw = [0u8; 128];
        let n = data.len().min(raw.len());
        raw[..n].copy_from_slice(&data[..n]);
        let as_addr: sockit_addr = std::ptr::read_unaligned(raw.as_ptr().cast());
        let _ = sockit_addr_format(&as_addr, buf.as_mut_ptr().cast(), buf.len());
        let _ = sockit_addr_format_ip(&as_addr, buf.as_mut_ptr().cast(), buf.len());
        let _ = sockit_addr_from_sockaddr(raw.as_ptr().cast(), n as _, &mut addr);
    }
});
