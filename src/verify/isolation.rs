//! A fleet's isolation: each workload's credential, as AWS would present it to another
//! workload's role, must be refused by that role's trust policy (in
//! `iam/<workload>/trust-policy.json` and in main.tf's instance). On the OIDC route the
//! credential is a JWT SVID at STS; on Roles Anywhere, an X.509 SVID's session through the
//! trust anchor. A copied SPIFFE ID or a wildcard that covers a sibling lets one host take
//! another's permissions, and AWS accepts such a policy without a word.

use super::{Check, CheckId, Setup, policy, web_identity_request};
use crate::domain::aws;
use serde_json::Value;

/// What isolation needs of one workload: the request its credential makes, and what its
/// role trusts.
#[derive(Debug, Clone)]
pub struct Guard {
    pub name: String,
    /// What this workload's credential asks of a role's trust policy, and of main.tf's where
    /// it differs (on Roles Anywhere it comes through main.tf's anchor there).
    request: policy::Request,
    terraform_request: Option<policy::Request>,
    /// The credential in words, e.g. "the token of sub spiffe://…", and its kind ("token").
    credential: String,
    kind: &'static str,
    /// What the fix names: the condition that must hold the workload's own SPIFFE ID.
    own_condition: &'static str,
    role_name: String,
    trust_policy: Value,
    terraform_trust: Option<Value>,
}

impl Guard {
    /// A workload of the OIDC route: its token's `sub` and `aud` at the provider of its
    /// cluster's issuer (one provider for the fleet).
    pub fn of(name: String, setup: &Setup) -> Self {
        let provider = setup.provider();
        let prefix = provider.url.trim_start_matches("https://");
        let aws = &setup.plan.aws;
        let sub = setup.spiffe_id();
        let provider_arn = aws::oidc_provider_arn(aws.partition, &aws.account_id, prefix);
        let request = web_identity_request(
            prefix,
            &provider_arn,
            &sub,
            std::slice::from_ref(&setup.tbot.audience),
        );
        Self::new(
            name,
            request,
            (format!("the token of sub {sub}"), "token", "the sub"),
            aws.role_name.clone(),
            setup.trust_policy.clone(),
            setup
                .terraform_json(super::terraform::ROLE, "assume_role_policy")
                .ok(),
        )
    }

    pub(crate) fn new(
        name: String,
        request: policy::Request,
        (credential, kind, own_condition): (String, &'static str, &'static str),
        role_name: String,
        trust_policy: Value,
        terraform_trust: Option<Value>,
    ) -> Self {
        Self {
            name,
            request,
            terraform_request: None,
            credential,
            kind,
            own_condition,
            role_name,
            trust_policy,
            terraform_trust,
        }
    }
}

impl Guard {
    /// The request main.tf's trust policy is asked, where it is not [`Guard::new`]'s.
    pub(crate) fn with_terraform_request(mut self, request: policy::Request) -> Self {
        self.terraform_request = Some(request);
        self
    }
}

/// Up to this many workloads every ordered pair is checked; beyond, a sample per workload.
pub const ALL_PAIRS_UP_TO: usize = 32;

/// The other workloads each workload's token is tried on: every other one in a small fleet;
/// in a large one its neighbours in the file (where copied answers sit) and a spread of the
/// rest, the same on every run.
pub fn others(index: usize, count: usize) -> Vec<usize> {
    if count <= ALL_PAIRS_UP_TO {
        return (0..count).filter(|&other| other != index).collect();
    }
    let offsets = [1, 2, 3, 4, count / 4, count / 2, 3 * count / 4, count - 1];
    let mut others = Vec::with_capacity(offsets.len());
    for offset in offsets {
        let other = (index + offset) % count;
        if other != index && !others.contains(&other) {
            others.push(other);
        }
    }
    others
}

