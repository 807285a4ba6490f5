//! SharePoint REST shapes and change tokens (pure Rust). Work in progress.
