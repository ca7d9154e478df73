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
        IpAddr::V6(v6) => is_public_v6(v6, allow_loopback),
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

/// The IPv4 address an IPv6 address stands for or is routed to, where it carries one in a known
/// place: such an address is exactly as reachable as the IPv4 one it embeds.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let [_, _, _, _, _, _, _, _, _, _, _, _, a, b, c, d] = ip.octets();
    let last32 = Ipv4Addr::new(a, b, c, d);
    match ip.segments() {
        // IPv4-compatible ::a.b.c.d (deprecated, but still parsed and connectable).
        [0, 0, 0, 0, 0, 0, _, _] => Some(last32),
        // IPv4-mapped ::ffff:a.b.c.d.
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(last32),
        // IPv4-translated ::ffff:0:a.b.c.d (SIIT).
        [0, 0, 0, 0, 0xffff, 0, _, _] => Some(last32),
        // NAT64 well-known prefix 64:ff9b::/96: the translator connects to the IPv4 address.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(last32),
        // 6to4 2002:AABB:CCDD::/48 is routed to the IPv4 address AA.BB.CC.DD.
        [0x2002, high, low, ..] => {
            let [a, b] = high.to_be_bytes();
            let [c, d] = low.to_be_bytes();
            Some(Ipv4Addr::new(a, b, c, d))
        }
        _ => None,
    }
}

fn is_public_v6(ip: Ipv6Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    if ip.is_unspecified() {
        return false;
    }
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4, allow_loopback);
    }
    let [first, second, ..] = ip.segments();
    // Only global unicast (2000::/3) is routed on the internet. Everything else is refused:
    // unique local fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast, discard-only
    // 100::/64, and the local-use NAT64 prefix 64:ff9b:1::/48, whose IPv4 address sits wherever
    // the local network chose to put it and so cannot be checked.
    let global_unicast = (first & 0xe000) == 0x2000;
    // IETF protocol assignments 2001::/23, among them Teredo 2001::/32, which tunnels to an
    // obfuscated IPv4 address, benchmarking and ORCHID; none serves web pages.
    let protocol_assignments = first == 0x2001 && second < 0x0200;
    // Documentation: 2001:db8::/32 and 3fff::/20.
    let documentation = (first == 0x2001 && second == 0x0db8) || (first & 0xfff0) == 0x3ff0;
    global_unicast && !protocol_assignments && !documentation
}

/// Checks the address and resolves its host to one permitted socket address: every address
/// the host resolves to must be public. Whatever claimdesk connects to on someone's behalf
/// (imports, webhook endpoints) passes here first, and connects to the address returned.
pub async fn vet(url: &url::Url, allow_loopback: bool) -> Result<SocketAddr, AppError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("only http and https addresses can be reached"));
    }
    let host = url
        .host_str()
        .ok_or_else(|| refuse("the address has no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs = tokio::time::timeout(
        CONNECT_TIMEOUT,
        lookup_public(host.trim_matches(['[', ']']), port, allow_loopback),
    )
    .await
    .map_err(|_| refuse(format!("looking up {host} timed out")))?
    .map_err(|e| {
        if matches!(e, Lookup::NotPublic(_)) {
            tracing::warn!(%host, "refused to fetch a non-public address");
        }
        refuse(e.to_string())
    })?;
    Ok(addrs[0])
}

/// Why a host cannot be connected to.
#[derive(Debug, thiserror::Error)]
enum Lookup {
    #[error("cannot find the host {0}")]
    Unknown(String),
    #[error("{0} is not a public address; claimdesk only connects to the public web")]
    NotPublic(String),
}

/// Host lookups made for connections on someone's behalf, per host name: each costs a DNS
/// round trip, and a webhook delivery should cost at most one. Forgotten past `KEPT_HOSTS`
/// names, so a long-running importer does not keep every host it ever saw.
static LOOKUPS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, u64>>> =
    std::sync::LazyLock::new(Default::default);
const KEPT_HOSTS: usize = 1_000;

