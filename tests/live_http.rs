//! The live dashboard over HTTP, as a browser would use it: the page, the event stream
//! during a real training run (one event per epoch, in order, equal to the `History`),
//! clients that disconnect or never read, the port in use, methods and paths that are
//! refused, and the server gone after drop. All traffic stays on 127.0.0.1; every read has
//! a timeout and every test a bounded number of connections.
#![cfg(feature = "live")]

mod live_support;

use deepmultinet::Error;
use deepmultinet::live::{Dashboard, DashboardConfig};
use deepmultinet::train::{Event, Observer};
use live_support::*;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

fn dashboard(config: DashboardConfig) -> Dashboard<f64> {
    Dashboard::new(config).expect("dashboard")
}

fn soon(secs: u64) -> Instant {
    Instant::now() + Duration::from_secs(secs)
}

#[test]
fn serves_the_page_and_its_assets_with_safe_headers() {
    let dash = dashboard(DashboardConfig::default());
    let addr = dash.addr();
    assert!(addr.ip().is_loopback());
    assert_eq!(dash.url(), format!("http://127.0.0.1:{}/", addr.port()));
    let page = request(addr, "GET", "/", None);
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.body.contains("<script src=\"app.js\">"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let same = request(addr, "GET", "/index.html?x=1", None);
    assert_eq!(same.body, page.body);
    let js = request(addr, "GET", "/app.js", None);
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.body.contains("new EventSource('events')"));
    let css = request(addr, "GET", "/style.css", None);
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
}

#[test]
fn only_get_of_known_paths_from_a_loopback_host() {
    let dash = dashboard(DashboardConfig::default());
    let addr = dash.addr();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] {
        for path in ["/", "/events"] {
            let a = request(addr, method, path, None);
            assert_eq!(a.status, 405, "{method} {path}");
            assert_eq!(a.header("allow"), Some("GET"), "{method} {path}");
        }
    }
    for path in [
        "/nope",
        "/../Cargo.toml",
        "/app.js/",
        "/events/x",
        "/favicon.ico",
    ] {
        assert_eq!(request(addr, "GET", path, None).status, 404, "{path}");
    }
    // DNS rebinding: a foreign name for 127.0.0.1 is refused; loopback names are not.
    let port = addr.port();
    assert_eq!(
        request(addr, "GET", "/", Some(&format!("evil.example:{port}"))).status,
        403
    );
    assert_eq!(
        request(addr, "GET", "/events", Some("evil.example")).status,
        403
    );
    assert_eq!(
        request(addr, "GET", "/", Some(&format!("localhost:{port}"))).status,
        200
    );
}

