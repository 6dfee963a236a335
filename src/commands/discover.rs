//! `wi-aws discover --proxy HOST`: what the proxy says, checked the way AWS will use it.

use super::{CommandError, ConnectionArgs, print_json};
use clap::Args;

use crate::artifacts::pipeline::exit;
use crate::discover::{self, Findings};
use crate::ui::terminal::Style;
use std::fmt::Write;

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The proxy's public address, host[:port].
    #[arg(long, value_name = "HOST[:PORT]")]
    pub proxy: String,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &DiscoverArgs) -> Result<u8, CommandError> {
    let (proxy, options) = super::proxy_and_options(&args.proxy, &args.connection)?;
    let findings = discover::discover_blocking(&proxy, &options)
        .map_err(|error| CommandError::failure(error.to_string()))?;
    if args.json {
        print_json(&findings)?;
    } else {
        crate::out!("{}", report(&findings, &Style::detect()));
    }
    Ok(if findings.all_ok() {
        exit::OK
    } else {
        exit::FAILURE
    })
}

/// The whole report: the chain certificate by certificate, both thumbprints, the issuer, its
/// keys and every check.
fn report(findings: &Findings, style: &Style) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_report(&mut out, findings, style);
    out
}

fn write_report(out: &mut String, findings: &Findings, style: &Style) -> std::fmt::Result {
    writeln!(out, "proxy        {}", findings.proxy)?;
    writeln!(
        out,
        "cluster      {} (the SPIFFE trust domain)",
        findings.cluster_name
    )?;
    writeln!(
        out,
        "chain        {} certificate(s) sent, leaf first:",
        findings.chain.len()
    )?;
    for (index, certificate) in findings.chain.iter().enumerate() {
        let last = if index + 1 == findings.chain.len() {
            "  <- AWS pins this one"
        } else {
            ""
        };
        writeln!(
            out,
            "  #{} {} ({}), valid until {}\n     sha1 {}{last}",
            index + 1,
            certificate.subject,
            discover::tls::role_in_chain(certificate, index),
            certificate.not_after,
            certificate.thumbprint
        )?;
    }
    writeln!(
        out,
        "thumbprint   TLS chain (AWS's rule) {}",
        findings.chain_thumbprint
    )?;
    writeln!(
        out,
        "             Teleport /webapi/thumbprint {}",
        findings.teleport_thumbprint
    )?;
    writeln!(out, "issuer       {}", findings.issuer)?;
    writeln!(
        out,
        "api          {} ({})",
        findings.api.as_deref().unwrap_or("none"),
        findings.api_reason
    )?;
    writeln!(out, "jwks         {}", findings.jwks_uri)?;
    for key in &findings.keys {
        let usable = match &key.problem {
            None => "usable by STS".to_owned(),
            Some(problem) => format!("not usable by STS: {problem}"),
        };
        writeln!(
            out,
            "  key kid={} kty={} alg={} {usable}",
            key.kid.as_deref().unwrap_or("-"),
            key.kty,
            key.alg.as_deref().unwrap_or("-"),
        )?;
    }
    let anchor = &findings.trust_anchor;
    writeln!(out, "trust anchor {} (for IAM Roles Anywhere)", anchor.url)?;
    if let Some(problem) = &anchor.problem {
        writeln!(out, "  {problem}")?;
    }
    for certificate in &anchor.certificates {
        match &certificate.problem {
            None => writeln!(
                out,
                "  {}, valid until {}\n     sha1 {}",
                certificate.subject, certificate.not_after, certificate.sha1
            )?,
            Some(problem) => writeln!(out, "  sha1 {}: {problem}", certificate.sha1)?,
        }
    }
    writeln!(
        out,
        "  compare: {} | openssl x509 -noout -fingerprint -sha1",
        discover::SPIFFE_CA_EXPORT
    )?;
    writeln!(out, "checks")?;
    for check in &findings.checks {
        writeln!(
            out,
            "  {} {:<11} {}",
            style.mark(check.ok()),
            check.id,
            check.detail
        )?;
    }
    Ok(())
}
