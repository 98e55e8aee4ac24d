//! The language of the staff pages: Chinese first, English on request.
//!
//! The Chinese text is written in the templates and handlers as it is, and
//! is itself the key of its English translation in `i18n/en.tsv` (one
//! `中文<TAB>English` pair per line; `{}` marks a value filled in at run
//! time). The user's choice is kept in a cookie. Text without a translation
//! (a stored deadline explanation, a message quoting the regulation, what
//! people typed) is shown in Chinese; a test checks that every text the pages
//! mark for translation, and every label of the domain's vocabulary, has one.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

/// The cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "xinfang_lang";

const EN_TSV: &str = include_str!("../i18n/en.tsv");

/// Chinese → English, parsed once.
static EN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| catalog(EN_TSV));

fn catalog(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(zh, en)| (zh, en.trim_end_matches('\r')))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The language of a cookie value: `en`, anything else is Chinese.
    pub fn from_cookie(value: Option<&str>) -> Lang {
        match value {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// The translator a page renders with: `tr.t("工作台")`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Tr { lang }
    }

    /// The text in the page's language (Chinese when no translation exists).
    pub fn t<'a>(&self, zh: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => EN.get(zh).copied().unwrap_or(zh),
        }
    }

    /// A text with values: each `{}` of the (translated) pattern takes the
    /// next value.
    pub fn f(&self, zh: &str, values: &[&(dyn Display + Sync)]) -> String {
        let pattern = self.t(zh);
        let mut out = String::with_capacity(pattern.len() + 16);
        let mut values = values.iter();
        let mut parts = pattern.split("{}");
        if let Some(first) = parts.next() {
            out.push_str(first);
        }
        for part in parts {
            if let Some(v) = values.next() {
                out.push_str(&v.to_string());
            }
            out.push_str(part);
        }
        out
    }

    /// Punctuation between the parts a page joins, in the page's language:
    /// full-width in Chinese, English punctuation with its spaces in English
    /// (issue 25 ¶13). `p(":")`, `p(",")`, `p("(")`, `p(")")`, `p(".")`.
    pub fn p(&self, mark: &str) -> &'static str {
        match (self.lang, mark) {
            (Lang::Zh, ":") => "：",
            (Lang::Zh, ",") => "，",
            (Lang::Zh, "(") => "（",
            (Lang::Zh, ")") => "）",
            (Lang::Zh, ".") => "。",
            (Lang::En, ":") => ": ",
            (Lang::En, ",") => ", ",
            (Lang::En, "(") => " (",
            (Lang::En, ")") => ")",
            (Lang::En, ".") => ".",
            _ => "",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language a user can switch to, and its name in that language.
    pub fn other(&self) -> (&'static str, &'static str) {
        match self.lang {
            Lang::Zh => ("en", "English"),
            Lang::En => ("zh", "中文"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_the_default_and_the_fallback() {
        let zh = Tr::default();
        assert_eq!(zh.t("工作台"), "工作台");
        let en = Tr::new(Lang::from_cookie(Some("en")));
        assert_eq!(en.t("工作台"), "Workbench");
        assert_eq!(en.t("没有译文的话"), "没有译文的话");
        assert_eq!(Lang::from_cookie(Some("fr")), Lang::Zh);
    }

    #[test]
    fn values_fill_the_translated_pattern() {
        let en = Tr::new(Lang::En);
        assert_eq!(en.f("已超期 {} 日", &[&3]), "3 days overdue");
        assert_eq!(Tr::default().f("已超期 {} 日", &[&3]), "已超期 3 日");
    }

    /// The literals in `text` that follow `marker` up to the closing quote.
    fn literals<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
        text.split(marker).skip(1).filter_map(|rest| rest.split_once('"').map(|(lit, _)| lit)).collect()
    }

    /// Every text the pages mark for translation, every label of the
    /// domain's vocabulary they show, and every refusal the pages write has
    /// its English: switching to English never leaves a marked text Chinese.
    #[test]
    fn everything_the_pages_mark_is_translated() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut wanted: Vec<String> = Vec::new();
        // Every template and every handler's file, in every module's folder.
        let mut files = Vec::new();
        let mut dirs = vec![root.join("templates"), root.join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        {
            for path in files {
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in ["tr.t(\"", "tr.f(\"", "AppError::forbidden(\""] {
                    wanted.extend(literals(&text, marker).into_iter().map(|l| l.to_string()));
                }
                // The step names of the petition page: `"transfer" => "转送",`.
                for line in text.lines().map(str::trim) {
                    if let Some((wire, label)) = line.strip_suffix("\",").and_then(|l| l.split_once("\" => \""))
                        && wire.starts_with('"')
                        && wire[1..].bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    {
                        wanted.push(label.to_string());
                    }
                }
            }
        }
        use xinfang_domain::petition::*;
        use xinfang_domain::{Role, UnitKind};
        let labels = [
            Channel::ALL.iter().map(|x| x.label()).collect::<Vec<_>>(),
            PetitionClass::ALL.iter().map(|x| x.label()).collect(),
            Decision::ALL.iter().map(|x| x.label()).collect(),
            Evaluation::ALL.iter().map(|x| x.label()).collect(),
            DeclineRoute::ALL.iter().map(|x| x.label()).collect(),
            CloseReason::ALL.iter().map(|x| x.label()).collect(),
            UnitKind::ALL.iter().map(|x| x.label()).collect(),
            Role::ALL.iter().map(|x| x.label()).collect(),
            PetitionStatus::ALL.iter().map(|x| x.label()).collect(),
            ClockName::ALL.iter().map(|x| x.label()).collect(),
        ];
        wanted.extend(labels.concat().into_iter().map(String::from));
        // The commands' named refusals, which the pages show as they are
        // (those without a value filled in).
        for module in ["petitions"] {
            let path = root.join("../app/src").join(module).join("errors.rs");
            let text = std::fs::read_to_string(&path).unwrap();
            for lit in text.split('"').skip(1).step_by(2) {
                if !lit.contains('{') && lit.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
                    wanted.push(lit.to_string());
                }
            }
        }
        use xinfang_domain::petition::repeat::RepeatReason;
        wanted.extend(
            [RepeatReason::SamePerson, RepeatReason::SimilarText, RepeatReason::Both].map(|r| r.label().into()),
        );
        assert!(wanted.len() > 250, "the scan found too little: {}", wanted.len());
        let missing: std::collections::BTreeSet<_> = wanted.iter().filter(|w| !EN.contains_key(w.as_str())).collect();
        assert!(missing.is_empty(), "no English in i18n/en.tsv for: {missing:#?}");
    }

    #[test]
    fn every_line_of_the_catalog_is_a_pair() {
        for (n, line) in EN_TSV.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (zh, en) = line.split_once('\t').unwrap_or_else(|| panic!("line {}: no tab", n + 1));
            assert!(!zh.is_empty() && !en.trim().is_empty(), "line {}: empty side", n + 1);
            assert_eq!(zh.matches("{}").count(), en.matches("{}").count(), "line {}: placeholders differ", n + 1);
        }
        assert_eq!(catalog(EN_TSV).len(), EN_TSV.lines().filter(|l| l.contains('\t')).count(), "duplicate keys");
    }
}
