#include "front/chunked_decoder.h"

#include <stdint.h>
#include <string.h>

/* The decoder's _state. DATA keeps picohttpparser's value (2), which its
 * phr_decode_chunked_is_in_data tests; 0 is the start. */
enum {
    SIZE_FIRST = 0,   /* the first digit of a chunk size */
    SIZE = 1,         /* more digits, or what ends them */
    DATA = 2,         /* bytes_left_in_chunk of data */
    EXTENSION = 3,    /* after ';', space or tab: anything to the line's end */
    SIZE_LF = 4,      /* the LF after the size line's CR */
    DATA_END = 5,     /* CR or LF after the data */
    DATA_END_LF = 6,  /* the LF after it */
    TRAILER = 7,      /* the start of a trailer line, or the empty line that ends the body */
    TRAILER_LINE = 8, /* a trailer line's rest */
    TRAILER_LF = 9,   /* the LF after a trailer line's CR */
    END_LF = 10,      /* the LF after the final empty line's CR */
};

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

ssize_t
keel_chunked_decode(keel_chunked_decoder_t *d, char *buf, size_t *bufsz)
{
    size_t src = 0, dst = 0, len = *bufsz;
    ssize_t ret = -2;
    while (src < len) {
        char c = buf[src];
        switch (d->_state) {
        case SIZE_FIRST:
        case SIZE: {
            int v = hex_value(c);
            if (v >= 0) {
                /* a size too large for size_t is refused; leading zeros are not */
                if (d->bytes_left_in_chunk > (SIZE_MAX >> 4))
                    goto Error;
                d->bytes_left_in_chunk = d->bytes_left_in_chunk * 16 + (size_t)v;
                d->_state = SIZE;
                src++;
                break;
            }
            if (d->_state == SIZE_FIRST)
                goto Error;
            if (c == '\r')
                d->_state = SIZE_LF;
            else if (c == '\n')
                goto SizeLineEnd;
            else if (c == ';' || c == ' ' || c == '\t')
                d->_state = EXTENSION;
            else
                goto Error;
            src++;
            break;
        }
        case EXTENSION:
            src++;
            if (c == '\r')
                d->_state = SIZE_LF;
            else if (c == '\n')
                goto SizeLineEnded;
            break;
        case SIZE_LF:
            if (c != '\n')
                goto Error;
        SizeLineEnd:
            src++;
        SizeLineEnded:
            if (d->bytes_left_in_chunk != 0) {
                d->_state = DATA;
            } else if (d->consume_trailer) {
                d->_state = TRAILER;
            } else {
                goto Complete;
            }
            break;
        case DATA: {
            size_t n = len - src < d->bytes_left_in_chunk ? len - src : d->bytes_left_in_chunk;
            if (dst != src)
                memmove(buf + dst, buf + src, n);
            src += n;
            dst += n;
            d->bytes_left_in_chunk -= n;
            if (d->bytes_left_in_chunk == 0)
                d->_state = DATA_END;
            break;
        }
        case DATA_END:
            src++;
            if (c == '\r')
                d->_state = DATA_END_LF;
            else if (c == '\n')
                d->_state = SIZE_FIRST;
            else
                goto Error;
            break;
        case DATA_END_LF:
            if (c != '\n')
                goto Error;
            src++;
            d->_state = SIZE_FIRST;
            break;
        case TRAILER:
            src++;
            if (c == '\r')
                d->_state = END_LF;
            else if (c == '\n')
                goto Complete;
            else
                d->_state = TRAILER_LINE;
            break;
        case TRAILER_LINE:
            src++;
            if (c == '\r')
                d->_state = TRAILER_LF;
            else if (c == '\n')
                d->_state = TRAILER;
            break;
        case TRAILER_LF:
            if (c != '\n')
                goto Error;
            src++;
            d->_state = TRAILER;
            break;
        case END_LF:
            if (c != '\n')
                goto Error;
            src++;
            goto Complete;
        default:
            goto Error;
        }
    }
    goto Exit;
Complete:
    ret = (ssize_t)(len - src);
    goto Exit;
Error:
    ret = -1;
Exit:
    /* what follows the body goes right after the decoded bytes */
    if (ret >= 0 && dst != src)
        memmove(buf + dst, buf + src, len - src);
    *bufsz = dst;
    return ret;
}

int
keel_chunked_in_data(const keel_chunked_decoder_t *decoder)
{
    return decoder->_state == DATA;
}
