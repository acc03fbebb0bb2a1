//! Work item types per top-level group (GITLAB.md §6.1): the system-defined ones (Issue,
//! Incident, Test Case, Requirement, Task, Objective, Key Result, Epic, Ticket), renamed or
//! not, and the custom types a group creates ("Speaker request"), and which type each issue
//! is. It answers three questions the rest of the simulator asks: an item's type name, its
//! webhook `object_kind`, and whether the Issues REST API shows it. Data and lookups only.

use std::collections::{BTreeMap, HashMap};

/// System-defined base types and their default names (GitLab's `WorkItems::Type::TYPE_NAMES`).
pub(crate) const BASE_TYPES: &[(&str, &str)] = &[
    ("issue", "Issue"),
    ("incident", "Incident"),
    ("test_case", "Test Case"),
    ("requirement", "Requirement"),
    ("task", "Task"),
    ("objective", "Objective"),
    ("key_result", "Key Result"),
    ("epic", "Epic"),
    ("ticket", "Ticket"),
];

/// The base types the Issues REST API shows: its `issue_type` family, without epics and OKRs
/// (Code: `WorkItems::TypesFramework::Provider.unfiltered_base_types_for_issues`). Custom
/// types have no base type and are never listed there (gitlab-org/container-registry!2910).
const REST_BASE_TYPES: &[&str] = &[
    "issue",
    "incident",
    "test_case",
    "requirement",
    "task",
    "ticket",
];

/// Custom types a top-level group may hold (doc/user/work_items/configurable_work_item_types.md).
const MAX_CUSTOM_TYPES: usize = 40;

/// Ids of custom types start here, above the system-defined ones.
const FIRST_CUSTOM_ID: u64 = 1000;

/// Which type an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeKey {
    /// A system-defined type, by base type.
    Base(&'static str),
    /// A custom type, by id.
    Custom(u64),
}

/// One top-level group's type configuration.
#[derive(Default)]
struct RootTypes {
    renamed: BTreeMap<&'static str, String>,
    custom: Vec<(u64, String)>,
}

/// Every group's types and every issue's type (issues not listed are Issues).
#[derive(Default)]
pub(crate) struct WorkItemTypes {
    roots: BTreeMap<String, RootTypes>,
    of_issue: HashMap<u64, TypeKey>,
    next_custom: u64,
}

/// An item's type as GitLab reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeInfo {
    /// Current name.
    pub name: String,
    /// Base type, `None` for a custom type.
    pub base: Option<&'static str>,
    /// Global id number (`gid://gitlab/WorkItems::Type/<id>`).
    pub id: u64,
}

impl TypeInfo {
    /// `object_kind` of its webhooks: `issue` only for the Issue base type, renamed or not
    /// (GITLAB.md §2.1, §6.1: Tickets and custom types arrive as `work_item`).
    pub fn object_kind(&self) -> &'static str {
        if self.base == Some("issue") {
            "issue"
        } else {
            "work_item"
        }
    }

    /// Whether the Issues REST API shows items of this type.
    pub fn in_rest(&self) -> bool {
        self.base.is_some_and(|b| REST_BASE_TYPES.contains(&b))
    }
}

/// The top-level group of a project path (`customer-advocacy/requests` → `customer-advocacy`).
pub(crate) fn root_of(project_path: &str) -> String {
    project_path.split('/').next().unwrap_or("").to_lowercase()
}

fn base_index(base: &str) -> u64 {
    BASE_TYPES.iter().position(|(b, _)| *b == base).unwrap_or(0) as u64 + 1
}

impl WorkItemTypes {
    fn info(&self, root: &str, key: TypeKey) -> TypeInfo {
        let cfg = self.roots.get(root);
        match key {
            TypeKey::Base(b) => TypeInfo {
                name: cfg
                    .and_then(|c| c.renamed.get(b).cloned())
                    .or_else(|| {
                        let d = BASE_TYPES.iter().find(|(base, _)| *base == b);
                        d.map(|(_, n)| (*n).to_owned())
                    })
                    .unwrap_or_else(|| b.to_owned()),
                base: Some(b),
                id: base_index(b),
            },
            TypeKey::Custom(id) => TypeInfo {
                name: cfg
                    .and_then(|c| c.custom.iter().find(|(i, _)| *i == id))
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                base: None,
                id,
            },
        }
    }

