-- wrk script of bench/webhooks.sh: sends pre-signed webhooks, one per line of the file named after
-- `--` ("<webhook-id> <timestamp> <signature>", from bench/sign_webhooks.py); thread N of T sends
-- lines N, N+T, N+2T... in order. The body must be the one sign_webhooks.py signed.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  body = '{"serviceId": 21429, "phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT"}'
  requests = {}
  index = 0
  local n = 0
  for line in io.lines(args[1]) do
    if n % tonumber(args[2]) == id then
      local wid, ts, sig = line:match("(%S+) (%S+) (%S+)")
      requests[#requests + 1] = wrk.format("POST", "/v1/webhooks/callbacks", {
        ["Content-Type"] = "application/json", ["webhook-id"] = wid, ["webhook-timestamp"] = ts,
        ["webhook-signature"] = sig }, body)
    end
    n = n + 1
  end
end
function request()
  index = index + 1
  if index > #requests then index = 1 end
  return requests[index]
end
