//! Integration tests: real PostgreSQL (a database per test), the real HTTP app, real browsers.

mod helpers;

mod export;
mod export_writers;
mod health;
