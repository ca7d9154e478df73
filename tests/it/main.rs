//! Integration tests: real PostgreSQL (a database per test), the real HTTP app, real browsers.

mod helpers;

mod articles;
mod asvs;
mod auth;
mod browser;
mod browser_desk;
mod browser_matches;
mod browser_public;
mod claim_edits;
mod claim_matches;
mod desk;
mod errors;
mod export;
mod export_writers;
mod extract;
mod fetch;
mod health;
mod inbox;
mod jobs;
mod layers;
mod matching;
mod process;
mod public;
mod security;
mod sources;
mod verdicts;
mod webhooks;
mod workflow;
mod write_path;
