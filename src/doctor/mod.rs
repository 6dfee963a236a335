//! `wi-aws doctor`: why AWS refuses the token, from what is really deployed.
//!
//! `verify` proves the rendered files fit together. After deployment, the state AWS holds is
//! what counts: someone edited the trust policy in the console, the provider was created with
//! a trailing slash, the proxy's certificate rotated, tbot stopped. This module holds the
//! diagnosis, pure: the deployed provider and role (read by [`read`] with the AWS SDK), the
//! proxy's issuer and keys, and the token on the host go in; checks come out, each naming the
//! exact error AWS answers and the fix. The STS simulation is `verify`'s, run against the
//! deployed documents instead of the rendered ones.

pub mod pod;
pub mod preflight;
pub mod read;

use crate::domain::jwk::Jwks;
use crate::verify::check::{Check, CheckId, Status};
use crate::verify::{self, Setup, sts};
use serde_json::Value;
use std::time::{Duration, SystemTime};

/// Why no token was read, and where to get one: on a host, where tbot writes it; on
/// Kubernetes, out of the Secret tbot writes (its key is the file's name).
fn missing_token(setup: &Setup) -> String {
    match &setup.plan.tbot.kubernetes {
        None => format!(
            "no token at {} on this host: run doctor on the workload's host, or give --token-file",
            setup.tbot_token_file()
        ),
        Some(kube) => format!(
            "no token given: on Kubernetes it is the key {key} of the Secret {secret}; `kubectl get secret {secret} --namespace {namespace} -o jsonpath='{{.data.{key}}}' | base64 -d > token`, then --token-file token",
            key = setup.plan.written_file_name(),
            secret = kube.secret_name,
            namespace = kube.namespace,
        ),
    }
}

/// The IAM OIDC provider as IAM returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedProvider {
    pub arn: String,
    /// As IAM returns it: without `https://`.
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
}

/// The role as IAM returns it, its documents URL-decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployedRole {
    pub arn: String,
    pub trust_policy: Value,
    pub max_session_duration: Option<i32>,
    /// The permissions boundary's ARN and document.
    pub boundary: Option<(String, Value)>,
    /// Attached (by ARN) and inline (by name) policies, with their documents.
    pub policies: Vec<(String, Value)>,
}

/// What the account holds for the artifacts' provider and role.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Deployed {
    /// The provider at the ARN the artifacts name; `None` when there is none.
    pub provider: Option<DeployedProvider>,
    /// The URLs (without `https://`) of every other OIDC provider in the account.
    pub other_providers: Vec<String>,
    pub role: Option<DeployedRole>,
}

/// The proxy's side: its issuer, its keys, and the certificate AWS pins.
#[derive(Debug, Clone)]
pub struct Issuer {
    pub issuer: String,
    pub jwks: Jwks,
    /// SHA-1 of the last certificate the proxy sends, and that certificate's subject.
    pub chain_thumbprint: String,
    pub last_certificate: String,
    /// The chain was trusted only with `--ca-file`: AWS will not trust it without the
    /// thumbprint.
    pub private_ca: bool,
}

/// The token tbot wrote on this host, never printed.
#[derive(Debug, Clone)]
pub struct HostToken {
    pub path: String,
    pub text: String,
    /// How long ago tbot last wrote it.
    pub age: Option<Duration>,
}

/// Everything doctor read, each part on its own: one that could not be read is diagnosed as
/// such, and the rest still is.
#[derive(Debug, Clone)]
pub struct Observed {
    /// `Err`: the deployed state could not be read (credentials, permissions, network).
    pub deployed: Result<Deployed, String>,
    pub issuer: Result<Issuer, String>,
    /// `Ok(None)`: no token on this host (doctor runs where the operator is).
    pub token: Result<Option<HostToken>, String>,
}

