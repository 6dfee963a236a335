//! A JWT SVID issuer that behaves like Teleport's Workload Identity issuer: an RSA-2048 key,
//! RS256 tokens with a `kid`, the claims `iss`, `sub`, `aud`, `iat`, `exp`, `jti`, and the
//! discovery document and JWKS that AWS fetches. Used by the demo proxy and by `verify`'s
//! ephemeral issuer; the private key lives only in memory.

use crate::domain::jwk::Jwks;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use thiserror::Error;

/// The path of the JWKS under the issuer URL, as Teleport serves it.
pub const JWKS_PATH: &str = "/jwt-jwks.json";
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

#[derive(Debug, Error)]
pub enum IssuerError {
    #[error("cannot generate the signing key: {0}")]
    Key(String),
    #[error("cannot sign the token: {0}")]
    Sign(String),
}

/// The claims of a JWT SVID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
}

pub struct Issuer {
    issuer_url: String,
    /// Parsed once: a key parsed for each token would also set up RSA blinding for each, which
    /// costs as much as the signature (a fleet's verify signs one token per workload).
    signer: aws_lc_rs::signature::RsaKeyPair,
    jwk: Jwk,
    kid: String,
    issued: AtomicU64,
}

impl Issuer {
    /// A fresh RSA-2048 key for `issuer_url` (`https://<proxy>/workload-identity`).
    pub fn generate(issuer_url: &str) -> Result<Self, IssuerError> {
        let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
            .map_err(|error| IssuerError::Key(error.to_string()))?;
        let key = EncodingKey::from_rsa_pem(key_pair.serialize_pem().as_bytes())
            .map_err(|error| IssuerError::Key(error.to_string()))?;
        let signer = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&key_pair.serialize_der())
            .map_err(|error| IssuerError::Key(error.to_string()))?;
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256)
            .map_err(|error| IssuerError::Key(error.to_string()))?;
        // A key ID derived from the public key, as stable as the key itself.
        let kid = crate::domain::thumbprint::of_certificate(key_pair.public_key_pem().as_bytes())
            [..16]
            .to_owned();
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
        Ok(Self {
            issuer_url: issuer_url.to_owned(),
            signer,
            jwk,
            kid,
            issued: AtomicU64::new(0),
        })
    }

    pub fn issuer_url(&self) -> &str {
        &self.issuer_url
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: vec![serde_json::to_value(&self.jwk).unwrap_or_default()],
        }
    }

    /// The public key, as jsonwebtoken reads it (for comparisons with that library).
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// The OpenID discovery document served at `<issuer>/.well-known/openid-configuration`.
    pub fn discovery_document(&self) -> Value {
        json!({
            "issuer": self.issuer_url,
            "jwks_uri": format!("{}{JWKS_PATH}", self.issuer_url),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "jti"],
        })
    }

    /// The claims of a token for `spiffe_id` and `audience`, valid for `ttl` from `now`.
    pub fn claims(
        &self,
        spiffe_id: &str,
        audience: &str,
        now: SystemTime,
        ttl: Duration,
    ) -> Claims {
        let iat = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let serial = self.issued.fetch_add(1, Ordering::Relaxed);
        Claims {
            iss: self.issuer_url.clone(),
            sub: spiffe_id.to_owned(),
            aud: audience.to_owned(),
            iat,
            exp: iat + ttl.as_secs(),
            jti: crate::domain::thumbprint::of_certificate(
                format!("{}/{iat}/{serial}/{:?}", self.kid, now).as_bytes(),
            ),
        }
    }

    /// Signs any claims with the issuer's key (RS256, with `kid`).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, IssuerError> {
        use base64::Engine;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        // The JWS compact serialization (RFC 7515), as jsonwebtoken::encode writes it.
        let signing_input = format!("{}.{}", segment(&header)?, segment(claims)?);
        let mut signature = vec![0; self.signer.public_modulus_len()];
        self.signer
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|error| IssuerError::Sign(error.to_string()))?;
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature);
        Ok(format!("{signing_input}.{signature}"))
    }

    /// A JWT SVID as tbot would write it to disk.
    pub fn issue(
        &self,
        spiffe_id: &str,
        audience: &str,
        ttl: Duration,
    ) -> Result<String, IssuerError> {
        self.sign(&self.claims(spiffe_id, audience, SystemTime::now(), ttl))
    }
}

/// One base64url segment of a JWS: the JSON of `value`.
fn segment<T: Serialize>(value: &T) -> Result<String, IssuerError> {
    use base64::Engine;
    let json = serde_json::to_vec(value).map_err(|error| IssuerError::Sign(error.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}
