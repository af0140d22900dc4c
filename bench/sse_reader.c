/* EchoDash fan-out benchmark: many SSE subscribers in one process.
 *
 * Opens N streams on GET /api/v1/stream (one bearer token per `--per-token` streams, as the
 * server allows a caller only so many), reads them with epoll, and records, for each
 * subscriber, the first time (CLOCK_MONOTONIC) each delivery's `"hook_id":N` reached it.
 * A stream told `event: resync` (or closed by the server) is opened again with its
 * Last-Event-ID, as EventSource does.
 *
 * Protocol with bench/fanout.py: once every stream has its answer the reader prints
 * "ready CONNECTED REFUSED" on stdout (or "timeout …" and exits 1 when some stream has no
 * answer after --connect-timeout seconds). On SIGTERM (or when the --stop file exists) it reads
 * --acks (little-endian doubles, one per delivery n = 1..count, the monotonic time of its
 * 202, or 0 for a delivery that was not accepted), and writes to --out one "key value" line
 * per figure: received pairs, missed pairs, resyncs, latency p50/p99/max in seconds.
 *
 *   cc -O2 -Wall -o sse_reader sse_reader.c
 *   sse_reader --port 8000 --tokens tokens.txt --subscribers 1000 --max-hook 2000 \
 *              --acks acks.bin --out result.txt [--per-token 20] [--cpu 1] [--stop FILE]
 *              [--connect-timeout 120]
 *
 * --port may list several ports (comma-separated): subscriber i uses port i mod count.
 * --stall-first K --stall-seconds S: subscribers 0..K-1 leave their streams unread until S
 * seconds after the start, like a stuck browser tab (to see resyncs).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { S_CONNECTING, S_HEAD, S_BODY, S_CLOSED };
enum { C_SIZE, C_DATA, C_TRAILER_CR, C_END };

typedef struct {
    uint32_t hook;
    float at; /* seconds since the reader started */
} Receipt;

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

typedef struct {
    int fd, index, port, state;
    int chunked, chunk_state;
    long chunk_left;
    char size_line[32];
    int size_len;
    Buf head, sse;
    long long last_id;
    int has_last_id, answered, stalled;
    uint8_t *seen; /* one bit per hook */
    Receipt *got;
    size_t ngot, capgot;
} Stream;

static volatile sig_atomic_t stopping = 0;
static double started;
static Stream *streams;
static int nstreams, epfd, per_token = 20, ntokens, nports;
static int ports[16];
static char **tokens;
static uint32_t max_hook;
static long connected_count, refused_count, resyncs, reconnects, answered_count;
static int stall_first;     /* streams 0..stall_first-1 stop reading their bodies ... */
static double stall_until;  /* ... until this many seconds after the start */

static void on_term(int sig) {
    (void)sig;
    stopping = 1;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void buf_add(Buf *b, const char *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) die("realloc");
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void buf_drop(Buf *b, size_t n) {
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

static void open_stream(Stream *s) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (s->index < stall_first) { /* a small window: the server feels the stall sooner */
        int size = 16384;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(s->port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
        die("connect");
    s->fd = fd;
    s->state = S_CONNECTING;
    s->stalled = 0;
    s->head.len = s->sse.len = 0;
    s->chunked = 0;
    s->chunk_state = C_SIZE;
    s->size_len = 0;
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)s->index};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
}

static void close_stream(Stream *s) {
    if (s->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
        close(s->fd);
    }
    s->fd = -1;
    s->state = S_CLOSED;
}

static void reopen(Stream *s) {
    close_stream(s);
    if (!stopping) {
        reconnects++;
        open_stream(s);
    }
}

static void send_request(Stream *s) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) { /* e.g. the listen queue was full: try again */
        reopen(s);
        return;
    }
    char request[1024];
    const char *token = tokens[(s->index / per_token) % ntokens];
    int n;
    if (s->has_last_id)
        n = snprintf(request, sizeof request,
                     "GET /api/v1/stream HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer %s\r\n"
                     "Last-Event-ID: %lld\r\n\r\n",
                     token, s->last_id);
    else
        n = snprintf(request, sizeof request,
                     "GET /api/v1/stream HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer %s\r\n\r\n",
                     token);
    if (write(s->fd, request, n) != n) { /* a fresh socket takes a small request whole */
        reopen(s);
        return;
    }
    s->state = S_HEAD;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)s->index};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0) die("epoll_ctl");
}

