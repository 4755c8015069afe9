//! Deterministic synthetic Tandem sites for benchmarks: N handbook pages of
//! about 4 KB in 100 sections, and M candidates with scores, check-ins and
//! demos. Optionally the same pages as a Hugo or a Zola site, for a
//! side-by-side run.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// A small deterministic generator (xorshift), so every run writes the same
/// site without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "feasibility",
    "check-in",
    "demo",
    "impact",
    "effort",
    "product",
    "engineering",
    "refinement",
    "risk",
    "decision",
    "team",
    "customer",
    "latency",
    "migration",
    "rollout",
    "discovery",
    "dissent",
    "planning",
    "estimate",
    "scope",
    "the",
    "and",
    "of",
    "to",
    "we",
    "because",
    "before",
    "after",
    "with",
    "why",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect::<String>() + ".",
        None => s,
    }
}

/// The Markdown body of page `i` of `section` (about 4 KB).
fn body(rng: &mut Rng, section: usize, i: usize, per_section: usize) -> String {
    let mut out = String::new();
    for h in 0..4 {
        let _ = writeln!(
            out,
            "## Part {h}: {}\n",
            sentence(rng, 3).trim_end_matches('.')
        );
        for _ in 0..2 {
            let _ = writeln!(
                out,
                "{} {} {}\n",
                sentence(rng, 14),
                sentence(rng, 12),
                sentence(rng, 16)
            );
        }
        let _ = writeln!(
            out,
            "- [ ] {}\n- [x] {}\n- {}\n",
            sentence(rng, 6),
            sentence(rng, 5),
            sentence(rng, 7)
        );
        if h == 1 {
            let next = (i + 1) % per_section;
            let _ = writeln!(
                out,
                "See [the next page](page-{next}.md) and [section {section}](_index.md).\n"
            );
        }
        if h == 2 {
            out.push_str("| Risk | Owner | Mitigation |\n| --- | --- | --- |\n| Latency | eng | Cache |\n| Scope | product | Cut |\n\n");
        }
    }
    out
}

/// Where the benchmarks keep their generated sites (made once, reused):
/// `TANDEM_BENCH_SITES`, or `target/bench-sites`. A file system of its own
/// (a fresh loop-mounted ext4, say) keeps one run's deleted files from
/// slowing the next run's cold builds.
pub fn sites_folder() -> PathBuf {
    let base = std::env::var_os("TANDEM_BENCH_SITES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-sites"));
    fs::create_dir_all(&base).unwrap();
    // Programs run inside the sites, where a relative path means another
    // folder.
    std::path::absolute(base).unwrap()
}

/// What the generator writes, by version: a site an earlier version wrote
/// (or whose writing was cut short) is written again. 2: meetings held by
/// the bench's day, plain templates, Zola sites.
const GENERATOR: &str = "2";

/// Writes a site into `root` with `write`, unless this version of the
/// generator already did; `write` gets a folder that does not exist.
pub fn generated(root: &Path, write: impl FnOnce(&Path)) {
    let marker = root.join(".tandem-bench-generator");
    if fs::read_to_string(&marker).is_ok_and(|version| version == GENERATOR) {
        return;
    }
    let _ = fs::remove_dir_all(root);
    write(root);
    fs::write(marker, GENERATOR).unwrap();
}

