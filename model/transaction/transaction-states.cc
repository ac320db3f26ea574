/*
 * RFC state names of the transaction state machines.
 */
#include "transaction/transaction-states.h"

namespace sipsim {

std::string_view
StateName(InviteClientState state)
{
    switch (state)
    {
        case InviteClientState::Calling:
            return "Calling";
        case InviteClientState::Proceeding:
            return "Proceeding";
        case InviteClientState::Accepted:
            return "Accepted";
        case InviteClientState::Completed:
            return "Completed";
        case InviteClientState::Terminated:
            return "Terminated";
    }
    return "";
}

std::string_view
StateName(NonInviteClientState state)
{
    switch (state)
    {
        case NonInviteClientState::Trying:
            return "Trying";
        case NonInviteClientState::Proceeding:
            return "Proceeding";
        case NonInviteClientState::Completed:
            return "Completed";
        case NonInviteClientState::Terminated:
            return "Terminated";
    }
    return "";
}

std::string_view
StateName(InviteServerState state)
{
    switch (state)
    {
        case InviteServerState::Proceeding:
            return "Proceeding";
        case InviteServerState::Accepted:
            return "Accepted";
        case InviteServerState::Completed:
            return "Completed";
        case InviteServerState::Confirmed:
            return "Confirmed";
        case InviteServerState::Terminated:
            return "Terminated";
    }
    return "";
}

std::string_view
StateName(NonInviteServerState state)
{
    switch (state)
    {
        case NonInviteServerState::Trying:
            return "Trying";
        case NonInviteServerState::Proceeding:
            return "Proceeding";
        case NonInviteServerState::Completed:
            return "Completed";
        case NonInviteServerState::Terminated:
            return "Terminated";
    }
    return "";
}

} // namespace sipsim