static void record(Stream *s, uint32_t hook, float at) {
    if (hook < 1 || hook > max_hook) return;
    uint8_t bit = (uint8_t)(1u << (hook & 7));
    if (s->seen[hook >> 3] & bit) return;
    s->seen[hook >> 3] |= bit;
    if (s->ngot == s->capgot) {
        s->capgot = s->capgot ? s->capgot * 2 : 256;
        s->got = realloc(s->got, s->capgot * sizeof *s->got);
        if (!s->got) die("realloc");
    }
    s->got[s->ngot++] = (Receipt){hook, at};
}

/* One SSE block (without its blank line). Returns 1 when it was a resync. */
static int block(Stream *s, const char *p, size_t n, float at) {
    int resync = 0;
    const char *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', end - p);
        const char *line_end = nl ? nl : end;
        size_t len = line_end - p;
        if (len > 4 && memcmp(p, "id: ", 4) == 0) {
            s->last_id = strtoll(p + 4, NULL, 10);
            s->has_last_id = 1;
        } else if (len == 13 && memcmp(p, "event: resync", 13) == 0) {
            resync = 1;
        } else if (len > 6 && memcmp(p, "data: ", 6) == 0) {
            const char *q = p;
            static const char key[] = "\"hook_id\":";
            while ((q = memmem(q, line_end - q, key, sizeof key - 1)) != NULL) {
                q += sizeof key - 1;
                uint32_t hook = 0;
                int digits = 0;
                while (q < line_end && *q >= '0' && *q <= '9') {
                    hook = hook * 10 + (uint32_t)(*q++ - '0');
                    digits++;
                }
                if (digits) record(s, hook, at);
            }
        }
        p = line_end + 1;
    }
    return resync;
}

/* Whole blocks of the decoded body; the rest waits for more. Returns 1 on resync. */
static int sse_blocks(Stream *s, float at) {
    size_t start = 0;
    int resync = 0;
    for (;;) {
        char *sep = memmem(s->sse.data + start, s->sse.len - start, "\n\n", 2);
        if (!sep) break;
        size_t n = sep - (s->sse.data + start);
        if (block(s, s->sse.data + start, n, at)) resync = 1;
        start += n + 2;
    }
    if (start) buf_drop(&s->sse, start);
    return resync;
}

/* Undo chunked transfer coding into s->sse. Returns 1 at the last chunk. */
static int dechunk(Stream *s, const char *p, size_t n) {
    const char *end = p + n;
    while (p < end) {
        switch (s->chunk_state) {
        case C_SIZE: {
            char c = *p++;
            if (c == '\n') {
                s->size_line[s->size_len] = 0;
                s->chunk_left = strtol(s->size_line, NULL, 16);
                s->size_len = 0;
                if (s->chunk_left == 0) return 1;
                s->chunk_state = C_DATA;
            } else if (s->size_len < (int)sizeof s->size_line - 1) {
                s->size_line[s->size_len++] = c;
            }
            break;
        }
        case C_DATA: {
            size_t take = (size_t)(end - p) < (size_t)s->chunk_left ? (size_t)(end - p)
                                                                    : (size_t)s->chunk_left;
            buf_add(&s->sse, p, take);
            p += take;
            s->chunk_left -= take;
            if (s->chunk_left == 0) s->chunk_state = C_TRAILER_CR;
            break;
        }
        case C_TRAILER_CR:
            if (*p++ == '\n') s->chunk_state = C_SIZE;
            break;
        }
    }
    return 0;
}

static void answered(Stream *s, int ok) {
    if (s->answered) return;
    s->answered = 1;
    answered_count++;
    if (ok)
        connected_count++;
    else
        refused_count++;
}

