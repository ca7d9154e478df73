// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "claim_origin"))]
    pub struct ClaimOrigin;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "claimant_kind"))]
    pub struct ClaimantKind;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "claim_category"))]
    pub struct ClaimCategory;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "event_kind"))]
    pub struct EventKind;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "evidence_stance"))]
    pub struct EvidenceStance;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "review_state"))]
    pub struct ReviewState;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "user_role"))]
    pub struct UserRole;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "verdict_kind"))]
    pub struct VerdictKind;
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    api_tokens (id) {
        id -> Int8,
        token_hash -> Bytea,
        user_id -> Int8,
        label -> Text,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    articles (id) {
        id -> Int8,
        title -> Text,
        source_url -> Nullable<Text>,
        publisher -> Nullable<Text>,
        published_on -> Nullable<Date>,
        body -> Text,
        content_hash -> Bytea,
        imported_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
        archived_by -> Nullable<Int8>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    article_events (id) {
        id -> Int8,
        article_id -> Int8,
        actor_id -> Int8,
        kind -> Text,
        field -> Nullable<Text>,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;
    use super::sql_types::EventKind;
    use super::sql_types::ReviewState;

    claim_events (id) {
        id -> Int8,
        claim_id -> Int8,
        actor_id -> Int8,
        kind -> EventKind,
        from_state -> Nullable<ReviewState>,
        to_state -> Nullable<ReviewState>,
        note -> Nullable<Text>,
        evidence_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        seq -> Int4,
        hash -> Bytea,
        field -> Nullable<Text>,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    claim_follows (claim_id, user_id) {
        user_id -> Int8,
        claim_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;
    use super::sql_types::ReviewState;

    claim_state_counts (state) {
        state -> ReviewState,
        claims -> Int8,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    claim_tags (claim_id, tag_id) {
        claim_id -> Int8,
        tag_id -> Int8,
        added_by -> Int8,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;
    use super::sql_types::ClaimCategory;
    use super::sql_types::ReviewState;

    claim_tallies (state, category, step) {
        state -> ReviewState,
        category -> ClaimCategory,
        step -> Int2,
        claims -> Int8,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;
    use super::sql_types::ClaimCategory;
    use super::sql_types::ClaimOrigin;
    use super::sql_types::ClaimantKind;
    use super::sql_types::ReviewState;
    use super::sql_types::VerdictKind;

    claims (id) {
        id -> Int8,
        article_id -> Int8,
        text -> Text,
        span_start -> Int4,
        span_end -> Int4,
        category -> ClaimCategory,
        claimant -> Nullable<Text>,
        score -> Float4,
        entities -> Jsonb,
        state -> ReviewState,
        assignee_id -> Nullable<Int8>,
        verdict -> Nullable<VerdictKind>,
        rating -> Nullable<Int2>,
        label -> Nullable<Text>,
        rationale -> Nullable<Text>,
        verdict_by -> Nullable<Int8>,
        verdict_at -> Nullable<Timestamptz>,
        approved_by -> Nullable<Int8>,
        approved_at -> Nullable<Timestamptz>,
        reopen_count -> Int4,
        version -> Int4,
        duplicate_of -> Nullable<Int8>,
        search -> Tsvector,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        verdict_id -> Nullable<Int8>,
        claimant_kind -> Nullable<ClaimantKind>,
        normalized_text -> Nullable<Text>,
        origin -> ClaimOrigin,
        merged_into -> Nullable<Int8>,
        assigned_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;
    use super::sql_types::EvidenceStance;

    evidence (id) {
        id -> Int8,
        claim_id -> Int8,
        url -> Text,
        title -> Nullable<Text>,
        excerpt -> Nullable<Text>,
        stance -> EvidenceStance,
        added_by -> Int8,
        added_at -> Timestamptz,
        retracted_at -> Nullable<Timestamptz>,
        retracted_by -> Nullable<Int8>,
        retraction_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    login_throttle (key) {
        key -> Text,
        failures -> Int4,
        window_started_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    notifications (id) {
        id -> Int8,
        user_id -> Int8,
        kind -> Text,
        claim_id -> Int8,
        actor_id -> Int8,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    saved_views (id) {
        id -> Int8,
        owner_id -> Int8,
        name -> Text,
        query -> Text,
        shared -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    sessions (id) {
        id -> Int8,
        token_hash -> Bytea,
        user_id -> Int8,
        csrf_token -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    tags (id) {
        id -> Int8,
        name -> Text,
        colour -> Text,
        created_by -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;
    use super::sql_types::UserRole;

    users (id) {
        id -> Int8,
        username -> Text,
        password_hash -> Text,
        role -> UserRole,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;
    use super::sql_types::VerdictKind;

    verdicts (id) {
        id -> Int8,
        claim_id -> Int8,
        verdict -> VerdictKind,
        rating -> Nullable<Int2>,
        label -> Nullable<Text>,
        rationale -> Nullable<Text>,
        author_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        evidence_ids -> Array<Int8>,
        corrects_id -> Nullable<Int8>,
        correction_reason -> Nullable<Text>,
        approved_by -> Nullable<Int8>,
        approved_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    webhook_deliveries (id) {
        id -> Int8,
        endpoint_id -> Int8,
        message_id -> Text,
        event -> Text,
        body -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        lease_until -> Nullable<Timestamptz>,
        lease_token -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamptz>,
        response_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use diesel_full_text_search::Tsvector;

    webhook_endpoints (id) {
        id -> Int8,
        url -> Text,
        secret -> Text,
        events -> Array<Text>,
        enabled -> Bool,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(article_events -> articles (article_id));
diesel::joinable!(article_events -> users (actor_id));
diesel::joinable!(articles -> users (imported_by));
diesel::joinable!(claim_events -> claims (claim_id));
diesel::joinable!(claim_events -> evidence (evidence_id));
diesel::joinable!(claim_events -> users (actor_id));
diesel::joinable!(claim_follows -> claims (claim_id));
diesel::joinable!(claim_follows -> users (user_id));
diesel::joinable!(claim_tags -> claims (claim_id));
diesel::joinable!(claim_tags -> tags (tag_id));
diesel::joinable!(claim_tags -> users (added_by));
diesel::joinable!(claims -> articles (article_id));
diesel::joinable!(evidence -> claims (claim_id));
diesel::joinable!(notifications -> claims (claim_id));
diesel::joinable!(saved_views -> users (owner_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(tags -> users (created_by));
diesel::joinable!(verdicts -> claims (claim_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_endpoints -> users (created_by));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    article_events,
    articles,
    claim_events,
    claim_follows,
    claim_state_counts,
    claim_tallies,
    claim_tags,
    claims,
    evidence,
    login_throttle,
    notifications,
    saved_views,
    sessions,
    tags,
    users,
    verdicts,
    webhook_deliveries,
    webhook_endpoints,
);
