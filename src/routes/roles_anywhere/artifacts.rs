//! The Roles Anywhere route's artifacts: its own templates (`templates/roles-anywhere/`, written
//! without that folder), beside the ones both routes share (the permissions policy and the
//! Teleport side), and the values only its templates use.

use super::AnchorMode;
use super::plan::{PENDING_ARN, RolesAnywherePlan};
use crate::answers::plan::Plan;
use crate::artifacts::render::{ArtifactKind, Format, Layout, artifact};
use crate::routes::Route;
use serde_json::{Map, Value, json};

const ROUTE: Option<Route> = Some(Route::RolesAnywhere);

pub const TERRAFORM: ArtifactKind = artifact!(
    "roles-anywhere/terraform/main.tf",
    Format::Hcl,
    false,
    None,
    Layout::Single,
    ROUTE
);
pub const TRUST_POLICY: ArtifactKind = artifact!(
    "roles-anywhere/iam/trust-policy.json",
    Format::Json,
    false,
    None,
    Layout::PerWorkload,
    ROUTE
);
/// The CA bundle the trust anchor holds, once per set: what `openssl verify -CAfile` takes.
pub const TRUST_ANCHOR: ArtifactKind = artifact!(
    "roles-anywhere/iam/trust-anchor.pem",
    Format::Pem,
    false,
    None,
    Layout::Set,
    ROUTE
);
pub const AWS_CLI_SETUP: ArtifactKind = artifact!(
    "roles-anywhere/aws-cli/setup.sh",
    Format::Shell,
    true,
    None,
    Layout::Single,
    ROUTE
);
pub const AWS_CLI_TEARDOWN: ArtifactKind = artifact!(
    "roles-anywhere/aws-cli/teardown.sh",
    Format::Shell,
    true,
    None,
    Layout::Set,
    ROUTE
);
pub const TBOT_SERVICES: ArtifactKind = artifact!(
    "roles-anywhere/tbot/services.yaml",
    Format::Yaml,
    false,
    None,
    Layout::PerWorkload,
    ROUTE
);
pub const AWS_CONFIG: ArtifactKind = artifact!(
    "roles-anywhere/aws/config",
    Format::Ini,
    false,
    None,
    Layout::PerWorkload,
    ROUTE
);
pub const AWS_ENV: ArtifactKind = artifact!(
    "roles-anywhere/aws/env",
    Format::Shell,
    false,
    None,
    Layout::PerWorkload,
    ROUTE
);
pub const NEXT_STEPS: ArtifactKind = artifact!(
    "roles-anywhere/NEXT-STEPS.md",
    Format::Markdown,
    false,
    None,
    Layout::Single,
    ROUTE
);

/// A fleet's shared files: one root module and one script for every workload and profile.
pub const FLEET_TERRAFORM: ArtifactKind = artifact!(
    "roles-anywhere/fleet/terraform/main.tf",
    Format::Hcl,
    false,
    None,
    Layout::Fleet,
    ROUTE
);
pub const FLEET_AWS_CLI_SETUP: ArtifactKind = artifact!(
    "roles-anywhere/fleet/aws-cli/setup.sh",
    Format::Shell,
    true,
    None,
    Layout::Fleet,
    ROUTE
);
pub const FLEET_NEXT_STEPS: ArtifactKind = artifact!(
    "roles-anywhere/fleet/NEXT-STEPS.md",
    Format::Markdown,
    false,
    None,
    Layout::Fleet,
    ROUTE
);

/// In the order they are listed to the user, after the shared ones of the same kind.
pub const ARTIFACTS: &[ArtifactKind] = &[
    TERRAFORM,
    TRUST_POLICY,
    TRUST_ANCHOR,
    AWS_CLI_SETUP,
    AWS_CLI_TEARDOWN,
    TBOT_SERVICES,
    AWS_CONFIG,
    AWS_ENV,
    NEXT_STEPS,
    FLEET_TERRAFORM,
    FLEET_AWS_CLI_SETUP,
    FLEET_NEXT_STEPS,
];

