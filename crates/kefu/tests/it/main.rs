//! The integration suite of the kefu binary: one test binary, so the harness
//! (`support`) and the application compile and link once, not once a file.
//! Each module is one capability, on SQLite and on PostgreSQL.

#[macro_use]
mod support;

mod accounts;
mod api_properties;
mod appointments;
mod archive;
mod browser;
mod cli;
mod complaints;
mod crash;
mod estate;
mod estate_collection;
mod estate_fees;
mod estate_notices;
mod estate_ops;
mod estate_rest;
mod first_day;
mod foundation;
mod generate;
mod hostile_files;
mod import;
mod insurance;
mod members;
mod openapi;
mod outreach;
mod packs;
mod points;
mod power;
mod power_archive;
mod power_billing;
mod power_billing_county;
mod power_billing_more;
mod power_collection;
mod power_connections;
mod power_gaps;
mod power_indicators;
mod power_inspections;
mod power_meters;
mod power_outages;
mod power_paging_cases;
mod power_paging_more;
mod power_paging_outages;
mod power_readings;
mod power_rest;
mod queries;
mod reports;
mod scheduler;
mod service;
mod source_tree;
mod surveys;
mod web_hardening;