static void readable(Stream *s) {
    static char chunk[65536];
    if (s->state == S_BODY && s->index < stall_first && now() - started < stall_until) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL); /* not even a hang-up wakes it */
        s->stalled = 1;
        return;
    }
    for (;;) {
        ssize_t n = read(s->fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            reopen(s);
            return;
        }
        if (n == 0) { /* the server ended the response */
            if (s->state == S_HEAD) answered(s, 0);
            reopen(s);
            return;
        }
        float at = (float)(now() - started);
        const char *body = chunk;
        size_t len = (size_t)n;
        if (s->state == S_HEAD) {
            buf_add(&s->head, chunk, len);
            char *sep = memmem(s->head.data, s->head.len, "\r\n\r\n", 4);
            if (!sep) continue;
            size_t head_len = sep + 4 - s->head.data;
            int ok = s->head.len >= 12 && memcmp(s->head.data, "HTTP/1.1 200", 12) == 0;
            answered(s, ok);
            if (!ok) { /* refused: leave it closed, as the Python subscribers do */
                close_stream(s);
                return;
            }
            buf_add(&s->head, "", 1);
            s->chunked = strcasestr(s->head.data, "\r\ntransfer-encoding: chunked") != NULL;
            /* the body that came with the head */
            size_t rest = s->head.len - 1 - head_len;
            s->state = S_BODY;
            if (s->chunked) {
                if (dechunk(s, s->head.data + head_len, rest)) {
                    sse_blocks(s, at);
                    reopen(s);
                    return;
                }
            } else {
                buf_add(&s->sse, s->head.data + head_len, rest);
            }
            s->head.len = 0;
            len = 0;
        }
        int last = 0;
        if (len) {
            if (s->chunked)
                last = dechunk(s, body, len);
            else
                buf_add(&s->sse, body, len);
        }
        if (sse_blocks(s, at)) {
            resyncs++;
            reopen(s);
            return;
        }
        if (last) {
            reopen(s);
            return;
        }
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *acks_path, const char *out_path) {
    FILE *f = fopen(acks_path, "rb");
    if (!f) die(acks_path);
    double *acks = calloc(max_hook + 1, sizeof *acks);
    size_t nacks = fread(acks + 1, sizeof *acks, max_hook, f);
    fclose(f);
    long accepted = 0;
    for (size_t h = 1; h <= nacks; h++)
        if (acks[h] > 0) accepted++;
    size_t total = 0;
    for (int i = 0; i < nstreams; i++) total += streams[i].ngot;
    double *lat = malloc((total ? total : 1) * sizeof *lat);
    size_t nlat = 0;
    long long missed = 0;
    for (int i = 0; i < nstreams; i++) {
        Stream *s = &streams[i];
        long counted = 0;
        for (size_t k = 0; k < s->ngot; k++) {
            uint32_t h = s->got[k].hook;
            if (h <= nacks && acks[h] > 0) {
                lat[nlat++] = started + (double)s->got[k].at - acks[h];
                counted++;
            }
        }
        missed += accepted - counted;
    }
    qsort(lat, nlat, sizeof *lat, cmp_double);
#define PCT(q) (nlat ? lat[(size_t)((q) * nlat) < nlat ? (size_t)((q) * nlat) : nlat - 1] : -1.0)
    FILE *o = fopen(out_path, "w");
    if (!o) die(out_path);
    fprintf(o, "subscribers %d\nconnected %ld\nrefused %ld\nresyncs %ld\nreconnects %ld\n",
            nstreams, connected_count, refused_count, resyncs, reconnects);
    fprintf(o, "accepted %ld\nreceived %zu\nmissed %lld\n", accepted, nlat, missed);
    fprintf(o, "live_p50 %.9f\nlive_p99 %.9f\nlive_max %.9f\n", PCT(0.50), PCT(0.99),
            nlat ? lat[nlat - 1] : -1.0);
    fclose(o);
    free(lat);
    free(acks);
}

