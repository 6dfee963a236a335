//! The rules wi-aws relies on, each with its source: SPIFFE IDs, AWS names and ARNs, Teleport's
//! addresses, versions and API generations, tbot's settings, certificate thumbprints, the keys
//! and tokens STS verifies. Pure: no terminal, disk or network.

pub mod aws;
pub(crate) mod choice;
pub mod jwk;
pub mod jwt_svid;
pub mod kubernetes;
pub mod policy_document;
pub mod quotas;
pub mod spiffe;
pub mod tbot;
pub mod teleport;
pub mod thumbprint;
