//! Connections whose bytes are read as whole messages (delimited or length-prefixed, the
//! `framing` rules): each message goes to on_message, and a stream that ends inside one
//! gives what arrived of it with `ETRUNCATED`.

use std::rc::Rc;

use crate::error::Result;
use crate::event_loop::{Deferred, Entry, Handle, Kind, Loop, StreamEvents};
use crate::framing::{Framing, Reader};

impl Loop {
    /// Reads a connection's bytes as messages from now on: on_message gets each whole
    /// message instead of on_data getting the bytes. Bytes that arrived before are not
    /// messages (they went to on_data), so set it in on_connect. A new framing set on a
    /// framed connection (in on_message: a line handshake, then length-prefixed frames)
    /// reads the bytes the old one held and had not handed out yet.
    pub fn set_framing(&self, handle: Handle, framing: Framing) -> Result<()> {
        self.with_stream(handle, |stream| {
            let mut reader = Box::new(Reader::fed(framing));
            if let Some(old) = stream.messages.as_mut() {
                // A fed reader takes any bytes.
                let _ = reader.push(old.pending());
            }
            stream.messages = Some(reader);
            stream.framed = true;
            Ok(())
        })
    }

    /// Bytes that arrived on a framed connection (`None`: the end of the stream): pushes
    /// them and hands out the messages they complete.
    pub(super) fn deliver(
        &self,
        handle: Handle,
        events: &Rc<dyn StreamEvents>,
        data: usize,
        bytes: Option<&[u8]>,
    ) {
        let Some(mut reader) = self.take_reader(handle) else {
            return;
        };
        // A fed reader takes any bytes; no bytes at all stand for the end.
        let _ = reader.push(bytes.unwrap_or(&[]));
        self.hand_out(handle, events, data, reader);
    }

    /// Messages already received (reading resumed after a pause in the middle of them), or
    /// TLS plaintext held while reading was paused.
    pub(super) fn deliver_buffered(&self, handle: Handle) {
        self.deliver_held(handle);
        let Some((events, data)) = self.stream_events(handle) else {
            return;
        };
        if let Some(reader) = self.take_reader(handle) {
            self.hand_out(handle, &events, data, reader);
        }
    }

    fn take_reader(&self, handle: Handle) -> Option<Box<Reader>> {
        match self.state.borrow_mut().handles.get_mut(handle) {
            Some(Entry {
                kind: Kind::Stream(stream),
                ..
            }) => stream.messages.take(),
            _ => None,
        }
    }

    /// Calls on_message for each whole message, as long as the connection reads; then puts
    /// the reader back, with what it holds of the next message. A framing set by on_message
    /// takes over the bytes that follow, and hands out its messages.
    fn hand_out(
        &self,
        handle: Handle,
        events: &Rc<dyn StreamEvents>,
        data: usize,
        mut reader: Box<Reader>,
    ) {
        loop {
            reader.hand_out(|message, status| {
                events.on_message(self, handle, data, message, status);
                self.still_reading(handle) && !self.reframed(handle)
            });
            let mut state = self.state.borrow_mut();
            let Some(Entry {
                kind: Kind::Stream(stream),
                ..
            }) = state.handles.get_mut(handle)
            else {
                return;
            };
            if !stream.framed {
                return;
            }
            match stream.messages.take() {
                None => {
                    stream.messages = Some(reader);
                    return;
                }
                Some(mut new) => {
                    // A fed reader takes any bytes.
                    let _ = new.push(reader.pending());
                    reader = new;
                }
            }
            drop(state);
            if !self.still_reading(handle) {
                // Kept for when reading resumes.
                self.put_back(handle, reader);
                return;
            }
        }
    }

    fn put_back(&self, handle: Handle, reader: Box<Reader>) {
        if let Some(Entry {
            kind: Kind::Stream(stream),
            ..
        }) = self.state.borrow_mut().handles.get_mut(handle)
        {
            stream.messages = Some(reader);
        }
    }

    /// Whether on_message gave the connection a new framing (while the old reader is out).
    fn reframed(&self, handle: Handle) -> bool {
        matches!(
            self.state.borrow().handles.get(handle),
            Some(Entry {
                kind: Kind::Stream(stream),
                ..
            }) if stream.messages.is_some()
        )
    }

    /// Whether the program still takes messages from the connection (not paused, not
    /// closing).
    fn still_reading(&self, handle: Handle) -> bool {
        match self.state.borrow().handles.get(handle) {
            Some(Entry {
                kind: Kind::Stream(stream),
                ..
            }) => !stream.paused && !stream.closing && stream.broken.is_none(),
            _ => false,
        }
    }

    /// After reading resumed: messages already buffered are handed out in this round.
    pub(super) fn resume_messages(&self, handle: Handle) {
        let buffered = match self.state.borrow().handles.get(handle) {
            Some(Entry {
                kind: Kind::Stream(stream),
                ..
            }) => {
                stream.messages.as_ref().is_some_and(|r| r.buffered() > 0)
                    || !stream.held.is_empty()
            }
            _ => false,
        };
        if buffered {
            self.defer(Deferred::Deliver(handle));
        }
    }
}
