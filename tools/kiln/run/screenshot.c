/* screenshot.c - the screen through QMP (see screenshot.h). QMP speaks
 * JSON, one message a line: a greeting, then {"execute": ...} commands,
 * each answered by a "return" or an "error" line, with "event" lines in
 * between that kiln skips. */
#include "tools/kiln/run/screenshot.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tools/kiln/run/png.h"
#include "tools/kiln/util/cleanup.h"
#include "tools/kiln/util/die.h"
#include "tools/kiln/util/files.h"

#define QMP_WAIT_MS 5000
#define PPM_MAX ((size_t)16384 * 16384 * 3 + 64)

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

bool screenshot_listen(struct screenshot *s, kiln_err *e) {
    s->listen_fd = s->fd = -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(s->socket) >= sizeof sa.sun_path) return err_set(e, "%s: socket path too long", s->socket);
    strcpy(sa.sun_path, s->socket);
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s->listen_fd, 1) != 0)
        return err_set(e, "%s: cannot listen: %s", s->socket, strerror(errno));
    cleanup_add(s->socket);
    return true;
}

__attribute__((format(printf, 2, 3))) static bool fail(struct screenshot *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof s->why, fmt, ap);
    va_end(ap);
    return false;
}

/* The next QMP line that is not an event, within the deadline. */
static bool qmp_reply(struct screenshot *s, double deadline, char *line, size_t cap) {
    size_t n = 0;
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0) return fail(s, "QEMU's monitor did not answer within %d s", QMP_WAIT_MS / 1000);
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, left) <= 0) continue;
        char c;
        ssize_t r = read(s->fd, &c, 1);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (r <= 0) return fail(s, "QEMU closed its monitor (it exited)");
        if (c != '\n') {
            if (n + 1 < cap) line[n++] = c;
            continue;
        }
        line[n] = 0;
        n = 0;
        if (!strstr(line, "\"event\"")) return true;
    }
}

static bool qmp_command(struct screenshot *s, const char *cmd, double deadline) {
    char line[2048];
    size_t len = strlen(cmd);
    if (write(s->fd, cmd, len) != (ssize_t)len) return fail(s, "QEMU's monitor: %s", strerror(errno));
    if (!qmp_reply(s, deadline, line, sizeof line)) return false;
    if (strstr(line, "\"return\"")) return true;
    return fail(s, "QEMU's monitor: %.400s", line);
}

static bool write_png(struct screenshot *s) {
    size_t n;
    kiln_err e;
    if (!file_exists(s->ppm)) return fail(s, "QEMU wrote no screen dump");
    uint8_t *ppm = read_file(s->ppm, &n, PPM_MAX);
    const uint8_t *rgb;
    if (!ppm_parse(ppm, n, &s->width, &s->height, &rgb, &e)) {
        free(ppm);
        return fail(s, "QEMU's screen dump: %s", e.msg);
    }
    size_t len;
    uint8_t *png = png_encode(rgb, s->width, s->height, &len);
    free(ppm);
    struct out_file o;
    out_open(&o, s->png);
    out_write_at(&o, png, len, 0);
    out_commit(&o);
    free(png);
    return true;
}

bool screenshot_take(struct screenshot *s) {
    if (s->taken) return true;
    double deadline = now_ms() + QMP_WAIT_MS;
    if (s->fd < 0) {
        struct pollfd p = {s->listen_fd, POLLIN, 0};
        if (s->listen_fd < 0 || poll(&p, 1, QMP_WAIT_MS) <= 0) return fail(s, "QEMU never connected to its monitor socket");
        s->fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (s->fd < 0) return fail(s, "accept: %s", strerror(errno));
    }
    if (!s->greeted) {
        char line[2048];
        if (!qmp_reply(s, deadline, line, sizeof line)) return false;
        if (!strstr(line, "\"QMP\"")) return fail(s, "QEMU's monitor greeted with %.200s", line);
        if (!qmp_command(s, "{\"execute\": \"qmp_capabilities\"}\n", deadline)) return false;
        s->greeted = true;
    }
    /* kiln's own temporary path: no quote or backslash to escape */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "{\"execute\": \"screendump\", \"arguments\": {\"filename\": \"%s\"}}\n", s->ppm);
    if (strchr(s->ppm, '"') || strchr(s->ppm, '\\')) return fail(s, "%s: a quote in the temporary path", s->ppm);
    if (!qmp_command(s, cmd, deadline) || !write_png(s)) return false;
    s->taken = true;
    return true;
}

void screenshot_close(struct screenshot *s) {
    if (s->fd >= 0) close(s->fd);
    if (s->listen_fd >= 0) close(s->listen_fd);
    s->fd = s->listen_fd = -1;
    if (s->socket) cleanup_remove(s->socket);
    if (s->ppm) cleanup_remove(s->ppm);
}
