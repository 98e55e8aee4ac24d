//! The ways a command is refused or fails, without HTTP: the web maps each
//! to a status and its JSON or page (`web/src/error.rs`), the CLI prints
//! [`Error::summary`]. `code` is stable English for programs, the message
//! is Chinese for people. Faults of the server are logged (never with
//! personal data) and answered with a generic message.

use xinfang_domain::{Invalid, RuleViolation};
use xinfang_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist, or the user may not know it does.
    #[error("{0}")]
    NotFound(String),
    /// The user name and password do not match an active account.
    #[error("用户名或密码错误")]
    BadCredentials,
    /// Logged in, but the role or the unit may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// A request that is malformed as a whole (not one field).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// One error per input field (422).
    #[error("{}", invalid_message(.0))]
    Invalid(Vec<Invalid>),
    /// A step the procedure does not allow now, naming the rule.
    #[error("{}", .0.message)]
    Rule(RuleViolation),
    /// The state of the stored data refuses it (a unique value taken, a
    /// case updated by someone else).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Too many failures from one user name or address.
    #[error("失败次数过多，请 {} 分钟后再试", .wait_secs.div_ceil(60))]
    TooMany { wait_secs: u64 },
    /// The database could not take the write; nothing of it was stored.
    #[error("数据库暂时无法写入，本次操作未保存，请稍后重试")]
    NotCommitted,
    /// A stored record that cannot be read (edited in the database by
    /// hand, or damaged): named, so that `xinfang check` can find it.
    #[error("该记录已损坏，无法读取（{0}）。请系统管理员运行 xinfang check 核查")]
    Corrupt(String),
    #[error("服务器内部错误，请稍后重试")]
    Internal,
}

fn invalid_message(fields: &[Invalid]) -> String {
    match fields {
        [one] => one.message.clone(),
        many => format!(
            "输入有 {} 处错误：{}",
            many.len(),
            many.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；")
        ),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn not_found() -> Self {
        Error::NotFound("未找到".into())
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Error::BadRequest { code, message: message.into() }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::Conflict { code, message: message.into() }
    }
    /// One field's error.
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![Invalid::new(field, code, message)])
    }

    /// What went wrong, for a person: each field's message, or the message.
    pub fn summary(&self) -> String {
        match self {
            Error::Invalid(fields) if !fields.is_empty() => {
                fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；")
            }
            e => e.to_string(),
        }
    }

    /// The stable English code of the error, as the API gives it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "not_found",
            Error::BadCredentials => "bad_credentials",
            Error::Forbidden(_) => "forbidden",
            Error::BadRequest { code, .. } | Error::Conflict { code, .. } => code,
            Error::Invalid(_) => "invalid_input",
            Error::Rule(v) => v.code,
            Error::TooMany { .. } => "too_many_attempts",
            Error::NotCommitted => "not_committed",
            Error::Corrupt(_) => "corrupt_record",
            Error::Internal => "internal_error",
        }
    }
}

impl From<Invalid> for Error {
    fn from(e: Invalid) -> Self {
        Error::Invalid(vec![e])
    }
}

impl From<RuleViolation> for Error {
    fn from(v: RuleViolation) -> Self {
        Error::Rule(v)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => Error::NotFound(m),
            StoreError::Conflict(m) => Error::Conflict { code: "conflict", message: m },
            StoreError::Corrupt(m) => {
                tracing::error!(what = %m, "corrupt record");
                Error::Corrupt(m)
            }
            StoreError::Busy(m) => {
                tracing::warn!(error = %m, "write not committed");
                Error::NotCommitted
            }
            other => {
                tracing::error!(error = %other, "store error");
                Error::Internal
            }
        }
    }
}

impl From<crate::crypto::CryptoError> for Error {
    fn from(e: crate::crypto::CryptoError) -> Self {
        tracing::error!(error = %e, "crypto error");
        Error::Internal
    }
}
