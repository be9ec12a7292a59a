//! The `plinto` command: see [`plinto_mfa_cli`].

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(plinto_mfa_cli::run(&args));
}
