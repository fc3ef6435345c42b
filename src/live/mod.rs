//! Watch it learn, live: a [`Dashboard`] is a training [`Observer`](crate::train::Observer)
//! that serves one page on `127.0.0.1` and streams to it what happens, as it happens
//! (cargo feature `live`, off by default).
//!
//! **While training** the page shows the cost of every (thinned) batch and every epoch,
//! training and validation accuracy, each epoch's time and samples per second, the first
//! layer's hidden units as images and the validation confusion matrix at each epoch's end
//! (with [`Dashboard::with_validation`]). **While classifying** — after or between epochs,
//! one sample at a time with [`Dashboard::show_sample`] or at a chosen rate with
//! [`Dashboard::classify`] — it shows seven panels: the input with its true label,
//! prediction and confidence; the output probabilities; the network's activity (neurons as
//! circles shaded by activation, the input's most active pixels, a subset of each wide
//! hidden layer marked "⋮", the labelled outputs, connections by the strength of their
//! signal |w·a|); the confusion matrix of the samples shown and its accuracy; mean and max
//! activation per layer; the histogram of the weights into the predicted unit; the
//! confidence of the last 50 predictions. The numbers are computed as the `inspect` module
//! computes them for pictures (see `snapshot.rs` for the definitions).
//!
//! **How it works**: Server-Sent Events on `/events` (one stream per open page; a page that
//! opens late first gets a replay of the run so far), the page's HTML, script and style
//! embedded in the library (`GET /`, `/app.js`, `/style.css`: no CDN, works offline), a
//! `tiny_http` server on its own thread. The library stays synchronous: the observer only
//! formats and queues messages.
//!
//! **It does not slow training**: batch events are thinned by time (at most one point per
//! [`DashboardConfig::batch_interval`], 250 ms by default); between points the observer adds
//! two numbers and reads the clock — no allocation, no lock. Epoch ends cost a copy of the
//! first layer's weights into a picture and, with a validation set, one forward pass over it
//! (the confusion matrix). Browsers are served from other threads through bounded queues
//! (the oldest messages are dropped for a browser that reads too slowly, which then gets a
//! fresh replay): no socket write ever waits on the training thread, and a browser that
//! never reads only times out its own connection. `benches/live_overhead.rs` measures it.
//!
//! **Safe by default**: it listens on loopback only (another [`DashboardConfig::ip`] must be
//! asked for), answers only `GET` of its own files and the event stream (405 for other
//! methods, 404 for other paths, 403 for a `Host` that is not this loopback port — so a
//! web page elsewhere cannot reach it through DNS rebinding), at most
//! [`DashboardConfig::max_clients`] streams at once. A port in use is
//! [`Error::Server`]. Dropping the dashboard stops the server: its
//! threads are joined and the port is closed when `drop` returns.
//!
//! ```
//! use deepmultinet::live::{Dashboard, DashboardConfig};
//! use deepmultinet::optim::{Adam, AdamConfig};
//! use deepmultinet::prelude::*;
//! use rand::SeedableRng;
//!
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
//! let mut net = Network::builder(4)
//!     .hidden(8, Relu)
//!     .output(2, SoftmaxCrossEntropy::<f32>::new())
//!     .init(Init::He)
//!     .build(&mut rng)?;
//! // Class 1 when the first two features outweigh the last two; 2×2 "images".
//! let x = nalgebra::DMatrix::<f32>::from_fn(4, 64, |i, j| ((i * 7 + j * 3) % 10) as f32 / 10.0);
//! let y: Vec<usize> = x.column_iter().map(|c| usize::from(c[0] + c[1] > c[2] + c[3])).collect();
//!
//! // Port 0: any free port. The page is at `dash.url()`.
//! let config = DashboardConfig { port: 0, ..DashboardConfig::default() };
//! let mut dash = Dashboard::new(config)?.with_validation(&net, &x, &y)?;
//! assert!(dash.url().starts_with("http://127.0.0.1:"));
//!
//! let mut adam = Adam::new(AdamConfig { learning_rate: 0.01, ..Default::default() })?;
//! let trainer = Trainer::new(TrainConfig { epochs: 5, batch_size: 16, ..Default::default() })?;
//! let history = trainer.fit(&mut net, &mut adam, &x, &y, &mut rng, &mut dash)?;
//! assert_eq!(history.epochs.len(), 5);
//!
//! // Then step through samples (here as fast as possible; a person would pick 2 per second).
//! let report = dash.classify(&net, &x, &y, f64::INFINITY, 10)?;
//! assert_eq!(report.samples, 10);
//! dash.finish(); // pages show "finished" and stop reconnecting
//! # Ok::<(), deepmultinet::Error>(())
//! ```

mod classify;
mod events;
mod hub;
mod observer;
mod page;
mod server;
mod snapshot;

pub use classify::ClassifyReport;

