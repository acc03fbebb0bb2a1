//! `steward schema`: prints the JSON Schema of rule files.
//!
//! Output only; the schema itself lives in `rules::schema`.

use std::io::Write;

use super::{EXIT_INPUT, EXIT_OK};
use steward_core::rules::schema::rule_file_schema;

/// Writes the schema as pretty JSON.
pub fn run(out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let text = match serde_json::to_string_pretty(&rule_file_schema()) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "error: cannot render the schema: {e}");
            return EXIT_INPUT;
        }
    };
    match writeln!(out, "{text}") {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_INPUT,
    }
}