/// Every check of the deployed chain, in the order AWS walks it.
pub fn diagnose(setup: &Setup, observed: &Observed, now: SystemTime) -> Vec<Check> {
    let mut checks = Vec::new();
    let expected_url = setup.plan.issuer_url();
    checks.push(proxy_check(&observed.issuer, &expected_url));
    let deployed = match &observed.deployed {
        Ok(deployed) => deployed,
        Err(why) => {
            // Without the deployed state there is nothing to diagnose but the token.
            checks.push(Check::fail_owned(
                CheckId::DeployedProvider,
                format!("cannot read the deployed state: {why}"),
                "unknown: doctor cannot tell what AWS would answer".into(),
                "give credentials that may call iam:Get* and iam:List* (--profile, or AWS_PROFILE / AWS_ACCESS_KEY_ID), and the account's region".into(),
            ));
            checks.extend(token_checks(setup, observed, None, now).0);
            return checks;
        }
    };
    checks.push(provider_check(setup, deployed, &observed.issuer));
    let provider = deployed.provider.as_ref();
    let (token_checks, claims) = token_checks(setup, observed, provider, now);
    let claims = claims.unwrap_or_else(|| sts::Claims {
        iss: expected_url.clone(),
        sub: setup.spiffe_id(),
        aud: vec![setup.tbot.audience.clone()],
    });
    checks.push(audience_check(provider, &claims));
    checks.push(thumbprint_check(provider, &observed.issuer));
    checks.extend(token_checks);
    let role = deployed.role.as_ref();
    checks.push(match role {
        Some(role) => Check::pass(
            CheckId::DeployedRole,
            format!(
                "{} exists (sessions up to {} s)",
                role.arn,
                role.max_session_duration.unwrap_or(3600)
            ),
        ),
        None => Check::fail_owned(
            CheckId::DeployedRole,
            format!("no role {} in the account", setup.role_arn()),
            "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity".into(),
            "create it: terraform -chdir=terraform apply, or sh aws-cli/setup.sh".into(),
        ),
    });
    checks.extend(role_checks(setup, role, &claims));
    checks.push(drift_check(setup, deployed));
    checks
}

fn proxy_check(issuer: &Result<Issuer, String>, expected_url: &str) -> Check {
    match issuer {
        Ok(found) if found.issuer == expected_url => Check::pass(
            CheckId::DiscoveryIssuer,
            format!("the proxy's discovery document names issuer {expected_url}"),
        ),
        Ok(found) => Check::fail_owned(
            CheckId::DiscoveryIssuer,
            format!(
                "the proxy names issuer {:?}; the provider and trust policy are for {expected_url:?}",
                found.issuer
            ),
            format!(
                "InvalidIdentityToken: No OpenIDConnect provider found in your account for {}",
                found.issuer
            ),
            "re-render with the proxy's address (teleport.proxy) and apply again".into(),
        ),
        Err(why) => Check::fail_owned(
            CheckId::DiscoveryIssuer,
            format!("cannot ask the proxy: {why}; its keys and certificate could not be checked"),
            "unknown: AWS fetches the keys from the proxy; if it cannot either: InvalidIdentityToken: Couldn't retrieve verification key from your identity provider".into(),
            "give --proxy HOST[:PORT] (and --ca-file for a private CA) so doctor can reach it".into(),
        ),
    }
}

/// `host/path`, lowercased, without a trailing slash or an explicit :443: how two provider
/// URLs compare when they only *look* different.
fn loosely(url: &str) -> String {
    let url = url.trim_start_matches("https://").trim_end_matches('/');
    let (host, path) = url.split_once('/').unwrap_or((url, ""));
    let host = host.strip_suffix(":443").unwrap_or(host);
    format!("{host}/{path}").to_lowercase()
}

fn provider_check(setup: &Setup, deployed: &Deployed, issuer: &Result<Issuer, String>) -> Check {
    let expected = setup.plan.issuer_url();
    let iss = issuer
        .as_ref()
        .map_or(expected.clone(), |found| found.issuer.clone());
    if let Some(provider) = &deployed.provider {
        return Check::pass(
            CheckId::DeployedProvider,
            format!("{} for https://{}", provider.arn, provider.url),
        );
    }
    let aws_error =
        format!("InvalidIdentityToken: No OpenIDConnect provider found in your account for {iss}");
    let near: Vec<&String> = deployed
        .other_providers
        .iter()
        .filter(|url| loosely(url) == loosely(&expected))
        .collect();
    match near.first() {
        Some(url) => Check::fail_owned(
            CheckId::DeployedProvider,
            format!(
                "the account has a provider for https://{url}, but tokens say iss {iss}: IAM matches the URL exactly ({})",
                difference(url, expected.trim_start_matches("https://"))
            ),
            aws_error,
            format!(
                "create the provider for exactly {expected} (sh aws-cli/setup.sh), then delete the one for https://{url}"
            ),
        ),
        None => Check::fail_owned(
            CheckId::DeployedProvider,
            format!(
                "no OIDC provider {} in the account",
                setup.plan.provider_arn()
            ),
            aws_error,
            "create it: terraform -chdir=terraform apply, or sh aws-cli/setup.sh".into(),
        ),
    }
}

