//! Fetching an article from a web address, without letting the server become a proxy into its
//! own network: http(s) only, public addresses only (pinned against DNS rebinding), bounded
//! time and size, text content types only.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use futures_util::StreamExt;

use crate::config::ExtractSettings;
use crate::error::AppError;
use crate::extract::InputFormat;

pub struct FetchedArticle {
    pub body: Vec<u8>,
    pub format: InputFormat,
    /// Where the article was finally found, after redirects.
    pub final_url: String,
}

const MAX_REDIRECTS: usize = 5;
const TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

fn refuse(message: impl Into<String>) -> AppError {
    AppError::Validation(message.into())
}

/// Whether an address may be fetched: public unicast only (loopback when allowed, for tests).
pub fn is_fetchable(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4, allow_loopback),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4, allow_loopback),
            None => is_public_v6(v6, allow_loopback),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // carrier-grade NAT, 100.64.0.0/10
    let benchmarking = a == 198 && (b == 18 || b == 19);
    !(ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || shared
        || benchmarking
        || a == 0
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    let first = ip.segments()[0];
    let unique_local = (first & 0xfe00) == 0xfc00;
    let link_local = (first & 0xffc0) == 0xfe80;
    let documentation = first == 0x2001 && ip.segments()[1] == 0x0db8;
    !(ip.is_unspecified() || ip.is_multicast() || unique_local || link_local || documentation)
}

/// Checks the address and resolves its host to one permitted socket address.
async fn vet(url: &url::Url, allow_loopback: bool) -> Result<SocketAddr, AppError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("only http and https addresses can be imported"));
    }
    let host = url
        .host_str()
        .ok_or_else(|| refuse("the address has no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::lookup_host((host.trim_matches(['[', ']']), port)),
    )
    .await
    .map_err(|_| refuse(format!("looking up {host} timed out")))?
    .map_err(|_| refuse(format!("cannot find the host {host}")))?
    .collect();
    // Every address must be public, or a rebinding host could pick a private one later.
    if addrs.is_empty() || addrs.iter().any(|a| !is_fetchable(a.ip(), allow_loopback)) {
        tracing::warn!(%host, "refused to fetch a non-public address");
        return Err(refuse(format!(
            "{host} is not a public address; claimdesk only fetches from the public web"
        )));
    }
    Ok(addrs[0])
}

fn format_of(content_type: &str) -> Option<InputFormat> {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "text/html" | "application/xhtml+xml" => Some(InputFormat::Html),
        "text/markdown" | "text/x-markdown" => Some(InputFormat::Markdown),
        "text/plain" => Some(InputFormat::Text),
        _ => None,
    }
}

/// Fetches an article, following a few redirects, each one checked like the first address.
pub async fn fetch_article(
    address: &str,
    settings: &ExtractSettings,
) -> Result<FetchedArticle, AppError> {
    let mut url =
        url::Url::parse(address.trim()).map_err(|_| refuse("that is not a web address"))?;
    let limit = settings.max_article_bytes;
    for _ in 0..=MAX_REDIRECTS {
        let pinned = vet(&url, settings.fetch_allow_loopback).await?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .resolve(&host, pinned)
            .user_agent(concat!("claimdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(AppError::unexpected)?;
        let response = client
            .get(url.clone())
            .header(
                reqwest::header::ACCEPT,
                "text/html, text/plain;q=0.9, text/markdown;q=0.9",
            )
            .send()
            .await
            .map_err(|e| {
                refuse(format!(
                    "could not fetch {url}: {}",
                    if e.is_timeout() {
                        "timed out".to_owned()
                    } else {
                        e.without_url().to_string()
                    }
                ))
            })?;
        if response.status().is_redirection() {
            let next = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
                .ok_or_else(|| refuse("the address redirects nowhere"))?;
            url = next;
            continue;
        }
        if !response.status().is_success() {
            return Err(refuse(format!("{url} answered {}", response.status())));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let format = format_of(content_type).ok_or_else(|| {
            refuse(format!(
                "{url} is {content_type:?}, not an HTML or text page"
            ))
        })?;
        if response
            .content_length()
            .is_some_and(|n| n as usize > limit)
        {
            return Err(AppError::PayloadTooLarge { limit });
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| refuse(format!("the connection to {host} broke off")))?;
            if body.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        return Ok(FetchedArticle {
            body,
            format,
            final_url: url.to_string(),
        });
    }
    Err(refuse(format!(
        "{address} redirects more than {MAX_REDIRECTS} times"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_fetchable() {
        for refused in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
        ] {
            let ip: IpAddr = refused.parse().expect("ip");
            assert!(!is_fetchable(ip, false), "{refused}");
        }
        assert!(!is_fetchable("127.0.0.1".parse().expect("ip"), false));
        assert!(is_fetchable("127.0.0.1".parse().expect("ip"), true));
        assert!(
            !is_fetchable("10.0.0.1".parse().expect("ip"), true),
            "loopback permission is not private permission"
        );
        for allowed in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "8.8.8.8",
        ] {
            assert!(
                is_fetchable(allowed.parse().expect("ip"), false),
                "{allowed}"
            );
        }
    }

    #[test]
    fn content_types() {
        assert!(matches!(
            format_of("text/html; charset=utf-8"),
            Some(InputFormat::Html)
        ));
        assert!(matches!(format_of("text/plain"), Some(InputFormat::Text)));
        assert!(format_of("application/pdf").is_none());
        assert!(format_of("").is_none());
    }
}
