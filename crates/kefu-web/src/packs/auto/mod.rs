//! The 4S dealership pack's web half: its pages, API handlers and templates.

pub mod api;
pub mod pages;
