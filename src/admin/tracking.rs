//! CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO (Redis `networking.c`
//! `clientCommand`): the options and their errors, word for word. The tracking state and
//! the invalidations themselves are in [`crate::pubsub::tracking`].

use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::pubsub::tracking::Options;
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

/// Turns tracking off for the caller (CLIENT TRACKING OFF, RESET).
pub fn disable(ctx: &mut Ctx) {
    ctx.store.tracking.disable(ctx.session.id);
}

/// Redis `checkPrefixCollisionsOrReply`'s test: one is a prefix of the other.
fn overlap(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// # Format
/// `CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p …] [OPTIN] [OPTOUT] [NOLOOP]`
pub fn client_tracking(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut redirect: i64 = 0;
    let mut opts = Options::default();
    let mut prefixes: Vec<&[u8]> = Vec::new();
    let mut j = 3;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let a = argv[j];
        if eq_ic(a, "redirect") && more > 0 {
            j += 1;
            if redirect != 0 {
                return Err(Error::err(
                    "A client can only redirect to a single other client",
                ));
            }
            redirect = parse_i64(argv[j]).ok_or_else(Error::not_integer)?;
            let exists = u64::try_from(redirect).is_ok_and(|id| {
                id != 0 && (id == ctx.session.id || ctx.store.tracking.peer_exists(id))
            });
            if !exists {
                return Err(Error::err(
                    "The client ID you want redirect to does not exist",
                ));
            }
        } else if eq_ic(a, "bcast") {
            opts.bcast = true;
        } else if eq_ic(a, "optin") {
            opts.optin = true;
        } else if eq_ic(a, "optout") {
            opts.optout = true;
        } else if eq_ic(a, "noloop") {
            opts.noloop = true;
        } else if eq_ic(a, "prefix") && more > 0 {
            j += 1;
            prefixes.push(argv[j]);
        } else {
            return Err(Error::syntax());
        }
        j += 1;
    }
    let id = ctx.session.id;
    if eq_ic(argv[2], "on") {
        if !opts.bcast && !prefixes.is_empty() {
            return Err(Error::err(
                "PREFIX option requires BCAST mode to be enabled",
            ));
        }
        let current = ctx.store.tracking.get(id).map(|t| t.options.clone());
        if let Some(cur) = &current {
            if cur.bcast != opts.bcast {
                return Err(Error::err(
                    "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
                ));
            }
        }
        if opts.bcast && (opts.optin || opts.optout) {
            return Err(Error::err("OPTIN and OPTOUT are not compatible with BCAST"));
        }
        if opts.optin && opts.optout {
            return Err(Error::err(
                "You can't specify both OPTIN mode and OPTOUT mode",
            ));
        }
        if let Some(cur) = &current {
            if (opts.optin && cur.optout) || (opts.optout && cur.optin) {
                return Err(Error::err(
                    "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
                ));
            }
        }
        if opts.bcast {
            let existing = ctx.store.tracking.prefixes_of(id);
            for (i, p) in prefixes.iter().enumerate() {
                if let Some(e) = existing.iter().find(|e| overlap(e, p)) {
                    return Err(Error::err(format!(
                        "Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                        String::from_utf8_lossy(p),
                        String::from_utf8_lossy(e)
                    )));
                }
                if let Some(q) = prefixes[i + 1..].iter().find(|q| overlap(p, q)) {
                    return Err(Error::err(format!(
                        "Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                        String::from_utf8_lossy(p),
                        String::from_utf8_lossy(q)
                    )));
                }
            }
        }
        let mb = crate::pubsub::mailbox_of(ctx.session);
        mb.set_resp(ctx.session.resp);
        ctx.store
            .tracking
            .enable(&mb, redirect as u64, opts, &prefixes);
    } else if eq_ic(argv[2], "off") {
        disable(ctx);
    } else {
        return Err(Error::syntax());
    }
    Ok(Value::ok())
}

/// # Format
/// `CLIENT CACHING YES|NO`
pub fn client_caching(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let id = ctx.session.id;
    let Some(t) = ctx.store.tracking.get(id) else {
        return Err(Error::err(
            "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        ));
    };
    if eq_ic(argv[2], "yes") {
        if !t.options.optin {
            return Err(Error::err(
                "CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
    } else if eq_ic(argv[2], "no") {
        if !t.options.optout {
            return Err(Error::err(
                "CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
    } else {
        return Err(Error::syntax());
    }
    ctx.store.tracking.set_caching(id);
    Ok(Value::ok())
}

/// # Format
/// `CLIENT GETREDIR`
pub fn client_getredir(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(
        ctx.store
            .tracking
            .get(ctx.session.id)
            .map_or(-1, |t| t.redirect as i64),
    ))
}

/// # Format
/// `CLIENT TRACKINGINFO`
pub fn client_trackinginfo(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let t = ctx.store.tracking.get(ctx.session.id);
    let mut flags = vec![Value::bulk(if t.is_some() { "on" } else { "off" })];
    let mut redirect = -1;
    let mut prefixes = Vec::new();
    if let Some(t) = t {
        let o = &t.options;
        if o.bcast {
            flags.push(Value::bulk("bcast"));
        }
        if o.optin {
            flags.push(Value::bulk("optin"));
            if t.caching {
                flags.push(Value::bulk("caching-yes"));
            }
        }
        if o.optout {
            flags.push(Value::bulk("optout"));
            if t.caching {
                flags.push(Value::bulk("caching-no"));
            }
        }
        if o.noloop {
            flags.push(Value::bulk("noloop"));
        }
        if t.broken_redirect {
            flags.push(Value::bulk("broken_redirect"));
        }
        redirect = t.redirect as i64;
        prefixes = t.prefixes.iter().map(Value::bulk).collect();
    }
    Ok(Value::Map(vec![
        (Value::bulk("flags"), Value::Set(flags)),
        (Value::bulk("redirect"), Value::Int(redirect)),
        (Value::bulk("prefixes"), Value::Array(prefixes)),
    ]))
}

/// INFO `tracking_clients`, `tracking_total_keys`, `tracking_total_items`,
/// `tracking_total_prefixes` (for the INFO section that reports them).
pub fn info_fields(store: &crate::engine::Store) -> [(&'static str, usize); 4] {
    let t = &store.tracking;
    [
        ("tracking_clients", t.clients()),
        ("tracking_total_keys", t.total_keys()),
        ("tracking_total_items", t.total_items()),
        ("tracking_total_prefixes", t.total_prefixes()),
    ]
}
