//! A JWKS key as AWS STS uses it: which algorithms it can verify, whether STS would accept it at
//! all, and the signature check itself (aws-lc-rs, for every algorithm STS accepts, ES512
//! included). `discover` judges a proxy's keys with it and `verify` checks tokens with it, so
//! both say the same thing about the same key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use thiserror::Error;

/// A JWKS (RFC 7517 §5) as a verifier reads it: each key kept as the JSON it is, so a member no
/// library enum knows (`"alg": "ES512"` for one) reaches [`StsKey`], which judges it by its real
/// value.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Jwks {
    pub keys: Vec<Value>,
}

/// The algorithms STS accepts for web identity tokens.
pub const STS_ALGORITHMS: [&str; 6] = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"];

/// STS, like most verifiers, refuses RSA keys under 2048 bits.
pub const MIN_RSA_BITS: usize = 2048;

/// Why a key cannot verify a token for STS.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum KeyProblem {
    #[error("kty {0:?} is not a key type STS verifies (RSA or EC)")]
    KeyType(String),
    #[error("the key's {0} is missing or not base64url")]
    Member(&'static str),
    #[error("an RSA key of {bits} bits; STS needs at least {MIN_RSA_BITS}")]
    RsaTooSmall { bits: usize },
    #[error("curve {0:?} is not one STS accepts (P-256, P-384, P-521)")]
    Curve(String),
    #[error("the key says alg {key_alg:?}, which is not an algorithm this {kty} key verifies")]
    KeyAlgorithm { key_alg: String, kty: &'static str },
    #[error("aws-lc refuses the key: {0}")]
    Unusable(String),
}

/// Why a signature does not check out.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("alg {alg} cannot be verified with this key, which verifies only {accepted}")]
    WrongAlgorithm { alg: String, accepted: String },
    #[error("the signature is not base64url")]
    Encoding,
    #[error("the signature does not verify with the key")]
    Invalid,
}

/// A JWKS key that can verify tokens, parsed once.
pub struct StsKey {
    kty: &'static str,
    /// The algorithms this key verifies: the RS family for RSA, one ES algorithm for a curve,
    /// narrowed to the key's own `alg` when it names one.
    algorithms: Vec<&'static str>,
    verifiers: Vec<aws_lc_rs::signature::ParsedPublicKey>,
}

fn member(jwk: &Value, name: &'static str) -> Result<Vec<u8>, KeyProblem> {
    jwk.get(name)
        .and_then(Value::as_str)
        .and_then(|text| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok())
        .filter(|bytes| !bytes.is_empty())
        .ok_or(KeyProblem::Member(name))
}

