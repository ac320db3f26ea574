"""The streaming trace reader: framing, truncation, corruption, schema version, gzip."""

import gzip
import os
import shutil

import pytest
from google.protobuf.internal.decoder import _DecodeVarint32
from google.protobuf.internal.encoder import _VarintBytes

from conftest import run_cli, trace_file
from sipsim_analysis import (PartialTraceWarning, SchemaVersionError, TraceError, TraceReader,
                             load_trace)
from sipsim_proto import trace_pb2


@pytest.fixture(scope="module")
def trace(runs):
    return trace_file(runs.run("registration-auth", "outputs.messages=true"))


def boundaries(data):
    """Offsets of every length-delimited message (an independent walk of the framing)."""
    offsets = []
    pos = 0
    while pos < len(data):
        offsets.append(pos)
        size, start = _DecodeVarint32(data, pos)
        pos = start + size
    assert pos == len(data)
    return offsets  # [header, record 0, record 1, ...]


def read_all(path, allow_partial=False):
    with TraceReader(path, allow_partial=allow_partial) as reader:
        records = list(reader)
    return reader, records


def test_reads_the_whole_trace(trace):
    data = open(trace, "rb").read()
    offsets = boundaries(data)
    reader, records = read_all(trace)
    assert reader.complete and reader.error is None
    assert reader.header.schema_version == 1
    assert reader.header.scenario_name == "registration-auth"
    assert "proxy_auth: true" in reader.header.scenario_text
    assert len(records) == len(offsets) - 1
    assert records[-1].WhichOneof("record") == "trailer"
    assert records[-1].trailer.complete
    assert records[-1].trailer.records == len(records) - 1
    kinds = {r.WhichOneof("record") for r in records}
    assert {"message", "call", "registration", "transaction"} <= kinds


@pytest.mark.parametrize("where", ["header", "after-header", "record-1", "record-mid",
                                   "record-last", "length-prefix"])
def test_truncated_trace(trace, tmp_path, where):
    data = open(trace, "rb").read()
    offsets = boundaries(data)
    records_total = len(offsets) - 1
    middle = len(offsets) // 2
    cut, bad_record = {
        "header": (5, None),
        "after-header": (offsets[1], 0),
        "record-1": (offsets[2] + 3, 1),
        "record-mid": (offsets[middle] + 7, middle - 1),
        "record-last": (len(data) - 2, records_total - 1),
        # A multi-byte length prefix cut after its first byte.
        "length-prefix": next((o + 1, i - 1) for i, o in enumerate(offsets)
                              if i > 0 and data[o] & 0x80),
    }[where]
    path = tmp_path / "cut.pb"
    path.write_bytes(data[:cut])
    if bad_record is None:  # no complete header: nothing is readable, even partially
        with pytest.raises(TraceError) as error:
            TraceReader(str(path), allow_partial=True)
        assert error.value.offset == 0
        assert "byte offset 0" in str(error.value) and "header" in str(error.value)
        return
    expected_offset = offsets[bad_record + 1]
    with pytest.raises(TraceError) as error:
        read_all(str(path))
    assert error.value.offset == expected_offset
    assert f"{path}: byte offset {expected_offset}: " in str(error.value)
    with pytest.warns(PartialTraceWarning):
        reader, records = read_all(str(path), allow_partial=True)
    assert len(records) == bad_record
    assert not reader.complete and reader.error.offset == expected_offset
    full = read_all(trace)[1]
    assert [r.SerializeToString() for r in records] == \
        [r.SerializeToString() for r in full[:bad_record]]
    # The DataFrames of a partial trace hold the same records.
    with pytest.warns(PartialTraceWarning):
        frames = load_trace(str(path), allow_partial=True)
    assert frames.records == bad_record and frames.error is not None and not frames.complete


def test_corrupt_length_prefix(trace, tmp_path):
    data = bytearray(open(trace, "rb").read())
    offsets = boundaries(bytes(data))
    index = len(offsets) // 3
    bad = offsets[index]
    corrupt = bytes(data[:bad]) + b"\xff" * 11 + bytes(data[bad + 11:])
    path = tmp_path / "corrupt.pb"
    path.write_bytes(corrupt)
    with pytest.raises(TraceError) as error:
        read_all(str(path))
    assert error.value.offset == bad
    assert "corrupt length prefix" in str(error.value)
    with pytest.warns(PartialTraceWarning):
        _, records = read_all(str(path), allow_partial=True)
    assert len(records) == index - 1


