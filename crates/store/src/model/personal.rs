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
