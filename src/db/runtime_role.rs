//! The two-role setup: the owner role runs migrations; the server may run as a role that owns
//! nothing and holds only what each table needs. In particular it can only read and append to
//! the audit trail, and cannot disable or drop the triggers that guard it.

use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

/// Each table and exactly the privileges the application uses on it. A table missing here
/// makes `grant-runtime` refuse, so a new table cannot be forgotten.
pub const TABLE_PRIVILEGES: &[(&str, &str)] = &[
    ("users", "SELECT, INSERT, UPDATE"),
    // Sign-out and expiry delete sessions; nothing else is ever deleted.
    ("sessions", "SELECT, INSERT, UPDATE, DELETE"),
    ("api_tokens", "SELECT, INSERT, UPDATE"),
    // A successful sign-in removes its counters.
    ("login_throttle", "SELECT, INSERT, UPDATE, DELETE"),
    // Details are edited and articles archived and restored; never deleted.
    ("articles", "SELECT, INSERT, UPDATE"),
    // The articles' audit trail: read and append, nothing more.
    ("article_events", "SELECT, INSERT"),
    ("claims", "SELECT, INSERT, UPDATE"),
    ("evidence", "SELECT, INSERT, UPDATE"),
    // The audit trail: read and append, nothing more.
    ("claim_events", "SELECT, INSERT"),
    // Verdict versions: appended, never rewritten. The one UPDATE is the approval, granted on
    // the two approval columns only; a trigger also refuses any second approval, so an
    // approved verdict stays as it was published. A separate approvals table would avoid the
    // grant, but every reader would then join it for two columns that are set exactly once.
    (
        "verdicts",
        "SELECT, INSERT, UPDATE (approved_by, approved_at)",
    ),
    // Kept by triggers on claims, which run with the inserting role's rights; a transaction's
    // first count in its shard inserts the row. Read through the view of the old name.
    ("claim_state_count_shards", "SELECT, INSERT, UPDATE"),
    ("claim_state_counts", "SELECT"),
    // Tags are created and recoloured by editors, never deleted (events name them).
    ("tags", "SELECT, INSERT, UPDATE"),
    // Removing a tag from a claim deletes its row; the claim's audit trail keeps both events.
    ("claim_tags", "SELECT, INSERT, DELETE"),
    // Known fact-checks: a re-import updates its row; embeddings are recomputed in place.
    // A reopened verdict of ours leaves the index it joined on approval.
    ("fact_checks", "SELECT, INSERT, UPDATE, DELETE"),
    // A claim's stored matches are replaced whole when it is matched again.
    ("claim_matches", "SELECT, INSERT, DELETE"),
    // Repeat marks go with the fact-check they point at (the audit trail keeps the event).
    ("claim_repeats", "SELECT, INSERT, DELETE"),
    // Per-address counters of the public pages; finished windows are pruned.
    ("public_throttle", "SELECT, INSERT, UPDATE, DELETE"),
    ("claim_embeddings", "SELECT, INSERT, UPDATE"),
    // Saved views are created and deleted by their owners; follows are started and stopped.
    ("saved_views", "SELECT, INSERT, DELETE"),
    ("claim_follows", "SELECT, INSERT, DELETE"),
    // The inbox: written with the change that causes it; only the read mark ever changes.
    ("notifications", "SELECT, INSERT, UPDATE (read_at)"),
    // Kept by triggers on claims; a new (state, category, step, shard) cell is inserted. The
    // views of the old names sum the shards.
    ("claim_tally_shards", "SELECT, INSERT, UPDATE"),
    ("claim_tallies", "SELECT"),
    // The dashboard's weekly numbers, kept by triggers on verdicts and claims; a new week,
    // reviewer or shard gets its row.
    ("verdict_week_shards", "SELECT, INSERT, UPDATE"),
    ("verdict_weeks", "SELECT"),
    ("approval_hour_shards", "SELECT, INSERT, UPDATE"),
    ("approval_hours", "SELECT"),
    // Watched feeds: added, paused and resumed, their poll results written back; never deleted
    // (their jobs and counts refer to them).
    ("sources", "SELECT, INSERT, UPDATE"),
    // Jobs change state as workers take and finish them; finished ones are deleted after the
    // retention period (imports from sources, the record of what was fetched, are kept).
    ("jobs", "SELECT, INSERT, UPDATE, DELETE"),
    // Per-host fetch slots and robots.txt, upserted by workers.
    ("fetch_hosts", "SELECT, INSERT, UPDATE"),
    // Webhook endpoints are switched on and off, never deleted (their deliveries name them).
    ("webhook_endpoints", "SELECT, INSERT, UPDATE (enabled)"),
    // The outbox: workers claim, lease and record each delivery's outcome in place.
    ("webhook_deliveries", "SELECT, INSERT, UPDATE"),
    // To check that the schema is current at start.
    ("__diesel_schema_migrations", "SELECT"),
];

