//! `steward labels [--apply]`: lists, per served project, the labels `rules/labels.yaml`
//! declares that the project lacks; with `--apply`, creates them (each write audited) and says
//! what became of each. Opt-in: nothing else in Steward creates a label.
//!
//! Reporting only; the comparing and creating is `crate::label_sync`.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_CONFIG, EXIT_OK};
use crate::label_sync::{Creation, create_labels, missing_labels};
use crate::service::AppState;
use steward_core::model::ProjectId;
use steward_core::untrusted::one_line;

/// Arguments of `steward labels`.
#[derive(Debug, Clone, clap::Args)]
pub struct LabelsArgs {
    /// Settings file (as for `serve`).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Create the missing labels (with their declared colour and description).
    #[arg(long)]
    pub apply: bool,
}

/// Lists (and with `--apply` creates) the missing labels; exit 1 when GitLab or the store
/// failed, or a label could not be created.
pub fn run(args: &LabelsArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    super::init_tracing(false);
    let Some(rt) = super::once::runtime(err, "labels") else {
        return EXIT_CONFIG;
    };
    let result = rt.block_on(async {
        let state = super::serve::build_app(args.config.as_deref()).await?.state;
        if state.projects.is_empty() {
            return Err(
                "no projects configured (set `projects` or STEWARD_PROJECTS): \
                        labels are compared with the served projects' labels"
                    .to_owned(),
            );
        }
        let mut failed = 0;
        for &project in &state.projects {
            failed += one_project(&state, project, args.apply, out).await?;
        }
        Ok::<_, String>(failed)
    });
    match result {
        Ok(0) => {
            if !args.apply {
                let _ = writeln!(
                    out,
                    "run `steward labels --apply` to create the missing labels"
                );
            }
            EXIT_OK
        }
        Ok(n) => {
            let _ = writeln!(
                err,
                "steward labels: {n} label(s) could not be created (see above)"
            );
            EXIT_CONFIG
        }
        Err(e) => {
            let _ = writeln!(err, "steward labels: {e}");
            EXIT_CONFIG
        }
    }
}

/// Lists, or creates, the declared labels `project` lacks; returns how many could not be
/// created.
async fn one_project(
    state: &AppState,
    project: ProjectId,
    apply: bool,
    out: &mut dyn Write,
) -> Result<usize, String> {
    let catalog = state.engine.label_catalog();
    let missing = missing_labels(state.gitlab.as_ref(), catalog, project)
        .await
        .map_err(|e| format!("project {project}: {e}"))?;
    let _ = writeln!(
        out,
        "project {project}: {} of {} declared labels missing",
        missing.len(),
        catalog.iter().count()
    );
    if !apply {
        for l in &missing {
            let _ = writeln!(
                out,
                "    {} ({}) {}",
                l.name,
                l.color,
                one_line(&l.description, 120)
            );
        }
        return Ok(0);
    }
    let now = state.clock.now();
    let done = create_labels(
        state.gitlab.as_ref(),
        state.store.as_ref(),
        project,
        &missing,
        now,
    )
    .await
    .map_err(|e| {
        format!("project {project}: the audit log refused the write, nothing more was sent: {e}")
    })?;
    let mut failed = 0;
    for (l, what) in done {
        let said = match what {
            Creation::Created => "created".to_owned(),
            Creation::AlreadyThere => "already there (created meanwhile)".to_owned(),
            Creation::Failed(e) => {
                failed += 1;
                format!("NOT created: {e}")
            }
        };
        let _ = writeln!(out, "    {} ({}): {said}", l.name, l.color);
    }
    Ok(failed)
}
