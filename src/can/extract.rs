//! What a condition carries beyond its sentence: the places named, who and how many are
//! affected, since when; and the participants and their roles.

use super::builder::*;
use super::sentences::*;
use super::{Cite, Participant};

/// Places named: "Server 24", "Main Street Datacenter (MSDC)".
pub(super) fn places(text: &str) -> Vec<String> {
    const NUMBERED: &[&str] = &[
        "server", "host", "node", "cluster", "database", "db", "region", "shard",
    ];
    const SITES: &[&str] = &[
        "datacenter",
        "datacentre",
        "center",
        "centre",
        "region",
        "zone",
    ];
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .collect();
    let raw: Vec<&str> = text.split_whitespace().collect();
    let capitalised = |w: &str| w.starts_with(|c: char| c.is_uppercase());
    let mut out: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let lower = w.to_lowercase();
        if NUMBERED.contains(&lower.as_str()) {
            if let Some(n) = words.get(i + 1) {
                if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
                    out.push(format!("{w} {n}"));
                }
            }
        }
        // "Main Street Datacenter", "Frankfurt Data Center": capitalised words before it.
        if SITES.contains(&lower.as_str()) && capitalised(w) {
            let mut start = i;
            while start > 0 && i - start < 4 && capitalised(&words[start - 1]) {
                start -= 1;
                if raw[start].ends_with([',', '.', ';', ':']) {
                    start += 1;
                    break;
                }
            }
            if start < i {
                let mut name = words[start..=i].join(" ");
                if let Some(abbr) = raw.get(i + 1).filter(|a| a.starts_with('(')) {
                    name.push(' ');
                    name.push_str(abbr.trim_end_matches([',', '.', ';']));
                }
                out.push(name);
            }
        }
    }
    out.dedup();
    out
}

/// Who and how many are affected: a quantity before customers, users, cases…
pub(super) fn affected(norm: &str) -> Option<String> {
    const WHO: &[&str] = &[
        "contacts",
        "calls",
        "callers",
        "complaints",
        "orders",
        "payments",
        "customers",
        "customer",
        "users",
        "user",
        "cases",
        "clients",
        "accounts",
        "tenants",
        "requests",
        "transactions",
        "sites",
    ];
    const QUANTITY: &[&str] = &[
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "several",
        "many",
        "all",
        "most",
        "some",
        "few",
        "couple",
        "dozens",
        "hundreds",
        "thousands",
    ];
    let words: Vec<&str> = norm.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        if !WHO.contains(w) {
            continue;
        }
        // "a couple of customers", "seven cases", "61% of our users", "100% of users".
        for back in 1..=4.min(i) {
            let q = words[i - back];
            let numeric =
                q.trim_end_matches('%').chars().all(|c| c.is_ascii_digit()) && !q.is_empty();
            if QUANTITY.contains(&q) || numeric {
                let start = if q == "couple" || q == "few" {
                    i - back - usize::from(i - back > 0)
                } else {
                    i - back
                };
                return Some(words[start..=i].join(" "));
            }
        }
    }
    None
}

/// Since when: "started about 06:20", "since 14:00", "after the software release".
pub(super) fn since(text: &str, norm: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let lw = w.to_lowercase();
        if ["started", "began", "since", "starting"]
            .contains(&lw.trim_matches(|c: char| !c.is_alphanumeric()))
        {
            let rest: Vec<&str> = words[i + 1..].iter().take(3).copied().collect();
            if let Some(t) = rest.iter().position(|r| {
                r.contains(':') && r.chars().next().is_some_and(|c| c.is_ascii_digit())
            }) {
                let phrase = rest[..=t].join(" ");
                return Some(phrase.trim_end_matches(['.', ',', ';']).to_string());
            }
        }
    }
    for marker in ["after the ", "since the ", "following the "] {
        if let Some(p) = norm.find(&format!(" {marker}")) {
            let tail: Vec<&str> = norm[p + 1..].split_whitespace().take(4).collect();
            let stop = tail
                .iter()
                .position(|w| ["there", "we", "the"].contains(w) && *w != "the")
                .unwrap_or(tail.len());
            let words: Vec<&str> = tail[..stop].to_vec();
            // "after the software release": up to the change that started it.
            const CHANGES: [&str; 8] = [
                "release",
                "deploy",
                "deployment",
                "upgrade",
                "update",
                "change",
                "migration",
                "maintenance",
            ];
            if let Some(end) = words.iter().position(|w| CHANGES.contains(w)) {
                return Some(words[..=end].join(" "));
            }
        }
    }
    None
}

