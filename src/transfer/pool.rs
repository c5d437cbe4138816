//! The worker pool: N connections of their own, each logged in like the shell's, taking
//! jobs from one queue until it is empty. One FTP connection carries one transfer at a time,
//! so N parallel transfers need N logins; the shell's own connection stays as it was (its
//! directory, its state) and is used only when no worker could log in at all.
//!
//! A server that refuses extra logins (421/530 "too many connections") makes the pool
//! smaller, with a notice, and the run goes on. A job that fails on a transient fault (see
//! src/retry.rs) is retried by its worker under the `retries` policy, on a fresh login when
//! its connection dropped (or the server ended the session over it), resuming what the
//! failed try left; every other failure is that job's result, and the other jobs go on (the
//! caller merges the results).

use std::collections::VecDeque;
use std::sync::Mutex;

use anyhow::Result;

use crate::error::{Interrupted, Remote};
use crate::output::Printer;
use crate::retry::{Policy, Tries, announce_and_wait};
use crate::session::{Session, WorkerSpec};

/// The most worker connections a command may ask for.
pub const MAX_WORKERS: usize = 16;

/// The name a job's failure and retries are reported under.
pub trait JobName {
    fn name(&self) -> String;
}

/// Run `work` on every job over up to `workers` connections; the results come back in job
/// order. Ctrl-C stops every worker at its next block (the copy loops poll it): the jobs not
/// started then fail as interrupted. `command` names the retries' lines (`get a.txt: retry`).
pub fn run<J, R, F>(
    session: &mut Session,
    workers: usize,
    command: &str,
    jobs: &[J],
    out: &Printer,
    work: F,
) -> Vec<Result<R>>
where
    J: Sync + JobName,
    R: Send,
    F: Fn(&mut Session, &J) -> Result<R> + Sync,
{
    let n = workers.clamp(1, MAX_WORKERS).min(jobs.len());
    let mut results: Vec<Option<Result<R>>> = (0..jobs.len()).map(|_| None).collect();
    if jobs.is_empty() {
        return Vec::new();
    }
    // Every job is a transfer with retries of its own: the command is not run again whole.
    session.units_started += 1;
    let spec = match session.worker_spec() {
        Ok(s) => s,
        Err(e) => return jobs.iter().map(|_| Err(anyhow::anyhow!("{e:#}"))).collect(),
    };
    let pool = Pool {
        spec: &spec,
        policy: Policy::from_settings(&session.settings),
        command,
        out,
        queue: Mutex::new((0..jobs.len()).collect()),
        done: Mutex::new(Vec::new()),
        refused: Mutex::new(Vec::new()),
    };
    std::thread::scope(|scope| {
        for _ in 0..n {
            scope.spawn(|| pool.worker(jobs, &work));
        }
    });
    let Pool {
        queue,
        done,
        refused,
        ..
    } = pool;
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
    // The shell's own connection does them, one after the other, with the same retries.
    let left: Vec<usize> = queue
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .collect();
    for i in left {
        results[i] = Some(if crate::interrupt::requested() {
            Err(Interrupted.into())
        } else {
            crate::retry::run(session, out, command, &jobs[i].name(), |s| {
                s.arm_watchdog();
                let r = work(s, &jobs[i]);
                match s.disarm_watchdog() {
                    Some(fired) if r.is_err() => Err(fired.error()),
                    _ => r,
                }
            })
        });
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Interrupted.into())))
        .collect()
}

/// What the workers share.
struct Pool<'a, R> {
    spec: &'a WorkerSpec,
    policy: Policy,
    command: &'a str,
    out: &'a Printer,
    /// The jobs no worker has taken yet.
    queue: Mutex<VecDeque<usize>>,
    done: Mutex<Vec<(usize, Result<R>)>>,
    /// Why workers could not log in.
    refused: Mutex<Vec<String>>,
}

