//! Corrections to claims as plain rules: where a claim came from, what an edit may change and
//! how it is checked, who may edit, where a pasted sentence is in its article, and splits.

use crate::domain::{Actor, UserId};
use crate::extract::{Category, ClaimantKind};

crate::domain::named_enum! {
    /// Where a claim came from: the extractor, or a person who marked it.
    pub enum ClaimOrigin ("claim origin") {
        Extracted => "extracted",
        Manual => "manual",
    }
}

/// Longest claimant name and normalised wording accepted.
pub const MAX_CLAIMANT_CHARS: usize = 200;
pub const MAX_NORMALIZED_CHARS: usize = 2000;

/// The fields of a claim a reviewer may correct, as they are now or as an edit wants them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFields {
    pub category: Category,
    pub claimant: Option<String>,
    pub claimant_kind: Option<ClaimantKind>,
    pub normalized_text: Option<String>,
}

/// An edit as asked for: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimEdit {
    pub category: Option<Category>,
    pub claimant: Option<Option<String>>,
    pub claimant_kind: Option<Option<ClaimantKind>>,
    pub normalized_text: Option<Option<String>>,
}

/// One field an edit changed, with its old and new values as text (`None` when empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Trims a text; blank is `None`; too long or holding a NUL is refused with a message.
pub fn checked_text(
    text: Option<&str>,
    what: &str,
    max_chars: usize,
) -> Result<Option<String>, String> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.contains('\0') {
        return Err(format!("the {what} contains a NUL character"));
    }
    if t.chars().count() > max_chars {
        return Err(format!("the {what} is longer than {max_chars} characters"));
    }
    Ok(Some(t.to_owned()))
}

impl ClaimEdit {
    /// The fields after this edit and what changed, in a fixed order (category, claimant,
    /// claimant kind, normalised text). Clearing the claimant clears its kind; a kind without a
    /// claimant is refused.
    pub fn apply(&self, current: &ClaimFields) -> Result<(ClaimFields, Vec<FieldChange>), String> {
        let mut next = current.clone();
        if let Some(category) = self.category {
            next.category = category;
        }
        if let Some(claimant) = &self.claimant {
            next.claimant = checked_text(claimant.as_deref(), "claimant", MAX_CLAIMANT_CHARS)?;
            if next.claimant.is_none() {
                next.claimant_kind = None;
            }
        }
        if let Some(kind) = self.claimant_kind {
            next.claimant_kind = kind;
        }
        if next.claimant.is_none() && next.claimant_kind.is_some() {
            return Err("a claimant kind needs a claimant; name the claimant too".into());
        }
        if let Some(text) = &self.normalized_text {
            next.normalized_text =
                checked_text(text.as_deref(), "normalised wording", MAX_NORMALIZED_CHARS)?;
        }
        let mut changes = Vec::new();
        let mut note = |field: &'static str, old: Option<String>, new: Option<String>| {
            if old != new {
                changes.push(FieldChange { field, old, new });
            }
        };
        note(
            "category",
            Some(current.category.as_str().to_owned()),
            Some(next.category.as_str().to_owned()),
        );
        note("claimant", current.claimant.clone(), next.claimant.clone());
        note(
            "claimant_kind",
            current.claimant_kind.map(|k| k.as_str().to_owned()),
            next.claimant_kind.map(|k| k.as_str().to_owned()),
        );
        note(
            "normalized_text",
            current.normalized_text.clone(),
            next.normalized_text.clone(),
        );
        Ok((next, changes))
    }
}

/// Whether this person may correct a claim: an editor on any claim, a reviewer on the claims
/// assigned to them.
pub fn may_edit(who: Actor, assignee: Option<UserId>) -> bool {
    who.role.is_editor() || assignee == Some(who.id)
}

/// The byte span of `needle` in `body`: the exact text first, else the same words with any
/// whitespace between them (a sentence pasted from a page rarely keeps its line breaks).
/// Surrounding whitespace is never part of the span.
pub fn find_span(body: &str, needle: &str) -> Option<(usize, usize)> {
    let needle = needle.trim();
    if needle.is_empty() {
        return None;
    }
    if let Some(start) = body.find(needle) {
        return Some((start, start + needle.len()));
    }
    let words: Vec<&str> = needle.split_whitespace().collect();
    let first = words.first()?;
    let mut from = 0;
    while let Some(found) = body.get(from..)?.find(first) {
        let start = from + found;
        let mut at = start + first.len();
        let mut matched = true;
        for word in &words[1..] {
            let rest = &body[at..];
            let gap = rest.len() - rest.trim_start().len();
            if gap == 0 || !rest[gap..].starts_with(word) {
                matched = false;
                break;
            }
            at += gap + word.len();
        }
        if matched {
            return Some((start, at));
        }
        from = start + first.len();
    }
    None
}

/// Checks a byte span given by a client: inside the body, on character boundaries, not
/// empty, and trimmed of surrounding whitespace.
pub fn checked_span(body: &str, start: usize, end: usize) -> Result<(usize, usize), String> {
    if start >= end || end > body.len() {
        return Err(format!(
            "start and end must satisfy 0 <= start < end <= {} (the article's length in bytes)",
            body.len()
        ));
    }
    if !body.is_char_boundary(start) || !body.is_char_boundary(end) {
        return Err("start and end must fall between characters, not inside one".into());
    }
    let text = &body[start..end];
    let lead = text.len() - text.trim_start().len();
    let trail = text.len() - text.trim_end().len();
    if lead + trail >= text.len() {
        return Err("the span holds only whitespace".into());
    }
    Ok((start + lead, end - trail))
}

