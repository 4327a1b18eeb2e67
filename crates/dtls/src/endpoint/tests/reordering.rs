//! Records of the next epoch that arrive before its keys are kept and used once the keys are
//! installed (RFC 6347 §4.1), instead of waiting for a retransmission.

use super::*;

/// Runs a handshake whose flights arrive in reverse datagram order (the client's Finished
/// before its ClientKeyExchange) and returns the virtual time it took and the server's stats.
fn reversed_handshake(max_buffered: usize) -> (Duration, Stats, Stats) {
    let (mut client, mut server) = configs();
    for config in [&mut client, &mut server] {
        // Small datagrams: every flight spans several, so reversing them reorders records.
        config.mtu = 200;
        config.max_buffered_next_epoch_records = max_buffered;
    }
    let mut pair = Pair::new(client, server, Net::PERFECT, 21);
    pair.reverse_flights = true;
    let start = pair.now;
    assert!(
        pair.run_until_connected(10_000),
        "client {:?} server {:?}",
        pair.client_error,
        pair.server_error
    );
    (pair.now - start, pair.client.stats(), pair.server.stats())
}

#[test]
fn early_finished_is_buffered_instead_of_waiting_for_a_retransmission() {
    let (slow, slow_client, slow_server) = reversed_handshake(0);
    let (fast, fast_client, fast_server) = reversed_handshake(8);
    eprintln!(
        "reversed flights: without buffer {slow:?}, {} + {} retransmitted flights; with {fast:?}, {} buffered records",
        slow_client.retransmitted_flights,
        slow_server.retransmitted_flights,
        fast_server.buffered_next_epoch_records
    );
    // Without the buffer the server drops the client's Finished and the client has to time out
    // (1 s) and send flight 5 again.
    assert_eq!(slow_server.buffered_next_epoch_records, 0);
    assert!(slow_server.undecryptable_records > 0);
    assert!(slow_client.retransmitted_flights > 0);
    assert!(slow >= Duration::from_secs(1), "{slow:?}");
    // With it, the Finished waits for the keys and no flight is sent twice.
    assert!(fast_server.buffered_next_epoch_records > 0);
    assert_eq!(fast_server.undecryptable_records, 0);
    assert_eq!(
        fast_client.retransmitted_flights + fast_server.retransmitted_flights,
        0
    );
    assert!(fast < Duration::from_millis(100), "{fast:?}");
    assert!(fast < slow);
}

#[test]
fn next_epoch_buffer_is_bounded() {
    // A peer flooding epoch-1 records before the keys exist gets at most the configured
    // number kept; the rest are counted as undecryptable.
    let (client, server) = configs();
    let mut pair = Pair::new(client, server, Net::PERFECT, 22);
    let mut record = vec![23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0, 0, 24];
    record.extend_from_slice(&[0xaa; 24]);
    let mut datagram = Vec::new();
    for seq in 0..20u8 {
        record[10] = seq;
        datagram.extend_from_slice(&record);
    }
    pair.server.handle_packet(pair.now, &datagram).unwrap();
    let stats = pair.server.stats();
    assert_eq!(stats.buffered_next_epoch_records, 8);
    assert_eq!(stats.undecryptable_records, 12);
    assert_eq!(pair.server.pending_epoch.len(), 8);
    // The forged records fail to authenticate once keys exist and the handshake still works.
    assert!(pair.run_until_connected(1000));
    assert!(pair.server.pending_epoch.is_empty());
}
