//! The requests the demo files: who files them, their titles and descriptions (the realistic
//! texts the tests use) and what the report expects of each. Data only.

/// One request the demo files.
pub(super) struct Request {
    pub(super) by: &'static str,
    pub(super) title: &'static str,
    pub(super) text: String,
    pub(super) expect: &'static str,
}

/// Every request, in filing order.
pub(super) fn requests() -> Vec<Request> {
    let mut all = speaker_and_press();
    all.extend(other_programs());
    all
}

/// The speaker and press requests (clean, late and messy ones).
fn speaker_and_press() -> Vec<Request> {
    let speaker = include_str!("../../tests/data/requests/customer-speaker-request--clean.md");
    let press = include_str!("../../tests/data/requests/customer-press-request--clean.md");
    vec![
        Request {
            by: "asales",
            title: "Customer speaker for DevSecOps World Tour Chicago",
            text: speaker.to_owned(),
            expect: "on time (147 days ahead): triaged, assigned to the speaker DRI, due 30 days before the event",
        },
        Request {
            by: "bmarketing",
            title: "Customer speaker for the DevOps Leaders Summit (January)",
            text: speaker
                .replace(
                    "GitLab DevSecOps World Tour Chicago",
                    "DevOps Leaders Summit",
                )
                .replace("2027-04-21", "2027-01-09"),
            expect: "late (45 of 60 days): flagged with one comment",
        },
        Request {
            by: "ccs",
            title: "Speaker: Helix Bank at the FinServ Engineering Forum",
            text: include_str!("../../tests/data/requests/customer-speaker-request--messy.md")
                .to_owned(),
            expect: "messy but complete (plain labels, US date): handled like a clean one",
        },
        Request {
            by: "asales",
            title: "Speaker request (details to follow)",
            text: include_str!(
                "../../tests/data/requests/customer-speaker-request--late-and-broken.md"
            )
            .to_owned(),
            expect: "incomplete: needs-info with a checklist of what is missing",
        },
        Request {
            by: "bmarketing",
            title: "Press quote for the Q1 platform launch",
            text: press.to_owned(),
            expect: "on time: routed to the press DRI",
        },
        Request {
            by: "ccs",
            title: "Customer quote for a trade-press feature due in two weeks",
            text: press.replace("**Deadline:** 2027-02-15", "**Deadline:** 2026-12-10"),
            expect: "late (15 of 30 days): flagged with one comment",
        },
    ]
}

/// One or two requests of each other program.
fn other_programs() -> Vec<Request> {
    vec![
        Request {
            by: "ccs",
            title: "Story idea: large bank consolidating CI",
            text: include_str!("../../tests/data/requests/customer-story-idea--clean.md")
                .to_owned(),
            expect: "prioritised from account size, tier and users",
        },
        Request {
            by: "asales",
            title: "Story idea (quick note from the field)",
            text: include_str!("../../tests/data/requests/customer-story-idea--messy.md")
                .to_owned(),
            expect: "messy story idea: still prioritised",
        },
        Request {
            by: "asales",
            title: "Earnings reference candidate",
            text: include_str!("../../tests/data/requests/earnings-customer-reference--clean.md")
                .to_owned(),
            expect: "classified First Order or Growth",
        },
        Request {
            by: "bmarketing",
            title: "Logo on the website for a new customer",
            text: include_str!(
                "../../tests/data/requests/customer-reference-approval--no-approval-yet.md"
            )
            .replace("December 1st, 2026", "December 18th, 2026"),
            expect: "no written approval yet: flagged; due 10 business days before publishing",
        },
        Request {
            by: "ccs",
            title: "Analyst reference survey participants",
            text: include_str!("../../tests/data/requests/analyst-participation-request--clean.md")
                .to_owned(),
            expect: "routed to Analyst Relations and Advocacy",
        },
        Request {
            by: "asales",
            title: "EAB nomination",
            text: include_str!("../../tests/data/requests/eab-nomination--director.md").to_owned(),
            expect: "below VP level: flagged",
        },
        Request {
            by: "bmarketing",
            title: "Reference contest entry",
            text: include_str!(
                "../../tests/data/requests/reference-contest-entry--missing-evidence.md"
            )
            .to_owned(),
            expect: "no agreement evidence and an impossible date: needs-info",
        },
    ]
}
