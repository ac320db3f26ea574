"""Analytic references to compare simulations with, and the confidence intervals to do it.

* :func:`erlang_b`: blocking probability of an M/M/N/N loss system (a gateway with N trunks
  offered A erlangs of Poisson calls; insensitive to the holding-time distribution beyond its
  mean). Stable recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)).
* :func:`erlang_c`, :func:`mmc`: the M/M/c queue (Poisson arrivals, exponential service, c
  servers, infinite queue): probability of waiting, mean wait Wq, mean queue length Lq.
* :func:`student_t_ci`, :func:`batch_means_ci`: mean and Student-t confidence interval of
  independent replications or of batch means of one long run.
* :func:`gateway_references`, :func:`proxy_references`: the parameters of those models read
  from a trace's scenario (offered load, channels; arrival rate, service time, workers).
"""

import math
import re

import numpy as np
from scipy import stats


def erlang_b(offered_erlangs, channels):
    """Erlang B blocking probability B(A, N) by the stable recursion."""
    if channels < 0 or int(channels) != channels:
        raise ValueError("channels must be a non-negative integer")
    if offered_erlangs < 0:
        raise ValueError("the offered load must be >= 0")
    b = 1.0
    for n in range(1, int(channels) + 1):
        b = offered_erlangs * b / (n + offered_erlangs * b)
    return b


def erlang_c(offered_erlangs, servers):
    """Erlang C: probability that an arrival waits in an M/M/c queue (1 when A >= c)."""
    if servers <= 0:
        raise ValueError("servers must be > 0")
    if offered_erlangs >= servers:
        return 1.0
    b = erlang_b(offered_erlangs, servers)
    rho = offered_erlangs / servers
    return b / (1.0 - rho + rho * b)


def mmc(arrival_rate, mean_service_s, servers):
    """M/M/c figures: dict with rho, p_wait, wq_s (mean wait), lq (mean queue length),
    w_s (mean time in system), l (mean number in system); ``None`` values when unstable."""
    offered = arrival_rate * mean_service_s
    rho = offered / servers
    if rho >= 1.0:
        return {"rho": rho, "p_wait": 1.0, "wq_s": None, "lq": None, "w_s": None, "l": None}
    p_wait = erlang_c(offered, servers)
    wq = p_wait * mean_service_s / (servers * (1.0 - rho))
    return {"rho": rho, "p_wait": p_wait, "wq_s": wq, "lq": arrival_rate * wq,
            "w_s": wq + mean_service_s, "l": arrival_rate * (wq + mean_service_s)}


