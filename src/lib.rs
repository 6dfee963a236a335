//! wi-aws: Teleport Workload Identity → AWS OIDC federation, from answers to proven artifacts.
//!
//! The domain modules (`spiffe`, `aws`, `teleport`, `tbot`, `thumbprint`) hold the rules; `plan`
//! applies them to the `answers`; `render` turns a plan into artifacts and `write` puts them on
//! disk. Front ends only collect answers.

pub mod advice;
pub mod answers;
pub mod aws;
pub mod check;
mod choice;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod discover;
pub mod doctor;
pub mod escape;
pub mod files;
pub mod fleet;
pub mod jwk;
pub mod jwt_svid;
pub mod output;
pub mod parallel;
pub mod pipeline;
pub mod plain;
pub mod plan;
pub mod problem;
pub mod profile;
pub mod render;
pub mod schema;
pub mod spiffe;
pub mod steps;
pub mod tbot;
pub mod teleport;
pub mod terminal;
pub mod thumbprint;
pub mod tui;
pub mod verify;
pub mod write;
pub mod yaml;
