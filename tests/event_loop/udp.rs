//! UDP in the event loop's core, through the rlib: datagrams to a callback, answers with
//! `send_to`, datagrams from port 0 skipped.

#[path = "../support/mod.rs"]
mod support;

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::rc::Rc;
use std::time::Duration;

use sockit::ErrorCode;
use sockit::event_loop::{DatagramEvents, Handle, Loop};
use sockit::net::socket::Bind;
use support::run_loop_until;

struct Echo;

impl DatagramEvents for Echo {
    fn on_datagram(&self, lp: &Loop, udp: Handle, _: usize, bytes: &[u8], from: SocketAddr) {
        let mut upper = bytes.to_vec();
        upper.make_ascii_uppercase();
        lp.send_to(udp, &upper, from).unwrap();
    }
}

#[test]
fn a_udp_socket_of_the_loop_answers_each_datagram() {
    let lp = Loop::new().unwrap();
    let udp = lp
        .udp_bind(Bind::Host("127.0.0.1", 0), Rc::new(Echo), 0)
        .unwrap();
    let addr = lp.local_addr(udp).unwrap().unwrap();
    let client = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    client.set_nonblocking(true).unwrap();
    let replies = std::cell::RefCell::new(Vec::new());
    for word in ["one", "", "three"] {
        client.send_to(word.as_bytes(), addr).unwrap();
        run_loop_until(&lp, || {
            let mut reply = [0u8; 16];
            match client.recv(&mut reply) {
                Ok(n) => {
                    let text = String::from_utf8_lossy(&reply[..n]).into_owned();
                    replies.borrow_mut().push(text);
                    true
                }
                Err(_) => false,
            }
        });
    }
    assert_eq!(*replies.borrow(), ["ONE", "", "THREE"]);
    let to_port_zero = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let refused = lp.send_to(udp, b"x", to_port_zero).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::EINVAL);
    lp.close(udp).unwrap();
    assert_eq!(
        lp.send_to(udp, b"x", addr).unwrap_err().code(),
        ErrorCode::EBADF
    );
    lp.run_once(Some(Duration::ZERO)).unwrap();
}
