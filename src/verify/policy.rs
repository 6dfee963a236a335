//! IAM policy evaluation, enough of it to decide what STS and S3 would decide for the policies
//! wi-aws writes — and to explain why when the answer is no.
//!
//! Semantics (IAM User Guide, "Policy evaluation logic" and "Condition operators"): an explicit
//! Deny wins over any Allow; without an Allow the request is implicitly denied. In a Condition
//! block every operator must hold, within an operator every key must hold, and a key holds when
//! any of its values matches. A key missing from the request makes a condition false — except
//! for negated operators and `…IfExists`, which are then true. Condition key names are
//! case-insensitive; `StringEquals` compares exactly, `StringLike` with `*` and `?`.

use crate::aws::wildcard_match;
use serde_json::Value;
use std::collections::BTreeMap;

/// What is being asked, with the condition keys the request carries.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub action: String,
    /// `Federated` principal of a web identity request (trust policies).
    pub federated: Option<String>,
    /// Resource ARN (identity policies); `None` for trust policies, which have no Resource.
    pub resource: Option<String>,
    /// Condition keys (any case) and their values.
    pub context: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed by the statement at this index.
    Allow(usize),
    /// Denied by the statement at this index.
    ExplicitDeny(usize),
    /// No statement allows it; the reasons say why each Allow statement did not apply.
    ImplicitDeny(Vec<String>),
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Self::Allow(_))
    }
}

/// A JSON string or list of strings (policy elements and JWT claims take both forms).
pub fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

/// Whether the statement's Principal/Action/Resource cover the request; `Err` says why not.
fn applies(statement: &Value, request: &Request) -> Result<(), String> {
    if let Some(principal) = statement.get("Principal") {
        let matches = match principal {
            Value::String(star) if star == "*" => true,
            _ => {
                let federated = strings(principal.get("Federated"));
                request
                    .federated
                    .as_ref()
                    .is_some_and(|wanted| federated.iter().any(|f| f == wanted))
            }
        };
        if !matches {
            return Err(format!(
                "Principal {} is not the federated provider {}",
                principal,
                request.federated.as_deref().unwrap_or("(none)")
            ));
        }
    }
    let action_matches = |patterns: &[String]| {
        patterns
            .iter()
            .any(|p| crate::aws::action_matches(p, &request.action))
    };
    if let Some(actions) = statement.get("Action") {
        if !action_matches(&strings(Some(actions))) {
            return Err(format!(
                "Action {actions} does not include {}",
                request.action
            ));
        }
    } else if let Some(not_actions) = statement.get("NotAction") {
        if action_matches(&strings(Some(not_actions))) {
            return Err(format!(
                "NotAction {not_actions} excludes {}",
                request.action
            ));
        }
    } else {
        return Err("the statement has no Action".into());
    }
    if let Some(resource) = &request.resource {
        // ARNs match case-sensitively, with wildcards.
        let resources = strings(statement.get("Resource"));
        if !resources
            .iter()
            .any(|pattern| wildcard_match(pattern, resource))
        {
            return Err(format!(
                "Resource {} does not cover {resource}",
                Value::from(resources)
            ));
        }
    }
    Ok(())
}

/// Evaluates one operator (e.g. `StringEquals`) against one key's policy values.
fn condition_holds(
    operator: &str,
    key: &str,
    expected: &[String],
    request: &Request,
) -> Result<(), String> {
    let (set, operator) = match operator.split_once(':') {
        Some((set @ ("ForAnyValue" | "ForAllValues"), rest)) => (Some(set), rest),
        _ => (None, operator),
    };
    let (operator, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    let negated = operator.contains("Not");
    let compare: fn(&str, &str) -> bool = match operator {
        "StringEquals" | "StringNotEquals" => |pattern, value| pattern == value,
        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => {
            |pattern, value| pattern.eq_ignore_ascii_case(value)
        }
        "StringLike" | "StringNotLike" => wildcard_match,
        other => {
            return Err(format!(
                "{other} is not an operator wi-aws evaluates; it counts as not matching"
            ));
        }
    };
    let actual = request
        .context
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, values)| values.as_slice());
    let Some(actual) = actual.filter(|values| !values.is_empty()) else {
        return match set {
            Some("ForAllValues") => Ok(()),
            _ if negated || if_exists => Ok(()),
            _ => Err(format!(
                "the request has no {key} (condition keys are the provider URL without https:// plus the claim)"
            )),
        };
    };
    let any_match = |value: &str| expected.iter().any(|pattern| compare(pattern, value));
    let holds = match set {
        Some("ForAllValues") => actual.iter().all(|v| any_match(v)),
        _ => actual.iter().any(|v| any_match(v)),
    };
    let holds = if negated { !holds } else { holds };
    if holds {
        Ok(())
    } else {
        Err(format!(
            "{operator} {key}: {expected:?} does not match the request's {actual:?}"
        ))
    }
}

fn conditions_hold(statement: &Value, request: &Request) -> Result<(), String> {
    let Some(Value::Object(operators)) = statement.get("Condition") else {
        return Ok(());
    };
    for (operator, keys) in operators {
        let Value::Object(keys) = keys else {
            return Err(format!("{operator} must map condition keys to values"));
        };
        for (key, expected) in keys {
            condition_holds(operator, key, &strings(Some(expected)), request)?;
        }
    }
    Ok(())
}

