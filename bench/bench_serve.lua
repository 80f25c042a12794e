-- bench_serve.lua: wrk's requests for bench_serve.sh.
--   wrk ... -s bench_serve.lua URL -- artwork USERS TITLES   GET /v1/artwork for a random
--                                                            user u%05d and title t%04d
--   wrk ... -s bench_serve.lua URL -- livez                  GET /livez (no work: the floor)
--   wrk ... -s bench_serve.lua URL -- mixed USERS TITLES VARIANTS   every other request
--                        POSTs 5 new impressions of variants 1..VARIANTS (token "bench"),
--                        the others as artwork
-- At the end it prints one line for the script to read:
--   RESULT <requests> <seconds> <p50 us> <p99 us> <non-2xx> <socket errors>

local mode, users, titles, variants = "livez", 10000, 1000, 1
local n, prefix = 0, ""

function init(args)
    mode = args[1] or "livez"
    users = tonumber(args[2] or "10000")
    titles = tonumber(args[3] or "1000")
    variants = tonumber(args[4] or "1")
    -- each wrk thread has its own Lua state: seed each differently
    math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
    prefix = string.format("b%d-%d", os.time(), math.random(0, 1e9))  -- ids never sent before
end

local function events()
    local ev = {}
    for i = 1, 5 do
        n = n + 1
        ev[i] = string.format('{"id":"%s-%d","type":"impression","user":"u%05d",' ..
            '"title_id":"t%04d","variant_number":%d}', prefix, n, math.random(0, users - 1),
            math.random(0, titles - 1), math.random(1, variants))
    end
    return wrk.format("POST", "/v1/events", { ["Authorization"] = "Bearer bench",
        ["Content-Type"] = "application/json" }, '{"events":[' .. table.concat(ev, ",") .. ']}')
end

function request()
    if mode == "mixed" and math.random(0, 1) == 0 then
        return events()
    end
    if mode == "artwork" or mode == "mixed" then
        return wrk.format("GET", string.format("/v1/artwork?user=u%05d&title=t%04d",
            math.random(0, users - 1), math.random(0, titles - 1)))
    end
    return wrk.format("GET", "/livez")
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("RESULT %d %.6f %d %d %d %d\n", summary.requests,
        summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
        e.status, e.connect + e.read + e.write + e.timeout))
end
