//! Public value types of the simulator: configuration, UI-style inputs, snapshots, faults and
//! counters. Plain data only: no behaviour beyond small conversions.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use steward_core::model::{IssueId, IssueIid, IssueState, LabelName, NoteId, ProjectId, Username};

/// How the simulator starts.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to bind; `None` binds `127.0.0.1` on a random port.
    pub bind: Option<SocketAddr>,
    /// Value of `X-Gitlab-Instance` on webhooks; `None` uses the simulator's own base URL.
    pub instance_url: Option<String>,
    /// Enforced authenticated API requests per minute (`None`: not enforced, headers still sent
    /// with GitLab.com's 2,000).
    pub requests_per_minute: Option<u32>,
    /// Enforced note creations per minute (GitLab.com: 60); `None` is off.
    pub notes_per_minute: Option<u32>,
    /// Free tier: keep only the first assignee, like GitLab CE (GITLAB.md §3.1).
    pub single_assignee: bool,
    /// Block a hook already fired in the same `X-Gitlab-Event-UUID` chain (GITLAB.md §5.3).
    pub recursion_detection: bool,
    /// How long a webhook receiver may take before the delivery counts as failed (§1.3).
    pub hook_timeout: Duration,
    /// Seed for ids that must look random (UUIDs); faults carry their own seed.
    pub seed: u64,
    /// Stamp `webhook-timestamp` (and so the signature) with real time instead of the simulator
    /// clock, for receivers that check a replay window against their own clock while the
    /// simulator's clock is moved.
    pub real_time_webhook_timestamps: bool,
    /// The GitLab release the simulator pretends to be, as `GET /version` reports it
    /// (`19.1.0-ee`). Before 18.3 project issues have no keyset pagination (the parameter is
    /// ignored) and no offset cap; before 18.1 epics are not reachable as GraphQL work items.
    pub gitlab_version: String,
    /// GitLab's "max offset allowed" for offset pagination on endpoints that also support
    /// keyset (default 50,000; 0 disables it). Lower it so a test need not create 50,000
    /// issues.
    pub offset_pagination_limit: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            bind: None,
            instance_url: None,
            requests_per_minute: None,
            notes_per_minute: None,
            single_assignee: false,
            recursion_detection: true,
            hook_timeout: Duration::from_secs(10),
            seed: 0x5eed_57e7_a4d0,
            real_time_webhook_timestamps: false,
            gitlab_version: "19.1.0-ee".to_owned(),
            offset_pagination_limit: 50_000,
        }
    }
}

/// An issue filed "in the UI" (`SimHandle::create_issue`).
#[derive(Debug, Clone, Default)]
pub struct NewIssue {
    /// Title.
    pub title: String,
    /// Description as typed; quick-action lines are executed and removed (GITLAB.md §4.4).
    pub description: String,
    /// Labels chosen in the form (missing ones are created, like the API's `labels`).
    pub labels: Vec<String>,
    /// Assignee usernames chosen in the form.
    pub assignees: Vec<String>,
    /// Due date chosen in the form.
    pub due_date: Option<NaiveDate>,
    /// Whether the issue is confidential.
    pub confidential: bool,
    /// Backdated creation time (imports, tests); `None` uses the simulator clock.
    pub created_at: Option<DateTime<Utc>>,
}

/// An edit made "in the UI" (`SimHandle::update_issue`). `None`/empty fields are left alone.
#[derive(Debug, Clone, Default)]
pub struct IssueChange {
    /// New title.
    pub title: Option<String>,
    /// New description (quick actions in it are executed, like GitLab).
    pub description: Option<String>,
    /// Replace all labels.
    pub labels: Option<Vec<String>>,
    /// Labels to add.
    pub add_labels: Vec<String>,
    /// Labels to remove.
    pub remove_labels: Vec<String>,
    /// Replace the assignees (usernames); `Some(vec![])` unassigns everyone.
    pub assignees: Option<Vec<String>>,
    /// `Some(Some(d))` sets the due date, `Some(None)` clears it.
    pub due_date: Option<Option<NaiveDate>>,
    /// Close or reopen.
    pub state: Option<IssueState>,
    /// Make (non-)confidential.
    pub confidential: Option<bool>,
}

