//! Integration tests: real PostgreSQL (a database per test), the real HTTP app, real browsers.

mod helpers;

mod auth;
mod export_writers;
mod fetch;
mod health;
mod workflow;
