-- wrk script: POST /appeal (提诉求) with a new 诉求 each request: its own
-- phone number and words, so the form-nonce again-check (same page, same
-- phone, same words) never folds two into one; the form token from the
-- environment.  Every reference acknowledged with a 303 is written to
-- $REFS_FILE so run.sh can check each one is in the database.
local token = os.getenv("APPEAL_TOKEN")
local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function init(args)
   refs = {}
   n = 0
end

local function urlencode(s)
   return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
   n = n + 1
   -- a phone of its own per request and thread
   local phone = string.format("199%08d", tid * 10000000 + n)
   local body = "_token=" .. urlencode(token) ..
      "&kind=" .. urlencode("求助") .. "&matter=" .. urlencode("工资报酬") ..
      "&content=" .. urlencode("压测:工地拖欠工资第 " .. n .. " 次反映,请工会帮忙协调。") ..
      "&district=" .. urlencode("朝阳区") .. "&name=" .. urlencode("压测师傅") ..
      "&phone=" .. phone .. "&may_contact=" .. urlencode("可以")
   return wrk.format("POST", "/appeal",
      {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
   if status == 303 then
      local loc = headers["Location"] or headers["location"]
      if loc then refs[#refs + 1] = loc:match("/appeal/done/(%w+)") end
   end
end

function done(summary, latency, requests)
   local f = io.open(os.getenv("REFS_FILE"), "w")
   for _, t in ipairs(threads) do
      for _, ref in ipairs(t:get("refs")) do f:write(ref, "\n") end
   end
   f:close()
end
