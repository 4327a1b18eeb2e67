//! `strata-turn-server`: see the crate README or `--help`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(strata_turn_server::main_with_args(&args));
}
