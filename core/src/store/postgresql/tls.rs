//! The connection URL and TLS. `sslmode=require` (or `verify-full`, `verify-ca`) connects
//! over TLS (rustls) and always verifies the server's certificate and name: against the CA
//! file named by `sslrootcert=<path>` when given, else against the Mozilla roots. Without it
//! (or with `disable`, `allow`, `prefer`) the connection is plain TCP, as for a server on
//! loopback or a private network; never an unverified TLS one.

use crate::error::{MfaError, Result};
use postgres::config::SslMode;
use postgres::{Client, Config, NoTls};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How connections are made.
pub(super) enum Connector {
    Plain,
    Tls(MakeRustlsConnect),
}

impl Connector {
    pub(super) fn connect(&self, config: &Config) -> std::result::Result<Client, String> {
        let client = match self {
            Self::Plain => config.connect(NoTls),
            Self::Tls(tls) => config.connect(tls.clone()),
        };
        client.map_err(|e| super::describe(&e))
    }
}

fn invalid(reason: impl std::fmt::Display) -> MfaError {
    MfaError::invalid(
        "database",
        format!("is not a usable PostgreSQL URL: {reason}"),
    )
}

fn decoded(part: &str, what: &str) -> Result<String> {
    percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| invalid(format!("{what} is not UTF-8")))
}

/// The driver's settings and the connector for a `postgres://` URL.
///
/// Whether TLS is used is decided here, from the one `sslmode` the URL may carry (keys are
/// compared decoded, a repeated `sslmode` or `sslrootcert` is refused), and the driver is then
/// told exactly that: TLS required, or none at all. It can never fall back to plain text
/// after a refused TLS request.
pub(super) fn parse(url: &str) -> Result<(Config, Connector)> {
    // The query starts at the first `?` after the user and password (which may hold one).
    let after_user = url.rfind('@').map_or(0, |at| at + 1);
    let (base, query) = match url[after_user..].find('?') {
        Some(q) => (&url[..after_user + q], &url[after_user + q + 1..]),
        None => (url, ""),
    };
    let mut kept = Vec::new();
    let mut root_file = None;
    let mut mode = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decoded(raw_key, "a URL parameter")?;
        match key.as_str() {
            "sslrootcert" => {
                if root_file
                    .replace(decoded(raw_value, "sslrootcert")?)
                    .is_some()
                {
                    return Err(invalid("sslrootcert is given twice"));
                }
            }
            "sslmode" => {
                if mode.replace(decoded(raw_value, "sslmode")?).is_some() {
                    return Err(invalid("sslmode is given twice"));
                }
            }
            _ => kept.push(pair.to_string()),
        }
    }
    let tls = match mode.as_deref() {
        None | Some("disable" | "allow" | "prefer") => false,
        Some("require" | "verify-ca" | "verify-full") => true,
        Some(other) => return Err(invalid(format!("sslmode {other:?} is not one we know"))),
    };
    let cleaned = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: Config = cleaned.parse().map_err(invalid)?;
    if config.get_ssl_mode() != SslMode::Prefer {
        // The driver read an sslmode where this parser saw none (a raw `?` in the password
        // moves the query): the URL is refused rather than read two ways.
        return Err(invalid(
            "its sslmode could not be read (percent-encode `?`, `&` and `@` in the user and password)",
        ));
    }
    if !tls {
        if root_file.is_some() {
            return Err(invalid("sslrootcert needs sslmode=require or verify-full"));
        }
        config.ssl_mode(SslMode::Disable);
        return Ok((config, Connector::Plain));
    }
    config.ssl_mode(SslMode::Require);
    let mut roots = rustls::RootCertStore::empty();
    match root_file {
        Some(path) => {
            let pem = std::fs::read(&path)
                .map_err(|e| invalid(format!("cannot read sslrootcert {path}: {e}")))?;
            let mut found = 0;
            for cert in rustls_pemfile_certs(&pem)? {
                roots
                    .add(cert)
                    .map_err(|e| invalid(format!("sslrootcert {path}: {e}")))?;
                found += 1;
            }
            if found == 0 {
                return Err(invalid(format!("sslrootcert {path} holds no certificate")));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(invalid)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((config, Connector::Tls(MakeRustlsConnect::new(client))))
}

/// The certificates of a PEM file.
fn rustls_pemfile_certs(pem: &[u8]) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("sslrootcert: {e}")))
}
