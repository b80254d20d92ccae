# stdlib/notify.rb — telling people: page someone, send someone a message, post a status
# update.  `use notify`, then `notify.page(contact, message)` and so on.
#
# A contact is a map with a name and the channels it can be reached on, for example
#   {name: "Primary on-call", pagerduty: routing_key, slack: webhook_url,
#    webhook: url, email: "a@b.c"}
# (runbooks/contacts.rb holds the on-call ladder in this shape).  A channel whose value is
# nil or "" counts as not configured.  Webhook URLs and routing keys are credentials:
# declare them with `secret` so that they never reach the screen or the record.
#
# Channels (each one request; every base URL can be pointed elsewhere, e.g. at a test
# server, through the environment):
#   slack      POST {"text": …} to the contact's Slack-style incoming-webhook URL (Slack,
#              Mattermost, Rocket.Chat and others take this shape).
#   pagerduty  a PagerDuty-style Events API v2 event, POSTed to
#              "$RUNBOOK_PAGERDUTY_URL/v2/enqueue" (default https://events.pagerduty.com),
#              with the contact's `pagerduty` value as routing_key and the incident's id as
#              dedup_key, so every event of one incident lands on the same alert.
#   webhook    POST a JSON event {event, to, text, incident: {id, title, severity, status}}
#              to the contact's `webhook` URL (a generic receiver, a chat bridge, …).
#   email      an e-mail through SMTP (send_mail) to the contact's `email` address(es),
#              through $RUNBOOK_SMTP_URL (smtp://host:port or smtps://…), from
#              $RUNBOOK_MAIL_FROM (default runbook@localhost); $RUNBOOK_SMTP_USER and
#              $RUNBOOK_SMTP_PASSWORD log in when set.  Without RUNBOOK_SMTP_URL the
#              channel fails with that reason.
# and a status page (not a contact channel; see status_page below): Statuspage-style
# incidents under $RUNBOOK_STATUSPAGE_URL (default https://api.statuspage.io/v1).
#
# page and send deliver over ONE channel: the first configured one in their order that
# works.  A channel that fails (a transport error, a non-2xx answer after the retries, a
# missing SMTP server) is reported with `warn` and the next configured channel is tried,
# so a dead Slack webhook still lets the e-mail through.
#   page (wake someone up)   pagerduty, slack, webhook, email
#   send (tell someone)      slack, webhook, email, pagerduty
# (send reaches PagerDuty only as a last resort; with the incident's dedup_key the event
# joins the incident's existing alert rather than opening a new one.)
#
# What the responder sees, and what the record keeps:
#   "[sent] page to WHO (CHANNEL)"                         delivered
#   "[dry-run] page to WHO (CHANNEL): not sent"            --dry-run (nothing is POSTed)
#   "[drill] page to WHO (CHANNEL): not sent"              a drill (exec --drill, repl without --live)
#   "[undelivered] page to WHO (REASON): MESSAGE"          nobody was reached: no channel
#                                                          configured, or every one failed;
#                                                          pass MESSAGE on by hand
# ("message to WHO" for send, "status update to the status channel" for status), each a
# `note`, with a `warn` before it for each channel that failed.  Each request is also
# recorded as http.request / http.response (or mail.send / mail.sent) events.
#
# The functions:
#   page(contact, message)        wake someone up (page order, see above)
#   send(contact, message)        tell someone (send order)
#   status(webhook, message)      a status update to a Slack-style webhook (or a contact map)
#   status_page(update)           open or update the incident on a Statuspage-style page
#   slack(url, message)           one Slack-style message
#   webhook(url, payload)         one JSON POST
#   email(to, subject, message)   one e-mail
#   trigger(contact, summary), acknowledge(contact), resolve(contact)
#                                 PagerDuty-style events for the incident's alert
#   pagerduty_event(contact, action, summary, dedup_key)   any Events API v2 action
#
# Every function returns a result map {ok, channel, status, error, skipped}: ok true once
# delivered (or skipped by --dry-run), channel the channel used or last tried (nil when
# none), status the HTTP status (nil for e-mail or when nothing answered), error why it
# failed (nil when ok), skipped true under --dry-run.  Some add fields (dedup_key, id).
#
# Delivery never fails the step and never prompts: a broken webhook must not stop an
# incident procedure, and these functions are safe in `escalation` and `every` bodies.
# Requests use the expression form of `http` (timeout request_timeout, request_retries
# retries on transport errors, 429 and 5xx).

