//! The connection of a remote `PubSub`: a socket of its own (TCP, TLS over TCP with
//! feature `tls`, or Unix, with AUTH from the URL), speaking RESP2 so every message is a
//! plain array.
//!
//! TLS is rustls with the trust the handle's data connections use (redis-rs's rules):
//! the CA file's certificates when one is given, else the webpki roots; `insecure` skips
//! the certificate check (and sends no SNI). A read timeout in the middle of a TLS record
//! leaves the partial record in rustls's buffer, as the plain buffer below does.
//!
//! Not a redis-rs connection: a subscriber reads with short timeouts (to notice a stop
//! request or a `get_message` deadline), and redis-rs's sync connection treats a timed-out
//! response read as a reply to skip. Here a timeout leaves the partial bytes in the buffer
//! and the next read continues the same frame.

use std::io::{Read, Write};
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

enum Stream {
    Tcp(std::net::TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>>),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

/// A subscriber socket.
pub struct Subscriber {
    stream: Stream,
    buf: Vec<u8>,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber")
            .field("buffered", &self.buf.len())
            .finish()
    }
}

fn io_err(e: std::io::Error) -> Error {
    Error::new(ErrorKind::Connection, format!("Connection error: {e}"))
}

impl Subscriber {
    /// Connects to the server `info` names and authenticates as it says; `root_pem` is
    /// the CA file's contents for a TLS address (None: the webpki roots).
    pub(crate) fn connect(
        info: &redis::ConnectionInfo,
        root_pem: Option<&[u8]>,
    ) -> Result<Subscriber> {
        #[cfg(not(feature = "tls"))]
        let _ = root_pem;
        let stream = match info.addr() {
            redis::ConnectionAddr::Tcp(host, port) => {
                let s = std::net::TcpStream::connect((host.as_str(), *port)).map_err(io_err)?;
                let _ = s.set_nodelay(true);
                Stream::Tcp(s)
            }
            #[cfg(feature = "tls")]
            redis::ConnectionAddr::TcpTls {
                host,
                port,
                insecure,
                ..
            } => Stream::Tls(Box::new(tls::connect(host, *port, *insecure, root_pem)?)),
            #[cfg(unix)]
            redis::ConnectionAddr::Unix(path) => {
                Stream::Unix(std::os::unix::net::UnixStream::connect(path).map_err(io_err)?)
            }
            other => {
                return Err(Error::new(
                    ErrorKind::Connection,
                    format!("unsupported address for Pub/Sub: {other:?}"),
                ))
            }
        };
        let mut sub = Subscriber {
            stream,
            buf: Vec::new(),
        };
        let settings = info.redis_settings();
        if let Some(pass) = settings.password() {
            match settings.username() {
                Some(user) => sub.send(&[b"AUTH", user.as_bytes(), pass.as_bytes()])?,
                None => sub.send(&[b"AUTH", pass.as_bytes()])?,
            }
            if let Some(Value::Error(e)) = sub.recv(None)? {
                return Err(Error::from_reply(e));
            }
        }
        Ok(sub)
    }

    /// Writes one command.
    pub fn send(&mut self, argv: &[&[u8]]) -> Result<()> {
        let mut out = Vec::new();
        super::pack(&mut out, argv);
        match &mut self.stream {
            Stream::Tcp(s) => s.write_all(&out),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => tls::write(s, &out),
            #[cfg(unix)]
            Stream::Unix(s) => s.write_all(&out),
        }
        .map_err(io_err)
    }

    /// The next frame, waiting up to `timeout` (None: forever); `Ok(None)` on timeout.
    pub fn recv(&mut self, timeout: Option<Duration>) -> Result<Option<Value>> {
        loop {
            if let Some((v, used)) = parse(&self.buf)? {
                self.buf.drain(..used);
                return Ok(Some(v));
            }
            let t = timeout.map(|t| t.max(Duration::from_millis(1)));
            let mut chunk = [0u8; 16 * 1024];
            let n = match &mut self.stream {
                Stream::Tcp(s) => {
                    s.set_read_timeout(t).map_err(io_err)?;
                    s.read(&mut chunk)
                }
                #[cfg(feature = "tls")]
                Stream::Tls(s) => {
                    s.sock.set_read_timeout(t).map_err(io_err)?;
                    s.read(&mut chunk)
                }
                #[cfg(unix)]
                Stream::Unix(s) => {
                    s.set_read_timeout(t).map_err(io_err)?;
                    s.read(&mut chunk)
                }
            };
            match n {
                Ok(0) => {
                    return Err(Error::new(
                        ErrorKind::Connection,
                        "Connection closed by server.",
                    ))
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(e)),
            }
        }
    }
}

