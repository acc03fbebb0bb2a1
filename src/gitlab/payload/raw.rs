//! The wire layer of payload decoding: a JSON object read as the raw text of the few fields
//! asked for (borrowed from the body; every other field is skipped without being built), and
//! lenient readers that turn one field into a value or treat it as absent. Nothing here knows
//! what an issue is.
//!
//! Why not `serde_json::Value`: a value tree costs many times the body's size (a 24 MiB body
//! of small label objects became hundreds of megabytes), and Steward reads a dozen fields.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::labels::{Keys, Titles};
use steward_core::model::LabelName;

/// The largest id the store holds (a BIGINT); GitLab's ids are far below it.
pub(super) const MAX_ID: u64 = i64::MAX as u64;

/// The asked-for fields of one JSON object, by name (the last occurrence of a repeated key
/// wins, as when an object is read into a map).
pub(super) struct Picked<'a> {
    names: &'static [&'static str],
    values: Vec<Option<&'a RawValue>>,
}

/// An id field: absent (or of another type, which leniency treats as absent), a usable id, or
/// a number the store cannot hold (negative, fractional, too large), kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Id {
    Absent,
    Valid(u64),
    Invalid(String),
}

impl Id {
    /// `self` unless absent, else `other`.
    pub(super) fn or(self, other: Id) -> Id {
        match self {
            Id::Absent => other,
            found => found,
        }
    }
}

impl<'a> Picked<'a> {
    fn raw(&self, name: &str) -> Option<&'a RawValue> {
        let i = self.names.iter().position(|n| *n == name)?;
        self.values.get(i).copied().flatten()
    }

    /// The field as `T`, or `None` when absent or of another type.
    pub(super) fn get<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        serde_json::from_str(self.raw(name)?.get()).ok()
    }

    /// The field as an object, with `names` picked from it.
    pub(super) fn object(&self, name: &str, names: &'static [&'static str]) -> Option<Picked<'a>> {
        pick(self.raw(name)?, names)
    }

    /// The field as an array of raw elements.
    pub(super) fn array(&self, name: &str) -> Option<Vec<&'a RawValue>> {
        serde_json::from_str(self.raw(name)?.get()).ok()
    }

    /// The field as an id.
    pub(super) fn id(&self, name: &str) -> Id {
        let Some(raw) = self.raw(name) else {
            return Id::Absent;
        };
        let text = raw.get().trim();
        match text.parse::<u64>() {
            Ok(n) if n <= MAX_ID => Id::Valid(n),
            _ if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => {
                Id::Invalid(text.chars().take(40).collect())
            }
            _ => Id::Absent,
        }
    }

    /// Label titles of the field: `None` when it is not an array.
    pub(super) fn label_titles(&self, name: &str) -> Option<BTreeSet<LabelName>> {
        let raw = self.raw(name)?;
        serde_json::from_str::<Titles>(raw.get()).ok()?.0
    }

    /// The keys of the field when it is an object (sorted, each once).
    pub(super) fn keys_of(&self, name: &str) -> Vec<String> {
        self.raw(name)
            .and_then(|raw| serde_json::from_str::<Keys>(raw.get()).ok())
            .map(|k| k.0.into_iter().collect())
            .unwrap_or_default()
    }
}

/// `names` from `raw` when it is an object.
pub(super) fn pick<'a>(raw: &'a RawValue, names: &'static [&'static str]) -> Option<Picked<'a>> {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    match (Seed { names }).deserialize(&mut de) {
        Ok(Shape::Object(p)) => Some(p),
        _ => None,
    }
}

/// A whole body: its fields `names` when it is an object, else what it is (`an array`…).
pub(super) fn pick_body<'a>(
    body: &'a [u8],
    names: &'static [&'static str],
) -> Result<Result<Picked<'a>, &'static str>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let shape = (Seed { names }).deserialize(&mut de)?;
    de.end()?;
    Ok(match shape {
        Shape::Object(p) => Ok(p),
        Shape::Not(kind) => Err(kind),
    })
}

enum Shape<'a> {
    Object(Picked<'a>),
    Not(&'static str),
}

struct Seed {
    names: &'static [&'static str],
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Shape<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Seed {
    type Value = Shape<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values = vec![None; self.names.len()];
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match self.names.iter().position(|n| *n == key.0) {
                Some(i) => values[i] = Some(map.next_value::<&'de RawValue>()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Shape::Object(Picked {
            names: self.names,
            values,
        }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Shape::Not("an array"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Shape::Not("null"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Shape::Not("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Shape::Not("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Shape::Not("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Shape::Not("a number"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Shape::Not("a string"))
    }
}

/// An object key, borrowed from the body unless it holds escapes.
pub(super) struct Key<'a>(pub(super) Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["id", "labels", "changes"];

    fn body(text: &str) -> Picked<'_> {
        pick_body(text.as_bytes(), NAMES).unwrap().unwrap()
    }

    #[test]
    fn ids_are_valid_absent_or_out_of_range() {
        let cases = [
            (r#"{"id": 7}"#, Id::Valid(7)),
            (r#"{"id": 9223372036854775807}"#, Id::Valid(MAX_ID)),
            (
                r#"{"id": 9223372036854775808}"#,
                Id::Invalid("9223372036854775808".into()),
            ),
            (r#"{"id": -1}"#, Id::Invalid("-1".into())),
            (r#"{"id": 1e30}"#, Id::Invalid("1e30".into())),
            (r#"{"id": 3.5}"#, Id::Invalid("3.5".into())),
            (r#"{"id": "7"}"#, Id::Absent),
            (r#"{"id": null}"#, Id::Absent),
            (r#"{"x": 1}"#, Id::Absent),
            (r#"{"id": 1, "id": 2}"#, Id::Valid(2)),
        ];
        for (text, want) in cases {
            assert_eq!(body(text).id("id"), want, "{text}");
        }
    }

    #[test]
    fn labels_are_read_as_titles_and_a_non_array_is_absent() {
        let p = body(
            r#"{"labels": ["a", {"title": "b", "id": 1}, {"title": 3}, 4, [5], {"title": "c\u0021"}]}"#,
        );
        let titles: Vec<String> = p
            .label_titles("labels")
            .unwrap()
            .into_iter()
            .map(|l| l.0)
            .collect();
        assert_eq!(titles, ["a", "b", "c!"]);
        assert_eq!(body(r#"{"labels": "API"}"#).label_titles("labels"), None);
        assert_eq!(body(r#"{"labels": {"a": 1}}"#).label_titles("labels"), None);
    }

    #[test]
    fn bodies_that_are_not_objects_say_what_they_are() {
        for (text, kind) in [
            ("[1,2]", "an array"),
            ("null", "null"),
            ("\"x\"", "a string"),
        ] {
            assert_eq!(pick_body(text.as_bytes(), NAMES).unwrap().err(), Some(kind));
        }
        assert!(
            pick_body(b"{\"id\": 1} x", NAMES).is_err(),
            "trailing characters"
        );
        assert_eq!(
            body(r#"{"changes": {"b": 1, "a": {"x": []}}}"#).keys_of("changes"),
            ["a", "b"]
        );
    }
}
