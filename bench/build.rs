//! Builds the libsrtp shim (`c/libsrtp_shim.c`) and links libsrtp 2.
//!
//! By default the system's libsrtp 2 (Debian: `libsrtp2-dev`, whose crypto backend is NSS),
//! found with pkg-config. With `STRATA_BENCH_LIBSRTP_DIR=PREFIX`, a static libsrtp from
//! `PREFIX/include` and `PREFIX/lib/libsrtp2.a` instead, e.g. one configured with
//! `--enable-openssl` (then linked with the system's libcrypto).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=c/libsrtp_shim.c");
    println!("cargo:rerun-if-env-changed=STRATA_BENCH_LIBSRTP_DIR");
    let mut build = cc::Build::new();
    build.file("c/libsrtp_shim.c").opt_level(2);
    if let Some(prefix) = std::env::var_os("STRATA_BENCH_LIBSRTP_DIR") {
        let prefix = PathBuf::from(prefix);
        build.include(prefix.join("include"));
        build.compile("libsrtp_shim");
        println!(
            "cargo:rustc-link-search=native={}",
            prefix.join("lib").display()
        );
        println!("cargo:rustc-link-lib=static=srtp2");
        println!("cargo:rustc-link-lib=crypto");
        return;
    }
    let include = std::process::Command::new("pkg-config")
        .args(["--cflags-only-I", "libsrtp2"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let Some(include) = include else {
        panic!(
            "libsrtp2 not found by pkg-config: install it (Debian: apt-get install -y \
             libsrtp2-dev pkg-config), or run `cargo xtask bench`, which does so as root"
        );
    };
    for dir in include
        .split_whitespace()
        .filter_map(|f| f.strip_prefix("-I"))
    {
        build.include(dir);
    }
    build.compile("libsrtp_shim");
    println!("cargo:rustc-link-lib=srtp2");
}
