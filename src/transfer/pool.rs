//! The worker pool: N connections of their own, each logged in like the shell's, taking
//! jobs from one queue until it is empty. One FTP connection carries one transfer at a time,
//! so N parallel transfers need N logins; the shell's own connection stays as it was (its
//! directory, its state) and is used only when no worker could log in at all.
//!
//! A server that refuses extra logins (421/530 "too many connections") makes the pool
//! smaller, with a notice, and the run goes on. A job that fails because its connection
//! dropped (or that the server ended the session over) is tried once more on a fresh login;
//! every other failure is that job's result, and the other jobs go on (the caller merges
//! the results).

use std::collections::VecDeque;
use std::sync::Mutex;

use anyhow::Result;

use crate::error::{Interrupted, Remote};
use crate::output::Printer;
use crate::session::{Session, WorkerSpec};

/// The most worker connections a command may ask for.
pub const MAX_WORKERS: usize = 16;

/// Run `work` on every job over up to `workers` connections; the results come back in job
/// order. Ctrl-C stops every worker at its next block (the copy loops poll it): the jobs not
/// started then fail as interrupted.
pub fn run<J, R, F>(
    session: &mut Session,
    workers: usize,
    jobs: &[J],
    out: &Printer,
    work: F,
) -> Vec<Result<R>>
where
    J: Sync,
    R: Send,
    F: Fn(&mut Session, &J) -> Result<R> + Sync,
{
    let n = workers.clamp(1, MAX_WORKERS).min(jobs.len());
    let mut results: Vec<Option<Result<R>>> = (0..jobs.len()).map(|_| None).collect();
    if jobs.is_empty() {
        return Vec::new();
    }
    let spec = match session.worker_spec() {
        Ok(s) => s,
        Err(e) => return jobs.iter().map(|_| Err(anyhow::anyhow!("{e:#}"))).collect(),
    };
    let queue: Mutex<VecDeque<(usize, u32)>> =
        Mutex::new((0..jobs.len()).map(|i| (i, 0)).collect());
    let done: Mutex<Vec<(usize, Result<R>)>> = Mutex::new(Vec::new());
    let refused: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..n {
            scope.spawn(|| worker(&spec, jobs, &queue, &done, &refused, &work));
        }
    });
    let refused = refused.into_inner().unwrap_or_else(|p| p.into_inner());
    if !refused.is_empty() {
        out.warn(&format!(
            "{} of {n} worker connections could not log in ({}); went on with {}",
            refused.len(),
            refused[0],
            n - refused.len()
        ));
    }
    for (i, r) in done.into_inner().unwrap_or_else(|p| p.into_inner()) {
        results[i] = Some(r);
    }
    // Jobs left: no worker could log in, or every worker lost its connection for good.
    // The shell's own connection does them, one after the other.
    let left: Vec<usize> = queue
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    for i in left {
        results[i] = Some(if crate::interrupt::requested() {
            Err(Interrupted.into())
        } else {
            session.arm_watchdog();
            let r = work(session, &jobs[i]);
            match session.disarm_watchdog() {
                Some(fired) if r.is_err() => Err(fired.error()),
                _ => r,
            }
        });
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Interrupted.into())))
        .collect()
}

/// One worker: log in, then take jobs until the queue is empty (or Ctrl-C).
fn worker<J, R, F>(
    spec: &WorkerSpec,
    jobs: &[J],
    queue: &Mutex<VecDeque<(usize, u32)>>,
    done: &Mutex<Vec<(usize, Result<R>)>>,
    refused: &Mutex<Vec<String>>,
    work: &F,
) where
    F: Fn(&mut Session, &J) -> Result<R>,
{
    let lock =
        |m: &Mutex<VecDeque<(usize, u32)>>| m.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
    // Nothing to do: no login (a short queue, or the others were quicker).
    if queue.lock().unwrap_or_else(|p| p.into_inner()).is_empty() {
        return;
    }
    let mut session = match spec.dial() {
        Ok(s) => s,
        Err(e) => {
            refused
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(crate::error::render(&e));
            return;
        }
    };
    while let Some((i, attempt)) = lock(queue) {
        if crate::interrupt::requested() {
            push_back(queue, i, attempt);
            break;
        }
        session.arm_watchdog();
        let mut result = work(&mut session, &jobs[i]);
        if let Some(fired) = session.disarm_watchdog()
            && result.is_err()
        {
            result = Err(fired.error());
        }
        // A connection that failed this way, or that the server closed with its refusal
        // (vsftpd's `500 OOPS: ...` ends the session), cannot take the next job.
        if let Err(e) = &result
            && !e.chain().any(|c| c.is::<Interrupted>())
            && (connection_gone(e) || !session.connection_alive())
        {
            session.note_failure(e);
            // Its connection is gone: once more on a fresh login, if one can be had.
            let fresh = spec.dial();
            if attempt == 0 {
                push_back(queue, i, 1);
                match fresh {
                    Ok(s) => {
                        session = s;
                        continue;
                    }
                    Err(_) => return,
                }
            }
            if let Ok(s) = fresh {
                session = s;
            } else {
                done.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((i, result));
                return;
            }
        }
        done.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((i, result));
    }
    session.close();
}

fn push_back(queue: &Mutex<VecDeque<(usize, u32)>>, i: usize, attempt: u32) {
    queue
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push_back((i, attempt));
}

/// Whether an error means the connection is gone (dropped, timed out) or the transfer was
/// cut: both are worth one more try on a fresh login (after a cut the old control
/// connection may still be busy with the aborted transfer). A refusal is not.
fn connection_gone(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<Remote>())
        .any(|r| r.connection_gone() || matches!(r, Remote::Incomplete(_)))
}
