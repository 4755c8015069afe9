//! Tandem: a static-site generator for an engineering team's
//! product-collaboration handbook and the dashboards of its priorities.
//!
//! The pipeline, one module per stage:
//! [`config`] and [`data`] load and validate, [`content`] loads the handbook,
//! [`model`] derives consensus, quadrants and coverage, [`site`] ties them
//! into one validated [`site::Site`], [`render`] turns it into files and
//! [`output`] writes them safely.

// Diagnostics are returned by value on the cold path of a build; boxing
// them would only add noise at every call site.
#![allow(clippy::result_large_err)]
// These docs are read by the people working on Tandem, built with
// `cargo doc --document-private-items`, where links to private items
// resolve: the library is Tandem's own, not an API for other crates.
#![allow(rustdoc::private_intra_doc_links)]

pub mod build;
pub mod calendar;
pub mod charts;
pub mod cmd;
pub mod config;
pub mod content;
pub mod data;
pub mod diagnostics;
pub mod history;
pub mod lock;
pub mod markup;
pub mod model;
pub mod output;
pub mod preview;
pub mod rebuild;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod stamp;
pub mod theme;
