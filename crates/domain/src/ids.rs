//! Validated personal numbers and codes ("parse, don't validate"): a value of
//! these types is known to be well formed. Masking lives here too, so every
//! list and export masks the same way.

use crate::error::Invalid;
use chrono::NaiveDate;
use std::fmt;

/// A resident identity number (公民身份号码, GB 11643-1999): 17 digits and an
/// ISO 7064 MOD 11-2 check character. The embedded birth date must exist.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

impl IdNumber {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let s: String = raw.trim().to_uppercase();
        let bad = |m: &str| Invalid::new(field, "invalid_id_number", m.to_string());
        if s.chars().count() != 18 {
            return Err(bad("身份证号码应为 18 位"));
        }
        let chars: Vec<char> = s.chars().collect();
        if !chars[..17].iter().all(|c| c.is_ascii_digit()) {
            return Err(bad("身份证号码前 17 位应为数字"));
        }
        let birth = &s[6..14];
        if NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() || &s[6..8] < "18" {
            return Err(bad("身份证号码中的出生日期无效"));
        }
        if Self::check_char(&s[..17]) != chars[17] {
            return Err(bad("身份证号码校验位不正确（GB 11643）"));
        }
        Ok(Self(s))
    }

    /// The GB 11643 check character for the first 17 digits.
    pub fn check_char(first17: &str) -> char {
        let sum: u32 = first17.chars().zip(ID_WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
        ID_CHECK[(sum % 11) as usize]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `110***********123X`: the first 3 and the last 4 characters.
    pub fn masked(&self) -> String {
        mask(&self.0, 3, 4)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// A phone number: a mainland mobile number (11 digits, 1[3-9]…) or a fixed
/// line with its area code (0 + 9–11 digits). Spaces, hyphens and a +86
/// prefix are accepted and dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let mut s: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
        if let Some(rest) = s.strip_prefix("+86") {
            s = rest.to_string();
        }
        let bad = || Invalid::new(field, "invalid_phone", "电话号码格式不正确（手机号 11 位，固定电话需带区号）");
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let b = s.as_bytes();
        let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        let landline = (10..=12).contains(&b.len()) && b[0] == b'0';
        if mobile || landline { Ok(Self(s)) } else { Err(bad()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: the first 3 and the last 4 digits.
    pub fn masked(&self) -> String {
        mask(&self.0, 3, 4)
    }

    /// The last four digits, which the petitioner gives to look up a case.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// Keeps `head` leading and `tail` trailing characters and stars the rest.
pub fn mask(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// A unit's code (单位代码): 1–32 characters of ASCII letters, digits, `-`
/// and `_`, such as a 12-digit statistical division code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() || s.len() > 32 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(Invalid::new(field, "invalid_unit_code", "单位代码应为 1–32 位字母、数字、- 或 _"));
        }
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", IdNumber::check_char(first17))
    }

    #[test]
    fn id_number_check_digit_gb11643() {
        // The standard's worked example.
        assert_eq!(IdNumber::check_char("11010519491231002"), 'X');
        assert!(IdNumber::parse("id", "11010519491231002X").is_ok());
        assert!(IdNumber::parse("id", "11010519491231002x").is_ok());
        let e = IdNumber::parse("id", "110105194912310021").unwrap_err();
        assert_eq!(e.code, "invalid_id_number");
    }

    #[test]
    fn id_number_rejects_bad_dates_and_lengths() {
        assert!(IdNumber::parse("id", &with_check("11010519990230002")).is_err());
        assert!(IdNumber::parse("id", "1101051949").is_err());
        assert!(IdNumber::parse("id", "11010519491231002Ｘ").is_err());
        assert!(IdNumber::parse("id", &with_check("1101051949123100A")).is_err());
    }

    #[test]
    fn masks_as_lists_show_them() {
        let id = IdNumber::parse("id", "11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110***********002X");
        let p = Phone::parse("phone", "138-0013-8000").unwrap();
        assert_eq!(p.as_str(), "13800138000");
        assert_eq!(p.masked(), "138****8000");
        assert_eq!(p.last4(), "8000");
        assert!(Phone::parse("phone", "+86 138 0013 8000").is_ok());
        assert!(Phone::parse("phone", "010-12345678").is_ok());
        assert!(Phone::parse("phone", "12345").is_err());
        assert!(Phone::parse("phone", "1380013800a").is_err());
        assert!(format!("{p:?}").contains("138****8000"));
    }

    #[test]
    fn unit_codes() {
        assert!(UnitCode::parse("unit", "330102").is_ok());
        assert!(UnitCode::parse("unit", "").is_err());
        assert!(UnitCode::parse("unit", "a b").is_err());
    }
}
