//! A filled report for `templates check` and the tests of the `can_report` template.

use super::{CanReport, Cite, Note, Participant, Statement, Tag};

/// A filled report for `templates check` and tests of the `can_report` template.
pub fn sample() -> CanReport {
    let c = |t: &str, line| Cite {
        time: Some(t.into()),
        line,
    };
    let mut problem = Statement::new(
        "Pete says, “After the software release, there are a couple of customers that are not able to log in.”".into(),
        Tag::Problem,
        Some("Pete".into()),
        c("04:21:43", 11),
    );
    problem.affected = Some("a couple of customers".into());
    problem.since = Some("after the software release".into());
    problem.places = vec!["Server 24".into()];
    problem.notes.push(Note {
        kind: "restored".into(),
        text: "Customer Service reports they have checked with a customer and they are able to log in.".into(),
        cite: c("06:31:05", 35),
        order: 1,
    });
    problem.cites.push(c("06:31:05", 35));
    let mut need = Statement::new(
        "Pete asks both Executives if they want the group to focus on resolving the issue or continue investigating.".into(),
        Tag::Decision,
        Some("Pete".into()),
        c("04:58:41", 17),
    );
    need.owner = Some("Joe".into());
    need.notes.push(Note {
        kind: "no answer".into(),
        text: "No answer from either one.".into(),
        cite: c("04:58:41", 17),
        order: 1,
    });
    CanReport {
        source: "incidents/bridge.txt".into(),
        title: Some("Login failures after release".into()),
        as_of: Some("05:00:00".into()),
        start: Some("03:39:25".into()),
        end: Some("05:00:00".into()),
        duration_minutes: Some(80),
        ended: false,
        entries_used: 7,
        entries_total: 21,
        participants: vec![Participant {
            name: "Paul".into(),
            role: Some("executive".into()),
            named: true,
            cites: vec![c("04:21:43", 11)],
        }],
        conditions: vec![problem],
        actions: vec![Statement::new(
            "Pete reports that the executive has been contacted.".into(),
            Tag::Done,
            Some("Pete".into()),
            c("04:19:20", 9),
        )],
        needs: vec![need],
        problems_open: 0,
        problems_restored: 1,
    }
}