/// What sets two loosely equal URLs apart, in words.
fn difference(deployed: &str, expected: &str) -> &'static str {
    if deployed.trim_end_matches('/') == expected.trim_end_matches('/') {
        "a trailing slash"
    } else if deployed.to_lowercase() == expected.to_lowercase() {
        "letter case"
    } else {
        "an explicit :443"
    }
}

fn audience_check(provider: Option<&DeployedProvider>, claims: &sts::Claims) -> Check {
    let Some(provider) = provider else {
        return Check::skipped(
            CheckId::DeployedAudience,
            "not evaluated: there is no provider to hold the audience",
        );
    };
    match claims
        .aud
        .iter()
        .find(|aud| provider.client_ids.contains(aud))
    {
        Some(aud) => Check::pass(
            CheckId::DeployedAudience,
            format!("the provider's client IDs include the token's aud {aud}"),
        ),
        None => Check::fail_owned(
            CheckId::DeployedAudience,
            format!(
                "the token's aud {:?} is not among the provider's client IDs {:?}",
                claims.aud, provider.client_ids
            ),
            "InvalidIdentityToken: Incorrect token audience".into(),
            format!(
                "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {} --client-id {}",
                provider.arn,
                claims.aud.first().map_or("AUDIENCE", String::as_str)
            ),
        ),
    }
}

fn thumbprint_check(provider: Option<&DeployedProvider>, issuer: &Result<Issuer, String>) -> Check {
    let id = CheckId::DeployedThumbprints;
    let (Some(provider), Ok(issuer)) = (provider, issuer) else {
        return Check::skipped(id, "not evaluated: needs both the provider and the proxy");
    };
    let current = &issuer.chain_thumbprint;
    if provider
        .thumbprints
        .iter()
        .any(|t| t.eq_ignore_ascii_case(current))
    {
        return Check::pass(
            id,
            format!(
                "the provider lists {current}, the proxy's last certificate ({})",
                issuer.last_certificate
            ),
        );
    }
    let detail = format!(
        "the proxy's last certificate ({}) has thumbprint {current}; the provider lists {:?}: the certificate changed (rotation)",
        issuer.last_certificate, provider.thumbprints
    );
    if !issuer.private_ca {
        let mut check = Check::warn(
            id,
            format!(
                "{detail}; AWS ignores thumbprints when the chain ends at a CA it trusts, as this public one should"
            ),
        );
        check.fix = Some(update_thumbprint(provider, current));
        return check;
    }
    Check::fail_owned(
        id,
        detail,
        "InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint".into(),
        update_thumbprint(provider, current),
    )
}

/// The one command that puts the proxy's current thumbprint first in the provider's list.
fn update_thumbprint(provider: &DeployedProvider, current: &str) -> String {
    let mut list = vec![current.to_owned()];
    list.extend(provider.thumbprints.iter().take(4).cloned());
    format!(
        "aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn {} --thumbprint-list {}",
        provider.arn,
        list.join(" ")
    )
}

/// The token on this host as STS would validate it against the deployed provider, and how
/// fresh tbot keeps it; its claims when it could be read.
fn token_checks(
    setup: &Setup,
    observed: &Observed,
    deployed_provider: Option<&DeployedProvider>,
    now: SystemTime,
) -> (Vec<Check>, Option<sts::Claims>) {
    let token = match &observed.token {
        Ok(Some(token)) => token,
        Ok(None) => {
            let skipped = Check::skipped(CheckId::TokenFile, missing_token(setup));
            return (vec![skipped], None);
        }
        Err(why) => {
            let failed = Check::fail_owned(
                CheckId::TokenFile,
                why.clone(),
                "the SDK fails before calling STS: unable to read the web identity token file"
                    .into(),
                "check that tbot runs and writes there, and that this user may read the file"
                    .into(),
            );
            return (vec![failed], None);
        }
    };
    let provider = sts::Provider {
        url: deployed_provider
            .map_or_else(|| setup.plan.issuer_url(), |p| format!("https://{}", p.url)),
        client_ids: deployed_provider.map(|p| p.client_ids.clone()),
    };
    let jwks = match &observed.issuer {
        Ok(issuer) => issuer.jwks.clone(),
        Err(_) => Jwks::default(),
    };
    let (mut checks, claims) = sts::validate(&token.text, &jwks.into(), &provider, now, true);
    // The audience is the deployed provider's own check, above.
    checks.retain(|check| check.id != CheckId::Audience);
    checks.insert(
        0,
        Check::pass(CheckId::TokenFile, format!("read {}", token.path)),
    );
    if let Some(age) = token.age {
        checks.push(age_check(setup, &token.path, age));
    }
    (checks, claims)
}

