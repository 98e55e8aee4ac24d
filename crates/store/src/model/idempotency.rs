//! Idempotency keys ([`crate::Store::claim_idempotency`]).

/// What a request with an idempotency key finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// The key is new: carry the request out, then answer or release it.
    New,
    /// The first request with this key is still being handled.
    Pending,
    /// Answered before: this status and body.
    Answered { status: i64, body: String },
    /// The key was sent before with another request.
    OtherRequest,
}
