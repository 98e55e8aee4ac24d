//! The petitioner's own look-up, with no account: the query code and the
//! last four digits of a phone given at registration. Every failure looks
//! the same, and failures are throttled per client address.

use super::*;

/// Finds the case for a code and phone suffix, or the one uniform 404.
pub async fn find(st: &AppState, client: &str, code: &str, last4: Option<&str>) -> Result<PetitionRow> {
    if let Err(wait_secs) = st.lookup_throttle.check(client) {
        return Err(Error::TooMany { wait_secs });
    }
    let found = match (normalize_query_code(code), last4.map(str::trim)) {
        (Some(code), Some(l4)) if l4.len() == 4 && l4.bytes().all(|b| b.is_ascii_digit()) => {
            match st.store.petition_by_query_code(&code).await? {
                Some(row) => {
                    let people = st.store.petitioners(row.id).await?;
                    let matches = people
                        .iter()
                        .filter_map(|p| p.phone.as_ref())
                        .any(|s| st.keys.open(Field::Phone, &s.ciphertext).is_ok_and(|phone| phone.ends_with(l4)));
                    matches.then_some(row)
                }
                None => None,
            }
        }
        _ => None,
    };
    match found {
        Some(row) => Ok(row),
        None => {
            st.lookup_throttle.fail(client);
            Err(errors::lookup_failed())
        }
    }
}
