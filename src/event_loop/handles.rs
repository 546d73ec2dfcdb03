//! The loop's handle table: a slab whose entries are named by a handle, an index with a
//! serial number that no other handle of the process ever had. A handle that was closed,
//! that another loop gave out, or that was never given out finds no entry: the lookup
//! compares the serial, so a stale handle can never reach the entry that reused its slot.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{ErrorCode, Result};

/// Bits of a handle that hold the slot index: 16 million handles per loop at once.
const INDEX_BITS: u32 = 24;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
/// Serials fill the other 40 bits: a trillion handles before one could come again.
const SERIAL_MASK: u64 = (1 << (64 - INDEX_BITS)) - 1;

/// The next serial, for every loop of the process: a handle of one loop is unknown to all
/// the others, including loops created later at the same address.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

fn next_serial() -> u64 {
    loop {
        let serial = NEXT_SERIAL.fetch_add(1, Ordering::Relaxed) & SERIAL_MASK;
        // 0 is never a serial, so that the handle 0 is never valid.
        if serial != 0 {
            return serial;
        }
    }
}

/// A loop's name for one of its connections, listeners, UDP sockets or timers: valid from
/// its creation until it is closed, and never again after. The value 0 is never a handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle(u64);

impl Handle {
    /// The handle as a number (for C).
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// A handle from a number a program kept; lookups decide whether it is valid.
    pub const fn from_raw(raw: u64) -> Handle {
        Handle(raw)
    }

    /// The slot: also the key under which the handle's socket is registered with the poller.
    pub(crate) fn index(self) -> usize {
        (self.0 & INDEX_MASK) as usize
    }

    fn serial(self) -> u64 {
        self.0 >> INDEX_BITS
    }
}

/// The serial first, in the slot's first cache line: a lookup compares it before it
/// touches the value (an entry is 136 bytes).
#[repr(C)]
struct Slot<T> {
    serial: u64,
    value: Option<T>,
}

/// Entries named by handles. Freed slots are reused; their new entries get new serials.
pub(crate) struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: Vec<usize>,
    len: usize,
    /// No more entries: the loop is ending.
    sealed: bool,
}

impl<T> Slab<T> {
    pub(crate) fn new() -> Slab<T> {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            sealed: false,
        }
    }

    /// Stores `value` under a new handle. `ENOMEM` when the table is full, `ECANCELED` once
    /// it is sealed.
    pub(crate) fn insert(&mut self, value: T) -> Result<Handle> {
        if self.sealed {
            return Err(ErrorCode::ECANCELED.into());
        }
        let index = match self.free.pop() {
            Some(index) => index,
            None if (self.slots.len() as u64) < INDEX_MASK => {
                self.slots.push(Slot {
                    serial: 0,
                    value: None,
                });
                self.slots.len() - 1
            }
            None => return Err(ErrorCode::ENOMEM.into()),
        };
        let serial = next_serial();
        self.slots[index] = Slot {
            serial,
            value: Some(value),
        };
        self.len += 1;
        Ok(Handle(serial << INDEX_BITS | index as u64))
    }

    #[inline]
    pub(crate) fn get(&self, handle: Handle) -> Option<&T> {
        match self.slots.get(handle.index()) {
            Some(slot) if slot.serial == handle.serial() => slot.value.as_ref(),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, handle: Handle) -> Option<&mut T> {
        match self.slots.get_mut(handle.index()) {
            Some(slot) if slot.serial == handle.serial() => slot.value.as_mut(),
            _ => None,
        }
    }

    /// The live entry in slot `index`, whatever its serial (for the poller's reports, which
    /// carry the index only), with its handle.
    #[inline]
    pub(crate) fn at(&mut self, index: usize) -> Option<(Handle, &mut T)> {
        let slot = self.slots.get_mut(index)?;
        let handle = Handle(slot.serial << INDEX_BITS | index as u64);
        slot.value.as_mut().map(|value| (handle, value))
    }

    /// Takes the entry out; the handle is invalid from now on.
    pub(crate) fn remove(&mut self, handle: Handle) -> Option<T> {
        let slot = self.slots.get_mut(handle.index())?;
        if slot.serial != handle.serial() {
            return None;
        }
        let value = slot.value.take()?;
        slot.serial = 0;
        self.free.push(handle.index());
        self.len -= 1;
        Some(value)
    }

    /// Takes no more entries from now on.
    pub(crate) fn seal(&mut self) {
        self.sealed = true;
    }

    pub(crate) fn is_sealed(&self) -> bool {
        self.sealed
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Every live handle, in slot order.
    pub(crate) fn handles(&self) -> Vec<Handle> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.value.is_some())
            .map(|(index, slot)| Handle(slot.serial << INDEX_BITS | index as u64))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_handle_never_finds_the_entry_that_reuses_its_slot() {
        let mut slab = Slab::new();
        let first = slab.insert("first").unwrap();
        assert_eq!(slab.get(first), Some(&"first"));
        assert_eq!(slab.remove(first), Some("first"));
        assert_eq!(slab.remove(first), None, "twice");
        let second = slab.insert("second").unwrap();
        assert_eq!(second.index(), first.index(), "the slot is reused");
        assert_eq!(slab.get(first), None);
        assert_eq!(slab.get_mut(first), None);
        assert_eq!(slab.get(second), Some(&"second"));
        assert_eq!(slab.get(Handle::from_raw(0)), None);
        assert_eq!(slab.len(), 1);
        assert_eq!(slab.handles(), vec![second]);
    }

    #[test]
    fn a_handle_of_another_table_is_unknown() {
        let mut one = Slab::new();
        let mut other = Slab::new();
        let mine = one.insert(1).unwrap();
        let theirs = other.insert(2).unwrap();
        assert_eq!(mine.index(), theirs.index());
        assert_eq!(one.get(theirs), None);
        assert_eq!(other.get(mine), None);
    }
}
