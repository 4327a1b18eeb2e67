/*
 * usrsctp side of the strata-sctp interop cases (xtask/src/interop/usrsctp.rs).
 *
 * usrsctp runs in AF_CONN mode with no UDP encapsulation of its own: every SCTP packet it
 * emits (common header + chunks, with its CRC32c) goes into one connected UDP socket, and
 * every datagram read from that socket goes to usrsctp_conninput. The Rust side
 * (crates/sctp/examples/usrsctp_peer.rs) feeds the same bytes to Association::handle_packet.
 *
 * Both sides run the same plan (the tables below and in the Rust example must match): a
 * set of flows (stream, count, size, ordered, partial reliability), each message carrying
 * a 16-byte header (index, length, stream, flags) followed by a pattern derived from
 * those, so the receiver checks every byte, the order of ordered flows and that unordered
 * messages arrive exactly once. When a side has received the whole plan it sends
 * "got-all" on stream 0; the side that closes (--close shutdown|abort) does so once it
 * has received everything and the peer's "got-all"; the other side (--close
 * peer-shutdown|peer-abort) expects that close.
 *
 * Usage: usrsctp_peer --role client|server --local PORT --remote PORT --plan NAME
 *                     --close shutdown|abort|peer-shutdown|peer-abort [--idata]
 *                     [--timeout SECS] [--drop PERMILLE --seed N] [--start-at UNIX_MS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>

/* FreeBSD's netinet/sctp.h values, not exported by every usrsctp.h. */
#ifndef SCTP_INTERLEAVING_SUPPORTED
#define SCTP_INTERLEAVING_SUPPORTED 0x00001206
#endif

#define PPID_STRING 51
#define PPID_BINARY 53
#define HEADER_LEN 16
#define FLAG_ORDERED 1
#define FLAG_FINAL 4

enum pr { PR_NONE, PR_RTX, PR_TTL };

struct flow {
	uint16_t stream;
	uint32_t count;
	uint32_t size;
	int ordered;
	enum pr pr;
	uint32_t pr_value;
};

struct plan {
	const char *name;
	const struct flow *flows;
	size_t n;
	int reset; /* send, reset the flows' streams, send again */
};

/* Keep in step with PLANS in crates/sctp/examples/usrsctp_peer.rs. */
static const struct flow DATA_FLOWS[] = {
	{1, 200, 1024, 1, PR_NONE, 0},
	{2, 40, 16384, 1, PR_NONE, 0},
	{3, 6, 262144, 1, PR_NONE, 0},
	{4, 200, 1024, 0, PR_NONE, 0},
	{5, 20, 16384, 0, PR_NONE, 0},
};
static const struct flow SMOKE_FLOWS[] = {
	{1, 20, 1024, 1, PR_NONE, 0},
	{2, 4, 16384, 1, PR_NONE, 0},
	{3, 1, 262144, 1, PR_NONE, 0},
	{4, 20, 1024, 0, PR_NONE, 0},
};
static const struct flow PR_FLOWS[] = {
	{1, 300, 1024, 1, PR_RTX, 0},
	{2, 300, 1024, 0, PR_RTX, 0},
	{3, 60, 8192, 1, PR_RTX, 1},
	{4, 100, 2048, 1, PR_TTL, 50},
	{6, 100, 1024, 1, PR_NONE, 0},
};
static const struct flow RESET_FLOWS[] = {
	{7, 10, 1024, 1, PR_NONE, 0},
	{8, 10, 1024, 1, PR_NONE, 0},
};
static const struct flow CLOSE_FLOWS[] = {
	{1, 10, 1024, 1, PR_NONE, 0},
};
static const struct flow IDATA_FLOWS[] = {
	{1, 4, 262144, 1, PR_NONE, 0},
	{2, 4, 262144, 1, PR_NONE, 0},
	{3, 100, 1024, 1, PR_NONE, 0},
	{4, 100, 1024, 0, PR_NONE, 0},
};
#define PLAN(name, flows, reset) {name, flows, sizeof(flows) / sizeof(flows[0]), reset}
static const struct plan PLANS[] = {
	PLAN("data", DATA_FLOWS, 0),   PLAN("smoke", SMOKE_FLOWS, 0), PLAN("pr", PR_FLOWS, 0),
	PLAN("reset", RESET_FLOWS, 1), PLAN("close", CLOSE_FLOWS, 0), PLAN("idata", IDATA_FLOWS, 0),
};

