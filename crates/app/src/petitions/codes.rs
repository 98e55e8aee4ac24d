//! The query code (查询码) a petitioner gets with the case number: random,
//! read out over the phone, typed back in any case and with any spacing.

use crate::error::{Error, Result};

/// Characters of a query code: no 0/O, 1/I/L, so it survives being read
/// out over the phone.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 12;

/// A new random query code (查询码): 12 characters, about 59 bits.
pub fn new_query_code() -> Result<String> {
    let mut raw = [0u8; CODE_LEN];
    getrandom::getrandom(&mut raw).map_err(|_| Error::Internal)?;
    // 256 is not a multiple of 31; rejecting would be exact, but the bias
    // (under 1%) costs far less than a bit of the 59.
    Ok(raw.iter().map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char).collect())
}

/// A query code as typed: case, spaces and hyphens do not matter.
pub fn normalize_query_code(raw: &str) -> Option<String> {
    let s: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>().to_ascii_uppercase();
    (s.len() == CODE_LEN && s.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_codes_are_well_formed_and_normalize() {
        let c = new_query_code().unwrap();
        assert_eq!(normalize_query_code(&c).as_deref(), Some(c.as_str()));
        let typed = format!("{}-{} {}", &c[..4], &c[4..8], &c[8..]).to_lowercase();
        assert_eq!(normalize_query_code(&typed), Some(c));
        assert_eq!(normalize_query_code("0000OOOO1111"), None);
        assert_eq!(normalize_query_code("ABC"), None);
    }
}
