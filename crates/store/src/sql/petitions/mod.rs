//! The petitions module's SQL (信访事项): reads and the ledger list
//! ([`read`]), registration and steps ([`write`]), deadlines and their
//! per-unit counts ([`deadlines`]), full-text search ([`search`]), repeat
//! petitions ([`repeat`]), the workbench and statistics ([`work`]) and the
//! records resealed for the deep audit check ([`seals`]) and re-encrypted
//! under a new key ([`rekey`]).

mod deadlines;
mod read;
mod reception;
mod rekey;
mod repeat;
mod seals;
mod search;
mod work;
mod write;

pub(crate) use deadlines::*;
pub(crate) use read::*;
pub(crate) use seals::*;
pub(crate) use search::*;
pub(crate) use write::*;

use super::*;
