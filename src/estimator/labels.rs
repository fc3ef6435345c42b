//! [`LabelEncoder`]: labels of any ordered type ↔ class indices `0..K` (scikit-learn's
//! `LabelEncoder`), and how labels are written into a model file ([`StoredLabel`]).

use crate::error::{Error, Result};
use std::fmt::Debug;

/// The sorted distinct labels seen at fit; class `k` is `classes()[k]`.
///
/// # Examples
///
/// ```
/// use deepmultinet::estimator::LabelEncoder;
/// let enc = LabelEncoder::fit(&["dog", "cat", "dog", "emu"])?;
/// assert_eq!(enc.classes(), &["cat", "dog", "emu"]);
/// assert_eq!(enc.encode(&["emu", "cat"])?, vec![2, 0]);
/// assert_eq!(enc.decode(1), Some(&"dog"));
/// let e = LabelEncoder::fit(&["cat", "cat"]).unwrap_err();
/// assert!(e.to_string().contains("only one class (`cat`)"));
/// # Ok::<(), deepmultinet::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelEncoder<C> {
    classes: Vec<C>,
}

/// A label as a message shows it: `Debug` without the quotes of a string.
pub(crate) fn show<C: Debug>(label: &C) -> String {
    let s = format!("{label:?}");
    match s.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.to_string(),
        None => s,
    }
}

/// Up to `n` labels, `a`, `b`, … for messages.
pub(crate) fn show_list<C: Debug>(labels: &[C], n: usize) -> String {
    let mut s: Vec<String> = labels
        .iter()
        .take(n)
        .map(|c| format!("`{}`", show(c)))
        .collect();
    if labels.len() > n {
        s.push(format!("… ({} in all)", labels.len()));
    }
    s.join(", ")
}

impl<C> LabelEncoder<C> {
    /// The classes, sorted: class index `k` is `classes()[k]`.
    pub fn classes(&self) -> &[C] {
        &self.classes
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Always `false` (an encoder has at least two classes).
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// The label of class index `k` (`None` past the last class).
    pub fn decode(&self, k: usize) -> Option<&C> {
        self.classes.get(k)
    }
}

impl<C: Ord + Clone + Debug> LabelEncoder<C> {
    /// The classes of `labels`: their distinct values, sorted.
    ///
    /// # Errors
    /// [`Error::EmptyBatch`] for no labels; [`Error::InvalidData`] when they hold only one
    /// class (a classifier needs at least two).
    pub fn fit(labels: &[C]) -> Result<Self> {
        if labels.is_empty() {
            return Err(Error::EmptyBatch {
                context: "LabelEncoder::fit (no labels)",
            });
        }
        let mut classes = labels.to_vec();
        classes.sort();
        classes.dedup();
        if classes.len() < 2 {
            return Err(Error::InvalidData(format!(
                "the training labels hold only one class (`{}`); a classifier needs at least \
                 two: check that the labels were read from the right column and that the \
                 training rows were not filtered or sorted down to one class",
                show(&classes[0])
            )));
        }
        Ok(LabelEncoder { classes })
    }

    /// An encoder with these classes (sorted and distinct, at least two).
    ///
    /// # Errors
    /// [`Error::InvalidData`] if they are not.
    pub fn from_classes(classes: Vec<C>) -> Result<Self> {
        if classes.len() < 2 {
            return Err(Error::InvalidData(format!(
                "a classifier needs at least two classes, found {}",
                classes.len()
            )));
        }
        if classes.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::InvalidData(format!(
                "classes must be sorted and distinct: {}",
                show_list(&classes, 10)
            )));
        }
        Ok(LabelEncoder { classes })
    }

    /// The class index of `label`, `None` if it was not seen at fit.
    pub fn index(&self, label: &C) -> Option<usize> {
        self.classes.binary_search(label).ok()
    }

    /// The class index of every label.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the first label not seen at fit and its sample.
    pub fn encode(&self, labels: &[C]) -> Result<Vec<usize>> {
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                self.index(l).ok_or_else(|| {
                    Error::InvalidData(format!(
                        "label `{}` of sample {i} is not one of the {} classes seen at fit ({})",
                        show(l),
                        self.len(),
                        show_list(&self.classes, 10)
                    ))
                })
            })
            .collect()
    }
}

/// What kind of values a model file's class labels are, so that a file is loaded back into
/// a label type that can hold them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelKind {
    /// Strings (`&str`, `String`).
    Text,
    /// Whole numbers (`i32`, `u8`, `usize`, …; loading checks the range).
    Integer,
    /// `bool`.
    Bool,
    /// `char`.
    Char,
}

impl LabelKind {
    /// The name stored in model files: `text`, `integer`, `bool`, `char`.
    pub fn name(&self) -> &'static str {
        match self {
            LabelKind::Text => "text",
            LabelKind::Integer => "integer",
            LabelKind::Bool => "bool",
            LabelKind::Char => "char",
        }
    }

    /// A Rust type that holds this kind, for messages.
    #[cfg_attr(not(feature = "safetensors"), allow(dead_code))]
    pub(crate) fn rust_type(&self) -> &'static str {
        match self {
            LabelKind::Text => "String",
            LabelKind::Integer => "i64 (or the integer type it was trained with)",
            LabelKind::Bool => "bool",
            LabelKind::Char => "char",
        }
    }
}

/// A label type that a model file can hold: written as text, read back with
/// [`from_text`](Self::from_text). Implemented for `&str`, `String`, the integer types,
/// `bool` and `char`; implement it for your own label type to save its models.
///
/// A model trained with `&str` labels loads back as `Classifier<String>`
/// (`&str::from_text` is `None`: a loaded file has nothing to borrow from).
///
/// # Examples
///
/// ```
/// use deepmultinet::estimator::{LabelKind, StoredLabel};
/// assert_eq!(300i32.to_text(), "300");
/// assert_eq!(<u8 as StoredLabel>::from_text("300"), None); // out of range
/// assert_eq!(<String as StoredLabel>::KIND, LabelKind::Text);
/// ```
pub trait StoredLabel: Ord + Clone + Debug {
    /// What the values are.
    const KIND: LabelKind;
    /// The label as text.
    fn to_text(&self) -> String;
    /// The label from its text, `None` if this type cannot hold it.
    fn from_text(text: &str) -> Option<Self>;
}

impl StoredLabel for String {
    const KIND: LabelKind = LabelKind::Text;
    fn to_text(&self) -> String {
        self.clone()
    }
    fn from_text(text: &str) -> Option<Self> {
        Some(text.to_string())
    }
}

impl StoredLabel for &str {
    const KIND: LabelKind = LabelKind::Text;
    fn to_text(&self) -> String {
        (*self).to_string()
    }
    fn from_text(_: &str) -> Option<Self> {
        None
    }
}

macro_rules! stored_label_parse {
    ($kind:ident: $($t:ty),*) => {$(
        impl StoredLabel for $t {
            const KIND: LabelKind = LabelKind::$kind;
            fn to_text(&self) -> String {
                self.to_string()
            }
            fn from_text(text: &str) -> Option<Self> {
                text.parse().ok()
            }
        }
    )*};
}

stored_label_parse!(Integer: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
stored_label_parse!(Bool: bool);
stored_label_parse!(Char: char);
