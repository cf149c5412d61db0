//! The command registry: the one list of every module's command specs, merged into the
//! table the dispatcher uses, and the [`Services`] every new [`Store`] is made with.
//!
//! Adding a command module means adding its `COMMANDS` slice to [`SOURCES`]. This module
//! sits above every command module and below the front ends; the engine gets the table
//! through the store ([`Store::table`]) and never imports this module.

use std::sync::OnceLock;

use crate::config::Config;
use crate::engine::{Services, Store, Table};
use crate::keyspace::Clock;

/// Every module's command slice.
pub const SOURCES: &[&[crate::engine::CommandSpec]] = &[
    crate::types::string::COMMANDS,
    crate::types::lcs::COMMANDS,
    crate::types::bitmap::COMMANDS,
    crate::types::hll::COMMANDS,
    crate::types::sort::COMMANDS,
    crate::types::hash::COMMANDS,
    crate::types::list::COMMANDS,
    crate::types::set::COMMANDS,
    crate::types::zset::COMMANDS,
    crate::types::geo::COMMANDS,
    crate::types::stream::COMMANDS,
    crate::types::keys::COMMANDS,
    crate::rdb::commands::COMMANDS,
    crate::rdb::master::COMMANDS,
    crate::rdb::migrate::COMMANDS,
    crate::admin::COMMANDS,
    crate::admin::sentinel::COMMANDS,
    crate::admin::cluster::COMMANDS,
    crate::admin::lifecycle::COMMANDS,
    crate::tx::COMMANDS,
    crate::blocking::commands::COMMANDS,
    crate::blocking::streams::COMMANDS,
    crate::pubsub::commands::COMMANDS,
    crate::persist::commands::COMMANDS,
    crate::scripting::COMMANDS,
    crate::scripting::functions::COMMANDS,
    crate::acl::commands::COMMANDS,
];

/// The command table, built once.
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::new(SOURCES))
}

/// What a store made by this crate plugs in: the table, and DEBUG RELOAD through a
/// snapshot.
pub fn services() -> Services {
    Services {
        table: table(),
        reload: crate::persist::commands::reload,
        load_log: crate::persist::commands::load_log,
        client_info: crate::admin::connection::client_info_line,
        kill_user: crate::admin::connection::kill_user_clients,
        function_dump: crate::persist::function_payload::encode,
        function_restore: crate::persist::function_payload::decode,
        script_no_writes: crate::scripting::declares_no_writes,
        save: crate::persist::commands::save_now,
    }
}

impl Store {
    /// A store with `config.databases` empty databases and every command of this crate.
    pub fn new(config: Config, clock: Clock, seed: u64) -> Store {
        Store::with_services(services(), config, clock, seed)
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new(Config::default(), Clock::System, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::flags;

    #[test]
    fn table_names_are_unique_lowercase_and_sane() {
        let t = table();
        assert!(!t.all().is_empty());
        for spec in t.all() {
            assert_eq!(spec.name, spec.name.to_ascii_lowercase());
            assert!(spec.arity != 0, "{}", spec.name);
            assert!(
                !(spec.has(flags::WRITE) && spec.has(flags::READONLY)),
                "{} is both write and readonly",
                spec.name
            );
        }
    }

    #[test]
    fn unknown_command_text() {
        use crate::engine::unknown_command;
        let e = unknown_command(&[b"foo", b"a", b"b"]);
        assert_eq!(
            e.message(),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        let e = unknown_command(&[b"foo"]);
        assert_eq!(
            e.message(),
            "ERR unknown command 'foo', with args beginning with: "
        );
    }
}