/// tbot renews the token every `renewal_interval`; a file much older than that means tbot
/// stopped, and the token will expire (or has).
fn age_check(setup: &Setup, path: &str, age: Duration) -> Check {
    let renewal = setup
        .plan
        .tbot
        .renewal_interval
        .as_deref()
        .and_then(|interval| crate::domain::tbot::duration_secs(interval).ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(20 * 60));
    let minutes = |d: Duration| d.as_secs() / 60;
    if age <= renewal * 2 {
        return Check::pass(
            CheckId::TokenAge,
            format!(
                "tbot wrote {path} {} min ago (it renews every {} min)",
                minutes(age),
                minutes(renewal)
            ),
        );
    }
    Check::fail_owned(
        CheckId::TokenAge,
        format!(
            "{path} was last written {} min ago, but tbot renews it every {} min: tbot is not running or cannot reach the cluster",
            minutes(age),
            minutes(renewal)
        ),
        "ExpiredTokenException: Token expired (once the token's exp passes)".into(),
        "restart tbot (systemctl restart tbot) and read its log".into(),
    )
}

/// The deployed trust policy and permissions, evaluated as `verify` evaluates the rendered
/// ones.
fn role_checks(setup: &Setup, role: Option<&DeployedRole>, claims: &sts::Claims) -> Vec<Check> {
    let Some(role) = role else {
        return [CheckId::DeployedTrust, CheckId::DeployedPermissions]
            .into_iter()
            .map(|id| Check::skipped(id, "not evaluated: there is no role"))
            .collect();
    };
    let provider = sts::Provider {
        url: setup.plan.issuer_url(),
        client_ids: None,
    };
    let provider_arn = setup.plan.provider_arn();
    let mut checks = vec![
        verify::trust_policy_check(
            CheckId::DeployedTrust,
            &role.trust_policy,
            &provider,
            &provider_arn,
            claims,
        ),
        verify::trust_scope_check(
            CheckId::DeployedScope,
            &role.trust_policy,
            &provider,
            &provider_arn,
            (&setup.spiffe_id(), &setup.tbot.audience),
        ),
    ];
    checks.extend(permission_checks(&setup.plan, role));
    checks
}

