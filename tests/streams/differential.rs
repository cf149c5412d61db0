//! Generated stream command sequences against emu and a real Redis 7.0.

use crate::server_util::{start, start_real_redis, Raw};

/// A parsed RESP reply (for masking time-dependent values).
#[derive(Clone, Debug, PartialEq, Eq)]
enum T {
    Line(u8, Vec<u8>),
    Bulk(u8, Option<Vec<u8>>),
    Agg(u8, Option<Vec<T>>),
}

fn parse(b: &[u8], at: &mut usize) -> T {
    let tag = b[*at];
    let end = *at + b[*at..].windows(2).position(|w| w == b"\r\n").unwrap();
    let head = b[*at + 1..end].to_vec();
    *at = end + 2;
    match tag {
        b'$' | b'=' | b'!' => {
            let n: i64 = std::str::from_utf8(&head).unwrap().parse().unwrap();
            if n < 0 {
                return T::Bulk(tag, None);
            }
            let body = b[*at..*at + n as usize].to_vec();
            *at += n as usize + 2;
            T::Bulk(tag, Some(body))
        }
        b'*' | b'%' | b'~' | b'>' => {
            let n: i64 = std::str::from_utf8(&head).unwrap().parse().unwrap();
            if n < 0 {
                return T::Agg(tag, None);
            }
            let k = if tag == b'%' { 2 * n } else { n };
            T::Agg(tag, Some((0..k).map(|_| parse(b, at)).collect()))
        }
        _ => T::Line(tag, head),
    }
}

fn masked() -> T {
    T::Line(b'?', b"masked".to_vec())
}

/// Masks values that depend on the wall clock.
fn mask(cmd: &[String], t: T) -> T {
    let name = cmd[0].to_ascii_uppercase();
    let sub = cmd
        .get(1)
        .map(|s| s.to_ascii_uppercase())
        .unwrap_or_default();
    match (name.as_str(), t) {
        // XPENDING extended form: [id, consumer, idle, count].
        ("XPENDING", T::Agg(tag, Some(items))) if cmd.len() > 3 => T::Agg(
            tag,
            Some(
                items
                    .into_iter()
                    .map(|e| match e {
                        T::Agg(t2, Some(mut f)) if f.len() == 4 => {
                            f[2] = masked();
                            T::Agg(t2, Some(f))
                        }
                        other => other,
                    })
                    .collect(),
            ),
        ),
        ("XINFO", t) => mask_info(t, sub == "STREAM" && cmd.len() > 3),
        (_, t) => t,
    }
}

fn mask_info(t: T, full: bool) -> T {
    match t {
        T::Agg(tag, Some(items)) => {
            let mut out = Vec::with_capacity(items.len());
            let mut mask_next = false;
            for it in items {
                if mask_next {
                    out.push(masked());
                    mask_next = false;
                    continue;
                }
                if let T::Bulk(_, Some(k)) = &it {
                    if matches!(k.as_slice(), b"idle" | b"seen-time") {
                        mask_next = true;
                    }
                }
                out.push(match it {
                    // FULL pending entries carry delivery times (unix ms).
                    T::Line(b':', v) if full && v.len() >= 13 => masked(),
                    other => mask_info(other, full),
                });
            }
            T::Agg(tag, Some(out))
        }
        other => other,
    }
}

/// A tiny deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

const KEYS: &[&str] = &["s1", "s2", "s1", "s1", "str"];
const GROUPS: &[&str] = &["g1", "g2", "g1"];
const CONSUMERS: &[&str] = &["c1", "c2", "c3"];

struct Gen {
    rng: Rng,
    ms: u64,
}

impl Gen {
    /// An ID near the ones in use: existing-ish, future, or odd forms.
    fn id(&mut self) -> String {
        match self.rng.below(12) {
            0 => "-".into(),
            1 => "+".into(),
            2 => "0".into(),
            3 => format!("({}-{}", self.rng.below(self.ms + 2), self.rng.below(3)),
            4 => format!("{}", self.rng.below(self.ms + 2)),
            5 => "bad-id".into(),
            _ => format!("{}-{}", self.rng.below(self.ms + 2), self.rng.below(3)),
        }
    }

    fn plain_id(&mut self) -> String {
        format!("{}-{}", self.rng.below(self.ms + 2), self.rng.below(3))
    }

