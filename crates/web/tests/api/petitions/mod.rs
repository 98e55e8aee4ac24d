//! The petitions module: the procedure, who sees what, bad input, search
//! and repeats, the ledger and its exports, and the staff pages.

mod access;
pub mod documents;
mod input;
mod ledger;
mod pages;
mod procedure;
mod search;

pub use access::*;
pub use documents::notices_are_word_files_filled_from_the_case;
pub use input::*;
pub use ledger::*;
pub use pages::*;
pub use procedure::*;
pub use search::*;