#[test]
fn one_event_per_epoch_in_order_equal_to_the_history() {
    let mut dash = dashboard(DashboardConfig::default());
    let addr = dash.addr();
    let mut early = Stream::open(addr, None);
    assert_eq!(early.status, 200);
    assert!(early.content_type.starts_with("text/event-stream"));
    // The replay of an empty run: reset, config, synced.
    let first = early.until("synced", soon(10));
    let kinds: Vec<&str> = first.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["reset", "config", "synced"]);
    assert!(first.last().unwrap().id.is_some());

    let mut net = network(1);
    let (xv, yv) = problem(60, 2);
    dash = dash.with_validation(&net, &xv, &yv).expect("validation");
    let history = train(&mut net, 7, &mut dash);
    assert_eq!(history.epochs.len(), 7);

    let check = |events: &[Sse]| {
        let epochs: Vec<&Sse> = events.iter().filter(|e| e.kind == "epoch").collect();
        assert_eq!(epochs.len(), history.epochs.len(), "one event per epoch");
        for (e, r) in epochs.iter().zip(&history.epochs) {
            let d = &e.data;
            assert_eq!(number(d, "epoch"), Some(r.epoch as f64));
            assert_eq!(number(d, "cost"), Some(r.cost), "bit-equal cost");
            assert_eq!(number(d, "train_accuracy"), r.train_accuracy);
            assert_eq!(number(d, "validation_accuracy"), r.validation_accuracy);
            assert_eq!(number(d, "validation_cost"), r.validation_cost);
            assert_eq!(number(d, "train_seconds"), Some(r.train_seconds));
            assert_eq!(number(d, "eval_seconds"), Some(r.eval_seconds));
        }
        // The validation confusion matrix at each epoch's end: same data, same accuracy.
        let confusion: Vec<&Sse> = events.iter().filter(|e| e.kind == "confusion").collect();
        assert!(!confusion.is_empty());
        let c = confusion.last().unwrap();
        let r = history.last().unwrap();
        assert_eq!(number(&c.data, "epoch"), Some(r.epoch as f64));
        assert_eq!(number(&c.data, "accuracy"), r.validation_accuracy);
        assert_eq!(number(&c.data, "total"), Some(60.0));
        assert!(events.iter().any(|e| e.kind == "units"));
        assert!(events.iter().any(|e| e.kind == "batch"));
    };

    let live = early.until("finished", soon(20));
    assert_eq!(live.first().map(|e| e.kind.as_str()), Some("start"));
    assert_eq!(live.last().map(|e| e.kind.as_str()), Some("finished"));
    assert!(live.iter().all(|e| e.id.is_some()), "live events carry ids");
    check(&live);
    // Confusion events of the live stream: one per epoch, in order.
    let cm: Vec<f64> = live
        .iter()
        .filter(|e| e.kind == "confusion")
        .filter_map(|e| number(&e.data, "epoch"))
        .collect();
    assert_eq!(cm, (1..=7).map(f64::from).collect::<Vec<_>>());

    // A page opened after training gets the same epochs from the replay.
    let mut late = Stream::open(addr, None);
    let replay = late.until("synced", soon(10));
    assert_eq!(replay.first().map(|e| e.kind.as_str()), Some("reset"));
    check(&replay);
    assert!(replay.iter().any(|e| e.kind == "finished"));
    assert_eq!(dash.clients(), 2);
}

#[test]
fn classifying_sends_the_seven_panels() {
    let mut dash = dashboard(DashboardConfig {
        image: Some(deepmultinet::data::ImageShape::row_major(4, 4)),
        class_names: vec!["row".into(), "column".into(), "diagonal".into()],
        ..DashboardConfig::default()
    });
    let mut net = network(2);
    train(&mut net, 5, &mut dash);
    let mut s = Stream::open(dash.addr(), None);
    s.until("synced", soon(10));
    let (x, y) = problem(30, 9);
    let report = dash.classify(&net, &x, &y, 200.0, 20).expect("classify");
    assert_eq!(report.samples, 20);
    assert!(report.seconds >= 19.0 / 200.0, "paced at the rate");
    let mut events = Vec::new();
    let until = soon(10);
    while events.iter().filter(|e: &&Sse| e.kind == "sample").count() < 20 && Instant::now() < until
    {
        events.extend(s.until("sample", until));
    }
    let samples: Vec<&Sse> = events.iter().filter(|e| e.kind == "sample").collect();
    assert_eq!(samples.len(), 20);
    let last = &samples[19].data;
    assert_eq!(number(last, "shown"), Some(20.0));
    assert_eq!(number(last, "correct"), Some(report.correct as f64));
    for key in [
        "image",
        "probabilities",
        "columns",
        "edges",
        "layers",
        "histogram",
        "recent",
        "counts",
    ] {
        assert!(last.contains(&format!("\"{key}\":")), "{key}");
    }
    assert!(last.contains("\"classes\":[\"row\",\"column\",\"diagonal\"]"));
    assert!(dash.classify(&net, &x, &y, 0.0, 1).is_err());
    assert!(dash.classify(&net, &x, &y[..3], 1.0, 1).is_err());
}