/* ---- state shared by the main thread and usrsctp's callback threads ---- */

#define MAX_FLOWS 8
#define MAX_MSG (262144 + 16)

struct rx_flow {
	uint32_t next;      /* ordered: next index expected (at least) */
	uint32_t received;  /* messages delivered */
	int final_seen;     /* the reliable sentinel of a partially reliable flow */
	uint8_t *seen;      /* unordered: delivered indices */
	int32_t reset_at;   /* received count when the peer reset this stream, -1 before */
	uint8_t *buf;       /* reassembly of a message delivered in pieces */
	size_t len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static const struct plan *plan;
static struct rx_flow rx[MAX_FLOWS];
static uint8_t *control_buf;
static size_t control_len;
static int comm_up, peer_got_all, closed, shutdown_comp, comm_lost, peer_shutdown;
static int out_reset_done, out_reset_failed, idata_negotiated, pr_negotiated;
static int failures;
static int udp_fd;
/* Seeded loss for a usrsctp <-> usrsctp baseline (--drop); the cases impair in the Rust side. */
static unsigned drop_permille;
static uint64_t drop_state = 1;
static pthread_mutex_t drop_lock = PTHREAD_MUTEX_INITIALIZER;

static int drop_now(void) {
	if (drop_permille == 0 || !comm_up || closed)
		return 0;
	pthread_mutex_lock(&drop_lock);
	drop_state ^= drop_state >> 12;
	drop_state ^= drop_state << 25;
	drop_state ^= drop_state >> 27;
	uint64_t r = (drop_state * 0x2545f4914f6cdd1dULL) >> 32;
	pthread_mutex_unlock(&drop_lock);
	return r % 1000 < drop_permille;
}
static struct socket *sock;

static double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
static double t0;
static double send_deadline;

static void logf_(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "[usrsctp %7.3f] ", now_s() - t0);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Called with the lock held. */
static void fail(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "[usrsctp %7.3f] FAIL: ", now_s() - t0);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failures++;
	pthread_cond_broadcast(&cond);
}

static uint8_t pattern(uint32_t index, uint16_t stream, uint32_t pos) {
	return (uint8_t)(pos * 31u + index * 7u + stream * 13u + (pos >> 8));
}

static void fill(uint8_t *buf, uint32_t index, uint32_t len, uint16_t stream, uint8_t flags) {
	uint32_t be = htonl(index);
	memcpy(buf, &be, 4);
	be = htonl(len);
	memcpy(buf + 4, &be, 4);
	uint16_t s = htons(stream);
	memcpy(buf + 8, &s, 2);
	buf[10] = flags;
	memset(buf + 11, 0, 5);
	for (uint32_t i = HEADER_LEN; i < len; i++)
		buf[i] = pattern(index, stream, i);
}

static int flow_index(uint16_t stream) {
	for (size_t i = 0; i < plan->n; i++)
		if (plan->flows[i].stream == stream)
			return (int)i;
	return -1;
}

static uint32_t expected_total(const struct flow *f) {
	return plan->reset ? 2 * f->count : f->count;
}

static int plan_complete(void) {
	for (size_t i = 0; i < plan->n; i++) {
		const struct flow *f = &plan->flows[i];
		if (f->pr != PR_NONE) {
			if (!rx[i].final_seen)
				return 0;
		} else if (rx[i].received < expected_total(f)) {
			return 0;
		}
	}
	return 1;
}

