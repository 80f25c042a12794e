-- overload.lua: wrk's requests for overload.sh: every other request POSTs a batch of
-- events with ids never sent before, the others GET a decision for a random user.
--   wrk ... -s overload.lua URL -- TOKEN TITLE VARIANT OUTDIR [EVENTS PER BATCH]
-- Each batch ends with a marker event the server refuses (its type is unknown): the
-- answer's "rejected" names the marker's id, which is the batch's tag, so a reply can
-- be matched to its batch though wrk does not say which request a reply answers. The
-- good events of a batch are stored together or not at all.
-- Each wrk thread writes one line per reply to OUTDIR/replies-<thread>:
--   <status> <Retry-After or -> <batch tag or -> <accepted or ->
-- The tag "o<thread>-<n>" stands for the events "o<thread>-<n>-0" ... "-<k-1>".

local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("tid", counter)
end

local token, title, variant, outdir, per_batch
local out, n, now

function init(args)
    token, title, variant, outdir = args[1], args[2], tonumber(args[3]), args[4]
    per_batch = tonumber(args[5] or "5")
    out = assert(io.open(string.format("%s/replies-%d", outdir, tid), "w"))
    out:setvbuf("line")
    n = 0
    now = os.time()
    math.randomseed(now + tid * 7919)
end

local function batch(tag)
    local ev = {}
    for i = 0, per_batch - 1 do
        ev[#ev + 1] = string.format(
            '{"id":"%s-%d","type":"impression","user":"u%d","title_id":"%s",' ..
            '"variant_number":%d,"ts":%d}', tag, i, math.random(0, 999), title, variant, now)
    end
    ev[#ev + 1] = string.format('{"id":"%s","type":"marker","user":"m","title_id":"%s"}',
        tag, title)
    return '{"events":[' .. table.concat(ev, ",") .. ']}'
end

function request()
    n = n + 1
    if n % 2 == 0 then
        return wrk.format("GET", string.format("/v1/artwork?user=u%d&title=%s",
            math.random(0, 999), title))
    end
    local tag = string.format("o%d-%d", tid, n)
    return wrk.format("POST", "/v1/events", {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
    }, batch(tag))
end

function response(status, headers, body)
    local retry = headers["Retry-After"] or headers["retry-after"] or "-"
    local tag, accepted = "-", "-"
    if status == 200 and body then
        tag = body:match('"id":"(o%d+%-%d+)"') or "-"
        accepted = body:match('"accepted":(%d+)') or "-"
    end
    out:write(string.format("%d %s %s %s\n", status, retry, tag, accepted))
end
