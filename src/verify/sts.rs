//! A web identity token checked the way AWS STS checks it in `AssumeRoleWithWebIdentity`:
//! size, algorithm, key, signature, expiry (with STS's five minutes of leeway), issuer against
//! the OIDC provider URL, audience against its client IDs. Each step is its own check so a
//! failure names the exact error AWS would answer with.

use super::{Check, CheckId};
use crate::domain::jwk::{Jwks, KeyProblem, StsKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// STS accepts tokens of 4 to 20,000 characters.
pub const MAX_TOKEN_LEN: usize = 20_000;
/// STS tolerates clock skew of up to five minutes past `exp`.
pub const EXPIRY_LEEWAY_SECS: u64 = 300;
/// Below this much remaining lifetime a live token is reported as expiring soon.
pub const EXPIRING_SOON_SECS: u64 = 300;

/// An issuer's JWKS with every key read once, so validating many tokens does not parse the
/// same key each time.
pub struct VerificationKeys {
    kids: Vec<Option<String>>,
    keys: Vec<Result<StsKey, KeyProblem>>,
}

impl From<Jwks> for VerificationKeys {
    fn from(set: Jwks) -> Self {
        let (kids, keys) = set
            .keys
            .iter()
            .map(|jwk| {
                let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
                (kid, StsKey::from_json(jwk))
            })
            .unzip();
        Self { kids, keys }
    }
}

impl VerificationKeys {
    fn find(&self, kid: Option<&str>) -> Option<&Result<StsKey, KeyProblem>> {
        let index = match kid {
            Some(kid) => self.kids.iter().position(|k| k.as_deref() == Some(kid)),
            None if self.keys.len() == 1 => Some(0),
            None => None,
        };
        index.and_then(|i| self.keys.get(i))
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The IAM OIDC provider the token is presented against.
#[derive(Debug, Clone)]
pub struct Provider {
    pub url: String,
    /// `None` when the provider exists already and its audiences cannot be seen from here.
    pub client_ids: Option<Vec<String>>,
}

/// The claims STS and the trust policy look at, once the signature is checked.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
}

fn segment_json(segment: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(segment.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn now_secs(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// Validates `token` against `jwks` and `provider`. Returns the checks and, when the token could
/// be read at all, its claims (for the trust policy). Like STS, it stops at the first failure
/// of the token's form, algorithm, key or signature.
pub fn validate(
    token: &str,
    keys: &VerificationKeys,
    provider: &Provider,
    now: SystemTime,
    live: bool,
) -> (Vec<Check>, Option<Claims>) {
    let mut checks = Vec::new();
    let token = token.trim();
    let Some(parsed) = stage(&mut checks, read_token(token)) else {
        return (checks, None);
    };
    let claims = parsed.claims();
    let signed = stage(&mut checks, algorithm_check(&parsed.header))
        .and_then(|alg| stage(&mut checks, key_check(keys, parsed.kid())).map(|key| (alg, key)))
        .and_then(|(alg, key)| stage(&mut checks, signature_check(key, token, &alg)));
    if signed.is_none() {
        return (checks, Some(claims));
    }
    let now = now_secs(now);
    checks.push(expiry_check(&parsed.payload, now, live));
    checks.extend(not_before_check(&parsed.payload, now));
    checks.push(issuer_check(&claims.iss, &provider.url));
    checks.push(audience_check(&claims.aud, provider));
    (checks, Some(claims))
}

/// Records a step's check; its value when it passed.
fn stage<T>(checks: &mut Vec<Check>, result: Result<(Check, T), Check>) -> Option<T> {
    match result {
        Ok((check, value)) => {
            checks.push(check);
            Some(value)
        }
        Err(check) => {
            checks.push(check);
            None
        }
    }
}

/// A token's header and payload, decoded but not yet trusted.
struct Parsed {
    header: Value,
    payload: Value,
}

impl Parsed {
    fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    fn claims(&self) -> Claims {
        let text = |name: &str| {
            self.payload
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Claims {
            iss: text("iss"),
            sub: text("sub"),
            aud: super::policy::strings(self.payload.get("aud")),
        }
    }
}

fn read_token(token: &str) -> Result<(Check, Parsed), Check> {
    let invalid = |detail: String, fix: &str| {
        Check::fail(
            CheckId::Token,
            detail,
            "InvalidIdentityToken: the token is not a valid JWT",
            fix,
        )
    };
    if token.len() < 4 || token.len() > MAX_TOKEN_LEN {
        return Err(Check::fail(
            CheckId::Token,
            format!(
                "{} characters; STS accepts 4 to {MAX_TOKEN_LEN}",
                token.len()
            ),
            "ValidationError: WebIdentityToken fails to satisfy its length constraint",
            "give the JWT SVID exactly as tbot writes it",
        ));
    }
    let segments: Vec<&str> = token.split('.').collect();
    let (Some(header), Some(payload)) = (
        segments.first().and_then(|s| segment_json(s)),
        segments.get(1).and_then(|s| segment_json(s)),
    ) else {
        return Err(invalid(
            "not three base64url JSON segments".into(),
            "point the profile at tbot's JWT file, not another file",
        ));
    };
    if segments.len() != 3 {
        return Err(invalid(
            format!("{} segments; a signed JWT has 3", segments.len()),
            "use the JWT SVID as tbot writes it",
        ));
    }
    let check = Check::pass(
        CheckId::Token,
        format!("{} characters, 3 segments", token.len()),
    );
    Ok((check, Parsed { header, payload }))
}

fn algorithm_check(header: &Value) -> Result<(Check, String), Check> {
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("(none)")
        .to_owned();
    if !crate::domain::jwk::STS_ALGORITHMS.contains(&alg.as_str()) {
        return Err(Check::fail(
            CheckId::Algorithm,
            format!("alg {alg:?}; STS accepts only RS256, RS384, RS512, ES256, ES384, ES512"),
            "InvalidIdentityToken: the token's signing algorithm is not supported",
            "Teleport signs with RS256; a token with another alg was not issued by it",
        ));
    }
    let check = Check::pass(CheckId::Algorithm, format!("{alg}, which STS accepts"));
    Ok((check, alg))
}

fn key_check<'k>(
    keys: &'k VerificationKeys,
    kid: Option<&str>,
) -> Result<(Check, &'k StsKey), Check> {
    const NO_KEY: &str =
        "InvalidIdentityToken: Couldn't retrieve verification key from your identity provider";
    let Some(key) = keys.find(kid) else {
        return Err(Check::fail(
            CheckId::Key,
            format!(
                "kid {:?} is not in the issuer's JWKS ({} key(s))",
                kid.unwrap_or("(none)"),
                keys.len()
            ),
            NO_KEY,
            "the token was signed by another issuer (or before a key rotation): check tbot's proxy address and that the JWKS is current",
        ));
    };
    match key {
        Ok(key) => {
            let found = format!(
                "kid {:?} found in the JWKS: an {} key for {}",
                kid.unwrap_or("(only key)"),
                key.kty(),
                key.algorithms().join(", ")
            );
            Ok((Check::pass(CheckId::Key, found), key))
        }
        Err(problem) => Err(Check::fail(
            CheckId::Key,
            format!(
                "the JWKS key {:?} cannot be used: {problem}",
                kid.unwrap_or("(only key)")
            ),
            NO_KEY,
            "publish an RSA key of 2048 bits or more, or an EC key on P-256, P-384 or P-521, in the issuer's JWKS",
        )),
    }
}

/// The signature, checked with the key for the header's algorithm. Nothing passes unchecked:
/// an algorithm the key does not verify is a failure, never a warning.
fn signature_check(key: &StsKey, token: &str, alg: &str) -> Result<(Check, ()), Check> {
    let Some((message, signature)) = token.rsplit_once('.') else {
        return Err(Check::fail(
            CheckId::Signature,
            "the token has no signature segment".into(),
            "InvalidIdentityToken: the token's signature is invalid",
            "use the JWT SVID as tbot writes it",
        ));
    };
    match key.verify(alg, message.as_bytes(), signature) {
        Ok(()) => Ok((
            Check::pass(
                CheckId::Signature,
                format!("valid {alg} signature, with the issuer's key"),
            ),
            (),
        )),
        Err(error) => Err(Check::fail(
            CheckId::Signature,
            format!("does not verify: {error}"),
            "InvalidIdentityToken: the token's signature is invalid",
            "the token was altered or signed with another key: use the file tbot writes, unmodified",
        )),
    }
}

/// `nbf` after now (beyond the leeway) makes the token not yet valid (RFC 7519 §4.1.5); an
/// `iat` in the future is a clock to look at. `None` when the token has neither problem.
fn not_before_check(payload: &Value, now: u64) -> Option<Check> {
    let time = |name: &str| payload.get(name).and_then(Value::as_u64);
    if let Some(nbf) = time("nbf").filter(|nbf| *nbf > now + EXPIRY_LEEWAY_SECS) {
        return Some(Check::fail(
            CheckId::Expiry,
            format!(
                "not valid before {nbf}, {}s from now: beyond STS's {EXPIRY_LEEWAY_SECS}s leeway",
                nbf - now
            ),
            "InvalidIdentityToken: the token is not yet valid (nbf)",
            "check the clocks of the Teleport auth service and of this host (NTP)",
        ));
    }
    time("iat").filter(|iat| *iat > now).map(|iat| {
        Check::warn(
            CheckId::Expiry,
            format!(
                "issued {}s in the future (iat {iat}): a clock is off; STS may refuse the token",
                iat - now
            ),
        )
    })
}

fn expiry_check(payload: &Value, now: u64, live: bool) -> Check {
    match payload.get("exp").and_then(Value::as_u64) {
        None => Check::fail(
            CheckId::Expiry,
            "the token has no exp".into(),
            "InvalidIdentityToken: the token has no expiry",
            "use a JWT SVID issued by Teleport",
        ),
        Some(exp) if exp + EXPIRY_LEEWAY_SECS < now => Check::fail(
            CheckId::Expiry,
            format!(
                "expired {}s ago, beyond STS's {EXPIRY_LEEWAY_SECS}s leeway",
                now - exp
            ),
            "ExpiredTokenException: Token expired",
            "tbot renews the token before it expires: check that tbot is running and can reach the proxy",
        ),
        Some(exp) if exp < now => Check::warn(
            CheckId::Expiry,
            format!(
                "expired {}s ago, still within STS's {EXPIRY_LEEWAY_SECS}s leeway",
                now - exp
            ),
        ),
        Some(exp) if live && exp - now < EXPIRING_SOON_SECS => Check::warn(
            CheckId::Expiry,
            format!("expires in {}s; tbot should renew it soon", exp - now),
        ),
        Some(exp) => Check::pass(CheckId::Expiry, format!("valid for {}s more", exp - now)),
    }
}

fn issuer_check(iss: &str, provider_url: &str) -> Check {
    if iss == provider_url {
        return Check::pass(
            CheckId::TokenIssuer,
            format!("iss equals the OIDC provider URL {provider_url}"),
        );
    }
    let why = if iss.trim_end_matches('/') == provider_url.trim_end_matches('/') {
        "they differ only by a trailing slash, and the comparison is exact"
    } else if iss
        .strip_prefix("http://")
        .is_some_and(|rest| provider_url.ends_with(rest))
    {
        "the token's issuer uses http://; providers and issuers are https://"
    } else if iss.eq_ignore_ascii_case(provider_url) {
        "they differ in case, and the comparison is case-sensitive"
    } else {
        "they must be equal to the byte"
    };
    Check::fail_owned(
        CheckId::TokenIssuer,
        format!("the token's iss {iss:?} is not the OIDC provider URL {provider_url:?}: {why}"),
        format!("InvalidIdentityToken: No OpenIDConnect provider found in your account for {iss}"),
        "make the provider URL exactly https://<proxy public address>/workload-identity, as Teleport issues it".into(),
    )
}

fn audience_check(aud: &[String], provider: &Provider) -> Check {
    let Some(client_ids) = &provider.client_ids else {
        return Check::warn(
            CheckId::Audience,
            format!(
                "the token's aud is {aud:?}; the existing provider's audiences cannot be read from here (aws-cli/setup.sh adds the audience if it is missing)"
            ),
        );
    };
    if aud.iter().any(|a| client_ids.contains(a)) {
        Check::pass(
            CheckId::Audience,
            format!("aud {aud:?} is among the provider's client IDs"),
        )
    } else {
        Check::fail_owned(
            CheckId::Audience,
            format!("the token's aud {aud:?} is not among the provider's client IDs {client_ids:?}"),
            "InvalidIdentityToken: Incorrect token audience".into(),
            "use the same audience in tbot's output (jwts[].audience) and the provider's client_id_list (sts.amazonaws.com)".into(),
        )
    }
}
