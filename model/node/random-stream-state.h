/*
 * Draws of one ns-3 random variable on many streams of their own, without an ns-3 object per
 * stream: a phone hosting ten thousand users gives each user its own streams (so a user draws
 * the same values on a shared node as alone), and creating an ns-3 RandomVariableStream per
 * user costs far more than its draws (attribute construction by reflection).
 */
#ifndef SIPSIM_RANDOM_STREAM_STATE_H
#define SIPSIM_RANDOM_STREAM_STATE_H

#include <cstdint>
#include <ns3/random-variable-stream.h>
#include <ns3/rng-stream.h>

namespace sipsim {

/**
 * The generator state of one ns-3 random stream (48 bytes), drawn through a distribution
 * object that is shared: for one draw, the state is put into the distribution's generator, the
 * distribution draws, and the state is taken back (the distribution's own generator state is
 * restored, so its other users see nothing).
 *
 * The values are exactly those of a variable of the distribution's type and attributes after
 * RandomVariableStream::SetStream(stream), draw for draw (tests/unit/node: against ns-3's own
 * objects). That holds for distributions whose draws depend on their attributes and generator
 * alone, which CanShare tells; the others (a normal variable keeps the second value of each
 * pair it computes, a sequential one its position) need an object per stream.
 */
class RandomStreamState
{
  public:
    /**
     * The state at the start of stream (>= 0, as SetStream takes it: ns-3 reserves the upper
     * half of its streams for numbers given by the user), for the current seed and run of
     * ns3::RngSeedManager.
     */
    explicit RandomStreamState(int64_t stream);

    /// One draw of distribution (distribution.GetValue()) on this stream.
    double Draw(ns3::RandomVariableStream& distribution);

    /// True when distribution's draws depend on its attributes and its generator alone.
    static bool CanShare(const ns3::RandomVariableStream& distribution);

  private:
    ns3::RngStream m_state;
};

} // namespace sipsim

#endif // SIPSIM_RANDOM_STREAM_STATE_H
