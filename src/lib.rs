//! wi-aws: Teleport Workload Identity → AWS, from answers to proven artifacts.
//!
//! Where each job lives:
//! - `domain/`: the rules of SPIFFE, AWS, Teleport and tbot, pure (no terminal, disk or network);
//! - `answers/`: the answers model, the one list of fields every front end asks, and the plan
//!   the answers make once checked (one workload's, or a fleet's);
//! - `artifacts/`: a plan rendered into files, and those files written safely;
//! - `discover/`: everything that talks to a Teleport proxy (and the demo proxy);
//! - `verify/`: the local proof that the written files fit together;
//! - `doctor/`: the deployed state read back, and why AWS refuses;
//! - `profile/`: the workload's profile merged into the user's AWS config file;
//! - `routes/`: what differs between the routes to AWS (OIDC federation, IAM Roles Anywhere);
//! - `ui/`: the front ends (full-screen, line by line) and the terminal;
//! - `commands/` and `cli`: the command line.

pub mod answers;
pub mod artifacts;
pub mod cli;
pub mod commands;
pub mod discover;
pub mod doctor;
pub mod domain;
pub mod heap;
pub mod profile;
pub mod routes;
pub mod ui;
pub mod verify;
