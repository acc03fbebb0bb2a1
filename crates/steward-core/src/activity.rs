//! Human activity: when someone other than Steward last acted on an issue, the measure every
//! rule about inactivity reads, and whether an issue changed at all since Steward's own last
//! write (the catch-up sweep skips those).
//!
//! GitLab's `updated_at` cannot say who acted: Steward's own edits and comments bump it too (a
//! new note touches its issue, GITLAB.md §6.5). So the service records, after each of its
//! writes, what the issue looked like right after ([`OwnWrite`]): an `updated_at` later than
//! that record is someone else's doing. Two GitLab details shape the rest (Code:
//! `app/models/note.rb` `after_save :touch_noteable`, `app/models/concerns/throttled_touch.rb`,
//! `Issue` includes `ThrottledTouch`):
//!
//! - A comment touches its issue only when the issue was last updated more than a minute
//!   before (`TOUCH_INTERVAL = 1.minute`). A reply posted within a minute of Steward's write
//!   leaves `updated_at` where Steward's write put it; GitLab's `user_notes_count` (comments,
//!   system notes excluded) still moves, so a changed count is someone else's comment too.
//! - Label, assignee and due-date changes by a person are saved edits (not throttled touches)
//!   and always move `updated_at`; the system notes GitLab writes for them are authored by
//!   that person, so they are the same activity, not more of it.
//!
//! Pure functions over the issue and the record; no I/O, no clock.

use chrono::{DateTime, Utc};

use crate::model::{Issue, OwnWrite};

/// When someone other than Steward last acted on the issue: its creation, a comment or an edit
/// that was not Steward's. Without a record of Steward's writes, every update is taken for
/// someone else's (`updated_at`).
pub fn last_human_activity(issue: &Issue, own: Option<&OwnWrite>) -> DateTime<Utc> {
    let at = match own {
        None => issue.updated_at,
        Some(own) if issue.updated_at > own.updated_at => issue.updated_at,
        // GitLab left `updated_at` at Steward's write but the comment count moved: someone
        // commented within the minute GitLab does not stamp (see the module docs).
        Some(own) if comments_changed(issue, own) => own.updated_at.max(own.human_activity_at),
        Some(own) => own.human_activity_at,
    };
    at.max(issue.created_at)
}

/// Whether the issue is as Steward's own last write left it: same `updated_at`, same number of
/// comments. Such an issue has nothing new for Steward to react to.
pub fn unchanged_since_own_write(issue: &Issue, own: Option<&OwnWrite>) -> bool {
    own.is_some_and(|own| issue.updated_at == own.updated_at && !comments_changed(issue, own))
}

/// The record to keep after Steward wrote to `before` (the issue as read before the writes,
/// its [`Issue::last_human_activity`] worked out) and GitLab returned `after`.
pub fn record_own_write(before: &Issue, after: &Issue) -> OwnWrite {
    OwnWrite {
        updated_at: after.updated_at,
        user_notes_count: after.user_notes_count,
        human_activity_at: before.last_human_activity(),
    }
}

/// Both counts known and different.
fn comments_changed(issue: &Issue, own: &OwnWrite) -> bool {
    matches!((issue.user_notes_count, own.user_notes_count), (Some(a), Some(b)) if a != b)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{IssueId, IssueIid, IssueState, ProjectId};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn issue(updated: DateTime<Utc>, comments: Option<u64>) -> Issue {
        Issue {
            project_id: ProjectId(1),
            id: IssueId(10),
            iid: IssueIid(1),
            title: "t".into(),
            description: String::new(),
            state: IssueState::Opened,
            labels: Default::default(),
            assignees: vec![],
            author: None,
            created_at: at(2, 9),
            updated_at: updated,
            closed_at: None,
            due_date: None,
            confidential: false,
            web_url: String::new(),
            owned_note_keys: Default::default(),
            managed_due_date: None,
            waiting: Default::default(),
            user_notes_count: comments,
            last_human_activity_at: None,
            work_item_type: None,
        }
    }

    /// Steward wrote on the 10th at 12:00 (the issue then had 2 comments); the last human
    /// activity before was the 3rd.
    fn own() -> OwnWrite {
        OwnWrite {
            updated_at: at(10, 12),
            user_notes_count: Some(2),
            human_activity_at: at(3, 15),
        }
    }

    #[test]
    fn last_human_activity_tells_stewards_writes_from_everyone_elses() {
        let cases: [(&str, Issue, Option<OwnWrite>, DateTime<Utc>); 7] = [
            (
                "no record: every update is someone else's",
                issue(at(10, 12), Some(2)),
                None,
                at(10, 12),
            ),
            (
                "nothing since Steward's write: the activity before it",
                issue(at(10, 12), Some(2)),
                Some(own()),
                at(3, 15),
            ),
            (
                "an edit after Steward's write",
                issue(at(12, 8), Some(2)),
                Some(own()),
                at(12, 8),
            ),
            (
                "a comment within GitLab's unstamped minute moves the count only",
                issue(at(10, 12), Some(3)),
                Some(own()),
                at(10, 12),
            ),
            (
                "an older read than the record is still Steward's",
                issue(at(9, 12), Some(2)),
                Some(own()),
                at(3, 15),
            ),
            (
                "an unknown count is not taken for a comment",
                issue(at(10, 12), None),
                Some(own()),
                at(3, 15),
            ),
            (
                "never before the issue was created",
                issue(at(10, 12), Some(2)),
                Some(OwnWrite {
                    human_activity_at: at(1, 0),
                    ..own()
                }),
                at(2, 9),
            ),
        ];
        for (name, issue, own, want) in cases {
            assert_eq!(last_human_activity(&issue, own.as_ref()), want, "{name}");
        }
    }

    #[test]
    fn an_issue_is_unchanged_only_when_stamp_and_comment_count_are_stewards() {
        assert!(unchanged_since_own_write(
            &issue(at(10, 12), Some(2)),
            Some(&own())
        ));
        assert!(!unchanged_since_own_write(
            &issue(at(10, 13), Some(2)),
            Some(&own())
        ));
        assert!(!unchanged_since_own_write(
            &issue(at(10, 12), Some(3)),
            Some(&own())
        ));
        assert!(!unchanged_since_own_write(
            &issue(at(10, 12), Some(2)),
            None
        ));
    }

    #[test]
    fn the_record_after_a_write_keeps_the_human_activity_from_before_it() {
        let mut before = issue(at(10, 12), Some(2));
        before.last_human_activity_at = Some(last_human_activity(&before, Some(&own())));
        let mut after = issue(at(20, 9), Some(3));
        let next = record_own_write(&before, &after);
        assert_eq!(next.updated_at, at(20, 9));
        assert_eq!(next.user_notes_count, Some(3));
        assert_eq!(
            next.human_activity_at,
            at(3, 15),
            "Steward's nudge is not activity"
        );
        // A later nudge over the same quiet issue keeps the same human date.
        after.last_human_activity_at = Some(last_human_activity(&after, Some(&next)));
        let again = record_own_write(&after, &issue(at(27, 9), Some(4)));
        assert_eq!(again.human_activity_at, at(3, 15));
    }
}
