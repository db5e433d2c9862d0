//! The read side of the service: the dashboard at `/`, `GET /api/items` (JSON) and
//! `GET /api/items.csv`, and the items gauges of `/metrics`.
//!
//! The page is server-rendered HTML from `templates/dashboard.html.hbs` and works without
//! JavaScript: the filters are a GET form, the charts inline SVG. The chart geometry (scales,
//! ticks, points, bars) is computed here by pure functions and handed to the template as
//! numbers and labels, so the template stays markup only and every text in it is escaped by
//! handlebars (`{{value}}` escapes HTML; the template never uses `{{{value}}}`).
//!
//! - [`template`]: the compiled page template (embedded, or a `templates_dir` override)
//! - [`query`]: the filter in the query string, strictly read
//! - [`mod@page`]: the view model the template receives (pure)
//! - [`charts`]: the SVG chart geometry (pure)
//!
//! The HTTP handlers are in `service/http/dashboard.rs`, the items gauges of `/metrics` in
//! [`crate::service::metrics`].

pub mod charts;
pub mod page;
pub mod query;
pub mod template;

pub use page::{page, Page};
pub use query::parse_query;
pub use template::{Dashboard, TEMPLATE, TEMPLATE_NAME};
