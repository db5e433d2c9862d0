//! The CAN report of the repository's bridge-transcript example (examples/postmortems/06).

use postmortem_tracker::can::{self, Statement, Tag};
use postmortem_tracker::parse::{parse, ParseOptions};

fn find<'a>(list: &'a [Statement], needle: &str) -> &'a Statement {
    list.iter()
        .find(|s| s.text.contains(needle))
        .unwrap_or_else(|| {
            let texts: Vec<&str> = list.iter().map(|s| s.text.as_str()).collect();
            panic!("no statement with {needle:?} in {texts:#?}")
        })
}

#[test]
fn needs_actions_and_roles_of_the_card_payments_bridge() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/postmortems/06-card-payments-bridge-transcript.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let pm = parse("06.txt", &text, &ParseOptions::default());
    let r = can::report_document(&pm, Some(&text), None);

    // Questions nobody answered, or answered and asked again without a clear answer.
    for q in [
        "whether anything was changed on the firewalls",
        "charged twice?",
        "how long until payments work again",
        "release the reservations ourselves",
    ] {
        assert_eq!(find(&r.needs, q).tag, Tag::Question, "{q}");
    }
    assert_eq!(
        find(&r.needs, "who will follow up with the security team").tag,
        Tag::Unowned
    );
    assert_eq!(
        find(&r.needs, "voided in bulk or left to expire").tag,
        Tag::Decision
    );
    assert_eq!(
        find(&r.needs, "root cause analysis include").tag,
        Tag::Required
    );
    // Answered on the spot: not a need.
    assert!(!r.needs.iter().any(|n| n.text.contains("retry later")));

    assert_eq!(
        find(&r.actions, "Piotr rolls back the firewall rule").tag,
        Tag::Done
    );
    assert_eq!(
        find(&r.actions, "Ingrid approves the rollback").tag,
        Tag::Decided
    );
    assert_eq!(find(&r.actions, "asks Chen to page").tag, Tag::Assigned);
    assert_eq!(
        find(
            &r.conditions,
            "card payments in the web shop have been declined"
        )
        .tag,
        Tag::Problem
    );
    assert_eq!(
        find(&r.conditions, "declares service restored").tag,
        Tag::Restored
    );

    let role = |n: &str| {
        r.participants
            .iter()
            .find(|p| p.name == n)
            .and_then(|p| p.role.clone())
    };
    assert_eq!(role("Maria").as_deref(), Some("incident manager on duty"));
    assert_eq!(role("Sven").as_deref(), Some("payments SME"));
    assert_eq!(role("Ingrid").as_deref(), Some("VP of E-commerce"));
    assert!(!r.participants.iter().any(|p| p.name == "Nobody"));
}