# ---------------------------------------------------------------------------------------
# Configuration (the environment of the run)

let pagerduty_base   = env("RUNBOOK_PAGERDUTY_URL", "https://events.pagerduty.com")
let pagerduty_source = env("RUNBOOK_PAGERDUTY_SOURCE", "runbook")
let statuspage_base  = env("RUNBOOK_STATUSPAGE_URL", "https://api.statuspage.io/v1")
let statuspage_page  = env("STATUSPAGE_PAGE_ID", "")
secret statuspage_key = env("STATUSPAGE_API_KEY", "")
let smtp_url         = env("RUNBOOK_SMTP_URL", "")
let mail_from        = env("RUNBOOK_MAIL_FROM", "runbook@localhost")
let smtp_user        = env("RUNBOOK_SMTP_USER", "")
secret smtp_password = env("RUNBOOK_SMTP_PASSWORD", "")

# One request: how long each attempt may take, and how many times to try again.
let request_timeout = 10s
let request_retries = 2

# Channels in the order they are tried.  Paging wants whatever wakes someone up first.
let page_order = ["pagerduty", "slack", "webhook", "email"]
let send_order = ["slack", "webhook", "email", "pagerduty"]

# Incident severity -> PagerDuty event severity.
let pagerduty_severities = {"P1": "critical", "P2": "error", "P3": "warning", "P4": "info"}

# Status-page incident ids opened by status_page in this run, by incident id.
let statuspage_ids = {}

# ---------------------------------------------------------------------------------------
# Small helpers

# Any value as text ("" for nil).
fn text(x) {
  if type(x) == "string" {
    return x
  }
  return str(x)
}

# Whether x is a non-empty string (a usable URL, key or address).
fn given(x) {
  return type(x) == "string" and x != ""
}

# The first line of a text.
fn first_line(s) {
  let lines = split(text(s), "\n")
  if len(lines) == 0 {
    return ""
  }
  return lines[0]
}

# s cut at a word boundary to at most `limit` bytes (with "…" when cut).  A single word
# longer than the limit is kept whole.
fn clip(s, limit) {
  s = text(s)
  if len(s) <= limit {
    return s
  }
  let out = ""
  for w in split(s, " ") {
    if out != "" and len(out) + 1 + len(w) > limit - 4 {
      return out + " …"
    }
    if out == "" {
      out = w
    } else {
      out = out + " " + w
    }
  }
  return out
}

# A base URL without trailing slashes, so that "#{base}/path" has exactly one.
fn base_url(s) {
  let parts = split(text(s), "/")
  let n = len(parts)
  while n > 3 and parts[n - 1] == "" {
    n = n - 1
  }
  let keep = []
  for i in range(n) {
    push(keep, parts[i])
  }
  return join(keep, "/")
}

# A contact's name for people: its `name`, else "a contact".
fn who(contact) {
  if type(contact) == "map" and "name" in contact and given(contact.name) {
    return contact.name
  }
  return "a contact"
}

# The contact's value for a channel, or nil when it has none.
fn channel_value(contact, ch) {
  if type(contact) == "map" and ch in contact and (contact[ch] ?? "") != "" {
    return contact[ch]
  }
  return nil
}

# The channels of `order` the contact has a value for.
fn channels(contact, order) {
  let out = []
  for ch in order {
    if channel_value(contact, ch) != nil {
      push(out, ch)
    }
  }
  return out
}