/* Checks one whole message. Called with the lock held. */
static void on_message(uint16_t stream, uint32_t ppid, int unordered, const uint8_t *m, size_t len) {
	if (stream == 0) {
		if (ppid == PPID_STRING && len == 7 && memcmp(m, "got-all", 7) == 0) {
			peer_got_all = 1;
			logf_("peer received everything");
		} else {
			fail("unexpected control message of %zu bytes", len);
		}
		return;
	}
	int fi = flow_index(stream);
	if (fi < 0) {
		fail("message on unexpected stream %u", stream);
		return;
	}
	const struct flow *f = &plan->flows[fi];
	struct rx_flow *r = &rx[fi];
	if (ppid != PPID_BINARY || len < HEADER_LEN) {
		fail("stream %u: ppid %u length %zu", stream, ppid, len);
		return;
	}
	uint32_t index, mlen;
	uint16_t mstream;
	memcpy(&index, m, 4);
	index = ntohl(index);
	memcpy(&mlen, m + 4, 4);
	mlen = ntohl(mlen);
	memcpy(&mstream, m + 8, 2);
	mstream = ntohs(mstream);
	uint8_t flags = m[10];
	int final = (flags & FLAG_FINAL) != 0;
	if (mlen != len || mstream != stream || (!final && len != f->size)) {
		fail("stream %u: header says len %u stream %u, got %zu bytes", stream, mlen, mstream, len);
		return;
	}
	for (size_t i = HEADER_LEN; i < len; i++) {
		if (m[i] != pattern(index, stream, (uint32_t)i)) {
			fail("stream %u message %u: byte %zu differs", stream, index, i);
			return;
		}
	}
	int ordered = (flags & FLAG_ORDERED) != 0;
	if (ordered == unordered || ordered != f->ordered) {
		fail("stream %u message %u: ordered flag %d, U bit %d", stream, index, ordered, unordered);
		return;
	}
	if (final) {
		if (f->pr == PR_NONE || index != f->count || r->final_seen) {
			fail("stream %u: unexpected final message %u", stream, index);
			return;
		}
		r->final_seen = 1;
	} else if (index >= expected_total(f)) {
		fail("stream %u: index %u out of range", stream, index);
		return;
	}
	if (f->ordered) {
		if (index < r->next || (f->pr == PR_NONE && index != r->next)) {
			fail("stream %u: ordered message %u arrived, expected %u", stream, index, r->next);
			return;
		}
		r->next = index + 1;
	} else if (!final) {
		if (r->seen[index]) {
			fail("stream %u: unordered message %u delivered twice", stream, index);
			return;
		}
		r->seen[index] = 1;
	}
	if (plan->reset && index == f->count && r->reset_at != (int32_t)f->count)
		fail("stream %u: message %u arrived before the peer's reset was reported", stream, index);
	if (!final)
		r->received++;
}