/// Runs `f` at the end of epoch `at`.
struct AtEpoch<F: FnMut()>(usize, F);
impl<F: FnMut()> Observer<f64> for AtEpoch<F> {
    fn on_event(&mut self, e: &Event<'_, f64>) -> ControlFlow<()> {
        if let Event::EpochFinished { record, .. } = e
            && record.epoch == self.0
        {
            (self.1)();
        }
        ControlFlow::Continue(())
    }
}

#[test]
fn a_browser_that_disconnects_mid_stream_does_not_stop_training() {
    let mut dash = dashboard(DashboardConfig::default());
    let mut s = Some(Stream::open(dash.addr(), None));
    if let Some(s) = s.as_mut() {
        s.until("synced", soon(10));
    }
    let mut net = network(3);
    let mut hook = AtEpoch(2, || {
        // Mid-run: read one event, then hang up.
        if let Some(mut st) = s.take() {
            assert!(st.next().is_some());
            let _ = st.into_inner().shutdown(std::net::Shutdown::Both);
        }
    });
    let history = train(&mut net, 6, &mut (&mut dash, &mut hook));
    assert_eq!(history.epochs.len(), 6, "training went on");
    // The writer notices at its next write and unregisters.
    let until = soon(10);
    while dash.clients() > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(dash.clients(), 0);
    // Another page still gets everything.
    let mut again = Stream::open(dash.addr(), None);
    let replay = again.until("synced", soon(10));
    assert_eq!(replay.iter().filter(|e| e.kind == "epoch").count(), 6);
}

#[test]
fn a_browser_that_never_reads_does_not_block_training_or_drop() {
    let mut dash = dashboard(DashboardConfig {
        // A point per batch and a small queue: the stalled page's queue overflows fast.
        batch_interval: Duration::ZERO,
        queue_len: 16,
        ..DashboardConfig::default()
    });
    let addr = dash.addr();
    let stalled = Stream::open(addr, None).into_inner(); // never read again
    let mut net = network(4);
    let t0 = Instant::now();
    let history = train(&mut net, 20, &mut dash);
    assert_eq!(history.epochs.len(), 20);
    assert!(
        t0.elapsed() < Duration::from_secs(20),
        "training took {:?}",
        t0.elapsed()
    );
    // Classify until the stalled page's socket buffers are full and its writer has timed
    // out (2 s) and given up its slot; no call waits for it.
    let (x, y) = problem(60, 3);
    let until = soon(40);
    let mut rounds = 0;
    while dash.clients() > 0 && Instant::now() < until {
        let t = Instant::now();
        let r = dash
            .classify(&net, &x, &y, f64::INFINITY, 60)
            .expect("classify");
        assert_eq!(r.samples, 60);
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "a round took {:?}",
            t.elapsed()
        );
        rounds += 1;
    }
    assert_eq!(
        dash.clients(),
        0,
        "the stalled writer gave up after {rounds} rounds"
    );
    let t1 = Instant::now();
    drop(dash);
    assert!(
        t1.elapsed() < Duration::from_secs(5),
        "drop took {:?}",
        t1.elapsed()
    );
    drop(stalled);
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let err = Dashboard::<f64>::new(DashboardConfig {
        port,
        ..DashboardConfig::default()
    })
    .expect_err("port in use");
    match &err {
        Error::Server { addr, message } => {
            assert_eq!(addr, &format!("127.0.0.1:{port}"));
            assert!(message.contains("already in use"), "{message}");
        }
        other => panic!("expected Error::Server, got {other:?}"),
    }
    assert!(err.to_string().contains(&port.to_string()));
    // A second dashboard on a dashboard's port: the same error.
    let first = dashboard(DashboardConfig::default());
    let again = Dashboard::<f64>::new(DashboardConfig {
        port: first.addr().port(),
        ..DashboardConfig::default()
    });
    assert!(matches!(again, Err(Error::Server { .. })));
}

