//! The broadcast between the observer (the training thread) and the browsers (one writer
//! thread per event stream).
//!
//! * [`Hub::publish`] frames a message once, keeps what a page needs to redraw everything
//!   (the *replay*: the run's start, the thinned batch costs, every epoch, the latest hidden
//!   units, confusion matrix and sample, the end) and pushes it into every client's queue.
//! * A client's queue is bounded: when a browser reads slower than events come, the oldest
//!   are dropped and the client is marked *lagged* — its writer then sends a fresh replay
//!   instead of the gap. Publishing takes each queue's lock only to push; no socket is ever
//!   written under a lock the training thread takes.
//! * Memory is bounded: the batch points are thinned by half when they reach their cap (the
//!   whole run stays covered at a coarser step), epochs keep the latest [`EPOCHS_KEPT`], and
//!   the resume window the latest [`RECENT_KEPT`] messages.
//!
//! Locks are taken hub first, then a client's queue; a poisoned lock (a panic elsewhere
//! while it was held) is taken over as it is — every state here stays consistent between
//! statements.

use super::events::Message;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// Thinned batch points kept for the replay (halved when full).
pub(crate) const BATCHES_KEPT: usize = 2048;
/// Epoch messages kept for the replay.
pub(crate) const EPOCHS_KEPT: usize = 4096;
/// Live messages kept for a reconnecting page to resume from.
pub(crate) const RECENT_KEPT: usize = 512;

/// Locks `m`, taking over a poisoned lock.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

type Frame = Arc<str>;

/// What a new page is sent before live events.
#[derive(Debug, Default)]
struct Retained {
    config: Option<Frame>,
    start: Option<Frame>,
    batches: Vec<Frame>,
    epochs: VecDeque<Frame>,
    units: Option<Frame>,
    confusion: Option<Frame>,
    sample: Option<Frame>,
    finished: Option<Frame>,
    end: Option<Frame>,
}

impl Retained {
    fn keep(&mut self, kind: &str, frame: Frame) {
        match kind {
            "start" => {
                // A new run: its curves start afresh.
                *self = Retained {
                    config: self.config.take(),
                    sample: self.sample.take(),
                    ..Retained::default()
                };
                self.start = Some(frame);
            }
            "batch" => {
                if self.batches.len() >= BATCHES_KEPT {
                    let mut i = 0;
                    self.batches.retain(|_| {
                        i += 1;
                        i % 2 == 0
                    });
                }
                self.batches.push(frame);
            }
            "epoch" => {
                if self.epochs.len() >= EPOCHS_KEPT {
                    self.epochs.pop_front();
                }
                self.epochs.push_back(frame);
            }
            "config" => self.config = Some(frame),
            "units" => self.units = Some(frame),
            "confusion" => self.confusion = Some(frame),
            "sample" => self.sample = Some(frame),
            "finished" => self.finished = Some(frame),
            "end" => self.end = Some(frame),
            _ => {}
        }
    }

    fn replay(&self, last_id: &str) -> Vec<Frame> {
        let mut out = Vec::with_capacity(self.batches.len() + self.epochs.len() + 8);
        out.push(Arc::from(
            Message {
                kind: "reset",
                data: "{}".into(),
            }
            .frame(),
        ));
        out.extend(self.config.iter().cloned());
        out.extend(self.start.iter().cloned());
        out.extend(self.batches.iter().cloned());
        out.extend(self.epochs.iter().cloned());
        for f in [&self.units, &self.confusion, &self.sample, &self.finished] {
            out.extend(f.iter().cloned());
        }
        out.push(Arc::from(
            Message {
                kind: "synced",
                data: "{}".into(),
            }
            .frame_with_id(last_id),
        ));
        out.extend(self.end.iter().cloned());
        out
    }
}

#[derive(Debug)]
struct Inner {
    next_id: u64,
    recent: VecDeque<(u64, Frame)>,
    retained: Retained,
    clients: Vec<Arc<Client>>,
    closed: bool,
}

/// The broadcast point shared by the observer, the server thread and the stream writers.
#[derive(Debug)]
pub(crate) struct Hub {
    inner: Mutex<Inner>,
    queue_len: usize,
    /// Tells this dashboard's event ids (`{instance}.{n}`) from another's on the same port,
    /// so a page left open across two runs never resumes into the wrong one.
    instance: u32,
}

/// One event stream's queue.
#[derive(Debug)]
pub(crate) struct Client {
    state: Mutex<Queue>,
    ready: Condvar,
}

#[derive(Debug)]
struct Queue {
    frames: VecDeque<Frame>,
    lagged: bool,
    closed: bool,
}