/// What `trust_anchor_source` holds: CreateTrustAnchor's `source` as the AWS CLI takes it
/// (API reference, Source and SourceData: `sourceType` CERTIFICATE_BUNDLE, the PEM in
/// `sourceData.x509CertificateData`).
pub fn trust_anchor_source(ca_bundle: &str) -> String {
    json!({
        "sourceType": "CERTIFICATE_BUNDLE",
        "sourceData": {"x509CertificateData": ca_bundle},
    })
    .to_string()
}

/// The file tbot writes the credentials to on the workload's host.
pub fn credentials_file(output_dir: &str, ra: &RolesAnywherePlan) -> String {
    format!("{}/{}", output_dir.trim_end_matches('/'), ra.artifact_name)
}

/// The values the route's templates use besides the plan's own.
pub fn context(plan: &Plan, ra: &RolesAnywherePlan) -> Map<String, Value> {
    let pending: Vec<&str> = [
        (ra.trust_anchor_arn.is_none(), "the trust anchor's ARN"),
        (ra.profile_arn.is_none(), "the profile's ARN"),
    ]
    .into_iter()
    .filter_map(|(missing, what)| missing.then_some(what))
    .collect();
    let config_section = match ra.credential_profile.as_str() {
        "default" => "default".to_owned(),
        name => format!("profile {name}"),
    };
    let values = json!({
        "create_trust_anchor": ra.trust_anchor == AnchorMode::Create,
        "trust_anchor_arn": ra.trust_anchor_arn_or_pending(),
        "profile_arn": ra.profile_arn_or_pending(),
        "arns_known": pending.is_empty(),
        "pending_arns": pending.join(" and "),
        "pending_arn": PENDING_ARN,
        "trust_anchor_source": trust_anchor_source(&ra.ca_bundle),
        "credentials_file": credentials_file(&plan.tbot.output_dir, ra),
        "config_section": config_section,
    });
    match values {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The values of a set's files (the trust anchor, the teardown, a fleet's shared files) on this
/// route: the anchor, as the first workload's plan has it (its answers are every workload's),
/// and each profile once with the roles it lists.
pub fn set_context(members: &[(&str, &Plan)]) -> Map<String, Value> {
    let plans: Vec<&Plan> = members.iter().map(|(_, plan)| *plan).collect();
    let Some(shared) = plans.first().and_then(|plan| plan.roles_anywhere.as_ref()) else {
        return Map::new();
    };
    let profiles: Vec<Value> = super::fleet::profile_groups(&plans)
        .into_iter()
        .filter_map(|group| {
            let first = plans[group.members[0]].roles_anywhere.as_ref()?;
            let workloads: Vec<&str> = group.members.iter().map(|&m| members[m].0).collect();
            let role_arns: Vec<String> =
                group.members.iter().map(|&m| plans[m].role_arn()).collect();
            Some(json!({
                "name": group.name,
                "duration": first.profile_duration,
                "arn": first.profile_arn_or_pending(),
                "arn_known": first.profile_arn.is_some(),
                "workloads": workloads,
                "role_arns": role_arns,
            }))
        })
        .collect();
    let arns_known = shared.trust_anchor_arn.is_some()
        && plans
            .iter()
            .filter_map(|plan| plan.roles_anywhere.as_ref())
            .all(|ra| ra.profile_arn.is_some());
    let values = json!({
        "roles_anywhere": shared,
        "create_trust_anchor": shared.trust_anchor == AnchorMode::Create,
        "trust_anchor_arn": shared.trust_anchor_arn_or_pending(),
        "trust_anchor_source": trust_anchor_source(&shared.ca_bundle),
        "arns_known": arns_known,
        "pending_arn": PENDING_ARN,
        "profiles": profiles,
    });
    match values {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
