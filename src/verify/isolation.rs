//! A fleet's isolation: each workload's token, as STS would present it to another workload's
//! role, must be refused by that role's trust policy (in `iam/<workload>/trust-policy.json` and
//! in main.tf's instance). A copied `sub` or a wildcard that covers a sibling lets one host
//! take another's permissions, and AWS accepts such a policy without a word.

use super::{Check, CheckId, Setup, policy, web_identity_request};
use crate::aws;
use serde_json::Value;

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

/// Whether `to`'s trust policies let in `from`'s token; the reasons when they do, or when
/// they cannot be read.
fn lets_in(from: &Setup, to: &Setup) -> Vec<String> {
    let provider = to.provider();
    let prefix = provider.url.trim_start_matches("https://");
    let provider_arn =
        aws::oidc_provider_arn(to.plan.aws.partition, &to.plan.aws.account_id, prefix);
    let sub = from.spiffe_id();
    let request = web_identity_request(
        prefix,
        &provider_arn,
        &sub,
        std::slice::from_ref(&from.tbot.audience),
    );
    let terraform = to.terraform_json(super::terraform::ROLE, "assume_role_policy");
    let mut policies: Vec<(&str, &Value)> = vec![("trust-policy.json", &to.trust_policy)];
    if let Ok(policy) = &terraform {
        policies.push(("main.tf", policy));
    }
    policies
        .into_iter()
        .filter_map(|(file, policy)| match policy::evaluate(policy, &request) {
            policy::Decision::Allow(index) => Some(format!(
                "{file} statement {} of role {} lets in the token of sub {sub}",
                index + 1,
                to.plan.aws.role_name
            )),
            policy::Decision::CannotEvaluate(why) => Some(format!(
                "cannot tell whether {file} of role {} lets in sub {sub}: {why}",
                to.plan.aws.role_name
            )),
            _ => None,
        })
        .collect()
}

/// One isolation check per workload (its token against the others' roles), and the fleet's.
pub fn checks(setups: &[(String, Setup)]) -> (Vec<Vec<Check>>, Check) {
    let count = setups.len();
    if count < 2 {
        let skipped = Check::skipped(
            CheckId::Isolation,
            "one workload: no other role to refuse it",
        );
        return (vec![Vec::new(); count], skipped);
    }
    let mut per_workload = Vec::with_capacity(count);
    let mut pairs = 0;
    let mut breaches = Vec::new();
    for (index, (name, setup)) in setups.iter().enumerate() {
        let others = others(index, count);
        pairs += others.len();
        let mut open: Vec<String> = Vec::new();
        for &other in &others {
            let (other_name, other_setup) = &setups[other];
            for reason in lets_in(setup, other_setup) {
                open.push(format!("workload {other_name}: {reason}"));
                breaches.push(format!("{name} → {other_name}"));
            }
        }
        let tried = match others.len() {
            n if n == count - 1 => format!("all {n} other workloads"),
            n => format!("{n} sampled of the {} other workloads", count - 1),
        };
        per_workload.push(vec![match open.is_empty() {
            true => Check::pass(
                CheckId::Isolation,
                format!("the roles of {tried} refuse {name}'s token"),
            ),
            false => Check::fail_owned(
                CheckId::Isolation,
                open.join("; "),
                format!("none: AWS would give {name}'s host the other workload's role"),
                "each role's trust policy must say StringEquals on the sub of its own workload only; re-render instead of copying a policy".into(),
            ),
        }]);
    }
    let all = count * (count - 1);
    let scope = match pairs == all {
        true => format!("all {pairs} ordered pairs"),
        false => format!("{pairs} sampled of {all} ordered pairs"),
    };
    let fleet = match breaches.is_empty() {
        true => Check::pass(
            CheckId::Isolation,
            format!(
                "no workload's token opens another workload's role ({scope} of {count} workloads)"
            ),
        ),
        false => Check::fail_owned(
            CheckId::Isolation,
            format!(
                "{} of {scope} let a token into another workload's role: {}",
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
