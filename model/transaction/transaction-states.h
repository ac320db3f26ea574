/*
 * The states of the four RFC 3261 transaction state machines (17.1.1 Figure 5, 17.1.2
 * Figure 6, 17.2.1 Figure 7, 17.2.2 Figure 8) as updated by RFC 6026 (the INVITE "Accepted"
 * states), and the table of state changes each figure allows. Every state change of a
 * transaction is checked against these tables.
 */
#ifndef SIPSIM_TRANSACTION_STATES_H
#define SIPSIM_TRANSACTION_STATES_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipsim {

/// INVITE client transaction, RFC 3261 17.1.1.2 Figure 5 with RFC 6026 7.2 (Accepted).
enum class InviteClientState : uint8_t
{
    Calling,
    Proceeding,
    Accepted, ///< RFC 6026: a 2xx arrived; later 2xx go to the TU until Timer M
    Completed,
    Terminated,
};

/// Non-INVITE client transaction, RFC 3261 17.1.2.2 Figure 6.
enum class NonInviteClientState : uint8_t
{
    Trying,
    Proceeding,
    Completed,
    Terminated,
};

/// INVITE server transaction, RFC 3261 17.2.1 Figure 7 with RFC 6026 7.1 (Accepted).
enum class InviteServerState : uint8_t
{
    Proceeding,
    Accepted, ///< RFC 6026: a 2xx was sent; INVITE copies absorbed, ACKs to the TU
    Completed,
    Confirmed,
    Terminated,
};

/// Non-INVITE server transaction, RFC 3261 17.2.2 Figure 8.
enum class NonInviteServerState : uint8_t
{
    Trying,
    Proceeding,
    Completed,
    Terminated,
};

/// The RFC name of a state ("Calling", "Accepted", ...).
std::string_view StateName(InviteClientState state);
std::string_view StateName(NonInviteClientState state);
std::string_view StateName(InviteServerState state);
std::string_view StateName(NonInviteServerState state);

/// One arrow of a figure between two different states (self-loops are not state changes).
template<typename State>
struct StateTransition
{
    State from;
    State to;
};

// clang-format off

/**
 * Figure 5 + RFC 6026 Figure 5 (client Accepted, Timer M), and the RFC 3261 9.1 rule the
 * figure does not draw: no final response 64*T1 after a CANCEL destroys the transaction, in
 * Proceeding too (InviteClientTransaction::StartCancelTimer).
 */
inline constexpr std::array<StateTransition<InviteClientState>, 9> kInviteClientTransitions{{
    {InviteClientState::Calling,    InviteClientState::Proceeding}, // 1xx, 1xx to TU
    {InviteClientState::Calling,    InviteClientState::Accepted},   // 2xx, 2xx to TU (RFC 6026)
    {InviteClientState::Calling,    InviteClientState::Completed},  // 300-699, ACK sent, to TU
    {InviteClientState::Calling,    InviteClientState::Terminated}, // Timer B, transport error, 9.1
    {InviteClientState::Proceeding, InviteClientState::Accepted},   // 2xx, 2xx to TU (RFC 6026)
    {InviteClientState::Proceeding, InviteClientState::Completed},  // 300-699, ACK sent, to TU
    {InviteClientState::Proceeding, InviteClientState::Terminated}, // 64*T1 after CANCEL (9.1)
    {InviteClientState::Accepted,   InviteClientState::Terminated}, // Timer M (RFC 6026)
    {InviteClientState::Completed,  InviteClientState::Terminated}, // Timer D, transport error
}};

/// Figure 6.
inline constexpr std::array<StateTransition<NonInviteClientState>, 6> kNonInviteClientTransitions{{
    {NonInviteClientState::Trying,     NonInviteClientState::Proceeding}, // 1xx to TU
    {NonInviteClientState::Trying,     NonInviteClientState::Completed},  // 200-699 to TU
    {NonInviteClientState::Trying,     NonInviteClientState::Terminated}, // Timer F, transport error
    {NonInviteClientState::Proceeding, NonInviteClientState::Completed},  // 200-699 to TU
    {NonInviteClientState::Proceeding, NonInviteClientState::Terminated}, // Timer F, transport error
    {NonInviteClientState::Completed,  NonInviteClientState::Terminated}, // Timer K
}};

/**
 * Figure 7 + RFC 6026 Figure 7. RFC 6026 7.1 turns the transport-error arrows of Figure 7
 * into self-loops (the TU is informed, the state stays until a timer ends it), so no
 * transport error changes the state of an INVITE server transaction.
 */
inline constexpr std::array<StateTransition<InviteServerState>, 6> kInviteServerTransitions{{
    {InviteServerState::Proceeding, InviteServerState::Accepted},   // 2xx from TU (RFC 6026)
    {InviteServerState::Proceeding, InviteServerState::Completed},  // 300-699 from TU
    {InviteServerState::Accepted,   InviteServerState::Terminated}, // Timer L (RFC 6026)
    {InviteServerState::Completed,  InviteServerState::Confirmed},  // ACK
    {InviteServerState::Completed,  InviteServerState::Terminated}, // Timer H
    {InviteServerState::Confirmed,  InviteServerState::Terminated}, // Timer I
}};

/// Figure 8.
inline constexpr std::array<StateTransition<NonInviteServerState>, 5> kNonInviteServerTransitions{{
    {NonInviteServerState::Trying,     NonInviteServerState::Proceeding}, // 1xx from TU
    {NonInviteServerState::Trying,     NonInviteServerState::Completed},  // 200-699 from TU
    {NonInviteServerState::Proceeding, NonInviteServerState::Completed},  // 200-699 from TU
    {NonInviteServerState::Proceeding, NonInviteServerState::Terminated}, // transport error
    {NonInviteServerState::Completed,  NonInviteServerState::Terminated}, // Timer J, transport error
}};

// clang-format on

/// True when the figure has an arrow from -> to (to != from).
template<typename State, size_t N>
constexpr bool
IsLegalTransition(const std::array<StateTransition<State>, N>& table, State from, State to)
{
    for (const auto& t : table)
    {
        if (t.from == from && t.to == to)
        {
            return true;
        }
    }
    return false;
}

constexpr bool
IsLegalTransition(InviteClientState from, InviteClientState to)
{
    return IsLegalTransition(kInviteClientTransitions, from, to);
}

constexpr bool
IsLegalTransition(NonInviteClientState from, NonInviteClientState to)
{
    return IsLegalTransition(kNonInviteClientTransitions, from, to);
}

constexpr bool
IsLegalTransition(InviteServerState from, InviteServerState to)
{
    return IsLegalTransition(kInviteServerTransitions, from, to);
}

constexpr bool
IsLegalTransition(NonInviteServerState from, NonInviteServerState to)
{
    return IsLegalTransition(kNonInviteServerTransitions, from, to);
}

} // namespace sipsim

#endif // SIPSIM_TRANSACTION_STATES_H
