//! Near-duplicate signatures for repeat-petition detection: MinHash over the
//! content words of a petition, cut into LSH bands that the store indexes.
//!
//! Every hash here is defined in this file (FNV-1a and the SplitMix64
//! finalizer), not taken from `std`, whose hasher may change between Rust
//! releases: a signature stored today must compare equal to one computed
//! after an upgrade.

use crate::search::IndexedText;

/// Values in a signature.
pub const SIGNATURE_LEN: usize = 64;
/// LSH bands, each of `SIGNATURE_LEN / BANDS` values. Two texts share a band
/// with probability 1 − (1 − s⁴)¹⁶ at Jaccard similarity s: 0.64 at 0.5,
/// 0.89 at 0.6, 0.98 at 0.7.
pub const BANDS: usize = 16;
const ROWS: usize = SIGNATURE_LEN / BANDS;

/// Words too common in petitions to say anything about which matter one is,
/// in `str` order (they are looked up by binary search).
const STOP: &[&str] = &[
    "一直", "与", "为", "了", "他", "他们", "但", "但是", "其", "及", "反映", "向", "和", "因", "因为", "在", "处理",
    "对", "已", "希望", "年", "并", "情况", "我", "我们", "所以", "把", "日", "是", "月", "有关", "未", "此", "没有",
    "现", "现在", "的", "相关", "等", "给", "至今", "被", "要求", "解决", "该", "请求", "进行", "部门", "问题",
];

/// A word that counts towards a signature: two or more characters, or a
/// number, and not a stop word.
fn is_content(w: &str) -> bool {
    let mut chars = w.chars();
    let long = chars.next().is_some() && chars.next().is_some();
    (long || w.bytes().all(|b| b.is_ascii_digit())) && STOP.binary_search(&w).is_err()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Each slot's own hash of a word is `mix(fnv1a(word) ^ SALTS[slot])`,
/// with `SALTS[slot] = mix(slot + 1)`: worked out once here, not for every
/// word of every text.
const SALTS: [u64; SIGNATURE_LEN] = {
    let mut salts = [0; SIGNATURE_LEN];
    let mut i = 0;
    while i < SIGNATURE_LEN {
        salts[i] = mix(i as u64 + 1);
        i += 1;
    }
    salts
};

/// A MinHash signature; all `u32::MAX` for a text with no content words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature(pub [u32; SIGNATURE_LEN]);

impl Signature {
    /// The signature of an indexed text's content words: words of two or
    /// more characters (or numbers) that are not in the stop list.
    pub fn of(text: &IndexedText) -> Self {
        // A word's slot values depend only on its FNV-1a hash, and a minimum
        // is the same however often a value comes: each hash is taken once.
        let words = text.words.iter().chain(text.inner.iter().map(|(w, _)| w));
        let mut bases: Vec<u64> = words.filter(|w| is_content(w)).map(|w| fnv1a(w.as_bytes())).collect();
        bases.sort_unstable();
        bases.dedup();
        let mut sig = [u32::MAX; SIGNATURE_LEN];
        for base in bases {
            for (slot, salt) in sig.iter_mut().zip(SALTS) {
                *slot = (*slot).min(mix(base ^ salt) as u32);
            }
        }
        Signature(sig)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|v| *v == u32::MAX)
    }

    /// Estimated Jaccard similarity of the two word sets (0 when either is
    /// empty).
    pub fn similarity(&self, other: &Signature) -> f64 {
        if self.is_empty() || other.is_empty() {
            return 0.0;
        }
        let same = self.0.iter().zip(other.0.iter()).filter(|(a, b)| a == b).count();
        same as f64 / SIGNATURE_LEN as f64
    }

    /// The band keys the store indexes; none for an empty signature.
    pub fn bands(&self) -> Vec<i64> {
        if self.is_empty() {
            return Vec::new();
        }
        (0..BANDS)
            .map(|b| {
                let mut bytes = Vec::with_capacity(1 + ROWS * 4);
                bytes.push(b as u8);
                for v in &self.0[b * ROWS..(b + 1) * ROWS] {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
                fnv1a(&bytes) as i64
            })
            .collect()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Reads [`to_bytes`](Self::to_bytes) output; `None` if malformed.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() != SIGNATURE_LEN * 4 {
            return None;
        }
        let mut sig = [0u32; SIGNATURE_LEN];
        for (i, c) in b.chunks_exact(4).enumerate() {
            sig[i] = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
        Some(Signature(sig))
    }
}

/// What the store keeps for searching a petition and finding its repeats,
/// computed before the write (segmentation is the costly part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// The matter's text, then the petitioners' names and addresses.
    pub text: IndexedText,
    /// Of the matter's text only: who petitions is compared separately.
    pub signature: Signature,
}

impl SearchDoc {
    /// `content`: subject, request, facts, reasons; `people`: names and
    /// addresses. Grams are kept for the subject, the request and the
    /// people only: they are most of a document's index terms, and every
    /// term costs index writes in the registering transaction, so the long
    /// narrative fields (facts, reasons) are found by their words.
    pub fn new(content: &[&str], people: &[&str]) -> Self {
        let split = content.len().min(2);
        let mut text = IndexedText::new(&content[..split].join("\n"));
        text.append(IndexedText::words_only(&content[split..].join("\n")));
        let signature = Signature::of(&text);
        text.append(IndexedText::new(&people.join("\n")));
        SearchDoc { text, signature }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(s: &str) -> Signature {
        Signature::of(&IndexedText::new(s))
    }

    #[test]
    fn signatures_are_stable_across_builds() {
        // Fixed values: if this changes, stored signatures no longer match
        // new ones and the LSH table must be rebuilt.
        // Published test vectors: FNV-1a 64 of "a", and the first output
        // of SplitMix64 seeded with 0.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(mix(0), 0xe220_a839_7b1d_cdaf);
        let s = sig("青石村三组王某反映某建筑公司拖欠农民工工资三万六千元");
        assert_eq!(Signature::from_bytes(&s.to_bytes()), Some(s.clone()));
        assert_eq!(s.bands().len(), BANDS);
        // A whole signature, through segmentation and every slot's hash.
        assert_eq!(s.0[..4], [55290565, 112840866, 44695803, 342751429]);
        assert_eq!(s.0[60..], [61902151, 240052445, 819197048, 189020007]);
    }

    #[test]
    fn stop_words_are_sorted_for_the_binary_search() {
        assert!(STOP.windows(2).all(|w| w[0] < w[1]));
        assert!(!is_content("问题") && !is_content("的") && !is_content("x"));
        assert!(is_content("工资") && is_content("3") && is_content("36000") && is_content("ab"));
    }

    #[test]
    fn similar_texts_score_higher_than_different_ones() {
        let a = sig("青石村三组王某反映某建筑公司拖欠农民工工资三万六千元，多次讨要未果");
        let b = sig("王某再次反映：某建筑公司欠我们农民工工资三万六千元一直不给，讨要多次没有结果");
        let c = sig("青石村三组李某反映宅基地界址纠纷，邻居建房占用其宅基地");
        assert!(a.similarity(&b) > a.similarity(&c), "{} vs {}", a.similarity(&b), a.similarity(&c));
        assert_eq!(a.similarity(&a), 1.0);
        assert_eq!(sig("，。").similarity(&a), 0.0);
        assert!(sig("，。").bands().is_empty());
    }
}