# The first channel in `order` that the contact has a value for, or nil.
fn channel(contact, order) {
  let all = channels(contact, order)
  if len(all) == 0 {
    return nil
  }
  return all[0]
}

# What the incident is, for payloads.
fn incident_info() {
  return {id: incident.id, title: incident.title, severity: str(incident.severity), status: incident.status}
}

# A failed result (nothing sent).
fn failed(ch, why) {
  return {ok: false, channel: ch, status: nil, error: why, skipped: false}
}

# Turn an `http` result into a notify result.
fn result(ch, r) {
  let status = nil
  if r.status != nil and r.status != 0 {
    status = r.status
  }
  let why = nil
  if not r.ok {
    if status != nil {
      why = "HTTP #{status}"
      let said = clip(trim(first_line(r.body)), 200)
      if said != "" {
        why = "#{why}: #{said}"
      }
    } else {
      why = r.error ?? "no response"
    }
  }
  return {ok: r.ok == true, channel: ch, status: status, error: why, skipped: r.skipped == true, drill: r.drill == true,
          json: r.json}
}

# POST (or PATCH) `payload` as JSON to url with extra headers; a notify result.
fn request(method, url, payload, headers, ch) {
  if not given(url) {
    return failed(ch, "no URL")
  }
  if method == "PATCH" {
    let r = http PATCH url headers headers json payload timeout request_timeout retries request_retries
    return result(ch, r)
  }
  let r = http POST url headers headers json payload timeout request_timeout retries request_retries
  return result(ch, r)
}

# Warn about a failed delivery (what: "Slack message", …); give the result back.
fn reported(r, what) {
  if not r.ok {
    warn "notify: #{what} failed: #{r.error}"
  }
  return r
}

# ---------------------------------------------------------------------------------------
# The channels, one request each (no note, no warning: callers report)

fn try_slack(url, message) {
  return request("POST", url, {text: text(message)}, {}, "slack")
}

fn try_webhook(url, payload) {
  if type(payload) != "map" and type(payload) != "list" {
    payload = {text: text(payload)}
  }
  return request("POST", url, payload, {}, "webhook")
}

fn try_email(to, subject, message) {
  if not given(smtp_url) {
    return failed("email", "RUNBOOK_SMTP_URL is not set")
  }
  if type(to) != "list" and not given(to) {
    return failed("email", "no address")
  }
  let r = nil
  if given(smtp_user) {
    r = send_mail(smtp_url, mail_from, to, text(subject), text(message), user: smtp_user, password: smtp_password)
  } else {
    r = send_mail(smtp_url, mail_from, to, text(subject), text(message))
  }
  # (send_mail is to say `skipped: true` under --dry-run, like http; until it does, a
  # dry-run e-mail reads as sent)
  return {ok: r.ok == true, channel: "email", status: nil, error: r.error, skipped: r.skipped == true,
          drill: r.drill == true}
}

# A PagerDuty-style Events API v2 event.  action: "trigger", "acknowledge" or "resolve";
# dedup: the dedup_key (nil: the incident's id).  A trigger carries the summary (its first
# line, at most 1024 bytes), the severity mapped from the incident's (P1 critical, P2
# error, P3 warning, P4 info), the source ($RUNBOOK_PAGERDUTY_SOURCE, default "runbook")
# and the whole message and the incident in custom_details.
fn try_pagerduty(key, action, summary, dedup) {
  if not given(key) {
    return failed("pagerduty", "no routing key")
  }
  let event = {routing_key: key, event_action: action, dedup_key: text(dedup ?? incident.id)}
  if action == "trigger" {
    let sev = str(incident.severity)
    let details = incident_info()
    details.message = text(summary)
    event.payload = {
      summary:        clip(first_line(summary), 1024),
      severity:       pagerduty_severities[sev] ?? "error",
      source:         pagerduty_source,
      custom_details: details,
    }
    event.client = "runbook"
  }
  let r = request("POST", "#{base_url(pagerduty_base)}/v2/enqueue", event, {}, "pagerduty")
  r.dedup_key = event.dedup_key
  return r
}

