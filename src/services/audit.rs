//! Checking the audit trail's hash chains. The database links each claim event to the one
//! before it (migration `claim_event_chain`); this walks every chain and recomputes each hash
//! here, independently of the database's own code, so a row changed behind the
//! application's back (triggers disabled by the table owner, a restored dump edited by hand)
//! shows up with its claim and event.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use crate::db::events::EventKind;
use crate::db::schema::claim_events;
use crate::domain::ReviewState;

/// The hash before a claim's first event.
pub const GENESIS: [u8; 32] = [0; 32];
/// Events read per query while walking.
const BATCH: i64 = 5_000;

/// One stored event, as far as its hash covers it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = claim_events)]
pub struct ChainedEvent {
    pub id: i64,
    pub claim_id: i64,
    pub seq: i32,
    pub actor_id: i64,
    pub kind: EventKind,
    pub from_state: Option<ReviewState>,
    pub to_state: Option<ReviewState>,
    pub evidence_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub note: Option<String>,
    pub hash: Vec<u8>,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl ChainedEvent {
    /// The canonical content the hash covers (the same lines the migrations'
    /// `claim_event_content` and `claim_event_change` write): a change to the claim itself
    /// adds its field and old and new values after the note, so older events hash as before.
    pub fn canonical(&self) -> Vec<u8> {
        let opt = |v: Option<String>| v.unwrap_or_default();
        let counted = |v: &Option<String>| match v {
            None => "-".to_owned(),
            Some(text) => format!("{}:{text}", text.len()),
        };
        let note = counted(&self.note);
        let change = match &self.field {
            None => String::new(),
            Some(field) => format!(
                "\nfield={field}\nold={}\nnew={}",
                counted(&self.old_value),
                counted(&self.new_value)
            ),
        };
        format!(
            "claimdesk-event/1\nseq={}\nid={}\nclaim={}\nactor={}\nkind={}\nfrom={}\nto={}\nevidence={}\nat={}\nnote={note}{change}",
            self.seq,
            self.id,
            self.claim_id,
            self.actor_id,
            self.kind.as_str(),
            opt(self.from_state.map(|s| s.as_str().to_owned())),
            opt(self.to_state.map(|s| s.as_str().to_owned())),
            opt(self.evidence_id.map(|e| e.to_string())),
            self.created_at.timestamp_micros(),
        )
        .into_bytes()
    }

    /// This event's hash given the one before it.
    pub fn expected_hash(&self, previous: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(previous);
        hasher.update(self.canonical());
        hasher.finalize().into()
    }
}

/// The first link that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub claim_id: i64,
    pub event_id: i64,
    pub seq: i32,
    pub reason: &'static str,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "claim {}, event {} (number {} in its chain): {}",
            self.claim_id, self.event_id, self.seq, self.reason
        )
    }
}

/// What a walk over every chain found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub claims: u64,
    pub events: u64,
    pub first_break: Option<Break>,
}

/// Where a chain stands while walking it.
struct Cursor {
    claim_id: i64,
    seq: i32,
    hash: Vec<u8>,
}

/// Checks one event against the chain so far, moving the cursor on.
fn check(cursor: &mut Option<Cursor>, event: &ChainedEvent) -> Option<Break> {
    let (expected_seq, previous) = match cursor {
        Some(c) if c.claim_id == event.claim_id => (c.seq + 1, c.hash.clone()),
        _ => (1, GENESIS.to_vec()),
    };
    let broken = |reason| {
        Some(Break {
            claim_id: event.claim_id,
            event_id: event.id,
            seq: event.seq,
            reason,
        })
    };
    if event.seq != expected_seq {
        return broken("an event before this one is missing");
    }
    if event.expected_hash(&previous)[..] != event.hash[..] {
        return broken("its content or its link to the previous event was changed");
    }
    *cursor = Some(Cursor {
        claim_id: event.claim_id,
        seq: event.seq,
        hash: event.hash.clone(),
    });
    None
}

/// Walks every claim's chain in order, a batch at a time, and stops at the first break.
pub async fn verify(conn: &mut AsyncPgConnection) -> QueryResult<Report> {
    let mut report = Report::default();
    let mut cursor: Option<Cursor> = None;
    let mut after = (0_i64, 0_i32);
    loop {
        let batch: Vec<ChainedEvent> = claim_events::table
            .filter(
                claim_events::claim_id.gt(after.0).or(claim_events::claim_id
                    .eq(after.0)
                    .and(claim_events::seq.gt(after.1))),
            )
            .order((claim_events::claim_id.asc(), claim_events::seq.asc()))
            .limit(BATCH)
            .select(ChainedEvent::as_select())
            .load(conn)
            .await?;
        let Some(last) = batch.last() else {
            return Ok(report);
        };
        after = (last.claim_id, last.seq);
        for event in &batch {
            if cursor.as_ref().is_none_or(|c| c.claim_id != event.claim_id) {
                report.claims += 1;
            }
            report.events += 1;
            if let Some(found) = check(&mut cursor, event) {
                report.first_break = Some(found);
                return Ok(report);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i32, note: Option<&str>) -> ChainedEvent {
        ChainedEvent {
            id: 10 + i64::from(seq),
            claim_id: 7,
            seq,
            actor_id: 2,
            kind: EventKind::Transition,
            from_state: Some(ReviewState::Extracted),
            to_state: Some(ReviewState::InReview),
            evidence_id: None,
            created_at: DateTime::from_timestamp_micros(1_764_500_000_123_456).unwrap_or_default(),
            note: note.map(str::to_owned),
            hash: Vec::new(),
            field: None,
            old_value: None,
            new_value: None,
        }
    }

    #[test]
    fn canonical_content_is_line_per_field_with_the_note_last_and_counted() {
        let text = String::from_utf8(event(1, Some("two\nlines")).canonical()).unwrap_or_default();
        assert_eq!(
            text,
            "claimdesk-event/1\nseq=1\nid=11\nclaim=7\nactor=2\nkind=transition\nfrom=extracted\n\
             to=in_review\nevidence=\nat=1764500000123456\nnote=9:two\nlines"
        );
        assert!(
            String::from_utf8(event(1, None).canonical())
                .unwrap_or_default()
                .ends_with("note=-")
        );
    }

    #[test]
    fn a_change_adds_its_field_and_counted_values_after_the_note() {
        let mut edit = event(2, None);
        edit.kind = EventKind::ClaimEdited;
        edit.field = Some("claimant".into());
        edit.old_value = None;
        edit.new_value = Some("Dva Mayora".into());
        let text = String::from_utf8(edit.canonical()).unwrap_or_default();
        assert!(
            text.ends_with("note=-\nfield=claimant\nold=-\nnew=10:Dva Mayora"),
            "{text}"
        );
    }

    #[test]
    fn a_changed_event_or_a_gap_breaks_the_chain() {
        let mut first = event(1, Some("ok"));
        first.hash = first.expected_hash(&GENESIS).to_vec();
        let mut second = event(2, None);
        second.hash = second.expected_hash(&first.hash).to_vec();
        let mut cursor = None;
        assert_eq!(check(&mut cursor, &first), None);
        assert_eq!(check(&mut cursor, &second), None);

        let mut cursor = None;
        let mut edited = first.clone();
        edited.note = Some("changed".into());
        assert_eq!(check(&mut cursor, &edited).map(|b| b.event_id), Some(11));

        let mut cursor = None;
        assert_eq!(
            check(&mut cursor, &second).map(|b| b.reason),
            Some("an event before this one is missing")
        );
    }
}
