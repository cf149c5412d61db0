//! Server lifecycle and the master's replication commands: SHUTDOWN, ROLE, WAIT, LOLWUT.
//!
//! emu is always a master. ROLE lists the replicas attached with SYNC/PSYNC (see
//! `crate::rdb::master` and [`crate::engine::repl`]) with their acknowledged offsets; WAIT
//! blocks (through [`crate::blocking`], on a pseudo-key every REPLCONF ACK signals) until
//! enough replicas acknowledged the client's last write, or the timeout, as Redis 7.0's
//! `waitCommand`: it asks the replicas with `REPLCONF GETACK *` when it blocks.
//!
//! # SHUTDOWN
//!
//! `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]` with Redis 7.0's argument errors. On a
//! network server (`emu serve`, or [`crate::server::Server`]) it saves a durable store (a
//! snapshot that compacts the log) unless NOSAVE is given, then stops the server the way
//! SIGTERM does: the connection is closed without a reply, as Redis closes it, and `emu
//! serve` exits 0. A failed save answers `ERR Errors trying to SHUTDOWN. Check logs.` and
//! the server keeps running, unless FORCE is given. NOW is accepted and changes nothing
//! (there are no replicas to wait for); for the same reason no shutdown is ever in
//! progress, so ABORT answers `ERR No shutdown in progress.`
//!
//! # Known differences from Redis
//!
//! * Without `--dir` there is nothing to save: `SHUTDOWN SAVE` stops the server at once
//!   (Redis would write `dump.rdb` in its working directory; emu's memory-only store has no
//!   file, as its SAVE does nothing either).
//! * The default SHUTDOWN of a durable store takes a snapshot; Redis takes one only when
//!   save points are configured (it flushes its AOF in any case, as emu's log is).
//! * An embedded store (no network server) refuses SHUTDOWN with
//!   `ERR SHUTDOWN is not supported by an embedded store: drop its handles to close it`
//!   — Redis has no embedded case, and stopping the application's process from a command
//!   is not something a library should do.
//! * A server started in-process without signal handling stops, but does not raise the
//!   process-wide [`crate::util::shutdown`] flag (other stores of the process keep running).
//! * LOLWUT VERSION 5 and 6 draw their pictures with emu's own random numbers (Redis uses
//!   libc's `rand()`), so the squares' jitter differs; the reply's shape (size, caption)
//!   is Redis's.

use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

use super::REDIS_VERSION;

/// # Format
/// `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]`
fn shutdown(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (mut nosave, mut save, mut force, mut abort, mut other) =
        (false, false, false, false, false);
    for a in &argv[1..] {
        if eq_ic(a, "nosave") {
            nosave = true;
        } else if eq_ic(a, "save") {
            save = true;
        } else if eq_ic(a, "now") {
            other = true;
        } else if eq_ic(a, "force") {
            force = true;
        } else if eq_ic(a, "abort") {
            abort = true;
        } else {
            return Err(Error::syntax());
        }
    }
    if (abort && (nosave || save || force || other)) || (nosave && save) {
        return Err(Error::syntax());
    }
    if abort {
        return Err(Error::err("No shutdown in progress."));
    }
    let Some(link) = ctx.session.link.clone() else {
        return Err(Error::err(
            "SHUTDOWN is not supported by an embedded store: drop its handles to close it",
        ));
    };
    match link.server.shutdown(ctx.store, !nosave) {
        Ok(true) => {}
        Ok(false) => {
            return Err(Error::err(
                "SHUTDOWN is not supported by this server: stop it from the application",
            ))
        }
        Err(_) if force => {
            // FORCE: stop even though the save failed (as Redis ignores the error).
            link.server
                .shutdown(ctx.store, false)
                .map_err(|_| shutdown_failed())?;
        }
        Err(_) => return Err(shutdown_failed()),
    }
    // Redis exits without replying: the client sees the connection close.
    ctx.session.close_after_reply = true;
    Ok(crate::pubsub::no_reply())
}

