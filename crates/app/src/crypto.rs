//! Field encryption for ID and phone numbers (design.md "Personal data").
//!
//! One 32-byte master key, kept outside the database (a key file or the
//! `XINFANG_KEY` environment variable), yields two keys by HMAC-SHA256: one
//! for XChaCha20-Poly1305 (random 24-byte nonces, the field kind as
//! associated data, so an ID number cannot be pasted into a phone column) and
//! one for the blind index, an HMAC of the normalized value that allows exact
//! lookup without decrypting. A check value derived from the key is kept in
//! the database so that starting with the wrong key fails loudly.
//!
//! After `xinfang key rotate` the key file holds a second key for the
//! personal data (`data HEX` after the master): the two personal-data keys
//! derive from it, while the audit chain's, the checkpoints' and the
//! portal pass's keys stay derived from the master, so the log written
//! before stays verifiable.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;
use xinfang_store::Sealed;

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("密钥格式错误：应为 64 位十六进制字符（32 字节）")]
    BadKey,
    #[error("密钥文件 {0} 读写失败：{1}")]
    Io(String, std::io::Error),
    #[error("密文无法解密（密钥不符或数据损坏）")]
    Open,
    #[error("随机数生成失败")]
    Random,
}

/// The kinds of encrypted field; the name is bound into each ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Phone,
    IdNumber,
}

impl Field {
    fn label(self) -> &'static [u8] {
        match self {
            Field::Phone => b"phone",
            Field::IdNumber => b"id_number",
        }
    }
}

#[derive(Clone)]
pub struct Keys {
    aead: XChaCha20Poly1305,
    /// HMAC keyed with the blind-index key, before any input: each index
    /// starts from a copy, so the key's two blocks are hashed only once.
    index: HmacSha256,
    /// HMAC keyed for the audit log's checkpoints (`crate::anchor`).
    anchor: HmacSha256,
    /// The key of the audit log's own line hashes (`xinfang_store::audit`).
    chain: [u8; 32],
    /// HMAC keyed for the portal's look-up pass (a signed cookie).
    pass: HmacSha256,
    check: String,
    /// The check value of the personal-data key (equal to `check` until
    /// the first rotation).
    data_check: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

fn hmac(key: &[u8; 32]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = hmac(master);
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Self {
        Self::with_data_key(master, master)
    }

    /// The keys of `master`, with the personal data's from `data`.
    pub fn with_data_key(master: &[u8; 32], data: &[u8; 32]) -> Self {
        let aead_key = derive(data, b"xinfang/aead/v1");
        let index = hmac(&derive(data, b"xinfang/blind-index/v1"));
        let anchor = hmac(&derive(master, b"xinfang/audit-anchor/v1"));
        let chain = derive(master, b"xinfang/audit-chain/v1");
        let pass = hmac(&derive(master, b"xinfang/portal-pass/v1"));
        let check = hex::encode(&derive(master, b"xinfang/key-check/v1")[..16]);
        let data_check = hex::encode(&derive(data, b"xinfang/key-check/v1")[..16]);
        Keys { aead: XChaCha20Poly1305::new(&aead_key.into()), index, anchor, chain, pass, check, data_check }
    }

    /// Parses a key as the key file (or `XINFANG_KEY`) holds it: the
    /// master as 64 hexadecimal characters, then, after a rotation,
    /// `data` and the personal data's key the same way.
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let (master, data) = parse_key_text(text)?;
        Ok(Self::with_data_key(&master, &data.unwrap_or(master)))
    }

    /// A fresh random key, as hex.
    pub fn generate_hex() -> Result<String, CryptoError> {
        let mut master = [0u8; 32];
        getrandom::getrandom(&mut master).map_err(|_| CryptoError::Random)?;
        Ok(hex::encode(master))
    }

