//! Thin entry point: everything lives in the library.

fn main() {
    std::process::exit(steward::cli::run());
}