fn shutdown_failed() -> Error {
    Error::err("Errors trying to SHUTDOWN. Check logs.")
}

/// # Format
/// `ROLE`
fn role(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let repl = &ctx.store.repl;
    if let Some(f) = &repl.follow {
        // Redis: the offset of the master client, -1 while there is none.
        let offset = match (f.phase, f.offset) {
            (crate::engine::repl::FollowPhase::Connected, Some(o)) => o as i64,
            _ => -1,
        };
        return Ok(Value::Array(vec![
            Value::bulk("slave"),
            Value::bulk(f.host.clone()),
            Value::Int(i64::from(f.port)),
            Value::bulk(f.phase.name()),
            Value::Int(offset),
        ]));
    }
    let replicas = repl
        .replicas
        .iter()
        .filter_map(|r| {
            let st = r.state();
            // Redis lists replicas past the RDB transfer (`wait_bgsave` ones are left out).
            if st.closed.is_some() || st.phase != crate::engine::repl::Phase::Online {
                return None;
            }
            let ip = st.announced_ip.clone().unwrap_or_else(|| r.ip.clone());
            Some(Value::Array(vec![
                Value::bulk(ip),
                Value::bulk(st.listening_port.to_string()),
                Value::bulk(st.ack_offset.to_string()),
            ]))
        })
        .collect();
    Ok(Value::Array(vec![
        Value::bulk("master"),
        Value::Int(repl.offset as i64),
        Value::Array(replicas),
    ]))
}

/// # Format
/// `WAIT numreplicas timeout`
fn wait(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let wanted = parse_i64(argv[1]).ok_or_else(Error::not_integer)?;
    let timeout = parse_i64(argv[2])
        .ok_or_else(|| Error::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(Error::err("timeout is negative"));
    }
    let acked = ctx.store.repl.acked(ctx.session.woff) as i64;
    if acked >= wanted || ctx.session.in_multi {
        return Ok(Value::Int(acked));
    }
    // A re-run on an ACK keeps the first deadline (the waiter stays registered).
    let deadline = (timeout > 0)
        .then(|| std::time::Instant::now() + std::time::Duration::from_millis(timeout as u64));
    let mut req =
        crate::blocking::BlockRequest::new(vec![crate::engine::repl::WAIT_KEY.to_vec()], deadline);
    req.wake_on_delete = true;
    req.timeout_int = Some(acked);
    ctx.session.block = Some(req);
    ctx.store.repl.getack_pending = true;
    Ok(Value::Nil)
}

/// # Format
/// `LOLWUT [VERSION version] [version-specific arguments]`
fn lolwut(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut major = REDIS_VERSION
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(7);
    let mut minor_nine = false;
    let mut args = &argv[1..];
    if argv.len() >= 3 && eq_ic(argv[1], "version") {
        let v = parse_i64(argv[2]).ok_or_else(Error::not_integer)?;
        // Redis formats the version as "%u.0.0" of the (unsigned int) cast.
        major = v as u32;
        minor_nine = false;
        args = &argv[3..];
    }
    // Redis picks by the version string's first characters: "5." (not "5.9") or "4.9"
    // draws version 5's piece, "6." or "5.9" version 6's. Only "N.0.0" reaches here
    // from VERSION, and 7.0.15 otherwise.
    let text = match (major, minor_nine) {
        (5, false) => lolwut5(ctx, args)?,
        (6, false) => lolwut6(ctx, args)?,
        _ => format!("Redis ver. {REDIS_VERSION}\n"),
    };
    Ok(Value::Verbatim("txt".into(), text.into_bytes()))
}

