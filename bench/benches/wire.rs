//! Criterion benches: Strata's crates against the competing implementations, one group per
//! operation with one entry per implementation, so every ratio comes from the same run.
//!
//! The measured functions live in `strata_bench` (src/lib.rs, src/security.rs) and are the
//! same ones the instruction counter (`src/bin/instructions.rs`) runs. Batched cases (SRTP
//! unprotect) are refilled outside the timed region every `Fixtures::batch` iterations.

use std::time::{Duration, Instant};

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use strata_bench::{Fixtures, Throughput, cases};

fn wire(c: &mut Criterion) {
    let mut fx = Fixtures::new();
    let mut groups: Vec<&str> = Vec::new();
    for case in cases() {
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
        for case in cases().iter().filter(|c| c.group == name) {
            let run = case.run;
            match case.throughput {
                Some(Throughput::Bytes(n)) => {
                    group.throughput(criterion::Throughput::Bytes(n));
                }
                Some(Throughput::Elements(n)) => {
                    group.throughput(criterion::Throughput::Elements(n));
                }
                None => {}
            }
            match case.refill {
                None => {
                    group.bench_function(case.implementation, |b| {
                        b.iter(|| black_box(run(black_box(&mut fx))))
                    });
                }
                Some(refill) => {
                    group.bench_function(case.implementation, |b| {
                        b.iter_custom(|iters| {
                            let mut total = Duration::ZERO;
                            let mut left = iters;
                            while left > 0 {
                                refill(&mut fx);
                                let n = left.min(fx.batch as u64);
                                let start = Instant::now();
                                for _ in 0..n {
                                    black_box(run(black_box(&mut fx)));
                                }
                                total += start.elapsed();
                                left -= n;
                            }
                            total
                        })
                    });
                }
            }
        }
        group.finish();
    }
}

criterion_group!(benches, wire);
criterion_main!(benches);
