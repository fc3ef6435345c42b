//! Helpers for the live dashboard's tests: a tiny HTTP/1.1 client and an event-stream reader
//! over plain `TcpStream`s to 127.0.0.1 (every read has a timeout), a small training problem,
//! and a field reader for the dashboard's flat JSON.
#![allow(dead_code)]

use deepmultinet::optim::{Adam, AdamConfig};
use deepmultinet::prelude::*;
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Longest any single read waits.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A response: status, header lines (lower-cased names), body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(READ_TIMEOUT)).expect("timeout");
    s.set_write_timeout(Some(READ_TIMEOUT)).expect("timeout");
    s
}

fn host(addr: SocketAddr) -> String {
    format!("127.0.0.1:{}", addr.port())
}

/// Sends one request (`Connection: close`) and reads the whole answer.
pub fn request(addr: SocketAddr, method: &str, path: &str, host_header: Option<&str>) -> Answer {
    let mut s = connect(addr);
    let h = host_header.map_or_else(|| host(addr), str::to_owned);
    let body = if method == "POST" || method == "PUT" {
        "x=1"
    } else {
        ""
    };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write request");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read answer");
    parse_answer(&String::from_utf8_lossy(&raw))
}

fn parse_answer(text: &str) -> Answer {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// One server-sent event.
#[derive(Clone, Debug, PartialEq)]
pub struct Sse {
    pub kind: String,
    pub data: String,
    pub id: Option<String>,
}

/// An event stream's body: plain, or HTTP/1.1 chunks decoded.
pub struct Body {
    inner: BufReader<TcpStream>,
    chunked: bool,
    left: usize,
    done: bool,
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.chunked {
            return self.inner.read(buf);
        }
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut line = String::new();
            self.inner.read_line(&mut line)?;
            let n = usize::from_str_radix(line.trim(), 16).map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("chunk size {line:?}"),
                )
            })?;
            if n == 0 {
                self.done = true;
                let mut crlf = String::new();
                self.inner.read_line(&mut crlf)?;
                return Ok(0);
            }
            self.left = n;
        }
        let want = buf.len().min(self.left);
        let k = self.inner.read(&mut buf[..want])?;
        if k == 0 {
            return Ok(0);
        }
        self.left -= k;
        if self.left == 0 {
            let mut crlf = [0u8; 2];
            self.inner.read_exact(&mut crlf)?;
        }
        Ok(k)
    }
}

/// An open `/events` stream.
pub struct Stream {
    reader: BufReader<Body>,
    raw: TcpStream,
    pub status: u16,
    pub content_type: String,
    /// Whether the answer ended (the last chunk came): the stream closed cleanly.
    pub chunked: bool,
}

impl Stream {
    pub fn open(addr: SocketAddr, last_id: Option<&str>) -> Stream {
        let mut s = connect(addr);
        let raw = s.try_clone().expect("clone");
        let last = last_id.map_or(String::new(), |id| format!("Last-Event-ID: {id}\r\n"));
        write!(
            s,
            "GET /events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n{last}\r\n",
            host(addr)
        )
        .expect("write request");
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        reader.read_line(&mut line).expect("status line");
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut content_type = String::new();
        let mut chunked = false;
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-type") {
                    content_type = v.trim().to_string();
                }
                if k.eq_ignore_ascii_case("transfer-encoding") && v.trim() == "chunked" {
                    chunked = true;
                }
            }
        }
        Stream {
            reader: BufReader::new(Body {
                inner: reader,
                chunked,
                left: 0,
                done: false,
            }),
            raw,
            status,
            content_type,
            chunked,
        }
    }

    /// Whether the answer came to its end (the last chunk).
    pub fn ended(&self) -> bool {
        self.reader.get_ref().done
    }

    /// The next event, or `None` when the stream ends (or a read times out).
    pub fn next(&mut self) -> Option<Sse> {
        let (mut kind, mut data, mut id) = (String::from("message"), String::new(), None);
        let mut seen = false;
        let mut line = String::new();
        loop {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            let l = line.trim_end_matches(['\r', '\n']);
            if l.is_empty() {
                if seen {
                    return Some(Sse { kind, data, id });
                }
                continue;
            }
            if l.starts_with(':') {
                continue;
            }
            let (field, value) = l.split_once(':').unwrap_or((l, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => kind = value.to_string(),
                "data" => data.push_str(value),
                "id" => id = Some(value.to_string()),
                _ => continue,
            }
            seen = true;
        }
    }

    /// Events until one of `kind` (included) or `deadline`.
    pub fn until(&mut self, kind: &str, deadline: Instant) -> Vec<Sse> {
        let mut out = Vec::new();
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let wait = (deadline - now)
                .min(READ_TIMEOUT)
                .max(Duration::from_millis(1));
            let _ = self.raw.set_read_timeout(Some(wait));
            match self.next() {
                Some(e) => {
                    let stop = e.kind == kind;
                    out.push(e);
                    if stop {
                        break;
                    }
                }
                None => break,
            }
        }
        out
    }

    pub fn into_inner(self) -> TcpStream {
        self.raw
    }
}

/// The raw JSON text of a top-level field of an object (`"key":value`; a number, `null`,
/// `true`/`false` or a string — nested objects and arrays are skipped over).
pub fn field<'a>(data: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":");
    let bytes = data.as_bytes();
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
        } else {
            match c {
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth -= 1,
                b'"' => {
                    if depth == 1 && data[i..].starts_with(&pat) {
                        let rest = &data[i + pat.len()..];
                        let end = rest.find([',', '}']).unwrap_or(rest.len());
                        return Some(&rest[..end]);
                    }
                    in_str = true;
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// A field as a number (`None` for `null` or missing).
pub fn number(data: &str, key: &str) -> Option<f64> {
    field(data, key).and_then(|v| v.parse().ok())
}

pub type Net = Network<SoftmaxCrossEntropy<f64>>;

/// A small problem: 4×4 "images" of 3 classes (a bright row, column or diagonal), noisy.
pub fn problem(m: usize, seed: u64) -> (DMatrix<f64>, Vec<usize>) {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut noise = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) * 0.3
    };
    let labels: Vec<usize> = (0..m).map(|j| j % 3).collect();
    let x = DMatrix::from_fn(16, m, |i, j| {
        let (r, c) = (i / 4, i % 4);
        let k = (j / 3) % 4;
        let on = match labels[j] {
            0 => r == k,
            1 => c == k,
            _ => r == c,
        };
        f64::from(u8::from(on)) * 0.7 + noise()
    });
    (x, labels)
}

pub fn network(seed: u64) -> Net {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Network::builder(16)
        .hidden(8, Relu)
        .output(3, SoftmaxCrossEntropy::new())
        .init(Init::He)
        .build(&mut rng)
        .expect("network")
}

/// Trains `net` on `problem(240)` with validation on `problem(60)`, reporting to `observer`.
pub fn train(net: &mut Net, epochs: usize, observer: &mut dyn Observer<f64>) -> History {
    let (x, y) = problem(240, 1);
    let (xv, yv) = problem(60, 2);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let mut adam = Adam::new(AdamConfig {
        learning_rate: 0.02,
        ..AdamConfig::default()
    })
    .expect("adam");
    Trainer::new(TrainConfig {
        epochs,
        batch_size: 16,
        ..TrainConfig::default()
    })
    .and_then(|t| t.with_validation(&xv, &yv))
    .and_then(|t| t.fit(net, &mut adam, &x, &y, &mut rng, observer))
    .expect("training")
}