/// A canvas of on/off pixels (LOLWUT 5) or grey levels 0..=3 (LOLWUT 6).
struct Canvas {
    width: i32,
    height: i32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: i32, height: i32, bg: u8) -> Canvas {
        let n = (width.max(0) as usize).saturating_mul(height.max(0) as usize);
        Canvas {
            width,
            height,
            pixels: vec![bg; n],
        }
    }

    fn set(&mut self, x: i32, y: i32, c: u8) {
        if x >= 0 && y >= 0 && x < self.width && y < self.height {
            self.pixels[(x + y * self.width) as usize] = c;
        }
    }

    fn get(&self, x: i32, y: i32) -> u8 {
        if x >= 0 && y >= 0 && x < self.width && y < self.height {
            self.pixels[(x + y * self.width) as usize]
        } else {
            0
        }
    }

    /// Bresenham's line.
    fn line(&mut self, mut x1: i32, mut y1: i32, x2: i32, y2: i32, c: u8) {
        let dx = (x2 - x1).abs();
        let dy = (y2 - y1).abs();
        let sx = if x1 < x2 { 1 } else { -1 };
        let sy = if y1 < y2 { 1 } else { -1 };
        let mut err = dx - dy;
        loop {
            self.set(x1, y1, c);
            if x1 == x2 && y1 == y2 {
                break;
            }
            let e2 = err * 2;
            if e2 > -dy {
                err -= dy;
                x1 += sx;
            }
            if e2 < dx {
                err += dx;
                y1 += sy;
            }
        }
    }

    /// A square of side `size` centred on (x, y), rotated by `angle` radians.
    fn square(&mut self, x: i32, y: i32, size: f32, angle: f32, c: u8) {
        let size = (size / std::f32::consts::SQRT_2).round();
        let mut k = std::f32::consts::FRAC_PI_4 + angle;
        let mut p = [(0i32, 0i32); 4];
        for pt in &mut p {
            *pt = (
                (k.sin() * size + x as f32).round() as i32,
                (k.cos() * size + y as f32).round() as i32,
            );
            k += std::f32::consts::FRAC_PI_2;
        }
        for j in 0..4 {
            let (a, b) = (p[j], p[(j + 1) % 4]);
            self.line(a.0, a.1, b.0, b.1, c);
        }
    }

    /// Braille rendering: each character shows a 2x4 block of pixels.
    fn render_braille(&self) -> String {
        let mut out = String::new();
        let mut y = 0;
        while y < self.height {
            let mut x = 0;
            while x < self.width {
                let bits = [
                    (x, y),
                    (x, y + 1),
                    (x, y + 2),
                    (x + 1, y),
                    (x + 1, y + 1),
                    (x + 1, y + 2),
                    (x, y + 3),
                    (x + 1, y + 3),
                ];
                let mut byte = 0u32;
                for (i, (px, py)) in bits.iter().enumerate() {
                    if self.get(*px, *py) != 0 {
                        byte |= 1 << i;
                    }
                }
                out.push(char::from_u32(0x2800 + byte).unwrap_or(' '));
                x += 2;
            }
            if y != self.height - 1 {
                out.push('\n');
            }
            y += 4;
        }
        out
    }
}

/// An integer argument of LOLWUT 5/6 (`getLongFromObjectOrReply`).
fn long_arg(args: &[&[u8]], i: usize, default: i64) -> Result<i64> {
    match args.get(i) {
        Some(a) => parse_i64(a).ok_or_else(Error::not_integer),
        None => Ok(default),
    }
}

/// A uniform float in [0, 1] from the store's RNG (Redis: `rand() / RAND_MAX`).
fn unit(ctx: &mut Ctx) -> f32 {
    (ctx.store.rng.below(1 << 24) as f32) / ((1 << 24) - 1) as f32
}

