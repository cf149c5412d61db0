-- emu's scripting prelude (chunk "=emu"), run once when a store's Lua state is made.
-- It builds Redis 7.0's script environment on top of the base, string, table and math
-- libraries: the `redis` table, math.random/randomseed over Redis's rand48, Redis's
-- pcall, and the sandbox (globals and library tables read-only, unknown globals an error).
-- `raw` holds the Rust primitives (src/scripting/lua.rs). Returns the error handler a
-- run calls scripts under, the hidden globals table (where KEYS and ARGV live) and the
-- library loader.
local G, raw = ...

local error, type, tostring, select, tonumber, setmetatable, pairs, next =
    error, type, tostring, select, tonumber, setmetatable, pairs, next
local lua_pcall, lua_rawset, xpcall = pcall, rawset, xpcall
local err_table = raw.err_table
local unwrap = raw.unwrap

local function mkerr(msg) return err_table(msg) end

-- redis.* -----------------------------------------------------------------------------
-- Whatever may raise is a Rust (C) function, so the raising frame is never a tail-called
-- Lua function and the error names the user's line, as Redis's C API does.

local redis = {}
redis.call = raw.call
redis.pcall = raw.pcall
redis.sha1hex = raw.sha1hex
redis.log = raw.log
redis.setresp = raw.setresp
redis.set_repl = raw.set_repl
redis.acl_check_cmd = raw.acl_check_cmd

redis.error_reply = function(...)
    local e = ...
    if select('#', ...) ~= 1 or type(e) ~= 'string' then
        return mkerr('wrong number or type of arguments')
    end
    if e:sub(1, 1) ~= '-' then e = '-' .. e end
    return err_table(e)
end

redis.status_reply = function(...)
    local s = ...
    if select('#', ...) ~= 1 or type(s) ~= 'string' then
        return mkerr('wrong number or type of arguments')
    end
    return {ok = s}
end

redis.LOG_DEBUG = 0
redis.LOG_VERBOSE = 1
redis.LOG_NOTICE = 2
redis.LOG_WARNING = 3
redis.REPL_NONE = 0
redis.REPL_AOF = 1
redis.REPL_SLAVE = 2
redis.REPL_REPLICA = 2
redis.REPL_ALL = 3

redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() return nil end

redis.REDIS_VERSION = raw.version
redis.REDIS_VERSION_NUM = raw.version_num

G.math.random = raw.random
G.math.randomseed = raw.randomseed

-- Redis's pcall: an error table raised by redis.call comes back as its message -----------

local killed = raw.killed
local collect = collectgarbage
local function pcall_result(ok, ...)
    if ok then return true, ... end
    -- Out of memory: what the failed call held is garbage now. Lua 5.1 has no emergency
    -- collection, so collect it before anything here (or the script) allocates again.
    if (...) == 'not enough memory' then collect() end
    -- A script stopped by SCRIPT KILL cannot catch that (Redis keeps raising it).
    if killed() then error((...), 0) end
    local e = unwrap((...))
    if type(e) == 'table' then
        local m = e.err
        if type(m) == 'string' or type(m) == 'number' then return false, m end
    end
    return false, e
end
local redis_pcall = function(...)
    return pcall_result(lua_pcall(...))
end

-- The sandbox ----------------------------------------------------------------------------

local protected = setmetatable({}, {__mode = 'k'})

local function readonly()
    error('Attempt to modify a readonly table', 2)
end

local function protect(real)
    local proxy = setmetatable({}, {__index = real, __newindex = readonly, __metatable = false})
    protected[proxy] = true
    return proxy
end

local safe_rawset = function(t, k, v)
    if protected[t] then error('Attempt to modify a readonly table', 0) end
    return lua_rawset(t, k, v)
end

-- Error handler: {err=…, source=…, line=…} as Redis's __redis__err__handler builds it.
local function handler(e)
    e = unwrap(e)
    local source, line = raw.where()
    if type(e) ~= 'table' or protected[e] then e = {err = 'ERR ' .. tostring(e)} end
    if source then
        lua_rawset(e, 'source', source)
        lua_rawset(e, 'line', line)
    end
    return e
end

local allowed = {
    string = true, math = true, table = true, coroutine = true,
    cjson = true, bit = true, cmsgpack = true, struct = true,
    xpcall = true, tostring = true, getfenv = true, setmetatable = true, next = true,
    assert = true, tonumber = true, rawequal = true, collectgarbage = true,
    getmetatable = true, rawset = true, pcall = true, type = true, select = true,
    unpack = true, gcinfo = true, pairs = true, rawget = true, loadstring = true,
    ipairs = true, _VERSION = true, setfenv = true, load = true, error = true,
    newproxy = true,
}

local hidden = {}
for k, v in pairs(G) do
    if allowed[k] then hidden[k] = v end