use crate::data::ImageShape;
use crate::error::{Error, Result};
use crate::loss::OutputLoss;
use crate::metrics::ConfusionMatrix;
use crate::network::Network;
use crate::scalar::Scalar;
use hub::Hub;
use nalgebra::{DMatrix, DMatrixView};
use server::Server;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How a [`Dashboard`] listens and what it shows.
///
/// ```
/// use deepmultinet::live::DashboardConfig;
/// use deepmultinet::data::{ImageShape, FASHION_MNIST_CLASSES};
/// let config = DashboardConfig {
///     port: 8765,
///     title: "Fashion-MNIST, 784-128-64-10".into(),
///     class_names: FASHION_MNIST_CLASSES.iter().map(|s| s.to_string()).collect(),
///     image: Some(ImageShape::row_major(28, 28)),
///     ..DashboardConfig::default()
/// };
/// assert!(config.ip.is_loopback());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardConfig {
    /// The address to listen on: `127.0.0.1` by default. Anything else (`0.0.0.0`, a
    /// network interface) lets other machines watch — and read your samples — so only
    /// when you mean it.
    pub ip: IpAddr,
    /// The port; `0` (the default) lets the system pick a free one (see
    /// [`Dashboard::url`]).
    pub port: u16,
    /// The page's heading.
    pub title: String,
    /// One name per class (for axes and labels); empty, or a count that does not match the
    /// network's outputs, means the class numbers.
    pub class_names: Vec<String>,
    /// How a sample's features form a picture (inputs and hidden units are drawn as
    /// images); `None` (the default) takes a square row-major image when the number of
    /// inputs is a perfect square (MNIST's 784 = 28 × 28) and draws no pictures otherwise.
    pub image: Option<ImageShape>,
    /// At most one batch-cost point per this interval (default 250 ms); the point is the
    /// mean cost of the batches since the last one. Shorter intervals cost an allocation
    /// per point.
    pub batch_interval: Duration,
    /// First-layer units drawn as images, at most (default 64).
    pub hidden_units: usize,
    /// Input pixels in the activity diagram: the most active ones (default 15).
    pub activity_inputs: usize,
    /// Units of a hidden layer in the activity diagram; wider layers show their most
    /// active ones and "⋮" (default 12).
    pub activity_units: usize,
    /// Bins of the histogram of the weights into the predicted unit (default 30).
    pub histogram_bins: usize,
    /// Event streams (open pages) served at once (default 8); more get 503.
    pub max_clients: usize,
    /// Messages queued for one page before the oldest are dropped (default 256).
    pub queue_len: usize,
    /// Each event stream ends after this long (default 30 s) and the page reconnects at
    /// once, resuming after the last event it saw. Bounds how long any connection is held.
    pub stream_lifetime: Duration,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            title: "deepmultinet".into(),
            class_names: Vec::new(),
            image: None,
            batch_interval: Duration::from_millis(250),
            hidden_units: 64,
            activity_inputs: 15,
            activity_units: 12,
            histogram_bins: 30,
            max_clients: 8,
            queue_len: 256,
            stream_lifetime: Duration::from_secs(30),
        }
    }
}

impl DashboardConfig {
    /// Checks the counts and durations.
    ///
    /// ```
    /// use deepmultinet::live::DashboardConfig;
    /// assert!(DashboardConfig::default().check().is_ok());
    /// let none = DashboardConfig { max_clients: 0, ..DashboardConfig::default() };
    /// assert!(none.check().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a count of 0 (`hidden_units` may be 0: no pictures)
    /// or a `stream_lifetime` of 0 or more than a day.
    pub fn check(&self) -> Result<()> {
        use crate::check::at_least_one;
        at_least_one("activity_inputs", self.activity_inputs)?;
        at_least_one("activity_units", self.activity_units)?;
        at_least_one("histogram_bins", self.histogram_bins)?;
        at_least_one("max_clients", self.max_clients)?;
        at_least_one("queue_len", self.queue_len)?;
        let life = self.stream_lifetime.as_secs_f64();
        if self.stream_lifetime.is_zero() || life > 86_400.0 {
            return Err(crate::check::invalid(
                "stream_lifetime",
                life,
                "> 0 and at most 86400 seconds",
            ));
        }
        Ok(())
    }

    /// The name of class `k`.
    fn class_names(&self, classes: usize) -> Vec<String> {
        if self.class_names.len() == classes {
            self.class_names.clone()
        } else {
            (0..classes).map(|k| k.to_string()).collect()
        }
    }
}

/// Computes the validation confusion matrix at θ (a network and a validation set kept by
/// the dashboard).
trait ValidationSet<T>: Send {
    fn confusion(&mut self, params: &[T]) -> Result<ConfusionMatrix>;
}

struct Held<L: OutputLoss> {
    net: Network<L>,
    x: DMatrix<L::Scalar>,
    labels: Vec<usize>,
}