    fn trim(&mut self, out: &mut Vec<String>) {
        let maxlen = self.rng.chance(60);
        out.push(if maxlen { "MAXLEN" } else { "MINID" }.into());
        match self.rng.below(3) {
            0 => out.push("~".into()),
            1 => out.push("=".into()),
            _ => {}
        }
        if maxlen {
            out.push(self.rng.below(30).to_string());
        } else {
            let id = self.plain_id();
            out.push(id);
        }
        if out.iter().any(|w| w == "~") && self.rng.chance(40) {
            out.push("LIMIT".into());
            out.push(self.rng.below(15).to_string());
        }
    }

    fn command(&mut self) -> Vec<String> {
        let key = self.rng.pick(KEYS).to_string();
        let group = self.rng.pick(GROUPS).to_string();
        let consumer = self.rng.pick(CONSUMERS).to_string();
        let w = |s: &str| s.to_string();
        let mut c: Vec<String>;
        match self.rng.below(100) {
            0..=29 => {
                c = vec![w("XADD"), key];
                if self.rng.chance(5) {
                    c.push(w("NOMKSTREAM"));
                }
                if self.rng.chance(20) {
                    self.trim(&mut c);
                }
                // Mostly increasing IDs, sometimes a partial or a stale one.
                if self.rng.chance(70) {
                    self.ms += self.rng.below(3);
                    c.push(format!("{}-{}", self.ms, self.rng.below(4)));
                } else if self.rng.chance(50) {
                    c.push(format!("{}-*", self.ms + self.rng.below(2)));
                } else {
                    let id = self.id();
                    c.push(id);
                }
                let fields = ["f", "g", "f", "h"];
                let n = 1 + self.rng.below(2);
                for i in 0..n {
                    c.push(w(fields[(i as usize + self.rng.below(2) as usize) % 4]));
                    c.push(format!("v{}", self.rng.below(100)));
                }
            }
            30..=35 => {
                c = vec![
                    w(if self.rng.chance(50) {
                        "XRANGE"
                    } else {
                        "XREVRANGE"
                    }),
                    key,
                ];
                c.push(self.id());
                c.push(self.id());
                if self.rng.chance(50) {
                    c.push(w("COUNT"));
                    c.push(self.rng.below(5).to_string());
                }
            }
            36..=40 => {
                c = vec![w("XDEL"), key];
                for _ in 0..1 + self.rng.below(3) {
                    c.push(self.plain_id());
                }
            }
            41..=44 => {
                c = vec![w("XTRIM"), key];
                self.trim(&mut c);
            }
            45..=46 => c = vec![w("XLEN"), key],
            47..=50 => {
                c = vec![w("XREAD")];
                if self.rng.chance(50) {
                    c.push(w("COUNT"));
                    c.push(self.rng.below(4).to_string());
                }
                c.push(w("STREAMS"));
                c.push(w("s1"));
                c.push(w("s2"));
                for _ in 0..2 {
                    let id = if self.rng.chance(30) {
                        w("$")
                    } else {
                        self.plain_id()
                    };
                    c.push(id);
                }
            }
            51..=56 => {
                c = vec![w("XGROUP")];
                match self.rng.below(6) {
                    0 | 1 => {
                        c.extend([w("CREATE"), key, group]);
                        c.push(if self.rng.chance(30) {
                            w("$")
                        } else {
                            self.plain_id()
                        });
                        if self.rng.chance(30) {
                            c.push(w("MKSTREAM"));
                        }
                        if self.rng.chance(20) {
                            c.push(w("ENTRIESREAD"));
                            c.push(self.rng.below(5).to_string());
                        }
                    }
                    2 => {
                        c.extend([w("SETID"), key, group]);
                        c.push(if self.rng.chance(30) {
                            w("$")
                        } else {
                            self.plain_id()
                        });
                        if self.rng.chance(40) {
                            c.push(w("ENTRIESREAD"));
                            c.push(self.rng.below(5).to_string());
                        }
                    }
                    3 => c.extend([w("DESTROY"), key, group]),
                    4 => c.extend([w("CREATECONSUMER"), key, group, consumer]),
                    _ => c.extend([w("DELCONSUMER"), key, group, consumer]),
                }
            }
            57..=68 => {
                c = vec![w("XREADGROUP"), w("GROUP"), group, consumer];
                if self.rng.chance(60) {
                    c.push(w("COUNT"));
                    c.push(self.rng.below(4).to_string());
                }
                if self.rng.chance(15) {
                    c.push(w("NOACK"));
                }
                c.push(w("STREAMS"));
                c.push(key);
                c.push(if self.rng.chance(75) {
                    w(">")
                } else {
                    self.plain_id()
                });
            }
            69..=74 => {
                c = vec![w("XACK"), key, group];
                for _ in 0..1 + self.rng.below(3) {
                    c.push(self.plain_id());
                }
            }
            75..=79 => {
                c = vec![w("XPENDING"), key, group];
                if self.rng.chance(60) {
                    if self.rng.chance(30) {
                        c.extend([w("IDLE"), w("0")]);
                    }
                    c.push(self.id());
                    c.push(self.id());
                    c.push(self.rng.below(5).to_string());
                    if self.rng.chance(40) {
                        c.push(consumer);
                    }
                }
            }
            80..=85 => {
                c = vec![w("XCLAIM"), key, group, consumer];
                c.push(w(if self.rng.chance(80) { "0" } else { "3600000" }));
                for _ in 0..1 + self.rng.below(3) {
                    c.push(self.plain_id());
                }
                if self.rng.chance(30) {
                    c.push(w("JUSTID"));
                }
                if self.rng.chance(20) {
                    c.push(w("FORCE"));
                }
                if self.rng.chance(20) {
                    c.push(w("RETRYCOUNT"));
                    c.push(self.rng.below(9).to_string());
                }
                if self.rng.chance(10) {
                    c.push(w("LASTID"));
                    c.push(self.plain_id());
                }
            }
            86..=89 => {
                c = vec![w("XAUTOCLAIM"), key, group, consumer, w("0"), self.id()];
                if self.rng.chance(50) {
                    c.push(w("COUNT"));
                    c.push((1 + self.rng.below(3)).to_string());
                }
                if self.rng.chance(30) {
                    c.push(w("JUSTID"));
                }
            }
            90..=94 => {
                c = vec![w("XINFO")];
                match self.rng.below(4) {
                    0 => c.extend([w("STREAM"), key]),
                    1 => {
                        c.extend([w("STREAM"), key, w("FULL")]);
                        if self.rng.chance(50) {
                            c.push(w("COUNT"));
                            c.push(self.rng.below(4).to_string());
                        }
                    }
                    2 => c.extend([w("GROUPS"), key]),
                    _ => c.extend([w("CONSUMERS"), key, group]),
                }
            }
            95 => {
                c = vec![w("XSETID"), key, self.plain_id()];
                if self.rng.chance(40) {
                    c.push(w("ENTRIESADDED"));
                    c.push(self.rng.below(40).to_string());
                }
                if self.rng.chance(30) {
                    c.push(w("MAXDELETEDID"));
                    c.push(self.plain_id());
                }
            }
            96 => c = vec![w("TYPE"), key],
            97 => c = vec![w("OBJECT"), w("ENCODING"), key],
            98 => c = vec![w("DEL"), key],
            _ => c = vec![w("SET"), w("str"), w("x")],
        }
        c
    }
}