/// How many times `host` was looked up by [`vet`] and the public-only resolver.
pub fn lookups_of(host: &str) -> u64 {
    LOOKUPS
        .lock()
        .map(|counts| counts.get(host).copied().unwrap_or(0))
        .unwrap_or(0)
}

fn count_lookup(host: &str) {
    if let Ok(mut counts) = LOOKUPS.lock() {
        if counts.len() >= KEPT_HOSTS && !counts.contains_key(host) {
            counts.clear();
        }
        *counts.entry(host.to_owned()).or_default() += 1;
    }
}

/// Looks `host` up once and returns its addresses if every one is public (loopback when
/// allowed), or none: a rebinding host could otherwise pick a private one later.
async fn lookup_public(
    host: &str,
    port: u16,
    allow_loopback: bool,
) -> Result<Vec<SocketAddr>, Lookup> {
    count_lookup(host);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| Lookup::Unknown(host.to_owned()))?
        .collect();
    if addrs.is_empty() {
        return Err(Lookup::Unknown(host.to_owned()));
    }
    if addrs.iter().any(|a| !is_fetchable(a.ip(), allow_loopback)) {
        return Err(Lookup::NotPublic(host.to_owned()));
    }
    Ok(addrs)
}

/// Checks what can be checked of an address without a lookup, for a [`public_client`] that
/// vets host names itself when it connects: http(s), a host, and an address written as an IP
/// (which the client connects to without asking its resolver) public. The one lookup of a
/// name is then the resolver's, and the connection goes to the addresses it vetted.
pub fn vet_without_lookup(url: &url::Url, allow_loopback: bool) -> Result<(), AppError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("only http and https addresses can be reached"));
    }
    let ip = match url.host() {
        None => return Err(refuse("the address has no host")),
        Some(url::Host::Domain(_)) => return Ok(()),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
    };
    if is_fetchable(ip, allow_loopback) {
        Ok(())
    } else {
        Err(refuse(
            Lookup::NotPublic(url.host_str().unwrap_or_default().to_owned()).to_string(),
        ))
    }
}