    /// Reads the key file, or creates it (mode 0600) when `create` is true
    /// and it does not exist. Returns the keys and whether a key was created.
    pub fn load_or_create(path: &Path, create: bool) -> Result<(Self, bool), CryptoError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok((Self::from_hex(&text)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let hex = Self::generate_hex()?;
                write_private(path, &format!("{hex}\n")).map_err(|e| CryptoError::Io(path.display().to_string(), e))?;
                Ok((Self::from_hex(&hex)?, true))
            }
            Err(e) => Err(CryptoError::Io(path.display().to_string(), e)),
        }
    }

    /// A value derived from the key, stored in the database to detect a
    /// wrong key at start-up. It reveals nothing about the key.
    pub fn check_value(&self) -> &str {
        &self.check
    }

    /// The same for the personal-data key.
    pub fn data_check_value(&self) -> &str {
        &self.data_check
    }

    pub fn seal(&self, field: Field, plaintext: &str) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut nonce).map_err(|_| CryptoError::Random)?;
        let ct = self
            .aead
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: field.label() })
            .map_err(|_| CryptoError::Open)?;
        let mut out = Vec::with_capacity(1 + 24 + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open(&self, field: Field, data: &[u8]) -> Result<String, CryptoError> {
        if data.len() < 1 + 24 + 16 || data[0] != VERSION {
            return Err(CryptoError::Open);
        }
        let pt = self
            .aead
            .decrypt(XNonce::from_slice(&data[1..25]), Payload { msg: &data[25..], aad: field.label() })
            .map_err(|_| CryptoError::Open)?;
        String::from_utf8(pt).map_err(|_| CryptoError::Open)
    }

    /// The key the store hashes the audit log's lines under.
    pub fn chain_key(&self) -> [u8; 32] {
        self.chain
    }

    /// The keyed signature of the portal's look-up pass (hex).
    pub fn sign_pass(&self, text: &str) -> String {
        let mut mac = self.pass.clone();
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The keyed signature of an audit checkpoint line (hex).
    pub fn sign_anchor(&self, line: &str) -> String {
        let mut mac = self.anchor.clone();
        mac.update(line.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The keyed blind index of a normalized value.
    pub fn blind_index(&self, field: Field, normalized: &str) -> Vec<u8> {
        let mut mac = self.index.clone();
        mac.update(field.label());
        mac.update(&[0]);
        mac.update(normalized.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Encrypts, indexes and masks a value for storage.
    pub fn sealed(&self, field: Field, normalized: &str, masked: String) -> Result<Sealed, CryptoError> {
        Ok(Sealed {
            ciphertext: self.seal(field, normalized)?,
            blind_index: self.blind_index(field, normalized),
            masked,
        })
    }
}

/// The master key and, after a rotation, the personal data's key, from a
/// key file's text (64 hex characters, then optionally `data` and 64 more).
pub fn parse_key_text(text: &str) -> Result<([u8; 32], Option<[u8; 32]>), CryptoError> {
    let one = |h: &str| -> Result<[u8; 32], CryptoError> {
        hex::decode(h).map_err(|_| CryptoError::BadKey)?.try_into().map_err(|_| CryptoError::BadKey)
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [master] => Ok((one(master)?, None)),
        [master, "data", data] => Ok((one(master)?, Some(one(data)?))),
        _ => Err(CryptoError::BadKey),
    }
}

/// Writes a new key file (mode 0600, never over an existing file).
pub fn write_key_file(path: &Path, text: &str) -> Result<(), CryptoError> {
    write_private(path, text).map_err(|e| CryptoError::Io(path.display().to_string(), e))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    // The new name too: without it a power cut could leave the database
    // (synced, its data sealed with this key) and no key file.
    xinfang_store::sync_folder_of(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_hex(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn seal_and_open_round_trip_and_bind_the_field() {
        let k = keys();
        let ct = k.seal(Field::Phone, "13800138000").unwrap();
        assert!(!ct.windows(11).any(|w| w == b"13800138000"));
        assert_eq!(k.open(Field::Phone, &ct).unwrap(), "13800138000");
        assert!(k.open(Field::IdNumber, &ct).is_err());
        let other = Keys::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.open(Field::Phone, &ct).is_err());
        // Random nonces: the same value encrypts differently each time.
        assert_ne!(ct, k.seal(Field::Phone, "13800138000").unwrap());
    }

    #[test]
    fn blind_index_is_stable_keyed_and_field_bound() {
        let k = keys();
        assert_eq!(k.blind_index(Field::Phone, "13800138000"), k.blind_index(Field::Phone, "13800138000"));
        // Stored indexes must match new ones: the value, worked out with
        // Python's hmac (HMAC-SHA256 keyed with HMAC-SHA256(master, label)).
        assert_eq!(
            hex::encode(k.blind_index(Field::Phone, "13800138000")),
            "84cfbee1eeebc698f54a8781a703ebbd5eaf3c4e237840693bceb951feefb494"
        );
        assert_ne!(k.blind_index(Field::Phone, "13800138000"), k.blind_index(Field::IdNumber, "13800138000"));
        let other = Keys::from_hex(&"cd".repeat(32)).unwrap();
        assert_ne!(k.blind_index(Field::Phone, "1"), other.blind_index(Field::Phone, "1"));
        assert_ne!(k.check_value(), other.check_value());
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(Keys::from_hex("xyz").is_err());
        assert!(Keys::from_hex(&"ab".repeat(31)).is_err());
        assert!(Keys::from_hex(&format!("{} data", "ab".repeat(32))).is_err());
        assert!(Keys::from_hex(&format!("{} key {}", "ab".repeat(32), "cd".repeat(32))).is_err());
    }

    #[test]
    fn a_rotated_file_changes_the_personal_data_keys_only() {
        let old = keys();
        let new = Keys::from_hex(&format!("{}\ndata {}\n", "ab".repeat(32), "cd".repeat(32))).unwrap();
        // The audit log's keys and the master's check stay.
        assert_eq!(old.chain_key(), new.chain_key());
        assert_eq!(old.sign_anchor("x"), new.sign_anchor("x"));
        assert_eq!(old.check_value(), new.check_value());
        // The personal data's change.
        assert_ne!(old.data_check_value(), new.data_check_value());
        assert_eq!(old.check_value(), old.data_check_value());
        let ct = old.seal(Field::Phone, "13800138000").unwrap();
        assert!(new.open(Field::Phone, &ct).is_err());
        assert_ne!(old.blind_index(Field::Phone, "1"), new.blind_index(Field::Phone, "1"));
        // The data key alone is the key of a file that never rotated.
        let plain = Keys::from_hex(&"cd".repeat(32)).unwrap();
        assert_eq!(plain.blind_index(Field::Phone, "1"), new.blind_index(Field::Phone, "1"));
    }
}