#[test]
fn generated_stream_sequences_match_real_redis() {
    let Some(real) = start_real_redis("the stream differential test") else {
        return;
    };
    let (_store, srv) = start();
    let scenarios: u64 = std::env::var("EMU_STREAM_SCENARIOS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let mut mismatches = Vec::new();
    let mut compared = 0usize;
    let only: Option<u64> = std::env::var("EMU_STREAM_ONLY")
        .ok()
        .and_then(|s| s.parse().ok());
    for sc in 0..scenarios {
        if only.is_some_and(|o| o != sc) {
            continue;
        }
        let mut r = Raw::connect(real.addr);
        let mut e = Raw::connect(srv.addr().expect("tcp"));
        assert_eq!(r.cmds("FLUSHALL"), b"+OK\r\n");
        assert_eq!(e.cmds("FLUSHALL"), b"+OK\r\n");
        // Small nodes in some scenarios so that `~` trimming and node boundaries matter.
        let node = if sc % 3 == 0 { "100" } else { "4" };
        for x in [&mut r, &mut e] {
            x.cmds(&format!("CONFIG SET stream-node-max-entries {node}"));
            if sc % 2 == 1 {
                x.cmds("HELLO 3");
            }
        }
        let mut g = Gen {
            rng: Rng(0x9E37_79B9_7F4A_7C15 ^ (sc + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)),
            ms: 1,
        };
        for _ in 0..150 {
            let cmd = g.command();
            let argv: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
            let rb = r.cmd(&argv);
            let eb = e.cmd(&argv);
            compared += 1;
            if only.is_some() {
                eprintln!(
                    "{}\n  R {:?}\n  E {:?}",
                    cmd.join(" "),
                    String::from_utf8_lossy(&rb),
                    String::from_utf8_lossy(&eb)
                );
            }
            if rb != eb {
                let (mut i, mut j) = (0, 0);
                let rt = mask(&cmd, parse(&rb, &mut i));
                let et = mask(&cmd, parse(&eb, &mut j));
                if rt != et {
                    mismatches.push(format!(
                        "scenario {sc}: {}\n  redis: {:?}\n  emu:   {:?}",
                        cmd.join(" "),
                        String::from_utf8_lossy(&rb),
                        String::from_utf8_lossy(&eb)
                    ));
                }
            }
        }
        // The whole state must agree at the end of each scenario.
        for key in ["s1", "s2"] {
            for probe in [
                vec!["XRANGE", key, "-", "+"],
                vec!["XINFO", "STREAM", key, "FULL", "COUNT", "0"],
                vec!["XINFO", "GROUPS", key],
            ] {
                let cmd: Vec<String> = probe.iter().map(|s| s.to_string()).collect();
                let argv: Vec<&[u8]> = probe.iter().map(|a| a.as_bytes()).collect();
                let (rb, eb) = (r.cmd(&argv), e.cmd(&argv));
                let (mut i, mut j) = (0, 0);
                if mask(&cmd, parse(&rb, &mut i)) != mask(&cmd, parse(&eb, &mut j)) {
                    mismatches.push(format!(
                        "scenario {sc} final {}\n  redis: {:?}\n  emu:   {:?}",
                        cmd.join(" "),
                        String::from_utf8_lossy(&rb),
                        String::from_utf8_lossy(&eb)
                    ));
                }
            }
        }
    }
    assert!(compared > 1000 || only.is_some());
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// `radix-tree-nodes` (XINFO STREAM) equals Redis's for node sets spread over every byte
/// of the 16-byte node keys (IDs far apart and close together, sequence numbers across
/// byte boundaries) and shaped by appends, deletions of whole nodes and trimming: the whole
/// non-FULL reply is compared byte for byte after every command.
#[test]
fn radix_tree_node_counts_match_real_redis() {
    let Some(real) = start_real_redis("the stream radix-tree test") else {
        return;
    };
    let (_store, srv) = start();
    let mut r = Raw::connect(real.addr);
    let mut e = Raw::connect(srv.addr().expect("tcp"));
    let steps_ms: [u64; 8] = [1, 2, 255, 256, 65_536, 1 << 24, 1 << 32, 1 << 40];
    let seqs: [u64; 6] = [0, 1, 255, 256, 1 << 20, 1 << 40];
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for sc in 0..24u64 {
        let mut rng = Rng(0xA076_1D64_78BD_642F ^ (sc + 1).wrapping_mul(0xE703_7ED1_A0B4_28DB));
        let node = 1 + sc % 3;
        for x in [&mut r, &mut e] {
            assert_eq!(x.cmds("FLUSHALL"), b"+OK\r\n");
            x.cmds(&format!("CONFIG SET stream-node-max-entries {node}"));
        }
        let mut ms = rng.below(1 << 20);
        let mut ids: Vec<String> = Vec::new();
        for _ in 0..120 {
            let cmd: Vec<String> = match rng.below(10) {
                0..=5 => {
                    ms += steps_ms[rng.below(steps_ms.len() as u64) as usize];
                    let id = format!("{ms}-{}", seqs[rng.below(seqs.len() as u64) as usize]);
                    ids.push(id.clone());
                    ["XADD", "s", &id, "f", "v"].map(String::from).to_vec()
                }
                6 | 7 if !ids.is_empty() => {
                    let id = ids[rng.below(ids.len() as u64) as usize].clone();
                    ["XDEL", "s", &id].map(String::from).to_vec()
                }
                8 if !ids.is_empty() => {
                    let id = ids[rng.below(ids.len() as u64) as usize].clone();
                    ["XTRIM", "s", "MINID", &id].map(String::from).to_vec()
                }
                _ => {
                    let n = rng.below(40).to_string();
                    ["XTRIM", "s", "MAXLEN", "~", &n].map(String::from).to_vec()
                }
            };
            let argv: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
            let (rb, eb) = (r.cmd(&argv), e.cmd(&argv));
            assert_eq!(rb, eb, "scenario {sc}: {}", cmd.join(" "));
            let info: [&[u8]; 3] = [b"XINFO", b"STREAM", b"s"];
            let (rb, eb) = (r.cmd(&info), e.cmd(&info));
            compared += 1;
            if rb != eb {
                mismatches.push(format!(
                    "scenario {sc} after {}\n  redis: {:?}\n  emu:   {:?}",
                    cmd.join(" "),
                    String::from_utf8_lossy(&rb),
                    String::from_utf8_lossy(&eb)
                ));
            }
        }
    }
    assert!(compared > 2000);
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
