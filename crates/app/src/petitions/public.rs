//! The petitioner's own look-up, with no account: the query code and the
//! last four digits of a phone given at registration. Every failure looks
//! the same, and failures are throttled per client address.

use super::*;

/// Finds the case for a code and phone suffix, or the one uniform 404.
/// Only failures count against an address, and a correct code and suffix
/// pass even when the address is held (behind a carrier's or a village's
/// shared address, one person's typos must not lock out the next). A code
/// whose suffix was guessed wrong too often waits, from any address: the
/// four digits cannot be tried out.
pub async fn find(st: &AppState, client: &str, code: &str, last4: Option<&str>) -> Result<PetitionRow> {
    let held = st.lookup_throttle.check(&st.store, client).await?;
    let code = normalize_query_code(code);
    if let Some(c) = &code
        && let Err(wait_secs) = st.code_throttle.check(&st.store, c).await?
    {
        return Err(Error::TooMany { wait_secs });
    }
    let mut known_code = false;
    let found = match (code.as_deref(), last4.map(str::trim)) {
        (Some(code), Some(l4)) if l4.len() == 4 && l4.bytes().all(|b| b.is_ascii_digit()) => {
            match st.store.petition_by_query_code(code).await? {
                Some(row) => {
                    known_code = true;
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
    match (found, held) {
        (Some(row), _) => Ok(row),
        (None, held) => {
            st.lookup_throttle.fail(&st.store, client).await?;
            if let (true, Some(c)) = (known_code, &code) {
                st.code_throttle.fail(&st.store, c).await?;
            }
            match held {
                Err(wait_secs) => Err(Error::TooMany { wait_secs }),
                Ok(()) => Err(errors::lookup_failed()),
            }
        }
    }
}
