//! The petitions module: the procedure, who sees what, bad input, search
//! and repeats, the ledger and its exports, and the staff pages.

mod access;
mod input;
mod ledger;
mod pages;
mod procedure;
mod search;

pub use access::*;
pub use input::*;
pub use ledger::*;
pub use pages::*;
pub use procedure::*;
pub use search::*;
