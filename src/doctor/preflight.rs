//! Preflight: before `terraform apply` or `aws-cli/setup.sh`, what the account already holds
//! against what the set would create. The quotas are the account's own (GetAccountSummary
//! returns each one with its use), so no default figure is assumed here; names are compared
//! as IAM compares them, without regard to case. Pure: `read::account` reads the account.

use crate::answers::fleet::Fleet;
use crate::domain::aws::ProviderMode;
use crate::routes::roles_anywhere::AnchorMode;
use crate::verify::check::{Check, CheckId};
use std::collections::BTreeMap;

/// What the account holds, as read-only calls return it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    /// `iam:GetAccountSummary`'s SummaryMap (`Roles`, `RolesQuota`, `Policies`, …).
    pub summary: BTreeMap<String, i64>,
    /// Every role's name (`iam:ListRoles`).
    pub roles: Vec<String>,
    /// Every customer managed policy's name (`iam:ListPolicies`, scope Local).
    pub policies: Vec<String>,
    /// Every OIDC provider's ARN (`iam:ListOpenIDConnectProviders`).
    pub oidc_providers: Vec<String>,
    /// The region's trust anchors, name and ARN (`rolesanywhere:ListTrustAnchors`), on that
    /// route.
    pub trust_anchors: Vec<(String, String)>,
    /// Whether each managed policy the set puts on a role (a permissions boundary, or one of
    /// `aws.managed_policies`) exists (`iam:GetPolicy`), by ARN.
    pub named_policies: BTreeMap<String, bool>,
}

/// The managed policies a set names but does not create, each once: every role's boundary
/// and `aws.managed_policies`. The apply fails on one that does not exist.
pub fn named_policies(fleet: &Fleet) -> Vec<String> {
    let mut arns: Vec<String> = Vec::new();
    for plan in fleet.plans() {
        let named = plan.aws.permissions_boundary.iter();
        for arn in named.chain(plan.aws.managed_policies.iter()) {
            if !arns.contains(arn) {
                arns.push(arn.clone());
            }
        }
    }
    arns
}

/// Every preflight check of `fleet` (one workload's set or many) against `account`.
pub fn checks(fleet: &Fleet, account: &Account) -> Vec<Check> {
    let roles: Vec<&str> = fleet
        .plans()
        .map(|plan| plan.aws.role_name.as_str())
        .collect();
    let policies: Vec<&str> = fleet
        .plans()
        .map(|plan| plan.aws.policy_name.as_str())
        .collect();
    let existing_roles: Vec<&str> = account.roles.iter().map(String::as_str).collect();
    let existing_policies: Vec<&str> = account.policies.iter().map(String::as_str).collect();
    let mut checks = vec![
        names_check(CheckId::RoleNames, "role", &roles, &existing_roles),
        names_check(
            CheckId::PolicyNames,
            "policy",
            &policies,
            &existing_policies,
        ),
        quota_check(
            CheckId::QuotaRoles,
            ("roles", "Roles", "RolesQuota"),
            new_count(&roles, &existing_roles),
            &account.summary,
        ),
        quota_check(
            CheckId::QuotaPolicies,
            ("customer managed policies", "Policies", "PoliciesQuota"),
            new_count(&policies, &existing_policies),
            &account.summary,
        ),
    ];
    checks.extend(named_policies_check(fleet, &account.named_policies));
    let shared = fleet.shared();
    match &shared.roles_anywhere {
        None => checks.push(provider_check(
            shared.aws.provider,
            &shared.provider_arn(),
            &account.oidc_providers,
        )),
        Some(ra) => checks.push(anchor_check(
            ra.trust_anchor,
            ra.trust_anchor_name.as_deref(),
            ra.trust_anchor_arn.as_deref(),
            &account.trust_anchors,
        )),
    }
    checks
}

