//! Sans-IO change feed and list state. Work in progress.
