//! The `strata-turn-server` binary as an example, so that `cargo xtask interop` can build it
//! like its other peers (`cargo build --release --example turn_server`).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(strata_turn_server::main_with_args(&args));
}
