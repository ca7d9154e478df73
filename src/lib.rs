//! claimdesk: claims pulled from news articles, reviewed by people, exported as verdict reports.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod extract;
pub mod fetch;
pub mod http_log;
pub mod import;
pub mod routes;
pub mod runtime_role;
pub mod search;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
pub mod views;

pub use error::AppError;
