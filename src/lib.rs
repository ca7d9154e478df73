//! claimdesk: claims pulled from news articles, reviewed by people, exported as verdict reports.
//!
//! The modules are layers, and imports point down only (`tests/it/layers.rs` checks it):
//!
//! - edge: [`routes`], [`views`], [`cli`], [`commands`], [`startup`] parse, authorise, call one
//!   service and render;
//! - services: [`services`] (import, review, evidence, reports, accounts) and [`auth`] own the
//!   transactions and call the layers below;
//! - data: [`db`] (queries, one module per table) and [`fetch`] (web pages);
//! - floor: [`config`], [`error`], [`telemetry`];
//! - pure: [`domain`], [`extract`], [`checkworthy`], [`export`], [`feeds`]: plain data in,
//!   plain data out.
//!
//! A transition goes `routes::claims` → `services::review::transition` (one transaction:
//! `db::claims` lock, `domain::review::apply`, guarded update, `db::events` row); an export goes
//! `routes::reports` → `services::reports::ExportRequest::parse` (the claims as the one
//! `db::claims::ClaimFilter` the queue and the API use) → `services::reports::start_export`
//! (`db::reports` batches) → `export::{csv,json,claimreview,html}` → the streamed body.

pub mod auth;
pub mod checkworthy;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod embed;
pub mod error;
pub mod export;
pub mod extract;
pub mod factcheck;
pub mod feeds;
pub mod fetch;
pub mod http_log;
pub mod ranking;
pub mod routes;
pub mod services;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
pub mod views;

pub use error::AppError;
