//! Chinese text for xinfang. No I/O.
//!
//! [`clean`] is applied to every piece of free text a user submits before it
//! is validated or stored: Unicode NFC (so the same character always has the
//! same bytes), Windows and old-Mac line ends folded to `\n`, control
//! characters other than newline and tab dropped, bidirectional
//! embeddings, overrides, isolates and marks dropped (U+202E would show
//! "gpj.exe" as "exe.jpg" and reorder a reply on the page), and outer white space
//! (including the ideographic space U+3000) trimmed. Full-width punctuation is
//! kept: it is correct Chinese typography.

use std::borrow::Cow;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

mod query;
mod search;
mod signature;
pub use query::{Group, SYNONYMS, TextQuery, add_synonyms, set_own_synonyms};
pub use search::{IndexedText, Piece, add_words, fold, snippet, warm_up};
pub use signature::{BANDS, SIGNATURE_LEN, SearchDoc, Signature};

/// Cleans user-entered text as described in the module docs.
pub fn clean(raw: &str) -> String {
    let unified: Cow<str> =
        if raw.contains('\r') { raw.replace("\r\n", "\n").replace('\r', "\n").into() } else { raw.into() };
    let keep = |c: &char| *c == '\n' || *c == '\t' || !(c.is_control() || is_bidi_control(*c));
    // Most text is in NFC already and holds no control characters, which
    // two quick scans tell: it is then only trimmed, not composed again or
    // rebuilt character by character.
    let kept: Cow<str> = if is_nfc_quick(unified.chars()) == IsNormalized::Yes {
        if unified.chars().all(|c| keep(&c)) {
            unified
        } else {
            unified.chars().filter(keep).collect::<String>().into()
        }
    } else {
        unified.nfc().filter(keep).collect::<String>().into()
    };
    kept.trim_matches(|c: char| c.is_whitespace()).to_string()
}

/// The characters that change the direction text is shown in: embeddings
/// and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the marks
/// (U+200E, U+200F, U+061C). Chinese text has no use for them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Cleans a one-line value (a name, an address): as [`clean`], with inner
/// runs of white space, newlines included, folded to one space.
pub fn clean_line(raw: &str) -> String {
    clean(raw).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The number of characters (not bytes) of a string, as limits are stated.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_controls_line_ends_and_outer_space() {
        assert_eq!(clean("\u{3000} 拖欠工资\r\n三个月\u{0007} "), "拖欠工资\n三个月");
        assert_eq!(clean_line(" 张 \n 三 "), "张 三");
        // NFC: e + combining acute becomes é.
        assert_eq!(clean("e\u{301}"), "\u{e9}");
        // A CJK compatibility ideograph becomes its unified one (NFC), and
        // text already in NFC keeps its bytes.
        assert_eq!(clean("\u{F900}\r房"), "\u{8C48}\n房");
        assert_eq!(clean("拖欠\u{0007}工资。"), "拖欠工资。");
        // NUL and bidirectional overrides go, whatever the field.
        assert_eq!(clean("答\u{0}复\u{202E}gpj.exe\u{2066}\u{200F}"), "答复gpj.exe");
        // Full-width punctuation is kept.
        assert_eq!(clean("请求：补发工资！"), "请求：补发工资！");
        assert_eq!(char_len("信访"), 2);
    }
}