# One delivery of a page or message over channel `ch`.
fn try_channel(ch, what, to, contact, message) {
  let dest = channel_value(contact, ch)
  if ch == "pagerduty" {
    return try_pagerduty(dest, "trigger", message, nil)
  }
  if ch == "slack" {
    if what == "page" {
      return try_slack(dest, "Page for #{to}: #{text(message)}")
    }
    return try_slack(dest, message)
  }
  if ch == "webhook" {
    return try_webhook(dest, {event: what, to: to, text: text(message), incident: incident_info()})
  }
  if ch == "email" {
    let subject = "[#{incident.severity} #{incident.id}] #{clip(first_line(message), 150)}"
    if what == "page" {
      subject = "PAGE #{subject}"
    }
    let mail_text = "#{text(message)}\n\n-- \nSent by runbook for #{incident.id}: #{incident.title}"
    return try_email(dest, subject, mail_text)
  }
  return failed(ch, "unknown channel #{ch}")
}

# The message could not be delivered: show it so the responder can pass it on.
# Why a notification was not sent: a drill (exec --drill, repl without --live) or --dry-run.
fn skip_tag(r) {
  if r.drill == true {
    return "drill"
  }
  return "dry-run"
}

fn undelivered(what, to, via, why, message) {
  note "[undelivered] #{what} to #{to} (#{why}): #{text(message)}"
  return {ok: false, channel: via, status: nil, error: why, skipped: false}
}

# Deliver `message` as `what` ("page", "message") to `contact` over the first of `order`
# that works; see the top of this file.
fn deliver(what, contact, order, message) {
  let to = who(contact)
  let why = []
  let last = nil
  for ch in channels(contact, order) {
    let r = try_channel(ch, what, to, contact, message)
    last = r
    if r.skipped {
      note "[#{skip_tag(r)}] #{what} to #{to} (#{ch}): not sent"
      return r
    }
    if r.ok {
      note "[sent] #{what} to #{to} (#{ch})"
      return r
    }
    warn "notify: #{what} to #{to} over #{ch} failed: #{r.error}"
    push(why, "#{ch}: #{r.error}")
  }
  if last == nil {
    return undelivered(what, to, nil, "no channel configured", message)
  }
  return undelivered(what, to, last.channel, join(why, "; "), message)
}

# ---------------------------------------------------------------------------------------
# Paging and messages

# Page a contact: the urgent "wake up, you are needed" message.
fn page(contact, message) {
  return deliver("page", contact, page_order, message)
}

# Send a contact a message (an FYI or an escalation that does not need to wake anyone).
fn send(contact, message) {
  return deliver("message", contact, send_order, message)
}

# Post a status update to a status channel's Slack-style webhook (`webhook` nil or "":
# none configured, and the update is shown as undelivered).  `webhook` may also be a
# contact map, whose channels are then tried in send's order.
fn status(webhook, message) {
  let to = "the status channel"
  if type(webhook) == "map" {
    return deliver("status update", webhook, send_order, message)
  }
  if not given(webhook) {
    return undelivered("status update", to, nil, "no channel configured", message)
  }
  let r = try_slack(webhook, message)
  if r.skipped {
    note "[#{skip_tag(r)}] status update to #{to} (slack): not sent"
    return r
  }
  if r.ok {
    note "[sent] status update to #{to} (slack)"
    return r
  }
  warn "notify: status update to #{to} failed: #{r.error}"
  return undelivered("status update", to, "slack", "slack: #{r.error}", message)
}

# ---------------------------------------------------------------------------------------
# One channel directly (a warning when it fails; no [sent] note)

# POST {"text": message} to a Slack-style incoming webhook.
fn slack(url, message) {
  return reported(try_slack(url, message), "Slack message")
}