end
hidden.pcall = redis_pcall
local function xpcall_result(ok, ...)
    if not ok and (...) == 'not enough memory' then collect() end
    if not ok and killed() then error((...), 0) end
    return ok, ...
end
hidden.xpcall = function(f, h)
    return xpcall_result(xpcall(f, function(e)
        if killed() then return e end
        return h(e)
    end))
end
hidden.rawset = safe_rawset
-- A readonly table's metatable cannot be replaced either (Redis raises its readonly error,
-- without a position, from inside setmetatable).
local lua_setmetatable = setmetatable
hidden.setmetatable = function(t, mt)
    if protected[t] then error('Attempt to modify a readonly table', 0) end
    return lua_setmetatable(t, mt)
end
-- Text chunks only, as Redis's Lua (its parser never undumps): a precompiled chunk fails
-- as the text parser fails on its first byte, with the message it gives.
local lua_loadstring, lua_load = loadstring, load
local BINARY = string.char(27)
-- Lua 5.1's luaO_chunkid of a chunk name, as a C string (LUA_IDSIZE 80, as the reference
-- redis-server 7.0.15 of Debian reports it).
local function chunkid(source)
    source = source:match('^[^%z]*')
    local c = source:sub(1, 1)
    if c == '=' then return source:sub(2, 80) end
    if c == '@' then
        local name, room = source:sub(2), 80 - 8
        if #name > room then return '...' .. name:sub(-room) end
        return name
    end
    local len = math.min((source:find('[\n\r]') or (#source + 1)) - 1, 80 - 17)
    if len < #source then return '[string "' .. source:sub(1, len) .. '..."]' end
    return '[string "' .. source .. '"]'
end
local function binary_refused(chunkname)
    return nil, chunkid(chunkname) .. ":1: unexpected symbol near 'char(27)'"
end
hidden.loadstring = function(s, chunkname)
    if type(s) == 'string' and s:sub(1, 1) == BINARY then
        return binary_refused(chunkname or s)
    end
    return lua_loadstring(s, chunkname)
end
hidden.load = function(reader, chunkname)
    if type(reader) ~= 'function' then return lua_load(reader, chunkname) end
    local first = reader()
    if type(first) == 'string' and first:sub(1, 1) == BINARY then
        return binary_refused(chunkname or '=(load)')
    end
    local done = false
    return lua_load(function()
        if not done then
            done = true
            return first
        end
        return reader()
    end, chunkname)
end
hidden.redis = redis
for _, lib in pairs({'string', 'math', 'table', 'coroutine', 'cjson', 'bit', 'cmsgpack', 'struct', 'redis'}) do
    if hidden[lib] ~= nil then hidden[lib] = protect(hidden[lib]) end
end
-- Empty the real globals: every read goes through __index to the hidden table, every
-- write to __newindex.
local names = {}
for k in pairs(G) do names[#names + 1] = k end
for _, k in pairs(names) do lua_rawset(G, k, nil) end
hidden._G = G
local function nonexistent(_, k)
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end
setmetatable(hidden, {
    __index = nonexistent,
    __newindex = readonly,
    __metatable = false,
})
-- getmetatable(_G) is a readonly view, as in Redis: its __index reads the globals, and
-- every write to it (or through it) is refused.
local gmeta = {
    __index = hidden,
    __newindex = readonly,
    __metatable = protect({__index = protect(hidden), __newindex = readonly}),
}
setmetatable(G, gmeta)
protected[G] = true
protected[hidden] = true

-- FUNCTION LOAD's environment (Redis function_lua.c's library API): while a library's
-- code runs, the only global is `redis`, holding register_function, log, the LOG_*
-- levels and REDIS_VERSION(_NUM); reading anything else is an error, as is any write.
local load_redis_real = {
    register_function = raw.register_function,
    log = raw.log,
    LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
    REDIS_VERSION = raw.version, REDIS_VERSION_NUM = raw.version_num,
}
local load_redis = setmetatable({}, {
    __index = function(t, k)
        local v = load_redis_real[k]
        if v == nil then
            error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
        end
        return v
    end,
    __newindex = readonly,
    __metatable = false,
})
protected[load_redis] = true
local load_api = setmetatable({redis = load_redis}, {
    __index = nonexistent,
    __newindex = readonly,
    __metatable = false,
})
protected[load_api] = true

-- Runs a library's code in the load environment (luaEngineCreate): false and the error
-- text (a raised table's `err`, or 'ERR ' .. the message) when it fails.
local function run_load(f)
    gmeta.__index = load_api
    local ok, e = lua_pcall(f)
    gmeta.__index = hidden
    if ok then return true end
    e = unwrap(e)
    if type(e) == 'table' and not protected[e] then
        local m = e.err
        if type(m) == 'string' or type(m) == 'number' then return false, m end
        return false, '(null)'
    end
    return false, 'ERR ' .. tostring(e)
end

return handler, hidden, run_load