/// The boundaries and managed policies the set names, against the account; `None` when it
/// names none. One that was not read is a failure too: the check could not be made.
fn named_policies_check(fleet: &Fleet, found: &BTreeMap<String, bool>) -> Option<Check> {
    let id = CheckId::NamedPolicies;
    let named = named_policies(fleet);
    if named.is_empty() {
        return None;
    }
    let missing: Vec<&str> = named
        .iter()
        .filter(|arn| found.get(*arn) != Some(&true))
        .map(String::as_str)
        .collect();
    Some(match missing.is_empty() {
        true => Check::pass(id, format!("the account has {}", named.join(", "))),
        false => Check::fail_owned(
            id,
            format!("the account has no managed policy {}", missing.join(", ")),
            format!(
                "NoSuchEntity: Policy {} does not exist or is not attachable (at create-role or attach-role-policy)",
                missing[0]
            ),
            "create the policy first, or correct the ARN in aws.permissions_boundary or aws.managed_policies"
                .into(),
        ),
    })
}

/// How many of `names` the account does not have yet (IAM names ignore case).
fn new_count(names: &[&str], existing: &[&str]) -> i64 {
    let taken: Vec<String> = existing.iter().map(|n| n.to_ascii_lowercase()).collect();
    let new = names
        .iter()
        .filter(|name| !taken.contains(&name.to_ascii_lowercase()))
        .count();
    i64::try_from(new).unwrap_or(i64::MAX)
}

/// The names the set creates against the account's: one that differs only in case is refused
/// by AWS (IAM API, CreateRole and CreatePolicy: "Names are not distinguished by case"); one
/// that is the same is updated by setup.sh, and refused by a Terraform that does not own it.
fn names_check(id: CheckId, what: &str, names: &[&str], existing: &[&str]) -> Check {
    let mut same = Vec::new();
    let mut by_case = Vec::new();
    for name in names {
        let lower = name.to_ascii_lowercase();
        match existing.iter().find(|e| e.to_ascii_lowercase() == lower) {
            Some(found) if found == name => same.push((*name).to_owned()),
            Some(found) => by_case.push(format!("{name} (the account has {found})")),
            None => {}
        }
    }
    if !by_case.is_empty() {
        return Check::fail_owned(
            id,
            format!(
                "the set creates the {what} {}: the same name but for case, which IAM does not tell apart",
                by_case.join(", ")
            ),
            "EntityAlreadyExists: the create fails, in Terraform and in aws-cli/setup.sh".into(),
            format!(
                "give the workload another aws.{what}_name, or the existing {what}'s exact name"
            ),
        );
    }
    match same.is_empty() {
        true => Check::pass(
            id,
            format!(
                "none of the set's {} {what} name(s) is taken, in any case",
                names.len()
            ),
        ),
        false => Check::warn(
            id,
            format!(
                "the {what}(s) {} exist already: aws-cli/setup.sh updates them; terraform apply fails with EntityAlreadyExists unless you `terraform import` them first",
                same.join(", ")
            ),
        ),
    }
}

/// The account's use and quota of `kind` (GetAccountSummary's `used` and `quota` keys) with
/// what the set adds: over the quota, the apply stops part way.
fn quota_check(
    id: CheckId,
    (kind, used_key, quota_key): (&str, &str, &str),
    adds: i64,
    summary: &BTreeMap<String, i64>,
) -> Check {
    let (Some(used), Some(quota)) = (summary.get(used_key), summary.get(quota_key)) else {
        return Check::fail_owned(
            id,
            format!(
                "GetAccountSummary gave no {used_key} and {quota_key}: the quota cannot be checked"
            ),
            "unknown".into(),
            "run with credentials that may call iam:GetAccountSummary".into(),
        );
    };
    let after = used.saturating_add(adds);
    let said = format!("this set adds {adds} {kind}; the account has {used} of {quota}");
    match after > *quota {
        true => Check::fail_owned(
            id,
            format!("{said}: {after} would be over the quota"),
            "LimitExceeded: the apply stops at the quota, part of the set created".into(),
            format!(
                "ask for more in Service Quotas (IAM, {kind}), delete unused {kind}, or split the fleet across accounts"
            ),
        ),
        false => Check::pass(id, format!("{said}: {after} fit")),
    }
}

