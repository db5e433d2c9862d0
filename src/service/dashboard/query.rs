//! The dashboard's and item exports' query string, read strictly into an [`ItemView`]
//! (filter, sort, page).

use crate::service::index::{ItemQuery, ItemView, QueryError};

/// The query parameters the item views accept.
const PARAMS: [&str; 10] = [
    "forge",
    "repository",
    "owner",
    "kind",
    "severity",
    "state",
    "overdue",
    "sort",
    "page",
    "per_page",
];

/// Reads the raw query of `/`, `/api/items`, `/api/items.csv` and `/api/stats` into a view.
/// Unlike a lax deserializer, a misspelt or repeated parameter is an error naming it, so a
/// typo in a bookmarked link does not silently show everything.
pub fn parse_query(raw: Option<&str>) -> Result<ItemView, QueryError> {
    let mut q = ItemQuery::default();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let slot = match k.as_ref() {
            "forge" => &mut q.forge,
            "repository" => &mut q.repository,
            "owner" => &mut q.owner,
            "kind" => &mut q.kind,
            "severity" => &mut q.severity,
            "state" => &mut q.state,
            "overdue" => &mut q.overdue,
            "sort" => &mut q.sort,
            "page" => &mut q.page,
            "per_page" => &mut q.per_page,
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
    ItemView::from_query(&q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::context::ItemState;

    #[test]
    fn queries_name_bad_unknown_and_repeated_parameters() {
        let f = parse_query(Some("repository=Acme%2FApi&owner=&state=open"))
            .unwrap()
            .filter;
        assert_eq!(f.repository.as_deref(), Some("acme/api"));
        assert_eq!(f.owner, None);
        assert_eq!(f.state, Some(ItemState::Open));
        assert_eq!(parse_query(None).unwrap(), ItemView::default());
        let message = |q: &str| parse_query(Some(q)).unwrap_err().to_string();
        assert_eq!(
            message("state=closed"),
            "state=closed: expected done, open, overdue or not planned"
        );
        assert_eq!(
            message("ownr=bob"),
            "ownr: unknown parameter (expected forge, repository, owner, kind, severity, state, \
             overdue, sort, page, per_page)"
        );
        assert_eq!(message("owner=a&owner=b"), "owner: given more than once");
    }
}
