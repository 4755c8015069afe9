//! Equal parts of a Tera value made one shared part.
//!
//! The `model` global repeats much: every score, check-in and demo holds
//! its people, each check-in and demo is in `model.checkins` or
//! `model.demos` and again in its candidates, and matrix points and
//! quadrants recur. Serialized, each copy is a map of its own (a few
//! hundred bytes each; at 10,000 candidates about half of the model's
//! 120 MB). Tera's lists and maps are reference-counted and never change
//! once made, so equal ones can be one: templates see the same values.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHashSet;
use tera::value::{Key, ValueKind};
use tera::{Map, Value};

/// The lists and maps met so far, to share with values met later. A clone
/// shares with what was met before it, and goes on on its own: threads can
/// each take one.
#[derive(Default, Clone)]
pub struct Sharing {
    /// Every distinct list and map met so far. Holding them also keeps
    /// their addresses from being reused while they stand for contents.
    seen: FxHashSet<Shallow>,
}

impl Sharing {
    /// `value` with each list or map equal to one met before replaced by
    /// that one. Bottom-up, so that parts compare one level deep: their
    /// lists and maps are already shared when their parents are compared.
    /// Best given a value at a time as it is made, not one big value made
    /// of them all: what it drops is then reused for the next one.
    pub fn share(&mut self, value: Value) -> Value {
        let value = match (value.as_map(), value.as_array()) {
            (None, None) => return value,
            _ if !has_parts(&value) => value,
            (Some(_), _) => {
                let mut map = value.into_map().expect("a map");
                self.share_parts(map.values_mut());
                Value::from(map)
            }
            (_, Some(list)) => {
                let mut list = list.to_vec();
                // Its parts are then held by `list` alone, and move.
                drop(value);
                self.share_parts(list.iter_mut());
                Value::from(list)
            }
        };
        match self.seen.get(&Shallow(value.clone())) {
            Some(met) => met.0.clone(),
            None => {
                self.seen.insert(Shallow(value.clone()));
                value
            }
        }
    }

    /// Each record as templates see it, shared.
    pub fn values<T: serde::Serialize>(&mut self, records: &[T]) -> Vec<Value> {
        (records.iter())
            .map(|record| self.share(Value::from_serializable(record)))
            .collect()
    }

    /// Shares each part in place. Each is taken out first, so that it is
    /// the only holder of its own parts, which then move instead of being
    /// copied.
    fn share_parts<'v>(&mut self, parts: impl Iterator<Item = &'v mut Value>) {
        for part in parts {
            *part = self.share(std::mem::replace(part, Value::none()));
        }
    }
}

/// Whether a list or map has lists or maps in it. One without stays as it
/// is: making a map again costs a hash per key.
fn has_parts(value: &Value) -> bool {
    let nested = |v: &Value| v.as_map().is_some() || v.as_array().is_some();
    match (value.as_map(), value.as_array()) {
        (Some(map), _) => map.values().any(nested),
        (_, Some(list)) => list.iter().any(nested),
        _ => false,
    }
}

/// A value compared one level deep: its keys and scalars by contents, the
/// lists and maps in it by address.
#[derive(Clone)]
struct Shallow(Value);

impl PartialEq for Shallow {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.0, &other.0);
        if let (Some(a), Some(b)) = (a.as_map(), b.as_map()) {
            return a.len() == b.len()
                && (a.iter().zip(b.iter())).all(|((ka, va), (kb, vb))| {
                    ka == kb && key_kind(ka) == key_kind(kb) && same_part(va, vb)
                });
        }
        if let (Some(a), Some(b)) = (a.as_array(), b.as_array()) {
            return a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_part(a, b));
        }
        false
    }
}

impl Eq for Shallow {}

impl Hash for Shallow {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if let Some(map) = self.0.as_map() {
            for (key, value) in map {
                key.hash(state);
                hash_part(value, state);
            }
        } else if let Some(list) = self.0.as_array() {
            for value in list {
                hash_part(value, state);
            }
        }
        self.0.kind().hash(state);
    }
}

/// Whether a key is a string, a number or a truth value: keys that compare
/// equal across kinds (`1` and `"1"` do not, `1u64` and `1i64` do) print
/// the same, but kept apart all the same.
fn key_kind(key: &Key) -> u8 {
    match key {
        Key::Bool(_) => 0,
        _ if key.as_str().is_some() => 1,
        _ => 2,
    }
}

/// Where a list or map is in memory; `None` for any other value.
fn address(value: &Value) -> Option<usize> {
    match (value.as_map(), value.as_array()) {
        (Some(map), _) => Some(map as *const Map as usize),
        (_, Some(list)) => Some(list.as_ptr() as usize),
        _ => None,
    }
}

/// Whether two parts of a value are the same: lists and maps by address,
/// anything else by kind and contents, so that `1` and `1.0`, or a safe and
/// an escaped string, stay apart (Tera's own `==` makes them equal).
fn same_part(a: &Value, b: &Value) -> bool {
    if a.kind() != b.kind() {
        return false;
    }
    match a.kind() {
        ValueKind::Array | ValueKind::Map => address(a) == address(b),
        ValueKind::String => a.as_str() == b.as_str() && a.is_safe() == b.is_safe(),
        ValueKind::F64 => a.as_f64().map(f64::to_bits) == b.as_f64().map(f64::to_bits),
        ValueKind::Bytes => a.as_bytes() == b.as_bytes(),
        ValueKind::Bool => a.as_bool() == b.as_bool(),
        ValueKind::None | ValueKind::Undefined => true,
        _ => a.as_i128() == b.as_i128() && a.as_u128() == b.as_u128(),
    }
}

/// Hashes what [`same_part`] compares.
fn hash_part<H: Hasher>(value: &Value, state: &mut H) {
    value.kind().hash(state);
    match value.kind() {
        ValueKind::Array | ValueKind::Map => address(value).hash(state),
        ValueKind::String => value.as_str().hash(state),
        ValueKind::F64 => value.as_f64().map(f64::to_bits).hash(state),
        ValueKind::Bytes => value.as_bytes().hash(state),
        ValueKind::Bool => value.as_bool().hash(state),
        _ => value.as_i128().hash(state),
    }
}