/// A snapshot of an issue as the simulator holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimIssue {
    /// Global id.
    pub id: IssueId,
    /// Project-scoped number.
    pub iid: IssueIid,
    /// Project.
    pub project_id: ProjectId,
    /// Title.
    pub title: String,
    /// Saved description (quick actions removed).
    pub description: String,
    /// Open or closed.
    pub state: IssueState,
    /// Label titles, sorted.
    pub labels: Vec<LabelName>,
    /// Assignees' usernames, in assignment order.
    pub assignees: Vec<Username>,
    /// Author's username.
    pub author: Username,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Confidential flag.
    pub confidential: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time (not bumped by an edit that changes nothing).
    pub updated_at: DateTime<Utc>,
}

impl SimIssue {
    /// Whether the issue carries this label.
    pub fn has_label(&self, name: &str) -> bool {
        self.labels.iter().any(|l| l.as_str() == name)
    }
}

/// A snapshot of a note (comment or system note).
#[derive(Debug, Clone, PartialEq)]
pub struct SimNote {
    /// Note id.
    pub id: NoteId,
    /// Saved body.
    pub body: String,
    /// Author's username.
    pub author: Username,
    /// System notes record label/assignee/due-date/state changes.
    pub system: bool,
    /// Internal (confidential) note.
    pub internal: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last edit time.
    pub updated_at: DateTime<Utc>,
}

/// A project webhook's settings (GITLAB.md §2.3 field names).
#[derive(Debug, Clone)]
pub struct HookConfig {
    /// Receiver URL.
    pub url: String,
    /// Sent in plain text as `X-Gitlab-Token`.
    pub secret_token: Option<String>,
    /// `whsec_<base64>` Standard Webhooks signing token (GitLab 19.0+).
    pub signing_token: Option<String>,
    /// `issues_events`.
    pub issues_events: bool,
    /// `confidential_issues_events`.
    pub confidential_issues_events: bool,
    /// `note_events`.
    pub note_events: bool,
    /// `confidential_note_events`.
    pub confidential_note_events: bool,
}

impl HookConfig {
    /// A hook to `url` with every issue and note event enabled and no tokens.
    pub fn all_events(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            secret_token: None,
            signing_token: None,
            issues_events: true,
            confidential_issues_events: true,
            note_events: true,
            confidential_note_events: true,
        }
    }
}

/// A burst of `429 Too Many Requests`: in every block of `every_n` API requests the last `len`
/// are refused with `Retry-After: retry_after_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Burst429 {
    /// Block length in requests (≥ 1).
    pub every_n: u32,
    /// Refused requests at the end of each block.
    pub len: u32,
    /// `Retry-After` value.
    pub retry_after_secs: u64,
}

/// Injected faults, all deterministic from `seed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Added before every API response.
    pub latency: Duration,
    /// Probability that an API request fails with 500 (nothing is changed).
    pub error_rate_5xx: f64,
    /// Periodic 429 bursts.
    pub burst_429: Option<Burst429>,
    /// Probability that a webhook delivery is sent twice (same `Idempotency-Key`).
    pub duplicate_rate: f64,
    /// Deliveries are shuffled within batches of this size (0 or 1: in order).
    pub reorder_window: usize,
    /// PRNG seed.
    pub seed: u64,
    /// The next note creations refused with `429`, as when GitLab's note limit is hit.
    pub refused_notes: Option<RefusedNotes>,
}

/// The next `count` note creations (issue and epic notes) after the faults are set are
/// refused with `429 Too Many Requests` and `Retry-After: retry_after_secs`; later ones pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusedNotes {
    /// How many note creations are refused.
    pub count: u32,
    /// `Retry-After` value.
    pub retry_after_secs: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            error_rate_5xx: 0.0,
            burst_429: None,
            duplicate_rate: 0.0,
            reorder_window: 0,
            seed: 1,
            refused_notes: None,
        }
    }
}

