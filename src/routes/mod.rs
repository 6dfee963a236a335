//! The routes from a Teleport workload identity to AWS credentials. Teleport's guide names two
//! (docs: machine-workload-identity/workload-identity, "OIDC Federation vs Roles Anywhere"):
//! - OIDC federation: tbot writes a JWT SVID, which STS exchanges in
//!   `sts:AssumeRoleWithWebIdentity`; AWS must reach the proxy's issuer. Its artifacts are
//!   `templates/` and its proof `verify::sts`.
//! - IAM Roles Anywhere: an X.509 SVID, whose chain to a trust anchor Roles Anywhere checks
//!   before it assumes the role; nothing needs to reach the cluster ([`roles_anywhere`]).

pub mod roles_anywhere;

use serde::Serialize;

/// The route an answers file takes (`aws.route`). OIDC is the default, so a file written before
/// the choice existed renders exactly as it did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    #[default]
    Oidc,
    RolesAnywhere,
}

impl Route {
    pub const ALL: [Route; 2] = [Self::Oidc, Self::RolesAnywhere];
    /// The ids as written in `answers.yaml`, in [`Self::ALL`] order.
    pub const IDS: [&'static str; 2] = crate::domain::choice::choice_ids!(Route, 2);

    pub const fn id(self) -> &'static str {
        match self {
            Self::Oidc => "oidc",
            Self::RolesAnywhere => "roles-anywhere",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|route| route.id() == value)
    }

    /// The folder of `templates/` that holds this route's own templates; the written path
    /// leaves it out. OIDC's templates are the ones at the top, as they were before routes.
    pub const fn template_folder(self) -> &'static str {
        match self {
            Self::Oidc => "",
            Self::RolesAnywhere => "roles-anywhere/",
        }
    }

    /// What verify simulates on this route.
    pub const fn simulated(self) -> &'static str {
        match self {
            Self::Oidc => "AWS STS",
            Self::RolesAnywhere => "IAM Roles Anywhere",
        }
    }

    /// One line on each choice, from Teleport's guide ("OIDC Federation vs Roles Anywhere"),
    /// for the wizards.
    pub const fn summary(self) -> &'static str {
        match self {
            Self::Oidc => "JWT SVID exchanged with STS; AWS must reach the proxy from the internet",
            Self::RolesAnywhere => {
                "X.509 SVID exchanged with IAM Roles Anywhere; nothing needs to reach the cluster, but the trust anchor must be kept current with the SPIFFE CA"
            }
        }
    }
}
