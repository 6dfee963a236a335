//! The deployed state, read with the official AWS SDK for Rust: read-only IAM calls for the
//! provider and the role, and (with `--assume`) the one STS call a workload makes.

use super::{Deployed, DeployedProvider, DeployedRole, policy_document};
use aws_config::{BehaviorVersion, Region, SdkConfig, timeout::TimeoutConfig};
use aws_sdk_iam::error::DisplayErrorContext;
use std::collections::BTreeMap;
use std::time::Duration;

/// How to reach AWS: the standard credential chain (or a profile), the artifacts' region, an
/// endpoint for an emulator, and a bound on every call.
#[derive(Debug, Clone)]
pub struct Connection {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub region: String,
    pub timeout: Duration,
}

pub async fn sdk_config(connection: &Connection) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(connection.timeout)
        .operation_attempt_timeout(connection.timeout)
        .operation_timeout(connection.timeout * 3)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(connection.region.clone()))
        .timeout_config(timeouts);
    if let Some(profile) = &connection.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &connection.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// An SDK error in words: the service's code and message, or what went wrong on the way.
fn said<E: std::error::Error>(call: &str, error: E) -> String {
    format!("{call}: {}", DisplayErrorContext(error))
}

/// The provider at `provider_arn`, the URLs of the account's other providers, and the role
/// `role_name` with every policy that applies to it.
pub async fn deployed(
    config: &SdkConfig,
    provider_arn: &str,
    role_name: &str,
) -> Result<Deployed, String> {
    let iam = aws_sdk_iam::Client::new(config);
    let (provider, listed, role) = tokio::join!(
        provider(&iam, provider_arn),
        iam.list_open_id_connect_providers().send(),
        role(&iam, role_name),
    );
    let listed = listed.map_err(|e| said("iam:ListOpenIDConnectProviders", e))?;
    let other_providers = listed
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|entry| entry.arn())
        .filter(|arn| *arn != provider_arn)
        .filter_map(|arn| {
            arn.split_once(":oidc-provider/")
                .map(|(_, url)| url.to_owned())
        })
        .collect();
    Ok(Deployed {
        provider: provider?,
        other_providers,
        role: role?,
    })
}

async fn provider(
    iam: &aws_sdk_iam::Client,
    arn: &str,
) -> Result<Option<DeployedProvider>, String> {
    let response = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await;
    match response {
        Ok(found) => Ok(Some(DeployedProvider {
            arn: arn.to_owned(),
            url: found.url().unwrap_or_default().to_owned(),
            client_ids: found.client_id_list().to_vec(),
            thumbprints: found.thumbprint_list().to_vec(),
        })),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            Ok(None)
        }
        Err(error) => Err(said("iam:GetOpenIDConnectProvider", error)),
    }
}

pub(crate) async fn role(
    iam: &aws_sdk_iam::Client,
    name: &str,
) -> Result<Option<DeployedRole>, String> {
    let role = match iam.get_role().role_name(name).send().await {
        Ok(found) => found.role.ok_or("iam:GetRole returned no role")?,
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            return Ok(None);
        }
        Err(error) => return Err(said("iam:GetRole", error)),
    };
    let trust_policy = policy_document(role.assume_role_policy_document().unwrap_or_default())
        .map_err(|why| format!("the role's trust policy: {why}"))?;
    let mut policies = Vec::new();
    let attached = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| said("iam:ListAttachedRolePolicies", e))?;
    for arn in attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
    {
        policies.push((arn.to_owned(), managed_policy(iam, arn).await?));
    }
    let inline = iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| said("iam:ListRolePolicies", e))?;
    for policy_name in inline.policy_names() {
        let document = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy_name)
            .send()
            .await
            .map_err(|e| said("iam:GetRolePolicy", e))?;
        let document = policy_document(document.policy_document())
            .map_err(|why| format!("inline policy {policy_name}: {why}"))?;
        policies.push((format!("inline/{policy_name}"), document));
    }
    let boundary = match role
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn())
    {
        Some(arn) => Some((arn.to_owned(), managed_policy(iam, arn).await?)),
        None => None,
    };
    Ok(Some(DeployedRole {
        arn: role.arn().to_owned(),
        trust_policy,
        max_session_duration: role.max_session_duration(),
        boundary,
        policies,
    }))
}

/// A managed policy's default version's document.
async fn managed_policy(iam: &aws_sdk_iam::Client, arn: &str) -> Result<serde_json::Value, String> {
    let policy = iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| said("iam:GetPolicy", e))?;
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .ok_or_else(|| format!("{arn} has no default version"))?;
    let version = iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| said("iam:GetPolicyVersion", e))?;
    let document = version
        .policy_version()
        .and_then(|v| v.document())
        .ok_or_else(|| format!("{arn}: no document"))?;
    policy_document(document).map_err(|why| format!("{arn}: {why}"))
}

