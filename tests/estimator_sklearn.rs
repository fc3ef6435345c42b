//! The estimator against scikit-learn's `MLPClassifier` on scikit-learn's bundled digits,
//! iris, wine and breast-cancer data, on the same five stratified splits.
//!
//! Checked against the following scikit-learn code (`tests/fixtures/sklearn/export.py`,
//! scikit-learn 1.9.1, numpy 2.4.6), which also wrote the CSV fixtures and the splits:
//!
//! ```python
//! for name, load in LOADERS.items():               # digits, iris, wine, breast_cancer
//!     d = load(); X, y = d.data, d.target
//!     for seed in range(5):
//!         tr, te = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y,
//!                                   random_state=seed)          # te -> <name>_test_rows.csv
//!         clf = make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))
//!         clf.fit(X[tr], y[tr]); accs.append(clf.score(X[te], y[te]))
//! ```
//!
//! which printed (accuracy over the five splits; fit seconds with one BLAS thread on a
//! loaded 2-core machine):
//!
//! ```text
//! digits: n=1797 features=64 classes=10 acc mean=0.9778 sd=0.0044 per seed=[0.9778, 0.9733, 0.9733, 0.9822, 0.9822] fit seconds mean=1.903
//! iris: n=150 features=4 classes=3 acc mean=0.9474 sd=0.0492 per seed=[0.9737, 0.9474, 1.0, 0.8684, 0.9474] fit seconds mean=0.214
//! wine: n=178 features=13 classes=3 acc mean=0.9867 sd=0.0122 per seed=[1.0, 0.9778, 0.9778, 1.0, 0.9778] fit seconds mean=0.224
//! breast_cancer: n=569 features=30 classes=2 acc mean=0.9664 sd=0.0159 per seed=[0.951, 0.951, 0.979, 0.986, 0.965] fit seconds mean=0.696
//! ```
//!
//! Our side uses the estimator's defaults, which follow `MLPClassifier`'s (and scale like
//! the pipeline's `StandardScaler`), with the split's seed. Each data set must reach at
//! least scikit-learn's mean accuracy minus one standard deviation (mean over the same
//! five splits). Run with `--nocapture` to see our accuracy and fit time.

use deepmultinet::estimator::Classifier;
use nalgebra::DMatrix;
use std::path::PathBuf;
use std::time::Instant;

/// scikit-learn's accuracy: (mean, standard deviation) over the five splits.
const SKLEARN: [(&str, f64, f64); 4] = [
    ("digits", 0.9778, 0.0044),
    ("iris", 0.9474, 0.0492),
    ("wine", 0.9867, 0.0122),
    ("breast_cancer", 0.9664, 0.0159),
];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sklearn")
        .join(name)
}

/// Features (rows are samples) and the text labels of `<name>.csv`.
fn read(name: &str) -> (DMatrix<f64>, Vec<String>) {
    let text = std::fs::read_to_string(fixture(&format!("{name}.csv"))).unwrap();
    let mut values = Vec::new();
    let mut labels = Vec::new();
    let mut features = 0;
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let (label, row) = fields.split_last().unwrap();
        features = row.len();
        values.extend(row.iter().map(|v| v.parse::<f64>().unwrap()));
        labels.push(label.to_string());
    }
    (
        DMatrix::from_row_slice(labels.len(), features, &values),
        labels,
    )
}

/// The test rows of each of the five splits.
fn splits(name: &str) -> Vec<Vec<usize>> {
    let text = std::fs::read_to_string(fixture(&format!("{name}_test_rows.csv"))).unwrap();
    text.lines()
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect()
}

fn rows<T: Clone>(x: &DMatrix<f64>, y: &[T], idx: &[usize]) -> (DMatrix<f64>, Vec<T>) {
    (
        x.select_rows(idx),
        idx.iter().map(|&i| y[i].clone()).collect(),
    )
}

/// Mean test accuracy and mean fit seconds over the five splits, labels of type `T`.
fn run<T: Ord + Clone + std::fmt::Debug>(name: &str, y: &[T], x: &DMatrix<f64>) -> (f64, f64) {
    let splits = splits(name);
    assert_eq!(splits.len(), 5);
    let (mut acc, mut secs) = (Vec::new(), Vec::new());
    for (seed, test) in splits.iter().enumerate() {
        let train: Vec<usize> = (0..y.len())
            .filter(|i| test.binary_search(i).is_err())
            .collect();
        let (xtr, ytr) = rows(x, y, &train);
        let (xte, yte) = rows(x, y, test);
        let mut clf = Classifier::builder().seed(seed as u64).build().unwrap();
        let t0 = Instant::now();
        clf.fit(&xtr, &ytr).unwrap();
        secs.push(t0.elapsed().as_secs_f64());
        acc.push(clf.score(&xte, &yte).unwrap());
        let h = clf.history().unwrap();
        eprintln!(
            "{name} seed {seed}: test_acc={:.4} epochs={} stop: {} ({:.3} s)",
            acc[seed],
            h.epochs.len(),
            h.stop,
            secs[seed]
        );
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    (mean(&acc), mean(&secs))
}

fn check(name: &str, ours: (f64, f64)) {
    let (_, sk_mean, sk_sd) = SKLEARN.iter().find(|s| s.0 == name).copied().unwrap();
    eprintln!(
        "{name}: ours {:.4} (fit {:.3} s mean) vs scikit-learn {sk_mean:.4} ± {sk_sd:.4}",
        ours.0, ours.1
    );
    assert!(
        ours.0 >= sk_mean - sk_sd,
        "{name}: accuracy {:.4} below scikit-learn's {sk_mean} − {sk_sd}",
        ours.0
    );
}

#[test]
fn digits_with_u8_labels_matches_sklearn() {
    let (x, labels) = read("digits");
    let y: Vec<u8> = labels.iter().map(|l| l.parse().unwrap()).collect();
    check("digits", run("digits", &y, &x));
}

#[test]
fn iris_with_str_labels_matches_sklearn() {
    let (x, labels) = read("iris");
    let y: Vec<&str> = labels.iter().map(String::as_str).collect();
    check("iris", run("iris", &y, &x));
}

#[test]
fn wine_with_string_labels_matches_sklearn() {
    let (x, y) = read("wine");
    check("wine", run("wine", &y, &x));
}

#[test]
fn breast_cancer_binary_with_one_sigmoid_output_matches_sklearn() {
    let (x, y) = read("breast_cancer");
    check("breast_cancer", run("breast_cancer", &y, &x));
}
