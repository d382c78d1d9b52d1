// WorkPool: every part of a job runs exactly once, on the workers and the caller, and run()
// returns only when all have returned.
#define BOOST_TEST_MODULE work_pool
#include "common/work_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

using cw::WorkPool;

BOOST_AUTO_TEST_CASE(every_part_runs_once) {
  WorkPool pool(3);
  BOOST_TEST(pool.threads() == 4U);
  for (const std::size_t parts : {0U, 1U, 2U, 7U, 1000U}) {
    std::vector<std::atomic<int>> runs(parts);
    pool.run(parts, [&](std::size_t i) { runs[i].fetch_add(1); });
    for (std::size_t i = 0; i < parts; ++i) BOOST_TEST(runs[i].load() == 1, "part " << i);
  }
}

BOOST_AUTO_TEST_CASE(parts_run_on_more_than_one_thread) {
  WorkPool pool(2);
  std::mutex mutex;
  std::condition_variable changed;
  std::set<std::thread::id> seen;
  // Each part waits (up to 5 s, however loaded the machine) for a second thread to take a part:
  // a pool whose workers never run parts leaves only the caller's thread here.
  pool.run(4, [&](std::size_t) {
    std::unique_lock lock(mutex);
    seen.insert(std::this_thread::get_id());
    changed.notify_all();
    changed.wait_for(lock, std::chrono::seconds(5), [&] { return seen.size() > 1; });
  });
  BOOST_TEST(seen.size() > 1U);
}

BOOST_AUTO_TEST_CASE(without_workers_the_caller_runs_the_parts_in_order) {
  WorkPool pool(0);
  BOOST_TEST(pool.threads() == 1U);
  const auto caller = std::this_thread::get_id();
  std::vector<std::size_t> order;
  pool.run(5, [&](std::size_t i) {
    BOOST_TEST((std::this_thread::get_id() == caller));
    order.push_back(i);
  });
  BOOST_TEST(order == (std::vector<std::size_t>{0, 1, 2, 3, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failing_part_is_rethrown_after_the_others_finish) {
  WorkPool pool(2);
  std::atomic<int> finished{0};
  BOOST_CHECK_THROW(pool.run(20,
                             [&](std::size_t i) {
                               if (i == 3) throw std::runtime_error("part 3");
                               finished.fetch_add(1);
                             }),
                    std::runtime_error);
  BOOST_TEST(finished.load() == 19);
  // The pool still serves the next job.
  std::atomic<int> next{0};
  pool.run(10, [&](std::size_t) { next.fetch_add(1); });
  BOOST_TEST(next.load() == 10);
}

BOOST_AUTO_TEST_CASE(jobs_from_several_threads_all_complete) {
  WorkPool pool(2);
  constexpr int kCallers = 4;
  constexpr std::size_t kParts = 200;
  std::vector<std::atomic<int>> sums(kCallers);
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 50; ++round) {
        pool.run(kParts, [&](std::size_t) { sums[static_cast<std::size_t>(c)].fetch_add(1); });
      }
    });
  }
  for (auto& caller : callers) caller.join();
  for (const auto& sum : sums) BOOST_TEST(sum.load() == static_cast<int>(50 * kParts));
}
