//! Customer account names as requesters type them, turned into one key per account: case,
//! punctuation, accents, whitespace and legal suffixes (`Inc`, `GmbH`, `Ltd`, …) do not make two
//! accounts; declared aliases join spellings that differ otherwise, and split spellings that
//! would otherwise collide. Placeholders and garbled values give no key at all, so they are never
//! counted (and never merge unrelated accounts under an empty key).
//!
//! Pure string work: no configuration is read here (the [`Directory`] is built by
//! `customers::config`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The normalised key of a customer account (`acme`), the ledger's unit of counting.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountKey(pub String);

impl AccountKey {
    /// The key as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Legal-form suffixes dropped from the end of a name (already lower-cased and without
/// punctuation, so `S.A.` is `s a` and matches `["s", "a"]`). Longest first.
const LEGAL_SUFFIXES: &[&[&str]] = &[
    &["pty", "ltd"],
    &["co", "ltd"],
    &["s", "a", "s"],
    &["s", "p", "a"],
    &["s", "a"],
    &["n", "v"],
    &["b", "v"],
    &["a", "g"],
    &["s", "e"],
    &["gmbh", "co", "kg"],
    &["gmbh"],
    &["ag"],
    &["kg"],
    &["se"],
    &["sa"],
    &["sas"],
    &["spa"],
    &["srl"],
    &["nv"],
    &["bv"],
    &["ab"],
    &["as"],
    &["oy"],
    &["kk"],
    &["plc"],
    &["llc"],
    &["llp"],
    &["lp"],
    &["ltd"],
    &["limited"],
    &["inc"],
    &["incorporated"],
    &["corp"],
    &["corporation"],
    &["co"],
    &["company"],
    &["pty"],
    &["pte"],
    &["sarl"],
];

/// What requesters write when they do not know the account yet: never an account.
const PLACEHOLDERS: &[&str] = &[
    "tbd",
    "tba",
    "tbc",
    "n a",
    "na",
    "none",
    "unknown",
    "customer",
    "account name",
    "customer name",
    "company",
    "todo",
    "xxx",
    "test",
];

/// Folds the accented Latin letters account names commonly carry (`é` → `e`, `ß` → `ss`).
fn fold_char(c: char, out: &mut String) {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'æ' => "ae",
        'ç' | 'č' | 'ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        'š' | 'ś' => "s",
        'ž' | 'ź' | 'ż' => "z",
        'ł' => "l",
        'ř' => "r",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(plain);
}

/// Lower-cased words of `text`: accents folded, `&` read as `and`, apostrophes dropped
/// (`McDonald's` → `mcdonalds`), every other non-alphanumeric character a separator.
pub fn words(text: &str) -> Vec<String> {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        fold_char(c, &mut folded);
    }
    let mut out = Vec::new();
    let mut word = String::new();
    for c in folded.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else if matches!(c, '\'' | '’' | '`') {
            continue;
        } else {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if c == '&' {
                out.push("and".to_owned());
            }
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The loose form of a name: its [`words`] joined by one space (`ACME, Inc.` → `acme inc`).
/// Aliases are matched on this form, before legal suffixes are dropped, so that an alias can
/// tell `Acme GmbH` from `Acme Inc` when they are different customers.
pub fn loose(text: &str) -> String {
    words(text).join(" ")
}

/// Drops trailing legal-form suffixes (`acme corp inc` → `acme`), never the whole name, and a
/// leading `the`.
fn strip_suffixes(mut ws: Vec<String>) -> Vec<String> {
    if ws.len() > 1 && ws[0] == "the" {
        ws.remove(0);
    }
    loop {
        let found = LEGAL_SUFFIXES.iter().find(|suffix| {
            ws.len() > suffix.len()
                && ws[ws.len() - suffix.len()..]
                    .iter()
                    .zip(suffix.iter())
                    .all(|(w, s)| w == s)
        });
        match found {
            Some(suffix) => ws.truncate(ws.len() - suffix.len()),
            None => return ws,
        }
    }
}

/// Why a typed account name gives no account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Nothing was written.
    Missing,
    /// A placeholder (`TBD`, `<account name>`) or nothing but punctuation.
    Placeholder,
}

/// Declared accounts: each canonical name with its aliases, as loose forms → key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directory {
    by_loose: BTreeMap<String, AccountKey>,
    names: BTreeMap<AccountKey, String>,
}

impl Directory {
    /// Declares an account: its canonical `name` and the other spellings that mean it. The
    /// account's key is the canonical name's loose form (with its suffix: a declared account
    /// is never merged by suffix stripping). Returns the loose forms already taken by another
    /// account (the caller reports them).
    pub fn declare(&mut self, name: &str, aliases: &[String]) -> Vec<String> {
        let key = AccountKey(loose(name).replace(' ', "-"));
        self.names.insert(key.clone(), name.trim().to_owned());
        let mut taken = Vec::new();
        for spelling in std::iter::once(name).chain(aliases.iter().map(String::as_str)) {
            let form = loose(spelling);
            match self.by_loose.get(&form) {
                Some(other) if *other != key => taken.push(spelling.to_owned()),
                _ => {
                    self.by_loose.insert(form, key.clone());
                }
            }
        }
        taken
    }