# POST `payload` as JSON to any webhook: a map or list as it is, anything else as
# {"text": payload}.
fn webhook(url, payload) {
  return reported(try_webhook(url, payload), "webhook")
}

# Send an e-mail (to: an address or a list of addresses) through $RUNBOOK_SMTP_URL.
fn email(to, subject, message) {
  return reported(try_email(to, subject, message), "e-mail")
}

# PagerDuty-style events for the incident (dedup_key: the incident's id).  `contact` is a
# contact map (its `pagerduty` routing key) or the routing key itself.
fn routing_key(contact) {
  if type(contact) == "map" {
    return channel_value(contact, "pagerduty")
  }
  return contact
}

fn pagerduty_event(contact, action, summary, dedup_key) {
  return reported(try_pagerduty(routing_key(contact), action, summary, dedup_key), "PagerDuty #{action}")
}

# Open (or add to) the incident's alert.
fn trigger(contact, summary) {
  return pagerduty_event(contact, "trigger", summary, nil)
}

# Acknowledge the incident's alert (stops PagerDuty's own escalation).
fn acknowledge(contact) {
  return pagerduty_event(contact, "acknowledge", nil, nil)
}

# Resolve the incident's alert.
fn resolve(contact) {
  return pagerduty_event(contact, "resolve", nil, nil)
}

# ---------------------------------------------------------------------------------------
# Status page (Statuspage-style REST API)
#
# status_page(update) posts an incident to a public status page.  `update` is a map:
#   message  the text of the update (required)
#   status   "investigating", "identified", "monitoring" or "resolved"
#            (default: incident.status)
#   title    the status-page incident's name (default: incident.title)
#   impact   optional: "none", "minor", "major" or "critical"
#   id       the status-page incident to update (default: the one this run opened)
# The first update of an incident POSTs {"incident": {name, status, body[, impact_override]}}
# to "$RUNBOOK_STATUSPAGE_URL/pages/$STATUSPAGE_PAGE_ID/incidents"; later ones PATCH
# {"incident": {status, body}} to ".../incidents/ID", ID being the "id" of the first
# answer (or update.id).  $STATUSPAGE_API_KEY, when set, is sent as
# "Authorization: OAuth KEY".  Without STATUSPAGE_PAGE_ID the update is shown as
# undelivered.  The result has `id`, the status-page incident's id when known.
fn status_page(update) {
  let to = "the status page"
  if type(update) != "map" {
    update = {message: update}
  }
  let message = text(update.message ?? "")
  if not given(statuspage_page) {
    return undelivered("status update", to, nil, "STATUSPAGE_PAGE_ID is not set", message)
  }
  let headers = {}
  if given(statuspage_key) {
    headers["Authorization"] = "OAuth #{statuspage_key}"
  }
  let id = update.id ?? statuspage_ids[incident.id] ?? nil
  let fields = {status: update.status ?? incident.status, body: message}
  let base = "#{base_url(statuspage_base)}/pages/#{url_encode(statuspage_page)}/incidents"
  let r = nil
  if id != nil {
    if update.title != nil {
      fields.name = update.title
    }
    r = request("PATCH", "#{base}/#{url_encode(text(id))}", {incident: fields}, headers, "statuspage")
  } else {
    fields.name = update.title ?? incident.title
    if update.impact != nil {
      fields.impact_override = update.impact
    }
    r = request("POST", base, {incident: fields}, headers, "statuspage")
    if r.ok and type(r.json) == "map" and r.json.id != nil {
      id = r.json.id
      statuspage_ids[incident.id] = id
    }
  }
  r.id = id
  if r.skipped {
    note "[#{skip_tag(r)}] status update to #{to} (statuspage): not sent"
    return r
  }
  if r.ok {
    note "[sent] status update to #{to} (statuspage)"
    return r
  }
  warn "notify: status update to #{to} failed: #{r.error}"
  return undelivered("status update", to, "statuspage", "statuspage: #{r.error}", message)
}
