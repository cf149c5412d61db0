//! The command line every test redis-server / valkey-server starts with (shared by
//! `server_util` and `backends`).

/// `port` on loopback, no persistence, in the foreground, logging nowhere.
pub fn base_args(port: u16) -> Vec<String> {
    [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        "",
    ]
    .map(String::from)
    .to_vec()
}