/// What a stream writer gets from [`Hub::wait`].
#[derive(Debug, PartialEq)]
pub(crate) enum Next {
    /// Frames to write, in order (the buffer passed in).
    Frames,
    /// Nothing came before the deadline.
    Idle,
    /// The dashboard is shutting down.
    Closed,
}

impl Hub {
    /// A hub whose clients' queues hold at most `queue_len` messages.
    pub(crate) fn new(queue_len: usize) -> Self {
        Hub {
            inner: Mutex::new(Inner {
                next_id: 1,
                recent: VecDeque::with_capacity(RECENT_KEPT),
                retained: Retained::default(),
                clients: Vec::new(),
                closed: false,
            }),
            queue_len: queue_len.max(1),
            instance: instance_tag(),
        }
    }

    fn id(&self, n: u64) -> String {
        format!("{:x}.{n}", self.instance)
    }

    /// The sequence number of an event id of this hub.
    fn parse_id(&self, id: &str) -> Option<u64> {
        let (tag, n) = id.trim().split_once('.')?;
        (u32::from_str_radix(tag, 16).ok()? == self.instance)
            .then(|| n.parse().ok())
            .flatten()
    }

    /// Sends `msg` to every page, now and (as part of the replay) later.
    pub(crate) fn publish(&self, msg: &Message) {
        let mut inner = lock(&self.inner);
        if inner.closed {
            return;
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let live: Frame = Arc::from(msg.frame_with_id(self.id(id)));
        inner.retained.keep(msg.kind, Arc::from(msg.frame()));
        if inner.recent.len() >= RECENT_KEPT {
            inner.recent.pop_front();
        }
        inner.recent.push_back((id, live.clone()));
        for c in &inner.clients {
            let mut q = lock(&c.state);
            if q.frames.len() >= self.queue_len {
                q.frames.pop_front();
                q.lagged = true;
            }
            q.frames.push_back(live.clone());
            drop(q);
            c.ready.notify_one();
        }
    }

    /// Registers a new stream and returns its queue and what to write first: the messages
    /// after `last_id` when the page resumes within the recent window, else a full replay.
    /// `None` when `max_clients` streams are open or the hub is closed.
    pub(crate) fn connect(
        &self,
        last_id: Option<&str>,
        max_clients: usize,
    ) -> Option<(Arc<Client>, Vec<Frame>)> {
        let mut inner = lock(&self.inner);
        if inner.closed || inner.clients.len() >= max_clients {
            return None;
        }
        let first = self.catch_up(&inner, last_id.and_then(|s| self.parse_id(s)));
        let client = Arc::new(Client {
            state: Mutex::new(Queue {
                frames: VecDeque::with_capacity(self.queue_len.min(64)),
                lagged: false,
                closed: false,
            }),
            ready: Condvar::new(),
        });
        inner.clients.push(client.clone());
        Some((client, first))
    }

    /// Unregisters a stream.
    pub(crate) fn disconnect(&self, client: &Arc<Client>) {
        lock(&self.inner)
            .clients
            .retain(|c| !Arc::ptr_eq(c, client));
    }

    /// Open streams.
    pub(crate) fn clients(&self) -> usize {
        lock(&self.inner).clients.len()
    }

    /// Waits until `client` has frames, `deadline` passes or the hub closes; moves the
    /// frames into `out` (cleared first). A lagged client gets a fresh replay instead of
    /// what was left of its queue.
    pub(crate) fn wait(&self, client: &Client, deadline: Instant, out: &mut Vec<Frame>) -> Next {
        out.clear();
        {
            let mut q = lock(&client.state);
            loop {
                if q.closed {
                    return Next::Closed;
                }
                if q.lagged || !q.frames.is_empty() {
                    break;
                }
                let now = Instant::now();
                if now >= deadline {
                    return Next::Idle;
                }
                q = match client.ready.wait_timeout(q, deadline - now) {
                    Ok((g, _)) => g,
                    Err(e) => e.into_inner().0,
                };
            }
            if !q.lagged {
                out.extend(q.frames.drain(..));
                return Next::Frames;
            }
        }
        // Lagged: the replay, taken under the hub's lock so no live frame falls between it
        // and the queue.
        let inner = lock(&self.inner);
        let mut q = lock(&client.state);
        q.frames.clear();
        q.lagged = false;
        out.extend(inner.retained.replay(&self.id(inner.next_id - 1)));
        Next::Frames
    }

    /// Stops every stream (their writers return [`Next::Closed`]) and refuses new ones.
    pub(crate) fn close(&self) {
        let mut inner = lock(&self.inner);
        inner.closed = true;
        for c in &inner.clients {
            lock(&c.state).closed = true;
            c.ready.notify_all();
        }
        inner.clients.clear();
    }
}

impl Hub {
    /// The frames a stream starts with.
    fn catch_up(&self, inner: &Inner, last_id: Option<u64>) -> Vec<Frame> {
        let newest = inner.next_id - 1;
        if let Some(last) = last_id {
            let oldest = inner.recent.front().map_or(inner.next_id, |(id, _)| *id);
            if last <= newest && last + 1 >= oldest {
                return inner
                    .recent
                    .iter()
                    .filter(|(id, _)| *id > last)
                    .map(|(_, f)| f.clone())
                    .collect();
            }
        }
        inner.retained.replay(&self.id(newest))
    }
}

/// A tag that differs between dashboards (the clock's nanoseconds and the process id).
fn instance_tag() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() ^ (d.as_secs() as u32));
    nanos ^ std::process::id().rotate_left(16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn msg(kind: &'static str, v: usize) -> Message {
        Message {
            kind,
            data: format!("{{\"v\":{v}}}"),
        }
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_millis(10)
    }

    #[test]
    fn replay_then_live_then_resume() {
        let hub = Hub::new(4);
        hub.publish(&msg("start", 0));
        hub.publish(&msg("epoch", 1));
        let (c, first) = hub.connect(None, 8).unwrap();
        let text: String = first.iter().map(|f| f.to_string()).collect();
        assert!(text.starts_with("event: reset\n"));
        assert!(text.contains("event: start\ndata: {\"v\":0}"));
        assert!(text.contains("event: epoch\ndata: {\"v\":1}"));
        assert!(text.contains(&format!("id: {}\nevent: synced\n", hub.id(2))));
        hub.publish(&msg("epoch", 2));
        let mut out = Vec::new();
        assert_eq!(hub.wait(&c, soon(), &mut out), Next::Frames);
        assert_eq!(
            &*out[0],
            format!("id: {}\nevent: epoch\ndata: {{\"v\":2}}\n\n", hub.id(3))
        );
        assert_eq!(hub.wait(&c, soon(), &mut out), Next::Idle);
        // A page that saw id 2 resumes with id 3 only; another dashboard's id 2 does not.
        let (_, again) = hub.connect(Some(&hub.id(2)), 8).unwrap();
        assert_eq!(again.len(), 1);
        assert!(again[0].starts_with(&format!("id: {}\n", hub.id(3))));
        let other = format!("{:x}.2", hub.instance.wrapping_add(1));
        let (_, fresh) = hub.connect(Some(&other), 8).unwrap();
        assert!(fresh[0].starts_with("event: reset"));
        assert_eq!(hub.clients(), 3);
        hub.disconnect(&c);
        assert_eq!(hub.clients(), 2);
        hub.close();
        assert_eq!(hub.clients(), 0);
        assert!(hub.connect(None, 8).is_none());
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_the_client_gets_a_replay() {
        let hub = Hub::new(2);
        let (c, _) = hub.connect(None, 8).unwrap();
        for i in 0..10 {
            hub.publish(&msg("epoch", i));
        }
        assert_eq!(lock(&c.state).frames.len(), 2);
        let mut out = Vec::new();
        assert_eq!(hub.wait(&c, soon(), &mut out), Next::Frames);
        assert!(out[0].starts_with("event: reset\n"));
        let epochs = out.iter().filter(|f| f.contains("event: epoch")).count();
        assert_eq!(epochs, 10);
        assert!(lock(&c.state).frames.is_empty());
    }

    #[test]
    fn bounded_replay_and_client_count() {
        let hub = Hub::new(8);
        for i in 0..(BATCHES_KEPT * 3) {
            hub.publish(&msg("batch", i));
        }
        let (_, first) = hub.connect(None, 1).unwrap();
        let batches = first.iter().filter(|f| f.contains("event: batch")).count();
        assert!((BATCHES_KEPT / 2..=BATCHES_KEPT).contains(&batches));
        assert!(
            first
                .iter()
                .any(|f| f.contains(&format!("{}", BATCHES_KEPT * 3 - 1)))
        );
        assert!(hub.connect(None, 1).is_none(), "one client at most");
        // A resume from before the recent window falls back to the replay.
        let hub2 = Hub::new(8);
        for i in 0..(RECENT_KEPT + 10) {
            hub2.publish(&msg("epoch", i));
        }
        let (_, r) = hub2.connect(Some(&hub2.id(1)), 8).unwrap();
        assert!(r[0].starts_with("event: reset"));
    }

    #[test]
    fn close_wakes_a_waiting_writer() {
        let hub = Arc::new(Hub::new(8));
        let (c, _) = hub.connect(None, 8).unwrap();
        let h = hub.clone();
        let t = std::thread::spawn(move || {
            let mut out = Vec::new();
            h.wait(&c, Instant::now() + Duration::from_secs(30), &mut out)
        });
        std::thread::sleep(Duration::from_millis(20));
        hub.close();
        assert_eq!(t.join().unwrap(), Next::Closed);
    }
}