/// Decides a request against one policy document.
pub fn evaluate(policy: &Value, request: &Request) -> Decision {
    let mut allow = None;
    let mut reasons = Vec::new();
    for (index, statement) in statements(policy).into_iter().enumerate() {
        let effect = statement
            .get("Effect")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let verdict =
            applies(statement, request).and_then(|()| conditions_hold(statement, request));
        match (effect, verdict) {
            ("Deny", Ok(())) => return Decision::ExplicitDeny(index),
            ("Allow", Ok(())) => allow = allow.or(Some(index)),
            ("Allow", Err(reason)) => reasons.push(format!("statement {}: {reason}", index + 1)),
            (_, _) => {}
        }
    }
    match allow {
        Some(index) => Decision::Allow(index),
        None if reasons.is_empty() => Decision::ImplicitDeny(vec!["no statement allows it".into()]),
        None => Decision::ImplicitDeny(reasons),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn web_identity(sub: &str, aud: &str) -> Request {
        let mut context = BTreeMap::new();
        context.insert(
            "example.com/workload-identity:sub".into(),
            vec![sub.to_owned()],
        );
        context.insert(
            "example.com/workload-identity:aud".into(),
            vec![aud.to_owned()],
        );
        Request {
            action: "sts:AssumeRoleWithWebIdentity".into(),
            federated: Some("arn:aws:iam::1:oidc-provider/example.com/workload-identity".into()),
            resource: None,
            context,
        }
    }

    fn trust(operator: &str, sub: Value) -> Value {
        json!({"Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/example.com/workload-identity"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {operator: {"example.com/workload-identity:sub": sub, "example.com/workload-identity:aud": "sts.amazonaws.com"}}
        }]})
    }

    #[test]
    fn string_equals_is_exact_and_values_are_ored() {
        let request = web_identity("spiffe://example.com/svc/a", "sts.amazonaws.com");
        assert!(
            evaluate(
                &trust("StringEquals", json!("spiffe://example.com/svc/a")),
                &request
            )
            .allowed()
        );
        assert!(
            evaluate(
                &trust("StringEquals", json!(["x", "spiffe://example.com/svc/a"])),
                &request
            )
            .allowed()
        );
        assert!(
            !evaluate(
                &trust("StringEquals", json!("spiffe://example.com/svc/*")),
                &request
            )
            .allowed()
        );
        assert!(
            !evaluate(
                &trust("StringEquals", json!("SPIFFE://example.com/svc/a")),
                &request
            )
            .allowed()
        );
        assert!(
            evaluate(
                &trust(
                    "StringEqualsIgnoreCase",
                    json!("SPIFFE://example.com/svc/a")
                ),
                &request
            )
            .allowed()
        );
        assert!(
            evaluate(
                &trust("StringLike", json!("spiffe://example.com/svc/*")),
                &request
            )
            .allowed()
        );
        assert!(
            evaluate(
                &trust("StringLike", json!("spiffe://example.com/svc/?")),
                &request
            )
            .allowed()
        );
    }

    #[test]
    fn keys_are_anded_and_missing_keys_are_false() {
        let mut request = web_identity("spiffe://example.com/svc/a", "other");
        assert!(
            !evaluate(
                &trust("StringEquals", json!("spiffe://example.com/svc/a")),
                &request
            )
            .allowed()
        );
        request.context.clear();
        assert!(!evaluate(&trust("StringLike", json!("*")), &request).allowed());
    }

    #[test]
    fn negated_operators_and_set_prefixes() {
        let request = web_identity("spiffe://example.com/svc/a", "sts.amazonaws.com");
        let policy = |condition: Value| json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:*", "Condition": condition}]});
        let sub = "example.com/workload-identity:sub";
        assert!(
            !evaluate(
                &policy(json!({"StringNotEquals": {sub: "spiffe://example.com/svc/a"}})),
                &request
            )
            .allowed()
        );
        assert!(
            evaluate(
                &policy(json!({"StringNotEquals": {"missing:key": "x"}})),
                &request
            )
            .allowed()
        );
        assert!(
            evaluate(
                &policy(json!({"StringEqualsIfExists": {"missing:key": "x"}})),
                &request
            )
            .allowed()
        );
        assert!(
            evaluate(
                &policy(json!({"ForAnyValue:StringLike": {sub: ["nope", "spiffe://*"]}})),
                &request
            )
            .allowed()
        );
        assert!(
            evaluate(
                &policy(json!({"ForAllValues:StringEquals": {"missing:key": "x"}})),
                &request
            )
            .allowed()
        );
        assert!(
            !evaluate(
                &policy(json!({"ForAllValues:StringEquals": {sub: "x"}})),
                &request
            )
            .allowed()
        );
        // Key names are case-insensitive.
        assert!(evaluate(&policy(json!({"StringEquals": {"EXAMPLE.com/workload-identity:SUB": "spiffe://example.com/svc/a"}})), &request).allowed());
    }

    #[test]
    fn explicit_deny_wins() {
        let request = web_identity("spiffe://example.com/svc/a", "sts.amazonaws.com");
        let mut policy = trust("StringEquals", json!("spiffe://example.com/svc/a"));
        policy["Statement"].as_array_mut().expect("array").push(
            json!({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity"}),
        );
        assert_eq!(evaluate(&policy, &request), Decision::ExplicitDeny(1));
    }

    #[test]
    fn resources_and_actions_with_wildcards() {
        let policy = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:Get*"], "Resource": ["arn:aws:s3:::b/*"]}]});
        let request = |action: &str, resource: &str| Request {
            action: action.into(),
            resource: Some(resource.into()),
            ..Request::default()
        };
        assert!(evaluate(&policy, &request("s3:GetObject", "arn:aws:s3:::b/x")).allowed());
        assert!(!evaluate(&policy, &request("s3:PutObject", "arn:aws:s3:::b/x")).allowed());
        assert!(!evaluate(&policy, &request("s3:GetObject", "arn:aws:s3:::b")).allowed());
    }
}
