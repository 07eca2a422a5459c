//! The app's SCIM base URL as Entra's "Tenant URL" field takes it (docs/sync.md#the-target-url):
//! `https://host[:port]/base`, its own query parameters kept and sent with every request, and
//! `aadOptscim062020` — Entra's switch to its SCIM-compliant PATCH mode — read and never sent.

use std::net::IpAddr;

/// A parsed `--target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl {
    /// `https://host:port/base`, without a trailing slash.
    base: String,
    /// The URL's own query parameters (without `aadOptscim062020`), sent with every request.
    query: Vec<String>,
    /// The host as written (`[::1]` with its brackets).
    host: String,
    /// `https`.
    https: bool,
    /// `?aadOptscim062020` was given: the SCIM-compliant PATCH mode.
    scim062020: bool,
}

/// Why a `--target` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--target {url}: {problem}")]
pub struct TargetUrlError {
    /// The URL as given.
    pub url: String,
    /// What is wrong and what to do.
    pub problem: String,
}

impl TargetUrl {
    /// Read a tenant URL.
    pub fn parse(url: &str) -> Result<TargetUrl, TargetUrlError> {
        let fail = |problem: &str| TargetUrlError {
            url: url.to_string(),
            problem: problem.to_string(),
        };
        let trimmed = url.trim();
        let (scheme, rest) = trimmed.split_once("://").ok_or_else(|| {
            fail("give the app's SCIM base URL, as in Entra's Tenant URL field: https://host/scim")
        })?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err(fail("only http:// and https:// URLs can be reached"));
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let (before_query, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.find('/') {
            Some(i) => before_query.split_at(i),
            None => (before_query, ""),
        };
        if authority.contains('@') {
            return Err(fail(
                "credentials in the URL are refused (they would be logged): give the token in ENTRAMAP_SCIM_TOKEN or --token-file",
            ));
        }
        let host = if let Some(inner) = authority.strip_prefix('[') {
            let end = inner
                .find(']')
                .ok_or_else(|| fail("an IPv6 address is written in brackets: [::1]"))?;
            let (address, after) = inner.split_at(end);
            let port = after.strip_prefix(']').unwrap_or_default();
            check_port(port).map_err(|p| fail(&p))?;
            format!("[{address}]")
        } else {
            let (name, port) = match authority.rsplit_once(':') {
                Some((name, port)) => (name, format!(":{port}")),
                None => (authority, String::new()),
            };
            check_port(&port).map_err(|p| fail(&p))?;
            name.to_string()
        };
        if host.is_empty() || host == "[]" {
            return Err(fail("the URL names no host"));
        }
        if host.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(fail("the host has spaces or control characters"));
        }
        let mut params = Vec::new();
        let mut scim062020 = false;
        for param in query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let name = param.split('=').next().unwrap_or_default();
            if name.eq_ignore_ascii_case("aadOptscim062020") {
                scim062020 = true;
            } else {
                params.push(param.to_string());
            }
        }
        let path = path.trim_end_matches('/');
        Ok(TargetUrl {
            base: format!(
                "{}://{authority}{path}",
                if https { "https" } else { "http" }
            ),
            query: params,
            host,
            https,
            scim062020,
        })
    }

    /// The URL of a request: `path_and_query` is [`crate::scim::Request::url_path`]'s
    /// (`/Users?filter=…`), the tenant URL's own parameters added.
    pub fn url(&self, path_and_query: &str) -> String {
        let mut url = String::with_capacity(self.base.len() + path_and_query.len() + 16);
        url.push_str(&self.base);
        url.push_str(path_and_query);
        for (i, param) in self.query.iter().enumerate() {
            let first = i == 0 && !path_and_query.contains('?');
            url.push(if first { '?' } else { '&' });
            url.push_str(param);
        }
        url
    }

    /// The base URL (scheme, host, port, path), as shown in messages.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Whether the URL is `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// Whether `aadOptscim062020` was on the URL (Entra's SCIM-compliant PATCH mode).
    pub fn scim062020(&self) -> bool {
        self.scim062020
    }

    /// Whether the host is this machine (`localhost`, `127.0.0.0/8`, `::1`): plain HTTP and
    /// writes without confirmation are allowed there.
    pub fn is_loopback(&self) -> bool {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// `""` or `":8080"`.
fn check_port(port: &str) -> Result<(), String> {
    if port.is_empty() {
        return Ok(());
    }
    match port.strip_prefix(':').map(str::parse::<u16>) {
        Some(Ok(p)) if p > 0 => Ok(()),
        _ => Err(format!("{port} is not a port (1 to 65535)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tenant_url_and_its_flag() {
        let t =
            TargetUrl::parse("https://app.example.com/scim/v2/?aadOptscim062020&tenant=7").unwrap();
        assert_eq!(t.base(), "https://app.example.com/scim/v2");
        assert!(t.scim062020());
        assert!(!t.is_loopback());
        assert_eq!(
            t.url("/Users?filter=x"),
            "https://app.example.com/scim/v2/Users?filter=x&tenant=7"
        );
        assert_eq!(
            t.url("/Users/1"),
            "https://app.example.com/scim/v2/Users/1?tenant=7"
        );
    }

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://localhost:8080",
            "http://127.0.0.1:1/x",
            "http://[::1]:80/",
        ] {
            assert!(TargetUrl::parse(url).unwrap().is_loopback(), "{url}");
        }
        assert!(!TargetUrl::parse("http://10.0.0.1").unwrap().is_loopback());
        assert!(
            !TargetUrl::parse("http://localhost.evil.com")
                .unwrap()
                .is_loopback()
        );
    }

    #[test]
    fn refuses_what_cannot_be_a_tenant_url() {
        for url in [
            "app.example.com/scim",
            "ftp://x/",
            "https://user:pw@x/",
            "https://x:99999/",
            "https://:80/",
            "https://[::1/",
        ] {
            assert!(TargetUrl::parse(url).is_err(), "{url}");
        }
    }
}
