//! The integration tests, one binary (one link step instead of one per file): each module is a
//! user-visible area, run against the real binary, real files and the fake forges.

#[path = "../release_server/mod.rs"]
mod release_server;
#[path = "../support/mod.rs"]
mod support;
#[path = "../sync_common/mod.rs"]
mod sync_common;

mod action_install;
mod app;
mod can_corpus;
mod can_example06;
mod can_seed003;
mod ci;
mod cli;
mod cli_can;
mod cli_followup;
mod cli_serve;
mod cli_templates;
mod corpus;
mod dashboard;
mod due_policy;
mod examples;
mod fake_servers;
mod followup_chase;
mod followup_publish;
mod followup_trackers;
mod install_script;
mod one_pipeline;
mod parse_props;
mod projects;
mod readme_parser;
mod replicas;
mod report;
mod serve;
mod service_e2e;
mod source_remote;
mod state_labels;
mod steady_state;
mod sync_forges;
mod sync_gitlab;
mod templates;
mod timeouts;
mod watch_list;
mod workflow_schemas;
mod writeback_props;
mod writeback_roundtrip;