/// The site sizes to measure: `TANDEM_BENCH_PAGES=1000,10000,100000`
/// (default `1000,10000`).
pub fn sizes() -> Vec<usize> {
    std::env::var("TANDEM_BENCH_PAGES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

pub struct Spec {
    pub pages: usize,
    pub candidates: usize,
}

/// Writes a Tandem site with `spec` into `root` (which must not exist).
pub fn write_tandem(root: &Path, spec: &Spec) {
    let sections = 100.min(spec.pages.max(1));
    let per_section = spec.pages.div_ceil(sections);
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(
        root.join("content/_index.md"),
        "+++\ntitle = \"Synthetic handbook\"\n+++\n\nA generated site for benchmarks.\n",
    )
    .unwrap();
    let mut written = 0;
    for s in 0..sections {
        let dir = root.join(format!("content/section-{s}"));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("_index.md"),
            format!(
                "+++\ntitle = \"Section {s}\"\nweight = {s}\n+++\n\nSection {s} of the handbook.\n"
            ),
        )
        .unwrap();
        for i in 0..per_section {
            if written == spec.pages {
                break;
            }
            let text = format!(
                "+++\ntitle = \"Page {i} of section {s}\"\nweight = {i}\nowner = \"p{}\"\ntags = [\"t{}\"]\n+++\n\n{}",
                rng.below(20),
                rng.below(10),
                body(&mut rng, s, i, per_section)
            );
            fs::write(dir.join(format!("page-{i}.md")), text).unwrap();
            written += 1;
        }
    }
    write_data(root, spec, &mut rng);
}

fn write_data(root: &Path, spec: &Spec, rng: &mut Rng) {
    let data = root.join("data");
    fs::create_dir_all(&data).unwrap();
    let mut people = String::new();
    let roles = ["product", "engineering", "design", "leadership"];
    for p in 0..20 {
        let _ = writeln!(
            people,
            "[[person]]\nid = \"p{p}\"\nname = \"Person {p}\"\nrole = \"{}\"\n",
            roles[p % 2 + if p > 16 { 2 } else { 0 }]
        );
    }
    fs::write(data.join("people.toml"), people).unwrap();
    let statuses = [
        "discovery",
        "refinement",
        "planned",
        "in-progress",
        "shipped",
        "dropped",
    ];
    let kinds = [
        "feature",
        "feature",
        "tech-debt",
        "refactor",
        "scalability",
        "bug",
    ];
    // One file per hundred candidates, as a team with many would keep them.
    for chunk in 0..spec.candidates.div_ceil(100) {
        let mut text = String::new();
        for c in chunk * 100..((chunk + 1) * 100).min(spec.candidates) {
            let _ = writeln!(
                text,
                "[[feature]]\nid = \"c{c}\"\ntitle = \"Candidate {c}\"\nkind = \"{}\"\nstatus = \"{}\"\nproblem = \"{}\"\nproduct_owner = \"p{}\"\neng_owner = \"p{}\"\nimpact = {}\neffort = {}\ndiscovery_done = 2026-{:02}-{:02}\ntags = [\"t{}\"]\n",
                kinds[rng.below(6) as usize],
                statuses[rng.below(6) as usize],
                sentence(rng, 10),
                rng.below(10) * 2,
                rng.below(10) * 2 + 1,
                1 + rng.below(10),
                1 + rng.below(10),
                1 + rng.below(10),
                1 + rng.below(28),
                rng.below(10)
            );
            for s in 0..3 {
                let _ = writeln!(
                    text,
                    "[[score]]\nfeature = \"c{c}\"\nby = \"p{}\"\nimpact = {}\neffort = {}\ndate = 2026-10-{:02}\n",
                    (c + s) % 20,
                    1 + rng.below(10),
                    1 + rng.below(10),
                    1 + rng.below(28)
                );
            }
            if c % 2 == 0 {
                let _ = writeln!(
                    text,
                    "[[checkin]]\ndate = {}\nfeature = \"c{c}\"\nkind = \"feasibility\"\nattendees = [\"p0\", \"p1\"]\noutcome = \"go\"\nrisks = [\"{}\"]\n",
                    held_date(rng),
                    sentence(rng, 4)
                );
                if c % 6 == 0 {
                    let _ = writeln!(
                        text,
                        "[[checkin.dissent]]\nby = \"p3\"\nopinion = \"{}\"\n",
                        sentence(rng, 8)
                    );
                }
            }
            if c % 10 == 0 {
                let _ = writeln!(
                    text,
                    "[[demo]]\ndate = {}\ntitle = \"Demo {c}\"\npresenter = \"p0\"\nfeatures = [\"c{c}\"]\nwhy = \"{}\"\n",
                    held_date(rng),
                    sentence(rng, 8)
                );
            }
        }
        fs::write(data.join(format!("candidates-{chunk:04}.toml")), text).unwrap();
    }
}

/// A day from August to the bench's day (2026-11-25): a meeting already
/// held, as one recording an outcome must be (one dated ahead would be
/// scheduled, and warned about).
fn held_date(rng: &mut Rng) -> String {
    let month = 8 + rng.below(4);
    let last = if month == 11 { 25 } else { 28 };
    format!("2026-{month:02}-{:02}", 1 + rng.below(last))
}

/// Templates as plain as the ones the Hugo and Zola sites get: the page's
/// title, its table of contents and its text; a section's pages; a
/// candidate's title, problem and place in the matrix. The dashboards keep
/// their own templates, on this plain `base.html`.
pub fn write_trivial_templates(root: &Path) {
    let templates = root.join("templates");
    fs::create_dir_all(&templates).unwrap();
    let files = [
        (
            "base.html",
            "<!doctype html><html lang=\"en\"><title>{% block title %}{% endblock title %}</title>{% block description %}{% endblock description %}{% block head %}{% endblock head %}<body>{% block content %}{% endblock content %}</body></html>\n",
        ),
        (
            "page.html",
            "{% extends \"base.html\" %}{% block title %}{{ page.title }}{% endblock title %}{% block content %}{% for e in page.toc %}<a href=\"#{{ e.id }}\">{{ e.title }}</a>{% endfor %}{{ page.html | safe }}{% endblock content %}\n",
        ),
        (
            "section.html",
            "{% extends \"base.html\" %}{% block title %}{{ section.title }}{% endblock title %}{% block content %}{% if section.index %}{{ section.index.html | safe }}{% endif %}{% for p in section.pages %}<a href=\"{{ p.url }}\">{{ p.title }}</a>{% endfor %}{% endblock content %}\n",
        ),
        (
            "feature.html",
            "{% extends \"base.html\" %}{% block title %}{{ candidate.title }}{% endblock title %}{% block content %}<h1>{{ candidate.title }}</h1><p>{{ candidate.problem }}</p><p>{{ candidate.status_label }}, impact {{ candidate.consensus.impact }}, effort {{ candidate.consensus.effort }}</p>{% endblock content %}\n",
        ),
    ];
    for (name, text) in files {
        fs::write(templates.join(name), text).unwrap();
    }
}

/// The same handbook pages as a Hugo site with a trivial theme.
pub fn write_hugo(root: &Path, spec: &Spec) {
    let tandem = root.with_extension("tandem-src");
    generated(&tandem, |tandem| write_tandem(tandem, spec));
    fs::create_dir_all(root.join("layouts/_default")).unwrap();
    fs::write(root.join("hugo.toml"), "baseURL = \"https://example.org/\"\ntitle = \"Synthetic\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\"]\n").unwrap();
    fs::write(
        root.join("layouts/_default/single.html"),
        "<!doctype html><title>{{ .Title }}</title>{{ .TableOfContents }}{{ .Content }}",
    )
    .unwrap();
    fs::write(root.join("layouts/_default/list.html"), "<!doctype html><title>{{ .Title }}</title>{{ .Content }}{{ range .Pages }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}").unwrap();
    // Hugo reads the same TOML front matter; keys it does not know are
    // ignored, and `.md` links are left as they are.
    copy_pages(&tandem, root, |_, text| text.to_string());
}

/// The same handbook pages as a Zola site with a trivial theme.
pub fn write_zola(root: &Path, spec: &Spec) {
    let tandem = root.with_extension("tandem-src");
    generated(&tandem, |tandem| write_tandem(tandem, spec));
    fs::create_dir_all(root.join("templates")).unwrap();
    fs::write(
        root.join("config.toml"),
        "base_url = \"https://example.org\"\ntitle = \"Synthetic\"\ncompile_sass = false\nbuild_search_index = false\ngenerate_feeds = false\ngenerate_sitemap = false\ngenerate_robots_txt = false\n",
    )
    .unwrap();
    let single = "<!doctype html><title>{{ page.title }}</title>{% for h in page.toc %}<a href=\"{{ h.permalink }}\">{{ h.title }}</a>{% endfor %}{{ page.content | safe }}";
    let list = "<!doctype html><title>{{ section.title }}</title>{{ section.content | safe }}{% for p in section.pages %}<a href=\"{{ p.permalink }}\">{{ p.title }}</a>{% endfor %}";
    fs::write(root.join("templates/page.html"), single).unwrap();
    fs::write(root.join("templates/section.html"), list).unwrap();
    fs::write(root.join("templates/index.html"), list).unwrap();
    // Zola rejects front matter keys it does not know: Tandem's `owner` and
    // `tags` go under `[extra]`. Sections list their pages by weight, as
    // Hugo's and Tandem's do by default. Relative `.md` links stay plain
    // links, as Zola checks only `@/` ones.
    copy_pages(&tandem, root, zola_front_matter);
}

/// Copies the Tandem site `tandem`'s pages into `root`, each `convert`ed
/// (given its path and text).
fn copy_pages(tandem: &Path, root: &Path, convert: fn(&Path, &str) -> String) {
    for entry in walkdir::WalkDir::new(tandem.join("content"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(tandem).unwrap();
        let text = fs::read_to_string(entry.path()).unwrap();
        let target = root.join(rel);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(&target, convert(&target, &text)).unwrap();
    }
}

fn zola_front_matter(path: &Path, text: &str) -> String {
    let Some((front, body)) = text
        .strip_prefix("+++\n")
        .and_then(|rest| rest.split_once("+++\n"))
    else {
        return text.to_string();
    };
    let (known, extra): (Vec<&str>, Vec<&str>) = front
        .lines()
        .partition(|line| line.starts_with("title") || line.starts_with("weight"));
    let mut out = String::from("+++\n");
    for line in known {
        let _ = writeln!(out, "{line}");
    }
    if path.ends_with("_index.md") {
        out.push_str("sort_by = \"weight\"\n");
    }
    if !extra.is_empty() {
        out.push_str("[extra]\n");
        for line in extra {
            let _ = writeln!(out, "{line}");
        }
    }
    out.push_str("+++\n");
    out.push_str(body);
    out
}
