//! TLS certificate thumbprints as AWS IAM stores them: SHA-1 of a certificate's DER, as 40
//! lowercase hex digits.

use crate::answers::advice::Advice;
use thiserror::Error;

/// IAM accepts at most five thumbprints per OIDC provider.
pub const MAX_THUMBPRINTS: usize = 5;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ThumbprintError {
    #[error(
        "a thumbprint is a SHA-1 fingerprint: 40 hex digits (colons allowed), got {digits} digits"
    )]
    Length { digits: usize },
    #[error("a thumbprint holds only hex digits 0-9 and a-f (colons allowed)")]
    NotHex,
    #[error("IAM accepts at most {MAX_THUMBPRINTS} thumbprints per OIDC provider")]
    TooMany,
}

impl Advice for ThumbprintError {
    fn fix(&self) -> String {
        match self {
            Self::TooMany => "keep the current certificate's thumbprint and the next one at most".into(),
            _ => "copy the value of `curl https://<proxy>/webapi/thumbprint`, or `openssl x509 -fingerprint -sha1` of the last certificate the proxy sends".into(),
        }
    }
}

/// Accepts `AA:BB:…`, uppercase or lowercase, and returns 40 lowercase hex digits.
pub fn normalize(value: &str) -> Result<String, ThumbprintError> {
    let digits: String = value.trim().chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ThumbprintError::NotHex);
    }
    if digits.len() != 40 {
        return Err(ThumbprintError::Length {
            digits: digits.len(),
        });
    }
    Ok(digits.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_openssl_style_fingerprints() {
        let openssl = "9E:99:A4:8A:99:60:B1:49:26:BB:7F:3B:02:E2:2D:A2:B0:AB:72:80";
        assert_eq!(
            normalize(openssl).unwrap(),
            "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
        );
        assert_eq!(
            normalize("9e99a48a9960b14926bb7f3b02e22da2b0ab728").unwrap_err(),
            ThumbprintError::Length { digits: 39 }
        );
        assert_eq!(
            normalize("zz99a48a9960b14926bb7f3b02e22da2b0ab7280").unwrap_err(),
            ThumbprintError::NotHex
        );
    }
}

/// The thumbprint of one certificate: SHA-1 of its DER encoding, lowercase hex.
pub fn of_certificate(der: &[u8]) -> String {
    sha1_hex(der)
}

/// SHA-1 of `bytes`, lowercase hex.
pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    base16ct::lower::encode_string(&Sha1::digest(bytes))
}

/// The thumbprint AWS (and eksctl, and Terraform's `tls_certificate`) takes from a TLS chain:
/// that of the **last** certificate the server sends, whatever it is.
pub fn of_chain<D: AsRef<[u8]>>(chain: &[D]) -> Option<String> {
    chain.last().map(|der| of_certificate(der.as_ref()))
}

#[cfg(test)]
mod chain_tests {
    use super::*;

    #[test]
    fn sha1_hex_of_der_and_last_of_chain() {
        // SHA-1("abc"), the FIPS 180 test vector.
        assert_eq!(
            of_certificate(b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            of_chain(&[b"x".as_slice(), b"abc".as_slice()]).as_deref(),
            Some("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(of_chain::<&[u8]>(&[]), None);
    }
}
