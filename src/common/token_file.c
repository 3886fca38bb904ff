#include "common/token_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

long
keel_token_file_read(const char *path, char *out, size_t cap, int *loose, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "--admin-token %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "--admin-token %s: not a regular file", path);
        close(fd);
        return -1;
    }
    *loose = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
    char buf[KEEL_TOKEN_MAX + 2];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "--admin-token %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0 || (len += (size_t)n) == sizeof(buf))
            break;
    }
    close(fd);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
        len--;
    if (len == 0 || len > KEEL_TOKEN_MAX || len + 1 > cap) {
        snprintf(err, errlen, "--admin-token %s: expected a token of 1 to %d characters", path, KEEL_TOKEN_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)buf[i] < 0x21 || (unsigned char)buf[i] > 0x7e) {
            snprintf(err, errlen, "--admin-token %s: the token must be printable ASCII without spaces", path);
            return -1;
        }
    }
    memcpy(out, buf, len);
    out[len] = '\0';
    return (long)len;
}
