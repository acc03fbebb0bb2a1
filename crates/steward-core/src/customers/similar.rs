//! How alike two short texts a requester typed are (event names, outlets, nominees), from 0.0
//! to 1.0, tolerant of typos, word order, spacing and abbreviations but strict about numbers
//! (`KubeCon 2026` is not `KubeCon 2027`).
//!
//! Jaro-Winkler on words, written here (no crate): each word is paired with its most similar
//! word on the other side (a pair below [`SAME_WORD`] is no match and counts 0), and the score
//! is the mean over both sides' words. The texts with their spaces removed are compared too
//! (`DevOpsDays` and `DevOps Days`), and a word that is a run of the other side's initials
//! (`WSJ`, `Wall Street Journal`; `NA`, `North America`) stands for that run.

use super::names::words;

/// Words that carry no meaning when comparing event names, outlets and people: fillers,
/// the host's own name, honorifics and the generic words of an outlet's or event's name.
const FILLER: &[&str] = &[
    "the",
    "a",
    "an",
    "of",
    "and",
    "for",
    "at",
    "in",
    "on",
    "with",
    "gitlab",
    "conference",
    "conf",
    "com",
    "news",
    "xpo",
    "expo",
    "online",
    "magazine",
    "event",
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
];

/// Two words at least this similar (Jaro-Winkler) are the same word with a typo: one wrong,
/// missing, doubled or swapped letter in a word of five or more letters scores above it; two
/// different first names that share their first four letters (`Maria`, `Mario`) do not.
const SAME_WORD: f64 = 0.94;

/// Texts whose words, run together, are at least this similar differ only in spacing or
/// punctuation (`DevOps Days`, `DevOpsDays`; `re:Invent`, `reInvent`).
const SAME_JOINED: f64 = 0.97;

/// Jaro similarity of two words (0.0 … 1.0).
fn jaro(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut b_used = vec![false; b.len()];
    let mut a_matched = Vec::new();
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_used[j] && b[j] == *ca {
                b_used[j] = true;
                a_matched.push(*ca);
                break;
            }
        }
    }
    let m = a_matched.len();
    if m == 0 {
        return 0.0;
    }
    let b_matched = b.iter().zip(&b_used).filter(|(_, u)| **u).map(|(c, _)| *c);
    let transpositions = a_matched
        .iter()
        .zip(b_matched)
        .filter(|(x, y)| **x != *y)
        .count();
    let m = m as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64 / 2.0) / m) / 3.0
}

/// Jaro-Winkler similarity of two words: Jaro, boosted by a common prefix of up to 4 letters.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let j = jaro(&a, &b);
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count();
    j + prefix as f64 * 0.1 * (1.0 - j)
}

/// The meaningful words of `text`, split into words and numbers.
fn split(text: &str) -> (Vec<String>, Vec<String>) {
    words(text)
        .into_iter()
        .filter(|w| !FILLER.contains(&w.as_str()))
        .partition(|w| !w.chars().all(|c| c.is_ascii_digit()))
}

/// The similarity of each word of `from` to its best match in `to`, summed; a word without a
/// match of at least [`SAME_WORD`] counts 0 (a word only one side has tells them apart).
fn best_matches(from: &[String], to: &[String]) -> f64 {
    from.iter()
        .map(|w| {
            let best = to.iter().map(|v| word_similarity(w, v)).fold(0.0, f64::max);
            if best >= SAME_WORD { best } else { 0.0 }
        })
        .sum()
}

/// Jaro-Winkler, or [`SAME_WORD`] for one edit in a word of six letters or more (Jaro pairs
/// letters greedily, so one missing letter early in a long word can score too low).
fn word_similarity(a: &str, b: &str) -> f64 {
    let jw = jaro_winkler(a, b);
    let long = a.chars().count().min(b.chars().count()) >= 6;
    if long && jw < SAME_WORD && crate::diagnostics::edit_distance(a, b) <= 1 {
        SAME_WORD
    } else {
        jw
    }
}

/// Replaces, in `long`, each run of words whose initials are a word of `short` (`north
/// america` for `na`, `wall street journal` for `wsj`) by that word.
fn fold_initials(long: &mut Vec<String>, short: &[String]) {
    for abbrev in short
        .iter()
        .filter(|w| (2..=4).contains(&w.chars().count()))
    {
        let n = abbrev.chars().count();
        let found = (0..long.len().saturating_sub(n - 1)).find(|&i| {
            let initials: String = long[i..i + n]
                .iter()
                .filter_map(|w| w.chars().next())
                .collect();
            initials == *abbrev
        });
        if let Some(i) = found {
            long.splice(i..i + n, [abbrev.clone()]);
        }
    }
}

/// How alike two texts are, 0.0 (nothing in common) to 1.0 (the same once normalised).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (mut wa, na) = split(a);
    let (mut wb, nb) = split(b);
    // Numbers (years, editions) present on both sides must agree.
    if wa.is_empty() || wb.is_empty() || (!na.is_empty() && !nb.is_empty() && na != nb) {
        return 0.0;
    }
    let short_b = wb.clone();
    fold_initials(&mut wa, &short_b);
    let short_a = wa.clone();
    fold_initials(&mut wb, &short_a);
    let by_words = (best_matches(&wa, &wb) + best_matches(&wb, &wa)) / (wa.len() + wb.len()) as f64;
    let joined = jaro_winkler(&wa.concat(), &wb.concat());
    if joined >= SAME_JOINED {
        by_words.max(joined)
    } else {
        by_words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaro_winkler_matches_the_textbook_values() {
        // The classic examples of Winkler (1990).
        assert!((jaro_winkler("martha", "marhta") - 0.961).abs() < 0.001);
        assert!((jaro_winkler("dwayne", "duane") - 0.84).abs() < 0.001);
        assert!((jaro_winkler("dixon", "dicksonx") - 0.813).abs() < 0.001);
        assert_eq!(jaro_winkler("abc", "abc"), 1.0);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
    }

    #[test]
    fn identical_texts_after_normalising_score_one() {
        assert_eq!(similarity("KubeCon Europe", "kubecon  EUROPE!"), 1.0);
        assert_eq!(
            similarity("The Wall Street Journal", "Wall Street Journal"),
            1.0
        );
    }

    #[test]
    fn different_years_never_match_however_alike_the_words() {
        assert_eq!(similarity("KubeCon EU 2026", "KubeCon EU 2027"), 0.0);
    }

    #[test]
    fn initials_match_the_words_they_stand_for() {
        assert_eq!(similarity("WSJ", "Wall Street Journal"), 1.0);
    }

    #[test]
    fn empty_or_numbers_only_texts_never_look_alike() {
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("???", "Forbes"), 0.0);
    }
}
