//! The dashboard's page template: handlebars in strict mode, escaping for HTML.

use std::path::Path;

use handlebars::Handlebars;

use super::Page;
use crate::render::{Origin, RenderError};

/// The template's name, and its file name in an override folder.
pub const TEMPLATE_NAME: &str = "dashboard.html";
/// The embedded template.
pub const TEMPLATE: &str = include_str!("../../../templates/dashboard.html.hbs");

/// The compiled dashboard template. Unlike the Markdown texts of [`crate::render::Engine`], it
/// escapes for HTML (handlebars' own escaping).
pub struct Dashboard {
    hb: Handlebars<'static>,
    origin: Origin,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("origin", &self.origin)
            .finish()
    }
}

impl Dashboard {
    /// The embedded template, or `DIR/dashboard.html.hbs` when `dir` has one (the same
    /// override rule as the other templates: one file replaces one template).
    pub fn new(dir: Option<&Path>) -> Result<Dashboard, RenderError> {
        let file = dir.map(|d| d.join(format!("{TEMPLATE_NAME}.hbs")));
        let (origin, text) = match file.filter(|f| f.is_file()) {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|error| RenderError::Io {
                    path: path.clone(),
                    error,
                })?;
                (Origin::File(path), text)
            }
            None => (Origin::Embedded, TEMPLATE.to_string()),
        };
        let mut hb = Handlebars::new();
        // Strict: a misspelt variable in an override is an error naming the line, not a blank.
        hb.set_strict_mode(true);
        hb.register_template_string(TEMPLATE_NAME, &text)
            .map_err(|e| RenderError::compile(TEMPLATE_NAME, &origin, &text, &e))?;
        Ok(Dashboard { hb, origin })
    }

    /// Renders the page.
    pub fn render(&self, page: &Page) -> Result<String, RenderError> {
        self.hb
            .render(TEMPLATE_NAME, page)
            .map_err(|e| RenderError::rendering(TEMPLATE_NAME, &self.origin, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_folder_replaces_the_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dashboard.html.hbs"),
            "<p>{{totals.shown}} items</p>",
        )
        .unwrap();
        let d = Dashboard::new(Some(dir.path())).unwrap();
        let html = d
            .render(&crate::service::dashboard::page::sample())
            .unwrap();
        assert_eq!(html, "<p>2 items</p>");
        // The Markdown engine reads the same folder without taking the file for a typo.
        crate::render::Engine::new(Some(dir.path())).unwrap();

        std::fs::write(dir.path().join("dashboard.html.hbs"), "{{totals.nope}}").unwrap();
        let e = Dashboard::new(Some(dir.path()))
            .unwrap()
            .render(&crate::service::dashboard::page::sample())
            .unwrap_err()
            .to_string();
        assert!(e.contains("dashboard.html.hbs"), "{e}");
    }
}
