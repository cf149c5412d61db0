//! Scripts against a real redis-server and `emu serve`, replies compared byte for byte in
//! RESP2 and RESP3: a corpus of real-world scripts (lock release/extend, rate limiters,
//! compare-and-set, a queue's move-to-active, idempotency keys), the conversions, the
//! `redis.*` API and the error cases (texts carry the script's SHA1 and line).

use crate::server_util::{start, start_real_redis, Raw};

const LOCK_RELEASE: &str = "
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        redis.call('del', KEYS[1])
        return 1
    ";

const LOCK_EXTEND: &str = "
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        local expiration = redis.call('pttl', KEYS[1])
        if not expiration then
            expiration = 0
        end
        if expiration < 0 then
            return 0
        end

        local newttl = ARGV[2]
        if ARGV[3] == \"0\" then
            newttl = ARGV[2] + expiration
        end
        if tonumber(newttl) <= 0 then
            return 1
        end
        redis.call('pexpire', KEYS[1], newttl)
        return 1
    ";

const FIXED_WINDOW: &str = "
local current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
if current > tonumber(ARGV[2]) then
  return {0, current}
end
return {1, current}";

const SLIDING_WINDOW: &str = "
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return {1, limit - count - 1}
end
return {0, 0}";

const TOKEN_BUCKET: &str = "
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local requested = tonumber(ARGV[4])
local data = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(data[1])
if tokens == nil then tokens = capacity end
local ts = tonumber(data[2])
if ts == nil then ts = now end
local delta = math.max(0, now - ts)
local filled = math.min(capacity, tokens + delta * rate)
local allowed = filled >= requested
local new_tokens = filled
if allowed then new_tokens = filled - requested end
redis.call('HSET', key, 'tokens', new_tokens, 'ts', now)
redis.call('PEXPIRE', key, 60000)
return {allowed and 1 or 0, tostring(new_tokens)}";

const CAS: &str = "
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] or (cur == false and ARGV[1] == '') then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0";

const MOVE_TO_ACTIVE: &str = "
local jobId = redis.call('RPOPLPUSH', KEYS[1], KEYS[2])
if jobId then
  local jobKey = ARGV[1] .. jobId
  redis.call('HSET', jobKey, 'processedOn', ARGV[2], 'lockToken', ARGV[3])
  redis.call('SET', jobKey .. ':lock', ARGV[3], 'PX', ARGV[4])
  redis.call('ZREM', KEYS[3], jobId)
  return {jobId, redis.call('HGET', jobKey, 'data')}
end
return {}";

const IDEMPOTENT: &str = "
local set = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if set then return {'new', ARGV[1]} end
return {'existing', redis.call('GET', KEYS[1])}";

