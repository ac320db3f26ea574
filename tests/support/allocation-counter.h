/*
 * Counts heap allocations made through operator new by replacing the global operator new and
 * delete. Include this header in exactly one translation unit of an executable (a test or a
 * benchmark); sipsim::test::AllocationCount() then reads the count.
 */
#ifndef SIPSIM_ALLOCATION_COUNTER_H
#define SIPSIM_ALLOCATION_COUNTER_H

#include <atomic>
#include <cstdlib>
#include <new>

namespace sipsim {
namespace test {

inline std::atomic<size_t> g_allocationCount{0};

/// Number of operator new calls so far in this process.
inline size_t
AllocationCount()
{
    return g_allocationCount.load(std::memory_order_relaxed);
}

} // namespace test
} // namespace sipsim

void*
operator new(size_t size)
{
    sipsim::test::g_allocationCount.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size))
    {
        return p;
    }
    throw std::bad_alloc();
}

void
operator delete(void* p) noexcept
{
    std::free(p);
}

void
operator delete(void* p, size_t) noexcept
{
    std::free(p);
}

#endif // SIPSIM_ALLOCATION_COUNTER_H