static void on_notification(const union sctp_notification *n, size_t len) {
	if (len < sizeof(struct sctp_tlv))
		return;
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE: {
		const struct sctp_assoc_change *ac = &n->sn_assoc_change;
		logf_("assoc change state %u error %u in %u out %u", ac->sac_state, ac->sac_error,
		      ac->sac_inbound_streams, ac->sac_outbound_streams);
		if (ac->sac_state == SCTP_COMM_UP || ac->sac_state == SCTP_RESTART) {
			size_t features = len - sizeof(*ac);
			for (size_t i = 0; i < features; i++) {
				if (ac->sac_info[i] == SCTP_ASSOC_SUPPORTS_INTERLEAVING)
					idata_negotiated = 1;
				if (ac->sac_info[i] == SCTP_ASSOC_SUPPORTS_PR)
					pr_negotiated = 1;
			}
			comm_up = 1;
		} else if (ac->sac_state == SCTP_SHUTDOWN_COMP) {
			shutdown_comp = 1;
		} else if (ac->sac_state == SCTP_COMM_LOST || ac->sac_state == SCTP_CANT_STR_ASSOC) {
			comm_lost = 1;
		}
		break;
	}
	case SCTP_SHUTDOWN_EVENT:
		logf_("peer sent SHUTDOWN");
		peer_shutdown = 1;
		break;
	case SCTP_STREAM_RESET_EVENT: {
		const struct sctp_stream_reset_event *e = &n->sn_strreset_event;
		size_t count = (e->strreset_length - sizeof(*e)) / sizeof(uint16_t);
		logf_("stream reset event flags 0x%x, %zu streams", e->strreset_flags, count);
		if (e->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) {
			out_reset_failed = 1;
		} else if (e->strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN) {
			out_reset_done = 1;
		} else if (e->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) {
			for (size_t i = 0; i < count; i++) {
				int fi = flow_index(e->strreset_stream_list[i]);
				if (fi < 0) {
					fail("peer reset unexpected stream %u", e->strreset_stream_list[i]);
				} else if (rx[fi].received != plan->flows[fi].count) {
					fail("peer reset stream %u after %u of %u messages",
					     e->strreset_stream_list[i], rx[fi].received, plan->flows[fi].count);
				} else {
					rx[fi].reset_at = (int32_t)rx[fi].received;
				}
			}
		}
		break;
	}
	default:
		logf_("notification %u", n->sn_header.sn_type);
	}
}

static int receive_cb(struct socket *s, union sctp_sockstore addr, void *data, size_t datalen,
                      struct sctp_rcvinfo rcv, int flags, void *ulp_info) {
	(void)s;
	(void)addr;
	(void)ulp_info;
	pthread_mutex_lock(&lock);
	if (data == NULL) {
		closed = 1;
	} else if (flags & MSG_NOTIFICATION) {
		on_notification(data, datalen);
	} else {
		uint16_t stream = rcv.rcv_sid;
		uint8_t **buf;
		size_t *have;
		int fi = flow_index(stream);
		if (stream == 0 || fi < 0) {
			buf = &control_buf;
			have = &control_len;
		} else {
			buf = &rx[fi].buf;
			have = &rx[fi].len;
		}
		if (*have + datalen > MAX_MSG) {
			fail("stream %u: message longer than %d bytes", stream, MAX_MSG);
			*have = 0;
		} else {
			memcpy(*buf + *have, data, datalen);
			*have += datalen;
			if (flags & MSG_EOR) {
				on_message(stream, ntohl(rcv.rcv_ppid), (rcv.rcv_flags & SCTP_UNORDERED) != 0,
				           *buf, *have);
				*have = 0;
			}
		}
	}
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	free(data);
	return 1;
}

static int conn_output(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t set_df) {
	(void)addr;
	(void)tos;
	(void)set_df;
	if (drop_now())
		return 0;
	if (send(udp_fd, buffer, length, 0) < 0 && errno != ECONNREFUSED)
		return errno;
	return 0;
}

static void *udp_reader(void *arg) {
	(void)arg;
	static uint8_t buf[65536];
	for (;;) {
		ssize_t n = recv(udp_fd, buf, sizeof buf, 0);
		if (n > 0 && !drop_now())
			usrsctp_conninput(&udp_fd, buf, (size_t)n, 0);
		else if (n < 0 && errno != ECONNREFUSED && errno != EINTR) {
			logf_("udp reader stops: %s", strerror(errno));
			return NULL;
		}
	}
}

static void debug_printf(const char *format, ...) {
	va_list ap;
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
}

