//! IAM's quotas that decide whether an apply goes through: how many roles and policies an
//! account holds, how many managed policies a role carries, how long a policy may be.
//!
//! The figures are AWS's, from the IAM User Guide's "IAM and AWS STS quotas" page (IAM object
//! quotas; "IAM and STS character limits") and the fields `GetAccountSummary` reports them in
//! (`RolesQuota`, `PoliciesQuota`, `AttachedPoliciesPerRoleQuota`, `AssumeRolePolicySizeQuota`
//! and `PolicySizeQuota`, "in non-whitespace characters"). A quota's default can be raised in
//! Service Quotas up to its maximum; over the maximum AWS refuses whatever is asked.
//! `wi-aws doctor --preflight` reads the account's own figures; these are the defaults a plan
//! is held to before that.

/// One of IAM's quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// What is counted, in the user's words ("IAM roles in the account").
    pub what: &'static str,
    /// Every account's until it asks for more.
    pub default: usize,
    /// The most Service Quotas grants; equal to `default` where it cannot be raised.
    pub max: usize,
    /// The service in Service Quotas, and the quota's name there.
    pub service: &'static str,
    pub service_quota: &'static str,
    /// What IAM answers the request that goes over it.
    pub refusal: &'static str,
}

/// Where a count stands against a quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    Within,
    /// Over the default: the account must have had the quota raised.
    OverDefault,
    /// Over the most AWS grants: refused in every account.
    OverMax,
}

impl Quota {
    pub fn fit(&self, count: usize) -> Fit {
        match count {
            count if count > self.max => Fit::OverMax,
            count if count > self.default => Fit::OverDefault,
            _ => Fit::Within,
        }
    }

    /// What to do over the default: the quota to raise and how far.
    pub fn raise(&self) -> String {
        let up_to = match self.max {
            ADJUSTABLE => String::new(),
            max => format!(", up to {max}"),
        };
        format!(
            "ask Service Quotas for more ({}, \"{}\"{up_to}) before applying, or `wi-aws doctor --preflight` to read this account's own quota",
            self.service, self.service_quota
        )
    }
}

const IAM: &str = "IAM";

/// The `max` of a quota AWS raises on request without a documented most: no count is refused
/// in every account.
pub const ADJUSTABLE: usize = usize::MAX;

/// IAM object quotas: "Roles in an AWS account: 1,000; can be increased up to 5,000".
pub const ROLES_PER_ACCOUNT: Quota = Quota {
    what: "IAM roles in the account",
    default: 1000,
    max: 5000,
    service: IAM,
    service_quota: "Roles per account",
    refusal: "LimitExceeded: Cannot exceed quota for RolesPerAccount",
};

/// IAM object quotas: "Customer managed policies in an AWS account: 1,500; up to 5,000".
pub const CUSTOMER_MANAGED_POLICIES: Quota = Quota {
    what: "customer managed policies in the account",
    default: 1500,
    max: 5000,
    service: IAM,
    service_quota: "Customer managed policies per account",
    refusal: "LimitExceeded: Cannot exceed quota for PoliciesPerAccount",
};

/// IAM object quotas: "Managed policies attached to an IAM role: 10; up to 20".
pub const MANAGED_POLICIES_PER_ROLE: Quota = Quota {
    what: "managed policies attached to one role",
    default: 10,
    max: 20,
    service: IAM,
    service_quota: "Managed policies per role",
    // As IAM words it (e.g. ministryofjustice/cloud-platform-environments PR #14118).
    refusal: "LimitExceeded: Cannot exceed quota for PoliciesPerRole",
};

/// IAM and STS character limits: "Role trust policy length: 2,048 characters; can be
/// increased up to 4,096" (`AssumeRolePolicySizeQuota`, non-whitespace characters).
pub const TRUST_POLICY_CHARS: Quota = Quota {
    what: "characters of a role trust policy (whitespace not counted)",
    default: 2048,
    max: 4096,
    service: IAM,
    service_quota: "Role trust policy length",
    // As IAM words it (e.g. kubeflow/dashboard issue #29).
    refusal: "LimitExceeded: Cannot exceed quota for ACLSizePerRole",
};

/// IAM and STS character limits: "Managed policy size: 6,144 characters", which cannot be
/// raised (`PolicySizeQuota`, non-whitespace characters).
pub const MANAGED_POLICY_CHARS: Quota = Quota {
    what: "characters of a managed policy (whitespace not counted)",
    default: 6144,
    max: 6144,
    service: IAM,
    service_quota: "Managed policy length",
    refusal: "LimitExceeded: Cannot exceed quota for PolicySize",
};

/// IAM Roles Anywhere quotas, per account and region: "Profiles: 250", adjustable
/// (<https://docs.aws.amazon.com/rolesanywhere/latest/userguide/quotas.html>). A set creates at
/// most one trust anchor, against a quota of 50.
pub const ROLES_ANYWHERE_PROFILES: Quota = Quota {
    what: "Roles Anywhere profiles in the region",
    default: 250,
    max: ADJUSTABLE,
    service: "IAM Roles Anywhere",
    service_quota: "Profiles",
    refusal: "ServiceQuotaExceededException",
};

/// A policy document's size as IAM counts it ("in non-whitespace characters"): its
/// characters, every whitespace character left out.
pub fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// A parsed policy's size: its compact JSON, which has no whitespace outside strings.
pub fn policy_value_size(document: &serde_json::Value) -> usize {
    policy_size(&document.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_stand_within_over_the_default_or_over_the_max() {
        assert_eq!(ROLES_PER_ACCOUNT.fit(1000), Fit::Within);
        assert_eq!(ROLES_PER_ACCOUNT.fit(1001), Fit::OverDefault);
        assert_eq!(ROLES_PER_ACCOUNT.fit(5000), Fit::OverDefault);
        assert_eq!(ROLES_PER_ACCOUNT.fit(5001), Fit::OverMax);
        // A quota that cannot be raised has nothing between.
        assert_eq!(MANAGED_POLICY_CHARS.fit(6144), Fit::Within);
        assert_eq!(MANAGED_POLICY_CHARS.fit(6145), Fit::OverMax);
    }

    #[test]
    fn a_policy_is_measured_without_its_whitespace() {
        assert_eq!(policy_size("{\n  \"a\": 1\n}\n"), 7);
        let value = serde_json::json!({"Version": "2012-10-17"});
        assert_eq!(
            policy_value_size(&value),
            policy_size("{ \"Version\" : \"2012-10-17\" }")
        );
    }
}
