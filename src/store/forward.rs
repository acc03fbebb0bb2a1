//! The [`Store`](super::Store) methods both backends implement the same way: by boxing the
//! future of an inherent `*_op` method of the same meaning. [`store_forwarders`] writes them
//! once, so a backend's `impl Store` holds only what differs (opening checks, migrations, the
//! delivery write path) and each backend's SQL lives in its `*_op` methods.
//!
//! No SQL and no logic live here.

/// Boxes each listed inherent operation as the trait method of the given name.
macro_rules! forward_to_ops {
    ($lt:lifetime; $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $op:ident($($call:expr),*);)*) => {
        $(
            fn $name<$lt>(
                &$lt self,
                $($arg: $ty),*
            ) -> $crate::store::BoxFuture<$lt, Result<$ret, $crate::store::StoreError>> {
                Box::pin(self.$op($($call),*))
            }
        )*
    };
}

/// Expands, inside `impl Store for Backend`, to every method that forwards to an inherent
/// `*_op` method of the backend.
macro_rules! store_forwarders {
    () => {
        forward_to_ops! {
            'a;
            fn get_delivery(id: $crate::store::DeliveryId)
                -> Option<$crate::store::StoredDelivery> = get_delivery_op(id);
            fn prune_deliveries(now: ::chrono::DateTime<::chrono::Utc>, retain: ::std::time::Duration)
                -> u64 = prune_deliveries_op(now, retain);
            fn deliveries_per_hour(since: ::chrono::DateTime<::chrono::Utc>, until: ::chrono::DateTime<::chrono::Utc>)
                -> Vec<$crate::store::HourCount> = deliveries_per_hour_op(since, until);
            fn enqueue_job(job: $crate::store::NewJob)
                -> $crate::store::EnqueueOutcome = enqueue_job_op(job);
            fn claim_job(worker_id: &'a str, now: ::chrono::DateTime<::chrono::Utc>, lease: ::std::time::Duration)
                -> Option<$crate::store::ClaimedJob> = claim_job_op(worker_id, now, lease);
            fn extend_lease(job: &'a $crate::store::ClaimedJob, now: ::chrono::DateTime<::chrono::Utc>, lease: ::std::time::Duration)
                -> ::chrono::DateTime<::chrono::Utc> = extend_lease_op(job, now, lease);
            fn complete_job(job: &'a $crate::store::ClaimedJob, now: ::chrono::DateTime<::chrono::Utc>, summary: &'a str)
                -> () = finish_job_op(job, now, $crate::store::JobState::Done, summary);
            fn retry_job(job: &'a $crate::store::ClaimedJob, now: ::chrono::DateTime<::chrono::Utc>, error: &'a str, next_run_at: ::chrono::DateTime<::chrono::Utc>)
                -> $crate::store::RetryOutcome = retry_job_op(job, now, error, next_run_at);
            fn fail_job(job: &'a $crate::store::ClaimedJob, now: ::chrono::DateTime<::chrono::Utc>, error: &'a str)
                -> () = fail_job_op(job, now, error);
            fn mark_job_gone(job: &'a $crate::store::ClaimedJob, now: ::chrono::DateTime<::chrono::Utc>, reason: &'a str)
                -> () = finish_job_op(job, now, $crate::store::JobState::Gone, reason);
            fn requeue_dead(id: $crate::store::JobId, now: ::chrono::DateTime<::chrono::Utc>)
                -> bool = requeue_dead_op(id, now);
            fn prune_done_jobs(now: ::chrono::DateTime<::chrono::Utc>, retain: ::std::time::Duration)
                -> u64 = prune_done_jobs_op(now, retain);
            fn queue_stats() -> $crate::store::QueueStats = queue_stats_op();
            fn next_run_at() -> Option<::chrono::DateTime<::chrono::Utc>> = next_run_at_op();
            fn list_jobs(state: Option<$crate::store::JobState>, limit: u32)
                -> Vec<$crate::store::JobRecord> = list_jobs_op(state, limit);
            fn append_audit(entry: $crate::store::AuditEntry) -> $crate::store::AuditId = append_audit_op(entry);
            fn finish_audit(id: $crate::store::AuditId, status: Option<u16>, detail: String)
                -> () = finish_audit_op(id, status, detail);
            fn list_audit(filter: &'a $crate::store::AuditFilter)
                -> Vec<$crate::store::AuditRecord> = list_audit_op(filter);
            fn count_audit(filter: &'a $crate::store::AuditFilter) -> u64 = count_audit_op(filter);
            fn get_owned_note(target: &'a $crate::store::NoteTarget, key: &'a str)
                -> Option<$crate::store::OwnedNote> = get_owned_note_op(target, key);
            fn list_owned_notes(target: &'a $crate::store::NoteTarget)
                -> Vec<(String, $crate::store::OwnedNote)> = list_owned_notes_op(target);
            fn put_owned_note(target: &'a $crate::store::NoteTarget, key: &'a str, note: $crate::store::OwnedNote)
                -> () = put_owned_note_op(target, key, note);
            fn put_ask(ask: &'a ::steward_core::customers::Ask, now: ::chrono::DateTime<::chrono::Utc>)
                -> () = put_ask_op(ask, now);
            fn list_asks(account: Option<&'a ::steward_core::customers::AccountKey>)
                -> Vec<::steward_core::customers::Ask> = list_asks_op(account);
            fn add_issue_link(a: (::steward_core::model::ProjectId, ::steward_core::model::IssueIid), b: (::steward_core::model::ProjectId, ::steward_core::model::IssueIid), now: ::chrono::DateTime<::chrono::Utc>)
                -> () = add_issue_link_op(a, b, now);
            fn issue_links(project: ::steward_core::model::ProjectId, iid: ::steward_core::model::IssueIid)
                -> Vec<(::steward_core::model::ProjectId, ::steward_core::model::IssueIid)> = issue_links_op(project, iid);
            fn claim_slot(schedule: &'a str, slot: ::chrono::DateTime<::chrono::Utc>, owner: &'a str, now: ::chrono::DateTime<::chrono::Utc>)
                -> bool = claim_slot_op(schedule, slot, owner, now);
            fn finish_slot(schedule: &'a str, slot: ::chrono::DateTime<::chrono::Utc>, now: ::chrono::DateTime<::chrono::Utc>, outcome: &'a str)
                -> bool = finish_slot_op(schedule, slot, now, outcome);
            fn last_finished_slot(schedule: &'a str)
                -> Option<::chrono::DateTime<::chrono::Utc>> = last_finished_slot_op(schedule);
            fn read_state(key: &'a $crate::store::StateKey) -> Option<String> = read_state_op(key);
            fn write_state(key: &'a $crate::store::StateKey, value: &'a str, now: ::chrono::DateTime<::chrono::Utc>)
                -> () = write_state_op(key, value, now);
            fn prune_state(now: ::chrono::DateTime<::chrono::Utc>, retain: ::std::time::Duration)
                -> $crate::store::StatePruned = prune_state_op(now, retain);
        }
    };
}
