//! Who may do what: reviewers judge claims, editors also approve, admins also manage accounts.

use super::named_enum;

named_enum! {
    /// A user's role; each role can do everything the one before it can.
    pub enum Role ("role") {
        Reviewer => "reviewer",
        Editor => "editor",
        Admin => "admin",
    }
}

impl Role {
    fn rank(self) -> u8 {
        match self {
            Role::Reviewer => 0,
            Role::Editor => 1,
            Role::Admin => 2,
        }
    }

    /// Whether this role includes every power of `other`.
    pub fn includes(self, other: Role) -> bool {
        self.rank() >= other.rank()
    }

    pub fn is_editor(self) -> bool {
        self.includes(Role::Editor)
    }

    pub fn is_admin(self) -> bool {
        self.includes(Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.includes(Role::Editor));
        assert!(Role::Editor.includes(Role::Reviewer));
        assert!(!Role::Reviewer.includes(Role::Editor));
        assert!(!Role::Editor.is_admin());
        assert_eq!("editor".parse::<Role>(), Ok(Role::Editor));
        assert!("root".parse::<Role>().is_err());
    }
}
