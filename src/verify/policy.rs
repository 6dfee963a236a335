//! IAM policy evaluation, enough of it to decide what STS and S3 would decide for the policies
//! wi-aws writes — and to explain why when the answer is no.
//!
//! Semantics (IAM User Guide, "Policy evaluation logic" and "Condition operators"): an explicit
//! Deny wins over any Allow; without an Allow the request is implicitly denied. In a Condition
//! block every operator must hold, within an operator every key must hold, and a key holds when
//! any of its values matches. A key missing from the request makes a condition false — except
//! for negated operators and `…IfExists`, which are then true. Condition key names are
//! case-insensitive; `StringEquals` compares exactly, `StringLike` with `*` and `?`.

use crate::domain::aws::wildcard_match;
use serde_json::Value;
use std::collections::BTreeMap;

/// What is being asked, with the condition keys the request carries.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub action: String,
    /// `Federated` principal of a web identity request (trust policies).
    pub federated: Option<String>,
    /// An AWS principal (account or role ARN) asking `sts:AssumeRole` (trust policies).
    pub aws: Option<String>,
    /// A service principal (`rolesanywhere.amazonaws.com`) assuming the role for a session.
    pub service: Option<String>,
    /// Resource ARN (identity policies); `None` for trust policies, which have no Resource and
    /// must name a Principal in every statement.
    pub resource: Option<String>,
    /// Condition keys (any case) and their values.
    pub context: BTreeMap<String, Vec<String>>,
}

impl Request {
    fn is_trust(&self) -> bool {
        self.resource.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed by the statement at this index.
    Allow(usize),
    /// Denied by the statement at this index.
    ExplicitDeny(usize),
    /// No statement allows it; the reasons say why each Allow statement did not apply.
    ImplicitDeny(Vec<String>),
    /// AWS would refuse the document itself (MalformedPolicyDocument).
    Malformed(String),
    /// The simulation cannot decide: the document uses what it does not evaluate (an
    /// operator, `NotPrincipal`) where the answer depends on it. Never a pass.
    CannotEvaluate(String),
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Self::Allow(_))
    }
}

/// One statement's verdict on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Applies,
    DoesNot(String),
    /// What the statement says could not be evaluated.
    Unknown(String),
    Malformed(String),
}

