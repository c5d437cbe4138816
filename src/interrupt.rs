//! Ctrl-C: one flag, set by the SIGINT handler and polled by whoever is running.
//!
//! A transfer polls it between blocks (and every `DATA_TICK` while the server is silent) and
//! aborts; the batch runner stops with exit 130 when it finds it set after a command, even
//! with `-k`. In batch mode a second Ctrl-C before the first was handled (a command stuck
//! where nothing polls) exits at once; in the shell it does not, so a terminal left in
//! no-echo mode (password prompt) or a history not yet saved cannot be lost that way. While
//! a `!` command runs, Ctrl-C belongs to it and is ignored here.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
/// Every Ctrl-C ever pressed (outside a `!` child): a watchdog armed after the first press
/// still notices the second one (see `watchdog.rs`).
static PRESSES: AtomicU64 = AtomicU64::new(0);
static INTERACTIVE: AtomicBool = AtomicBool::new(false);
static CHILD_RUNNING: AtomicBool = AtomicBool::new(false);
/// Run before a second Ctrl-C ends a batch run at once: `demo` removes its temporary tree.
type Hook = Box<dyn Fn() + Send>;
static ON_FORCED_EXIT: Mutex<Option<Hook>> = Mutex::new(None);

/// Set what runs just before a second Ctrl-C ends a batch run at once.
#[cfg_attr(not(feature = "serve"), allow(dead_code))]
pub fn on_forced_exit(hook: impl Fn() + Send + 'static) {
    if let Ok(mut h) = ON_FORCED_EXIT.lock() {
        *h = Some(Box::new(hook));
    }
}

pub fn install(interactive: bool) {
    INTERACTIVE.store(interactive, Ordering::SeqCst);
    let _ = ctrlc::set_handler(|| {
        if CHILD_RUNNING.load(Ordering::SeqCst) {
            return;
        }
        PRESSES.fetch_add(1, Ordering::SeqCst);
        if REQUESTED.swap(true, Ordering::SeqCst) && !INTERACTIVE.load(Ordering::SeqCst) {
            eprintln!();
            if let Ok(hook) = ON_FORCED_EXIT.try_lock()
                && let Some(hook) = hook.as_ref()
            {
                hook();
            }
            std::process::exit(crate::error::Code::Interrupted.as_i32());
        }
    });
}

/// Whether Ctrl-C was pressed since the last [`clear`].
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// How many times Ctrl-C has been pressed so far.
pub fn presses() -> u64 {
    PRESSES.load(Ordering::SeqCst)
}

pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// While alive, Ctrl-C goes to a local child process only.
pub struct ChildGuard;

impl ChildGuard {
    pub fn new() -> ChildGuard {
        CHILD_RUNNING.store(true, Ordering::SeqCst);
        ChildGuard
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        CHILD_RUNNING.store(false, Ordering::SeqCst);
        // The child saw the Ctrl-C; it does not stop us afterwards.
        clear();
    }
}
