//! Authentication and authorisation: passwords, sessions, CSRF, API tokens, and the extractors
//! that give a handler its current user.

pub mod csrf;
pub mod extractors;
pub mod login;
pub mod password;
pub mod secrets;

pub use extractors::{
    Access, AdminOnly, AnyUser, CurrentUser, EditorOnly, RequireAdmin, RequireEditor,
};