impl Verdict {
    /// Both must apply; the first that does not decides.
    fn and(self, next: impl FnOnce() -> Verdict) -> Verdict {
        match self {
            Self::Applies => next(),
            other => other,
        }
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

/// Whether the statement's Principal names who asks. `"*"` and `{"AWS": "*"}` are the same
/// thing to IAM: everyone.
fn principal_matches(statement: &Value, request: &Request) -> Verdict {
    if statement.get("NotPrincipal").is_some() {
        return Verdict::Unknown(
            "NotPrincipal is not evaluated by wi-aws (it admits everyone it does not name); name the principal in Principal".into(),
        );
    }
    let Some(principal) = statement.get("Principal") else {
        return match request.is_trust() {
            true => Verdict::Malformed(
                "a trust policy statement without Principal (AWS: MalformedPolicyDocument)".into(),
            ),
            false => Verdict::Applies,
        };
    };
    let everyone = |values: &[String]| values.iter().any(|v| v == "*");
    let matches = match principal {
        Value::String(star) if star == "*" => true,
        Value::Object(_) => {
            let aws = strings(principal.get("AWS"));
            let federated = strings(principal.get("Federated"));
            let service = strings(principal.get("Service"));
            everyone(&aws)
                || everyone(&federated)
                || request.aws.as_ref().is_some_and(|a| aws.contains(a))
                || request
                    .federated
                    .as_ref()
                    .is_some_and(|f| federated.contains(f))
                || request
                    .service
                    .as_ref()
                    .is_some_and(|s| service.contains(s))
        }
        _ => false,
    };
    match matches {
        true => Verdict::Applies,
        false => Verdict::DoesNot(format!(
            "Principal {principal} is not {}",
            request
                .federated
                .as_deref()
                .or(request.aws.as_deref())
                .or(request.service.as_deref())
                .unwrap_or("(none)")
        )),
    }
}

/// Whether the statement's Action and Resource cover the request.
fn action_and_resource_match(statement: &Value, request: &Request) -> Verdict {
    let action_matches = |patterns: &[String]| {
        patterns
            .iter()
            .any(|p| crate::domain::aws::action_matches(p, &request.action))
    };
    if let Some(actions) = statement.get("Action") {
        if !action_matches(&strings(Some(actions))) {
            return Verdict::DoesNot(format!(
                "Action {actions} does not include {}",
                request.action
            ));
        }
    } else if let Some(not_actions) = statement.get("NotAction") {
        if action_matches(&strings(Some(not_actions))) {
            return Verdict::DoesNot(format!(
                "NotAction {not_actions} excludes {}",
                request.action
            ));
        }
    } else {
        return Verdict::Malformed("the statement has no Action".into());
    }
    if let Some(resource) = &request.resource {
        // ARNs match case-sensitively, with wildcards.
        if let Some(not_resources) = statement.get("NotResource") {
            let excluded = strings(Some(not_resources));
            if excluded
                .iter()
                .any(|pattern| wildcard_match(pattern, resource))
            {
                return Verdict::DoesNot(format!(
                    "NotResource {not_resources} excludes {resource}"
                ));
            }
            return Verdict::Applies;
        }
        let resources = strings(statement.get("Resource"));
        if !resources
            .iter()
            .any(|pattern| wildcard_match(pattern, resource))
        {
            return Verdict::DoesNot(format!(
                "Resource {} does not cover {resource}",
                Value::from(resources)
            ));
        }
    }
    Verdict::Applies
}

/// How an operator compares a policy value with a request value; `None` when wi-aws does not
/// evaluate the operator.
fn comparison(operator: &str) -> Option<fn(&str, &str) -> bool> {
    Some(match operator {
        "StringEquals" | "StringNotEquals" => |pattern, value| pattern == value,
        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => {
            |pattern, value| pattern.eq_ignore_ascii_case(value)
        }
        "StringLike" | "StringNotLike" => wildcard_match,
        // Booleans compare as the words true and false.
        "Bool" => |pattern, value| pattern.eq_ignore_ascii_case(value),
        _ => return None,
    })
}

/// Evaluates one operator (e.g. `StringEquals`) against one key's policy values.
fn condition_holds(operator: &str, key: &str, expected: &[String], request: &Request) -> Verdict {
    let (set, operator) = match operator.split_once(':') {
        Some((set @ ("ForAnyValue" | "ForAllValues"), rest)) => (Some(set), rest),
        _ => (None, operator),
    };
    let (operator, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    let actual = request
        .context
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, values)| values.as_slice())
        .filter(|values| !values.is_empty());
    if operator == "Null" {
        // Null: {"key": "true"} holds when the key is absent, "false" when it is present.
        let wants_absent = expected.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return match actual.is_none() == wants_absent {
            true => Verdict::Applies,
            false => Verdict::DoesNot(format!("Null {key}: {expected:?} does not hold")),
        };
    }
    let Some(compare) = comparison(operator) else {
        return Verdict::Unknown(format!(
            "{operator} is not an operator wi-aws evaluates, so it cannot say whether {key} matches"
        ));
    };
    let negated = operator.contains("Not");
    let Some(actual) = actual else {
        return match set {
            Some("ForAllValues") => Verdict::Applies,
            _ if negated || if_exists => Verdict::Applies,
            _ => Verdict::DoesNot(format!(
                "the request has no {key} (condition keys are the provider URL without https:// plus the claim)"
            )),
        };
    };
    let any_match = |value: &str| expected.iter().any(|pattern| compare(pattern, value));
    let holds = match set {
        Some("ForAllValues") => actual.iter().all(|v| any_match(v)),
        _ => actual.iter().any(|v| any_match(v)),
    };
    if holds != negated {
        Verdict::Applies
    } else {
        Verdict::DoesNot(format!(
            "{operator} {key}: {expected:?} does not match the request's {actual:?}"
        ))
    }
}

fn conditions_hold(statement: &Value, request: &Request) -> Verdict {
    let Some(condition) = statement.get("Condition") else {
        return Verdict::Applies;
    };
    let Value::Object(operators) = condition else {
        return Verdict::Malformed("Condition must map operators to keys".into());
    };
    for (operator, keys) in operators {
        let Value::Object(keys) = keys else {
            return Verdict::Malformed(format!("{operator} must map condition keys to values"));
        };
        for (key, expected) in keys {
            match condition_holds(operator, key, &strings(Some(expected)), request) {
                Verdict::Applies => {}
                other => return other,
            }
        }
    }
    Verdict::Applies
}

fn statement_verdict(statement: &Value, request: &Request) -> Verdict {
    principal_matches(statement, request)
        .and(|| action_and_resource_match(statement, request))
        .and(|| conditions_hold(statement, request))
}

/// Decides a request against one policy document. An explicit Deny wins; a Deny or an Allow
/// that cannot be evaluated makes the decision unknown unless a Deny applies for certain (an
/// unknown Allow does not matter when another Allow applies).
pub fn evaluate(policy: &Value, request: &Request) -> Decision {
    let mut allow = None;
    let mut unknown_allow = None;
    let mut unknown_deny = None;
    let mut reasons = Vec::new();
    for (index, statement) in statements(policy).into_iter().enumerate() {
        let number = index + 1;
        let effect = statement.get("Effect").and_then(Value::as_str);
        let verdict = match effect {
            Some("Allow" | "Deny") => statement_verdict(statement, request),
            _ => Verdict::Malformed("Effect must be Allow or Deny".into()),
        };
        match (effect, verdict) {
            (_, Verdict::Malformed(why)) => {
                return Decision::Malformed(format!("statement {number}: {why}"));
            }
            (Some("Deny"), Verdict::Applies) => return Decision::ExplicitDeny(index),
            (Some("Deny"), Verdict::Unknown(why)) => {
                unknown_deny.get_or_insert(format!("Deny statement {number}: {why}"));
            }
            (_, Verdict::Applies) => {
                allow.get_or_insert(index);
            }
            (_, Verdict::Unknown(why)) => {
                unknown_allow.get_or_insert(format!("Allow statement {number}: {why}"));
            }
            (Some("Allow"), Verdict::DoesNot(why)) => {
                reasons.push(format!("statement {number}: {why}"))
            }
            (_, Verdict::DoesNot(_)) => {}
        }
    }
    if let Some(why) = unknown_deny {
        return Decision::CannotEvaluate(why);
    }
    match (allow, unknown_allow) {
        (Some(index), _) => Decision::Allow(index),
        (None, Some(why)) => Decision::CannotEvaluate(why),
        (None, None) if reasons.is_empty() => {
            Decision::ImplicitDeny(vec!["no statement allows it".into()])
        }
        (None, None) => Decision::ImplicitDeny(reasons),
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
            context,
            ..Request::default()
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
    fn not_resource_applies_to_every_other_resource() {
        let policy = json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::kept/*"},
        ]});
        let request = |resource: &str| Request {
            action: "s3:GetObject".into(),
            resource: Some(resource.into()),
            ..Request::default()
        };
        assert!(evaluate(&policy, &request("arn:aws:s3:::kept/a")).allowed());
        assert_eq!(
            evaluate(&policy, &request("arn:aws:s3:::other/a")),
            Decision::ExplicitDeny(1)
        );
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

    #[test]
    fn what_the_simulation_cannot_decide_is_never_a_pass() {
        let request = web_identity("spiffe://example.com/svc/a", "sts.amazonaws.com");
        let allow = trust("StringEquals", json!("spiffe://example.com/svc/a"));
        let with_deny = |condition: Value| {
            let mut policy = allow.clone();
            policy["Statement"]
                .as_array_mut()
                .expect("array")
                .push(json!({"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Condition": condition}));
            policy
        };
        // A Deny with an operator wi-aws does not evaluate could apply: the answer is unknown.
        let policy =
            with_deny(json!({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}));
        assert!(matches!(
            evaluate(&policy, &request),
            Decision::CannotEvaluate(why) if why.contains("DateGreaterThan")
        ));
        // Null is evaluated: the key is present, so {"…": "true"} does not hold and the Deny
        // does not apply.
        let mut policy = with_deny(json!({"Null": {"example.com/workload-identity:sub": "true"}}));
        assert_eq!(evaluate(&policy, &request), Decision::Allow(0));
        // …and with "false" it does.
        let last = policy["Statement"].as_array().expect("array").len() - 1;
        policy["Statement"][last]["Condition"]["Null"]["example.com/workload-identity:sub"] =
            json!("false");
        assert_eq!(evaluate(&policy, &request), Decision::ExplicitDeny(1));
        // A statement without Principal is malformed in a trust policy, and NotPrincipal is
        // not evaluated.
        let mut no_principal = allow.clone();
        no_principal["Statement"][0]
            .as_object_mut()
            .expect("object")
            .remove("Principal");
        assert!(matches!(
            evaluate(&no_principal, &request),
            Decision::Malformed(_)
        ));
        let mut not_principal = no_principal.clone();
        not_principal["Statement"][0]["NotPrincipal"] = json!({"AWS": "arn:aws:iam::1:root"});
        assert!(matches!(
            evaluate(&not_principal, &request),
            Decision::CannotEvaluate(_)
        ));
        // {"AWS": "*"} is everyone, as "*" is.
        let everyone = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRoleWithWebIdentity"}]});
        assert!(evaluate(&everyone, &request).allowed());
    }
}
