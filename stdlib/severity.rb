# stdlib/severity.rb — what a severity means: the levels P1–P4, the urgency × impact
# priority matrix, the response and resolution targets, how often to post updates and who
# to tell.  `use severity`, then `severity.priority("high", "medium")`,
# `severity.respond_within(incident.severity)`, `severity.describe(P2)` and so on.
#
# Where the numbers come from (the seed procedures):
#   - "Incident Response Procedures" (DevOps & Security Team): the levels P1 Critical,
#     P2 High, P3 Medium, P4 Low, their business impact, examples and response; the
#     response times; "post updates every 15 minutes for P1, every 30 minutes for P2";
#     "update status page (for P1/P2)"; the severity-based escalation (P1: engineering
#     lead + CTO at once, P2: engineering lead within 30 minutes, P3: engineering lead next
#     business day, P4: no escalation).
#   - "Incident Management Procedure": the definition of each level, the resolution
#     targets (4h, 8h, 24h, 72h), the urgency × impact priority matrix and the channels
#     of the immediate notification (Severity 1: phone + Slack + e-mail, …).
# The two agree on the response times of P1–P3 (15m, 1h, 4h).  For P4 the first says
# "next business day" and the second "24 hours": respond_within(P4) is 24h.
#
# Every function takes a severity as the literal P1…P4, as a string ("P1", "p2",
# "Severity 3", "3") or as a number 1…4, and returns nil for anything else — nothing here
# fails the step or prompts, so all of it is safe in `escalation` and `every` bodies.

# The urgency and impact levels of the priority matrix, as the seed names them.
let urgencies = ["high", "medium", "low"]
let impacts   = ["high", "medium", "low"]

# The priority matrix ("Incident Management Procedure", 2.2): urgency (rows) × impact
# (columns) → priority.  Priority 1…4 is the severity P1…P4.
#
#   | Urgency | Impact High | Impact Medium | Impact Low |
#   | High    | Priority 1  | Priority 2    | Priority 3 |
#   | Medium  | Priority 2  | Priority 3    | Priority 4 |
#   | Low     | Priority 3  | Priority 4    | Priority 4 |
let matrix = {
  high:   {high: P1, medium: P2, low: P3},
  medium: {high: P2, medium: P3, low: P4},
  low:    {high: P3, medium: P4, low: P4},
}

# One map per level.  Fields:
#   level            the severity literal
#   name             "Critical", "High", "Medium", "Low"
#   description      the definition of the level
#   business_impact  what it costs the business
#   examples         typical incidents of this level
#   response         who responds and how
#   respond_within   target for acknowledging the incident (MTTA)
#   resolve_within   target for resolving it (MTTR)
#   update_every     how often to post a status update; nil: the seeds set no cadence
#   status_page      whether the public status page is updated
#   channels         how the immediate notification (within 15 minutes) goes out
#   notifications    who is told beyond the responders: a list of {who, within, when};
#                    `who` is a role named like the contacts in runbooks/contacts.rb
#                    (eng_lead, cto); `within` is nil when the deadline is not a duration
let levels = {
  "P1": {
    level:           P1,
    name:            "Critical",
    description:     "Complete system outage or critical functionality unavailable",
    business_impact: "Revenue loss, complete service unavailability, data breach",
    examples: [
      "API completely unavailable (100% error rate)",
      "Database corruption or data loss",
      "Security breach or unauthorized access",
      "Payment processing completely down",
      "Significant data leak (PII, credentials)",
    ],
    response:        "Immediate all-hands response, executives notified",
    respond_within:  15m,
    resolve_within:  4h,
    update_every:    15m,
    status_page:     true,
    channels:        ["phone", "slack", "email"],
    notifications: [
      {who: "eng_lead", within: 0m, when: "immediately"},
      {who: "cto",      within: 0m, when: "immediately"},
    ],
  },
  "P2": {
    level:           P2,
    name:            "High",
    description:     "Significant performance degradation or important features unavailable",
    business_impact: "Degraded service, significant feature unavailability",
    examples: [
      "API partially degraded (>10% error rate)",
      "Film generation service down",
      "Single availability zone failure",
      "Elevated response times (>1 second)",
      "Slow data corruption detected",
    ],
    response:        "On-call engineer + backup, engineering lead notified",
    respond_within:  1h,
    resolve_within:  8h,
    update_every:    30m,
    status_page:     true,
    channels:        ["slack", "email"],
    notifications: [
      {who: "eng_lead", within: 30m, when: "within 30 minutes"},
    ],
  },
  "P3": {
    level:           P3,
    name:            "Medium",
    description:     "Minor performance issues or non-essential features affected",
    business_impact: "Minor degradation, workarounds available",
    examples: [
      "Specific feature broken (non-critical)",
      "Warning thresholds exceeded",
      "Single component failure with redundancy active",
      "Minor performance degradation",
    ],
    response:        "On-call engineer handles, team notified",
    respond_within:  4h,
    resolve_within:  24h,
    update_every:    nil,
    status_page:     false,
    channels:        ["email", "slack"],
    notifications: [
      {who: "eng_lead", within: nil, when: "next business day"},
    ],
  },
  "P4": {
    level:           P4,
    name:            "Low",
    description:     "Minimal impact issues or enhancement requests",
    business_impact: "Minimal, cosmetic issues",
    examples: [
      "UI bugs",
      "Documentation issues",
      "Non-critical monitoring gaps",
      "Enhancement requests",
    ],
    response:        "Ticket created, handled in regular workflow",
    respond_within:  24h,
    resolve_within:  72h,
    update_every:    nil,
    status_page:     false,
    channels:        ["email"],
    notifications:   [],
  },
}