/// The managed policies the answers attach (`aws.managed_policies`) against those attached to
/// the deployed role; `None` when the answers attach none. Their documents were read with the
/// role's and count in what its permissions grant.
fn managed_policies_check(plan: &crate::answers::plan::Plan, role: &DeployedRole) -> Option<Check> {
    if plan.aws.managed_policies.is_empty() {
        return None;
    }
    let missing: Vec<&str> = plan
        .aws
        .managed_policies
        .iter()
        .filter(|arn| !role.policies.iter().any(|(attached, _)| attached == *arn))
        .map(String::as_str)
        .collect();
    Some(match missing.is_empty() {
        true => Check::pass(
            CheckId::DeployedManagedPolicies,
            format!(
                "role {} holds {}",
                plan.aws.role_name,
                plan.aws.managed_policies.join(", ")
            ),
        ),
        false => Check::fail_owned(
            CheckId::DeployedManagedPolicies,
            format!(
                "role {} lacks {} of aws.managed_policies",
                plan.aws.role_name,
                missing.join(", ")
            ),
            "AccessDenied from the service those policies would allow".into(),
            missing
                .iter()
                .map(|arn| {
                    format!(
                        "aws iam attach-role-policy --role-name {} --policy-arn {arn}",
                        plan.aws.role_name
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
    })
}

/// The deployed role's longest session against `aws.max_session_duration`, when the answers
/// set one: shorter, a session asked that long is refused; longer, the role allows more than
/// the answers chose.
fn max_session_check(plan: &crate::answers::plan::Plan, role: &DeployedRole) -> Option<Check> {
    let planned = plan.aws.max_session_duration?;
    // GetRole leaves MaxSessionDuration out only for IAM's default.
    let deployed = role.max_session_duration.map_or(3600, i64::from);
    let id = CheckId::DeployedMaxSession;
    let refusal = match deployed < i64::try_from(planned).unwrap_or(i64::MAX) {
        true => {
            "ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role (for a session asked longer)"
        }
        false => "none: sessions may last longer than the answers chose",
    };
    Some(
        match deployed == i64::try_from(planned).unwrap_or(i64::MAX) {
            true => Check::pass(
                id,
                format!("sessions up to {deployed} s, as the answers set"),
            ),
            false => Check::fail_owned(
                id,
                format!(
                    "role {} allows sessions up to {deployed} s, the answers {planned} s",
                    plan.aws.role_name
                ),
                refusal.into(),
                format!(
                    "aws iam update-role --role-name {} --max-session-duration {planned}",
                    plan.aws.role_name
                ),
            ),
        },
    )
}

/// What the deployed role's policies grant, against what the answers promise, and whether a
/// permissions boundary cuts it: the same on both routes.
pub(crate) fn permission_checks(
    plan: &crate::answers::plan::Plan,
    role: &DeployedRole,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let statements: Vec<Value> = role
        .policies
        .iter()
        .flat_map(|(_, document)| statements(document))
        .collect();
    let granted = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
    let mut permissions = verify::permissions_check(CheckId::DeployedPermissions, plan, &granted);
    if role.policies.is_empty() {
        permissions.detail = format!("no policy is attached to the role: {}", permissions.detail);
        permissions.fix = Some(format!(
            "aws iam attach-role-policy --role-name {} --policy-arn {}",
            plan.aws.role_name,
            plan.policy_arn()
        ));
    }
    checks.push(permissions);
    checks.extend(managed_policies_check(plan, role));
    checks.extend(max_session_check(plan, role));
    let planned = plan.aws.permissions_boundary.as_deref();
    let deployed = role.boundary.as_ref().map(|(arn, _)| arn.as_str());
    if planned.is_some() && deployed != planned {
        checks.push(Check::fail_owned(
            CheckId::DeployedBoundary,
            format!(
                "the answers cap the role with the boundary {}, but the deployed role has {}",
                planned.unwrap_or_default(),
                deployed.unwrap_or("none")
            ),
            "none now; an SCP that requires the boundary denies the role's next change".into(),
            format!(
                "aws iam put-role-permissions-boundary --role-name {} --permissions-boundary {} (or run aws-cli/setup.sh again)",
                plan.aws.role_name,
                planned.unwrap_or_default()
            ),
        ));
        return checks;
    }
    checks.push(match &role.boundary {
        None => Check::pass(CheckId::DeployedBoundary, "no permissions boundary"),
        Some((arn, document)) => {
            let mut check = verify::permissions_check(CheckId::DeployedBoundary, plan, document);
            if check.status == Status::Fail {
                check.detail = format!("the permissions boundary {arn} cuts them: {}", check.detail);
                check.fix = Some(format!(
                    "allow the actions in {arn}, or aws iam delete-role-permissions-boundary --role-name {}",
                    plan.aws.role_name
                ));
            } else {
                check.detail = format!("the permissions boundary {arn} allows them too");
            }
            check
        }
    });
    checks
}

/// A policy's statements as a list (IAM allows one statement unwrapped).
fn statements(document: &Value) -> Vec<Value> {
    match &document["Statement"] {
        Value::Array(list) => list.clone(),
        Value::Object(_) => vec![document["Statement"].clone()],
        _ => Vec::new(),
    }
}

/// What differs between the deployed documents and the rendered ones, compared as JSON after
/// normalizing what IAM may rewrite (key order, one-element lists, an unwrapped statement).
fn drift_check(setup: &Setup, deployed: &Deployed) -> Check {
    let mut differences = Vec::new();
    if let Some(role) = &deployed.role {
        compare(
            "trust policy",
            &role.trust_policy,
            &setup.trust_policy,
            &mut differences,
        );
        // The artifacts' policy, by its ARN (an inline policy of the same name is another).
        let own_arn = setup.plan.policy_arn();
        let own = role.policies.iter().find(|(name, _)| *name == own_arn);
        match own {
            Some((_, document)) => compare(
                "permissions policy",
                document,
                &setup.permissions_policy,
                &mut differences,
            ),
            None => differences.push(format!(
                "permissions policy: {} is not attached",
                setup.plan.policy_arn()
            )),
        }
        for (name, _) in role.policies.iter().filter(|(name, _)| *name != own_arn) {
            differences.push(format!(
                "role: also has policy {name}, which the artifacts do not create"
            ));
        }
    }
    if let Some(provider) = &deployed.provider {
        let audience = &setup.tbot.audience;
        if !provider.client_ids.contains(audience) {
            differences.push(format!(
                "provider: client IDs {:?} lack {audience}",
                provider.client_ids
            ));
        }
        let rendered = &setup.plan.cluster.thumbprints;
        if setup.plan.aws.provider == crate::domain::aws::ProviderMode::Create
            && !rendered.is_empty()
            && provider.thumbprints != *rendered
        {
            differences.push(format!(
                "provider: thumbprints {:?}, the artifacts say {rendered:?}",
                provider.thumbprints
            ));
        }
    }
    match differences.is_empty() {
        true => Check::pass(
            CheckId::Drift,
            "the deployed provider, trust policy and permissions are the rendered ones",
        ),
        false => Check::warn(CheckId::Drift, differences.join("; ")),
    }
}

/// Records each difference between two JSON documents under `what`, by path.
fn compare(what: &str, deployed: &Value, rendered: &Value, differences: &mut Vec<String>) {
    walk(
        what,
        &normalize(deployed),
        &normalize(rendered),
        differences,
    );
}

fn walk(path: &str, deployed: &Value, rendered: &Value, differences: &mut Vec<String>) {
    match (deployed, rendered) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                let (x, y) = (
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                );
                walk(&format!("{path}.{key}"), x, y, differences);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{index}]"), x, y, differences);
            }
        }
        (a, b) if a == b => {}
        (a, b) => differences.push(format!("{path}: deployed {a}, rendered {b}")),
    }
}

