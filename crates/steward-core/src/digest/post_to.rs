//! `digest.post_to`: where each program's digest is posted, in the order the configuration
//! lists them (the order they are posted in), and its check against the declared programs.

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::DigestTarget;
use crate::diagnostics::suggestion;
use crate::programs::{ProgramKey, Programs, Tracking};

/// Each program's digest target, in configuration order; a program appears at most once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PostTo(Vec<(ProgramKey, DigestTarget)>);

/// A `digest.post_to` entry that does not fit the declared programs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("digest.post_to.{key}: {message}")]
pub struct PostToError {
    /// The entry's program key.
    pub key: ProgramKey,
    /// What is wrong and what to do.
    pub message: String,
}

impl PostTo {
    /// The target of `program`, if it has one.
    pub fn get(&self, program: &ProgramKey) -> Option<&DigestTarget> {
        self.0.iter().find(|(k, _)| k == program).map(|(_, t)| t)
    }

    /// Sets the target of `program` (keeping its place when it already has one).
    pub fn insert(&mut self, program: ProgramKey, target: DigestTarget) {
        match self.0.iter_mut().find(|(k, _)| *k == program) {
            Some((_, t)) => *t = target,
            None => self.0.push((program, target)),
        }
    }

    /// Every entry, in configuration order.
    pub fn iter(&self) -> impl Iterator<Item = (&ProgramKey, &DigestTarget)> {
        self.0.iter().map(|(k, t)| (k, t))
    }

    /// Every target, to be completed in place (see `DigestConfig::resolve_epic_api`).
    pub fn targets_mut(&mut self) -> impl Iterator<Item = &mut DigestTarget> {
        self.0.iter_mut().map(|(_, t)| t)
    }

    /// How many programs are posted.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks every entry against the declared programs: the program exists (else the closest
    /// key is named) and its target is the kind of item that tracks it.
    pub fn check(&self, programs: &Programs) -> Result<(), PostToError> {
        for (key, target) in self.iter() {
            let error = |message: String| PostToError {
                key: key.clone(),
                message,
            };
            let Some(program) = programs.get(key.as_str()) else {
                return Err(error(format!(
                    "no program `{key}` is declared in rules/programs.yaml ({})",
                    suggestion(key.as_str(), programs.keys())
                )));
            };
            let kind = match target {
                DigestTarget::Epic { .. } => Tracking::Epic,
                DigestTarget::Issue { .. } => Tracking::Issue,
            };
            let Some(want) = program.tracking.filter(|t| *t != kind) else {
                continue;
            };
            let (want, got, write) = match want {
                Tracking::Epic => ("an epic", "an issue", "epic"),
                Tracking::Issue => ("an issue", "an epic", "issue"),
            };
            return Err(error(format!(
                "`{key}` is tracked by {want} (rules/programs.yaml), but {got} is given; \
                 give `{{ {write}: … }}` or change its `tracking`"
            )));
        }
        Ok(())
    }
}

impl Serialize for PostTo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, t) in &self.0 {
            map.serialize_entry(k, t)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for PostTo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PostToVisitor;
        impl<'de> Visitor<'de> for PostToVisitor {
            type Value = PostTo;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of program keys to digest targets")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PostTo, A::Error> {
                let mut out = PostTo::default();
                while let Some(key) = map.next_key::<ProgramKey>()? {
                    let target = map.next_value::<DigestTarget>()?;
                    if out.get(&key).is_some() {
                        return Err(de::Error::custom(format!(
                            "program `{key}` is listed twice; give each program one target"
                        )));
                    }
                    out.0.push((key, target));
                }
                Ok(out)
            }
            fn visit_unit<E: de::Error>(self) -> Result<PostTo, E> {
                Ok(PostTo::default())
            }
        }
        deserializer.deserialize_map(PostToVisitor)
    }
}
