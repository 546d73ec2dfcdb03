//! A configuration's life: a draft that settings change, until its first use builds the
//! finished form, which never changes after (a setting is then `EBUSY`) and is shared by
//! every user, on any thread.

use std::sync::{Arc, Mutex};

use crate::error::{ErrorCode, Result};

/// A draft `D` until [`Drafted::built`] makes it a `Built` for good.
pub(crate) struct Drafted<D, Built> {
    state: Mutex<State<D, Built>>,
}

enum State<D, Built> {
    Draft(D),
    Built(Arc<Built>),
}

impl<D, Built> Drafted<D, Built> {
    pub(crate) fn new(draft: D) -> Self {
        Drafted {
            state: Mutex::new(State::Draft(draft)),
        }
    }

    /// Changes the draft; `EBUSY` once it is built.
    pub(crate) fn change(&self, change: impl FnOnce(&mut D)) -> Result<()> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *guard {
            State::Draft(draft) => {
                change(draft);
                Ok(())
            }
            State::Built(_) => Err(ErrorCode::EBUSY.into()),
        }
    }

    /// The finished form, built from the draft by `build` on first use.
    pub(crate) fn built(&self, build: impl FnOnce(&D) -> Result<Built>) -> Result<Arc<Built>> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let built = match &*guard {
            State::Built(built) => return Ok(Arc::clone(built)),
            State::Draft(draft) => Arc::new(build(draft)?),
        };
        *guard = State::Built(Arc::clone(&built));
        Ok(built)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_changes_until_it_is_built_once() {
        let drafted: Drafted<u32, String> = Drafted::new(1);
        drafted.change(|d| *d += 1).unwrap();
        let first = drafted.built(|d| Ok(d.to_string())).unwrap();
        assert_eq!(*first, "2");
        let err = drafted.change(|d| *d += 1).unwrap_err();
        assert_eq!(err.code(), ErrorCode::EBUSY);
        let again = drafted.built(|_| panic!("built twice")).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
    }
}