/// The OIDC provider the answers create or name, against the account's.
fn provider_check(mode: ProviderMode, arn: &str, providers: &[String]) -> Check {
    let id = CheckId::ProviderExists;
    let exists = providers.iter().any(|p| p == arn);
    match (mode, exists) {
        (ProviderMode::Create, true) => Check::fail_owned(
            id,
            format!("the account has the OIDC provider {arn} already, and the answers create it"),
            "EntityAlreadyExists: terraform apply fails on the provider (aws-cli/setup.sh uses it)"
                .into(),
            "write `oidc_provider: existing` under `aws:` in answers.yaml and render again".into(),
        ),
        (ProviderMode::Existing, false) => Check::fail_owned(
            id,
            format!(
                "the answers name the existing OIDC provider {arn}, which the account does not have"
            ),
            "NoSuchEntity: the data source in main.tf, and setup.sh, find no provider".into(),
            "write `oidc_provider: create` under `aws:` in answers.yaml and render again".into(),
        ),
        (ProviderMode::Create, false) => {
            Check::pass(id, format!("{arn} is new: the set creates it"))
        }
        (ProviderMode::Existing, true) => {
            Check::pass(id, format!("{arn} exists, as the answers say"))
        }
    }
}

/// The trust anchor the answers create or name, against the region's.
fn anchor_check(
    mode: AnchorMode,
    name: Option<&str>,
    arn: Option<&str>,
    anchors: &[(String, String)],
) -> Check {
    let id = CheckId::AnchorExists;
    match mode {
        AnchorMode::Create => {
            let name = name.unwrap_or_default();
            match anchors.iter().find(|(n, _)| n == name) {
                Some((_, found)) => Check::warn(
                    id,
                    format!(
                        "the region has a trust anchor named {name:?} already ({found}): aws-cli/setup.sh uses it, terraform apply creates a second of the same name; to use this one, write `trust_anchor: existing` and `trust_anchor_arn: {found}` under `roles_anywhere:`"
                    ),
                ),
                None => Check::pass(
                    id,
                    format!("no trust anchor is named {name:?}: the set creates it"),
                ),
            }
        }
        AnchorMode::Existing => {
            let arn = arn.unwrap_or_default();
            match anchors.iter().any(|(_, a)| a == arn) {
                true => Check::pass(id, format!("{arn} exists, as the answers say")),
                false => Check::fail_owned(
                    id,
                    format!("the answers name the trust anchor {arn}, which the region does not have"),
                    "ResourceNotFoundException: main.tf's role trusts, and tbot names, an anchor that does not exist".into(),
                    "give the ARN `aws rolesanywhere list-trust-anchors` prints, or write `trust_anchor: create`".into(),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::check::Status;

    fn fleet_of(count: usize) -> Fleet {
        let mut text = String::from(
            "version: 2\nteleport: {proxy: example.teleport.sh}\naws: {account_id: \"123456789012\", bucket: fleet-bucket, access: read-only}\nworkloads:\n",
        );
        for n in 0..count {
            text.push_str(&format!(
                "  - name: w{n}\n    teleport: {{spiffe_path: /svc/w{n}, bot: bot-w{n}}}\n"
            ));
        }
        crate::answers::fleet::from_answers_file(&text).expect("valid")
    }

    fn account(roles: i64, quota: i64) -> Account {
        Account {
            summary: BTreeMap::from([
                ("Roles".to_owned(), roles),
                ("RolesQuota".to_owned(), quota),
                ("Policies".to_owned(), 10),
                ("PoliciesQuota".to_owned(), 1500),
            ]),
            ..Account::default()
        }
    }

    #[test]
    fn a_boundary_or_managed_policy_the_account_lacks_fails_and_one_not_read_too() {
        let text = include_str!("../../tests/fixtures/managed-policies.yaml");
        let fleet = crate::answers::fleet::from_answers_file(text).expect("valid");
        let named = named_policies(&fleet);
        assert_eq!(named.len(), 2);
        let mut state = account(0, 1000);
        state.named_policies = named.iter().map(|arn| (arn.clone(), true)).collect();
        assert_eq!(
            check(&checks(&fleet, &state), CheckId::NamedPolicies).status,
            Status::Pass
        );
        state.named_policies.insert(named[1].clone(), false);
        let missing = check(&checks(&fleet, &state), CheckId::NamedPolicies).clone();
        assert_eq!(missing.status, Status::Fail);
        assert!(missing.detail.contains(&named[1]), "{missing:?}");
        state.named_policies.remove(&named[0]);
        let unread = check(&checks(&fleet, &state), CheckId::NamedPolicies).clone();
        assert!(unread.detail.contains(&named[0]), "{unread:?}");
        // A set naming none has no such check.
        assert!(
            !checks(&fleet_of(2), &state)
                .iter()
                .any(|c| c.id == CheckId::NamedPolicies)
        );
    }

    fn check(checks: &[Check], id: CheckId) -> &Check {
        checks.iter().find(|c| c.id == id).expect("the check")
    }

    #[test]
    fn a_fleet_over_the_accounts_role_quota_is_named_with_the_numbers() {
        let fleet = fleet_of(1200);
        let checks = checks(&fleet, &account(340, 1000));
        let roles = check(&checks, CheckId::QuotaRoles);
        assert_eq!(roles.status, Status::Fail);
        assert!(
            roles
                .detail
                .contains("this set adds 1200 roles; the account has 340 of 1000"),
            "{}",
            roles.detail
        );
        // Raised to 5,000 it fits; and the policies' own quota is checked on its own.
        let checks = super::checks(&fleet, &account(340, 5000));
        assert_eq!(check(&checks, CheckId::QuotaRoles).status, Status::Pass);
        assert_eq!(check(&checks, CheckId::QuotaPolicies).status, Status::Pass);
        // No quota read is no check made: a failure that says so.
        let checks = super::checks(&fleet, &Account::default());
        let roles = check(&checks, CheckId::QuotaRoles);
        assert_eq!(roles.status, Status::Fail);
        assert!(
            roles.detail.contains("cannot be checked"),
            "{}",
            roles.detail
        );
    }

    #[test]
    fn names_taken_in_another_case_fail_and_the_same_name_warns() {
        let fleet = fleet_of(2);
        let role = fleet.workloads[0].plan.aws.role_name.clone();
        let mut taken = account(1, 1000);
        taken.roles = vec![role.to_ascii_uppercase()];
        let checks = checks(&fleet, &taken);
        let names = check(&checks, CheckId::RoleNames);
        assert_eq!(names.status, Status::Fail);
        assert!(
            names.detail.contains(&role.to_ascii_uppercase()),
            "{}",
            names.detail
        );
        // The existing role is not counted as a new one.
        assert!(
            check(&checks, CheckId::QuotaRoles)
                .detail
                .contains("adds 1 roles"),
            "{}",
            check(&checks, CheckId::QuotaRoles).detail
        );
        taken.roles = vec![role];
        assert_eq!(
            check(&super::checks(&fleet, &taken), CheckId::RoleNames).status,
            Status::Warn
        );
    }

    #[test]
    fn a_provider_that_exists_while_the_answers_create_it_fails_with_the_one_line_change() {
        let fleet = fleet_of(1);
        let mut state = account(0, 1000);
        state.oidc_providers = vec![fleet.shared().provider_arn()];
        let provider = check(&checks(&fleet, &state), CheckId::ProviderExists).clone();
        assert_eq!(provider.status, Status::Fail);
        let fix = provider.fix.unwrap_or_default();
        assert!(fix.contains("oidc_provider: existing"), "{fix}");
        state.oidc_providers.clear();
        assert_eq!(
            check(&checks(&fleet, &state), CheckId::ProviderExists).status,
            Status::Pass
        );
    }
}