    /// The canonical name of a declared account.
    pub fn name_of(&self, key: &AccountKey) -> Option<&str> {
        self.names.get(key).map(String::as_str)
    }

    /// The account a typed name means: a declared spelling first (exact loose form, then the
    /// form without legal suffixes), else the name without its legal suffixes.
    pub fn resolve(&self, typed: &str) -> Result<AccountKey, Unreadable> {
        let trimmed = typed.trim();
        if trimmed.is_empty() {
            return Err(Unreadable::Missing);
        }
        // `<account name>` is the template's own hint left in place.
        if trimmed.starts_with('<') && trimmed.ends_with('>') {
            return Err(Unreadable::Placeholder);
        }
        let ws = words(trimmed);
        let form = ws.join(" ");
        if ws.is_empty() || PLACEHOLDERS.contains(&form.as_str()) || !has_letter(&form) {
            return Err(Unreadable::Placeholder);
        }
        if let Some(key) = self.by_loose.get(&form) {
            return Ok(key.clone());
        }
        let stripped = strip_suffixes(ws).join(" ");
        if let Some(key) = self.by_loose.get(&stripped) {
            return Ok(key.clone());
        }
        Ok(AccountKey(stripped.replace(' ', "-")))
    }
}

fn has_letter(s: &str) -> bool {
    s.chars().any(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(dir: &Directory, typed: &str) -> Result<String, Unreadable> {
        dir.resolve(typed).map(|k| k.0)
    }

    #[test]
    fn case_punctuation_whitespace_and_legal_suffixes_make_one_account() {
        let dir = Directory::default();
        for typed in [
            "Acme",
            "ACME Inc.",
            "acme, inc",
            "  Acme   Corp ",
            "Acme Corporation",
            "Acme GmbH",
            "Acme Ltd",
            "Acme LLC",
            "Acme AG",
            "Acme S.A.",
            "Acme plc",
            "The Acme Company",
        ] {
            assert_eq!(key(&dir, typed), Ok("acme".to_owned()), "{typed}");
        }
    }

    #[test]
    fn accents_ampersands_and_apostrophes_are_read_as_people_mean_them() {
        let dir = Directory::default();
        assert_eq!(
            key(&dir, "Société Générale S.A."),
            Ok("societe-generale".into())
        );
        assert_eq!(
            key(&dir, "Johnson & Johnson"),
            key(&dir, "Johnson and Johnson")
        );
        assert_eq!(key(&dir, "McDonald's Corp"), Ok("mcdonalds".into()));
    }

    #[test]
    fn a_name_that_is_only_a_suffix_keeps_it_rather_than_becoming_empty() {
        let dir = Directory::default();
        assert_eq!(key(&dir, "Inc."), Ok("inc".into()));
    }

    #[test]
    fn missing_placeholders_and_garbage_give_no_account() {
        let dir = Directory::default();
        assert_eq!(key(&dir, ""), Err(Unreadable::Missing));
        assert_eq!(key(&dir, "   "), Err(Unreadable::Missing));
        for typed in [
            "<account name>",
            "TBD",
            "n/a",
            "N/A",
            "???",
            "---",
            "1234",
            "Unknown",
        ] {
            assert_eq!(key(&dir, typed), Err(Unreadable::Placeholder), "{typed}");
        }
    }

    #[test]
    fn aliases_join_spellings_that_normalising_alone_would_not() {
        let mut dir = Directory::default();
        let taken = dir.declare(
            "International Business Machines",
            &["IBM".to_owned(), "I.B.M. Corp".to_owned()],
        );
        assert!(taken.is_empty());
        let ibm = key(&dir, "International Business Machines");
        assert_eq!(key(&dir, "ibm"), ibm);
        assert_eq!(key(&dir, "I.B.M. Corp"), ibm);
        assert_eq!(
            key(&dir, "IBM Inc"),
            ibm,
            "a suffix on an alias is still dropped"
        );
    }

    #[test]
    fn aliases_split_different_customers_whose_names_normalise_alike() {
        let mut dir = Directory::default();
        dir.declare("Delta GmbH", &[]);
        dir.declare("Delta Inc", &[]);
        assert_ne!(key(&dir, "delta gmbh"), key(&dir, "DELTA, Inc."));
        // An undeclared spelling still falls back to the suffix-stripped key.
        assert_eq!(key(&dir, "Delta Ltd"), Ok("delta".into()));
    }

    #[test]
    fn a_spelling_declared_for_two_accounts_is_reported_not_silently_moved() {
        let mut dir = Directory::default();
        dir.declare("Acme Europe", &["Acme".to_owned()]);
        let taken = dir.declare("Acme Americas", &["Acme".to_owned()]);
        assert_eq!(taken, vec!["Acme".to_owned()]);
        assert_eq!(key(&dir, "acme"), Ok("acme-europe".into()));
    }
}