#[cfg(feature = "tls")]
mod tls {
    use std::io::Write;
    use std::net::TcpStream;
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore};
    use rustls::{SignatureScheme, StreamOwned};

    use super::io_err;
    use crate::error::{Error, ErrorKind, Result};

    fn tls_err(what: &str, e: impl std::fmt::Display) -> Error {
        Error::new(ErrorKind::Connection, format!("TLS error: {what}: {e}"))
    }

    /// Connects to `host:port` and completes the TLS handshake.
    pub(super) fn connect(
        host: &str,
        port: u16,
        insecure: bool,
        root_pem: Option<&[u8]>,
    ) -> Result<StreamOwned<ClientConnection, TcpStream>> {
        // The process-wide provider the handle's connections use (installed by
        // `Remote::connect` for a TLS URL, or by the program).
        let provider = CryptoProvider::get_default()
            .cloned()
            .ok_or_else(|| tls_err("setup", "rustls has no crypto provider installed"))?;
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_err("protocol versions", e))?;
        let mut config = if insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoCheck(provider)))
                .with_no_client_auth()
        } else {
            let mut roots = RootCertStore::empty();
            match root_pem {
                Some(pem) => {
                    for cert in CertificateDer::pem_slice_iter(pem) {
                        let cert = cert.map_err(|e| tls_err("the CA file", e))?;
                        roots.add(cert).map_err(|e| tls_err("the CA file", e))?;
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        config.enable_sni = !insecure;
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| tls_err(&format!("server name {host:?}"), e))?;
        let conn = ClientConnection::new(Arc::new(config), name)
            .map_err(|e| tls_err("client setup", e))?;
        let sock = TcpStream::connect((host, port)).map_err(io_err)?;
        let _ = sock.set_nodelay(true);
        let mut stream = StreamOwned::new(conn, sock);
        // The handshake now, so an untrusted certificate fails the subscription that
        // opened the connection.
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock).map_err(io_err)?;
        }
        Ok(stream)
    }

    /// Writes `data` and hands all of it to the socket.
    pub(super) fn write(
        s: &mut StreamOwned<ClientConnection, TcpStream>,
        data: &[u8],
    ) -> std::io::Result<()> {
        s.write_all(data)?;
        s.flush()
    }

    /// `?insecure`: every certificate is accepted (signatures are still checked).
    #[derive(Debug)]
    struct NoCheck(Arc<CryptoProvider>);

    impl ServerCertVerifier for NoCheck {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> std::result::Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
}

/// One complete RESP2 frame at the start of `b` and its length; None if incomplete.
fn parse(b: &[u8]) -> Result<Option<(Value, usize)>> {
    let Some(end) = b.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let Some(&tag) = b.first() else {
        return Ok(None);
    };
    let line = &b[1..end];
    let text = String::from_utf8_lossy(line).into_owned();
    let num = || {
        text.parse::<i64>()
            .map_err(|_| Error::new(ErrorKind::Connection, "Protocol error: bad length"))
    };
    let after = end + 2;
    Ok(match tag {
        b'+' => Some((Value::Simple(text), after)),
        b'-' => Some((Value::Error(text), after)),
        b':' => Some((Value::Int(num()?), after)),
        b'$' => {
            let n = num()?;
            if n < 0 {
                return Ok(Some((Value::Nil, after)));
            }
            let n = n as usize;
            if b.len() < after + n + 2 {
                return Ok(None);
            }
            Some((Value::Bulk(b[after..after + n].to_vec()), after + n + 2))
        }
        b'*' => {
            let n = num()?;
            if n < 0 {
                return Ok(Some((Value::NilArray, after)));
            }
            let mut items = Vec::with_capacity(n as usize);
            let mut at = after;
            for _ in 0..n {
                match parse(&b[at..])? {
                    Some((v, used)) => {
                        items.push(v);
                        at += used;
                    }
                    None => return Ok(None),
                }
            }
            Some((Value::Array(items), at))
        }
        _ => {
            return Err(Error::new(
                ErrorKind::Connection,
                format!("Protocol error: unexpected byte {tag:#04x}"),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages_whole_and_in_pieces() {
        let frame = b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n:1\r\n";
        let (v, used) = parse(frame).unwrap().unwrap();
        assert_eq!(
            v,
            Value::Array(vec![
                Value::bulk("message"),
                Value::bulk("ch"),
                Value::bulk("hello")
            ])
        );
        assert_eq!(&frame[used..], b":1\r\n");
        for cut in 0..used {
            assert!(parse(&frame[..cut]).unwrap().is_none(), "cut at {cut}");
        }
        let unsub = b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n";
        let (v, _) = parse(unsub).unwrap().unwrap();
        assert_eq!(
            v,
            Value::Array(vec![Value::bulk("unsubscribe"), Value::Nil, Value::Int(0)])
        );
        assert!(parse(b"?x\r\n").is_err());
    }
}
