//! redis-py's `Sentinel([(host, port)]).master_for(name)` / `slave_for(name)` against the
//! embedded store. The SENTINEL command it asks, and the embedded deployment it sees, are
//! in [`crate::admin::sentinel`].

use super::connect::ConnectOptions;
use super::Redis;
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// redis-py's `Sentinel`: discovers the master of a service name through the sentinels
/// and connects to it (see the [module docs](self)).
///
/// ```
/// let sentinel = emu::Sentinel::new(&[("localhost", 26379)]);
/// let master = sentinel.master_for("mymaster")?;
/// master.set("doc:sentinel:struct", "1")?;
/// let replica = sentinel.slave_for("mymaster")?;
/// assert_eq!(replica.get::<_, String>("doc:sentinel:struct")?, "1");
/// # master.delete("doc:sentinel:struct")?;
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Sentinel {
    sentinels: Vec<(String, u16)>,
    options: ConnectOptions,
}

impl Sentinel {
    /// Sentinels at these addresses (`[("localhost", 26379)]`). Nothing connects until a
    /// discovery.
    pub fn new(sentinels: &[(&str, u16)]) -> Sentinel {
        Sentinel {
            sentinels: sentinels.iter().map(|(h, p)| (h.to_string(), *p)).collect(),
            options: ConnectOptions::default(),
        }
    }

    /// Connection arguments for the master and replica handles (db, password,
    /// socket_timeout, …; host and port come from the sentinels) — redis-py's
    /// `master_for(name, **kwargs)`.
    pub fn with_options(mut self, options: ConnectOptions) -> Sentinel {
        self.options = options;
        self
    }

    fn ask(&self, argv: &[&str]) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        for (host, port) in &self.sentinels {
            let s = ConnectOptions::default()
                .host(host.clone())
                .port(*port)
                .connect()?;
            let args: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
            if let Ok(v) = s.execute(&args) {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// `(ip, port)` of the master of `service`, from the first sentinel that knows it;
    /// `No master found for 'name'` otherwise (redis-py's MasterNotFoundError).
    pub fn discover_master(&self, service: &str) -> Result<(String, u16)> {
        for v in self.ask(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", service])? {
            if let Value::Array(a) = v {
                if let [Value::Bulk(ip), Value::Bulk(port)] = a.as_slice() {
                    let port = std::str::from_utf8(port).ok().and_then(|p| p.parse().ok());
                    if let Some(port) = port {
                        return Ok((String::from_utf8_lossy(ip).into_owned(), port));
                    }
                }
            }
        }
        Err(Error::new(
            ErrorKind::Connection,
            format!("No master found for '{service}'"),
        ))
    }

    /// `(ip, port)` of the replicas of `service` that are up.
    pub fn discover_slaves(&self, service: &str) -> Result<Vec<(String, u16)>> {
        for v in self.ask(&["SENTINEL", "REPLICAS", service])? {
            let Value::Array(list) = v else { continue };
            let mut out = Vec::new();
            for r in list {
                let Value::Map(kv) = r else { continue };
                let get = |k: &str| {
                    kv.iter().find_map(|(a, b)| match (a, b) {
                        (Value::Bulk(a), Value::Bulk(b)) if a == k.as_bytes() => {
                            Some(String::from_utf8_lossy(b).into_owned())
                        }
                        _ => None,
                    })
                };
                let flags = get("flags").unwrap_or_default();
                if flags.contains("s_down") || flags.contains("o_down") {
                    continue;
                }
                if let (Some(ip), Some(port)) =
                    (get("ip"), get("port").and_then(|p| p.parse().ok()))
                {
                    out.push((ip, port));
                }
            }
            return Ok(out);
        }
        Ok(Vec::new())
    }

    /// A handle on the master of `service`.
    pub fn master_for(&self, service: &str) -> Result<Redis> {
        let (host, port) = self.discover_master(service)?;
        self.options
            .clone()
            .host(host)
            .port(port)
            .read_only(false)
            .connect()
    }

    /// A read-only handle on a replica of `service` (falling back to the master's address,
    /// as redis-py does when no replica is up). Write commands through it fail with
    /// `READONLY You can't write against a read only replica.`
    pub fn slave_for(&self, service: &str) -> Result<Redis> {
        let (host, port) = match self.discover_slaves(service)?.into_iter().next() {
            Some(a) => a,
            None => self.discover_master(service)?,
        };
        self.options
            .clone()
            .host(host)
            .port(port)
            .read_only(true)
            .connect()
    }

    /// Makes every embedded sentinel monitor `name` at `host:port` (`SENTINEL MONITOR`).
    /// Fails with `ERR Duplicate master name.` if it is monitored already.
    pub fn monitor(&self, name: &str, host: &str, port: u16, quorum: u32) -> Result<()> {
        let r = Redis::new();
        r.execute(&[
            b"SENTINEL",
            b"MONITOR",
            name.as_bytes(),
            host.as_bytes(),
            port.to_string().as_bytes(),
            quorum.to_string().as_bytes(),
        ])?;
        Ok(())
    }

    /// Stops monitoring `name` (`SENTINEL REMOVE`).
    pub fn remove(&self, name: &str) -> Result<()> {
        Redis::new().execute(&[b"SENTINEL", b"REMOVE", name.as_bytes()])?;
        Ok(())
    }
}