/// Bits of a big-endian unsigned integer.
fn bit_length(value: &[u8]) -> usize {
    let value: Vec<u8> = value.iter().copied().skip_while(|b| *b == 0).collect();
    match value.first() {
        Some(first) => value.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

impl StsKey {
    /// Reads a JWK (JSON) the way STS would use it, or says why it cannot.
    pub fn from_json(jwk: &Value) -> Result<Self, KeyProblem> {
        let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or_default();
        let (kty, algorithms, verifiers) = match kty {
            "RSA" => ("RSA", vec!["RS256", "RS384", "RS512"], rsa_verifiers(jwk)?),
            "EC" => {
                let (algorithm, verifier) = ec_verifier(jwk)?;
                ("EC", vec![algorithm], vec![verifier])
            }
            other => return Err(KeyProblem::KeyType(other.to_owned())),
        };
        let mut key = Self {
            kty,
            algorithms,
            verifiers,
        };
        if let Some(key_alg) = jwk.get("alg").and_then(Value::as_str) {
            let Some(index) = key.algorithms.iter().position(|a| *a == key_alg) else {
                return Err(KeyProblem::KeyAlgorithm {
                    key_alg: key_alg.to_owned(),
                    kty,
                });
            };
            // A key published for one algorithm verifies only that one (RFC 7517 §4.4).
            key.algorithms = vec![key.algorithms[index]];
            key.verifiers = vec![key.verifiers.swap_remove(index)];
        }
        Ok(key)
    }

    pub fn kty(&self) -> &'static str {
        self.kty
    }

    pub fn algorithms(&self) -> &[&'static str] {
        &self.algorithms
    }

    /// Checks a JWS signature over `message` (`header.payload`) made with `alg`. The algorithm
    /// must be one this key verifies: a token cannot choose how it is checked.
    pub fn verify(&self, alg: &str, message: &[u8], signature: &str) -> Result<(), SignatureError> {
        let Some(index) = self.algorithms.iter().position(|a| *a == alg) else {
            return Err(SignatureError::WrongAlgorithm {
                alg: alg.to_owned(),
                accepted: self.algorithms.join(", "),
            });
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| SignatureError::Encoding)?;
        self.verifiers[index]
            .verify_sig(message, &signature)
            .map_err(|_| SignatureError::Invalid)
    }
}

fn rsa_verifiers(jwk: &Value) -> Result<Vec<aws_lc_rs::signature::ParsedPublicKey>, KeyProblem> {
    use aws_lc_rs::signature::{
        ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_2048_8192_SHA384,
        RSA_PKCS1_2048_8192_SHA512,
    };
    let n = member(jwk, "n")?;
    let e = member(jwk, "e")?;
    let bits = bit_length(&n);
    if bits < MIN_RSA_BITS {
        return Err(KeyProblem::RsaTooSmall { bits });
    }
    let der = rsa_public_key_der(&n, &e);
    [
        &RSA_PKCS1_2048_8192_SHA256,
        &RSA_PKCS1_2048_8192_SHA384,
        &RSA_PKCS1_2048_8192_SHA512,
    ]
    .into_iter()
    .map(|algorithm| {
        ParsedPublicKey::new(algorithm, &der).map_err(|e| KeyProblem::Unusable(e.to_string()))
    })
    .collect()
}

fn ec_verifier(
    jwk: &Value,
) -> Result<(&'static str, aws_lc_rs::signature::ParsedPublicKey), KeyProblem> {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ECDSA_P384_SHA384_FIXED, ECDSA_P521_SHA512_FIXED, ParsedPublicKey,
    };
    let curve = jwk.get("crv").and_then(Value::as_str).unwrap_or_default();
    let (algorithm, verification, size) = match curve {
        "P-256" => ("ES256", &ECDSA_P256_SHA256_FIXED, 32),
        "P-384" => ("ES384", &ECDSA_P384_SHA384_FIXED, 48),
        "P-521" => ("ES512", &ECDSA_P521_SHA512_FIXED, 66),
        other => return Err(KeyProblem::Curve(other.to_owned())),
    };
    let x = member(jwk, "x")?;
    let y = member(jwk, "y")?;
    if x.len() != size || y.len() != size {
        return Err(KeyProblem::Unusable(format!(
            "{curve} coordinates are {size} bytes each"
        )));
    }
    // The uncompressed point: 0x04 || x || y.
    let mut point = vec![0x04];
    point.extend(x);
    point.extend(y);
    let key = ParsedPublicKey::new(verification, &point)
        .map_err(|e| KeyProblem::Unusable(e.to_string()))?;
    Ok((algorithm, key))
}

/// DER of a PKCS#1 RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    fn length(len: usize, out: &mut Vec<u8>) {
        match len {
            0..=0x7f => out.push(len as u8),
            _ => {
                let bytes: Vec<u8> = len
                    .to_be_bytes()
                    .into_iter()
                    .skip_while(|b| *b == 0)
                    .collect();
                out.push(0x80 | bytes.len() as u8);
                out.extend(bytes);
            }
        }
    }
    fn integer(value: &[u8], out: &mut Vec<u8>) {
        let value: Vec<u8> = value.iter().copied().skip_while(|b| *b == 0).collect();
        let pad = value.first().is_none_or(|b| b & 0x80 != 0);
        out.push(0x02);
        length(value.len() + usize::from(pad), out);
        if pad {
            out.push(0);
        }
        out.extend(value);
    }
    let mut body = Vec::new();
    integer(n, &mut body);
    integer(e, &mut body);
    let mut der = vec![0x30];
    length(body.len(), &mut der);
    der.extend(body);
    der
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[0, 0x80]), 8);
        assert_eq!(bit_length(&[0x01, 0]), 9);
        assert_eq!(bit_length(&[]), 0);
    }

    #[test]
    fn keys_sts_cannot_use_say_why() {
        let small = json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode([0xff; 128]), "e": "AQAB"});
        assert_eq!(
            StsKey::from_json(&small).err(),
            Some(KeyProblem::RsaTooSmall { bits: 1024 })
        );
        assert!(matches!(
            StsKey::from_json(&json!({"kty": "oct", "k": "c2VjcmV0"})),
            Err(KeyProblem::KeyType(_))
        ));
        assert!(matches!(
            StsKey::from_json(&json!({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"})),
            Err(KeyProblem::Curve(_))
        ));
    }
}