    /// Every type of a top-level group, system-defined first.
    fn all(&self, root: &str) -> Vec<(TypeKey, TypeInfo)> {
        let mut out: Vec<(TypeKey, TypeInfo)> = BASE_TYPES
            .iter()
            .map(|(b, _)| (TypeKey::Base(b), self.info(root, TypeKey::Base(b))))
            .collect();
        if let Some(cfg) = self.roots.get(root) {
            for (id, _) in &cfg.custom {
                out.push((TypeKey::Custom(*id), self.info(root, TypeKey::Custom(*id))));
            }
        }
        out
    }

    /// The type named `name` (case-insensitively, as GitLab's uniqueness check) in `root`.
    pub fn find(&self, root: &str, name: &str) -> Option<TypeKey> {
        let wanted = name.trim().to_lowercase();
        self.all(root)
            .into_iter()
            .find(|(_, t)| t.name.to_lowercase() == wanted)
            .map(|(k, _)| k)
    }

    /// Creates a custom type; refused when the name is taken or the group holds 40 already.
    pub fn create(&mut self, root: &str, name: &str) -> Result<u64, String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 255 {
            return Err("Name is invalid".into());
        }
        if self.find(root, name).is_some() {
            return Err("Name has already been taken".into());
        }
        let cfg = self.roots.entry(root.to_owned()).or_default();
        if cfg.custom.len() >= MAX_CUSTOM_TYPES {
            return Err(format!(
                "a top-level group holds at most {MAX_CUSTOM_TYPES} custom types"
            ));
        }
        let id = FIRST_CUSTOM_ID + self.next_custom;
        self.next_custom += 1;
        cfg.custom.push((id, name.to_owned()));
        Ok(id)
    }

    /// Renames a type (system-defined or custom); its items keep their type.
    pub fn rename(&mut self, root: &str, from: &str, to: &str) -> Result<(), String> {
        let key = self
            .find(root, from)
            .ok_or_else(|| format!("no type `{from}`"))?;
        if self.find(root, to).is_some_and(|k| k != key) {
            return Err("Name has already been taken".into());
        }
        let cfg = self.roots.entry(root.to_owned()).or_default();
        match key {
            TypeKey::Base(b) => {
                cfg.renamed.insert(b, to.trim().to_owned());
            }
            TypeKey::Custom(id) => {
                if let Some(entry) = cfg.custom.iter_mut().find(|(i, _)| *i == id) {
                    entry.1 = to.trim().to_owned();
                }
            }
        }
        Ok(())
    }

    /// Records the type of the issue with global id `issue_id`.
    pub fn set(&mut self, issue_id: u64, key: TypeKey) {
        self.of_issue.insert(issue_id, key);
    }

    /// Forgets a type recorded for an issue that was not created after all.
    pub fn unset(&mut self, issue_id: u64) {
        self.of_issue.remove(&issue_id);
    }

    /// The type of an item of the project at `project_path`.
    pub fn of(&self, project_path: &str, issue_id: u64) -> TypeInfo {
        let key = self
            .of_issue
            .get(&issue_id)
            .copied()
            .unwrap_or(TypeKey::Base("issue"));
        self.info(&root_of(project_path), key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_and_renamed_types_keep_their_items_and_kinds() {
        let mut t = WorkItemTypes::default();
        let p = "advocacy/requests";
        let id = t.create("advocacy", "Speaker request").unwrap();
        assert!(t.create("advocacy", "speaker REQUEST").is_err());
        t.set(5001, TypeKey::Custom(id));
        t.set(5002, TypeKey::Base("ticket"));
        let speaker = t.of(p, 5001);
        assert_eq!(
            (speaker.name.as_str(), speaker.object_kind()),
            ("Speaker request", "work_item")
        );
        assert!(!speaker.in_rest());
        assert!(t.of(p, 5002).in_rest());
        assert_eq!(t.of(p, 5002).object_kind(), "work_item");
        t.rename("advocacy", "Issue", "Request").unwrap();
        let plain = t.of(p, 5003);
        assert_eq!(
            (plain.name.as_str(), plain.object_kind()),
            ("Request", "issue")
        );
        t.rename("advocacy", "Speaker request", "Talk request")
            .unwrap();
        assert_eq!(t.of(p, 5001).name, "Talk request");
        // Another top-level group keeps GitLab's names.
        assert_eq!(t.of("other/x", 5003).name, "Issue");
    }
}
