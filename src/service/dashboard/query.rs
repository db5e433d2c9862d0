//! The dashboard's and item exports' query string, read strictly into an [`ItemFilter`].

use crate::service::index::{ItemFilter, ItemQuery, QueryError};

/// The query parameters the item views accept.
const PARAMS: [&str; 6] = ["forge", "repository", "owner", "kind", "state", "overdue"];

/// Reads the raw query of `/`, `/api/items` and `/api/items.csv` into a filter. Unlike a lax
/// deserializer, a misspelt or repeated parameter is an error naming it, so a typo in a
/// bookmarked link does not silently show everything.
pub fn parse_query(raw: Option<&str>) -> Result<ItemFilter, QueryError> {
    let mut q = ItemQuery::default();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let slot = match k.as_ref() {
            "forge" => &mut q.forge,
            "repository" => &mut q.repository,
            "owner" => &mut q.owner,
            "kind" => &mut q.kind,
            "state" => &mut q.state,
            "overdue" => &mut q.overdue,
            other => {
                return Err(QueryError::Unknown {
                    name: other.to_string(),
                    expected: PARAMS.join(", "),
                })
            }
        };
        if slot.is_some() {
            return Err(QueryError::Repeated(k.into_owned()));
        }
        *slot = Some(v.into_owned());
    }
    ItemFilter::from_query(&q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::context::ItemState;

    #[test]
    fn queries_name_bad_unknown_and_repeated_parameters() {
        let f = parse_query(Some("repository=Acme%2FApi&owner=&state=open")).unwrap();
        assert_eq!(f.repository.as_deref(), Some("acme/api"));
        assert_eq!(f.owner, None);
        assert_eq!(f.state, Some(ItemState::Open));
        assert_eq!(parse_query(None).unwrap(), ItemFilter::default());
        let message = |q: &str| parse_query(Some(q)).unwrap_err().to_string();
        assert_eq!(
            message("state=closed"),
            "state=closed: expected done, open or overdue"
        );
        assert_eq!(
            message("ownr=bob"),
            "ownr: unknown parameter (expected forge, repository, owner, kind, state, overdue)"
        );
        assert_eq!(message("owner=a&owner=b"), "owner: given more than once");
    }
}
