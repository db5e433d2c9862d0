//! The CAN report of the repository's bridge-transcript example (examples/postmortems/06).

use crate::can_seed003::find;
use postmortem_tracker::can::{self, Tag};
use postmortem_tracker::parse::{parse, ParseOptions};

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
    // Each statement with the tag the report gives it.
    let expected = [
        (
            &r.needs,
            "who will follow up with the security team",
            Tag::Unowned,
        ),
        (&r.needs, "voided in bulk or left to expire", Tag::Decision),
        (&r.needs, "root cause analysis include", Tag::Required),
        (&r.actions, "Piotr rolls back the firewall rule", Tag::Done),
        (&r.actions, "Ingrid approves the rollback", Tag::Decided),
        (&r.actions, "asks Chen to page", Tag::Assigned),
        (
            &r.conditions,
            "card payments in the web shop have been declined",
            Tag::Problem,
        ),
        (&r.conditions, "declares service restored", Tag::Restored),
    ];
    for (list, needle, tag) in expected {
        assert_eq!(find(list, needle).tag, tag, "{needle}");
    }
    // Answered on the spot: not a need.
    assert!(!r.needs.iter().any(|n| n.text.contains("retry later")));

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