def test_corrupt_record_bytes(trace, tmp_path):
    data = bytearray(open(trace, "rb").read())
    offsets = boundaries(bytes(data))
    index = len(offsets) // 2
    start = offsets[index]
    size, body = _DecodeVarint32(bytes(data), start)
    data[body:body + size] = b"\xff" * size  # an invalid field tag
    path = tmp_path / "garbage.pb"
    path.write_bytes(bytes(data))
    with pytest.raises(TraceError) as error:
        read_all(str(path))
    assert error.value.offset == start and "corrupt record" in str(error.value)


def test_data_after_the_trailer(trace, tmp_path):
    data = open(trace, "rb").read()
    record = trace_pb2.Record()
    record.fault.description = "late"
    extra = record.SerializeToString()
    path = tmp_path / "after.pb"
    path.write_bytes(data + _VarintBytes(len(extra)) + extra)
    with pytest.raises(TraceError) as error:
        read_all(str(path))
    assert error.value.offset == len(data) and "after the trailer" in str(error.value)


def test_unknown_schema_version_is_refused(trace, tmp_path):
    data = open(trace, "rb").read()
    offsets = boundaries(data)
    header = trace_pb2.Header()
    header.ParseFromString(data[offsets[0] + len(_VarintBytes(offsets[1] - 1)):offsets[1]])
    assert header.schema_version == 1
    header.schema_version = 99
    blob = header.SerializeToString()
    path = tmp_path / "v99.pb"
    path.write_bytes(_VarintBytes(len(blob)) + blob + data[offsets[1]:])
    with pytest.raises(SchemaVersionError) as error:
        TraceReader(str(path))
    assert "unsupported trace schema version 99" in str(error.value)
    assert "knows version 1" in str(error.value)
    result = run_cli("report", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "schema version 99" in result.stderr and "Traceback" not in result.stderr


def test_gzip_trace_reads_identically(runs, trace, tmp_path):
    out = runs.run("registration-auth", "outputs.messages=true", "outputs.gzip=true")
    path = os.path.join(out, "trace.pb.gz")
    assert open(path, "rb").read(2) == b"\x1f\x8b"
    plain = read_all(trace)[1]
    with TraceReader(path) as reader:
        packed = list(reader)
        assert reader.gzip
    assert [r.SerializeToString() for r in packed] == [r.SerializeToString() for r in plain]
    a, b = load_trace(trace), load_trace(path)
    assert a.messages.equals(b.messages) and a.calls.equals(b.calls)
    # A truncated gzip file: the records before the cut, offsets in the uncompressed stream.
    cut = tmp_path / "cut.pb.gz"
    cut.write_bytes(open(path, "rb").read()[: os.path.getsize(path) // 2])
    with pytest.warns(PartialTraceWarning):
        reader, records = read_all(str(cut), allow_partial=True)
    assert 0 < len(records) < len(plain)
    assert [r.SerializeToString() for r in records] == \
        [r.SerializeToString() for r in plain[:len(records)]]
    offsets = boundaries(gzip.decompress(open(path, "rb").read()))
    assert reader.error.offset == offsets[len(records) + 1]


def test_cli_errors_exit_2_without_traceback(trace, tmp_path):
    result = run_cli("report", str(tmp_path / "missing.pb"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "missing.pb" in result.stderr and "Traceback" not in result.stderr
    not_a_trace = tmp_path / "text.pb"
    not_a_trace.write_text("hello, this is not a trace\n" * 10)
    result = run_cli("report", str(not_a_trace), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    cut = tmp_path / "cut.pb"
    shutil.copy(trace, cut)
    with open(cut, "r+b") as handle:
        handle.truncate(os.path.getsize(trace) - 10)
    result = run_cli("report", str(cut), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "byte offset" in result.stderr
    assert "--allow-partial" in result.stderr
    result = run_cli("report", str(cut), "--out", str(tmp_path / "o"), "--allow-partial")
    assert result.returncode == 0, result.stderr
    assert "warning" in result.stderr and "byte offset" in result.stderr
