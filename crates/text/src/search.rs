//! Text search: folding, segmentation, the indexed form of a document, the
//! parsed form of a query, and highlighted snippets.
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

fn jieba() -> &'static RwLock<Jieba> {
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

/// The synonym groups shipped with xinfang (`data/dict/synonyms.txt`).
pub const SYNONYMS: &str = include_str!("../../../data/dict/synonyms.txt");

/// Every term of a synonym group (folded) to the group's other terms.
fn synonyms() -> &'static RwLock<BTreeMap<String, Vec<String>>> {
    static SYN: OnceLock<RwLock<BTreeMap<String, Vec<String>>>> = OnceLock::new();
    SYN.get_or_init(|| {
        let mut map = BTreeMap::new();
        add_groups(&mut map, SYNONYMS);
        RwLock::new(map)
    })
}

fn add_groups(map: &mut BTreeMap<String, Vec<String>>, text: &str) -> usize {
    let mut added = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let terms: Vec<String> = line.split_whitespace().map(fold).filter(|t| t.chars().count() >= 2).collect();
        if terms.len() < 2 {
            continue;
        }
        added += 1;
        for t in &terms {
            let others = map.entry(t.clone()).or_default();
            for o in terms.iter().filter(|o| *o != t) {
                if !others.contains(o) {
                    others.push(o.clone());
                }
            }
        }
    }
    added
}

/// Adds synonym groups (one a line, terms separated by spaces, as in
/// `data/dict/synonyms.txt`). Returns how many groups were read.
pub fn add_synonyms(text: &str) -> usize {
    let mut map = synonyms().write().unwrap_or_else(|e| e.into_inner());
    add_groups(&mut map, text)
}

/// Sets the deployment's own groups (kept by the office) beside the
/// shipped ones, replacing those set before. Returns how many were read.
pub fn set_own_synonyms(text: &str) -> usize {
    let mut map = BTreeMap::new();
    add_groups(&mut map, SYNONYMS);
    let n = add_groups(&mut map, text);
    *synonyms().write().unwrap_or_else(|e| e.into_inner()) = map;
    n
}

/// The synonyms of a (folded) term.
fn synonyms_of(term: &str) -> Vec<String> {
    synonyms().read().unwrap_or_else(|e| e.into_inner()).get(term).cloned().unwrap_or_default()
}

