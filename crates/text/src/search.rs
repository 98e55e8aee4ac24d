//! Text search: folding, segmentation, the indexed form of a document and
//! highlighted snippets; the parsed form of a query is in [`crate::query`].
//!
//! Both sides go through [`fold`] first (NFKC, lower case, traditional
//! characters to simplified), then jieba: documents in search mode (each
//! word, plus the shorter dictionary words inside it, so 农民工 is found by
//! 民工 too), queries in precise mode. The result is a list of *terms* made
//! only of letters and digits, so a term can be quoted into FTS5 or tsquery
//! syntax without any way to escape from the quotes.

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use jieba_rs::Jieba;
use std::collections::BTreeMap;
use std::sync::{OnceLock, RwLock};
use unicode_normalization::UnicodeNormalization;

/// The domain dictionary shipped with xinfang (`data/dict/domain.txt`).
pub const DOMAIN_DICT: &str = include_str!("../../../data/dict/domain.txt");

fn t2s() -> &'static OpenCC {
    static T2S: OnceLock<OpenCC> = OnceLock::new();
    // The configuration is compiled into the crate; failing to load it is a
    // build defect, not an input error.
    T2S.get_or_init(|| OpenCC::from_config(BuiltinConfig::T2s).expect("built-in OpenCC t2s configuration"))
}

pub(crate) fn jieba() -> &'static RwLock<Jieba> {
    static JIEBA: OnceLock<RwLock<Jieba>> = OnceLock::new();
    JIEBA.get_or_init(|| {
        let mut j = Jieba::new();
        for line in DOMAIN_DICT.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let mut parts = line.split_whitespace();
            let word = parts.next().unwrap_or_default();
            let freq = parts.next().and_then(|f| f.parse().ok());
            j.add_word(&fold(word), freq, None);
        }
        RwLock::new(j)
    })
}

/// Loads the dictionaries now rather than on the first search or
/// registration (about a second of start-up work).
pub fn warm_up() {
    let _ = t2s();
    let _ = jieba();
    let _ = crate::query::synonyms();
}

/// Adds words (the unit names of the deployment) to the segmenter's
/// dictionary, so they are kept whole in documents and queries alike.
pub fn add_words<'a>(words: impl IntoIterator<Item = &'a str>) {
    let mut j = jieba().write().unwrap_or_else(|e| e.into_inner());
    for w in words {
        let w = fold(w);
        if w.chars().count() >= 2 && !j.has_word(&w) {
            j.add_word(&w, None, None);
        }
    }
}

/// The searchable form of a text: NFKC (full-width letters and digits become
/// half-width), lower case, traditional characters folded to simplified.
pub fn fold(s: &str) -> String {
    let nfkc: String = s.nfkc().flat_map(char::to_lowercase).collect();
    t2s().convert(&nfkc)
}

/// The letter-and-digit runs of a token: the only characters a term holds.
pub(crate) fn pieces(token: &str) -> impl Iterator<Item = &str> {
    token.split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty())
}

/// A document as the index holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexedText {
    /// The words in text order (precise segmentation).
    pub words: Vec<String>,
    /// The shorter dictionary words inside long words, each with the
    /// position (index into `words`) of the word it is part of.
    pub inner: Vec<(String, usize)>,
    /// The overlapping two-character grams of each run of Chinese
    /// characters, in text order: they find a word wherever segmentation
    /// cut it differently (白沙河 in 白沙|河东|桥段). Separated by spaces, as
    /// the index takes them: one string, not one allocation per gram.
    pub grams: String,
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// The two-character grams of the runs of Chinese characters in `text`, as
/// slices of it.
pub(crate) fn grams_of(text: &str) -> impl Iterator<Item = &str> {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some((i, a)) = chars.next() {
            if let Some(&(j, b)) = chars.peek()
                && is_han(a)
                && is_han(b)
            {
                return Some(&text[i..j + b.len_utf8()]);
            }
        }
        None
    })
}

/// Appends `piece` to space-separated `terms`.
fn push_term(terms: &mut String, piece: &str) {
    if !terms.is_empty() && !piece.is_empty() {
        terms.push(' ');
    }
    terms.push_str(piece);
}

