"""Streaming reader of sipsim trace files (``model/trace/trace.proto``).

The framing is the one ``model/trace/trace-file.cc`` writes: the whole file optionally gzip
compressed (detected by the magic bytes ``1f 8b``), then a sequence of length-delimited Protobuf
messages, each a base-128 varint of its size followed by its bytes. The first message is a
``Header``; the following ones are ``Record``\\ s, the last of which is a ``Trailer``. A file that
ends without a trailer was cut short; every record before the cut is usable.

Records are yielded one at a time, so a trace of millions of records is never held in memory
as a whole. Byte offsets in error messages count bytes of the *uncompressed* stream, as the C++
``TraceReader`` does: the offset of the first byte that could not be read as a record.

Example::

    from sipsim_analysis.trace_reader import TraceReader
    with TraceReader("out/trace.pb") as reader:
        print(reader.header.scenario_name)
        for record in reader:
            if record.WhichOneof("record") == "call":
                print(record.call.final_status)
"""

import gzip
import warnings

from google.protobuf.message import DecodeError

from ._proto import trace_pb2

#: The schema versions this reader understands (``kSchemaVersion`` of trace-file.h).
SUPPORTED_SCHEMA_VERSIONS = (1,)

#: A record longer than this is taken for a corrupt length prefix rather than read.
MAX_RECORD_BYTES = 256 * 1024 * 1024

_CHUNK = 1 << 20


class TraceError(Exception):
    """A trace that cannot be read (further): ``FILE: byte offset N: what is wrong``.

    Attributes: ``path``, ``offset`` (uncompressed byte offset of the first unreadable byte, or
    ``None`` when the file cannot be opened at all) and ``reason``.
    """

    def __init__(self, path, offset, reason):
        self.path = str(path)
        self.offset = offset
        self.reason = reason
        where = f"byte offset {offset}: " if offset is not None else ""
        super().__init__(f"{self.path}: {where}{reason}")


class SchemaVersionError(TraceError):
    """The trace was written with a schema version this reader does not know."""


class PartialTraceWarning(UserWarning):
    """Reading stopped at a truncated or corrupt record; the records before it were returned."""


class _ByteStream:
    """A forward-only byte source with an uncompressed offset, read in large chunks."""

    def __init__(self, raw):
        self._raw = raw
        self._buffer = b""
        self._pos = 0
        self._base = 0  # stream offset of self._buffer[0]
        self._eof = False
        self._read = getattr(raw, "read1", raw.read)
        #: Why the underlying stream ended early (a truncated gzip member), or None.
        self.stream_error = None

    @property
    def offset(self):
        return self._base + self._pos

    def _fill(self, need):
        """Makes at least ``need`` bytes available after the position (fewer at EOF)."""
        available = len(self._buffer) - self._pos
        if available >= need or self._eof:
            return
        parts = [self._buffer[self._pos:]]
        self._base += self._pos
        self._pos = 0
        while available < need and not self._eof:
            try:
                chunk = self._read(max(_CHUNK, need - available))
            except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
                self.stream_error = str(error)
                chunk = b""
            if not chunk:
                self._eof = True
                break
            parts.append(chunk)
            available += len(chunk)
        self._buffer = b"".join(parts)

    def at_eof(self):
        self._fill(1)
        return self._pos >= len(self._buffer)

    def read_varint(self):
        """Reads a length prefix. Returns ``(value, None)`` or ``(None, what is wrong)``."""
        self._fill(10)
        result = 0
        shift = 0
        start = self._pos
        buffer = self._buffer
        for index in range(start, min(start + 10, len(buffer))):
            byte = buffer[index]
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                self._pos = index + 1
                if index - start >= 5 or result > 0x7FFFFFFF:
                    return None, f"corrupt length prefix (value {result} is not a record size)"
                return result, None
        if len(buffer) - start >= 10:
            return None, "corrupt length prefix (varint longer than 10 bytes)"
        return None, "truncated length prefix"

    def read(self, size):
        """Returns exactly ``size`` bytes, or fewer at the end of the stream."""
        self._fill(size)
        data = self._buffer[self._pos:self._pos + size]
        self._pos += len(data)
        return data


def _open_raw(path):
    """Opens ``path``, through gzip when it starts with the gzip magic bytes."""
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise TraceError(path, None, error.strerror or str(error)) from error
    magic = handle.read(2)
    handle.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=handle, mode="rb"), handle, True
    return handle, handle, False


