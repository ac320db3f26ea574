/*
 * A recording TransactionTransport for unit tests: every message handed to Send is kept with
 * its destination, its retransmission flag and the simulated time, and Send can be told to
 * fail (a transport error detected at once, RFC 3261 17.1.4 / 17.2.4).
 */
#ifndef SIPSIM_TESTS_FAKE_TRANSPORT_H
#define SIPSIM_TESTS_FAKE_TRANSPORT_H

#include "transaction/transaction-layer.h"

#include <functional>
#include <string>
#include <vector>

namespace sipsim::test {

class FakeTransport : public TransactionTransport
{
  public:
    struct Sent
    {
        Message message;
        Peer to;
        bool retransmission = false;
        Duration at{0};
    };

    /// \param clock stamps each send with its time (may be null: time 0)
    /// \param local the address and port this endpoint puts in its Via (both transports)
    explicit FakeTransport(const TimerService* clock = nullptr, Peer local = DefaultLocal())
        : m_clock(clock)
        , m_local(local)
    {}

    static Peer DefaultLocal()
    {
        Peer p;
        p.address = 0x0a000001; // 10.0.0.1
        p.port = 5060;
        return p;
    }

    Peer GetLocalPeer(TransportProtocol transport) const override
    {
        Peer p = m_local;
        p.transport = transport;
        return p;
    }

    /// RFC 3261 18.1.1: a UDP request larger than the set limit goes over TCP.
    TransportProtocol SelectTransport(size_t messageSize, TransportProtocol chosen) const override
    {
        m_lastSizeAsked = messageSize;
        if (chosen == TransportProtocol::Udp && m_udpLimit != 0 && messageSize > m_udpLimit)
        {
            return TransportProtocol::Tcp;
        }
        return chosen;
    }

    bool Send(const Message& message, const Peer& to, bool retransmission) override
    {
        m_sent.push_back(
            Sent{message, to, retransmission, m_clock != nullptr ? m_clock->Now() : Duration{0}});
        if (m_onSend)
        {
            m_onSend(m_sent.back());
        }
        return !m_fail;
    }

    /// Every later Send returns false (after recording the message).
    void SetFail(bool fail) { m_fail = fail; }

    /// 0: no limit (default).
    void SetUdpLimit(size_t bytes) { m_udpLimit = bytes; }

    /// The size the last SelectTransport call was asked about.
    size_t GetLastSizeAsked() const { return m_lastSizeAsked; }

    /// Called after each recorded send.
    void SetOnSend(std::function<void(const Sent&)> f) { m_onSend = std::move(f); }

    const std::vector<Sent>& GetSent() const { return m_sent; }

    void Clear() { m_sent.clear(); }

  private:
    const TimerService* m_clock;
    Peer m_local;
    std::vector<Sent> m_sent;
    std::function<void(const Sent&)> m_onSend;
    bool m_fail = false;
    size_t m_udpLimit = 0;
    mutable size_t m_lastSizeAsked = 0;
};

} // namespace sipsim::test

#endif // SIPSIM_TESTS_FAKE_TRANSPORT_H
