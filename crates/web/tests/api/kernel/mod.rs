//! The kernel every module shares: the API document, the audit chain, the
//! group-commit writer, logging in, the templates.

mod attachments;
mod audit;
mod errors;
mod matrix;
mod notices;
mod openapi;
mod security;
mod session;
mod templates;
mod writes;

pub use attachments::*;
pub use audit::*;
pub use errors::*;
pub use matrix::*;
pub use notices::*;
pub use openapi::openapi_document_lists_every_route;
pub use security::*;
pub use session::*;
pub use writes::*;
