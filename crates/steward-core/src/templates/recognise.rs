//! Recognition of the template an issue was filed from, from its description and labels.
//!
//! GitLab does not say which template was used (GITLAB.md §4.3), so three signals are weighed
//! in order: the hidden marker (requesters may delete it), the intake label applied by the
//! template's quick action (GitLab ignores quick actions from users without permission, §4.4),
//! then the template's field labels. Pure; never guesses between equals.

use std::collections::BTreeSet;

use super::markdown::{field_line, normalise_label_into, visible_lines};
use super::{RecognisedBy, Recognition, TemplateSet};
use crate::model::LabelName;

const MARKER: &str = "steward:template=";

pub(super) fn recognise(
    set: &TemplateSet,
    description: &str,
    labels: &BTreeSet<LabelName>,
) -> Recognition {
    if let Some(r) = by_marker(set, description) {
        return r;
    }
    if let Some(r) = by_intake_label(set, labels) {
        return r;
    }
    by_field_labels(set, description)
}

fn by_marker(set: &TemplateSet, description: &str) -> Option<Recognition> {
    let mut found: Vec<usize> = Vec::new();
    for (i, _) in description.match_indices(MARKER) {
        let rest = &description[i + MARKER.len()..];
        let rest = rest.strip_prefix('"').unwrap_or(rest);
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        let name = marker_name(&rest[..end]);
        // A marker naming a template that no longer exists is no evidence either way.
        if let Some(ti) = set.templates.iter().position(|t| t.name.as_str() == name)
            && !found.contains(&ti)
        {
            found.push(ti);
        }
    }
    decide(set, found, RecognisedBy::Marker)
}

/// Template names may contain `-`, so the name ends at white space, a quote or the `-->`.
fn marker_name(s: &str) -> &str {
    match s.find("-->") {
        Some(i) => &s[..i],
        None => s,
    }
}

fn by_intake_label(set: &TemplateSet, labels: &BTreeSet<LabelName>) -> Option<Recognition> {
    let found: Vec<usize> = if labels.len() < set.by_intake.len() {
        labels
            .iter()
            .filter_map(|l| set.by_intake.get(l).copied())
            .collect()
    } else {
        set.by_intake
            .iter()
            .filter(|(l, _)| labels.contains(*l))
            .map(|(_, &i)| i)
            .collect()
    };
    decide(set, found, RecognisedBy::IntakeLabel)
}

fn decide(set: &TemplateSet, mut found: Vec<usize>, by: RecognisedBy) -> Option<Recognition> {
    match found.len() {
        0 => None,
        1 => Some(Recognition::Found {
            template: set.templates[found[0]].name.clone(),
            by,
        }),
        _ => {
            found.sort_unstable();
            Some(Recognition::Ambiguous {
                candidates: found
                    .iter()
                    .map(|&i| set.templates[i].name.clone())
                    .collect(),
                by,
            })
        }
    }
}

fn by_field_labels(set: &TemplateSet, description: &str) -> Recognition {
    // One bit per field of each template (at most `load::MAX_FIELDS`).
    let mut seen = vec![0u64; set.templates.len()];
    let mut key = String::new();
    for (_, line) in visible_lines(description) {
        let Some((label, _)) = field_line(&line) else {
            continue;
        };
        normalise_label_into(label, &mut key);
        if let Some(uses) = set.by_field_label.get(key.as_str()) {
            for &(ti, fi) in uses {
                seen[ti] |= 1u64 << fi;
            }
        }
    }
    // Rank by the share of the template's labels present, then by count.
    let mut best: Vec<usize> = Vec::new();
    let mut best_score = (0usize, 1usize);
    for (ti, bits) in seen.iter().enumerate() {
        let matched = bits.count_ones() as usize;
        let total = set.templates[ti].fields.len();
        if matched < 2 || matched * 2 < total {
            continue;
        }
        let (bm, bt) = best_score;
        // matched/total vs bm/bt, compared without division.
        let ord = (matched * bt).cmp(&(bm * total)).then(matched.cmp(&bm));
        match ord {
            std::cmp::Ordering::Greater => {
                best.clear();
                best.push(ti);
                best_score = (matched, total);
            }
            std::cmp::Ordering::Equal => best.push(ti),
            std::cmp::Ordering::Less => {}
        }
    }
    let (matched, total) = best_score;
    decide(set, best, RecognisedBy::FieldLabels { matched, total }).unwrap_or(Recognition::Unknown)
}