/// The prefix that keeps grams apart from words in a PostgreSQL tsvector.
pub(crate) const GRAM_PREFIX: char = 'g';

impl IndexedText {
    /// Segments `text` (already joined from the fields to be searched).
    pub fn new(text: &str) -> Self {
        Self::segment(text, true)
    }

    /// As [`IndexedText::new`], without grams.
    pub fn words_only(text: &str) -> Self {
        Self::segment(text, false)
    }

    fn segment(text: &str, grams: bool) -> Self {
        let folded = fold(text);
        let j = jieba().read().unwrap_or_else(|e| e.into_inner());
        let tokens = j.cut_for_search(&folded, true);
        // Search mode emits the shorter words inside a word just before the
        // word itself; read backwards, each word comes before its parts.
        let mut words_rev: Vec<(&str, usize)> = Vec::new(); // (word, token index)
        let mut inner_rev: Vec<(&str, usize)> = Vec::new(); // (part, index into words_rev)
        let mut parent: Option<(usize, usize)> = None;
        for t in tokens.iter().rev() {
            match parent {
                Some((s, e)) if t.start >= s && t.end <= e && (t.end - t.start) < (e - s) => {
                    inner_rev.push((t.word, words_rev.len() - 1));
                }
                _ => {
                    words_rev.push((t.word, 0));
                    parent = Some((t.start, t.end));
                }
            }
        }
        let mut out = IndexedText::default();
        if grams {
            out.grams.reserve(folded.len());
            grams_of(&folded).for_each(|g| push_term(&mut out.grams, g));
        }
        // Position of each word token (reversed index) after splitting into pieces.
        let mut last_pos = vec![0usize; words_rev.len()];
        for (k, (w, _)) in words_rev.iter().enumerate().rev() {
            for p in pieces(w) {
                out.words.push(p.to_string());
            }
            last_pos[k] = out.words.len().saturating_sub(1);
        }
        for (part, k) in inner_rev.into_iter().rev() {
            for p in pieces(part) {
                out.inner.push((p.to_string(), last_pos[k]));
            }
        }
        out
    }

    /// Appends another text's words after this one's.
    pub fn append(&mut self, other: IndexedText) {
        let offset = self.words.len();
        self.words.extend(other.words);
        self.inner.extend(other.inner.into_iter().map(|(w, i)| (w, i + offset)));
        push_term(&mut self.grams, &other.grams);
    }

    pub fn grams_text(&self) -> String {
        self.grams.clone()
    }

    /// FTS5 column text: terms separated by spaces (the `unicode61`
    /// tokenizer splits there and nowhere inside a term).
    pub fn words_text(&self) -> String {
        self.words.join(" ")
    }

