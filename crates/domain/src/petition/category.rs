//! 内容分类: the two-level content categories the national petition
//! information system classifies matters by (城乡建设 › 征地拆迁 …), kept as
//! data in `data/categories/content-categories.tsv`: two-digit codes are the
//! first level, four-digit codes the second (their first two digits name
//! the first level). `00` 未分类 is the category of every matter registered
//! before categories existed, and of one registered without a choice.

use std::sync::OnceLock;

/// The shipped list, as a tab-separated file.
pub const CATEGORIES_TSV: &str = include_str!("../../../../data/categories/content-categories.tsv");

/// The category of a matter not (yet) classified.
pub const UNCLASSIFIED: &str = "00";

/// One category of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: &'static str,
    pub name: &'static str,
    /// The first-level category of a second-level one.
    pub parent: Option<&'static str>,
}

/// Parses the list, refusing a malformed line, a code given twice or a
/// second-level code whose first level is missing.
pub fn parse(text: &'static str) -> Result<Vec<Category>, String> {
    let mut out: Vec<Category> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (code, name) = line.split_once('\t').ok_or_else(|| format!("第 {} 行：应为“代码<TAB>名称”", i + 1))?;
        if !(code.len() == 2 || code.len() == 4) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("第 {} 行：代码应为两位或四位数字：{code}", i + 1));
        }
        if name.trim().is_empty() {
            return Err(format!("第 {} 行：名称为空", i + 1));
        }
        if out.iter().any(|c| c.code == code) {
            return Err(format!("第 {} 行：代码 {code} 重复", i + 1));
        }
        let parent = (code.len() == 4).then(|| &code[..2]);
        if let Some(p) = parent
            && !out.iter().any(|c| c.code == p)
        {
            return Err(format!("第 {} 行：{code} 的一级类 {p} 须在它之前列出", i + 1));
        }
        out.push(Category { code, name: name.trim(), parent });
    }
    Ok(out)
}

/// The shipped list.
pub fn all() -> &'static [Category] {
    static LIST: OnceLock<Vec<Category>> = OnceLock::new();
    LIST.get_or_init(|| parse(CATEGORIES_TSV).unwrap_or_else(|e| panic!("data/categories: {e}")))
}

/// The category of `code`, if the list has it.
pub fn find(code: &str) -> Option<&'static Category> {
    all().iter().find(|c| c.code == code)
}

/// The full name of a category: `城乡建设 / 征地拆迁`, or the code itself
/// when the list does not have it.
pub fn label(code: &str) -> String {
    match find(code) {
        Some(Category { parent: Some(p), name, .. }) => {
            format!("{} / {name}", find(p).map_or(*p, |c| c.name))
        }
        Some(c) => c.name.to_string(),
        None => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped list parses, has 未分类 and the first-level categories
    /// the national system relies on, each with second-level ones.
    #[test]
    fn the_shipped_list_is_whole() {
        let list = all();
        assert_eq!(find(UNCLASSIFIED).map(|c| c.name), Some("未分类"));
        for name in [
            "城乡建设",
            "劳动和社会保障",
            "农业农村",
            "自然资源",
            "卫生健康",
            "教育",
            "政法",
            "民政",
            "生态环境",
            "交通运输",
            "市场监管",
        ] {
            let top = list.iter().find(|c| c.name == name && c.parent.is_none()).unwrap_or_else(|| panic!("{name}"));
            assert!(list.iter().filter(|c| c.parent == Some(top.code)).count() >= 4, "{name} has sub-categories");
        }
        assert_eq!(label("0201"), "劳动和社会保障 / 拖欠工资");
        assert_eq!(label("02"), "劳动和社会保障");
    }

    #[test]
    fn a_malformed_list_is_refused_with_its_line() {
        assert!(parse("01\t城乡建设\n0101\t征地拆迁\n").is_ok());
        assert!(parse("0101\t征地拆迁\n").unwrap_err().contains("一级类 01"));
        assert!(parse("01\t城乡建设\n01\t又一个\n").unwrap_err().contains("第 2 行"));
        assert!(parse("1\t城乡建设\n").unwrap_err().contains("两位或四位"));
        assert!(parse("01 城乡建设\n").unwrap_err().contains("代码<TAB>名称"));
    }
}