static int send_message(const struct flow *f, uint32_t index, int final, uint8_t *buf) {
	uint32_t len = final ? HEADER_LEN + 16 : f->size;
	fill(buf, index, len, f->stream, (uint8_t)((f->ordered ? FLAG_ORDERED : 0) | (final ? FLAG_FINAL : 0)));
	struct sctp_sendv_spa spa;
	memset(&spa, 0, sizeof spa);
	spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
	spa.sendv_sndinfo.snd_sid = f->stream;
	spa.sendv_sndinfo.snd_flags = f->ordered ? 0 : SCTP_UNORDERED;
	spa.sendv_sndinfo.snd_ppid = htonl(PPID_BINARY);
	if (f->pr != PR_NONE && !final) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy = f->pr == PR_RTX ? SCTP_PR_SCTP_RTX : SCTP_PR_SCTP_TTL;
		spa.sendv_prinfo.pr_value = f->pr_value;
	}
	/* A socket with a receive callback does not block: wait for room. */
	while (usrsctp_sendv(sock, buf, len, NULL, 0, &spa, sizeof spa, SCTP_SENDV_SPA, 0) < 0) {
		if ((errno == EAGAIN || errno == EWOULDBLOCK) && now_s() < send_deadline && !failures) {
			usleep(500);
			continue;
		}
		pthread_mutex_lock(&lock);
		fail("sendv on stream %u (message %u of %u bytes): %s", f->stream, index, len, strerror(errno));
		pthread_mutex_unlock(&lock);
		return -1;
	}
	return 0;
}

/* Sends indices [from, to) of every flow, round robin over the flows. */
static int send_flows(uint32_t from, uint32_t to, uint8_t *buf) {
	for (uint32_t i = 0; from + i < to; i++) {
		for (size_t k = 0; k < plan->n; k++) {
			const struct flow *f = &plan->flows[k];
			if (i < f->count && send_message(f, from + i, 0, buf) < 0)
				return -1;
		}
	}
	return 0;
}

static uint32_t max_count(void) {
	uint32_t m = 0;
	for (size_t k = 0; k < plan->n; k++)
		if (plan->flows[k].count > m)
			m = plan->flows[k].count;
	return m;
}

static int send_control(const char *text) {
	struct sctp_sndinfo info;
	memset(&info, 0, sizeof info);
	info.snd_sid = 0;
	info.snd_ppid = htonl(PPID_STRING);
	if (usrsctp_sendv(sock, text, strlen(text), NULL, 0, &info, sizeof info, SCTP_SENDV_SNDINFO, 0) < 0) {
		pthread_mutex_lock(&lock);
		fail("sendv control: %s", strerror(errno));
		pthread_mutex_unlock(&lock);
		return -1;
	}
	return 0;
}

/* Waits (lock held) until done() holds, a failure is recorded or the deadline passes. */
static int wait_until(int (*done)(void), double deadline, const char *what) {
	while (!done() && !failures) {
		if (now_s() > deadline) {
			fail("timed out waiting for %s", what);
			return -1;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&cond, &lock, &ts);
	}
	return failures ? -1 : 0;
}

static int is_comm_up(void) { return comm_up; }
static int is_out_reset(void) { return out_reset_done || out_reset_failed; }
static int is_peer_got_all(void) { return peer_got_all; }
static int is_shutdown_comp(void) { return shutdown_comp; }
static int is_comm_lost(void) { return comm_lost; }
static int is_plan_done(void) {
	if (!plan_complete() && (closed || comm_lost))
		fail("association ended before the plan completed");
	return plan_complete();
}

static void setopt(struct socket *s, int level, int name, const void *value, socklen_t len, const char *what) {
	if (usrsctp_setsockopt(s, level, name, value, len) < 0) {
		fprintf(stderr, "setsockopt %s: %s\n", what, strerror(errno));
		exit(2);
	}
}