impl<L: OutputLoss> ValidationSet<L::Scalar> for Held<L> {
    fn confusion(&mut self, params: &[L::Scalar]) -> Result<ConfusionMatrix> {
        self.net.set_params(params)?;
        ConfusionMatrix::from_network(&self.net, &self.x, &self.labels)
    }
}

/// The live dashboard: an observer of training (pass `&mut dashboard` to
/// [`Trainer::fit`](crate::train::Trainer::fit)) and a display of classified samples, served
/// to browsers at [`url`](Self::url) until it is dropped. See the [module docs](self).
pub struct Dashboard<T: Scalar> {
    config: DashboardConfig,
    hub: Arc<Hub>,
    server: Server,
    url: String,
    train: observer::TrainState,
    validation: Option<Box<dyn ValidationSet<T>>>,
    samples: classify::SampleState<T>,
}

impl<T: Scalar> std::fmt::Debug for Dashboard<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("url", &self.url)
            .field("clients", &self.clients())
            .field("validation", &self.validation.is_some())
            .finish()
    }
}

impl<T: Scalar> Dashboard<T> {
    /// Starts serving the page on `config.ip:config.port`.
    ///
    /// ```
    /// use deepmultinet::live::{Dashboard, DashboardConfig};
    /// let dash = Dashboard::<f32>::new(DashboardConfig::default())?; // 127.0.0.1, any port
    /// assert_eq!(dash.url(), format!("http://127.0.0.1:{}/", dash.addr().port()));
    /// assert_eq!(dash.clients(), 0);
    /// // The same port again: the error says so.
    /// let port = dash.addr().port();
    /// let busy = Dashboard::<f32>::new(DashboardConfig { port, ..Default::default() });
    /// assert!(matches!(busy, Err(deepmultinet::Error::Server { .. })));
    /// drop(dash); // stops the server; the port is free again
    /// # Ok::<(), deepmultinet::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Server`] when the port is in use (or the address is not this machine's, or
    /// the port needs privileges); [`Error::InvalidParameter`] as
    /// [`DashboardConfig::check`].
    pub fn new(config: DashboardConfig) -> Result<Self> {
        config.check()?;
        let hub = Arc::new(Hub::new(config.queue_len));
        let options = server::Options {
            max_clients: config.max_clients,
            stream_lifetime: config.stream_lifetime,
            write_timeout: Duration::from_secs(2),
            retry_ms: 500,
        };
        let server = Server::start(
            SocketAddr::new(config.ip, config.port),
            hub.clone(),
            options,
        )?;
        let addr = server.addr();
        let ip = match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let url = format!("http://{}/", SocketAddr::new(ip, addr.port()));
        let mut dash = Dashboard {
            train: observer::TrainState::default(),
            samples: classify::SampleState::default(),
            validation: None,
            config,
            hub,
            server,
            url,
        };
        dash.publish_config();
        Ok(dash)
    }

    /// Computes the confusion matrix of `x` (`inputs × m`) against `labels` at every
    /// epoch's end, with a copy of `net` (its activations and head; θ comes from the
    /// event) and of the data — pass the validation set the trainer evaluates, or a part
    /// of it (the cost is one forward pass over it per epoch).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] / [`Error::EmptyBatch`] for an `x` that does not fit `net`
    /// or a label count that differs from its columns; [`Error::LabelOutOfRange`] for a
    /// label not below the outputs.
    pub fn with_validation<'a, L: OutputLoss<Scalar = T>>(
        mut self,
        net: &Network<L>,
        x: impl Into<DMatrixView<'a, T>>,
        labels: &[usize],
    ) -> Result<Self> {
        let x = x.into();
        let m = net.check_batch(&x, "live dashboard: validation set")?;
        if labels.len() != m {
            return Err(Error::shape(
                "live dashboard: validation labels (columns)",
                m,
                labels.len(),
            ));
        }
        crate::targets::check_labels(labels, net.outputs())?;
        self.validation = Some(Box::new(Held {
            net: net.clone(),
            x: x.into_owned(),
            labels: labels.to_vec(),
        }));
        Ok(self)
    }

    /// The page's address, e.g. `http://127.0.0.1:8765/` (with the port the system chose
    /// for port 0; a dashboard on all interfaces gives its loopback address).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// How many pages are connected to the event stream now.
    pub fn clients(&self) -> usize {
        self.hub.clients()
    }

    /// The configuration.
    pub fn config(&self) -> &DashboardConfig {
        &self.config
    }

    /// Tells the pages that nothing more will come: they show "finished" and stop
    /// reconnecting (the server still serves the page and the final state until the
    /// dashboard is dropped). See the [module docs](self) for a whole run.
    pub fn finish(&mut self) {
        self.hub.publish(&events::Obj::new().message("end"));
    }

    fn publish_config(&mut self) {
        let msg = events::Obj::new()
            .str("title", &self.config.title)
            .message("config");
        self.hub.publish(&msg);
    }
}
