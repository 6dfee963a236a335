//! The Teleport side of the proof, in either API generation: what tbot asks for (and where it
//! writes the token), and whether the role lets the bot have it. Teleport refuses before AWS is
//! ever asked, so these failures come first.

use super::{Check, CheckId, VerifyError, parse_error, read};
use crate::artifacts::render::{TBOT_OUTPUTS, TBOT_SERVICES, TELEPORT_ROLE, WORKLOAD_IDENTITY};
use crate::domain::teleport::TeleportApi;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// What tbot's configuration asks Teleport for, and where it writes the token.
#[derive(Debug, Clone, Default)]
pub struct TbotOutput {
    pub directory: String,
    /// The SPIFFE ID path of the SVID: tbot's `svid.path` (legacy) or the selected
    /// resource's `spec.spiffe.id` (current).
    pub svid_path: String,
    /// The audience the token is issued for (the first of the service's `audiences`).
    pub audience: String,
    pub file_name: String,
    /// The current generation's `selector.name`.
    pub selector: Option<String>,
    /// The service's `credential_ttl` and `renewal_interval` as written (`None` when absent:
    /// tbot's own settings, 1h and 20m by default, apply).
    pub credential_ttl: Option<String>,
    pub renewal_interval: Option<String>,
}

/// What the role allows.
#[derive(Debug, Clone)]
pub enum Grant {
    /// `spec.allow.spiffe[].path`.
    Legacy { allowed_paths: Vec<String> },
    /// `spec.allow.workload_identity_labels`, whether its rules allow listing and reading
    /// `workload_identity` resources, and the resource of `teleport/workload-identity.yaml`.
    WorkloadIdentity {
        role_labels: BTreeMap<String, Vec<String>>,
        may_read_resources: bool,
        resource: Resource,
    },
}

/// A `workload_identity` resource.
#[derive(Debug, Clone, Default)]
pub struct Resource {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub spiffe_path: String,
}

pub(crate) fn yaml(dir: &Path, relative: &str) -> Result<Value, VerifyError> {
    crate::artifacts::yaml::from_str(&read(dir, relative)?)
        .map_err(|e| parse_error(dir, relative, e))
}

pub(crate) fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// tbot's service (or legacy output) of `key` and the directory the workload finds its files
/// in: a host's file and its destination's path, or on Kubernetes the chart's values and where
/// the workload's container mounts the Secret they write.
pub(crate) fn tbot_service(
    dir: &Path,
    files: super::Files<'_>,
    host_file: &crate::artifacts::render::ArtifactKind,
    key: &str,
    kubernetes: Option<&super::kubernetes::KubernetesFiles>,
) -> Result<(Value, String), VerifyError> {
    Ok(match kubernetes {
        Some(kube) => (kube.service(key).clone(), kube.directory(key)),
        None => {
            let service = yaml(dir, &files.path(host_file))?[key][0].clone();
            let directory = text(&service["destination"]["path"]);
            (service, directory)
        }
    })
}

/// Reads the Teleport and tbot artifacts of generation `api` from `dir`.
pub fn read_side(
    dir: &Path,
    api: TeleportApi,
    files: super::Files<'_>,
    kubernetes: Option<&super::kubernetes::KubernetesFiles>,
) -> Result<(TbotOutput, Grant), VerifyError> {
    match api {
        TeleportApi::LegacySpiffe => {
            let role = yaml(dir, &files.path(&TELEPORT_ROLE))?;
            let allow = &role["spec"]["allow"];
            let (output, directory) =
                tbot_service(dir, files, &TBOT_OUTPUTS, "outputs", kubernetes)?;
            let output = &output;
            let tbot = TbotOutput {
                directory,
                svid_path: text(&output["svid"]["path"]),
                audience: text(&output["jwts"][0]["audience"]),
                file_name: text(&output["jwts"][0]["file_name"]),
                selector: None,
                credential_ttl: written(&output["credential_ttl"]),
                renewal_interval: written(&output["renewal_interval"]),
            };
            let allowed_paths = allow["spiffe"]
                .as_array()
                .map(|rules| rules.iter().map(|r| text(&r["path"])).collect())
                .unwrap_or_default();
            Ok((tbot, Grant::Legacy { allowed_paths }))
        }
        TeleportApi::WorkloadIdentity => {
            let grant = read_workload_identity_grant(dir, files)?;
            let Grant::WorkloadIdentity { resource, .. } = &grant else {
                unreachable!("read_workload_identity_grant reads that generation's grant");
            };
            let (service, directory) =
                tbot_service(dir, files, &TBOT_SERVICES, "services", kubernetes)?;
            let service = &service;
            let tbot = TbotOutput {
                directory,
                svid_path: resource.spiffe_path.clone(),
                audience: text(&service["audiences"][0]),
                file_name: crate::domain::tbot::WORKLOAD_IDENTITY_JWT_FILE.to_owned(),
                selector: Some(text(&service["selector"]["name"])),
                credential_ttl: written(&service["credential_ttl"]),
                renewal_interval: written(&service["renewal_interval"]),
            };
            Ok((tbot, grant))
        }
    }
}

