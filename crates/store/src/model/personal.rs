//! Personal numbers as the store keeps them: encrypted, with a blind index.

/// An encrypted personal number.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub blind_index: Vec<u8>,
    pub masked: String,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({})", self.masked)
    }
}

/// How a number is re-encrypted under a new key (`xinfang key rotate`):
/// given its field (`phone`, `id_number`) and its ciphertext, the new
/// ciphertext and blind index, `None` when it is under the new key already
/// (a batch done before an interruption), or why it cannot be read.
pub type Rekey<'a> = &'a (dyn Fn(&str, &[u8]) -> Rekeyed + Sync);

/// A number re-encrypted: (ciphertext, blind index), `None` if it is under
/// the new key already, or why it cannot be read.
pub type Rekeyed = std::result::Result<Option<(Vec<u8>, Vec<u8>)>, String>;
