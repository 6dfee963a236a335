//! The routes from a Teleport workload identity to AWS credentials. Teleport's guide names two
//! (docs: machine-workload-identity/workload-identity, "OIDC Federation vs Roles Anywhere"):
//! - OIDC federation: tbot writes a JWT SVID, which STS exchanges in
//!   `sts:AssumeRoleWithWebIdentity`; AWS must reach the proxy's issuer. Its artifacts are
//!   `templates/` and its proof `verify::sts`.
//! - IAM Roles Anywhere: an X.509 SVID, whose chain to a trust anchor Roles Anywhere checks
//!   before it assumes the role; nothing needs to reach the cluster ([`roles_anywhere`]).

pub mod roles_anywhere;
