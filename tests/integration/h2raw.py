"""A raw HTTP/2 client (cleartext, prior knowledge) for tests that need
control over frames: a body sent a byte at a time, a stream left open,
pseudo-headers a library would refuse to send.

Requests are encoded with HPACK literals without indexing and without
Huffman coding (RFC 7541 6.2.2), so any name or value goes out as given.
Responses are not HPACK-decoded in general: the status is read from the
first field of the HEADERS block, which libh2o encodes either as an
indexed entry of the static table or as a literal with the :status name
(see its encode_status). Every read has a deadline; nothing here sleeps.
"""

import socket
import struct
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 0, 1, 3, 4, 6, 7, 8, 9
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1

# HPACK static table entries for :status (RFC 7541 appendix A)
STATIC_STATUS = {8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500}


def _int(value, prefix_bits, first=0):
    """HPACK integer (RFC 7541 5.1) with the given prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_headers(fields):
    """fields: [(name, value)] as str or bytes, names lowercase."""
    out = b""
    for name, value in fields:
        name = name.encode() if isinstance(name, str) else name
        value = value.encode() if isinstance(value, str) else value
        out += b"\x00" + _int(len(name), 7) + name + _int(len(value), 7) + value
    return out


def frame(ftype, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream_id) + payload


class Frame:
    def __init__(self, ftype, flags, stream_id, payload):
        self.type, self.flags, self.stream_id, self.payload = ftype, flags, stream_id, payload

    def __repr__(self):
        return f"<frame type={self.type} flags={self.flags:#x} stream={self.stream_id} {self.payload[:40]!r}>"


class H2Conn:
    def __init__(self, port, timeout=10.0):
        self.timeout = timeout
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.frames = []  # everything received, in order
        self.closed = False
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def headers(self, stream_id, fields, end_stream=True):
        flags = END_HEADERS | (END_STREAM if end_stream else 0)
        self.send(frame(HEADERS, flags, stream_id, encode_headers(fields)))

    def data(self, stream_id, payload, end_stream=False):
        self.send(frame(DATA, END_STREAM if end_stream else 0, stream_id, payload))

    def request(self, stream_id, port, path, method="GET", extra=(), authority=None, end_stream=True):
        fields = [(":method", method), (":scheme", "http"), (":path", path),
                  (":authority", authority if authority is not None else f"127.0.0.1:{port}")]
        self.headers(stream_id, fields + list(extra), end_stream=end_stream)

    def _read_some(self, end):
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            return
        self.buf += data
        while len(self.buf) >= 9:
            length = int.from_bytes(self.buf[:3], "big")
            if len(self.buf) < 9 + length:
                break
            f = Frame(self.buf[3], self.buf[4], int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF,
                      self.buf[9:9 + length])
            self.buf = self.buf[9 + length:]
            self.frames.append(f)
            if f.type == SETTINGS and not f.flags & ACK:
                self.send(frame(SETTINGS, ACK, 0))

    def wait_for(self, predicate, timeout=None, what="a frame"):
        """Reads until predicate(frame) is true for a received frame; returns it."""
        end = time.monotonic() + (self.timeout if timeout is None else timeout)
        seen = 0
        while True:
            for f in self.frames[seen:]:
                if predicate(f):
                    return f
            seen = len(self.frames)
            if self.closed:
                raise AssertionError(f"connection closed while waiting for {what}; frames: {self.frames}")
            try:
                self._read_some(end)
            except TimeoutError:
                raise AssertionError(f"no {what} in time; frames: {self.frames}")

    def pending(self, timeout):
        """Reads for up to timeout; returns the frames that arrived."""
        before = len(self.frames)
        end = time.monotonic() + timeout
        while not self.closed:
            try:
                self._read_some(end)
            except TimeoutError:
                break
        return self.frames[before:]

    def response(self, stream_id, timeout=None):
        """Waits for the stream's response head, or its reset. Returns the
        status (int), or ("reset", error code)."""
        f = self.wait_for(lambda f: f.stream_id == stream_id and f.type in (HEADERS, RST_STREAM), timeout,
                          what=f"a response on stream {stream_id}")
        if f.type == RST_STREAM:
            return ("reset", int.from_bytes(f.payload[:4], "big"))
        return status_of(f.payload)

    def body(self, stream_id, timeout=None):
        """Waits for the end of the stream; returns its DATA."""
        self.wait_for(lambda f: f.stream_id == stream_id and f.flags & END_STREAM and f.type in (DATA, HEADERS),
                      timeout, what=f"the end of stream {stream_id}")
        return b"".join(f.payload for f in self.frames if f.stream_id == stream_id and f.type == DATA)


def status_of(block):
    """The :status of a response HEADERS block as libh2o encodes it."""
    if block and block[0] & 0x80 and (block[0] & 0x7F) in STATIC_STATUS:
        return STATIC_STATUS[block[0] & 0x7F]
    if block[:2] == b"\x08\x03":
        return int(block[2:5])
    raise AssertionError(f"cannot read the status of {block[:16]!r}")
