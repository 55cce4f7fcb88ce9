// A small most-recently-used cache by size key, for the training loops' per-batch-size
// workspaces: a few sizes are live at once (full and last batch, predict sizes), and calls
// with ever-changing sizes must not grow memory.
#ifndef DENDRITE_RECENT_H_
#define DENDRITE_RECENT_H_

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace dendrite {

template <class T>
using RecentEntries = std::vector<std::pair<size_t, std::unique_ptr<T>>>;  // least recently used first

// The entry for `key`, made by make() (returning std::unique_ptr<T>) when absent; the least
// recently used entry goes first when `capacity` entries exist.
template <class T, class Make>
T& recent_entry(RecentEntries<T>& entries, size_t key, size_t capacity, Make make) {
  auto found = std::find_if(entries.begin(), entries.end(), [key](const auto& e) { return e.first == key; });
  if (found != entries.end()) {
    std::rotate(found, found + 1, entries.end());  // most recently used last
    return *entries.back().second;
  }
  if (entries.size() >= capacity) entries.erase(entries.begin());  // before make(): memory may be tight
  entries.emplace_back(key, make());
  return *entries.back().second;
}

}  // namespace dendrite

#endif  // DENDRITE_RECENT_H_
