//! Naming an issue the way a person does: its URL, `PROJECT#IID` (a numeric project id or the
//! project's path), or `#IID` when Steward serves one project. Parsing is pure; [`resolve`]
//! reads the issue, trying only the served projects (no project lookup call is needed).

use steward_core::model::{Issue, IssueIid, ProjectId};

use crate::gitlab::{CallContext, GitLab, GitLabError};

/// The project part of an [`IssueRef`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectPart {
    /// A numeric project id (`42#7`).
    Id(ProjectId),
    /// A project path (`advocacy/requests#7`, or from a URL), matched against the served
    /// projects' issue URLs.
    Path(String),
    /// No project given (`#7`, `7`): the only served project.
    Only,
}

/// An issue as someone named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRef {
    /// Which project.
    pub project: ProjectPart,
    /// The issue's number in it.
    pub iid: IssueIid,
}

/// Why a reference cannot be used, with what to write instead.
#[derive(Debug, thiserror::Error)]
pub enum RefError {
    /// Not one of the accepted forms.
    #[error(
        "`{0}` is not an issue reference; write its URL \
         (https://gitlab.example.com/group/project/-/issues/12), PROJECT#IID (42#12 or \
         group/project#12) or #IID when one project is served"
    )]
    Syntax(String),
    /// `#IID` while several projects (or none) are served.
    #[error("`#{0}` names no project and Steward serves {1} projects; write PROJECT#IID")]
    Ambiguous(IssueIid, usize),
    /// No served project has that issue.
    #[error("{0} is not an issue of a project Steward serves")]
    NotServed(String),
    /// GitLab could not be asked.
    #[error("reading the issue from GitLab: {0}")]
    GitLab(#[from] GitLabError),
}

fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| *n > 0)
}

/// Parses a reference. Surrounding spaces are ignored.
pub fn parse(text: &str) -> Result<IssueRef, RefError> {
    let t = text.trim();
    let bad = || RefError::Syntax(steward_core::untrusted::one_line(t, 120));
    if t.starts_with("http://") || t.starts_with("https://") {
        let rest = t.split_once("://").map_or("", |(_, r)| r);
        let path = rest.split(['?', '#']).next().unwrap_or("");
        let (_host, path) = path.split_once('/').ok_or_else(bad)?;
        let (project, tail) = path
            .split_once("/-/issues/")
            .or_else(|| path.split_once("/-/work_items/"))
            .ok_or_else(bad)?;
        let iid = number(tail.trim_end_matches('/')).ok_or_else(bad)?;
        if project.is_empty() {
            return Err(bad());
        }
        return Ok(IssueRef {
            project: ProjectPart::Path(project.to_owned()),
            iid: IssueIid(iid),
        });
    }
    let (project, iid) = match t.rsplit_once('#') {
        Some((p, i)) => (p, i),
        None => ("", t),
    };
    let iid = IssueIid(number(iid).ok_or_else(bad)?);
    let project = if project.is_empty() {
        ProjectPart::Only
    } else if let Some(id) = number(project) {
        ProjectPart::Id(ProjectId(id))
    } else if project
        .chars()
        .all(|c| c.is_alphanumeric() || "/-_.".contains(c))
        && !project.starts_with('/')
    {
        ProjectPart::Path(project.to_owned())
    } else {
        return Err(bad());
    };
    Ok(IssueRef { project, iid })
}

/// The project path in an issue's web URL (`https://host/a/b/-/issues/3` → `a/b`).
fn path_of(web_url: &str) -> Option<&str> {
    let rest = web_url.split_once("://")?.1;
    let path = rest.split_once('/')?.1;
    Some(path.split_once("/-/")?.0)
}

/// Reads the issue a reference names, from the served projects only.
pub async fn resolve(
    gitlab: &dyn GitLab,
    projects: &[ProjectId],
    r: &IssueRef,
) -> Result<Issue, RefError> {
    let ctx = CallContext::none();
    let shown = |p: &str| format!("{p}#{}", r.iid);
    match &r.project {
        ProjectPart::Id(id) => {
            if !projects.is_empty() && !projects.contains(id) {
                return Err(RefError::NotServed(shown(&id.to_string())));
            }
            Ok(gitlab.get_issue(&ctx, *id, r.iid).await?)
        }
        ProjectPart::Only => match projects {
            [only] => Ok(gitlab.get_issue(&ctx, *only, r.iid).await?),
            _ => Err(RefError::Ambiguous(r.iid, projects.len())),
        },
        ProjectPart::Path(path) => {
            for project in projects {
                match gitlab.get_issue(&ctx, *project, r.iid).await {
                    Ok(issue) if path_of(&issue.web_url).is_some_and(|p| p == path) => {
                        return Ok(issue);
                    }
                    Ok(_) => {}
                    Err(e) if e.status() == Some(404) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(RefError::NotServed(shown(path)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_form_names_its_project_and_issue() {
        let path = |p: &str| ProjectPart::Path(p.to_owned());
        let cases = [
            (
                "https://gitlab.example.com/advocacy/requests/-/issues/12",
                path("advocacy/requests"),
                12,
            ),
            (
                "https://gitlab.example.com/a/b/c/-/issues/7#note_99",
                path("a/b/c"),
                7,
            ),
            (
                "https://gitlab.example.com/advocacy/requests/-/work_items/5?x=1",
                path("advocacy/requests"),
                5,
            ),
            ("42#12", ProjectPart::Id(ProjectId(42)), 12),
            ("advocacy/requests#3", path("advocacy/requests"), 3),
            ("#9", ProjectPart::Only, 9),
            ("  9 ", ProjectPart::Only, 9),
        ];
        for (text, project, iid) in cases {
            let r = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(r.project, project, "{text}");
            assert_eq!(r.iid, IssueIid(iid), "{text}");
        }
    }

    #[test]
    fn a_reference_that_is_not_one_says_what_to_write() {
        for text in [
            "",
            "#",
            "#0",
            "12a",
            "<script>#1",
            "https://gitlab.example.com/a/b/-/merge_requests/3",
            "https://gitlab.example.com/-/issues/3",
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains("PROJECT#IID"), "{text}: {e}");
        }
    }

    #[test]
    fn the_project_path_is_read_from_an_issue_url() {
        assert_eq!(
            path_of("http://127.0.0.1:9/advocacy/requests/-/issues/3"),
            Some("advocacy/requests")
        );
        assert_eq!(path_of("not a url"), None);
    }
}