/// LOLWUT 5: Georg Nees's "Schotter" in Braille characters.
/// `[cols] [squares-per-row] [squares-per-col]`, 66 / 8 / 12 by default, clamped to
/// 1..=1000, 1..=200 and 1..=200 as Redis clamps them.
fn lolwut5(ctx: &mut Ctx, args: &[&[u8]]) -> Result<String> {
    let cols = long_arg(args, 0, 66)?.clamp(1, 1000) as i32;
    let per_row = long_arg(args, 1, 8)?.clamp(1, 200) as i32;
    let per_col = long_arg(args, 2, 12)?.clamp(1, 200) as i32;
    let width = cols * 2;
    let padding = if width > 4 { 2 } else { 0 };
    let side = (width - padding * 2) as f32 / per_row as f32;
    let height = (side * per_col as f32) as i32 + padding * 2;
    let mut canvas = Canvas::new(width, height, 0);
    for y in 0..per_col {
        for x in 0..per_row {
            let mut sx = (x as f32 * side + side / 2.0 + padding as f32) as i32;
            let mut sy = (y as f32 * side + side / 2.0 + padding as f32) as i32;
            let mut angle = 0.0;
            if y > 1 {
                let mut r = [0f32; 3];
                for v in &mut r {
                    *v = unit(ctx) / per_col as f32 * y as f32;
                }
                for v in &mut r {
                    if ctx.store.rng.below(2) == 1 {
                        *v = -*v;
                    }
                }
                angle = r[0];
                sx += (r[1] * side / 3.0) as i32;
                sy += (r[2] * side / 3.0) as i32;
            }
            canvas.square(sx, sy, side, angle, 1);
        }
    }
    let mut text = canvas.render_braille();
    text.push_str(&format!(
        "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. {REDIS_VERSION}\n"
    ));
    Ok(text)
}

/// LOLWUT 6: a city skyline in grey levels, each pixel drawn as a coloured space.
/// `[cols] [rows]`, 80 / 20 by default, clamped to 1..=1000.
fn lolwut6(ctx: &mut Ctx, args: &[&[u8]]) -> Result<String> {
    let cols = long_arg(args, 0, 80)?.clamp(1, 1000) as i32;
    let rows = long_arg(args, 1, 20)?.clamp(1, 1000) as i32;
    // A white sky; three layers of buildings, lighter far away, black near.
    let mut canvas = Canvas::new(cols, rows, 3);
    for (layer, colour) in [(0i32, 2u8), (1, 1), (2, 0)] {
        let mut x = 0;
        while x < cols {
            let w = 3 + ctx.store.rng.below(6) as i32;
            let h = (rows / 4
                + layer * rows / 6
                + ctx.store.rng.below((rows / 3).max(1) as u64) as i32)
                .min(rows);
            for bx in x..(x + w).min(cols) {
                for by in (rows - h)..rows {
                    canvas.set(bx, by, colour);
                }
            }
            x += w + 1 + ctx.store.rng.below(3) as i32;
        }
    }
    let mut text = String::new();
    for y in 0..rows {
        for x in 0..cols {
            let (fg, bg) = match canvas.get(x, y) {
                0 => (30, 40),
                1 => (90, 100),
                2 => (37, 47),
                _ => (97, 107),
            };
            text.push_str(&format!("\x1b[0;{fg};{bg}m \x1b[0m"));
        }
        text.push('\n');
    }
    text.push_str("Dedicated to the 8 bit game developers of past and present.\n");
    text.push_str(&format!(
        "Original 8 bit image from Plaguemon by hikikomori. Redis ver. {REDIS_VERSION}\n"
    ));
    Ok(text)
}

/// SHUTDOWN, ROLE, WAIT, LOLWUT.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        (0, 0, 0),
        "server",
        shutdown,
    ),
    CommandSpec::new(
        "role",
        1,
        NOSCRIPT | LOADING | STALE | FAST,
        (0, 0, 0),
        "server",
        role,
    ),
    CommandSpec::new("wait", 3, NOSCRIPT, (0, 0, 0), "generic", wait),
    CommandSpec::new("lolwut", -1, READONLY | FAST, (0, 0, 0), "server", lolwut),
];