# Other targets from the seeds, the same for every severity.
let ack_page_within    = 5m     # acknowledge the page (PagerDuty) within 5 minutes
let status_page_within = 30m    # first status page update after the incident is confirmed
let postmortem_within  = 48h    # post-mortem meeting / publication after resolution

# Who else hears how often ("Incident Management Procedure", stakeholder communication).
# `severity` is the only severity the row applies to, or nil for all; `every` is nil for
# "as needed".
let stakeholder_updates = [
  {stakeholder: "Executive Team",   method: "Email/Phone", every: 2h,  severity: P1,  content: "Status and ETA"},
  {stakeholder: "Business Units",   method: "Email",       every: 4h,  severity: nil, content: "Impact assessment"},
  {stakeholder: "Customer Support", method: "Slack",       every: 30m, severity: nil, content: "Talking points"},
  {stakeholder: "Partners",         method: "Email",       every: nil, severity: nil, content: "Service impact"},
]

# "P1"…"P4" for a severity given in any of the accepted forms, else nil.
fn key(sev) {
  let t = type(sev)
  if t == "severity" {
    return str(sev)
  }
  if t == "number" {
    if sev == 1 or sev == 2 or sev == 3 or sev == 4 {
      return "P#{sev}"
    }
    return nil
  }
  if t != "string" {
    return nil
  }
  let s = upper(trim(sev))
  if not matches(s, "^(SEVERITY|SEV|PRIORITY|P)? *[1-4]$") {
    return nil
  }
  for d in ["1", "2", "3", "4"] {
    if ends_with(s, d) {
      return "P" + d
    }
  }
  return nil
}

# The severity literal (P1…P4) for a value in any accepted form — for example the answer
# to `ask("Severity?")` — or nil.  `severity.parse("p2") == P2`.
fn parse(sev) {
  let k = key(sev)
  if k == nil {
    return nil
  }
  return levels[k].level
}

# The whole map of a level (see `levels`), or nil.
fn info(sev) {
  let k = key(sev)
  if k == nil {
    return nil
  }
  return levels[k]
}

# One field of a level, or nil for an unknown severity.
fn field(sev, name) {
  let l = info(sev)
  if l == nil {
    return nil
  }
  return l[name]
}

# "high", "medium" or "low" for one of those words in any case, else nil.
fn level_word(x) {
  if type(x) != "string" {
    return nil
  }
  let w = lower(trim(x))
  if w in urgencies {
    return w
  }
  return nil
}

# The priority (P1…P4) of an incident with this urgency and impact, each "high",
# "medium" or "low" (any case).  Any other value gives nil: check for it rather than
# assume a priority — `let p = severity.priority(u, i); if p == nil { warn … }`.
fn priority(urgency, impact) {
  let u = level_word(urgency)
  let i = level_word(impact)
  if u == nil or i == nil {
    return nil
  }
  return matrix[u][i]
}

# "Critical", "High", "Medium" or "Low".
fn name(sev) {
  return field(sev, "name")
}

# The acknowledgement target (MTTA) of a severity: 15m, 1h, 4h, 24h.
fn respond_within(sev) {
  return field(sev, "respond_within")
}

# The resolution target (MTTR) of a severity: 4h, 8h, 24h, 72h.
fn resolve_within(sev) {
  return field(sev, "resolve_within")
}

# How often to post a status update: 15m for P1, 30m for P2.  (The seeds' "Service
# Completely Down" P1 procedure asks for every 5 minutes in #incident-response: write
# that runbook's own `every 5m`.)  The seeds set no cadence for P3 and P4, so they give
# nil; write a fallback where a duration is needed:
#   every severity.update_every(incident.severity) ?? 4h until resolved { … }
fn update_every(sev) {
  return field(sev, "update_every")
}

# Whether the public status page is updated (P1 and P2).
fn status_page(sev) {
  return field(sev, "status_page")
}

# The channels of the immediate notification: ["phone", "slack", "email"] for P1, …
fn channels(sev) {
  return field(sev, "channels")
}

# The rows of stakeholder_updates that apply to an incident of this severity.
fn stakeholders(sev) {
  let k = key(sev)
  if k == nil {
    return nil
  }
  let out = []
  for row in stakeholder_updates {
    if row.severity == nil or str(row.severity) == k {
      push(out, row)
    }
  }
  return out
}

# Who to tell beyond the responders, as a list of {who, within, when} (see `levels`).
fn notifications(sev) {
  return field(sev, "notifications")
}

# Just the roles of notifications(sev): ["eng_lead", "cto"] for P1, [] for P4.
fn who_to_notify(sev) {
  let n = notifications(sev)
  if n == nil {
    return nil
  }
  let out = []
  for x in n {
    push(out, x.who)
  }
  return out
}

# Who responds and how (the seeds' "Response" line).
fn response(sev) {
  return field(sev, "response")
}

# A paragraph about a severity for the responder, e.g.
#   P1 — Critical: Complete system outage or critical functionality unavailable.
#   Respond within 15m, resolve within 4h; status updates every 15m.
#   Response: Immediate all-hands response, executives notified.
fn describe(sev) {
  let l = info(sev)
  if l == nil {
    return nil
  }
  let cadence = "no fixed status-update cadence"
  if l.update_every != nil {
    cadence = "status updates every #{format_duration(l.update_every)}"
  }
  return <<~TEXT
    #{l.level} — #{l.name}: #{l.description}.
    Respond within #{format_duration(l.respond_within)}, resolve within #{format_duration(l.resolve_within)}; #{cadence}.
    Response: #{l.response}.
    TEXT
}