/// What AWS answered to `AssumeRoleWithWebIdentity`: the assumed role's ARN and when its
/// credentials expire, or AWS's error. The credentials themselves are dropped here.
pub async fn assume(
    config: &SdkConfig,
    role_arn: &str,
    session_name: &str,
    token: &str,
) -> Result<(String, String), String> {
    let sts = aws_sdk_sts::Client::new(config);
    let answer = sts
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(session_name)
        .web_identity_token(token.trim())
        .send()
        .await;
    match answer {
        Ok(answer) => {
            let role = answer
                .assumed_role_user()
                .map_or_else(String::new, |user| user.arn().to_owned());
            let expires = answer
                .credentials()
                .map_or_else(String::new, |c| c.expiration().to_string());
            Ok((role, expires))
        }
        Err(error) => Err(sts_said("sts:AssumeRoleWithWebIdentity", error)),
    }
}

/// An STS error as AWS words it (`Code: message`), or what went wrong on the way there.
pub(crate) fn sts_said<E, R>(call: &str, error: aws_sdk_sts::error::SdkError<E, R>) -> String
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service.message().unwrap_or_default()
        ),
        None => said(call, error),
    }
}

/// At most this many pages of a list call (of up to 1,000 items each): an account holds at
/// most a few thousand roles or policies, and a server that never stops paging is refused.
const MAX_PAGES: usize = 100;

/// What preflight needs of the account, read-only: its summary, every role's and customer
/// managed policy's name, its OIDC providers, and with `trust_anchors` the region's anchors.
pub async fn account(
    config: &SdkConfig,
    trust_anchors: bool,
    named_policies: &[String],
) -> Result<super::preflight::Account, String> {
    let iam = aws_sdk_iam::Client::new(config);
    let (summary, roles, policies, providers, anchors, named) = tokio::join!(
        iam.get_account_summary().send(),
        role_names(&iam),
        policy_names(&iam),
        iam.list_open_id_connect_providers().send(),
        anchor_names(config, trust_anchors),
        policies_exist(&iam, named_policies),
    );
    let summary = summary.map_err(|e| said("iam:GetAccountSummary", e))?;
    let summary = summary
        .summary_map()
        .map(|map| {
            map.iter()
                .map(|(key, value)| (key.as_str().to_owned(), i64::from(*value)))
                .collect()
        })
        .unwrap_or_default();
    let providers = providers.map_err(|e| said("iam:ListOpenIDConnectProviders", e))?;
    Ok(super::preflight::Account {
        summary,
        roles: roles?,
        policies: policies?,
        oidc_providers: providers
            .open_id_connect_provider_list()
            .iter()
            .filter_map(|p| p.arn().map(str::to_owned))
            .collect(),
        trust_anchors: anchors?,
        named_policies: named?,
    })
}

/// Whether each policy of `arns` exists (`iam:GetPolicy`): `NoSuchEntity` is no; any other
/// refusal is an error, never a no.
async fn policies_exist(
    iam: &aws_sdk_iam::Client,
    arns: &[String],
) -> Result<BTreeMap<String, bool>, String> {
    let mut found = BTreeMap::new();
    for arn in arns {
        let exists = match iam.get_policy().policy_arn(arn).send().await {
            Ok(_) => true,
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                false
            }
            Err(error) => return Err(said("iam:GetPolicy", error)),
        };
        found.insert(arn.clone(), exists);
    }
    Ok(found)
}

async fn role_names(iam: &aws_sdk_iam::Client) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = iam
            .list_roles()
            .max_items(1000)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| said("iam:ListRoles", e))?;
        names.extend(page.roles().iter().map(|role| role.role_name().to_owned()));
        match (page.is_truncated(), page.marker()) {
            (true, Some(next)) => marker = Some(next.to_owned()),
            _ => return Ok(names),
        }
    }
    Err(format!("iam:ListRoles: more than {MAX_PAGES} pages"))
}

async fn policy_names(iam: &aws_sdk_iam::Client) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .max_items(1000)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| said("iam:ListPolicies", e))?;
        names.extend(
            page.policies()
                .iter()
                .filter_map(|policy| policy.policy_name().map(str::to_owned)),
        );
        match (page.is_truncated(), page.marker()) {
            (true, Some(next)) => marker = Some(next.to_owned()),
            _ => return Ok(names),
        }
    }
    Err(format!("iam:ListPolicies: more than {MAX_PAGES} pages"))
}

async fn anchor_names(config: &SdkConfig, wanted: bool) -> Result<Vec<(String, String)>, String> {
    if !wanted {
        return Ok(Vec::new());
    }
    let client = aws_sdk_rolesanywhere::Client::new(config);
    let mut anchors = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .list_trust_anchors()
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| said("rolesanywhere:ListTrustAnchors", e))?;
        anchors.extend(page.trust_anchors().iter().filter_map(|anchor| {
            Some((
                anchor.name()?.to_owned(),
                anchor.trust_anchor_arn()?.to_owned(),
            ))
        }));
        match page.next_token() {
            Some(token) => next = Some(token.to_owned()),
            None => return Ok(anchors),
        }
    }
    Err(format!(
        "rolesanywhere:ListTrustAnchors: more than {MAX_PAGES} pages"
    ))
}
