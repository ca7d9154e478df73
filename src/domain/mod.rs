//! The rules of claimdesk as plain Rust: roles, review states, verdicts. No database, no HTTP, no clock.

pub mod claims;
pub mod dates;
pub mod duplicates;
pub mod ids;
pub mod inbox;
pub mod publishing;
pub mod review;
pub mod roles;
pub mod search;
pub mod stats;
pub mod tags;
pub mod text;
pub mod urls;
pub mod verdict;
pub mod webhooks;

pub use claims::ClaimOrigin;
pub use ids::{ArticleId, ClaimId, EvidenceId, TokenId, UserId, VerdictId};
pub use review::{
    Actor, ClaimChange, ClaimSnapshot, ReviewState, Transition, TransitionError, TransitionRequest,
};
pub use roles::Role;
pub use verdict::{Rating, Stance, Verdict, VerdictDetails};

/// The text of an enum value as stored in PostgreSQL and shown in the API did not name a known value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {expected}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

/// Declares a fieldless enum with its canonical snake_case names, `as_str`, `ALL`, `Display`,
/// `FromStr` and serde support, so every enum shared with PostgreSQL and the API spells its
/// values the same way everywhere.
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident ($kind:literal) { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::UnknownValue {
                        kind: $kind,
                        value: s.chars().take(40).collect(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}
pub(crate) use named_enum;
