//! The parsed form of what a user typed into search: groups of words that
//! must match (or any of them), each with its other ways to say it — the
//! compounds split into their dictionary words, and the synonyms and
//! abbreviations of `data/dict/synonyms.txt` and the office's own — and the
//! FTS5 and tsquery text they become. Every term holds letters and digits
//! only (it comes through [`crate::fold`] and the segmenter), so it can be
//! quoted into either syntax with no way out of the quotes.

use crate::search::{GRAM_PREFIX, fold, grams_of, is_han, jieba, pieces};
use jieba_rs::Jieba;
use std::collections::BTreeMap;
use std::sync::{OnceLock, RwLock};

/// The synonym groups shipped with xinfang (`data/dict/synonyms.txt`).
pub const SYNONYMS: &str = include_str!("../../../data/dict/synonyms.txt");

/// Every term of a synonym group (folded) to the group's other terms.
pub(crate) fn synonyms() -> &'static RwLock<BTreeMap<String, Vec<String>>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::IndexedText;

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
}
