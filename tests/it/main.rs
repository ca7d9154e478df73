//! Integration tests: real PostgreSQL (a database per test), the real HTTP app, real browsers.

mod helpers;

mod articles;
mod asvs;
mod auth;
mod browser;
mod browser_desk;
mod claim_edits;
mod desk;
mod errors;
mod export;
mod export_writers;
mod extract;
mod fetch;
mod health;
mod inbox;
mod layers;
mod matching;
mod process;
mod security;
mod verdicts;
mod webhooks;
mod workflow;