impl<R> Pool<'_, R> {
    fn take(&self) -> Option<usize> {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }

    fn finish(&self, i: usize, r: Result<R>) {
        self.done
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((i, r));
    }

    /// One worker: log in, then take jobs until the queue is empty (or Ctrl-C).
    fn worker<J, F>(&self, jobs: &[J], work: &F)
    where
        J: JobName,
        F: Fn(&mut Session, &J) -> Result<R>,
    {
        // Nothing to do: no login (a short queue, or the others were quicker).
        if self
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
        {
            return;
        }
        let mut session = match self.spec.dial() {
            Ok(s) => s,
            Err(e) => {
                self.refused
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(crate::error::render(&e));
                return;
            }
        };
        while let Some(i) = self.take() {
            if crate::interrupt::requested() {
                push_back(&self.queue, i);
                break;
            }
            let (result, usable) = self.job(&mut session, &jobs[i], work);
            self.finish(i, result);
            if !usable {
                // Its connection is gone and no new one could be had: the other workers
                // (or the shell's connection) take the rest.
                return;
            }
        }
        session.close();
    }

    /// One job with its retries. The second value says whether `session` can take the
    /// next job (a fresh login replaces a dropped connection).
    fn job<J, F>(&self, session: &mut Session, job: &J, work: &F) -> (Result<R>, bool)
    where
        J: JobName,
        F: Fn(&mut Session, &J) -> Result<R>,
    {
        let mut tries = Tries::new(self.policy);
        session.retry_resume = false;
        let mut reconnecting = false;
        let mut result = self.try_once(session, job, work);
        loop {
            let err = match &result {
                Ok(_) => break,
                Err(e) => e,
            };
            if err.chain().any(|c| c.is::<Interrupted>()) {
                break;
            }
            // A connection that failed this way, or that the server closed with its refusal
            // (vsftpd's `500 OOPS: ...` ends the session), cannot take the next try.
            let gone = connection_gone(err) || !session.connection_alive();
            if gone {
                session.note_failure(err);
            }
            // A session the server ended over its refusal is worth a fresh login too.
            let worth = crate::retry::transient(err, reconnecting)
                || (gone && crate::error::exit_code(err) != crate::error::Code::Local.as_i32());
            let Some(wait) = tries.next_if(worth) else {
                if gone {
                    return (result, self.redial(session).is_ok());
                }
                break;
            };
            if let Err(stop) =
                announce_and_wait(self.out, self.command, Some(&job.name()), &tries, wait, err)
            {
                result = Err(stop);
                break;
            }
            if gone && let Err(e) = self.redial(session) {
                result = Err(e);
                reconnecting = true;
                continue;
            }
            // After the redial: the fresh session is the one that must resume.
            session.retry_resume = true;
            reconnecting = false;
            result = self.try_once(session, job, work);
        }
        session.retry_resume = false;
        (result, true)
    }

    fn try_once<J, F>(&self, session: &mut Session, job: &J, work: &F) -> Result<R>
    where
        F: Fn(&mut Session, &J) -> Result<R>,
    {
        // A TLS 1.3 connection whose tickets its uploads used up logs in again first.
        session.renew_tls_tickets()?;
        session.arm_watchdog();
        let result = work(session, job);
        match session.disarm_watchdog() {
            Some(fired) if result.is_err() => Err(fired.error()),
            _ => result,
        }
    }

    /// Replace the worker's connection by a fresh login.
    fn redial(&self, session: &mut Session) -> Result<()> {
        let fresh = self.spec.dial()?;
        let old = std::mem::replace(session, fresh);
        drop(old);
        Ok(())
    }
}

fn push_back(queue: &Mutex<VecDeque<usize>>, i: usize) {
    queue.lock().unwrap_or_else(|p| p.into_inner()).push_back(i);
}

/// Whether an error means the connection is gone (dropped, timed out) or the transfer was
/// cut: either way the next try needs a fresh login (after a cut the old control connection
/// may still be busy with the aborted transfer).
fn connection_gone(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<Remote>())
        .any(|r| r.connection_gone() || matches!(r, Remote::Incomplete(_)))
}