/// A DNS resolver that answers only with public addresses (loopback when allowed), and refuses
/// a host with any other: the check runs at connect time, so a host whose DNS changes between a
/// check and the connection cannot reach a private address.
struct PublicOnly {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // The port is the client's to add; 0 asks for the addresses alone.
            let addrs = lookup_public(&host, 0, allow_loopback).await?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// An HTTP client for sending to addresses people gave (webhook endpoints): no redirects, no
/// proxy, and connections only to public addresses, checked by its resolver at connect time.
/// Callers check each address with [`vet_without_lookup`] first: an address written as an IP
/// is connected to without asking the resolver.
pub fn public_client(timeout: Duration, allow_loopback: bool) -> Result<reqwest::Client, AppError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(CONNECT_TIMEOUT))
        .dns_resolver(std::sync::Arc::new(PublicOnly { allow_loopback }))
        .no_proxy()
        .user_agent(concat!("claimdesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(AppError::unexpected)
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

/// The address as shown in messages: without a user name or password.
pub fn shown(url: &url::Url) -> String {
    let mut url = url.clone();
    // Both only fail for addresses that cannot carry credentials, which then have none.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// Why a request failed, in one line. reqwest's own message ("error sending request") leaves the
/// cause out, so this names the timeout or reports the innermost error of the chain.
pub fn failure(err: reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return if err.is_connect() {
            format!("could not connect within {} s", CONNECT_TIMEOUT.as_secs())
        } else {
            format!("timed out after {} s", timeout.as_secs())
        };
    }
    // Its own message would repeat the address, credentials and all.
    let err = err.without_url();
    let mut cause: &(dyn std::error::Error + 'static) = &err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let message = match cause
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
    {
        Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".to_owned(),
        Some(std::io::ErrorKind::ConnectionReset) => "connection reset".to_owned(),
        Some(std::io::ErrorKind::ConnectionAborted) => "connection aborted".to_owned(),
        Some(std::io::ErrorKind::HostUnreachable) => "host unreachable".to_owned(),
        Some(std::io::ErrorKind::NetworkUnreachable) => "network unreachable".to_owned(),
        _ => cause.to_string(),
    };
    // One line, whatever the error's author wrote.
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fetches an article, following a few redirects, each one checked like the first address.
pub async fn fetch_article(
    address: &str,
    settings: &ExtractSettings,
) -> Result<FetchedArticle, AppError> {
    fetch_within(address, settings, TIMEOUT).await
}

/// [`fetch_article`] with the time allowed for each request, body included.
async fn fetch_within(
    address: &str,
    settings: &ExtractSettings,
    timeout: Duration,
) -> Result<FetchedArticle, AppError> {
    let request = Request {
        accept: "text/html, text/plain;q=0.9, text/markdown;q=0.9",
        timeout,
        ..Request::default()
    };
    let answer = fetch_resource(address, settings, &request, |content_type, url| {
        format_of(content_type).map(|_| ()).ok_or_else(|| {
            refuse(format!(
                "{} is {content_type:?}, not an HTML or text page",
                shown(url)
            ))
        })
    })
    .await?;
    match answer {
        Answer::Body(resource) => Ok(FetchedArticle {
            format: format_of(&resource.content_type).unwrap_or(InputFormat::Text),
            body: resource.body,
            final_url: resource.final_url,
        }),
        Answer::NotModified => Err(refuse("the page answered 304 without being asked to")),
    }
}

/// What to ask for, beyond the address.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub accept: &'a str,
    pub timeout: Duration,
    /// Conditional GET: the validators of the copy already seen.
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    /// Any 4xx answer is an empty answer rather than an error (robots.txt, RFC 9309).
    pub missing_is_empty: bool,
}

impl Default for Request<'_> {
    fn default() -> Self {
        Request {
            accept: "*/*",
            timeout: TIMEOUT,
            etag: None,
            last_modified: None,
            missing_is_empty: false,
        }
    }
}

/// A fetched resource with the validators to send on the next request.
#[derive(Debug, Clone)]
pub struct Resource {
    pub body: Vec<u8>,
    pub content_type: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub final_url: String,
}

#[derive(Debug, Clone)]
pub enum Answer {
    Body(Resource),
    /// 304: the copy already seen is current.
    NotModified,
}

/// Fetches a feed, sitemap or robots.txt under the same guards as an article.
pub async fn fetch_document(
    address: &str,
    settings: &ExtractSettings,
    request: &Request<'_>,
) -> Result<Answer, AppError> {
    fetch_resource(address, settings, request, |_, _| Ok(())).await
}

/// The scheme, host and port of an address, as its robots.txt and rate limit are keyed.
pub fn origin_of(address: &str) -> Option<(String, String)> {
    let url = url::Url::parse(address.trim()).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let port = url.port_or_known_default()?;
    let key = format!("{}://{host}:{port}", url.scheme().to_ascii_lowercase());
    let mut robots = url.clone();
    robots.set_path("/robots.txt");
    robots.set_query(None);
    robots.set_fragment(None);
    Some((key, robots.to_string()))
}

/// Fetches one resource, following a few redirects, each one checked like the first address;
/// `check_type` refuses content types the caller cannot use before the body is read.
async fn fetch_resource(
    address: &str,
    settings: &ExtractSettings,
    request: &Request<'_>,
    check_type: impl Fn(&str, &url::Url) -> Result<(), AppError>,
) -> Result<Answer, AppError> {
    let timeout = request.timeout;
    let mut url =
        url::Url::parse(address.trim()).map_err(|_| refuse("that is not a web address"))?;
    let first = shown(&url);
    let limit = settings.max_article_bytes;
    for _ in 0..=MAX_REDIRECTS {
        let pinned = vet(&url, settings.fetch_allow_loopback).await?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT)
            .resolve(&host, pinned)
            // A proxy from http_proxy/https_proxy would connect wherever it likes, bypassing the
            // vetted, pinned address.
            .no_proxy()
            .user_agent(USER_AGENT)
            .build()
            .map_err(AppError::unexpected)?;
        let mut get = client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, request.accept);
        if let Some(etag) = request.etag {
            get = get.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(since) = request.last_modified {
            get = get.header(reqwest::header::IF_MODIFIED_SINCE, since);
        }
        let response = get.send().await.map_err(|e| {
            refuse(format!(
                "could not fetch {}: {}",
                shown(&url),
                failure(e, timeout)
            ))
        })?;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Answer::NotModified);
        }
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
        // RFC 9309 §2.3.1.3: any 4xx answer for robots.txt means there are no rules.
        if request.missing_is_empty && response.status().is_client_error() {
            return Ok(Answer::Body(Resource {
                body: Vec::new(),
                content_type: String::new(),
                etag: None,
                last_modified: None,
                final_url: url.to_string(),
            }));
        }
        if !response.status().is_success() {
            return Err(refuse(format!(
                "{} answered {}",
                shown(&url),
                response.status()
            )));
        }
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        check_type(&content_type, &url)?;
        if response
            .content_length()
            .is_some_and(|n| n as usize > limit)
        {
            return Err(AppError::PayloadTooLarge { limit });
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                refuse(if e.is_timeout() {
                    format!("could not fetch {}: {}", shown(&url), failure(e, timeout))
                } else {
                    format!(
                        "the connection to {host} broke off: {}",
                        failure(e, timeout)
                    )
                })
            })?;
            if body.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        return Ok(Answer::Body(Resource {
            body,
            content_type,
            etag,
            last_modified,
            final_url: url.to_string(),
        }));
    }
    Err(refuse(format!(
        "{first} redirects more than {MAX_REDIRECTS} times"
    )))
}

