/*
 * Checks of the scenario's top-level fields: duration, seed and run, outputs, sampling.
 */
#include "scenario/positions.h"
#include "scenario/validator.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sipsim {
namespace scenario {

void
Validator::CheckTop()
{
    if (!(m_s.duration_s() > 0.0) || !std::isfinite(m_s.duration_s()))
    {
        Error("duration_s", "the run needs a duration > 0 (seconds)");
    }
    else
    {
        CheckSeconds("duration_s", m_s.duration_s());
    }
    CheckNonNegative("warmup_s", m_s.warmup_s());
    if (m_s.duration_s() > 0.0 && m_s.warmup_s() >= m_s.duration_s())
    {
        Error("warmup_s", "the warm-up (" + Number(m_s.warmup_s())
                              + " s) must end before the run does (duration_s "
                              + Number(m_s.duration_s()) + ")");
    }
    const auto& t = m_s.timers();
    CheckSeconds("timers.t1_s", t.t1_s());
    CheckSeconds("timers.t2_s", t.t2_s());
    CheckSeconds("timers.t4_s", t.t4_s());
    CheckSeconds("timers.timer_c_s", t.timer_c_s());
    if (t.timer_c_s() > 0.0 && t.timer_c_s() <= 180.0)
    {
        Error("timers.timer_c_s", "Timer C must be more than 3 minutes (RFC 3261 16.6 step "
                                  "11): more than 180, not "
                                      + Number(t.timer_c_s()));
    }
    CheckSeconds("timers.invite_expires_s", t.invite_expires_s());
    if (t.t1_s() > 0.0 && t.t2_s() > 0.0 && t.t2_s() < t.t1_s())
    {
        Error("timers.t2_s", "T2 must not be below T1 (RFC 3261 17.1.2.2)");
    }
    const double interval = m_s.outputs().sample_interval_s();
    CheckSeconds("outputs.sample_interval_s", interval);
    if (interval > 0.0 && interval < kMinSampleInterval)
    {
        Error("outputs.sample_interval_s", "must be 0 (no samples) or at least "
                                               + Number(kMinSampleInterval) + " s, not "
                                               + Number(interval));
    }
    else if (interval > 0.0 && m_s.duration_s() / interval > kMaxSamples)
    {
        Error("outputs.sample_interval_s",
              "gives more than " + Number(kMaxSamples)
                  + " samples per node over duration_s: take a longer interval");
    }
    if (m_s.outputs().stats_csv() && !(interval > 0.0))
    {
        Error("outputs.stats_csv", "writes a row per outputs.sample_interval_s: set one");
    }
}

} // namespace scenario
} // namespace sipsim