/// Whether `to`'s trust policies let in `from`'s credential; the reasons when they do, or when
/// they cannot be read.
fn lets_in(from: &Guard, to: &Guard) -> Vec<String> {
    let credential = &from.credential;
    let mut policies: Vec<(&str, &Value, &policy::Request)> =
        vec![("trust-policy.json", &to.trust_policy, &from.request)];
    if let Some(policy) = &to.terraform_trust {
        let request = from.terraform_request.as_ref().unwrap_or(&from.request);
        policies.push(("main.tf", policy, request));
    }
    policies
        .into_iter()
        .filter_map(
            |(file, policy, request)| match policy::evaluate(policy, request) {
                policy::Decision::Allow(index) => Some(format!(
                    "{file} statement {} of role {} lets in {credential}",
                    index + 1,
                    to.role_name
                )),
                policy::Decision::CannotEvaluate(why) => Some(format!(
                    "cannot tell whether {file} of role {} lets in {credential}: {why}",
                    to.role_name
                )),
                _ => None,
            },
        )
        .collect()
}

/// Workload `index`'s token against the others' roles: its check, how many roles were tried,
/// and each pair that lets it in (`from → to`).
fn workload_check(guards: &[Guard], index: usize) -> (Check, usize, Vec<String>) {
    let count = guards.len();
    let guard = &guards[index];
    let name = &guard.name;
    let others = others(index, count);
    let mut open: Vec<String> = Vec::new();
    let mut breaches = Vec::new();
    for &other in &others {
        let other_guard = &guards[other];
        let other_name = &other_guard.name;
        for reason in lets_in(guard, other_guard) {
            open.push(format!("workload {other_name}: {reason}"));
            breaches.push(format!("{name} → {other_name}"));
        }
    }
    let tried = match others.len() {
        n if n == count - 1 => format!("all {n} other workloads"),
        n => format!("{n} sampled of the {} other workloads", count - 1),
    };
    let check = match open.is_empty() {
        true => Check::pass(
            CheckId::Isolation,
            format!("the roles of {tried} refuse {name}'s {}", guard.kind),
        ),
        false => Check::fail_owned(
            CheckId::Isolation,
            open.join("; "),
            format!("none: AWS would give {name}'s host the other workload's role"),
            format!(
                "each role's trust policy must say StringEquals on {} of its own workload only; re-render instead of copying a policy",
                guard.own_condition
            ),
        ),
    };
    (check, others.len(), breaches)
}

/// One isolation check per workload (its token against the others' roles), and the fleet's.
pub fn checks(guards: &[Guard]) -> (Vec<Vec<Check>>, Check) {
    let count = guards.len();
    if count < 2 {
        let skipped = Check::skipped(
            CheckId::Isolation,
            "one workload: no other role to refuse it",
        );
        return (vec![Vec::new(); count], skipped);
    }
    let indexed: Vec<usize> = (0..count).collect();
    let results =
        crate::artifacts::parallel::on_every_core(&indexed, |&index| workload_check(guards, index));
    let mut per_workload = Vec::with_capacity(count);
    let mut pairs = 0;
    let mut breaches = Vec::new();
    for (check, tried, opened) in results {
        per_workload.push(vec![check]);
        pairs += tried;
        breaches.extend(opened);
    }
    let all = count * (count - 1);
    let scope = match pairs == all {
        true => format!("all {pairs} ordered pairs"),
        false => format!("{pairs} sampled of {all} ordered pairs"),
    };
    let kind = guards[0].kind;
    let fleet = match breaches.is_empty() {
        true => Check::pass(
            CheckId::Isolation,
            format!(
                "no workload's {kind} opens another workload's role ({scope} of {count} workloads)"
            ),
        ),
        false => Check::fail_owned(
            CheckId::Isolation,
            format!(
                "{} of {scope} let a workload's {kind} into another's role: {}",
                breaches.len(),
                breaches
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "none: AWS accepts the policies, and one host gets another's permissions".into(),
            "see each failing workload below".into(),
        ),
    };
    (per_workload, fleet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_fleets_try_every_pair_and_large_ones_a_spread_sample() {
        assert_eq!(others(0, 3), [1, 2]);
        assert_eq!(others(2, 3), [0, 1]);
        let sample = others(10, 1000);
        assert_eq!(sample, [11, 12, 13, 14, 260, 510, 760, 9]);
        for index in [0, 1, 999] {
            let sample = others(index, 1000);
            assert!(!sample.contains(&index));
            assert!(sample.iter().all(|&o| o < 1000));
        }
    }
}
