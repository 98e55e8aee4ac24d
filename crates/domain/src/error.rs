//! The two ways a command is refused: input that is malformed ([`Invalid`], a 4xx
//! of the 422 kind) and a step the procedure does not allow now
//! ([`RuleViolation`], 409 naming the rule).

use serde::Serialize;

/// Input that does not parse into a domain value. `field` names the input
/// field (as in the API), `message` is Chinese for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

/// A step the procedure does not allow at this moment. `code` is stable
/// English for programs; `message` names the rule (article) in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct RuleViolation {
    pub code: &'static str,
    pub message: String,
}

impl RuleViolation {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}