/// Key order does not matter (objects compare as maps); a one-element list equals its
/// element, and a list of strings is compared as a set.
fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut sorted: Vec<(&String, &Value)> = map.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), normalize(v)))
                    .collect(),
            )
        }
        Value::Array(items) if items.len() == 1 => normalize(&items[0]),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            let mut items = items.clone();
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            items.dedup();
            Value::Array(items)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986: `%7B`, never `+` for a space).
pub fn url_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = text
                    .get(index + 1..index + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("a bad escape at byte {index}"))?;
                out.push(hex);
                index += 3;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8 once decoded".to_owned())
}

/// A policy document as IAM returns it, decoded and parsed.
pub fn policy_document(encoded: &str) -> Result<Value, String> {
    let text = url_decode(encoded)?;
    serde_json::from_str(&text).map_err(|error| format!("not JSON: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(boundary: Option<&str>) -> DeployedRole {
        let allow_all = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        DeployedRole {
            arn: "arn:aws:iam::123456789012:role/svc-bounded".into(),
            trust_policy: serde_json::json!({}),
            max_session_duration: None,
            boundary: boundary.map(|arn| (arn.to_owned(), allow_all.clone())),
            policies: vec![("p".into(), allow_all)],
        }
    }

    #[test]
    fn a_deployed_role_without_a_managed_policy_of_the_answers_fails_with_the_command() {
        let text = include_str!("../../tests/fixtures/managed-policies.yaml");
        let plan = crate::answers::fleet::single_plan(text).expect("valid");
        let check_of = |role: &DeployedRole| {
            permission_checks(&plan, role)
                .into_iter()
                .find(|c| c.id == CheckId::DeployedManagedPolicies)
                .expect("checked")
        };
        let mut deployed = role(None);
        let check = check_of(&deployed);
        assert_eq!(check.status, Status::Fail);
        assert!(
            check.fix.as_deref().is_some_and(|fix| fix
                .contains("attach-role-policy --role-name svc-orders --policy-arn arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")),
            "{check:?}"
        );
        for arn in &plan.aws.managed_policies {
            deployed.policies.push((arn.clone(), serde_json::json!({})));
        }
        assert_eq!(check_of(&deployed).status, Status::Pass);
        // Without the answer there is no such check.
        let plain = crate::answers::fleet::single_plan(include_str!("../../examples/answers.yaml"))
            .expect("valid");
        assert!(
            !permission_checks(&plain, &deployed)
                .iter()
                .any(|c| c.id == CheckId::DeployedManagedPolicies)
        );
    }

    #[test]
    fn a_deployed_role_with_a_shorter_longest_session_than_the_answers_fails() {
        let text = include_str!("../../tests/fixtures/tagged-bounded-4h.yaml");
        let plan = crate::answers::fleet::single_plan(text).expect("valid");
        let check_of = |role: &DeployedRole| {
            permission_checks(&plan, role)
                .into_iter()
                .find(|c| c.id == CheckId::DeployedMaxSession)
                .expect("checked")
        };
        let mut deployed = role(None);
        // GetRole without MaxSessionDuration: IAM's 3600.
        let check = check_of(&deployed);
        assert_eq!(check.status, Status::Fail);
        assert!(
            check
                .fix
                .as_deref()
                .is_some_and(|fix| fix.ends_with("--max-session-duration 14400")),
            "{check:?}"
        );
        deployed.max_session_duration = Some(14400);
        assert_eq!(check_of(&deployed).status, Status::Pass);
    }

    #[test]
    fn a_deployed_role_and_boundary_must_grant_what_the_policy_file_allows() {
        let text = include_str!("../../tests/fixtures/dynamodb-policy-file.yaml");
        let document = include_str!("../../tests/fixtures/orders-table.json");
        let plan = crate::answers::fleet::from_answers_file_reading(text, &|_| Ok(document.into()))
            .expect("valid")
            .workloads
            .remove(0)
            .plan;
        let boundary = plan.aws.permissions_boundary.clone().expect("a boundary");
        let check_of = |role: &DeployedRole, id: CheckId| {
            permission_checks(&plan, role)
                .into_iter()
                .find(|c| c.id == id)
                .expect("checked")
        };
        let deployed = role(Some(&boundary));
        assert_eq!(
            check_of(&deployed, CheckId::DeployedPermissions).status,
            Status::Pass
        );
        // The deployed policy reads the table but may not write it; a boundary of S3 only cuts all.
        let mut read_only = deployed.clone();
        read_only.policies = vec![(
            "p".into(),
            serde_json::json!({"Statement": {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "*"}}),
        )];
        let check = check_of(&read_only, CheckId::DeployedPermissions);
        assert_eq!(check.status, Status::Fail, "{check:?}");
        assert!(
            check.detail.contains(
                "dynamodb:PutItem on arn:aws:dynamodb:eu-west-2:123456789012:table/orders"
            ),
            "{check:?}"
        );
        assert!(
            check
                .aws_error
                .as_deref()
                .is_some_and(|e| e.contains("then dynamodb refuses")),
            "{check:?}"
        );
        let mut s3_boundary = deployed.clone();
        s3_boundary.boundary = Some((
            boundary.clone(),
            serde_json::json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}),
        ));
        let check = check_of(&s3_boundary, CheckId::DeployedBoundary);
        assert_eq!(check.status, Status::Fail, "{check:?}");
        assert!(check.detail.contains("cuts them"), "{check:?}");
    }

    #[test]
    fn a_deployed_role_without_the_answers_boundary_fails_with_the_command() {
        let text = include_str!("../../tests/fixtures/boundary.yaml");
        let plan = crate::answers::fleet::single_plan(text).expect("valid");
        let boundary = plan.aws.permissions_boundary.clone().expect("a boundary");
        let checks = permission_checks(&plan, &role(None));
        let check = checks
            .iter()
            .find(|c| c.id == CheckId::DeployedBoundary)
            .expect("checked");
        assert_eq!(check.status, Status::Fail);
        assert!(
            check
                .fix
                .as_deref()
                .is_some_and(|fix| fix.contains("put-role-permissions-boundary")),
            "{check:?}"
        );
        let checks = permission_checks(&plan, &role(Some(&boundary)));
        let check = checks
            .iter()
            .find(|c| c.id == CheckId::DeployedBoundary)
            .expect("checked");
        assert_eq!(check.status, Status::Pass, "{check:?}");
    }
}
