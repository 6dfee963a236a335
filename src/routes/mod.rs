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

    /// What the workloads of a fleet on this route must agree on beyond what every fleet's
    /// must (`answers::fleet`), each problem with the index of its workload in the file.
    pub fn fleet_problems(
        self,
        workloads: &[(usize, crate::answers::fleet::FleetWorkload)],
    ) -> Vec<(usize, crate::answers::problem::Problem)> {
        match self {
            Self::Oidc => Vec::new(),
            Self::RolesAnywhere => roles_anywhere::fleet::problems(workloads),
        }
    }

    /// What is valid in a fleet on this route but likely to surprise.
    pub fn fleet_warnings(self, workloads: &[crate::answers::fleet::FleetWorkload]) -> Vec<String> {
        match self {
            Self::Oidc => Vec::new(),
            Self::RolesAnywhere => roles_anywhere::fleet::warnings(workloads),
        }
    }

    /// What every workload of a fleet shares on this route, besides the cluster and account.
    pub const fn shared_by_a_fleet(self) -> &'static str {
        match self {
            Self::Oidc => "the OIDC provider",
            Self::RolesAnywhere => "the trust anchor",
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

/// Why the proxy at `host` is likely out of AWS's reach, which only the OIDC route needs: a
/// loopback or private address (RFC 1918, RFC 4193, link-local), or a name of a private
/// namespace (`.internal`, `.local`, `.localhost`, `.lan`, `.corp`, `.home.arpa`, RFC 6762 and
/// RFC 8375), or a name without a dot. `None` when nothing says so. Pure: no name is resolved.
pub fn private_proxy(host: &str) -> Option<String> {
    use std::net::IpAddr;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let private = match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => {
            let first = ip.segments()[0];
            ip.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        Err(_) => {
            let name = bare.trim_end_matches('.').to_ascii_lowercase();
            !name.contains('.')
                || [
                    ".internal",
                    ".local",
                    ".localhost",
                    ".lan",
                    ".corp",
                    ".home.arpa",
                ]
                .iter()
                .any(|suffix| name.ends_with(suffix))
        }
    };
    private.then(|| {
        format!(
            "the proxy {host} looks private: AWS cannot reach it for the OIDC route; roles-anywhere needs no inbound reachability"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::private_proxy;

    #[test]
    fn private_addresses_suggest_roles_anywhere_and_public_ones_do_not() {
        for host in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.10",
            "172.16.5.4",
            "[::1]",
            "[fd12::1]",
            "teleport.corp.internal",
            "proxy.local",
            "teleport",
            "proxy.home.arpa",
        ] {
            assert!(private_proxy(host).is_some(), "{host}");
        }
        for host in [
            "example.teleport.sh",
            "8.8.8.8",
            "172.32.0.1",
            "[2001:db8::1]",
        ] {
            assert!(private_proxy(host).is_none(), "{host}");
        }
    }
}
