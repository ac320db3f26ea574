/*
 * The trace file (trace.proto): a length-delimited Header, then length-delimited Records, the
 * last one a Trailer; optionally the whole file gzip-compressed. TraceWriter writes it under a
 * temporary name and renames it when closed; TraceReader streams it back and reports where a
 * truncated or corrupt file stops being readable.
 */
#ifndef SIPSIM_TRACE_FILE_H
#define SIPSIM_TRACE_FILE_H

#include "trace.pb.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sipsim::trace {

/// The schema version this code writes (Header.schema_version) and reads.
inline constexpr uint32_t kSchemaVersion = 1;

/// Suffix of the temporary name a trace is written under until TraceWriter::Close.
inline constexpr const char* kTempSuffix = ".tmp";

/**
 * Writes one trace file.
 *
 * Open creates `path` + ".tmp" and writes the header (schema_version set to kSchemaVersion);
 * Write appends records; Close appends the Trailer (complete, stop reason, number of records
 * written before it, end time), flushes, closes and renames the file to `path`. A writer
 * destroyed while open closes with complete = false and reason "abandoned".
 *
 * The output is a function of the records alone: no wall-clock time (the gzip header's
 * modification time is 0), no addresses; Protobuf serializes fields in field-number order.
 */
class TraceWriter
{
  public:
    TraceWriter();
    ~TraceWriter();
    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;

    /// \return false (and GetError) when the temporary file cannot be created or written
    bool Open(const std::string& path, const Header& header, bool gzip);

    /// Appends one record. \return false after an I/O error (the error is kept)
    bool Write(const Record& record);

    /**
     * Writes the Trailer, flushes and renames the temporary file to the final path.
     * \return false on an I/O error (the temporary file is left in place)
     */
    bool Close(bool complete, const std::string& reason, int64_t endNs = 0);

    bool IsOpen() const { return m_open; }

    /// Records written so far (the Trailer not included).
    uint64_t GetRecordCount() const { return m_records; }

    const std::string& GetPath() const { return m_path; }

    std::string GetTempPath() const { return m_path + kTempSuffix; }

    const std::string& GetError() const { return m_error; }

  private:
    struct Streams;

    bool Fail(const std::string& what);

    std::string m_path;
    std::string m_error;
    bool m_open = false;
    uint64_t m_records = 0;
    std::unique_ptr<Streams> m_streams;
};

/**
 * Reads a trace file record by record (gzip detected by its magic bytes).
 *
 * A file that ends without a Trailer, or with bytes that do not parse, is reported by Next
 * returning false with IsError(), GetError() and GetErrorOffset(): the offset (in the
 * uncompressed stream) of the first byte that could not be read as a record. Everything
 * returned before is valid.
 */
class TraceReader
{
  public:
    TraceReader();
    ~TraceReader();
    TraceReader(const TraceReader&) = delete;
    TraceReader& operator=(const TraceReader&) = delete;

    /// Opens the file and reads its header. \return false on error (see GetError)
    bool Open(const std::string& path);

    const Header& GetHeader() const { return m_header; }

    /**
     * The next record. \return false at the end of the file (after the Trailer; IsError() is
     * false), or on a truncated or corrupt file (IsError() true). Records after a Trailer are
     * an error.
     */
    bool Next(Record* record);

    bool IsError() const { return !m_error.empty(); }

    const std::string& GetError() const { return m_error; }

    /// Byte offset (uncompressed) where reading failed.
    uint64_t GetErrorOffset() const { return m_errorOffset; }

    /// Byte offset (uncompressed) of the next record.
    uint64_t GetOffset() const;

    /// True once the Trailer has been read.
    bool HasTrailer() const { return m_trailer; }

    bool IsGzip() const { return m_gzip; }

  private:
    struct Streams;

    bool Fail(const std::string& what, uint64_t offset);

    Header m_header;
    std::string m_error;
    uint64_t m_errorOffset = 0;
    bool m_trailer = false;
    bool m_done = false;
    bool m_gzip = false;
    std::unique_ptr<Streams> m_streams;
};

/// A whole trace in memory.
struct TraceContents
{
    Header header;
    std::vector<Record> records; ///< every record read, the Trailer included
    bool ok = false;             ///< read to its Trailer without error
    std::string error;           ///< why not
    uint64_t errorOffset = 0;    ///< where reading stopped (see TraceReader)
};

/// Reads a whole trace (tests, small runs).
TraceContents ReadTrace(const std::string& path);

} // namespace sipsim::trace

#endif // SIPSIM_TRACE_FILE_H