/// The name claimdesk gives itself to web servers, and looks for in robots.txt.
pub const USER_AGENT: &str = concat!("claimdesk/", env!("CARGO_PKG_VERSION"));

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether an address is fetchable without and with the loopback setting.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Expect {
        Public,
        Loopback,
        Refused,
    }

    #[test]
    fn only_public_addresses_are_fetchable() {
        use Expect::*;
        let table = [
            // Public IPv4 and IPv6.
            ("93.184.216.34", Public),
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
            ("2606:2800:220:1:248:1893:25c8:1946", Public),
            ("2a00:1450:4001:80b::200e", Public),
            ("2001:4860:4860::8888", Public),
            // IPv4 loopback, private and special.
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.1.2.3", Refused),
            ("172.16.0.1", Refused),
            ("192.168.1.1", Refused),
            ("169.254.169.254", Refused),
            ("0.0.0.0", Refused),
            ("0.1.2.3", Refused),
            ("100.64.0.1", Refused),
            ("198.18.0.1", Refused),
            ("192.0.2.1", Refused),
            ("224.0.0.1", Refused),
            ("240.0.0.1", Refused),
            ("255.255.255.255", Refused),
            // IPv6 loopback, private and special.
            ("::1", Loopback),
            ("::", Refused),
            ("fe80::1", Refused),
            ("fd00::1", Refused),
            ("fc00::1", Refused),
            ("fec0::1", Refused),
            ("feff::1", Refused),
            ("ff02::1", Refused),
            ("100::1", Refused),
            ("2001:db8::1", Refused),
            ("3fff::1", Refused),
            // IPv4-mapped ::ffff:a.b.c.d.
            ("::ffff:93.184.216.34", Public),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.0.0.1", Refused),
            ("::ffff:169.254.169.254", Refused),
            ("::ffff:0.0.0.0", Refused),
            // IPv4-compatible ::a.b.c.d.
            ("::93.184.216.34", Public),
            ("::127.0.0.1", Loopback),
            ("::10.0.0.1", Refused),
            ("::169.254.169.254", Refused),
            ("::0.0.0.2", Refused),
            // IPv4-translated ::ffff:0:a.b.c.d.
            ("::ffff:0:93.184.216.34", Public),
            ("::ffff:0:127.0.0.1", Loopback),
            ("::ffff:0:192.168.0.1", Refused),
            // NAT64 64:ff9b::/96 and the local-use 64:ff9b:1::/48.
            ("64:ff9b::5db8:d822", Public),
            ("64:ff9b::7f00:1", Loopback),
            ("64:ff9b::a9fe:a9fe", Refused),
            ("64:ff9b::a00:1", Refused),
            ("64:ff9b:1::5db8:d822", Refused),
            ("64:ff9b:1::a00:1", Refused),
            // 6to4 2002::/16, the IPv4 address in segments 1 and 2.
            ("2002:5db8:d822::1", Public),
            ("2002:7f00:1::1", Loopback),
            ("2002:a00:1::1", Refused),
            ("2002:a9fe:a9fe::1", Refused),
            ("2002:c0a8:101::1", Refused),
            // Teredo 2001::/32 and the rest of 2001::/23.
            ("2001::1", Refused),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Refused),
            ("2001:2::1", Refused),
            ("2001:1ff::1", Refused),
        ];
        for (text, expect) in table {
            let ip: IpAddr = text.parse().expect("the table holds valid addresses");
            let without = is_fetchable(ip, false);
            let with = is_fetchable(ip, true);
            let (want_without, want_with) = match expect {
                Public => (true, true),
                Loopback => (false, true),
                Refused => (false, false),
            };
            assert_eq!(without, want_without, "{text} without loopback");
            assert_eq!(with, want_with, "{text} with loopback allowed");
        }
    }

    #[test]
    fn embedded_addresses_are_decoded() {
        let v4 = |text: &str| embedded_v4(text.parse().expect("valid"));
        assert_eq!(v4("::7f00:1"), Some(Ipv4Addr::LOCALHOST));
        assert_eq!(v4("::ffff:a00:1"), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(
            v4("64:ff9b::a9fe:a9fe"),
            Some(Ipv4Addr::new(169, 254, 169, 254))
        );
        assert_eq!(
            v4("2002:c0a8:101:5::1"),
            Some(Ipv4Addr::new(192, 168, 1, 1))
        );
        assert_eq!(v4("2606:2800:220:1::1"), None);
    }

    fn loopback_settings() -> ExtractSettings {
        ExtractSettings {
            claim_threshold: 0.5,
            max_article_bytes: 1 << 20,
            duplicate_threshold: 0.6,
            fetch_allow_loopback: true,
        }
    }

    /// A loopback server that answers every connection with `head` and `body`, then keeps the
    /// connection open for `hold` before closing it.
    async fn serve_once(head: &'static str, body: &'static str, hold: Duration) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = [0; 4096];
                    let _ = socket.read(&mut request).await;
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(body.as_bytes()).await;
                    tokio::time::sleep(hold).await;
                });
            }
        });
        format!("http://127.0.0.1:{port}/article.txt")
    }

    async fn fetch_error(address: &str, timeout: Duration) -> String {
        match fetch_within(address, &loopback_settings(), timeout).await {
            Ok(_) => panic!("{address} should not be fetched"),
            Err(err) => err.to_string(),
        }
    }

    #[tokio::test]
    async fn a_refused_connection_says_so() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let message = fetch_error(&format!("http://127.0.0.1:{port}/"), TIMEOUT).await;
        assert_eq!(
            message,
            format!("could not fetch http://127.0.0.1:{port}/: connection refused")
        );
    }

    #[tokio::test]
    async fn credentials_stay_out_of_messages() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let message =
            fetch_error(&format!("http://reader:hunter2@127.0.0.1:{port}/"), TIMEOUT).await;
        assert!(message.contains("connection refused"), "{message}");
        assert!(
            !message.contains("hunter2") && !message.contains("reader"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_body_cut_off_by_the_timeout_says_timed_out() {
        let address = serve_once(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n",
            "The first half of the article",
            Duration::from_secs(10),
        )
        .await;
        let message = fetch_error(&address, Duration::from_secs(1)).await;
        assert_eq!(
            message,
            format!("could not fetch {address}: timed out after 1 s")
        );
    }

    #[tokio::test]
    async fn a_body_cut_off_by_the_server_says_why() {
        let address = serve_once(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n",
            "The first half of the article",
            Duration::ZERO,
        )
        .await;
        let message = fetch_error(&address, TIMEOUT).await;
        assert!(
            message.starts_with("the connection to 127.0.0.1 broke off: ")
                && !message.contains("timed out")
                && !message.contains('\n'),
            "{message}"
        );
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