static void configure(struct socket *s, int idata) {
	struct sctp_event ev;
	/* Not SCTP_SEND_FAILED_EVENT: with it, the T3 timer abandoning a PR-SCTP chunk
	 * (sctp_release_pr_sctp_chunk -> sctp_ulp_notify -> sctp_add_to_readq) and
	 * usrsctp_conninput delivering after a FORWARD TSN (sctp_handle_forward_tsn ->
	 * sctp_invoke_recv_callback) take two locks in opposite orders and usrsctp 0.9.5
	 * deadlocks (sctplab/usrsctp issues 649 and 719); seen here in about 1 of 15 lossy
	 * partial reliability runs. */
	uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_STREAM_RESET_EVENT};
	memset(&ev, 0, sizeof ev);
	ev.se_assoc_id = SCTP_FUTURE_ASSOC;
	ev.se_on = 1;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		ev.se_type = types[i];
		setopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev, "SCTP_EVENT");
	}
	int on = 1;
	setopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO");
	setopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on, "SCTP_NODELAY");
	struct sctp_assoc_value av;
	memset(&av, 0, sizeof av);
	av.assoc_id = SCTP_FUTURE_ASSOC;
	av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ;
	setopt(s, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof av, "SCTP_ENABLE_STREAM_RESET");
	struct sctp_initmsg init;
	memset(&init, 0, sizeof init);
	init.sinit_num_ostreams = 1024;
	init.sinit_max_instreams = 1024;
	setopt(s, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init, "SCTP_INITMSG");
	if (idata) {
		int level = 2;
		setopt(s, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &level, sizeof level,
		       "SCTP_FRAGMENT_INTERLEAVE");
		av.assoc_value = 1;
		setopt(s, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av, sizeof av,
		       "SCTP_INTERLEAVING_SUPPORTED");
	}
}

