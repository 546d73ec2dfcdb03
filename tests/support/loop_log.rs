//! What the event loop's tests log of a connection's callbacks (`tests/event_loop/`).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use sockit::Result;
use sockit::event_loop::{Handle, Loop, StreamEvents};

/// What happened to the connections, in order, and the bytes received.
#[derive(Default)]
pub struct Log {
    pub lines: RefCell<Vec<String>>,
    pub received: RefCell<Vec<u8>>,
}

impl Log {
    pub fn push(&self, line: String) {
        self.lines.borrow_mut().push(line);
    }

    pub fn has(&self, line: &str) -> bool {
        self.lines.borrow().iter().any(|l| l == line)
    }

    pub fn count(&self, line: &str) -> usize {
        self.lines.borrow().iter().filter(|l| *l == line).count()
    }
}

/// "ok", or the error's code.
pub fn code(status: Result<()>) -> String {
    match status {
        Ok(()) => "ok".into(),
        Err(err) => format!("{:?}", err.code()),
    }
}

/// Keeps what arrives; logs every callback.
pub struct Client(pub Rc<Log>);

impl StreamEvents for Client {
    fn on_connect(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.0.push(format!("connect {}", code(status)));
    }
    fn on_data(&self, _: &Loop, _: Handle, _: usize, bytes: &[u8]) {
        self.0.received.borrow_mut().extend_from_slice(bytes);
    }
    fn on_eof(&self, _: &Loop, _: Handle, _: usize) {
        self.0.push("eof".into());
    }
    fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.0.push(format!("close {}", code(status)));
    }
}

/// Pauses reading at once and, with `shut`, finishes sending; logs every callback and keeps
/// the bytes that arrive once reading resumes.
pub struct PausedReader {
    pub log: Rc<Log>,
    pub shut: bool,
    pub conn: std::cell::Cell<Option<Handle>>,
}

impl StreamEvents for PausedReader {
    fn on_connect(&self, lp: &Loop, conn: Handle, _: usize, status: Result<()>) {
        self.log.push(format!("connect {}", code(status)));
        self.conn.set(Some(conn));
        lp.pause_reading(conn, true).unwrap();
        if self.shut {
            lp.shutdown(conn).unwrap();
        }
    }
    fn on_data(&self, _: &Loop, _: Handle, _: usize, bytes: &[u8]) {
        self.log.received.borrow_mut().extend_from_slice(bytes);
    }
    fn on_eof(&self, lp: &Loop, conn: Handle, _: usize) {
        self.log.push("eof".into());
        lp.close(conn).unwrap();
    }
    fn on_close(&self, _: &Loop, _: Handle, _: usize, status: Result<()>) {
        self.log.push(format!("close {}", code(status)));
    }
}

/// Rounds of `run_once(1 s)` until a 300 ms timer fires: a few if the loop waits, many if
/// something it never takes keeps waking it.
pub fn rounds_until_a_timer(lp: &Loop) -> usize {
    let fired = Rc::new(std::cell::Cell::new(false));
    let flag = Rc::clone(&fired);
    lp.timer(
        Duration::from_millis(300),
        None,
        Box::new(move |_, _| flag.set(true)),
    )
    .unwrap();
    let mut rounds = 0;
    while !fired.get() && rounds < 1000 {
        lp.run_once(Some(Duration::from_secs(1))).unwrap();
        rounds += 1;
    }
    rounds
}
