//! The HTTP side: a listening socket, `tiny_http` parsing the requests, one thread that
//! answers them, and one writer thread per event stream.
//!
//! * **What is served**: `GET` of the embedded page (`/`, `/index.html`, `/app.js`,
//!   `/style.css`) and of the event stream `/events`; any other method is `405` (with
//!   `Allow: GET`), any other path `404`. Bound to a loopback address, a request whose
//!   `Host` is not a loopback name with this port is `403` — a web page elsewhere cannot
//!   reach the dashboard by pointing a domain name at 127.0.0.1 (DNS rebinding).
//! * **Streams are bounded**: at most `max_clients` at once (`503` beyond), each ends after
//!   `stream_lifetime` (a chunked answer that ends cleanly) and the page reconnects,
//!   resuming after the last event it saw. A connection idle between requests is closed
//!   after 15 s.
//! * **Nothing blocks training**: the socket is created with a write timeout that the
//!   accepted connections inherit, so a browser that stops reading makes its own writer
//!   thread give up, and only that thread ever waits on its socket.
//! * **Stopping** (on drop): the hub closes every stream, the request loop is woken and
//!   joined (it joins the stream writers), `tiny_http` closes the socket, and the drop
//!   returns once a connection to the port is refused.

use super::hub::{Client, Hub, Next};
use super::page;
use crate::error::{Error, Result};
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tiny_http::{Header, Method, Request, Response};

/// A comment line on an idle stream this often, so proxies and browsers keep it open.
const KEEPALIVE: Duration = Duration::from_secs(10);

/// A connection with no request for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(15);

/// How the server behaves.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Options {
    pub(crate) max_clients: usize,
    pub(crate) stream_lifetime: Duration,
    pub(crate) write_timeout: Duration,
    /// The page's reconnection delay (`retry:`), milliseconds.
    pub(crate) retry_ms: u64,
}

/// The running server; dropping it stops it.
pub(crate) struct Server {
    addr: SocketAddr,
    /// `None` only during the drop.
    http: Option<Arc<tiny_http::Server>>,
    stop: Arc<AtomicBool>,
    hub: Arc<Hub>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

fn server_error(addr: SocketAddr, message: impl Into<String>) -> Error {
    Error::Server {
        addr: addr.to_string(),
        message: message.into(),
    }
}

/// The listening socket, with timeouts its connections inherit: writes to a browser that
/// stopped reading fail after `write_timeout`, and a connection idle between requests is
/// closed after [`IDLE_TIMEOUT`] (so `tiny_http`'s connection threads end too).
fn listen(addr: SocketAddr, write_timeout: Duration) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As std's TcpListener::bind on Unix: a port left in TIME_WAIT by an earlier run can be
    // bound again at once; a port someone listens on still cannot.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.set_write_timeout(Some(write_timeout))?;
    socket.set_read_timeout(Some(IDLE_TIMEOUT))?;
    socket.bind(&addr.into())?;
    socket.listen(128)?;
    Ok(socket.into())
}

fn bind_error(addr: SocketAddr, e: &io::Error) -> Error {
    let why = match e.kind() {
        io::ErrorKind::AddrInUse => format!(
            "port {} is already in use (another program or dashboard listens there); choose \
             another port, or port 0 for any free one",
            addr.port()
        ),
        io::ErrorKind::AddrNotAvailable => {
            format!("{} is not an address of this machine", addr.ip())
        }
        io::ErrorKind::PermissionDenied => format!(
            "no permission to listen on port {} (ports below 1024 need privileges)",
            addr.port()
        ),
        _ => format!("cannot listen: {e}"),
    };
    server_error(addr, why)
}

