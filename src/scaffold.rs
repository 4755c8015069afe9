//! `tandem init`: a new site that builds as it is, with the default theme
//! written out for customising.

use std::fs;
use std::path::Path;

const SETTINGS: &str = r#"title = "Our team handbook"
# base_url = "https://handbook.internal.example/our-team/"
theme = "default"

[matrix]
impact_max = 10
effort_max = 10

[checkins]
due_within_days = 14
"#;

const HOME: &str = r#"+++
title = "Our team handbook"
+++

How product and engineering work together on this team: what we build, why,
and how we decide. Start with [the weekly routine](handbook/weekly-routine.md).
"#;

const FIRST_PAGE: &str = r#"+++
title = "Weekly routine"
weight = 10
owner = "alex"
+++

## Every week

- [ ] Schedule a feasibility check-in for each feature that just left discovery.
- [ ] Host a demo that shows *why*, not only what.
- [ ] Ask for dissent in the next planning meeting, and write it down.
"#;

const DATA: &str = r#"[[person]]
id = "alex"
name = "Alex Doe"
role = "engineering"

[[person]]
id = "sam"
name = "Sam Roe"
role = "product"

[[feature]]
id = "first-feature"
title = "Our first feature"
kind = "feature"
status = "discovery"
problem = "The user problem this solves: the why."
product_owner = "sam"
eng_owner = "alex"
impact = 7
effort = 3

[[score]]
feature = "first-feature"
by = "alex"
impact = 6
effort = 4
"#;

pub fn create(dir: &Path) -> Result<(), String> {
    if dir.exists()
        && fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .next()
            .is_some()
    {
        return Err(format!(
            "{} is not empty; init only creates new sites",
            dir.display()
        ));
    }
    let write = |relative: &str, text: &str| -> Result<(), String> {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(crate::config::FILE_NAME, SETTINGS)?;
    write("content/_index.md", HOME)?;
    write("content/handbook/weekly-routine.md", FIRST_PAGE)?;
    write("data/team.toml", DATA)?;
    write("static/.gitkeep", "")?;
    crate::theme::write_default(&dir.join("themes/default"))
        .map_err(|e| format!("cannot write the theme: {e}"))
}
