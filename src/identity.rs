//! Item identity: the stable key of an action item before it is tracked.
//!
//! key = hex(sha256(postmortem id + "\n" + normalised item text)), first 16 hex digits
//! (64 bits: collisions need about four billion items in one repository). The normalised text
//! is the item's plain words in lower case, so rewrapping a line, changing emphasis or
//! punctuation keeps the key; rewording it makes a new item. Once an item is tracked, its
//! identity is the issue reference written next to it in the file.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{ActionItem, Postmortem};
use crate::parse::plain_text;

/// An item's stable key: [`KEY_LEN`] hex digits, from [`keyed_items`] (or read back from an
/// issue's hidden marker). A type of its own, so that a key is never confused with the other
/// strings an item carries (its text, its path, its issue reference); it serialises as the
/// bare string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemKey(String);

impl ItemKey {
    /// A key as written elsewhere (an issue's marker, a stored row).
    pub fn new(key: impl Into<String>) -> ItemKey {
        ItemKey(key.into())
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One action item of a postmortem with its key and its place in `actions`.
#[derive(Debug, Clone, Copy)]
pub struct KeyedItem<'d> {
    /// Index in the postmortem's `actions`.
    pub index: usize,
    pub key: &'d ItemKey,
    pub item: &'d ActionItem,
}

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
pub fn item_key(postmortem_id: &str, text: &str) -> ItemKey {
    key_of(postmortem_id, &normalise(text), 1)
}

fn key_of(id: &str, normalised: &str, occurrence: usize) -> ItemKey {
    let mut h = Sha256::new();
    h.update(id.as_bytes());
    h.update(b"\n");
    h.update(normalised.as_bytes());
    // The second item with the same words in one postmortem is another item: it gets its own key.
    if occurrence > 1 {
        h.update(format!("\n{occurrence}").as_bytes());
    }
    ItemKey(
        h.finalize()
            .iter()
            .take(KEY_LEN / 2)
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// The keys of a postmortem's items, in order. Repeated texts get distinct keys
/// (by occurrence), so no key is planned twice.
pub fn item_keys(doc: &Postmortem) -> Vec<ItemKey> {
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

/// A postmortem's items with their keys, computed once for the whole document (an item's
/// key depends on the items before it with the same words).
pub struct Keyed<'d> {
    doc: &'d Postmortem,
    keys: Vec<ItemKey>,
}

impl<'d> Keyed<'d> {
    /// The keys of `doc`'s items.
    pub fn of(doc: &'d Postmortem) -> Keyed<'d> {
        Keyed {
            doc,
            keys: item_keys(doc),
        }
    }

    /// The postmortem.
    pub fn doc(&self) -> &'d Postmortem {
        self.doc
    }

    /// Every item with its key, in document order.
    pub fn items(&self) -> impl Iterator<Item = KeyedItem<'_>> + '_ {
        self.doc
            .actions
            .iter()
            .zip(&self.keys)
            .enumerate()
            .map(|(index, (item, key))| KeyedItem { index, key, item })
    }

    /// The item with `key`, wherever it now stands.
    pub fn find(&self, key: &ItemKey) -> Option<KeyedItem<'_>> {
        self.items().find(|k| k.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ignores_markup_case_and_spacing_but_not_words() {
        let a = item_key("PM-1", "Add an **alert** on  disk usage.");
        assert_eq!(a.as_str().len(), KEY_LEN);
        assert_eq!(a, item_key("PM-1", "add an alert on disk usage"));
        assert_ne!(a, item_key("PM-1", "Add an alert on memory usage"));
        assert_ne!(a, item_key("PM-2", "Add an alert on disk usage"));
        assert!(a.as_str().chars().all(|c| c.is_ascii_hexdigit()));
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
        let keyed = Keyed::of(&doc);
        let second = keyed.find(&keys[1]).unwrap();
        assert_eq!((second.index, second.item.line), (1, 6));
        assert!(keyed.find(&item_key("pm.md", "Nothing")).is_none());
    }
}
