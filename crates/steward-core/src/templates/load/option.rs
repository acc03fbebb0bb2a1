//! A `steward:` directive on a checklist option's line: the option's synonyms.

use super::{Loader, SYNONYMS_PREFIX};
use crate::model::FieldKind;
use crate::templates::markdown::label_matches;

impl Loader<'_> {
    /// A `steward:` directive on an option's line: `steward:synonyms A, B` (other words for
    /// `option`, for a choice field); nothing else belongs there.
    pub(super) fn option_directive(&mut self, lineno: usize, col: usize, text: &str, option: &str) {
        let Some(list) = text.strip_prefix(SYNONYMS_PREFIX) else {
            self.cx.err(lineno, col, format!("`{}` does not belong on an option's line; an option takes `<!-- {SYNONYMS_PREFIX} Other word, Another -->`", text.split_whitespace().next().unwrap_or("")));
            return;
        };
        let Some(p) = self
            .pending
            .as_mut()
            .filter(|p| p.spec.kind == FieldKind::Choice)
        else {
            self.cx.err(
                lineno,
                col,
                "synonyms are only for the options of a `type=choice` field; remove them",
            );
            return;
        };
        let words: Vec<&str> = list.split(',').map(str::trim).collect();
        if words.iter().any(|w| w.is_empty()) {
            self.cx.err(lineno, col, format!("an empty synonym for `{option}`; write `<!-- {SYNONYMS_PREFIX} Other word, Another -->`"));
            return;
        }
        for w in words {
            let taken = p
                .spec
                .choices
                .iter()
                .find(|c| label_matches(c, w) && *c != option);
            let twice = p.spec.synonyms.iter().find(|(s, _)| label_matches(s, w));
            if let Some(other) = taken {
                self.cx.err(
                    lineno,
                    col,
                    format!(
                        "synonym `{w}` of `{option}` is the option `{other}` of `{}`; remove it",
                        p.spec.key
                    ),
                );
            } else if let Some((_, of)) = twice {
                self.cx.err(
                    lineno,
                    col,
                    format!(
                        "synonym `{w}` is given to both `{of}` and `{option}` of `{}`; keep one",
                        p.spec.key
                    ),
                );
            } else {
                p.spec.synonyms.push((w.to_owned(), option.to_owned()));
            }
        }
    }
}
