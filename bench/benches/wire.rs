//! Criterion benches: Strata's wire codecs against the competing Rust crates, one group per
//! operation with one entry per implementation, so every ratio comes from the same run.
//!
//! The measured functions live in `strata_bench` (src/lib.rs) and are the same ones the
//! instruction counter (`src/bin/instructions.rs`) runs.

use std::time::Duration;

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use strata_bench::{CASES, Fixtures};

fn wire(c: &mut Criterion) {
    let mut fx = Fixtures::new();
    let mut groups: Vec<&str> = Vec::new();
    for case in CASES {
        if !groups.contains(&case.group) {
            groups.push(case.group);
        }
    }
    for name in groups {
        let mut group = c.benchmark_group(name);
        group
            .sample_size(50)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        for case in CASES.iter().filter(|c| c.group == name) {
            let run = case.run;
            group.bench_function(case.implementation, |b| {
                b.iter(|| black_box(run(black_box(&mut fx))))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, wire);
criterion_main!(benches);
