//! The petitions module's pages: the ledger ([`list`]), registration
//! ([`new`]), the petition page and its A4 form ([`show`]), the steps
//! recorded from it ([`steps`]), what refers to it ([`links`]), full-text search ([`search`]) and the
//! leaders' reception days ([`reception`]).

mod links;
pub mod list;
pub mod new;
pub mod reception;
pub mod search;
pub mod show;
pub mod steps;