/// A byte span of an article body, `start..end`.
pub type Span = (usize, usize);

/// Where a claim spanning `start..end` is split at `at`: the two trimmed halves, each with
/// text, or why not.
pub fn split_spans(
    body: &str,
    start: usize,
    end: usize,
    at: usize,
) -> Result<(Span, Span), String> {
    if at <= start || at >= end {
        return Err(format!(
            "split at a byte offset inside the claim, between {start} and {end} exclusive"
        ));
    }
    if !body.is_char_boundary(at) {
        return Err("the split offset must fall between characters, not inside one".into());
    }
    let first = checked_span(body, start, at).map_err(|_| "the first part would be empty")?;
    let second = checked_span(body, at, end).map_err(|_| "the second part would be empty")?;
    Ok((first, second))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn fields() -> ClaimFields {
        ClaimFields {
            category: Category::Politics,
            claimant: Some("Dva Mayora".into()),
            claimant_kind: Some(ClaimantKind::Person),
            normalized_text: None,
        }
    }

    #[test]
    fn an_edit_lists_each_changed_field_with_old_and_new_values() {
        let edit = ClaimEdit {
            category: Some(Category::Arms),
            claimant_kind: Some(Some(ClaimantKind::Publication)),
            normalized_text: Some(Some("  Ten jets were sent. ".into())),
            ..Default::default()
        };
        let (next, changes) = edit.apply(&fields()).expect("valid");
        assert_eq!(next.normalized_text.as_deref(), Some("Ten jets were sent."));
        let names: Vec<_> = changes.iter().map(|c| c.field).collect();
        assert_eq!(names, ["category", "claimant_kind", "normalized_text"]);
        assert_eq!(changes[0].old.as_deref(), Some("politics"));
        assert_eq!(changes[0].new.as_deref(), Some("arms"));
        assert_eq!(changes[2].old, None);
        // The same values again change nothing.
        let (_, none) = ClaimEdit {
            category: Some(Category::Politics),
            ..Default::default()
        }
        .apply(&fields())
        .expect("valid");
        assert!(none.is_empty());
    }

    #[test]
    fn clearing_the_claimant_clears_its_kind_and_a_kind_alone_is_refused() {
        let (next, changes) = ClaimEdit {
            claimant: Some(Some("  ".into())),
            ..Default::default()
        }
        .apply(&fields())
        .expect("valid");
        assert_eq!((next.claimant, next.claimant_kind), (None, None));
        assert_eq!(changes.len(), 2);
        let bare = ClaimFields {
            claimant: None,
            claimant_kind: None,
            ..fields()
        };
        assert!(
            ClaimEdit {
                claimant_kind: Some(Some(ClaimantKind::Person)),
                ..Default::default()
            }
            .apply(&bare)
            .is_err()
        );
        assert!(
            ClaimEdit {
                normalized_text: Some(Some("x".repeat(MAX_NORMALIZED_CHARS + 1))),
                ..Default::default()
            }
            .apply(&fields())
            .is_err()
        );
    }

    #[test]
    fn only_editors_and_the_assigned_reviewer_may_edit() {
        let as_role = |role| Actor {
            id: UserId(1),
            role,
        };
        for role in [Role::Editor, Role::Admin] {
            assert!(may_edit(as_role(role), None), "{role:?}");
        }
        let reviewer = as_role(Role::Reviewer);
        assert!(may_edit(reviewer, Some(UserId(1))));
        assert!(!may_edit(reviewer, Some(UserId(2))));
        assert!(!may_edit(reviewer, None));
    }

    #[test]
    fn a_pasted_sentence_is_found_exactly_or_across_line_breaks() {
        let body = "First line here.\nThe army said\nit sent 12 jets. End.";
        assert_eq!(find_span(body, " First line here. "), Some((0, 16)));
        let (s, e) = find_span(body, "The army said it sent 12 jets.").expect("found");
        assert_eq!(&body[s..e], "The army said\nit sent 12 jets.");
        assert_eq!(find_span(body, "The navy said"), None);
        assert_eq!(find_span(body, "   "), None);
    }

    #[test]
    fn offsets_must_be_inside_the_body_and_on_character_boundaries() {
        let body = "Él dijo: 5 tanques.";
        assert!(checked_span(body, 1, 5).is_err(), "inside É");
        assert!(checked_span(body, 4, 4).is_err());
        assert!(checked_span(body, 0, body.len() + 1).is_err());
        assert_eq!(checked_span(body, 0, 8), Ok((0, 8)));
        assert_eq!(checked_span(" ab ", 0, 4), Ok((1, 3)));
        assert!(checked_span(" ab ", 0, 1).is_err());
    }

    #[test]
    fn a_split_needs_an_offset_strictly_inside_with_text_on_both_sides() {
        let body = "One thing. Another thing.";
        assert_eq!(split_spans(body, 0, 25, 10), Ok(((0, 10), (11, 25))));
        assert!(split_spans(body, 0, 25, 0).is_err());
        assert!(split_spans(body, 0, 25, 25).is_err());
        assert!(split_spans("a  b", 0, 4, 2).is_ok());
    }
}
