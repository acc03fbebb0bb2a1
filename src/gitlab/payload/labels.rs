//! Label titles and object keys read straight from the body's text: the two places where a
//! webhook carries an unbounded list (GitLab adds every label as an object with a dozen
//! fields). Only the titles (and key names) are built; everything else is skipped.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::raw::Key;
use steward_core::model::LabelName;

/// Label titles of an array: plain names (REST) or objects with a string `title` (webhooks,
/// GITLAB.md §2.1); other elements are skipped. `None` when the value is not an array.
pub(super) struct Titles(pub(super) Option<BTreeSet<LabelName>>);

impl<'de> Deserialize<'de> for Titles {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TitlesVisitor)
    }
}

struct TitlesVisitor;

impl<'de> de::Visitor<'de> for TitlesVisitor {
    type Value = Titles;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("labels")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut titles = BTreeSet::new();
        while let Some(title) = seq.next_element::<Title>()? {
            if let Some(t) = title.0 {
                titles.insert(LabelName(t.into_owned()));
            }
        }
        Ok(Titles(Some(titles)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Titles(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Titles(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Titles(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Titles(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Titles(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Titles(None))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Titles(None))
    }
}

/// One element of a label array: its title, if it has one.
struct Title<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Title<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TitleVisitor)
    }
}

struct TitleVisitor;

impl<'de> de::Visitor<'de> for TitleVisitor {
    type Value = Title<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a label")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Title(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Title(Some(Cow::Owned(v.to_owned()))))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut title = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.0 == "title" {
                let raw = map.next_value::<&'de RawValue>()?;
                title = serde_json::from_str::<Cow<'de, str>>(raw.get()).ok();
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Title(title))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Title(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Title(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Title(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Title(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Title(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Title(None))
    }
}

/// The keys of an object (values skipped).
pub(super) struct Keys(pub(super) BTreeSet<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut keys = BTreeSet::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.insert(key.0.into_owned());
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(V)
    }
}