/// Loads the dictionaries now rather than on the first search or
/// registration (about a second of start-up work).
pub fn warm_up() {
    let _ = t2s();
    let _ = jieba();
    let _ = synonyms();
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
fn pieces(token: &str) -> impl Iterator<Item = &str> {
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

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// The two-character grams of the runs of Chinese characters in `text`, as
/// slices of it.
fn grams_of(text: &str) -> impl Iterator<Item = &str> {
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
const GRAM_PREFIX: char = 'g';

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

/// What the user typed between spaces, or inside quotes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    /// Its words (precise segmentation).
    pub words: Vec<String>,
    /// Quoted: the words must stand side by side, in order (else each
    /// must appear somewhere).
    pub phrase: bool,
    /// Other ways to say the same (unquoted groups only), each a list of
    /// words that must all appear: the compound words split into the
    /// dictionary words they are made of (拖欠工资 → 拖欠, 工资) and the
    /// synonyms and abbreviations of `data/dict/synonyms.txt` (欠薪 for
    /// 拖欠工资, 医保 for 医疗保险).
    pub alts: Vec<Vec<String>>,
}

/// The grams of a text, when it is all Chinese and at least two
/// characters: a group then also matches where that exact text occurs,
/// however the document was segmented.
fn han_grams(words: &[String]) -> Option<Vec<String>> {
    let joined: String = words.concat();
    (joined.chars().count() >= 2 && joined.chars().all(is_han)).then(|| grams_of(&joined).map(String::from).collect())
}

impl Group {
    fn grams(&self) -> Option<Vec<String>> {
        han_grams(&self.words)
    }

    /// Every way the group may match: its words, then its alternatives.
    fn ways(&self) -> impl Iterator<Item = &Vec<String>> {
        std::iter::once(&self.words).chain(self.alts.iter())
    }
}

/// The synonyms of one word, as alternatives of a group of it alone.
fn synonym_ways(word: &str) -> Vec<Vec<String>> {
    synonyms_of(word)
        .into_iter()
        .filter(|s| s.chars().all(char::is_alphanumeric))
        .map(|s| vec![s])
        .take(MAX_ALTS)
        .collect()
}

/// At most this many alternatives per group: a query stays small.
const MAX_ALTS: usize = 12;

/// The dictionary words a long word is made of, left to right, longest
/// first: 农民工工资 → 农民工, 工资. `None` if they do not make it up.
fn cover(j: &Jieba, word: &str) -> Option<Vec<String>> {
    if word.chars().count() < 3 {
        return None;
    }
    let inner: Vec<&str> = j.cut_for_search(word, false).into_iter().map(|t| t.word).filter(|w| *w != word).collect();
    let mut out = Vec::new();
    let mut rest = word;
    while !rest.is_empty() {
        let next = inner.iter().filter(|w| rest.starts_with(**w) && w.chars().count() >= 2).max_by_key(|w| w.len())?;
        out.push(next.to_string());
        rest = &rest[next.len()..];
    }
    (out.len() > 1).then_some(out)
}

/// The alternatives of an unquoted group of `words`: the compounds split,
/// and each run of up to three words that is a synonym replaced by it.
fn alternatives(
    j: &Jieba,
    words: &[String],
    segment: &dyn Fn(&str) -> Vec<String>,
    with_synonyms: bool,
) -> Vec<Vec<String>> {
    let mut alts: Vec<Vec<String>> = Vec::new();
    let push = |alts: &mut Vec<Vec<String>>, alt: Vec<String>| {
        if !alt.is_empty() && alt != words && !alts.contains(&alt) && alts.len() < MAX_ALTS {
            alts.push(alt);
        }
    };
    let split: Vec<String> = words.iter().flat_map(|w| cover(j, w).unwrap_or_else(|| vec![w.clone()])).collect();
    push(&mut alts, split);
    if !with_synonyms {
        return alts;
    }
    for len in (1..=3.min(words.len())).rev() {
        for start in 0..=words.len() - len {
            let run = words[start..start + len].concat();
            for syn in synonyms_of(&run) {
                let mut alt = words[..start].to_vec();
                let syn_words = segment(&syn);
                alt.extend(syn_words.iter().flat_map(|w| cover(j, w).unwrap_or_else(|| vec![w.clone()])));
                alt.extend_from_slice(&words[start + len..]);
                push(&mut alts, alt);
            }
        }
    }
    alts
}

/// A parsed text query: groups that must all match (or any, with `any`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextQuery {
    pub groups: Vec<Group>,
    /// Any group may match (else all must).
    pub any: bool,
}

/// Quote marks that open a phrase, with the mark that closes it.
const QUOTES: &[(char, char)] = &[('"', '"'), ('“', '”'), ('「', '」'), ('『', '』')];

impl TextQuery {
    /// Parses what a user typed: `"…"` (or “…”, 「…」) is a phrase, other
    /// text splits at spaces into groups of words; all groups must match
    /// unless `any`.
    pub fn parse(q: &str, any: bool) -> Self {
        Self::parse_with(q, any, true)
    }

    /// As [`parse`](Self::parse), without the synonyms: the first, cheaper
    /// try (a common word finds enough as typed).
    pub fn parse_plain(q: &str, any: bool) -> Self {
        Self::parse_with(q, any, false)
    }

    fn parse_with(q: &str, any: bool, with_synonyms: bool) -> Self {
        let folded = fold(q);
        let j = jieba().read().unwrap_or_else(|e| e.into_inner());
        let segment = |s: &str| -> Vec<String> {
            j.cut(s, true).iter().flat_map(|t| pieces(t.word)).map(str::to_string).collect()
        };
        let mut groups: Vec<Group> = Vec::new();
        let mut rest = folded.as_str();
        while !rest.is_empty() {
            let open = rest.char_indices().find_map(|(i, c)| QUOTES.iter().find(|(o, _)| *o == c).map(|q| (i, *q)));
            let (before, phrase, after) = match open {
                Some((i, (o, close))) => {
                    let inside = &rest[i + o.len_utf8()..];
                    match inside.find(close) {
                        Some(k) => (&rest[..i], &inside[..k], &inside[k + close.len_utf8()..]),
                        None => (&rest[..i], inside, ""),
                    }
                }
                None => (rest, "", ""),
            };
            for chunk in before.split_whitespace() {
                let words = segment(chunk);
                let alts = alternatives(&j, &words, &segment, with_synonyms);
                groups.push(Group { words, phrase: false, alts });
            }
            groups.push(Group { words: segment(phrase), phrase: true, alts: Vec::new() });
            rest = after;
        }
        groups.retain(|g| !g.words.is_empty());
        let mut seen = std::collections::BTreeSet::new();
        groups.retain(|g| seen.insert(g.clone()));
        TextQuery { groups, any }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The same words with any group enough: the fallback when too few
    /// petitions hold every group (a clerk never gets an empty page where
    /// a partial match exists). `None` when that would be the same query.
    pub fn relaxed(&self) -> Option<TextQuery> {
        // One word: its alternatives are already all the ways to match it.
        if let [g] = self.groups.as_slice()
            && !g.phrase
            && g.words.len() == 1
        {
            return None;
        }
        let mut groups: Vec<Group> = Vec::new();
        let mut add = |g: Group| {
            if !groups.contains(&g) {
                groups.push(g);
            }
        };
        for g in &self.groups {
            if g.phrase {
                add(g.clone());
                continue;
            }
            // Every word of every way to say it, on its own: a petition
            // holding more of them ranks higher.
            for w in g.ways().flatten() {
                add(Group { words: vec![w.clone()], phrase: false, alts: synonym_ways(w) });
            }
        }
        let relaxed = TextQuery { groups, any: true };
        (relaxed.groups.len() > 1 && relaxed != *self).then_some(relaxed)
    }

    /// Every term, and each group's whole text, for highlighting.
    pub fn terms(&self) -> Vec<String> {
        let mut t: Vec<String> = self.groups.iter().flat_map(|g| g.ways().flatten().cloned()).collect();
        t.extend(self.groups.iter().flat_map(|g| g.ways()).filter(|w| w.len() > 1).map(|w| w.concat()));
        t.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        t.dedup();
        t
    }

    /// The FTS5 MATCH expression: each group its words (a quoted phrase, or
    /// each quoted) in the word columns, or the phrase of its grams.
    pub fn fts5(&self) -> String {
        let sep = if self.any { " OR " } else { " AND " };
        let cols = "{words parts} : ";
        self.groups
            .iter()
            .map(|g| {
                if g.phrase {
                    let words = format!("{cols}\"{}\"", g.words.join(" "));
                    return match g.grams() {
                        Some(grams) => format!("(({words}) OR grams : \"{}\")", grams.join(" ")),
                        None => format!("({words})"),
                    };
                }
                // The words as typed also match by their grams (however the
                // petition was segmented); the alternatives by their words
                // only: a gram phrase per synonym made each query several
                // times slower for little found.
                let mut ways: Vec<String> = Vec::new();
                for (i, way) in g.ways().enumerate() {
                    ways.push(way.iter().map(|w| format!("{cols}\"{w}\"")).collect::<Vec<_>>().join(" AND "));
                    if let Some(grams) = han_grams(way).filter(|_| i == 0) {
                        ways.push(format!("grams : \"{}\"", grams.join(" ")));
                    }
                }
                ways.dedup();
                format!("({})", ways.into_iter().map(|w| format!("({w})")).collect::<Vec<_>>().join(" OR "))
            })
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// The `tsquery` text: each term quoted; a phrase joined with `<->`,
    /// other words with `&`; or the phrase of the group's grams.
    pub fn tsquery(&self) -> String {
        let sep = if self.any { " | " } else { " & " };
        let join = |terms: &[String], op: &str| terms.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(op);
        self.groups
            .iter()
            .map(|g| {
                let gram_phrase = |grams: Vec<String>| {
                    let grams: Vec<String> = grams.into_iter().map(|x| format!("{GRAM_PREFIX}{x}")).collect();
                    format!("({})", join(&grams, " <-> "))
                };
                if g.phrase {
                    let words = join(&g.words, " <-> ");
                    return match g.grams() {
                        Some(grams) => format!("(({words}) | {})", gram_phrase(grams)),
                        None => format!("({words})"),
                    };
                }
                let mut ways: Vec<String> = Vec::new();
                for (i, way) in g.ways().enumerate() {
                    ways.push(format!("({})", join(way, " & ")));
                    if let Some(grams) = han_grams(way).filter(|_| i == 0) {
                        ways.push(gram_phrase(grams));
                    }
                }
                format!("({})", ways.join(" | "))
            })
            .collect::<Vec<_>>()
            .join(sep)
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
    fn query_syntax_cannot_escape_quotes() {
        let q = TextQuery::parse(r#"工资" OR x:* ') ; DROP TABLE petitions; -- "征地拆迁 补偿"#, false);
        for g in &q.groups {
            for t in g.ways().flatten() {
                assert!(t.chars().all(char::is_alphanumeric), "{t}");
            }
        }
        assert!(!q.fts5().contains("'"));
        // Segmentation that cut a name apart still finds it, by its grams.
        let t = IndexedText::new("白沙河东桥段河床淤积");
        let grams: Vec<&str> = t.grams.split(' ').collect();
        assert!(grams.contains(&"白沙") && grams.contains(&"沙河"), "{grams:?}");
        let q = TextQuery::parse("“征地拆迁补偿” 農民工", false);
        assert_eq!(q.groups[0], Group { words: vec!["征地拆迁".into(), "补偿".into()], phrase: true, alts: vec![] });
        assert_eq!(q.groups[1].words, vec!["农民工".to_string()]);
        let fts = q.fts5();
        assert!(
            fts.starts_with(
                "(({words parts} : \"征地拆迁 补偿\") OR grams : \"征地 地拆 拆迁 迁补 补偿\") AND \
                 (({words parts} : \"农民工\") OR (grams : \"农民 民工\") OR "
            ),
            "{fts}"
        );
        assert!(fts.contains("({words parts} : \"打工者\")"), "a synonym is another way: {fts}");
        let tsq = q.tsquery();
        assert!(
            tsq.starts_with("(('征地拆迁' <-> '补偿') | ('g征地' <-> 'g地拆' <-> 'g拆迁' <-> 'g迁补' <-> 'g补偿')) & "),
            "{tsq}"
        );
        assert!(tsq.contains("('打工者')"), "{tsq}");
        // Unquoted words of one chunk each match somewhere (or the chunk as written).
        let q = TextQuery::parse("拖欠农民工", false);
        assert!(
            q.fts5().starts_with(
                "(({words parts} : \"拖欠\" AND {words parts} : \"农民工\") OR (grams : \"拖欠 欠农 农民 民工\")"
            ),
            "{}",
            q.fts5()
        );
        assert_eq!(TextQuery::parse("a b", true).fts5(), "(({words parts} : \"a\")) OR (({words parts} : \"b\"))");
        assert!(TextQuery::parse(" ，。！ ", false).is_empty());
    }

    /// A compound typed without spaces is its words, each somewhere; a
    /// colloquial word or an abbreviation finds the usual term (issue 25 ¶8).
    #[test]
    fn compounds_split_and_synonyms_widen_a_query() {
        let q = TextQuery::parse("拖欠工资", false);
        let ways: Vec<Vec<String>> = q.groups[0].ways().cloned().collect();
        assert!(ways.contains(&vec!["拖欠".to_string(), "工资".to_string()]), "{ways:?}");
        assert!(ways.iter().any(|w| w == &vec!["欠薪".to_string()]), "{ways:?}");
        let q = TextQuery::parse("医保报销", false);
        let ways: Vec<String> = q.groups[0].ways().map(|w| w.concat()).collect();
        assert!(ways.iter().any(|w| w.contains("医疗保险")), "{ways:?}");
        let q = TextQuery::parse("欠薪", false);
        let ways: Vec<String> = q.groups[0].ways().map(|w| w.concat()).collect();
        assert!(ways.contains(&"拖欠工资".to_string()), "{ways:?}");
        // The fallback takes any of the words.
        let relaxed = TextQuery::parse("石材厂 拖欠工资", false).relaxed().unwrap();
        assert!(relaxed.any && relaxed.groups.len() >= 3, "{relaxed:?}");
        let three = TextQuery::parse("金山石材厂拖欠农民工工资", false).relaxed().unwrap();
        assert!(three.any && three.groups.len() >= 3, "each word on its own: {three:?}");
        assert!(TextQuery::parse("农民工", false).relaxed().is_none(), "one word: nothing to relax");
        // Added groups take effect.
        assert_eq!(add_synonyms("# 注释\n青溪特产 溪产\n"), 1);
        let q = TextQuery::parse("溪产", false);
        assert!(q.groups[0].ways().any(|w| w.concat() == "青溪特产"), "{:?}", q.groups[0]);
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