/// A role name as PostgreSQL would take it unquoted; anything else is refused rather than
/// quoted, since it ends up in GRANT statements, which take no bind parameters.
pub fn valid_role(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

/// The statements that give `role` exactly the runtime privileges on the current database.
pub fn grant_sql(role: &str) -> anyhow::Result<String> {
    if !valid_role(role) {
        anyhow::bail!(
            "{role:?} is not a plain role name (lower-case letters, digits and '_', at most 63)"
        );
    }
    let mut sql = vec![
        format!("GRANT USAGE ON SCHEMA public TO {role};"),
        format!("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role};"),
        format!("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role};"),
    ];
    for (table, privileges) in TABLE_PRIVILEGES {
        sql.push(format!("GRANT {privileges} ON {table} TO {role};"));
    }
    sql.push(format!(
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role};"
    ));
    Ok(sql.join("\n"))
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Tables of the schema that `TABLE_PRIVILEGES` does not cover.
pub async fn uncovered_tables(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .load(conn)
    .await?;
    Ok(tables
        .into_iter()
        .map(|t| t.name)
        .filter(|t| !TABLE_PRIVILEGES.iter().any(|(known, _)| known == t))
        .collect())
}

/// Grants the runtime privileges to an existing role.
pub async fn grant(conn: &mut AsyncPgConnection, role: &str) -> anyhow::Result<()> {
    let sql = grant_sql(role)?;
    let uncovered = uncovered_tables(conn).await?;
    if !uncovered.is_empty() {
        anyhow::bail!(
            "no runtime privileges are defined for table(s) {}; refusing to grant a partial set",
            uncovered.join(", ")
        );
    }
    conn.batch_execute(&format!("BEGIN;\n{sql}\nCOMMIT;"))
        .await?;
    Ok(())
}

/// Migration versions the binary has that the database has not applied.
pub async fn pending_migrations(conn: &mut AsyncPgConnection) -> anyhow::Result<Vec<String>> {
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let table: Exists = diesel::sql_query(
        "SELECT to_regclass('public.__diesel_schema_migrations') IS NOT NULL AS exists",
    )
    .get_result(conn)
    .await?;
    let applied: Vec<String> = if table.exists {
        diesel::sql_query("SELECT version AS name FROM __diesel_schema_migrations")
            .load::<Name>(conn)
            .await?
            .into_iter()
            .map(|n| n.name)
            .collect()
    } else {
        Vec::new()
    };
    let known = MigrationSource::<diesel::pg::Pg>::migrations(&crate::db::MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("reading the built-in migrations: {e}"))?;
    Ok(known
        .iter()
        .map(|m| m.name().version().to_string())
        .filter(|v| !applied.contains(v))
        .collect())
}

/// Whether the connected role may change the schema: a superuser, the owner of the audit
/// table, or anyone on a database that has no tables yet.
pub async fn can_migrate(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Allowed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        allowed: bool,
    }
    let row: Allowed = diesel::sql_query(
        "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) \
             OR coalesce((SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables \
                          WHERE schemaname = 'public' AND tablename = 'claim_events'), true) \
             AS allowed",
    )
    .get_result(conn)
    .await?;
    Ok(row.allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_role_names_reach_the_statements() {
        assert!(grant_sql("claimdesk_app").is_ok());
        for bad in [
            "",
            "App",
            "x; DROP TABLE users",
            "1abc",
            "a\"b",
            &"a".repeat(64),
        ] {
            assert!(grant_sql(bad).is_err(), "{bad:?}");
        }
        let sql = grant_sql("app").unwrap_or_default();
        assert!(sql.contains("GRANT SELECT, INSERT ON claim_events TO app;"));
        assert!(!sql.contains("DELETE ON claim_events"));
    }
}