/// Participants and roles, in the order the text first names them.
pub(super) fn participants(sentences: &[Sentence]) -> Vec<Participant> {
    let mut out: Vec<Participant> = Vec::new();
    let mut add = |name: String, role: Option<&str>, named: bool, cite: &Cite| {
        if let Some(p) = out.iter_mut().find(|p| p.name.eq_ignore_ascii_case(&name)) {
            if p.role.is_none() && role.is_some() {
                p.role = role.map(String::from);
                if !p.cites.contains(cite) {
                    p.cites.push(cite.clone());
                }
            }
            return;
        }
        out.push(Participant {
            name,
            role: role.map(String::from),
            named,
            cites: vec![cite.clone()],
        });
    };
    const ROLES: &[(&str, &str)] = &[
        ("executive", "executive"),
        ("leader", "leader"),
        ("incident commander", "leader"),
        ("commander", "leader"),
        ("manager", "manager"),
    ];
    for s in sentences {
        // Apposition: "The Executive, Paul, joins".
        for (word, role) in ROLES {
            let pat = format!("the {word}, ");
            if let Some(p) = s.text.to_lowercase().find(&pat) {
                let rest = &s.text[p + pat.len()..];
                let name: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
                if is_person(&name) && rest[name.len()..].starts_with(',') {
                    add(name, Some(role), true, &s.cite);
                }
            }
        }
        // "Maria (leader), Sven (payments SME)" and "Ingrid, the VP of E-commerce,".
        for (name, role) in named_roles(&s.text) {
            add(name, Some(&role), true, &s.cite);
        }
        // "Pete offers that he is the leader", "Pete is the incident commander".
        if let Some(sp) = s.speaker.as_deref().filter(|sp| is_person(sp)) {
            let role = ROLES.iter().find(|(w, _)| {
                s.has(&format!("he is the {w}"))
                    || s.has(&format!("she is the {w}"))
                    || s.has(&format!("is the {w}"))
            });
            add(sp.to_string(), role.map(|(_, r)| *r), true, &s.cite);
        }
        let lower = s.norm.as_str();
        if lower.contains(" sme ") || lower.contains(" smes ") {
            add(
                "SMEs".into(),
                Some("subject-matter experts"),
                false,
                &s.cite,
            );
        }
        if lower.contains(" customer service ") {
            add(
                "Customer Service".into(),
                Some("customer service"),
                false,
                &s.cite,
            );
        }
        if lower.contains(" another executive ") {
            add(
                "a second executive".into(),
                Some("executive"),
                false,
                &s.cite,
            );
        }
        if lower.contains(" network group ") || lower.contains(" network team ") {
            add(
                "the network group".into(),
                Some("on a separate bridge"),
                false,
                &s.cite,
            );
        }
        if lower.contains(" on-call engineer ") {
            add(
                "the on-call engineer".into(),
                Some("on-call"),
                false,
                &s.cite,
            );
        }
    }
    out
}

/// "Name (role)" and "Name, the role," pairs of a sentence.
pub(super) fn named_roles(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let name = w.trim_end_matches([',', ':']);
        if !is_person(name) {
            continue;
        }
        // "Sven (payments SME)," — a short parenthesis right after the name.
        if words.get(i + 1).is_some_and(|n| n.starts_with('(')) {
            let rest = words[i + 1..].join(" ");
            if let Some(end) = rest.find(')') {
                let role = &rest[1..end];
                // "(MSDC)" after "Datacenter" is an abbreviation, not a role.
                let words_ok = (1..=4).contains(&role.split_whitespace().count());
                if words_ok && role.chars().any(char::is_lowercase) {
                    out.push((name.to_string(), role.to_string()));
                }
            }
        }
        // "Maria, the incident manager on duty." / "Ingrid, the VP of E-commerce, joins".
        if w.ends_with(',') && words.get(i + 1) == Some(&"the") {
            let rest = words[i + 2..].join(" ");
            let end = rest.find([',', '.', ';']).unwrap_or(rest.len());
            let role = &rest[..end];
            if (1..=6).contains(&role.split_whitespace().count()) {
                out.push((name.to_string(), role.to_string()));
            }
        }
    }
    out
}
