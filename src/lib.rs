//! claimdesk: claims pulled from news articles, reviewed by people, exported as verdict reports.

pub mod accounts;
pub mod auth;
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
pub mod fetch;
pub mod import;
pub mod ranking;
pub mod routes;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod views;

pub use error::AppError;
