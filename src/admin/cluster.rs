//! Cluster mode (`cluster-enabled yes`): emu is a Redis Cluster of one node that owns all
//! 16,384 hash slots. CLUSTER answers as such a node of Redis 7.0 does, ASKING, READONLY and
//! READWRITE are accepted, and the dispatcher applies Redis Cluster's rules: every key of a
//! command (or of a transaction) in one slot ([`crate::engine::cross_slot_error`]), only
//! database 0 (SELECT, MOVE, SWAPDB and COPY … DB refuse as Redis does), and scripts that
//! touch keys of several slots in one call refused. Code that would fail on a real cluster
//! fails the same way here, embedded or served.
//!
//! # Known differences from Redis
//! - EXEC counts the keys the client WATCHes with the queued commands' keys: a transaction
//!   on other slots than its WATCHed keys fails with CROSSSLOT. A one-node Redis Cluster
//!   runs it; a real cluster answers MOVED when those slots live on another node, and
//!   cluster clients refuse it up front — emu fails it always, so tests catch it.
//! - The slot map never changes: ADDSLOTS and ADDSLOTSRANGE answer that the slot is busy (it
//!   is: this node owns it), and the subcommands that would move slots or join other nodes
//!   (DELSLOTS, DELSLOTSRANGE, FLUSHSLOTS, SETSLOT, MEET, RESET) are refused with an error
//!   saying so.
//! - The node id is derived from the store's seed (deterministic, like the rest of emu) and
//!   is not persisted in a `nodes.conf`; the epochs live as long as the store.
//! - GETKEYSINSLOT lists a slot's keys newest first, as Redis 7.0's slot-to-keys lists do
//!   ([`crate::keyspace::slots`]), from the per-slot index that cluster mode keeps from the
//!   first command on. Keys that were in the table when the index was (re)built — loaded
//!   from a snapshot or RDB file, or inserted directly by a loader — are listed in the
//!   table's order, not in Redis's load order; and keys whose 64-bit hashes collide in one
//!   slot share a place.

use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::{flags::*, ClusterNode, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::util::slot::{key_hash_slot, SLOTS};
use crate::value::Value;

/// Redis's reply to cluster commands on a server without cluster mode.
const DISABLED: &str = "This instance has cluster support disabled";

fn enabled(ctx: &Ctx) -> Result<()> {
    if ctx.config().cluster_enabled {
        Ok(())
    } else {
        Err(Error::err(DISABLED))
    }
}

/// The node of this store.
fn node<'a>(ctx: &'a mut Ctx) -> &'a mut ClusterNode {
    &mut ctx.store.cluster
}

