//! axe-core, the accessibility engine of Deque (and of Chrome's
//! Lighthouse), run in headless Chromium on pages Tandem wrote. `.ci/run`
//! installs its npm package, pinned, into `target/axe`.

use serde_json::{json, Value};

use super::browser::Tab;

/// Where `.ci/run` puts it (`TANDEM_AXE_JS` may say otherwise).
const INSTALLED: &str = "target/axe/node_modules/axe-core/axe.min.js";

/// The rules run: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's
/// best practices.
const TAGS: &str = r#"["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]"#;

/// axe's script, if installed; `None` skips the test where it is not,
/// except under `CI`.
pub fn axe_or_skip() -> Option<String> {
    let path = super::installed("TANDEM_AXE_JS", INSTALLED);
    let missing = format!("axe-core needs {}", path.display());
    super::tool_or_skip(std::fs::read_to_string(&path).ok(), &missing)
}

/// Every rule the page open in `tab` breaks, one line each: the rule, its
/// help and up to three elements, by selector.
pub fn violations(tab: &mut Tab, axe: &str) -> Vec<String> {
    if tab.eval("typeof axe") != Some(json!("object")) {
        tab.call("Runtime.evaluate", json!({ "expression": axe }))
            .expect("axe-core loads");
    }
    let run = format!(
        "axe.run(document, {{ runOnly: {{ type: 'tag', values: {TAGS} }}, resultTypes: ['violations'] }})\
         .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' \
         + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))"
    );
    let reply = tab
        .call(
            "Runtime.evaluate",
            json!({ "expression": run, "awaitPromise": true, "returnByValue": true }),
        )
        .expect("axe runs");
    assert!(
        reply.get("exceptionDetails").is_none(),
        "axe failed: {reply}"
    );
    let found: Vec<Value> = (reply["result"]["value"].as_array().cloned())
        .unwrap_or_else(|| panic!("axe gave no list: {reply}"));
    found
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}