/// One case: the commands sent in order, each a word list.
fn cases() -> Vec<Vec<Vec<String>>> {
    fn cmd(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }
    fn eval(script: &str, keys: &[&str], args: &[&str]) -> Vec<String> {
        let mut v = vec![
            "EVAL".to_string(),
            script.to_string(),
            keys.len().to_string(),
        ];
        v.extend(keys.iter().map(|s| s.to_string()));
        v.extend(args.iter().map(|s| s.to_string()));
        v
    }
    let simple = |s: &str| vec![eval(s, &[], &[])];
    let mut out = vec![
        // Locks (redis-py's scripts).
        vec![
            cmd(&["SET", "lock", "tok", "PX", "10000"]),
            eval(LOCK_RELEASE, &["lock"], &["other"]),
            eval(LOCK_EXTEND, &["lock"], &["tok", "5000", "1"]),
            eval(LOCK_EXTEND, &["lock"], &["other", "5000", "1"]),
            eval(LOCK_RELEASE, &["lock"], &["tok"]),
            cmd(&["EXISTS", "lock"]),
            eval(LOCK_RELEASE, &["lock"], &["tok"]),
            eval(LOCK_EXTEND, &["lock"], &["tok", "5000", "0"]),
        ],
        // Rate limiters.
        vec![
            eval(FIXED_WINDOW, &["rl"], &["60", "2"]),
            eval(FIXED_WINDOW, &["rl"], &["60", "2"]),
            eval(FIXED_WINDOW, &["rl"], &["60", "2"]),
            cmd(&["TTL", "rl"]),
        ],
        vec![
            eval(SLIDING_WINDOW, &["sw"], &["1000", "100", "2", "a"]),
            eval(SLIDING_WINDOW, &["sw"], &["1010", "100", "2", "b"]),
            eval(SLIDING_WINDOW, &["sw"], &["1020", "100", "2", "c"]),
            eval(SLIDING_WINDOW, &["sw"], &["1200", "100", "2", "d"]),
            cmd(&["ZRANGE", "sw", "0", "-1", "WITHSCORES"]),
        ],
        vec![
            eval(TOKEN_BUCKET, &["tb"], &["0.5", "3", "100", "2"]),
            eval(TOKEN_BUCKET, &["tb"], &["0.5", "3", "101", "2"]),
            eval(TOKEN_BUCKET, &["tb"], &["0.5", "3", "105", "2"]),
            cmd(&["HGETALL", "tb"]),
        ],
        // Compare-and-set, queue, idempotency.
        vec![
            eval(CAS, &["cas"], &["", "v1"]),
            eval(CAS, &["cas"], &["", "v2"]),
            eval(CAS, &["cas"], &["v1", "v2"]),
            cmd(&["GET", "cas"]),
        ],
        vec![
            cmd(&["LPUSH", "wait", "1", "2"]),
            cmd(&["HSET", "job:1", "data", "{\"x\":1}"]),
            cmd(&["ZADD", "prio", "1", "1", "2", "2"]),
            eval(MOVE_TO_ACTIVE, &["wait", "active", "prio"], &["job:", "123", "lk", "30000"]),
            eval(MOVE_TO_ACTIVE, &["wait", "active", "prio"], &["job:", "124", "lk", "30000"]),
            eval(MOVE_TO_ACTIVE, &["wait", "active", "prio"], &["job:", "125", "lk", "30000"]),
            cmd(&["LRANGE", "active", "0", "-1"]),
            cmd(&["ZRANGE", "prio", "0", "-1"]),
            cmd(&["HGETALL", "job:1"]),
        ],
        vec![
            eval(IDEMPOTENT, &["idem"], &["r1", "10000"]),
            eval(IDEMPOTENT, &["idem"], &["r2", "10000"]),
        ],
        // EVALSHA, SCRIPT.
        vec![
            cmd(&["SCRIPT", "LOAD", "return {KEYS[1], ARGV[1]}"]),
            cmd(&["EVALSHA", "ea4b6bb7b1a8c7eb0bf1b7a4d7b8d1cf0c4b3c8c", "0"]),
            cmd(&["SCRIPT", "EXISTS", "a", "b"]),
            cmd(&["SCRIPT", "FLUSH", "SYNC"]),
            cmd(&["SCRIPT", "FLUSH", "nope"]),
            cmd(&["SCRIPT", "KILL"]),
            cmd(&["SCRIPT", "HELP"]),
            cmd(&["SCRIPT", "NOPE"]),
            cmd(&["SCRIPT", "EXISTS"]),
            cmd(&["SCRIPT", "LOAD", "return ("]),
            cmd(&["EVAL", "return 1"]),
            cmd(&["EVAL", "return 1", "-1"]),
            cmd(&["EVAL", "return 1", "2", "a"]),
            cmd(&["EVAL", "return 1", "x"]),
            cmd(&["EVALSHA", "nosuch", "0"]),
        ],
        // Keys, args, numbers.
        vec![
            eval("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", &["k1", "k2"], &["a1", "a2"]),
            eval("return redis.call('set', KEYS[1], 3.5)", &["n"], &[]),
            eval("return redis.call('get', KEYS[1])", &["n"], &[]),
            eval("return redis.call('set', KEYS[1], 1/3)", &["n"], &[]),
            eval("return redis.call('get', KEYS[1])", &["n"], &[]),
            eval("return redis.call('incrbyfloat', KEYS[1], 1.5)", &["n"], &[]),
            eval("return redis.call('set', KEYS[1], 100000000000000000000)", &["n"], &[]),
            eval("return redis.call('get', KEYS[1])", &["n"], &[]),
        ],
        // Shebangs and read-only.
        vec![
            eval("#!lua flags=no-writes\nreturn redis.call('get', 'x')", &[], &[]),
            eval("#!lua flags=no-writes\nreturn redis.call('set', 'x', 1)", &[], &[]),
            eval("#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1", &[], &[]),
            eval("#!lua\nreturn redis.call('set', 'x', 1)", &[], &[]),
            eval("#!lua flags=bad\nreturn 1", &[], &[]),
            eval("#!lua foo=bar\nreturn 1", &[], &[]),
            eval("#!notlua\nreturn 1", &[], &[]),
            eval("#!lua", &[], &[]),
            cmd(&["EVAL_RO", "return redis.call('set', 'x', 1)", "0"]),
            cmd(&["EVAL_RO", "return redis.call('get', 'x')", "0"]),
            cmd(&["EVAL_RO", "#!lua\nreturn 1", "0"]),
            cmd(&["EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"]),
        ],
        // SELECT inside a script stays inside.
        vec![
            eval("redis.call('select', 1); return redis.call('set', 'indb1', 'x')", &[], &[]),
            cmd(&["EXISTS", "indb1"]),
            cmd(&["SELECT", "1"]),
            cmd(&["GET", "indb1"]),
            cmd(&["SELECT", "0"]),
        ],
        // Type conversions.
        simple("return {1, 2, 3, 'x', nil, 4}"),
        simple("return 3.99"),
        simple("return -3.99"),
        simple("return true"),
        simple("return false"),
        simple("return nil"),
        simple("return {1, {ok='fine'}, {err='bad'}, 2.9, -2.9, true, false}"),
        simple("return {double=3.5}"),
        simple("return {map={a=1}}"),
        simple("return {set={a=true}}"),
        simple("return {ok='x'}"),
        simple("return {err='My err'}"),
        simple("return {err='My\\r\\nerr'}"),
        simple("return {1, 'two', {3, {4}}}"),
        simple("local t = {} ; t[1] = 'a'; t[3] = 'c'; return t"),
        simple("return math.huge"),
        simple("return redis.status_reply('FINE')"),
        simple("return redis.error_reply('My err')"),
        simple("return redis.error_reply('oops')"),
        simple("return redis.error_reply('-CODE with code')"),
        simple("return redis.status_reply(5)"),
        simple("return redis.error_reply()"),
        simple("return redis.sha1hex('abc')"),
        simple("return redis.sha1hex(12)"),
        simple("return redis.sha1hex()"),
        simple("return redis.REDIS_VERSION .. ' ' .. redis.REDIS_VERSION_NUM"),
        simple("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"),
        simple("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}"),
        simple("return redis.log(redis.LOG_WARNING, 'hello', 'world')"),
        simple("return redis.log(9, 'hello')"),
        simple("return redis.log('x')"),
        simple("return redis.log({}, 'x')"),
        simple("return redis.set_repl(7)"),
        simple("return redis.set_repl()"),
        simple("return redis.set_repl(redis.REPL_ALL)"),
        simple("return redis.replicate_commands()"),
        simple("return redis.breakpoint()"),
        simple("return redis.setresp(4)"),
        simple("return redis.setresp()"),
        simple("return redis.acl_check_cmd('get', 'x')"),
        simple("return redis.acl_check_cmd('nosuch')"),
        simple("return redis.acl_check_cmd()"),
        // RESP3 inside the script.
        vec![
            cmd(&["HSET", "h", "f1", "v1"]),
            cmd(&["SADD", "s", "m"]),
            cmd(&["ZADD", "z", "1.5", "a"]),
            eval("redis.setresp(3); local r = redis.call('hgetall', KEYS[1]); return r.map.f1", &["h"], &[]),
            eval("redis.setresp(3); return redis.call('hgetall', KEYS[1])", &["h"], &[]),
            eval("redis.setresp(3); return redis.call('smembers', KEYS[1])", &["s"], &[]),
            eval("redis.setresp(3); return redis.call('zscore', KEYS[1], 'a')", &["z"], &[]),
            eval("return redis.call('zscore', KEYS[1], 'a')", &["z"], &[]),
            eval("redis.setresp(3); return redis.call('get', 'nokey') == nil", &[], &[]),
            eval("return redis.call('get', 'nokey') == false", &[], &[]),
            eval("redis.setresp(3); return {true, false}", &[], &[]),
            eval("redis.setresp(3); return redis.call('exists', 'h')", &[], &[]),
            eval("return redis.call('hgetall', KEYS[1])", &["h"], &[]),
        ],
        // Errors, with the script's line.
        simple("return redis.call('nosuch')"),
        simple("return redis.call('get')"),
        simple("\n\nerror('boom')"),
        simple("x = 1"),
        simple("return y"),
        simple("return redis.call('multi')"),
        simple("return redis.call('blpop', 'l', 0)"),
        simple("return redis.call('eval', 'return 1', 0)"),
        simple("return redis.call({})"),
        simple("return redis.call()"),
        simple("return redis.call('get', {})"),
        simple("return redis.call('get', nil)"),
        simple("error({err='X y'})"),
        simple("error({err='X y'}, 2)"),
        simple("error()"),
        simple("error(12)"),
        simple("return {1,2"),
        simple("return 'a' .. nil"),
        simple("local f = function()\n  error('deep')\nend\n\nf()"),
        simple("local t = nil\nreturn t.x"),
        simple("local function f() return 1 + f() end return f()"),
        simple("local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(100000)"),
        simple("return #string.rep('x', 1000000)"),
        simple("return math.random(0)"),
        simple("return math.random('a')"),
        simple("return math.random(1, 2, 3)"),
        simple("return math.random(5, 1)"),
        simple("redis.call = nil"),
        simple("_G.x = 1"),
        simple("rawset(_G, 'x', 1)"),
        simple("string.foo = 1"),
        simple("return print"),
        simple("return dofile"),
        simple("return loadfile"),
        simple("return type(os)"),
        simple("return type(io)"),
        simple("return type(require)"),
        simple("return type(debug)"),
        simple("return pcall(redis.call, 'nosuch')"),
        simple("local ok, e = pcall(redis.call, 'nosuch') return e"),
        simple("local ok, e = pcall(error, 'x') return e"),
        simple("local ok, e = pcall(error, {err='tbl'}) return e"),
        simple("return redis.pcall('nosuch')"),
        simple("return redis.pcall('incr', 'str')"),
        vec![
            cmd(&["SET", "str", "v"]),
            eval("return redis.call('lpush', KEYS[1], 'b')", &["str"], &[]),
            eval("return redis.pcall('lpush', KEYS[1], 'b')", &["str"], &[]),
            eval("local r = redis.pcall('lpush', KEYS[1], 'b'); return r.err", &["str"], &[]),
            // Errors inside nested pcalls, caught, rethrown, and redis.call working after.
            eval("local ok, e = pcall(function() local ok2, e2 = pcall(redis.call, 'lpush', KEYS[1], 'b') error(e2) end) return e.err", &["str"], &[]),
            eval("local ok, e = pcall(function() local ok2, e2 = pcall(redis.call, 'lpush', KEYS[1], 'b') error(e2) end) error(e)", &["str"], &[]),
            eval("local ok, e = pcall(function() return pcall(function() error('inner') end) end) return {tostring(ok), tostring(e)}", &[], &[]),
            eval("local ok, e = pcall(redis.call, 'lpush', KEYS[1], 'b') return {tostring(ok), redis.call('get', KEYS[1]), redis.call('strlen', KEYS[1])}", &["str"], &[]),
            eval("return {xpcall(function() return redis.call('lpush', KEYS[1], 'b') end, function(e) return redis.call('get', KEYS[1]) end)}", &["str"], &[]),
            eval("for i = 1, 100 do pcall(redis.call, 'lpush', KEYS[1], 'b') end return redis.call('get', KEYS[1])", &["str"], &[]),
            eval("local function f(n) if n == 0 then return redis.call('lpush', KEYS[1], 'b') end return f(n - 1) end return f(150)", &["str"], &[]),
            eval("local function f() return redis.call('get', KEYS[1]) .. f() end return f()", &["str"], &[]),
        ],
        // A huge string through redis.call, both ways.
        vec![
            eval("redis.call('set', KEYS[1], string.rep('x', 10 * 1024 * 1024)) return #redis.call('get', KEYS[1])", &["big"], &[]),
            eval("return #redis.call('getrange', KEYS[1], 0, -1) + #redis.call('get', KEYS[1])", &["big"], &[]),
        ],
        // Libraries and builtins.
        simple("return bit.band(0xff, 0x0f) .. ' ' .. bit.tohex(255) .. ' ' .. bit.bxor(5,3) .. ' ' .. bit.lshift(1, 31) .. ' ' .. bit.tohex(-1, -4)"),
        simple("return {bit.bor(1, 2, 4), bit.bnot(0), bit.rshift(-1, 28), bit.arshift(-16, 2), bit.rol(1, 33), bit.ror(1, 1), bit.bswap(1), bit.tobit(2^32 + 3)}"),
        simple("return {string.format('%5.2f', 3.14159), string.rep('ab', 3), ('x'):upper(), table.concat({1, 2, 3}, ',')}"),
        simple("return bit.band({})"),
        simple("return bit.tohex()"),
        simple("return bit.lshift(1, 'x')"),
        simple("return loadstring('return 5')()"),
        simple("return tostring(1e20) .. ' ' .. tostring(0.1) .. ' ' .. tostring(1/3)"),
        simple("return {tonumber('12') + 1, tonumber('0x10'), tonumber('z')}"),
        simple("local t = {3, 1, 2}; table.sort(t); return t"),
        simple("return {math.floor(2.7), math.max(1, 5, 3), math.fmod(7, 3), math.abs(-2)}"),
        simple("return {math.random(1000), math.random(5, 10)}"),
        simple("return select('#', redis.call('ping'))"),
        simple("return redis.call('ping')"),
        simple("return {redis.call('ping')}"),
        simple("return type(redis.call('time')[1])"),
        simple("return redis.call('lrange', 'nolist', 0, -1)"),
        simple("return coroutine.wrap(function() coroutine.yield(7) end)()"),
        // struct (packed bytes compared as hex).
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(struct.pack('>I4', 1) .. struct.pack('<I4', 1) .. struct.pack('b', -1) .. struct.pack('>h', -2) .. struct.pack('<H', 65535))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(struct.pack('>i', -1) .. struct.pack('l', 1) .. struct.pack('>L', 2^40) .. struct.pack('T', 7) .. struct.pack('>i3', 70000))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(struct.pack('>f', 1.5) .. struct.pack('<d', 0.1) .. struct.pack('s', 'ab') .. struct.pack('c3', 'xyz') .. struct.pack('c0', 'hello'))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(struct.pack('!4 b i', 1, 2) .. struct.pack('b x h', 1, 2) .. struct.pack('!8 b d', 1, 2))"),
        simple("return {struct.unpack('>I4', struct.pack('>I4', 305419896))}"),
        simple("return {struct.unpack('<h>h', struct.pack('<h>h', -3, 4))}"),
        simple("return {struct.unpack('s', 'abc' .. string.char(0) .. 'zz')}"),
        simple("return {struct.unpack('b c0', struct.pack('b', 3) .. 'abcdef')}"),
        simple("return {struct.unpack('>I2', 'abcdef', 3)}"),
        simple("return {struct.unpack('>d', struct.pack('>d', 1.25))}"),
        simple("return {struct.size('>I4 b'), struct.size('!4 b i'), struct.size('c5 d')}"),
        simple("return struct.size('s')"),
        simple("return struct.size('c0')"),
        simple("return struct.pack('z', 1)"),
        simple("return struct.pack('i40', 1)"),
        simple("return struct.pack('!3 i', 1)"),
        simple("return struct.pack('c5', 'ab')"),
        simple("return struct.pack('i', 'x')"),
        simple("return struct.pack('i')"),
        simple("return struct.pack()"),
        simple("return struct.unpack('>I4', 'ab')"),
        simple("return struct.unpack('s', 'abc')"),
        simple("return struct.unpack('c0', 'abc')"),
        simple("return struct.unpack('b', 'a', 0)"),
        // cmsgpack (packed bytes compared as hex).
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack(1.5, 0.1, 1e300, -2.25, 1/0, -1/0))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack('', 'abc', string.rep('x', 31), string.rep('y', 32), string.rep('z', 256), true, false, nil))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack({}, {1, 2, 3}, {a = 1}, {1, nil, 3}, {[2] = 1}, {x = {y = {1}}}))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return hex(cmsgpack.pack(t))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack(string.rep('a', 70000)):sub(1, 12))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end local a = {} for i = 1, 20 do a[i] = i end return hex(cmsgpack.pack(a))"),
        simple("local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack(function() end))"),
        simple("return cmsgpack.pack()"),
        simple("return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}, 1.5, -7))}"),
        simple("local t = cmsgpack.unpack(cmsgpack.pack({a = 'x', b = {1, 2}})) return {t.a, t.b[2]}"),
        simple("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"),
        simple("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}"),
        simple("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
        simple("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 1)}"),
        simple("return cmsgpack.unpack(string.char(0xcd, 1))"),
        simple("return cmsgpack.unpack(string.char(0xc1))"),
        simple("return cmsgpack.unpack()"),
        simple("return {cmsgpack.unpack('')}"),
        simple("return cmsgpack.unpack_one('abc', 9)"),
        simple("return {cmsgpack.unpack(string.char(0xcb) .. string.rep(string.char(0x40), 8))}"),
        // cjson.
        simple("return cjson.encode({1,2,'a/b\"c\\\\', {x=1}, true, false, 1.5, 1/3, 1e20, -1})"),
        simple("return cjson.encode({})"),
        simple("return cjson.encode({[1]=1,[3]=3})"),
        simple("return cjson.encode({[1]=1,[30]=3})"),
        simple("return cjson.encode(string.char(1,127,200,9,10,8,12,13))"),
        simple("return cjson.encode(0/0)"),
        simple("return cjson.encode(function() end)"),
        simple("return cjson.encode({[true]=1})"),
        simple("return cjson.encode({a=1, [5]=2})"),
        simple("return cjson.encode({[1.5]=2})"),
        simple("return cjson.encode(123456789012345678)"),
        simple("return cjson.encode()"),
        simple("return cjson.encode({a={b={}}})"),
        simple("return cjson.encode(cjson.decode('[1.5, 2, \"x\", null, true, {\"k\": [false]}]'))"),
        simple("local t = cjson.decode('{\"a\":[1,2,{\"b\":null}],\"c\":\"\\\\u00e9\\\\n\\\\ud83d\\\\ude00\"}'); return {t.a[1], t.a[3].b == cjson.null, t.c, type(t.a[3].b)}"),
        simple("return cjson.decode('[1,2')"),
        simple("return cjson.decode('x')"),
        simple("return cjson.decode('{\"a\":1}x')"),
        simple("return cjson.decode('')"),
        simple("return cjson.decode('{1:2}')"),
        simple("return cjson.decode('{\"a\" 1}')"),
        simple("return cjson.decode('{\"a\":1 2}')"),
        simple("return cjson.decode('\"abc')"),
        simple("return cjson.decode('\"a\\\\qb\"')"),
        simple("return cjson.decode('0123')"),
        simple("return {cjson.decode('0x10'), cjson.decode('+1'), cjson.decode('1.'), tostring(cjson.decode('-inf')), cjson.decode(' 7 ')}"),
        simple("return cjson.decode('.5')"),
        simple("return cjson.decode('1e')"),
        simple("return cjson.decode('[1,]')"),
        simple("return cjson.decode('{\"a\":1,}')"),
        simple("return cjson.decode('[-]')"),
        simple("return cjson.decode('-')"),
        simple("return cjson.decode('\"abc\"')"),
        simple("return cjson.decode('12.5e1')"),
        simple("return cjson.decode('[]')"),
        simple("return cjson.decode({})"),
        simple("return {cjson.null == nil, type(cjson.null)}"),
        simple("return cjson.decode('[1,null,3]')"),
    ];
    // Many arguments (Lua's C stack holds 8000 values: KEYS/ARGV must not go through it).
    let mut many = vec![
        "EVAL".to_string(),
        "return {#ARGV, ARGV[20000]}".into(),
        "0".into(),
    ];
    many.extend((1..=20000).map(|i| i.to_string()));
    out.push(vec![many]);
    // Errors name the script by its SHA1 in lowercase, however EVALSHA spelled it.
    out.push(vec![
        cmd(&["SCRIPT", "LOAD", "return redis.call('nosuchcmd')"]),
        cmd(&["EVALSHA", "4F5958446B28593DEA988AD0A5603CBD6962DD95", "0"]),
        cmd(&["EVALSHA", "4f5958446b28593dea988ad0a5603cbd6962dd95", "0"]),
        cmd(&["SCRIPT", "LOAD", "error('boom')"]),
        cmd(&["EVALSHA", "82903A0434F1503E152F89C03C9ACD881A0E8150", "0"]),
        cmd(&["EVALSHA", "82903A0434F1503E152F89c03c9acd881a0e8150", "0"]),
    ]);
    // A line feed inside a bulk is fine; SCRIPT LOAD's SHA of a known body.
    out.push(vec![
        cmd(&["SCRIPT", "LOAD", "return 'loaded'"]),
        cmd(&["EVALSHA", "6c7b4c4eaffdc5e7f29fb9c2fb3dae9e0a0d4fd8", "0"]),
        cmd(&["EVAL", "return 'loaded'", "0"]),
        cmd(&[
            "SCRIPT",
            "EXISTS",
            "6c7b4c4eaffdc5e7f29fb9c2fb3dae9e0a0d4fd8",
        ]),
    ]);
    // XREAD / XREADGROUP with BLOCK are refused in scripts (with the name as called);
    // without BLOCK they run.
    out.push(vec![
        cmd(&["DEL", "s"]),
        cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        eval("return redis.pcall('xread','STREAMS','s','$')", &["s"], &[]),
        eval(
            "return redis.pcall('xread','BLOCK',0,'STREAMS','s','$')",
            &["s"],
            &[],
        ),
        eval(
            "return redis.pcall('XRead','BLOCK','x','STREAMS','s','$')",
            &["s"],
            &[],
        ),
        eval(
            "return redis.pcall('xreadgroup','group','g','c','STREAMS','s','>')",
            &["s"],
            &[],
        ),
        eval(
            "return redis.pcall('xreadgroup','group','g','c','BLOCK',0,'STREAMS','s','>')",
            &["s"],
            &[],
        ),
    ]);
    // A read-only script refuses may-replicate commands (PUBLISH, SPUBLISH, PFCOUNT);
    // others may call them.
    out.push(vec![
        cmd(&["EVAL_RO", "return redis.call('publish','ch','msg')", "0"]),
        eval(
            "#!lua flags=no-writes\nreturn redis.call('publish','ch','msg')",
            &[],
            &[],
        ),
        eval(
            "#!lua flags=no-writes\nreturn redis.call('spublish','ch','msg')",
            &[],
            &[],
        ),
        eval(
            "#!lua flags=no-writes\nreturn redis.call('pfcount','hll')",
            &["hll"],
            &[],
        ),
        eval("return redis.call('publish','ch','msg')", &[], &[]),
        cmd(&[
            "EVAL_RO",
            "return redis.call('pfcount',KEYS[1])",
            "1",
            "hll",
        ]),
    ]);
    // cmsgpack packs a big map (100000 pairs) and unpacks it.
    out.push(simple(
        "local m = {} for i=1,100000 do m[tostring(i)] = i end \
         local e = cmsgpack.pack(m) local d = cmsgpack.unpack(e) \
         local n = 0 for k,v in pairs(d) do n = n + v end return {#e, n}",
    ));
    // cjson's configuration functions (lua-cjson's settings, defaults, bounds).
    out.push(vec![
        eval(r#"return {cjson.encode_keep_buffer(), cjson.encode_keep_buffer(false), cjson.encode_keep_buffer(), cjson.encode_keep_buffer(true)}"#, &[], &[]),
        eval(r#"return {cjson.encode_max_depth(), cjson.encode_max_depth(1), pcall(cjson.encode, {a={1}}), cjson.encode_max_depth(1000)}"#, &[], &[]),
        eval(r#"return {cjson.decode_max_depth(1), pcall(cjson.decode, '{"obj": {"array": [1,2,3,4]}}'), cjson.decode_max_depth(1000)}"#, &[], &[]),
        eval(r#"return {pcall(cjson.encode, {num1=0/0})}"#, &[], &[]),
        eval(r#"return {cjson.encode_invalid_numbers(true), cjson.encode({1/0, -1/0, 0/0}), cjson.encode_invalid_numbers('null'), cjson.encode({1/0, 0/0}), cjson.encode_invalid_numbers(false)}"#, &[], &[]),
        eval(r#"return {cjson.encode_number_precision(3), cjson.encode(3.14159), cjson.encode_number_precision(14)}"#, &[], &[]),
        eval(r#"return {cjson.encode_sparse_array()}"#, &[], &[]),
        eval(r#"return {cjson.encode_sparse_array(true), cjson.encode({[1]=1,[20]=2}), cjson.encode_sparse_array(false, 2, 10)}"#, &[], &[]),
        eval(r#"return {pcall(cjson.encode, {[1]=1,[20]=2})}"#, &[], &[]),
        eval(r#"return {cjson.decode_invalid_numbers(false), pcall(cjson.decode, '0x10'), cjson.decode_invalid_numbers(true), cjson.decode('0x10')}"#, &[], &[]),
    ]);
    // Precompiled (binary) chunks are refused as Redis's Lua refuses them: its parser reads
    // text only (Redis's own suite: "Binary code loading failed").
    out.push(vec![
        eval("return loadstring(string.dump(function() return 1 end))()", &[], &[]),
        eval("local f, e = loadstring(string.dump(function() return 1 end)) return {tostring(f), e}", &[], &[]),
        eval("local s = string.dump(function() return 1 end) local f, e = load(function() local x = s; s = nil; return x end) return {tostring(f), e}", &[], &[]),
        eval("return {loadstring(string.char(27)..'x', '=mine')}", &[], &[]),
        eval("return {select(2, loadstring(string.char(27)..'abc' .. string.rep('x', 80)))}", &[], &[]),
        eval("return loadstring('return 7')()", &[], &[]),
        eval("local t = {'return ', '8'} local i = 0 return load(function() i = i + 1 return t[i] end)()", &[], &[]),
    ]);
    // A {big_number=…} reply: a big number to a RESP3 client (the corpus runs under both
    // protocols), CR/LF as spaces, whatever the script's own protocol.
    out.push(vec![
        eval(r"return {big_number='123\r\n123'}", &[], &[]),
        eval(
            "redis.setresp(3) return {big_number='1234567999999999999999999999999999999'}",
            &[],
            &[],
        ),
        eval("return {1, {big_number='-42'}}", &[], &[]),
    ]);
    // The globals' metatable and readonly tables (Redis's own suite: "Try trick global
    // protection 1/2").
    out.push(vec![
        eval("setmetatable(_G, {})", &[], &[]),
        eval("setmetatable(redis, {})", &[], &[]),
        eval("local g = getmetatable(_G) g.__index = {}", &[], &[]),
        eval(
            "return {type(getmetatable(_G)), tostring(getmetatable(_G).__index ~= nil)}",
            &[],
            &[],
        ),
        eval(
            "return tostring(getmetatable(setmetatable({}, {__metatable = 1})))",
            &[],
            &[],
        ),
        eval("return redis.call('ping')", &[], &[]),
    ]);
    out
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).replace("\r\n", "⏎")
}

fn run_corpus(proto: u8) {
    let Some(reference) = start_real_redis("the scripting corpus") else {
        return;
    };
    let (_r, srv) = start();
    let mut real = Raw::connect(reference.addr);
    let mut emu = Raw::connect(srv.addr().expect("addr"));
    if proto == 3 {
        real.cmds("HELLO 3");
        emu.cmds("HELLO 3");
    }
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for case in cases() {
        for side in [&mut real, &mut emu] {
            side.cmds("FLUSHALL");
            side.cmds("SCRIPT FLUSH");
        }
        for c in &case {
            let argv: Vec<&[u8]> = c.iter().map(|s| s.as_bytes()).collect();
            let a = real.cmd(&argv);
            let b = emu.cmd(&argv);
            compared += 1;
            if a != b {
                mismatches.push(format!(
                    "{:?}\n    redis: {}\n    emu:   {}",
                    c,
                    show(&a),
                    show(&b)
                ));
            }
        }
    }
    assert!(compared > 150, "{compared} commands compared");
    assert!(
        mismatches.is_empty(),
        "RESP{proto}: {} of {compared} replies differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn corpus_matches_redis_resp2() {
    run_corpus(2);
}

#[test]
fn corpus_matches_redis_resp3() {
    run_corpus(3);
}

/// Commands flagged noscript (CLUSTER RESET among CLUSTER's subcommands too) are refused
/// inside scripts unless DEBUG SET-DISABLE-DENY-SCRIPTS 1 (Redis's testing aid, which its
/// own suite uses in unit/scripting) lifts the refusal, side by side with redis-server.
#[test]
fn noscript_commands_and_set_disable_deny_scripts_match_redis() {
    let Some(reference) = start_real_redis("noscript in scripts") else {
        return;
    };
    let (_r, srv) = crate::server_util::start_debug();
    let mut real = Raw::connect(reference.addr);
    let mut emu = Raw::connect(srv.addr().expect("addr"));
    for line in [
        &["EVAL", "return redis.call('cluster', 'reset')", "0"][..],
        &[
            "EVAL",
            "return redis.call('config', 'get', 'maxmemory')",
            "0",
        ],
        &["DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1"],
        &[
            "EVAL",
            "return redis.call('config', 'get', 'maxmemory')",
            "0",
        ],
        &["EVAL", "return redis.call('cluster', 'reset')", "0"],
        &["DEBUG", "SET-DISABLE-DENY-SCRIPTS", "x"],
        &[
            "EVAL",
            "return redis.call('config', 'get', 'maxmemory')",
            "0",
        ],
    ] {
        let argv: Vec<&[u8]> = line.iter().map(|s| s.as_bytes()).collect();
        assert_eq!(show(&emu.cmd(&argv)), show(&real.cmd(&argv)), "{line:?}");
    }
}
