//! Where a cycle meets the network, sans I/O (docs/sync.md#from-rust): the cycle is written as
//! `async` code that never touches a socket or a clock. When it needs a request sent or a wait
//! waited, it leaves that in the [`Port`] and pauses; whoever drives it — [`drive`] with a
//! [`Transport`] for the bundled sender, or an embedder's own HTTP stack through
//! [`super::Steps`] — does it and hands the answer back. No runtime: the future is polled with
//! a waker that does nothing, since only the driver ever resumes it.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::http::{HttpRequest, HttpResponse, Transport, TransportError};

/// A request the cycle wants sent, owned (an embedder may send it on another thread).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingRequest {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: String,
    /// The whole URL.
    pub url: String,
    /// The JSON body (sent as `application/scim+json`).
    pub body: Option<Vec<u8>>,
}

impl OutgoingRequest {
    /// The request as a [`Transport`] takes it.
    pub fn as_http(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: &self.method,
            url: &self.url,
            body: self.body.as_deref(),
        }
    }
}

/// What the cycle needs next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this request (with the bearer token) and give its answer back.
    Send(OutgoingRequest),
    /// Wait this long (backoff, `Retry-After`), then say so.
    Wait(Duration),
}

/// What the driver gives back.
enum Reply {
    Answer(Result<HttpResponse, TransportError>),
    Waited,
}

/// The meeting point: at most one need and one reply at a time.
#[derive(Default)]
pub(super) struct Slot {
    need: Option<Step>,
    reply: Option<Reply>,
}

/// Shared between the cycle's future and its driver.
#[derive(Clone, Default)]
pub(super) struct Port(Rc<RefCell<Slot>>);

impl Port {
    /// Have `request` sent; its answer.
    pub(super) async fn send(
        &self,
        request: OutgoingRequest,
    ) -> Result<HttpResponse, TransportError> {
        match (Ask {
            port: self,
            step: Some(Step::Send(request)),
        })
        .await
        {
            Reply::Answer(answer) => answer,
            Reply::Waited => Err(TransportError::Connection(
                "the driver waited instead of sending".into(),
            )),
        }
    }

    /// Have `duration` waited.
    pub(super) async fn wait(&self, duration: Duration) {
        let _ = (Ask {
            port: self,
            step: Some(Step::Wait(duration)),
        })
        .await;
    }

    /// What the paused cycle needs (taken: each need is handed out once).
    pub(super) fn need(&self) -> Option<Step> {
        self.0.borrow_mut().need.take()
    }

    /// The answer to the request handed out.
    pub(super) fn answer(&self, answer: Result<HttpResponse, TransportError>) {
        self.0.borrow_mut().reply = Some(Reply::Answer(answer));
    }

    /// The wait handed out is over.
    pub(super) fn waited(&self) {
        self.0.borrow_mut().reply = Some(Reply::Waited);
    }
}

/// Leaves a need in the port, pauses, and resumes with the driver's reply.
struct Ask<'p> {
    port: &'p Port,
    step: Option<Step>,
}

impl Future for Ask<'_> {
    type Output = Reply;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Reply> {
        if let Some(step) = self.step.take() {
            let mut slot = self.port.0.borrow_mut();
            slot.reply = None;
            slot.need = Some(step);
            return Poll::Pending;
        }
        match self.port.0.borrow_mut().reply.take() {
            Some(reply) => Poll::Ready(reply),
            None => Poll::Pending,
        }
    }
}

/// Poll `future` once: `Ok` with its output when it is done, else `Err` (it waits on the port).
pub(super) fn poll_once<T>(future: Pin<&mut (dyn Future<Output = T> + '_)>) -> Result<T, ()> {
    let mut context = Context::from_waker(std::task::Waker::noop());
    match future.poll(&mut context) {
        Poll::Ready(out) => Ok(out),
        Poll::Pending => Err(()),
    }
}

/// Run `future` to its end, sending its requests through `transport` and sleeping its waits:
/// the bundled, blocking driver.
pub(super) fn drive<T>(
    future: impl Future<Output = T>,
    port: &Port,
    transport: &mut dyn Transport,
) -> T {
    let mut future = std::pin::pin!(future);
    loop {
        if let Ok(out) = poll_once(future.as_mut()) {
            return out;
        }
        match port.need() {
            Some(Step::Send(request)) => port.answer(transport.send(&request.as_http())),
            Some(Step::Wait(duration)) => {
                std::thread::sleep(duration);
                port.waited();
            }
            // Pending without a need cannot happen (only `Ask` pends, and it leaves one);
            // were it to, polling again is what a waker would do.
            None => {}
        }
    }
}
