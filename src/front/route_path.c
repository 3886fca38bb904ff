#include "front/route_path.h"

#include <string.h>

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* seg starts at offset `at` of the decoded path; only the top-level
 * "/.well-known" (RFC 8615) may start with a dot. */
static int
segment_allowed(const char *seg, size_t n, size_t at)
{
    if (n == 0 || seg[0] != '.')
        return 1;
    return at == 1 && n == 11 && memcmp(seg, ".well-known", 11) == 0;
}

/* Ends the segment out[seg_start..*o): "." is dropped and ".." removes the
 * segment before it, as nginx resolves them; ".." above the root is a bad
 * request; another segment starting with '.' is refused. */
static keel_path_result_t
end_segment(char *out, size_t *o, size_t seg_start)
{
    size_t n = *o - seg_start;
    const char *seg = out + seg_start;
    if (n == 1 && seg[0] == '.') {
        *o = seg_start;
    } else if (n == 2 && seg[0] == '.' && seg[1] == '.') {
        if (seg_start <= 1)
            return KEEL_PATH_BAD_REQUEST;
        *o = seg_start - 1; /* the '/' before ".." */
        while (*o > 0 && out[*o - 1] != '/')
            (*o)--;
    } else if (!segment_allowed(seg, n, seg_start)) {
        return KEEL_PATH_FORBIDDEN;
    }
    return KEEL_PATH_OK;
}

keel_path_result_t
keel_path_decode(const char *raw, size_t len, char *out, size_t *out_len)
{
    if (len == 0 || raw[0] != '/')
        return KEEL_PATH_BAD_REQUEST;
    size_t o = 0, seg_start = 0;
    keel_path_result_t r;
    for (size_t i = 0; i < len; i++) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= len)
                return KEEL_PATH_BAD_REQUEST;
            int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0)
                return KEEL_PATH_BAD_REQUEST;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0')
            return KEEL_PATH_BAD_REQUEST;
        if (c == '/') {
            if (o > 0 && (r = end_segment(out, &o, seg_start)) != KEEL_PATH_OK)
                return r;
            if (o == 0 || out[o - 1] != '/')
                out[o++] = '/'; /* and repeated slashes merge */
            seg_start = o;
            continue;
        }
        out[o++] = c;
    }
    if ((r = end_segment(out, &o, seg_start)) != KEEL_PATH_OK)
        return r;
    out[o] = '\0';
    *out_len = o;
    return KEEL_PATH_OK;
}

size_t
keel_path_php_prefix(const char *path, size_t len)
{
    for (size_t i = 4; i <= len; i++) {
        if ((i == len || path[i] == '/') && memcmp(path + i - 4, ".php", 4) == 0 && i > 4 && path[i - 5] != '/')
            return i;
    }
    return 0;
}

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int
is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int
keel_path_is_php_source(const char *name, size_t len)
{
    static const char *const exts[] = {"php", "phtml", "pht", "phps", "phar", "phpt"};
    for (size_t dot = 0; dot < len; dot++) {
        if (name[dot] != '.')
            continue;
        /* the letters after the dot, then any digits ("php5") */
        size_t w = dot + 1;
        while (w < len && ((name[w] >= 'a' && name[w] <= 'z') || (name[w] >= 'A' && name[w] <= 'Z')))
            w++;
        size_t d = w;
        while (d < len && name[d] >= '0' && name[d] <= '9')
            d++;
        if (d < len && is_alnum(name[d]))
            continue; /* "a.php5x": another word */
        for (size_t e = 0; e < sizeof(exts) / sizeof(exts[0]); e++) {
            size_t n = strlen(exts[e]);
            if (w - dot - 1 != n)
                continue;
            size_t i = 0;
            while (i < n && lower(name[dot + 1 + i]) == exts[e][i])
                i++;
            if (i == n)
                return 1;
        }
    }
    return 0;
}

int
keel_path_has_dotfile(const char *path, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (path[i] != '/' || i + 1 >= len || path[i + 1] != '.')
            continue;
        const char *seg = path + i + 1, *slash = memchr(seg, '/', len - i - 1);
        size_t n = slash ? (size_t)(slash - seg) : len - i - 1;
        if (!segment_allowed(seg, n, i + 1))
            return 1;
    }
    return 0;
}

int
keel_path_is_under(const char *path, size_t len, const char *dir)
{
    size_t dl = strlen(dir);
    while (dl > 0 && dir[dl - 1] == '/')
        dl--;
    while (dl > 0 && dir[0] == '/') {
        dir++;
        dl--;
    }
    if (dl == 0 || len < dl + 1 || path[0] != '/' || memcmp(path + 1, dir, dl) != 0)
        return 0;
    return len == dl + 1 || path[dl + 1] == '/';
}
