#include "trace/trace-file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <unistd.h>

namespace sipsim::trace {

namespace pbio = google::protobuf::io;
using google::protobuf::util::ParseDelimitedFromZeroCopyStream;
using google::protobuf::util::SerializeDelimitedToZeroCopyStream;

// --- TraceWriter ---------------------------------------------------------------------------------

struct TraceWriter::Streams
{
    int fd = -1;
    std::unique_ptr<pbio::FileOutputStream> file;
    std::unique_ptr<pbio::GzipOutputStream> gzip;

    pbio::ZeroCopyOutputStream* Out() const
    {
        return gzip ? static_cast<pbio::ZeroCopyOutputStream*>(gzip.get()) : file.get();
    }
};

TraceWriter::TraceWriter() = default;

TraceWriter::~TraceWriter()
{
    if (m_open)
    {
        Close(false, "abandoned");
    }
}

bool
TraceWriter::Fail(const std::string& what)
{
    if (m_error.empty())
    {
        m_error = what;
    }
    return false;
}

bool
TraceWriter::Open(const std::string& path, const Header& header, bool gzip)
{
    if (m_open)
    {
        return Fail("trace writer already open");
    }
    m_path = path;
    m_error.clear();
    m_records = 0;
    const std::string temp = GetTempPath();
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
    {
        return Fail(temp + ": " + std::strerror(errno));
    }
    m_streams = std::make_unique<Streams>();
    m_streams->fd = fd;
    m_streams->file = std::make_unique<pbio::FileOutputStream>(fd);
    if (gzip)
    {
        pbio::GzipOutputStream::Options options;
        options.format = pbio::GzipOutputStream::GZIP;
        options.compression_level = 6;
        m_streams->gzip = std::make_unique<pbio::GzipOutputStream>(m_streams->file.get(), options);
    }
    m_open = true;
    Header h = header;
    h.set_schema_version(kSchemaVersion);
    if (!SerializeDelimitedToZeroCopyStream(h, m_streams->Out()))
    {
        return Fail(temp + ": cannot write the header");
    }
    return true;
}

bool
TraceWriter::Write(const Record& record)
{
    if (!m_open || !m_error.empty())
    {
        return false;
    }
    if (!SerializeDelimitedToZeroCopyStream(record, m_streams->Out()))
    {
        return Fail(GetTempPath() + ": write error");
    }
    ++m_records;
    return true;
}

bool
TraceWriter::Close(bool complete, const std::string& reason, int64_t endNs)
{
    if (!m_open)
    {
        return false;
    }
    Record record;
    Trailer* trailer = record.mutable_trailer();
    trailer->set_complete(complete);
    trailer->set_stop_reason(reason);
    trailer->set_records(m_records);
    trailer->set_end_ns(endNs);
    bool ok = m_error.empty() && SerializeDelimitedToZeroCopyStream(record, m_streams->Out());
    if (m_streams->gzip && !m_streams->gzip->Close())
    {
        ok = false;
    }
    m_streams->gzip.reset();
    if (!m_streams->file->Close())
    {
        ok = false;
    }
    m_streams.reset();
    m_open = false;
    if (!ok)
    {
        return Fail(GetTempPath() + ": write error");
    }
    if (std::rename(GetTempPath().c_str(), m_path.c_str()) != 0)
    {
        return Fail(GetTempPath() + " -> " + m_path + ": " + std::strerror(errno));
    }
    return true;
}

// --- TraceReader ---------------------------------------------------------------------------------

struct TraceReader::Streams
{
    int fd = -1;
    std::unique_ptr<pbio::FileInputStream> file;
    std::unique_ptr<pbio::GzipInputStream> gzip;

    pbio::ZeroCopyInputStream* In() const
    {
        return gzip ? static_cast<pbio::ZeroCopyInputStream*>(gzip.get()) : file.get();
    }

    ~Streams()
    {
        gzip.reset();
        if (file)
        {
            file->Close();
        }
    }
};

TraceReader::TraceReader() = default;
TraceReader::~TraceReader() = default;

bool
TraceReader::Fail(const std::string& what, uint64_t offset)
{
    m_error = what;
    m_errorOffset = offset;
    m_done = true;
    return false;
}

uint64_t
TraceReader::GetOffset() const
{
    return m_streams ? static_cast<uint64_t>(m_streams->In()->ByteCount()) : 0;
}

bool
TraceReader::Open(const std::string& path)
{
    m_streams.reset();
    m_error.clear();
    m_trailer = false;
    m_done = false;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
    {
        return Fail(path + ": " + std::strerror(errno), 0);
    }
    unsigned char magic[2] = {0, 0};
    const ssize_t n = ::pread(fd, magic, sizeof magic, 0);
    m_gzip = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    m_streams = std::make_unique<Streams>();
    m_streams->fd = fd;
    m_streams->file = std::make_unique<pbio::FileInputStream>(fd);
    if (m_gzip)
    {
        m_streams->gzip = std::make_unique<pbio::GzipInputStream>(m_streams->file.get(),
                                                                  pbio::GzipInputStream::GZIP);
    }
    bool cleanEof = false;
    if (!ParseDelimitedFromZeroCopyStream(&m_header, m_streams->In(), &cleanEof))
    {
        return Fail(path + ": no trace header (truncated or not a sipsim trace)", 0);
    }
    if (m_header.schema_version() == 0 || m_header.schema_version() > kSchemaVersion)
    {
        return Fail(path + ": unsupported trace schema version "
                        + std::to_string(m_header.schema_version()),
                    0);
    }
    return true;
}

bool
TraceReader::Next(Record* record)
{
    if (m_done || !m_streams)
    {
        return false;
    }
    const uint64_t offset = GetOffset();
    bool cleanEof = false;
    record->Clear();
    if (!ParseDelimitedFromZeroCopyStream(record, m_streams->In(), &cleanEof))
    {
        if (cleanEof)
        {
            if (m_trailer)
            {
                m_done = true;
                return false;
            }
            return Fail("trace ends without a trailer (truncated) at byte "
                            + std::to_string(offset),
                        offset);
        }
        return Fail("truncated or corrupt record at byte " + std::to_string(offset), offset);
    }
    if (m_trailer)
    {
        return Fail("data after the trailer at byte " + std::to_string(offset), offset);
    }
    // A record of a later schema minor addition parses with unknown fields: it is returned (and
    // ignored by callers); a record with no bytes at all is corruption.
    if (record->record_case() == Record::RECORD_NOT_SET && record->ByteSizeLong() == 0)
    {
        return Fail("empty record at byte " + std::to_string(offset), offset);
    }
    if (record->has_trailer())
    {
        m_trailer = true;
    }
    return true;
}

TraceContents
ReadTrace(const std::string& path)
{
    TraceContents out;
    TraceReader reader;
    if (!reader.Open(path))
    {
        out.error = reader.GetError();
        return out;
    }
    out.header = reader.GetHeader();
    Record record;
    while (reader.Next(&record))
    {
        out.records.push_back(record);
    }
    out.ok = !reader.IsError() && reader.HasTrailer();
    out.error = reader.GetError();
    out.errorOffset = reader.GetErrorOffset();
    return out;
}

} // namespace sipsim::trace