    pub fn inner_text(&self) -> String {
        self.inner.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// A PostgreSQL `tsvector` literal: each term quoted, with its positions
    /// (1-based, at most 16383 as PostgreSQL keeps, at most 255 per term),
    /// the inner words at the position of the word holding them.
    pub fn tsvector(&self) -> String {
        let mut lexemes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let at = |i: usize| (i + 1).min(16383);
        for (i, w) in self.words.iter().enumerate() {
            lexemes.entry(w).or_default().push(at(i));
        }
        for (w, i) in &self.inner {
            lexemes.entry(w).or_default().push(at(*i));
        }
        let grams: Vec<String> = self.grams.split_terminator(' ').map(|g| format!("{GRAM_PREFIX}{g}")).collect();
        for (i, g) in grams.iter().enumerate() {
            lexemes.entry(g).or_default().push(at(i));
        }
        let mut out = String::new();
        for (w, mut pos) in lexemes {
            pos.sort_unstable();
            pos.dedup();
            pos.truncate(255);
            if !out.is_empty() {
                out.push(' ');
            }
            // Terms hold letters and digits only: nothing to escape.
            out.push('\'');
            out.push_str(w);
            out.push_str("':");
            out.push_str(&pos.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(","));
        }
        out
    }
}

/// A part of a snippet; `hit` parts match the query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// A window of about `width` characters of `text` around the first place a
/// term of the query occurs, split into matching and other pieces. The
/// original characters are shown (traditional stays traditional) while the
/// matching is done on the folded text.
pub fn snippet(text: &str, terms: &[String], width: usize) -> Vec<Piece> {
    let orig: Vec<char> = text.chars().collect();
    let folded: Vec<char> = fold(text).chars().collect();
    // Folding rarely changes the number of characters (NFKC of ① or ㈱);
    // then show the folded text, which the hits index into.
    let shown: &[char] = if folded.len() == orig.len() { &orig } else { &folded };
    let mut hit = vec![false; folded.len()];
    for t in terms {
        let t: Vec<char> = t.chars().collect();
        if t.is_empty() || t.len() > folded.len() {
            continue;
        }
        for i in 0..=folded.len() - t.len() {
            if folded[i..i + t.len()] == t[..] {
                hit[i..i + t.len()].iter_mut().for_each(|h| *h = true);
            }
        }
    }
    let first = hit.iter().position(|h| *h).unwrap_or(0);
    let start = first.saturating_sub(width / 5);
    let end = (start + width).min(shown.len());
    let mut out: Vec<Piece> = Vec::new();
    for i in start..end {
        let c = if shown[i] == '\n' { ' ' } else { shown[i] };
        match out.last_mut() {
            Some(p) if p.hit == hit[i] => p.text.push(c),
            _ => out.push(Piece { text: c.to_string(), hit: hit[i] }),
        }
    }
    if start > 0 {
        out.insert(0, Piece { text: "…".into(), hit: false });
    }
    if end < shown.len() {
        out.push(Piece { text: "…".into(), hit: false });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_case_and_traditional() {
        assert_eq!(fold("ＡＢＣ１２３"), "abc123");
        assert_eq!(fold("糾紛"), "纠纷");
        assert_eq!(fold("農民工"), "农民工");
        // Same number of characters, so snippets can map back.
        assert_eq!(fold("拖欠農民工工資").chars().count(), 7);
    }

    #[test]
    fn domain_words_stay_whole_and_inner_words_are_indexed() {
        let t = IndexedText::new("反映拖欠農民工工資，要求住建局處理征地拆迁问题。");
        assert!(t.words.contains(&"农民工工资".to_string()), "{:?}", t.words);
        assert!(t.inner.iter().any(|(w, _)| w == "农民工"), "{:?}", t.inner);
        assert!(t.words.contains(&"住建局".to_string()), "{:?}", t.words);
        assert!(t.words.contains(&"征地拆迁".to_string()), "{:?}", t.words);
        assert!(t.inner.iter().any(|(w, _)| w == "拆迁"), "{:?}", t.inner);
        assert!(t.words.iter().all(|w| w.chars().all(char::is_alphanumeric)));
        let v = t.tsvector();
        // The inner word sits at its word's position (3: 反映 拖欠 农民工工资).
        assert!(v.contains("'农民工':3"), "{v}");
        assert!(v.contains("'农民工工资':3"), "{v}");
    }

    #[test]
    fn unit_names_are_added() {
        add_words(["青石溪村民委员会"]);
        let t = IndexedText::new("青石溪村民委员会未公开账目");
        assert!(t.words.contains(&"青石溪村民委员会".to_string()), "{:?}", t.words);
    }

    #[test]
    fn snippet_marks_hits_in_the_original_characters() {
        let s = snippet("某公司拖欠農民工工資三個月", &["农民工".into()], 40);
        assert_eq!(
            s,
            vec![
                Piece { text: "某公司拖欠".into(), hit: false },
                Piece { text: "農民工".into(), hit: true },
                Piece { text: "工資三個月".into(), hit: false },
            ]
        );
        let long = "甲".repeat(100) + "纠纷" + &"乙".repeat(100);
        let s = snippet(&long, &["纠纷".into()], 30);
        assert_eq!(s.first().map(|p| p.text.as_str()), Some("…"));
        assert_eq!(s.last().map(|p| p.text.as_str()), Some("…"));
        assert!(s.iter().any(|p| p.hit && p.text == "纠纷"));
    }
}