/// What the simulator received and sent since start or the last `reset_counters`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every request under `/api`.
    pub requests_total: u64,
    /// GET requests.
    pub reads: u64,
    /// PUT/POST/DELETE requests.
    pub writes: u64,
    /// Notes saved (REST issue and epic notes, GraphQL `createNote`).
    pub notes_created: u64,
    /// Notes edited.
    pub notes_updated: u64,
    /// Quick-action lines executed from notes posted through the API (REST or GraphQL). A bot
    /// that never starts a generated line with `/` keeps this at 0 (GITLAB.md §3.2).
    pub quick_actions: u64,
    /// Calls to paged list endpoints (issues, notes, labels, epic notes).
    pub list_calls: u64,
    /// Responses with status 429.
    pub status_429: u64,
    /// Responses with a 5xx status.
    pub status_5xx: u64,
    /// Requests per endpoint name: `user.get`, `users.get`, `projects.get`, `groups.get`,
    /// `issues.get`, `issues.list`, `issues.create`, `issues.edit`, `notes.get`, `notes.list`,
    /// `notes.create`, `notes.edit`, `labels.list`, `epics.get`, `epic_notes.list`,
    /// `epic_notes.create`, `epic_notes.edit`, `graphql`, `version.get`, and `unknown` for other
    /// routes.
    pub by_endpoint: BTreeMap<String, u64>,
    /// Webhook requests answered 2xx/3xx.
    pub webhooks_sent: u64,
    /// Webhook requests that failed (4xx, 5xx, timeout, connection error).
    pub webhooks_failed: u64,
    /// Events dropped because the hook was disabled.
    pub webhooks_dropped: u64,
    /// Events blocked by recursion detection.
    pub webhooks_blocked: u64,
}

impl Counters {
    /// Requests counted for one endpoint name (0 when never called).
    pub fn endpoint(&self, name: &str) -> u64 {
        self.by_endpoint.get(name).copied().unwrap_or(0)
    }
}

/// One write request (PUT/POST/DELETE) made to the API by an authenticated user, and the
/// status it was answered with: what an instance's request log would show. A 2xx status means
/// GitLab applied it; 429 and 5xx answers changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRecord {
    /// `PUT`, `POST` or `DELETE`.
    pub method: String,
    /// Path under `/api/v4` (`/projects/7/issues/12/notes`).
    pub path: String,
    /// Endpoint name, as in [`Counters::by_endpoint`].
    pub endpoint: String,
    /// Username of the token's owner.
    pub username: String,
    /// The answer's status.
    pub status: u16,
}

/// Identifies one webhook delivery (an event sent to one hook), for `resend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HookDeliveryId(pub u64);

/// Identifies a project webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HookId(pub u64);

/// The outcome of one delivery, as GitLab's "Recent events" shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Delivery id.
    pub id: HookDeliveryId,
    /// Hook it was sent to.
    pub hook: HookId,
    /// `X-Gitlab-Event`.
    pub event: String,
    /// `Idempotency-Key` / `webhook-id`.
    pub idempotency_key: String,
    /// `X-Gitlab-Event-UUID`.
    pub event_uuid: String,
    /// HTTP status of the last attempt (`None`: not sent yet, or no response).
    pub last_status: Option<u16>,
    /// Whether any attempt was answered 2xx: the receiver acknowledged the delivery.
    pub acknowledged: bool,
    /// Requests made for it (duplicates and resends included).
    pub attempts: u32,
}

/// Whether a hook currently fires (GITLAB.md §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    /// Fires normally.
    Enabled,
    /// Temporarily disabled until the given time (simulator clock).
    DisabledUntil(DateTime<Utc>),
    /// Disabled after 40 consecutive failures.
    PermanentlyDisabled,
}