static void usage(void) {
    fprintf(stderr, "usage: sse_reader --port P[,P...] --tokens FILE --subscribers N --max-hook M "
                    "--acks FILE --out FILE [--per-token 20] [--cpu C] [--stop FILE] "
                    "[--connect-timeout SECONDS] [--stall-first K --stall-seconds S]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *tokens_path = NULL, *acks_path = NULL, *out_path = NULL, *stop_path = NULL;
    int cpu = -1;
    double connect_timeout = 120;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--port")) {
            char *copy = strdup(v);
            for (char *t = strtok(copy, ","); t && nports < 16; t = strtok(NULL, ","))
                ports[nports++] = atoi(t);
        } else if (!strcmp(k, "--tokens"))
            tokens_path = v;
        else if (!strcmp(k, "--subscribers"))
            nstreams = atoi(v);
        else if (!strcmp(k, "--max-hook"))
            max_hook = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(k, "--acks"))
            acks_path = v;
        else if (!strcmp(k, "--out"))
            out_path = v;
        else if (!strcmp(k, "--per-token"))
            per_token = atoi(v);
        else if (!strcmp(k, "--cpu"))
            cpu = atoi(v);
        else if (!strcmp(k, "--stop"))
            stop_path = v;
        else if (!strcmp(k, "--connect-timeout"))
            connect_timeout = atof(v);
        else if (!strcmp(k, "--stall-first"))
            stall_first = atoi(v);
        else if (!strcmp(k, "--stall-seconds"))
            stall_until = atof(v);
        else
            usage();
    }
    if (!nports || !tokens_path || nstreams <= 0 || !acks_path || !out_path || per_token <= 0)
        usage();

    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0) die("sched_setaffinity");
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    FILE *tf = fopen(tokens_path, "r");
    if (!tf) die(tokens_path);
    char line[512];
    while (fgets(line, sizeof line, tf)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!*line) continue;
        tokens = realloc(tokens, (ntokens + 1) * sizeof *tokens);
        tokens[ntokens++] = strdup(line);
    }
    fclose(tf);
    if (!ntokens) usage();

    started = now();
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    streams = calloc(nstreams, sizeof *streams);
    for (int i = 0; i < nstreams; i++) {
        Stream *s = &streams[i];
        s->index = i;
        s->fd = -1;
        s->port = ports[i % nports];
        s->seen = calloc(max_hook / 8 + 1, 1);
        open_stream(s);
    }

    int said_ready = 0;
    struct epoll_event events[512];
    double next_stop_check = 0;
    while (!stopping) {
        int n = epoll_wait(epfd, events, 512, 100);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int k = 0; k < n; k++) {
            Stream *s = &streams[events[k].data.u32];
            if (s->state == S_CONNECTING)
                send_request(s);
            else if (s->state == S_HEAD || s->state == S_BODY)
                readable(s);
        }
        if (!said_ready && answered_count >= nstreams) {
            printf("ready %ld %ld\n", connected_count, refused_count);
            fflush(stdout);
            said_ready = 1;
        }
        if (stall_first && now() - started >= stall_until) { /* read the stalled ones again */
            for (int i = 0; i < stall_first && i < nstreams; i++) {
                Stream *s = &streams[i];
                if (s->stalled && s->fd >= 0 && s->state == S_BODY) {
                    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev);
                }
                s->stalled = 0;
            }
            stall_first = 0;
        }
        if (!said_ready && now() - started > connect_timeout) {
            fprintf(stderr, "sse_reader: %ld of %d streams answered in %.0f s\n", answered_count,
                    nstreams, connect_timeout);
            printf("timeout %ld %ld\n", connected_count, refused_count);
            fflush(stdout);
            return 1;
        }
        if (stop_path) {
            double t = now();
            if (t >= next_stop_check) {
                struct stat st;
                if (stat(stop_path, &st) == 0) stopping = 1;
                next_stop_check = t + 0.1;
            }
        }
    }
    for (int i = 0; i < nstreams; i++) close_stream(&streams[i]);
    report(acks_path, out_path);
    return 0;
}
