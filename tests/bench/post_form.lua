-- wrk script: POST a public form with a new valid entry each request,
-- the form named by the script's argument (wrk … -s post_form.lua URL --
-- join|appeal), its token from $FORM_TOKEN.  Every reference acknowledged
-- with a 303 is written to $REFS_FILE so run.sh can check each one is in
-- the database.
--   join:   a fresh ID number with its GB 11643 check digit; runs on one
--           database set $ID_OFFSET apart (post.sh): no person twice.
--   appeal: (提诉求) its own phone number and words, so the form-nonce
--           again-check (same page, same phone, same words) never folds
--           two into one.
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = "10X98765432"
local token = os.getenv("FORM_TOKEN")
local offset = tonumber(os.getenv("ID_OFFSET") or "0")
local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function init(args)
   form = args[1]
   refs = {}
   n = 0
end

local function urlencode(s)
   return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function idno(k)
   -- a birth date from 1970-01-01 on, k-th person of that day
   local day = math.floor(k / 500)
   local t = os.time({year = 1970, month = 1, day = 1, hour = 12}) + day * 86400
   local date = os.date("!%Y%m%d", t)
   local seq = (k % 500) * 2 + 1  -- odd: 男
   -- 110119 (延庆区) is no district of the generated data: no collisions
   local base = "110119" .. date .. string.format("%03d", seq)
   local sum = 0
   for i = 1, 17 do sum = sum + tonumber(base:sub(i, i)) * weights[i] end
   local c = (sum % 11) + 1
   return base .. checks:sub(c, c)
end

local bodies = {
   join = function()
      local k = offset + tid * 200000 + n
      return "&name=" .. urlencode("压测用户") .. "&gender=" .. urlencode("男") ..
         "&id_number=" .. idno(k) .. "&phone=13800138000" ..
         "&employment=" .. urlencode("新就业形态(平台)") ..
         "&occupation=" .. urlencode("网约送餐员") ..
         "&district=" .. urlencode("朝阳区") .. "&was_member=" .. urlencode("否") ..
         "&consent_charter=1&consent_sensitive=1"
   end,
   appeal = function()
      -- a phone of its own per request and thread
      local phone = string.format("199%08d", tid * 10000000 + n)
      return "&kind=" .. urlencode("求助") .. "&matter=" .. urlencode("工资报酬") ..
         "&content=" .. urlencode("压测:工地拖欠工资第 " .. n .. " 次反映,请工会帮忙协调。") ..
         "&district=" .. urlencode("朝阳区") .. "&name=" .. urlencode("压测师傅") ..
         "&phone=" .. phone .. "&may_contact=" .. urlencode("可以")
   end,
}

function request()
   n = n + 1
   local body = "_token=" .. urlencode(token) .. bodies[form]()
   return wrk.format("POST", "/" .. form,
      {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
   if status == 303 then
      local loc = headers["Location"] or headers["location"]
      if loc then refs[#refs + 1] = loc:match("/" .. form .. "/done/(%w+)") end
   end
end

function done(summary, latency, requests)
   local f = io.open(os.getenv("REFS_FILE"), "w")
   for _, t in ipairs(threads) do
      for _, ref in ipairs(t:get("refs")) do f:write(ref, "\n") end
   end
   f:close()
end
