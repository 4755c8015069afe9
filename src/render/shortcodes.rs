//! Renders the shortcodes of a page through the theme's
//! `shortcodes/<name>.html` templates.

use tera::Context;

use super::dashboards::STATUS_GROUPS;
use crate::charts::matrix;
use crate::content::shortcode::Call;
use crate::model::Candidate;
use crate::site::Site;

/// The template and context of one shortcode call; `index` makes chart ids
/// unique within the page.
/// The template that draws a shortcode.
pub fn template_name(call: &Call) -> String {
    format!("shortcodes/{}.html", call.name)
}

pub fn context(call: &Call, site: &Site, index: usize) -> (String, Context) {
    let model = &site.model;
    let mut c = Context::new();
    c.insert("args", &call.args);
    match call.name.as_str() {
        "matrix" => {
            let tag = call.str_arg("tag");
            let status = call.str_arg("status").unwrap_or("open");
            let statuses = STATUS_GROUPS
                .iter()
                .find(|(k, _, _)| *k == status)
                .map(|(_, _, s)| *s);
            let candidates = model.in_priority_order(|cand| {
                let status_ok = match statuses {
                    Some(list) => list.contains(&cand.status),
                    None => cand.open,
                };
                status_ok && tag.is_none_or(|t| cand.tags.iter().any(|x| x == t))
            });
            let title = call
                .str_arg("title")
                .map(str::to_string)
                .unwrap_or_else(|| match tag {
                    Some(t) => format!("Impact vs effort: {t}"),
                    None => "Impact vs effort".to_string(),
                });
            let chart = matrix::chart(
                // A `_` keeps it apart from every heading's id (slugs
                // never hold one).
                &format!("shortcode_matrix_{index}"),
                &title,
                &candidates,
                &site.config.matrix,
            );
            c.insert("chart", &chart);
        }
        "feature" => {
            c.insert(
                "candidate",
                &call.str_arg("id").and_then(|id| model.candidate(id)),
            );
        }
        "overdue_checkins" => {
            let list: Vec<&Candidate> = model
                .coverage
                .needs_checkin
                .iter()
                .filter_map(|id| model.candidate(id))
                .collect();
            c.insert("candidates", &list);
        }
        "priorities" => {
            let limit = call.int_arg("limit").unwrap_or(5) as usize;
            let list: Vec<&Candidate> = model
                .priority
                .iter()
                .take(limit)
                .filter_map(|id| model.candidate(id))
                .collect();
            c.insert("candidates", &list);
        }
        _ => {
            let list: Vec<&Candidate> = model
                .disagreements
                .iter()
                .filter_map(|id| model.candidate(id))
                .collect();
            c.insert("candidates", &list);
        }
    }
    (template_name(call), c)
}
