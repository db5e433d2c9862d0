//! Item identity: the stable key of an action item before it is tracked.
//!
//! key = hex(sha256(postmortem id + "\n" + normalised item text)), first 16 hex digits
//! (64 bits: collisions need about four billion items in one repository). The normalised text
//! is the item's plain words in lower case, so rewrapping a line, changing emphasis or
//! punctuation keeps the key; rewording it makes a new item. Once an item is tracked, its
//! identity is the issue reference written next to it in the file.

use sha2::{Digest, Sha256};

use crate::model::Postmortem;
use crate::parse::plain_text;

/// Hex digits kept from the hash.
pub const KEY_LEN: usize = 16;

/// Lower-case words of an item's text, markup and punctuation removed, one space between.
pub fn normalise(text: &str) -> String {
    plain_text(text)
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The key of an item with this text in the postmortem with this id.
pub fn item_key(postmortem_id: &str, text: &str) -> String {
    key_of(postmortem_id, &normalise(text), 1)
}

fn key_of(id: &str, normalised: &str, occurrence: usize) -> String {
    let mut h = Sha256::new();
    h.update(id.as_bytes());
    h.update(b"\n");
    h.update(normalised.as_bytes());
    // The second item with the same words in one postmortem is another item: it gets its own key.
    if occurrence > 1 {
        h.update(format!("\n{occurrence}").as_bytes());
    }
    h.finalize()
        .iter()
        .take(KEY_LEN / 2)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The keys of a postmortem's items, in order. Repeated texts get distinct keys
/// (by occurrence), so no key is planned twice.
pub fn item_keys(doc: &Postmortem) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    doc.actions
        .iter()
        .map(|a| {
            let n = normalise(&a.text);
            let count = seen.entry(n.clone()).or_insert(0);
            *count += 1;
            key_of(&doc.id, &n, *count)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ignores_markup_case_and_spacing_but_not_words() {
        let a = item_key("PM-1", "Add an **alert** on  disk usage.");
        assert_eq!(a.len(), KEY_LEN);
        assert_eq!(a, item_key("PM-1", "add an alert on disk usage"));
        assert_ne!(a, item_key("PM-1", "Add an alert on memory usage"));
        assert_ne!(a, item_key("PM-2", "Add an alert on disk usage"));
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn repeated_items_get_distinct_keys() {
        let doc = crate::parse::parse(
            "pm.md",
            "# PM\n\n## Action items\n\n- Check the backups\n- Check the backups\n- Other\n",
            &Default::default(),
        );
        let keys = item_keys(&doc);
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0], item_key("pm.md", "Check the backups"));
        assert_ne!(keys[0], keys[1]);
    }
}
