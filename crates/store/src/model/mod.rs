//! Row types: what the store takes and gives back. Domain values travel as
//! their wire strings and JSON; personal numbers arrive already encrypted.
//! One file per module; the kernel's rows ([`org`], [`personal`], [`audit`])
//! beside them.

mod attachments;
mod audit;
mod disputes;
mod idempotency;
mod org;
mod outbox;
mod ownership;
mod personal;
mod petitions;

pub use attachments::*;
pub use audit::*;
pub use disputes::*;
pub use idempotency::*;
pub use org::*;
pub use outbox::*;
pub use ownership::*;
pub use personal::*;
pub use petitions::*;