#[test]
fn the_server_is_gone_after_drop() {
    let dash = dashboard(DashboardConfig::default());
    let addr = dash.addr();
    let mut s = Stream::open(addr, None);
    s.until("synced", soon(10));
    let t0 = Instant::now();
    drop(dash);
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "drop took {:?}",
        t0.elapsed()
    );
    // The open stream has ended, and nothing accepts connections on the port any more.
    assert!(s.until("never", soon(5)).is_empty());
    assert!(s.ended());
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    // The port can be used again at once.
    let reused = dashboard(DashboardConfig {
        port: addr.port(),
        ..DashboardConfig::default()
    });
    assert_eq!(reused.addr(), addr);
}

#[test]
fn streams_are_bounded_in_number_and_time_and_resume_where_they_ended() {
    let mut dash = dashboard(DashboardConfig {
        max_clients: 1,
        stream_lifetime: Duration::from_millis(300),
        ..DashboardConfig::default()
    });
    let addr = dash.addr();
    let mut one = Stream::open(addr, None);
    let replay = one.until("synced", soon(10));
    let last_id = replay.last().and_then(|e| e.id.clone()).expect("synced id");
    // A second stream while the first is open: 503.
    let busy = request(addr, "GET", "/events", None);
    assert_eq!(busy.status, 503);
    assert!(busy.header("retry-after").is_some());
    // The first ends by itself after its lifetime: a complete (chunked) answer.
    let t0 = Instant::now();
    assert!(one.until("never", soon(5)).is_empty());
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    assert!(one.chunked && one.ended());
    // Events published meanwhile are resumed from the last id, without a replay.
    let mut net = network(5);
    let (xv, yv) = problem(60, 2);
    dash = dash.with_validation(&net, &xv, &yv).expect("validation");
    let history = train(&mut net, 3, &mut dash);
    let until = soon(5);
    while dash.clients() > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut resumed = Stream::open(addr, Some(&last_id));
    let events = resumed.until("finished", soon(10));
    assert_eq!(events.first().map(|e| e.kind.as_str()), Some("start"));
    assert!(!events.iter().any(|e| e.kind == "reset"));
    assert_eq!(
        events.iter().filter(|e| e.kind == "epoch").count(),
        history.epochs.len()
    );
    // An unknown id gets the full replay.
    drop(resumed);
    let until = soon(5);
    while dash.clients() > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut other = Stream::open(addr, Some("beef.3"));
    assert_eq!(other.next().map(|e| e.kind), Some("reset".to_string()));
}

#[test]
fn finish_tells_every_page_that_the_run_is_over() {
    let mut dash = dashboard(DashboardConfig::default());
    let mut s = Stream::open(dash.addr(), None);
    s.until("synced", soon(10));
    dash.finish();
    assert_eq!(s.next().map(|e| e.kind), Some("end".to_string()));
    let mut late = Stream::open(dash.addr(), None);
    let replay = late.until("end", soon(10));
    assert_eq!(replay.last().map(|e| e.kind.as_str()), Some("end"));
}

#[test]
fn bad_configurations_and_inputs_are_errors() {
    for config in [
        DashboardConfig {
            max_clients: 0,
            ..DashboardConfig::default()
        },
        DashboardConfig {
            queue_len: 0,
            ..DashboardConfig::default()
        },
        DashboardConfig {
            stream_lifetime: Duration::ZERO,
            ..DashboardConfig::default()
        },
    ] {
        assert!(matches!(
            Dashboard::<f64>::new(config),
            Err(Error::InvalidParameter { .. })
        ));
    }
    let net = network(6);
    let (x, y) = problem(10, 1);
    let dash = dashboard(DashboardConfig::default());
    let bad_labels = vec![7usize; 10];
    assert!(matches!(
        dash.with_validation(&net, &x, &bad_labels),
        Err(Error::LabelOutOfRange { .. })
    ));
    let mut dash = dashboard(DashboardConfig::default());
    let short = nalgebra::DVector::from_element(3, 0.0);
    assert!(matches!(
        dash.show_sample(&net, short.as_view(), 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        dash.show_sample(&net, x.column(0), 3),
        Err(Error::LabelOutOfRange { .. })
    ));
    assert!(dash.show_sample(&net, x.column(0), y[0]).is_ok());
}
