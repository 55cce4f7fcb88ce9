// Long native work off the event loop and off the libuv pool: every async binding settles its
// promise through here.
//   * RunJob runs the work on a thread of dendrite's own (one per running job, reused for the
//     next job for a moment; at the lower compute priority), so fits and predictAsync never
//     hold a libuv pool thread (fs, dns, zlib and crypto keep theirs).
//   * AwaitJob is the same promise for work that runs elsewhere (the communication thread):
//     the caller gets a `finish` function that any thread calls once.
// Completions reach the JS thread through one thread-safe function per environment, referenced
// only while jobs are pending. A terminating environment (worker.terminate(), process exit) is
// safe: an env cleanup hook cancels the pending jobs, waits until they are done (they touch JS
// memory that goes away with the environment; at most 10 s), and settles nothing; no
// completion ever runs or throws into a dying environment.
#ifndef DENDRITE_BINDING_JOB_RUNNER_H_
#define DENDRITE_BINDING_JOB_RUNNER_H_

#include <napi.h>

#include <functional>
#include <string>
#include <vector>

namespace dendrite {
namespace binding {

// What a job gives back: a number, or an error message (rejects with an Error of that message
// and the number as its `done` property).
struct JobOutcome {
  double value = 0;
  std::string error;
};

struct JobSpec {
  // JS objects (the arrays the work touches, the owner) held until the job settles.
  std::vector<Napi::ObjectReference> keep;
  // Asks the work to stop early; called from the cleanup hook of a terminating environment.
  std::function<void()> cancel;
  // On the JS thread just before the promise settles (never in a dying environment).
  std::function<void()> settled;
  // Resolve with undefined instead of the outcome's number (Promise<void> APIs).
  bool resolves_undefined = false;
};

// Runs `work` on a new thread of dendrite's; the promise settles with its outcome. `work`
// must not throw (an escaped exception becomes a rejection anyway).
Napi::Promise RunJob(Napi::Env env, JobSpec spec, std::function<JobOutcome()> work);

// For work that runs on a thread someone else owns: `begin` receives `finish`, to be called
// exactly once, from any thread, with the outcome.
using JobFinish = std::function<void(JobOutcome)>;
Napi::Promise AwaitJob(Napi::Env env, JobSpec spec, const std::function<void(JobFinish)>& begin);

}  // namespace binding
}  // namespace dendrite

#endif  // DENDRITE_BINDING_JOB_RUNNER_H_