int main(int argc, char **argv) {
	const char *role = NULL, *plan_name = NULL, *close_mode = NULL;
	int lport = 0, rport = 0, idata = 0, timeout = 60;
	long long start_at_ms = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--idata")) {
			idata = 1;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "%s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--role")) role = v;
		else if (!strcmp(a, "--local")) lport = atoi(v);
		else if (!strcmp(a, "--remote")) rport = atoi(v);
		else if (!strcmp(a, "--plan")) plan_name = v;
		else if (!strcmp(a, "--close")) close_mode = v;
		else if (!strcmp(a, "--timeout")) timeout = atoi(v);
		else if (!strcmp(a, "--drop")) drop_permille = (unsigned)atoi(v);
		else if (!strcmp(a, "--start-at")) start_at_ms = atoll(v);
		else if (!strcmp(a, "--seed")) drop_state = strtoull(v, NULL, 10) * 0x9e3779b97f4a7c15ULL | 1;
		else {
			fprintf(stderr, "unknown argument %s\n", a);
			return 2;
		}
	}
	for (size_t i = 0; plan_name && i < sizeof PLANS / sizeof PLANS[0]; i++)
		if (!strcmp(PLANS[i].name, plan_name))
			plan = &PLANS[i];
	if (!role || !lport || !rport || !plan || !close_mode) {
		fprintf(stderr, "usage: usrsctp_peer --role client|server --local PORT --remote PORT "
		                "--plan data|smoke|pr|reset|close|idata "
		                "--close shutdown|abort|peer-shutdown|peer-abort [--idata] [--timeout S]\n");
		return 2;
	}
	int client = !strcmp(role, "client");
	t0 = now_s();
	double deadline = t0 + timeout;
	send_deadline = deadline;
	for (size_t i = 0; i < plan->n; i++) {
		rx[i].reset_at = -1;
		rx[i].seen = calloc(expected_total(&plan->flows[i]) + 1, 1);
		rx[i].buf = malloc(MAX_MSG);
	}
	control_buf = malloc(MAX_MSG);

	udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in la = {.sin_family = AF_INET, .sin_port = htons(lport)};
	struct sockaddr_in ra = {.sin_family = AF_INET, .sin_port = htons(rport)};
	inet_pton(AF_INET, "127.0.0.1", &la.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &ra.sin_addr);
	int big = 4 << 20;
	setsockopt(udp_fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	setsockopt(udp_fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	if (bind(udp_fd, (struct sockaddr *)&la, sizeof la) < 0 ||
	    connect(udp_fd, (struct sockaddr *)&ra, sizeof ra) < 0) {
		perror("udp socket");
		return 2;
	}

	usrsctp_init(0, conn_output, debug_printf);
	/* Faster loss recovery on a loopback link; the rest are usrsctp's defaults. */
	usrsctp_sysctl_set_sctp_rto_min_default(100);
	usrsctp_sysctl_set_sctp_rto_initial_default(500);
	usrsctp_sysctl_set_sctp_init_rto_max_default(1000);
	usrsctp_sysctl_set_sctp_sendspace(2 << 20);
	usrsctp_sysctl_set_sctp_recvspace(2 << 20);
	usrsctp_sysctl_set_sctp_ecn_enable(0);
	usrsctp_register_address(&udp_fd);
	pthread_t reader;
	pthread_create(&reader, NULL, udp_reader, NULL);

	struct socket *s = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, receive_cb, NULL, 0, NULL);
	if (s == NULL) {
		perror("usrsctp_socket");
		return 2;
	}
	configure(s, idata);
	struct sockaddr_conn sconn;
	memset(&sconn, 0, sizeof sconn);
	sconn.sconn_family = AF_CONN;
	sconn.sconn_port = htons(5000);
	sconn.sconn_addr = &udp_fd;
	if (usrsctp_bind(s, (struct sockaddr *)&sconn, sizeof sconn) < 0) {
		perror("usrsctp_bind");
		return 2;
	}
	if (client) {
		/* --start-at (Unix ms): both sides bound, then INITs cross (simultaneous open). */
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		long long wait_ms = start_at_ms - ((long long)rt.tv_sec * 1000 + rt.tv_nsec / 1000000);
		if (start_at_ms > 0 && wait_ms > 0)
			usleep((useconds_t)(wait_ms * 1000));
		if (usrsctp_connect(s, (struct sockaddr *)&sconn, sizeof sconn) < 0) {
			perror("usrsctp_connect");
			return 1;
		}
		sock = s;
	} else {
		if (usrsctp_listen(s, 1) < 0) {
			perror("usrsctp_listen");
			return 2;
		}
		sock = usrsctp_accept(s, NULL, NULL);
		if (sock == NULL) {
			perror("usrsctp_accept");
			return 1;
		}
	}
	pthread_mutex_lock(&lock);
	int rc = wait_until(is_comm_up, deadline, "COMM_UP");
	logf_("established (%s), peer supports PR-SCTP %d, I-DATA %d", role, pr_negotiated, idata_negotiated);
	pthread_mutex_unlock(&lock);
	if (rc < 0)
		return 1;
	if (idata && !idata_negotiated) {
		logf_("FAIL: I-DATA not negotiated");
		return 1;
	}

	uint8_t *buf = malloc(MAX_MSG);
	double start = now_s();
	uint32_t m = max_count();
	if (send_flows(0, m, buf) < 0)
		return 1;
	for (size_t k = 0; k < plan->n; k++)
		if (plan->flows[k].pr != PR_NONE && send_message(&plan->flows[k], plan->flows[k].count, 1, buf) < 0)
			return 1;
	if (plan->reset) {
		struct sctp_reset_streams *rs = calloc(1, sizeof *rs + plan->n * sizeof(uint16_t));
		rs->srs_assoc_id = SCTP_ALL_ASSOC;
		rs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
		rs->srs_number_streams = (uint16_t)plan->n;
		for (size_t k = 0; k < plan->n; k++)
			rs->srs_stream_list[k] = plan->flows[k].stream;
		/* usrsctp refuses a reset while the streams still have data queued (EAGAIN in some
		 * versions): retry until it takes it. */
		while (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs,
		                          (socklen_t)(sizeof *rs + plan->n * sizeof(uint16_t))) < 0) {
			if (errno != EAGAIN && errno != EBUSY) {
				logf_("FAIL: SCTP_RESET_STREAMS: %s", strerror(errno));
				return 1;
			}
			if (now_s() > deadline) {
				logf_("FAIL: SCTP_RESET_STREAMS kept failing: %s", strerror(errno));
				return 1;
			}
			usleep(10000);
		}
		logf_("asked to reset %zu outgoing streams", plan->n);
		pthread_mutex_lock(&lock);
		rc = wait_until(is_out_reset, deadline, "our outgoing stream reset");
		if (out_reset_failed)
			fail("peer refused our stream reset");
		pthread_mutex_unlock(&lock);
		if (rc < 0)
			return 1;
		logf_("our outgoing streams were reset; sending again on them");
		if (send_flows(m, 2 * m, buf) < 0)
			return 1;
	}
	logf_("all sent");

	pthread_mutex_lock(&lock);
	rc = wait_until(is_plan_done, deadline, "the whole plan");
	for (size_t k = 0; rc < 0 && k < plan->n; k++)
		logf_("stream %u: %u delivered, next %u, final %d", plan->flows[k].stream, rx[k].received,
		      rx[k].next, rx[k].final_seen);
	pthread_mutex_unlock(&lock);
	if (rc < 0)
		return 1;
	double elapsed = now_s() - start;
	for (size_t k = 0; k < plan->n; k++)
		logf_("stream %u: %u of %u delivered%s", plan->flows[k].stream, rx[k].received,
		      expected_total(&plan->flows[k]), plan->flows[k].pr != PR_NONE ? " (partially reliable)" : "");
	logf_("received the whole plan in %.3f s", elapsed);
	if (send_control("got-all") < 0)
		return 1;

	pthread_mutex_lock(&lock);
	rc = wait_until(is_peer_got_all, deadline, "the peer's got-all");
	pthread_mutex_unlock(&lock);
	if (rc < 0)
		return 1;

	if (!strcmp(close_mode, "shutdown")) {
		if (usrsctp_shutdown(sock, SHUT_WR) < 0) {
			perror("usrsctp_shutdown");
			return 1;
		}
		pthread_mutex_lock(&lock);
		rc = wait_until(is_shutdown_comp, deadline, "SHUTDOWN_COMP after our shutdown");
		pthread_mutex_unlock(&lock);
		if (rc < 0)
			return 1;
		logf_("closed: shutdown complete (we started it)");
	} else if (!strcmp(close_mode, "abort")) {
		struct linger l = {1, 0};
		setopt(sock, SOL_SOCKET, SO_LINGER, &l, sizeof l, "SO_LINGER");
		usrsctp_close(sock);
		sock = NULL;
		usleep(200000);
		logf_("closed: aborted (we started it)");
	} else if (!strcmp(close_mode, "peer-shutdown")) {
		pthread_mutex_lock(&lock);
		rc = wait_until(is_shutdown_comp, deadline, "SHUTDOWN_COMP after the peer's SHUTDOWN");
		int saw = peer_shutdown;
		pthread_mutex_unlock(&lock);
		if (rc < 0)
			return 1;
		if (!saw) {
			logf_("FAIL: no SHUTDOWN event before SHUTDOWN_COMP");
			return 1;
		}
		logf_("closed: shutdown complete (peer started it)");
	} else if (!strcmp(close_mode, "peer-abort")) {
		pthread_mutex_lock(&lock);
		rc = wait_until(is_comm_lost, deadline, "COMM_LOST after the peer's ABORT");
		pthread_mutex_unlock(&lock);
		if (rc < 0)
			return 1;
		logf_("closed: peer aborted");
	} else {
		fprintf(stderr, "unknown --close %s\n", close_mode);
		return 2;
	}
	logf_("PASS");
	fflush(stderr);
	/* usrsctp_finish can wait for timers; the process ends here. */
	_exit(0);
}