def student_t_ci(values, confidence=0.95):
    """Mean and Student-t confidence interval of independent observations.

    Returns ``(mean, half_width, low, high)``; the half width is
    ``t_{(1+confidence)/2, n-1} * s / sqrt(n)`` (``nan`` with fewer than two values).
    """
    data = np.asarray(list(values), dtype=float)
    n = len(data)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(data.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan
    sd = float(data.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * sd / math.sqrt(n)
    return mean, half, mean - half, mean + half


def batch_means_ci(times, values, start, end, batches=10, confidence=0.95):
    """Batch means of a ratio over time: the period [start, end) cut into ``batches`` equal
    batches, the mean of ``values`` (e.g. 1 for a blocked call, 0 otherwise) in each, then a
    Student-t interval over the batch means. Returns (mean, half_width, low, high, means)."""
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    edges = np.linspace(start, end, batches + 1)
    means = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (times >= low) & (times < high)
        if inside.any():
            means.append(float(values[inside].mean()))
    mean, half, low, high = student_t_ci(means, confidence)
    return mean, half, low, high, means


# --- parameters from a scenario ------------------------------------------------------------------

def distribution_mean(dist):
    """The mean of a scenario ``Distribution`` (``None`` when unset)."""
    kind = dist.WhichOneof("kind")
    if kind == "constant":
        return dist.constant
    if kind == "exponential_mean":
        return dist.exponential_mean
    if kind == "lognormal":
        return math.exp(dist.lognormal.mu + dist.lognormal.sigma ** 2 / 2.0)
    if kind == "uniform":
        return (dist.uniform.min + dist.uniform.max) / 2.0
    return None


_NS3_MEAN = [
    (re.compile(r"ConstantRandomVariable\[Constant=([-+0-9.eE]+)\]"), lambda m: float(m[1])),
    (re.compile(r"ExponentialRandomVariable\[Mean=([-+0-9.eE]+)"), lambda m: float(m[1])),
    (re.compile(r"UniformRandomVariable\[Min=([-+0-9.eE]+)\|Max=([-+0-9.eE]+)\]"),
     lambda m: (float(m[1]) + float(m[2])) / 2.0),
]


def ns3_variable_mean(text):
    """The mean of an ns-3 random variable string (constant, exponential, uniform) or None."""
    for pattern, mean in _NS3_MEAN:
        match = pattern.search(text)
        if match:
            return mean(match)
    return None


#: SipGateway defaults (model/node/sip-gateway.cc): the trunk is held from the INVITE's
#: acceptance through the PSTN ring delay and answer delay, then the holding time.
GATEWAY_DEFAULT_RING_S = 0.5
GATEWAY_DEFAULT_ANSWER_S = 3.0


def _caller_count(scenario):
    callers = set(scenario.traffic.caller_groups)
    return sum(g.phones.count for g in scenario.groups
               if g.HasField("phones") and (not callers or g.node in callers))


def call_rate(scenario):
    """Offered call rate (calls/s) of the scenario's traffic."""
    traffic = scenario.traffic
    if traffic.calls_per_second > 0:
        return traffic.calls_per_second
    return traffic.bhca_per_user / 3600.0 * _caller_count(scenario)


def gateway_references(scenario):
    """Erlang B references of the scenario's gateways: a list of dicts with node, channels,
    arrival rate (calls/s towards it), mean trunk holding time (s), offered load (erlangs),
    blocking probability, the full status (503 or 486) and notes on the assumptions."""
    out = []
    if scenario is None:
        return out
    callees = scenario.traffic.callees
    gateways = [g for g in scenario.groups if g.HasField("gateway")]
    for group in gateways:
        gw = group.gateway
        notes = []
        if callees.pstn_gateway == group.node or (len(gateways) == 1 and not callees.pstn_gateway):
            rate = call_rate(scenario) * callees.pstn_fraction
        else:
            rate = 0.0
        rate += gw.pstn_call_rate
        if gw.pstn_call_rate > 0:
            notes.append("PSTN-originated calls counted with the same holding time")
        holding = distribution_mean(gw.pstn_holding)
        if holding is None:
            holding = distribution_mean(scenario.traffic.holding)
        ring = GATEWAY_DEFAULT_RING_S
        answer = GATEWAY_DEFAULT_ANSWER_S
        for key, value in group.attributes.items():
            mean = ns3_variable_mean(value)
            if key == "PstnRingDelay" and mean is not None:
                ring = mean
            elif key == "PstnAnswerDelay" and mean is not None:
                answer = mean
        if gw.pstn_answer_probability < 1.0:
            notes.append("not every PSTN call is answered: the holding time is approximate")
        if holding is None or rate <= 0 or gw.channels == 0:
            continue
        trunk_hold = ring + answer + holding
        offered = rate * trunk_hold
        out.append({"node": group.node, "channels": int(gw.channels), "arrival_rate": rate,
                    "holding_s": trunk_hold, "offered_erlangs": offered,
                    "blocking": erlang_b(offered, gw.channels),
                    "carried_erlangs": offered * (1.0 - erlang_b(offered, gw.channels)),
                    "full_status": int(gw.full_status or 503),
                    "number_prefix": gw.number_prefix, "notes": notes})
    return out


def proxy_capacity(scenario, node):
    """The capacity in effect for a proxy: the last ``capacity`` fault for it, else its group's
    capacity; ``None`` when it has none."""
    capacity = None
    for group in scenario.groups:
        if group.node == node and group.HasField("proxy") and group.proxy.HasField("capacity"):
            capacity = group.proxy.capacity
    for fault in sorted(scenario.faults, key=lambda f: f.at_s):
        if fault.HasField("capacity") and fault.capacity.node == node:
            capacity = fault.capacity.capacity
    return capacity


#: Messages an answered call makes a proxy on its path receive, as sipsim's phones and proxy
#: exchange them (the proxy record-routes; the called phone sends no 100 Trying upstream):
#: the INVITE; 180 Ringing and 200 OK from the callee; the caller's ACK and BYE; the callee's
#: 200 OK to the BYE. With ``proxy_auth`` the first INVITE is challenged (407): one more INVITE
#: and the ACK of the 407.
CALL_COST = {"invite": 1, "request": 2, "response": 3}
CALL_COST_AUTH = {"invite": 2, "request": 3, "response": 3}


def _measured_period(trace):
    return trace.duration_s - trace.warmup_s


def _mix_from_messages(trace, node_name):
    """(invites/s, other requests/s, responses/s) received by the proxy after the warm-up, from
    the message records; ``None`` without them."""
    messages = trace.messages
    if messages is None or not len(messages):
        return None
    node_ids = [n for n, name in trace.node_names.items() if name == node_name]
    warmup_ns = int(trace.warmup_s * 1e9)
    rx = messages[(~messages["tx"]) & messages["node"].isin(node_ids)
                  & (messages["time_ns"] >= warmup_ns)]
    period = _measured_period(trace)
    if not len(rx) or period <= 0:
        return None
    invites = int((rx["method"] == "INVITE").sum())
    requests = int((rx["status"] == 0).sum()) - invites
    responses = int((rx["status"] > 0).sum())
    return invites / period, requests / period, responses / period


def scenario_call_mix(scenario, node_name, warmup_s, duration_s):
    """(invites/s, other requests/s, responses/s) a proxy receives, estimated from the
    scenario's traffic: the call rate over the measured period x :data:`CALL_COST`.

    Returns ``(mix, None)``, or ``(None, why not)`` when the cost of a call is not determinable
    from the scenario: another proxy or a redirect server (the path of a call is not known),
    PSTN calls through a gateway (its messages differ), or no calls. Assumes every call is
    answered (failed calls cost fewer messages: an overestimate of the arrival rate) and
    leaves out registrations (one REGISTER, or two with registrar_auth, per phone and
    registration interval) and retransmissions.
    """
    proxies = [g for g in scenario.groups if g.HasField("proxy")]
    mine = [g for g in proxies if g.node == node_name]
    if len(proxies) != 1 or not mine:
        return None, "several proxies: which of them a call crosses is not known"
    proxy = mine[0].proxy
    if proxy.redirect:
        return None, "a redirect server sees only the INVITE"
    if any(g.HasField("gateway") for g in scenario.groups) or \
            scenario.traffic.callees.pstn_fraction > 0:
        return None, "calls through a gateway exchange other messages"
    rate = call_rate(scenario)
    start = max(scenario.traffic.start_s, warmup_s)
    stop = scenario.traffic.stop_s if scenario.traffic.stop_s > 0 else duration_s
    period = duration_s - warmup_s
    if rate <= 0 or period <= 0 or stop <= start:
        return None, "no calls in the measured period"
    calls = rate * (min(stop, duration_s) - start) / period
    cost = CALL_COST_AUTH if proxy.proxy_auth else CALL_COST
    return (calls * cost["invite"], calls * cost["request"], calls * cost["response"]), None


def proxy_references(trace, node_name):
    """M/M/c reference for a proxy with exponential service times.

    The arrival rate and message mix come from the messages the proxy received after the
    warm-up when the trace has message records (``source: "messages"``), else from the
    scenario's call rate x what a call costs the proxy (:func:`scenario_call_mix`,
    ``source: "scenario"``). The mean service time weights the INVITE, other-request and
    response service means by the mix. Returns a dict (arrival_rate, mean_service_s, servers,
    rho, lq, wq_s, exact, source, queue_limit) or ``None`` when the scenario gives the proxy no
    capacity, its service is not exponential, or the arrival rate is unknown. ``exact`` is
    false when the three means differ (then the service is a mixture of exponentials and M/M/c
    is an approximation).
    """
    scenario = trace.scenario
    if scenario is None:
        return None
    capacity = proxy_capacity(scenario, node_name)
    if capacity is None or capacity.workers == 0:
        return None
    dists = (capacity.invite_time, capacity.request_time, capacity.response_time)
    if any(d.WhichOneof("kind") != "exponential_mean" for d in dists):
        return None
    mix = _mix_from_messages(trace, node_name)
    source = "messages"
    if mix is None:
        mix, _ = scenario_call_mix(scenario, node_name, trace.warmup_s, trace.duration_s)
        source = "scenario"
    if mix is None or sum(mix) <= 0:
        return None
    means = [d.exponential_mean for d in dists]
    rate = sum(mix)
    mean_service = sum(m * r for m, r in zip(means, mix)) / rate
    result = mmc(rate, mean_service, capacity.workers)
    result.update(arrival_rate=rate, mean_service_s=mean_service, servers=int(capacity.workers),
                  exact=len(set(means)) == 1, queue_limit=int(capacity.queue_limit),
                  source=source)
    return result