/// A stored integer parameter (`cluster-port`, `cluster-announce-*`): 0 when unset.
fn stored_int(ctx: &Ctx, name: &str) -> u32 {
    ctx.config()
        .stored
        .get(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The address the node announces (Redis `clusterUpdateMyselfAnnouncedPorts` and
/// `cluster-announce-ip`): the client port is `cluster-announce-port` or the port it listens
/// on (`port` embedded); the bus port is `cluster-announce-bus-port`, else `cluster-port`,
/// else the listening port + 10000; the IP is `cluster-announce-ip` (empty, as on a node
/// that has not learned its address from a peer).
fn announced(ctx: &Ctx) -> (String, u32, u32) {
    let listening = match &ctx.session.link {
        Some(l) if l.server.tcp_port() != 0 => l.server.tcp_port(),
        _ => ctx.config().port,
    } as u32;
    let nonzero = |v: u32| (v != 0).then_some(v);
    let port = nonzero(stored_int(ctx, "cluster-announce-port")).unwrap_or(listening);
    let bus = nonzero(stored_int(ctx, "cluster-announce-bus-port"))
        .or(nonzero(stored_int(ctx, "cluster-port")))
        .unwrap_or(listening + 10000);
    let ip = ctx
        .config()
        .stored
        .get("cluster-announce-ip")
        .cloned()
        .unwrap_or_default();
    (ip, port, bus)
}

/// # Format
/// `CLUSTER <subcommand> [args…]`
pub fn cluster(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("cluster", CLUSTER_SUBS, ctx, argv)
}

/// # Format
/// `ASKING` / `READONLY` / `READWRITE` — accepted in cluster mode: this node serves every
/// slot, so redirections never happen and reads never go to a replica.
fn cluster_flag(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    Ok(Value::ok())
}

fn info(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    let n = node(ctx);
    let text = format!(
        "cluster_state:ok\r\ncluster_slots_assigned:{SLOTS}\r\ncluster_slots_ok:{SLOTS}\r\n\
         cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:1\r\n\
         cluster_size:1\r\ncluster_current_epoch:{}\r\ncluster_my_epoch:{}\r\n\
         cluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n\
         total_cluster_links_buffer_limit_exceeded:0\r\n",
        n.current_epoch, n.config_epoch
    );
    Ok(Value::Verbatim("txt".into(), text.into_bytes()))
}

fn myid(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    Ok(Value::bulk(node(ctx).id.clone()))
}

fn nodes(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    let (ip, port, bus) = announced(ctx);
    let n = node(ctx);
    let line = format!(
        "{} {ip}:{port}@{bus} myself,master - 0 0 {} connected 0-{}\n",
        n.id,
        n.config_epoch,
        SLOTS - 1
    );
    Ok(Value::Verbatim("txt".into(), line.into_bytes()))
}

fn slots(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    let (ip, port, _) = announced(ctx);
    let id = node(ctx).id.clone();
    let master = Value::Array(vec![
        Value::bulk(ip),
        Value::Int(port as i64),
        Value::bulk(id),
        Value::Map(Vec::new()),
    ]);
    Ok(Value::Array(vec![Value::Array(vec![
        Value::Int(0),
        Value::Int(SLOTS as i64 - 1),
        master,
    ])]))
}

fn shards(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    let (ip, port, _) = announced(ctx);
    let id = node(ctx).id.clone();
    let me = Value::Map(vec![
        (Value::bulk("id"), Value::bulk(id)),
        (Value::bulk("port"), Value::Int(port as i64)),
        (Value::bulk("ip"), Value::bulk(ip.clone())),
        (Value::bulk("endpoint"), Value::bulk(ip)),
        (Value::bulk("role"), Value::bulk("master")),
        (Value::bulk("replication-offset"), Value::Int(0)),
        (Value::bulk("health"), Value::bulk("online")),
    ]);
    Ok(Value::Array(vec![Value::Map(vec![
        (
            Value::bulk("slots"),
            Value::Array(vec![Value::Int(0), Value::Int(SLOTS as i64 - 1)]),
        ),
        (Value::bulk("nodes"), Value::Array(vec![me])),
    ])]))
}

fn keyslot(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    Ok(Value::Int(key_hash_slot(argv[2]) as i64))
}

/// A slot number argument: an integer (Redis's integer error), then `Invalid slot` when out
/// of range (COUNTKEYSINSLOT).
fn integer(arg: &[u8]) -> Result<i64> {
    crate::util::parse_i64(arg).ok_or_else(Error::not_integer)
}

fn countkeysinslot(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    let slot = integer(argv[2])?;
    if !(0..SLOTS as i64).contains(&slot) {
        return Err(Error::err("Invalid slot"));
    }
    let n = ctx.store.dbs[0].count_keys_in_slot(slot as u16);
    Ok(Value::Int(n as i64))
}

fn getkeysinslot(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    let slot = integer(argv[2])?;
    let count = integer(argv[3])?;
    if count < 0 || !(0..SLOTS as i64).contains(&slot) {
        return Err(Error::err("Invalid slot or number of keys"));
    }
    let keys: Vec<Value> = ctx.store.dbs[0]
        .keys_in_slot(slot as u16)
        .take(usize::try_from(count).unwrap_or(usize::MAX))
        .map(Value::bulk)
        .collect();
    Ok(Value::Array(keys))
}

/// A slot argument of ADDSLOTS (Redis `getSlotOrReply`).
fn slot_arg(arg: &[u8]) -> Result<u16> {
    crate::util::parse_i64(arg)
        .filter(|s| (0..SLOTS as i64).contains(s))
        .map(|s| s as u16)
        .ok_or_else(|| Error::err("Invalid or out of range slot"))
}

fn addslots(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    let slots = argv[2..]
        .iter()
        .map(|a| slot_arg(a))
        .collect::<Result<Vec<u16>>>()?;
    // Every slot is this node's already.
    Err(Error::err(format!("Slot {} is already busy", slots[0])))
}

fn addslotsrange(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    if argv.len() % 2 == 1 {
        return Err(Error::arity("cluster|addslotsrange"));
    }
    let mut first = None;
    for pair in argv[2..].chunks(2) {
        let (start, end) = (slot_arg(pair[0])?, slot_arg(pair[1])?);
        if start > end {
            return Err(Error::err(format!(
                "start slot number {start} is greater than end slot number {end}"
            )));
        }
        first.get_or_insert(start);
    }
    Err(Error::err(format!(
        "Slot {} is already busy",
        first.unwrap_or_default()
    )))
}

/// An id argument that must name this node (the only one it knows).
fn known_node(ctx: &mut Ctx, arg: &[u8]) -> Result<()> {
    if node(ctx).id.as_bytes() == arg {
        Ok(())
    } else {
        Err(Error::err(format!(
            "Unknown node {}",
            String::from_utf8_lossy(arg)
        )))
    }
}

fn count_failure_reports(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    known_node(ctx, argv[2])?;
    Ok(Value::Int(0))
}

fn replicas(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    known_node(ctx, argv[2])?;
    Ok(Value::Array(Vec::new()))
}

fn forget(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    known_node(ctx, argv[2])?;
    Err(Error::err("I tried hard but I can't forget myself..."))
}

fn replicate(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    known_node(ctx, argv[2])?;
    Err(Error::err("Can't replicate myself"))
}

fn failover(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    match argv.get(2) {
        None => {}
        Some(o)
            if argv.len() == 3
                && (o.eq_ignore_ascii_case(b"force") || o.eq_ignore_ascii_case(b"takeover")) => {}
        Some(_) => return Err(Error::syntax()),
    }
    Err(Error::err("You should send CLUSTER FAILOVER to a replica"))
}

fn links(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    Ok(Value::Array(Vec::new()))
}

fn saveconfig(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    Ok(Value::ok())
}

fn bumpepoch(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    let n = node(ctx);
    // Redis `clusterBumpConfigEpochWithoutConsensus`: with one node the greatest epoch is
    // the current one.
    if n.config_epoch == 0 || n.config_epoch != n.current_epoch.max(n.config_epoch) {
        n.current_epoch += 1;
        n.config_epoch = n.current_epoch;
        Ok(Value::Simple(format!("BUMPED {}", n.config_epoch)))
    } else {
        Ok(Value::Simple(format!("STILL {}", n.config_epoch)))
    }
}

fn set_config_epoch(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    let epoch = integer(argv[2])?;
    let n = node(ctx);
    if epoch < 0 {
        return Err(Error::err(format!(
            "Invalid config epoch specified: {epoch}"
        )));
    }
    if n.config_epoch != 0 {
        return Err(Error::err("Node config epoch is already non-zero"));
    }
    n.config_epoch = epoch as u64;
    n.current_epoch = n.current_epoch.max(epoch as u64);
    Ok(Value::ok())
}

/// The subcommands that would change the slot map or join other nodes.
fn fixed_topology(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    Err(Error::err(format!(
        "CLUSTER {} is not supported: emu is a single-node cluster that always owns all {SLOTS} slots",
        String::from_utf8_lossy(argv[1]).to_ascii_uppercase()
    )))
}

fn help(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    enabled(ctx)?;
    Ok(help_reply("cluster", HELP))
}

/// Redis 7.0's CLUSTER HELP text.
const HELP: &[&str] = &[
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
];

macro_rules! subs {
    ($(($name:literal, $arity:literal, $handler:expr)),* $(,)?) => {
        &[$(Sub { name: $name, arity: $arity, handler: $handler }),*]
    };
}

/// CLUSTER's subcommands with Redis 7.0's arities.
const CLUSTER_SUBS: &[Sub] = subs![
    ("addslots", -3, addslots),
    ("addslotsrange", -4, addslotsrange),
    ("bumpepoch", 2, bumpepoch),
    ("count-failure-reports", 3, count_failure_reports),
    ("countkeysinslot", 3, countkeysinslot),
    ("delslots", -3, fixed_topology),
    ("delslotsrange", -4, fixed_topology),
    ("failover", -2, failover),
    ("flushslots", 2, fixed_topology),
    ("forget", 3, forget),
    ("getkeysinslot", 4, getkeysinslot),
    ("help", 2, help),
    ("info", 2, info),
    ("keyslot", 3, keyslot),
    ("links", 2, links),
    ("meet", -4, fixed_topology),
    ("myid", 2, myid),
    ("nodes", 2, nodes),
    ("replicas", 3, replicas),
    ("replicate", 3, replicate),
    ("reset", -2, fixed_topology),
    ("saveconfig", 2, saveconfig),
    ("set-config-epoch", 3, set_config_epoch),
    ("setslot", -4, fixed_topology),
    ("shards", 2, shards),
    ("slaves", 3, replicas),
    ("slots", 2, slots),
];

/// CLUSTER, ASKING, READONLY, READWRITE.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("cluster", -2, 0, (0, 0, 0), "cluster", cluster),
    CommandSpec::new("asking", 1, FAST, (0, 0, 0), "cluster", cluster_flag),
    CommandSpec::new(
        "readonly",
        1,
        FAST | LOADING | STALE,
        (0, 0, 0),
        "cluster",
        cluster_flag,
    ),
    CommandSpec::new(
        "readwrite",
        1,
        FAST | LOADING | STALE,
        (0, 0, 0),
        "cluster",
        cluster_flag,
    ),
];