/// The current generation's role and `workload_identity` resource: what any tbot service
/// that selects the resource by name (either route's) is granted.
pub(crate) fn read_workload_identity_grant(
    dir: &Path,
    files: super::Files<'_>,
) -> Result<Grant, VerifyError> {
    let role = yaml(dir, &files.path(&TELEPORT_ROLE))?;
    let allow = &role["spec"]["allow"];
    let document = yaml(dir, &files.path(&WORKLOAD_IDENTITY))?;
    let resource = Resource {
        name: text(&document["metadata"]["name"]),
        labels: string_map(&document["metadata"]["labels"], text),
        spiffe_path: text(&document["spec"]["spiffe"]["id"]),
    };
    Ok(Grant::WorkloadIdentity {
        role_labels: string_map(&allow["workload_identity_labels"], |values| {
            super::policy::strings(Some(values))
        }),
        may_read_resources: reads_workload_identities(&allow["rules"]),
        resource,
    })
}

/// Whether Teleport would issue the SVID of the resource a tbot service selects by name.
pub(crate) fn selected_checks(selector: &str, grant: &Grant) -> Vec<Check> {
    match grant {
        Grant::Legacy { .. } => Vec::new(),
        Grant::WorkloadIdentity {
            role_labels,
            may_read_resources,
            resource,
        } => vec![
            labels_check(role_labels, *may_read_resources, resource),
            selector_check(selector, resource),
        ],
    }
}

/// A setting as written: absent is `None`, anything else its text (a number or a list reads as
/// the empty text, which no rule accepts).
pub(crate) fn written(value: &Value) -> Option<String> {
    (!value.is_null()).then(|| text(value))
}

fn string_map<T>(value: &Value, convert: impl Fn(&Value) -> T) -> BTreeMap<String, T> {
    value
        .as_object()
        .map(|entries| {
            entries
                .iter()
                .map(|(key, value)| (key.clone(), convert(value)))
                .collect()
        })
        .unwrap_or_default()
}

/// A rule with `resources: [workload_identity]` (or `*`) and the verbs `list` and `read`.
fn reads_workload_identities(rules: &Value) -> bool {
    rules.as_array().into_iter().flatten().any(|rule| {
        let has = |key: &str, wanted: &str| {
            super::policy::strings(rule.get(key))
                .iter()
                .any(|v| v == wanted || v == "*")
        };
        has("resources", "workload_identity") && has("verbs", "list") && has("verbs", "read")
    })
}

const REFUSED: &str = "(before AWS) Teleport refuses to issue the SVID and tbot writes no token: the SDK then fails to read the token file";

/// Whether Teleport would issue what tbot asks for.
pub fn checks(tbot: &TbotOutput, grant: &Grant) -> Vec<Check> {
    let mut checks = match grant {
        Grant::Legacy { allowed_paths } => vec![legacy_check(&tbot.svid_path, allowed_paths)],
        Grant::WorkloadIdentity { .. } => {
            selected_checks(tbot.selector.as_deref().unwrap_or_default(), grant)
        }
    };
    checks.push(timing_check(tbot));
    checks
}

