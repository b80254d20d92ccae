# stdlib/notify.rb — telling people: page someone, send someone a message, post a status
# update.  `use notify`, then `notify.page(contact, message)` and so on.
#
# A contact is a map with a name and the channels it can be reached on, for example
#   {name: "Primary on-call", pagerduty: routing_key, slack: webhook_url, email: "a@b.c"}
# (runbooks/contacts.rb holds the on-call ladder in this shape).  A channel whose value is
# nil or "" counts as not configured.
#
# Not delivered yet: real delivery (Slack-style webhooks, PagerDuty-style events, status
# pages, e-mail) needs HTTP, which lands in a later issue.  Until then every function shows
# the message to the responder with `note`, marked "[undelivered]", so that the run's record
# says plainly that nobody was reached and the responder can pass the message on by hand.
# Each function already picks the channel it would use; delivery will be added in
# `deliver` below without changing any caller.
#
# Only `note` is used (never a prompt), so these functions are safe in `escalation` and
# `every` bodies.  Channel values are never shown: webhook URLs and routing keys are
# credentials.

# Channels in the order they are tried.  Paging wants whatever wakes someone up first.
let page_order = ["pagerduty", "slack", "email"]
let send_order = ["slack", "email", "pagerduty"]

# A contact's name for people: its `name`, else "a contact".
fn who(contact) {
  if "name" in keys(contact) and (contact.name ?? "") != "" {
    return contact.name
  }
  return "a contact"
}

# The first channel in `order` that the contact has a value for, or nil.
fn channel(contact, order) {
  for ch in order {
    if ch in keys(contact) and (contact[ch] ?? "") != "" {
      return ch
    }
  }
  return nil
}

# Deliver `message` as `what` ("page", "message", "status update") to `to` (a name for
# people) over `via` (a channel name, or nil when none is configured).  Returns a result
# map like sh's and http's: {ok, channel, error}.
#
# This is the one place where delivery will dispatch on `via` once HTTP exists; today it
# only shows the message and reports it as undelivered.
fn deliver(what, to, via, message) {
  let reason = "no channel configured"
  if via != nil {
    reason = "#{via} delivery is not available yet"
  }
  note "[undelivered] #{what} to #{to} (#{reason}): #{message}"
  return {ok: false, channel: via, error: reason}
}

# Page a contact: the urgent "wake up, you are needed" message.
fn page(contact, message) {
  return deliver("page", who(contact), channel(contact, page_order), message)
}

# Send a contact a message (an FYI or an escalation that does not need to wake anyone).
fn send(contact, message) {
  return deliver("message", who(contact), channel(contact, send_order), message)
}

# Post a status update to a status channel or status page webhook ("" or nil: none).
fn status(webhook, message) {
  let via = nil
  if (webhook ?? "") != "" {
    via = "webhook"
  }
  return deliver("status update", "the status channel", via, message)
}
