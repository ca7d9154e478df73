//! Use cases: what the web routes and the command line both do, over the database and the
//! pure core.

pub mod matching;