/// The lifetime and renewal tbot's file asks for, under the rules the answers are held to
/// (`tbot::parse_credential_ttl`, `tbot::parse_renewal_interval`): an edited file is proven as
/// strictly as the answers were.
fn timing_check(tbot: &TbotOutput) -> Check {
    use crate::domain::tbot::{DEFAULT_CREDENTIAL_TTL, DEFAULT_RENEWAL_INTERVAL};
    let ttl = tbot.credential_ttl.as_deref();
    let renewal = tbot.renewal_interval.as_deref();
    let said = |value: Option<&str>, default: &str| match value {
        Some(value) => format!("{value:?}"),
        None => format!("{default} (tbot's default)"),
    };
    const UNREADABLE: &str = "(before AWS) tbot does not start with a duration it cannot read";
    let fail = |problem: crate::domain::tbot::TbotError, aws_error: &str| {
        use crate::answers::advice::Advice;
        Check::fail_owned(
            CheckId::TbotTiming,
            format!(
                "the tbot file asks for credential_ttl {} and renewal_interval {}: {problem}",
                said(ttl, DEFAULT_CREDENTIAL_TTL),
                said(renewal, DEFAULT_RENEWAL_INTERVAL)
            ),
            aws_error.to_owned(),
            problem.fix(),
        )
    };
    if let Err(problem) =
        crate::domain::tbot::parse_credential_ttl(ttl.unwrap_or(DEFAULT_CREDENTIAL_TTL))
    {
        let aws_error = match problem {
            crate::domain::tbot::TbotError::TtlRange => {
                "(before AWS) a lifetime past Teleport's cap of 24h is not what tbot gets, and under 1m the token expires before it is used"
            }
            _ => UNREADABLE,
        };
        return fail(problem, aws_error);
    }
    let ttl = ttl.unwrap_or(DEFAULT_CREDENTIAL_TTL);
    if let Err(problem) = crate::domain::tbot::parse_renewal_interval(
        renewal.unwrap_or(DEFAULT_RENEWAL_INTERVAL),
        Some(ttl),
    ) {
        let aws_error = match problem {
            crate::domain::tbot::TbotError::RenewalNotShorter { .. } => {
                "ExpiredTokenException: Token expired (now and then: the file holds an expired token until tbot renews it)"
            }
            _ => UNREADABLE,
        };
        return fail(problem, aws_error);
    }
    Check::pass(
        CheckId::TbotTiming,
        format!(
            "each token lives {} and tbot renews it every {}, before it expires",
            said(Some(ttl), DEFAULT_CREDENTIAL_TTL).trim_matches('"'),
            said(renewal, DEFAULT_RENEWAL_INTERVAL).trim_matches('"')
        ),
    )
}

fn legacy_check(path: &str, allowed_paths: &[String]) -> Check {
    if allowed_paths
        .iter()
        .any(|allowed| crate::domain::aws::wildcard_match(allowed, path))
    {
        return Check::pass(
            CheckId::TeleportRole,
            format!("allows the SPIFFE path {path} that tbot asks for"),
        );
    }
    Check::fail_owned(
        CheckId::TeleportRole,
        format!(
            "teleport/role.yaml allows {allowed_paths:?}, but tbot/outputs.yaml asks for {path:?}"
        ),
        REFUSED.into(),
        "make spec.allow.spiffe[].path and tbot's svid.path the same path".into(),
    )
}

/// The role's labels must select the resource (every label of the role, any of its values;
/// `*` matches any), and its rules must let the bot list and read workload identities.
fn labels_check(
    role_labels: &BTreeMap<String, Vec<String>>,
    may_read_resources: bool,
    resource: &Resource,
) -> Check {
    let selects = !role_labels.is_empty()
        && role_labels.iter().all(|(key, values)| {
            let value = resource.labels.get(key);
            values
                .iter()
                .any(|v| v == "*" || value.is_some_and(|value| value == v))
        });
    let problem = match (selects, may_read_resources) {
        (false, _) => format!(
            "teleport/role.yaml's workload_identity_labels {role_labels:?} do not select the resource {:?}, labelled {:?}",
            resource.name, resource.labels
        ),
        (true, false) => {
            "teleport/role.yaml has no rule allowing list and read on workload_identity resources"
                .to_owned()
        }
        (true, true) => {
            return Check::pass(
                CheckId::TeleportRole,
                format!(
                    "selects the workload_identity {:?} (SPIFFE path {}) by its labels",
                    resource.name, resource.spiffe_path
                ),
            );
        }
    };
    Check::fail_owned(
        CheckId::TeleportRole,
        problem,
        REFUSED.into(),
        "give the role workload_identity_labels equal to the resource's labels, and a rule resources: [workload_identity], verbs: [list, read]".into(),
    )
}

fn selector_check(selector: &str, resource: &Resource) -> Check {
    if selector == resource.name {
        return Check::pass(
            CheckId::TbotSelector,
            format!("tbot asks for the workload_identity {selector:?}"),
        );
    }
    Check::fail_owned(
        CheckId::TbotSelector,
        format!(
            "tbot/services.yaml selects {selector:?}, but teleport/workload-identity.yaml names the resource {:?}",
            resource.name
        ),
        "(before AWS) tbot finds no workload_identity of that name and writes no token".into(),
        "make selector.name the resource's metadata.name".into(),
    )
}
