//! Integration tests: real PostgreSQL (a database per test), the real HTTP app, real browsers.

mod helpers;

mod articles;
mod auth;
mod browser;
mod export;
mod export_writers;
mod extract;
mod fetch;
mod health;
mod matching;
mod workflow;