class TraceReader:
    """Reads one trace file: :attr:`header` at once, then records by iteration.

    ``allow_partial=False`` (the default): iteration raises :class:`TraceError` where the file
    stops being readable (after yielding every complete record before that point).
    ``allow_partial=True``: iteration ends there instead, :attr:`error` holds the
    :class:`TraceError` and a :class:`PartialTraceWarning` is issued.

    After iteration, :attr:`trailer` is the ``Trailer`` (``None`` if the file had none),
    :attr:`complete` tells whether the file was read to its trailer without error, and
    :attr:`records_read` counts the records yielded (the trailer included).
    """

    def __init__(self, path, allow_partial=False):
        self.path = str(path)
        self.allow_partial = allow_partial
        self.error = None
        self.trailer = None
        self.records_read = 0
        self._raw, self._file, self.gzip = _open_raw(self.path)
        self._stream = _ByteStream(self._raw)
        self._iterated = False
        try:
            self.header = self._read_header()
        except Exception:
            self.close()
            raise

    # -- context manager ------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Closes the file (iteration stops)."""
        if self._raw is not self._file:
            self._raw.close()
        self._file.close()

    # -- reading ----------------------------------------------------------------------------------
    def _fail(self, offset, reason, cls=TraceError):
        return cls(self.path, offset, reason)

    def _read_message(self):
        """Reads one length-delimited message: ``(offset, bytes)``; ``(offset, None)`` at EOF."""
        stream = self._stream
        offset = stream.offset
        if stream.at_eof():
            if stream.stream_error:
                raise self._fail(offset, f"compressed stream cut short ({stream.stream_error})")
            return offset, None
        size, problem = stream.read_varint()
        if problem:
            raise self._fail(offset, problem + self._stream_note())
        if size > MAX_RECORD_BYTES:
            raise self._fail(offset, f"corrupt length prefix (a record of {size} bytes)")
        data = stream.read(size)
        if len(data) < size:
            raise self._fail(offset, f"truncated record: its length prefix announces {size} "
                                     f"bytes, only {len(data)} follow" + self._stream_note())
        return offset, data

    def _stream_note(self):
        error = self._stream.stream_error
        return f" (compressed stream cut short: {error})" if error else ""

    def _read_header(self):
        try:
            offset, data = self._read_message()
        except TraceError as error:
            raise self._fail(0, f"no trace header (truncated or not a sipsim trace): "
                                f"{error.reason}") from error
        if data is None:
            raise self._fail(offset, "empty file: no trace header")
        header = trace_pb2.Header()
        try:
            header.ParseFromString(data)
        except DecodeError as error:
            raise self._fail(offset, "no trace header (not a sipsim trace, or corrupt)") from error
        if header.schema_version not in SUPPORTED_SCHEMA_VERSIONS:
            known = ", ".join(str(v) for v in SUPPORTED_SCHEMA_VERSIONS)
            raise self._fail(offset, f"unsupported trace schema version {header.schema_version} "
                                     f"(this reader knows version {known}; use the sipsim_analysis "
                                     f"of the sipsim that wrote the trace)", SchemaVersionError)
        return header

    def _records(self):
        while True:
            offset, data = self._read_message()
            if data is None:
                if self.trailer is None:
                    raise self._fail(offset, "trace ends without a trailer (truncated)")
                return
            if self.trailer is not None:
                raise self._fail(offset, "data after the trailer")
            if not data:
                raise self._fail(offset, "empty record (corrupt)")
            record = trace_pb2.Record()
            try:
                record.ParseFromString(data)
            except DecodeError as error:
                raise self._fail(offset, f"corrupt record of {len(data)} bytes") from error
            if record.WhichOneof("record") == "trailer":
                self.trailer = record.trailer
            yield record

    def __iter__(self):
        if self._iterated:
            raise RuntimeError("a TraceReader can be iterated once")
        self._iterated = True
        try:
            for record in self._records():
                self.records_read += 1
                yield record
        except TraceError as error:
            self.error = error
            if not self.allow_partial:
                raise
            warnings.warn(f"{error} (kept the {self.records_read} complete records before it)",
                          PartialTraceWarning, stacklevel=2)

    @property
    def complete(self):
        """True once the file has been read to its trailer without error."""
        return self.error is None and self.trailer is not None


def read_header(path):
    """The ``Header`` of a trace (checks its schema version)."""
    with TraceReader(path) as reader:
        return reader.header


def iter_records(path, allow_partial=False):
    """Yields the records of a trace one at a time (the trailer included); see TraceReader."""
    with TraceReader(path, allow_partial=allow_partial) as reader:
        yield from reader
