"""Shared by the kcat decoding tools: protobuf varints and kcat's '%S:%s' framing (payload
length, colon, payload), with no protobuf library."""


def varint(b, i):
    """The varint at b[i]: (value, index after it)."""
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, i
        shift += 7


def fields(msg):
    """(field number, wire type, value) of each top-level field: ints for varints, bytes for
    length-delimited fields, None for fixed-width ones."""
    i = 0
    while i < len(msg):
        key, i = varint(msg, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(msg, i)
            yield field, wire, v
        elif wire == 2:
            n, i = varint(msg, i)
            if i + n > len(msg):
                raise ValueError("length past the end")
            yield field, wire, msg[i:i + n]
            i += n
        elif wire == 1:
            i += 8
            yield field, wire, None
        elif wire == 5:
            i += 4
            yield field, wire, None
        else:
            raise ValueError("unexpected wire type %d" % wire)


def frames(data):
    """The payloads of kcat -f '%S:%s' output, in order."""
    i = 0
    while i < len(data):
        colon = data.index(b":", i)
        n = int(data[i:colon])
        yield data[colon + 1:colon + 1 + n]
        i = colon + 1 + n
