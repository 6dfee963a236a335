//! HTTPS GETs of small JSON documents, bounded in time, size and redirects.

use super::DiscoverError;
use super::tls::Trust;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// The most redirects followed before giving up (Teleport's endpoints do not redirect at all).
const MAX_REDIRECTS: usize = 3;

/// A redirect to another host or port is refused: everything discovery reports must come from
/// the proxy the user named. Redirects on the same host are followed a few times.
fn same_host_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let authority = |url: &reqwest::Url| {
            (
                url.host_str().map(str::to_owned),
                url.port_or_known_default(),
            )
        };
        let first = attempt.previous().first().map(authority);
        if first.is_some_and(|first| first != authority(attempt.url())) {
            let to = attempt.url().to_string();
            attempt.error(CrossHost(to))
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(TooManyRedirects)
        } else {
            attempt.follow()
        }
    })
}

#[derive(Debug, thiserror::Error)]
#[error("redirect to another host: {0}")]
struct CrossHost(String);

#[derive(Debug, thiserror::Error)]
#[error("too many redirects")]
struct TooManyRedirects;

pub struct HttpClient {
    client: reqwest::Client,
    timeout: Duration,
    max_body: usize,
}

impl HttpClient {
    pub fn new(trust: &Trust, timeout: Duration, max_body: usize) -> Result<Self, DiscoverError> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured((*trust.config).clone())
            .connect_timeout(timeout)
            .timeout(timeout)
            .redirect(same_host_redirects())
            .https_only(true)
            .user_agent(concat!("wi-aws/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| DiscoverError::Internal(format!("HTTP client: {error}")))?;
        Ok(Self {
            client,
            timeout,
            max_body,
        })
    }

    /// GETs `url` and parses its body as JSON. A status other than 200 is
    /// [`DiscoverError::Status`], for the caller to explain.
    pub async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, DiscoverError> {
        let body = self.get(url).await?;
        serde_json::from_slice(&body).map_err(|error| DiscoverError::NotJson {
            url: url.to_owned(),
            detail: error.to_string(),
            start: String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned(),
        })
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, DiscoverError> {
        let mut response = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|error| self.request_error(url, error))?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(DiscoverError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
            });
        }
        if response
            .content_length()
            .is_some_and(|length| length > self.max_body as u64)
        {
            return Err(DiscoverError::BodyTooLarge {
                url: url.to_owned(),
                limit: self.max_body,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.request_error(url, error))?
        {
            if body.len() + chunk.len() > self.max_body {
                return Err(DiscoverError::BodyTooLarge {
                    url: url.to_owned(),
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn request_error(&self, url: &str, error: reqwest::Error) -> DiscoverError {
        if error.is_timeout() {
            return DiscoverError::Timeout {
                what: format!("GET {url}"),
                after: self.timeout,
            };
        }
        if error.is_redirect() {
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                if let Some(CrossHost(to)) = cause.downcast_ref::<CrossHost>() {
                    return DiscoverError::CrossHostRedirect {
                        url: url.to_owned(),
                        to: to.clone(),
                    };
                }
                source = cause.source();
            }
            return DiscoverError::Redirects {
                url: url.to_owned(),
                limit: MAX_REDIRECTS,
            };
        }
        // The root cause (refused, TLS alert, …) is at the bottom of the source chain.
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            detail = cause.to_string();
            source = cause.source();
        }
        DiscoverError::Http {
            url: url.to_owned(),
            detail,
        }
    }
}