impl Server {
    /// Listens on `addr` and serves the page and `hub`'s events until dropped.
    pub(crate) fn start(addr: SocketAddr, hub: Arc<Hub>, options: Options) -> Result<Self> {
        let listener = listen(addr, options.write_timeout).map_err(|e| bind_error(addr, &e))?;
        let local = listener.local_addr().map_err(|e| bind_error(addr, &e))?;
        let http = tiny_http::Server::from_listener(listener, None)
            .map_err(|e| server_error(addr, e.to_string()))?;
        let http = Arc::new(http);
        let stop = Arc::new(AtomicBool::new(false));
        let ctx = Context {
            port: local.port(),
            loopback: local.ip().is_loopback(),
            hub: hub.clone(),
            options,
        };
        let thread = {
            let (http, stop) = (http.clone(), stop.clone());
            std::thread::Builder::new()
                .name("deepmultinet-live".into())
                .spawn(move || serve(&http, &stop, &ctx))
                .map_err(|e| server_error(local, format!("cannot start its thread: {e}")))?
        };
        Ok(Server {
            addr: local,
            http: Some(http),
            stop,
            hub,
            thread: Some(thread),
        })
    }

    /// The address it listens on (with the port chosen when `0` was asked for).
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.hub.close();
        if let Some(http) = &self.http {
            http.unblock();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // The request loop held the other reference: this drop makes tiny_http close the
        // listening socket (from its accept thread, which it does not let us join).
        drop(self.http.take());
        wait_until_refused(self.addr);
    }
}

/// Returns once nothing accepts connections on `addr` any more (at most 2 s).
fn wait_until_refused(addr: SocketAddr) {
    let probe = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    };
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        match TcpStream::connect_timeout(&probe, Duration::from_millis(100)) {
            Err(_) => return,
            Ok(s) => {
                drop(s);
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }
}

/// What the request loop needs.
struct Context {
    port: u16,
    loopback: bool,
    hub: Arc<Hub>,
    options: Options,
}

/// The request loop: answers until stopped, then joins the stream writers.
fn serve(http: &tiny_http::Server, stop: &AtomicBool, ctx: &Context) {
    let mut writers: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let request = match http.recv() {
            Ok(r) => r,
            Err(_) => {
                // Woken by `unblock`, or the accept thread failed (then `recv` blocks
                // until the drop wakes it).
                continue;
            }
        };
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let (done, running): (Vec<_>, Vec<_>) = writers.drain(..).partition(|h| h.is_finished());
        writers = running;
        for h in done {
            let _ = h.join();
        }
        if let Some(w) = answer(request, ctx) {
            writers.push(w);
        }
    }
    ctx.hub.close();
    for h in writers {
        let _ = h.join();
    }
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

/// A small answer with the safety headers every answer carries.
fn respond(request: Request, status: u16, content_type: &str, body: &str, extra: &[(&str, &str)]) {
    let mut r = Response::from_string(body).with_status_code(status);
    let common = [
        ("Content-Type", content_type),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Content-Security-Policy", page::CSP),
    ];
    for (k, v) in common.iter().chain(extra) {
        if let Some(h) = header(k, v) {
            r.add_header(h);
        }
    }
    // A client gone before its answer is not an error of the dashboard.
    let _ = request.respond(r);
}

fn header_value<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Whether `host` (a `Host` header) names this machine's loopback on `port`.
pub(crate) fn loopback_host(host: &str, port: u16) -> bool {
    let host = host.trim();
    let (name, p) = match host.rsplit_once(':') {
        Some((n, p)) if !n.is_empty() && !p.contains(']') => (n, p.parse::<u16>().ok()),
        _ => (host, Some(80)),
    };
    let name = name.to_ascii_lowercase();
    matches!(name.as_str(), "127.0.0.1" | "localhost" | "[::1]") && p == Some(port)
}

/// Answers one request; returns the writer thread of a new event stream.
fn answer(request: Request, ctx: &Context) -> Option<JoinHandle<()>> {
    if *request.method() != Method::Get {
        respond(
            request,
            405,
            "text/plain; charset=utf-8",
            "405 method not allowed: the dashboard answers GET only\n",
            &[("Allow", "GET")],
        );
        return None;
    }
    if ctx.loopback && !header_value(&request, "Host").is_some_and(|h| loopback_host(h, ctx.port)) {
        respond(
            request,
            403,
            "text/plain; charset=utf-8",
            "403 forbidden: open the dashboard as http://127.0.0.1:<port>/ or http://localhost:<port>/\n",
            &[],
        );
        return None;
    }
    let path = request.url().split(['?', '#']).next().unwrap_or("");
    if path == "/events" {
        return stream(request, ctx);
    }
    match page::asset(path) {
        Some(a) => respond(request, 200, a.content_type, a.body, &[]),
        None => respond(
            request,
            404,
            "text/plain; charset=utf-8",
            "404 not found: the dashboard serves / and /events\n",
            &[],
        ),
    }
    None
}

