#include "node/random-stream-state.h"

#include <array>
#include <new>
#include <ns3/rng-seed-manager.h>
#include <string_view>

namespace sipsim {

namespace {

/**
 * The generator of a distribution. RandomVariableStream::Peek is protected; a pointer to it
 * formed in a derived class (C++17 [class.protected]) reaches it on any RandomVariableStream.
 */
struct GeneratorAccess : ns3::RandomVariableStream
{
    static ns3::RngStream* Of(const ns3::RandomVariableStream& distribution)
    {
        return (distribution.*(&GeneratorAccess::Peek))();
    }
};

/// Copies the state of `from` into `to` (RngStream has a copy constructor, no assignment).
void
CopyState(ns3::RngStream* to, const ns3::RngStream& from)
{
    to->~RngStream();
    new (to) ns3::RngStream(from);
}

/// ns-3 3.37 SetStream(stream) for stream >= 0: the upper half of the streams is the user's.
uint64_t
NsStreamNumber(int64_t stream)
{
    return (uint64_t{1} << 63) + static_cast<uint64_t>(stream);
}

} // namespace

RandomStreamState::RandomStreamState(int64_t stream)
    : m_state(ns3::RngSeedManager::GetSeed(), NsStreamNumber(stream), ns3::RngSeedManager::GetRun())
{}

double
RandomStreamState::Draw(ns3::RandomVariableStream& distribution)
{
    ns3::RngStream* generator = GeneratorAccess::Of(distribution);
    const ns3::RngStream own(*generator);
    CopyState(generator, m_state);
    const double value = distribution.GetValue();
    CopyState(&m_state, *generator);
    CopyState(generator, own);
    return value;
}

bool
RandomStreamState::CanShare(const ns3::RandomVariableStream& distribution)
{
    // ns-3 3.37 distributions whose GetValue() reads only attributes and Peek()->RandU01().
    // Not here: Normal and Gamma (they keep a second value), Sequential and Deterministic
    // (a position), Empirical (its table is validated and sorted on the first draw), and any
    // type this list does not know.
    static constexpr std::array<std::string_view, 8> kShareable = {
        "ns3::UniformRandomVariable",     "ns3::ConstantRandomVariable",
        "ns3::ExponentialRandomVariable", "ns3::LogNormalRandomVariable",
        "ns3::ParetoRandomVariable",      "ns3::WeibullRandomVariable",
        "ns3::TriangularRandomVariable",  "ns3::ErlangRandomVariable",
    };
    const std::string name = distribution.GetInstanceTypeId().GetName();
    for (const std::string_view shareable : kShareable)
    {
        if (name == shareable)
        {
            return true;
        }
    }
    return false;
}

} // namespace sipsim
