//! A decoder's memory stays bounded over a long stream: it grows with the largest message, not
//! with the bytes that have passed through it (src/framing/decoder.rs: "never beyond about
//! twice the largest message allowed"). Measured by this binary's own allocator, which counts
//! the bytes allocated; one test in its own binary, so that nothing else allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};

use sockit::framing::{self, Decoded, Decoder, Framing};

/// A byte buffer as the encoders take it (they may write into uninitialized memory).
fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: MaybeUninit<u8> has u8's layout, and the buffer goes only to the encoder, which
    // writes initialized bytes, so it stays initialized.
    unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) }
}

/// The system's allocator, counting the bytes allocated now and at most since the last reset.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the counting is atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = NOW.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(now, Ordering::SeqCst);
        // SAFETY: the caller's layout, as GlobalAlloc requires.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// 16 MiB of 1 KiB length-prefixed messages.
fn long_stream() -> Vec<u8> {
    let message = vec![b'm'; 1024];
    let mut framed = vec![0u8; 1024 + framing::LENGTH_PREFIX];
    let len = framing::encode_length_prefixed(&message, as_uninit(&mut framed)).unwrap();
    framed[..len].repeat(16 * 1024)
}

#[test]
fn a_decoder_holds_about_its_largest_message_not_the_whole_stream() {
    let stream = long_stream();
    for receive_into_spare in [false, true] {
        let mut decoder = Decoder::new(Framing::length_prefixed(4096));
        let before = NOW.load(Ordering::SeqCst);
        PEAK.store(before, Ordering::SeqCst);
        let mut messages = 0;
        for piece in stream.chunks(1500) {
            if receive_into_spare {
                // As the reader does: receive into the decoder's room, as much as fits.
                let mut rest = piece;
                while !rest.is_empty() {
                    let room = decoder.spare();
                    let n = room.len().min(rest.len());
                    room[..n].copy_from_slice(&rest[..n]);
                    decoder.filled(n);
                    rest = &rest[n..];
                }
            } else {
                decoder.push(piece);
            }
            while let Decoded::Message(range) = decoder.decode().unwrap() {
                assert_eq!(decoder.message(range).len(), 1024);
                messages += 1;
            }
        }
        assert_eq!(messages, 16 * 1024);
        let held = PEAK.load(Ordering::SeqCst) - before;
        assert!(
            held < 256 * 1024,
            "the decoder held {held} bytes at once for 1 KiB messages (spare: {receive_into_spare})"
        );
    }
}