/// Starts an event stream on its own thread (or answers 503 when too many are open).
fn stream(request: Request, ctx: &Context) -> Option<JoinHandle<()>> {
    let last = header_value(&request, "Last-Event-ID").map(str::to_owned);
    let chunked = *request.http_version() >= tiny_http::HTTPVersion(1, 1);
    let Some((client, first)) = ctx.hub.connect(last.as_deref(), ctx.options.max_clients) else {
        respond(
            request,
            503,
            "text/plain; charset=utf-8",
            "503 too many event streams are open; close a dashboard tab\n",
            &[("Retry-After", "5")],
        );
        return None;
    };
    let mut writer = request.into_writer();
    let hub = ctx.hub.clone();
    let options = ctx.options;
    let c = client.clone();
    let spawned = std::thread::Builder::new()
        .name("deepmultinet-live-stream".into())
        .spawn(move || {
            // An error is the browser going away (or not reading): the stream just ends.
            let _ = write_stream(&mut *writer, chunked, &hub, &c, &first, &options);
            hub.disconnect(&c);
        });
    match spawned {
        Ok(h) => Some(h),
        Err(_) => {
            ctx.hub.disconnect(&client);
            None
        }
    }
}

/// The event stream's body: chunked for HTTP/1.1 (so the answer ends cleanly when the
/// stream's lifetime is over and the connection can be reused), plain for HTTP/1.0 (which
/// ends by closing).
struct Body<'w> {
    w: &'w mut dyn Write,
    chunked: bool,
    buf: Vec<u8>,
}

impl Body<'_> {
    fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn send(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            if self.chunked {
                write!(self.w, "{:x}\r\n", self.buf.len())?;
                self.w.write_all(&self.buf)?;
                self.w.write_all(b"\r\n")?;
            } else {
                self.w.write_all(&self.buf)?;
            }
            self.buf.clear();
        }
        self.w.flush()
    }

    fn end(&mut self) -> io::Result<()> {
        self.send()?;
        if self.chunked {
            self.w.write_all(b"0\r\n\r\n")?;
        }
        self.w.flush()
    }
}

fn write_stream(
    w: &mut dyn Write,
    chunked: bool,
    hub: &Hub,
    client: &Client,
    first: &[Arc<str>],
    options: &Options,
) -> io::Result<()> {
    write!(
        w,
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\
         X-Accel-Buffering: no\r\n{}\r\n",
        if chunked {
            "Transfer-Encoding: chunked\r\n"
        } else {
            "Connection: close\r\n"
        }
    )?;
    let mut body = Body {
        w,
        chunked,
        buf: Vec::with_capacity(16 * 1024),
    };
    body.push(format!("retry: {}\n\n", options.retry_ms).as_bytes());
    for f in first {
        body.push(f.as_bytes());
    }
    body.send()?;
    // The lifetime is checked to be at most a day (`DashboardConfig::check`).
    let now = Instant::now();
    let end = now.checked_add(options.stream_lifetime).unwrap_or(now);
    let mut frames = Vec::new();
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        match hub.wait(client, (now + KEEPALIVE).min(end), &mut frames) {
            Next::Closed => break,
            Next::Idle => {
                if Instant::now() < end {
                    body.push(b": keep-alive\n\n");
                }
            }
            Next::Frames => {
                for f in &frames {
                    body.push(f.as_bytes());
                }
            }
        }
        body.send()?;
    }
    body.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_accepted_on_loopback() {
        assert!(loopback_host("127.0.0.1:8080", 8080));
        assert!(loopback_host("localhost:8080", 8080));
        assert!(loopback_host("LOCALHOST:8080", 8080));
        assert!(loopback_host("[::1]:8080", 8080));
        assert!(loopback_host("127.0.0.1", 80));
        assert!(!loopback_host("127.0.0.1:8081", 8080));
        assert!(!loopback_host("evil.example:8080", 8080));
        assert!(!loopback_host("127.0.0.1.evil.example:8080", 8080));
        assert!(!loopback_host("", 8080));
    }
}
